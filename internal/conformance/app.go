// Package conformance is the suite every store of the transition seam must
// pass: package sqlstore's Store on SQLite and PostgreSQL, and package
// transitiontest's in-memory Store. Run runs it against a store a test
// opens; the application it runs (projects holding tasks) is declared here
// too, so that a store's own tests, of what only it does, can share it.
//
// Only tests import it: it is not part of the module's API.
package conformance

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// The application: projects (with a version column) holding tasks
// (without one, so their saves compare the columns they change). Deleting
// a project deletes its tasks; renaming keeps the state and changes a
// column; assigning a task changes its owner.

// User is the application's actor.
type User struct{ Name string }

func (u User) String() string { return u.Name }

// The actors the tests use.
var (
	Alice = User{"alice"}
	Bob   = User{"bob"}
)

// ProjectStatus is a project's state.
type ProjectStatus string

// StateType implements state.Typed.
func (ProjectStatus) StateType() *state.Type[ProjectStatus] { return ProjectState }

// TaskStatus is a task's state.
type TaskStatus string

// StateType implements state.Typed.
func (TaskStatus) StateType() *state.Type[TaskStatus] { return TaskState }

// The states, and the fields they bind.
var (
	ProjectState    = state.NewType[ProjectStatus]("ProjectState")
	Draft           = ProjectState.State("draft", "Draft")
	Published       = ProjectState.State("published", "Published")
	ProjectDeleted  = ProjectState.State("deleted", "Deleted", state.Final())
	TaskState       = state.NewType[TaskStatus]("TaskState")
	Open            = TaskState.State("open", "Open")
	Closed          = TaskState.State("closed", "Closed")
	TaskDeleted     = TaskState.State("deleted", "Deleted", state.Final())
	ProjectStatusOf = state.Bind(ProjectState, "status", func(p *Project) *state.State[ProjectStatus] { return &p.Status })
	TaskStatusOf    = state.Bind(TaskState, "status", func(t *Task) *state.State[TaskStatus] { return &t.Status })
)

// ErrEffectFailed is the error of Rename's effect given the title "fail".
var ErrEffectFailed = errors.New("effect failed")

// FixedNow is the time by Now, the clock the stores run on unless a test
// gives its own.
var FixedNow = time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)

// Now returns FixedNow.
func Now() time.Time { return FixedNow }

// afterCommitCalls receives a line from Publish's after-commit hook.
var afterCommitCalls = make(chan string, 1000)

// Drain returns what Publish's after-commit hook has noted ("publish 7")
// since the last Drain.
func Drain() []string {
	var out []string
	for {
		select {
		case s := <-afterCommitCalls:
			out = append(out, s)
		default:
			return out
		}
	}
}

// Project is a project, stored in table projects.
type Project struct {
	ID      int64
	Title   string
	Status  state.State[ProjectStatus]
	Version int64
}

// Task is a task of a project, stored in table tasks.
type Task struct {
	ID        int64
	ProjectID int64
	Owner     string
	Status    state.State[TaskStatus]
}

// Repo is the unit of work: the transaction, as the Store gives it.
type Repo struct{ Q sqlstore.Querier }

// NewRepo returns the unit of work over q: the unit a Store is made with.
func NewRepo(q sqlstore.Querier) *Repo { return &Repo{Q: q} }

// TasksOf reads a project's tasks that are not deleted.
func TasksOf(ctx context.Context, r *Repo, p *Project) ([]*Task, error) {
	return TaskRows.Select(ctx, r.Q, sqlexpr.And(sqlexpr.Col("project_id").Eq(p.ID), sqlexpr.Col("status").Ne("deleted")), sqlstore.NoLock)
}

// ProjectOf reads a task's project FOR SHARE: the row that allowed the
// task cannot change before the task commits.
func ProjectOf(ctx context.Context, r *Repo, t *Task) (*Project, error) {
	ps, err := ProjectRows.Select(ctx, r.Q, sqlexpr.Col("id").Eq(t.ProjectID), sqlstore.ForShare)
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	return ps[0], nil
}

// The tables, the machines and their transitions.
var (
	ProjectRows = sqlstore.Map[*Repo]("projects", func(p *Project) []sqlstore.Column {
		return []sqlstore.Column{
			sqlstore.Key("id", &p.ID),
			sqlstore.Col("title", &p.Title),
			sqlstore.Col("status", &p.Status),
			sqlstore.Version("version", &p.Version),
		}
	})
	TaskRows = sqlstore.Map[*Repo]("tasks", func(t *Task) []sqlstore.Column {
		return []sqlstore.Column{
			sqlstore.Key("id", &t.ID),
			sqlstore.Col("project_id", &t.ProjectID),
			sqlstore.Col("owner", &t.Owner),
			sqlstore.Col("status", &t.Status),
		}
	})

	Projects = transition.For[User, *Repo](ProjectStatusOf).Identify(func(p *Project) any { return p.ID }).
			Version(func(p *Project) *int64 { return &p.Version }).Table(ProjectRows)
	Tasks = transition.For[User, *Repo](TaskStatusOf).Identify(func(t *Task) any { return t.ID }).Table(TaskRows)

	CreateProject = transition.New[RenameInput](Projects, "create", transition.Create(Draft)).AllowAnyone().
			Effect("title", func(_ context.Context, _ *Repo, e *transition.Event[Project, ProjectStatus, User, RenameInput]) error {
			e.Model.Title = e.Input.Title
			return nil
		})
	Publish = transition.New[transition.NoInput](Projects, "publish", transition.From(Draft).To(Published)).AllowAnyone().
		AfterCommit("note", func(_ context.Context, e *transition.Event[Project, ProjectStatus, User, transition.NoInput]) error {
			select {
			case afterCommitCalls <- fmt.Sprintf("publish %d", e.Model.ID):
			default: // the tests that look drain it first; the others fill it
			}
			return nil
		})
	Unpublish = transition.New[transition.NoInput](Projects, "unpublish", transition.From(Published).To(Draft)).AllowAnyone()
	Rename    = transition.New[RenameInput](Projects, "rename", transition.From(Draft, Published).Stay()).AllowAnyone().
			Effect("title", func(_ context.Context, _ *Repo, e *transition.Event[Project, ProjectStatus, User, RenameInput]) error {
			if e.Input.Title == "fail" {
				return ErrEffectFailed
			}
			if e.Input.Title == "panic" {
				panic("renaming panicked")
			}
			e.Model.Title = e.Input.Title
			return nil
		})
	DeleteProject = transition.New[transition.NoInput](Projects, "delete", transition.From(Draft, Published).To(ProjectDeleted)).
			AllowAnyone().
			Cascade(transition.Each("tasks", TasksOf, DeleteTask))
	CreateTask = transition.New[transition.NoInput](Tasks, "create", transition.Create(Open)).AllowAnyone().
			WhenRelated(transition.Related("project", ProjectOf, ProjectStatusOf.In(Draft.Or(Published))))
	DeleteTask = transition.New[transition.NoInput](Tasks, "delete", transition.From(Open, Closed).To(TaskDeleted)).AllowAnyone()
	CloseTask  = transition.New[transition.NoInput](Tasks, "close", transition.From(Open).To(Closed)).AllowAnyone()
	Assign     = transition.New[AssignInput](Tasks, "assign", transition.From(Open).Stay()).AllowAnyone().
			Effect("owner", func(_ context.Context, _ *Repo, e *transition.Event[Task, TaskStatus, User, AssignInput]) error {
			e.Model.Owner = e.Input.Owner
			return nil
		})
)

// Fault injection: a transition that cancels its own context, and a
// cascade whose children's save a database's CHECK constraint refuses.
var (
	CancelMidway = transition.New[CancelInput](Projects, "cancel_midway", transition.From(Draft, Published).Stay()).AllowAnyone().
			Effect("cancel", func(_ context.Context, _ *Repo, e *transition.Event[Project, ProjectStatus, User, CancelInput]) error {
			e.Model.Title = "cancelled"
			e.Input.Cancel()
			return nil
		})
	Scribble = transition.New[transition.NoInput](Tasks, "scribble", transition.From(Open).Stay()).AllowAnyone().
			Effect("owner", func(_ context.Context, _ *Repo, e *transition.Event[Task, TaskStatus, User, transition.NoInput]) error {
			e.Model.Owner = "forbidden" // refused by the table's CHECK constraint
			return nil
		})
	Corrupt = transition.New[transition.NoInput](Projects, "corrupt", transition.From(Draft, Published).Stay()).AllowAnyone().
		Effect("title", func(_ context.Context, _ *Repo, e *transition.Event[Project, ProjectStatus, User, transition.NoInput]) error {
			e.Model.Title = "corrupted"
			return nil
		}).
		Cascade(transition.Each("tasks", TasksOf, Scribble))
)

// CancelInput is CancelMidway's input: the cancel function of the context
// it runs in.
type CancelInput struct{ Cancel func() }

// RenameInput is the input of Rename and CreateProject.
type RenameInput struct {
	Title string `json:"title"`
}

// AssignInput is Assign's input.
type AssignInput struct {
	Owner string `json:"owner"`
}

// Tables returns the statements that create the application's tables, in
// PostgreSQL's dialect when postgres is set and SQLite's otherwise.
func Tables(postgres bool) ([]string, error) {
	d, id := sqlexpr.SQLite, "INTEGER PRIMARY KEY"
	if postgres {
		d, id = sqlexpr.Postgres, "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
	}
	pcheck, err := ProjectState.CheckConstraint(d, "status")
	if err != nil {
		return nil, err
	}
	tcheck, err := TaskState.CheckConstraint(d, "status")
	if err != nil {
		return nil, err
	}
	return []string{
		`CREATE TABLE projects (id ` + id + `, title TEXT NOT NULL, status TEXT NOT NULL ` + pcheck + `, version BIGINT NOT NULL DEFAULT 0)`,
		`CREATE TABLE tasks (id ` + id + `, project_id BIGINT NOT NULL REFERENCES projects, owner TEXT NOT NULL DEFAULT '' CHECK (owner <> 'forbidden'), status TEXT NOT NULL ` + tcheck + `)`,
	}, nil
}

// Itoa formats an id as the history records it.
func Itoa(n int64) string { return strconv.FormatInt(n, 10) }
