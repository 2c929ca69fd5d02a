package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// The tests' application: projects (with a version column) holding tasks
// (without one, so their saves compare the columns they change). Deleting
// a project deletes its tasks; renaming keeps the state and changes a
// column; assigning a task changes its owner.

type User struct{ Name string }

func (u User) String() string { return u.Name }

var (
	alice = User{"alice"}
	bob   = User{"bob"}
)

type ProjectStatus string

func (ProjectStatus) StateType() *state.Type[ProjectStatus] { return ProjectState }

type TaskStatus string

func (TaskStatus) StateType() *state.Type[TaskStatus] { return TaskState }

var (
	ProjectState     = state.NewType[ProjectStatus]("ProjectState")
	Draft            = ProjectState.State("draft", "Draft")
	Published        = ProjectState.State("published", "Published")
	ProjectDeleted   = ProjectState.State("deleted", "Deleted", state.Final())
	TaskState        = state.NewType[TaskStatus]("TaskState")
	Open             = TaskState.State("open", "Open")
	Closed           = TaskState.State("closed", "Closed")
	TaskDeleted      = TaskState.State("deleted", "Deleted", state.Final())
	ProjectStatusOf  = state.Bind(ProjectState, "status", func(p *Project) *state.State[ProjectStatus] { return &p.Status })
	TaskStatusOf     = state.Bind(TaskState, "status", func(t *Task) *state.State[TaskStatus] { return &t.Status })
	errEffectFailed  = errors.New("effect failed")
	fixedNow         = time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)
	clock            = func() time.Time { return fixedNow }
	afterCommitCalls = make(chan string, 1000)
)

type Project struct {
	ID      int64
	Title   string
	Status  state.State[ProjectStatus]
	Version int64
}

type Task struct {
	ID        int64
	ProjectID int64
	Owner     string
	Status    state.State[TaskStatus]
}

// Repo is the unit of work: the transaction, as the Store gives it.
type Repo struct{ q sqlstore.Querier }

func newRepo(q sqlstore.Querier) *Repo { return &Repo{q} }

func tasksOf(ctx context.Context, r *Repo, p *Project) ([]*Task, error) {
	return taskRows.Select(ctx, r.q, sqlexpr.And(sqlexpr.Col("project_id").Eq(p.ID), sqlexpr.Col("status").Ne("deleted")), sqlstore.NoLock)
}

var (
	projectRows = sqlstore.Map[*Repo]("projects", func(p *Project) []sqlstore.Column {
		return []sqlstore.Column{
			sqlstore.Key("id", &p.ID),
			sqlstore.Col("title", &p.Title),
			sqlstore.Col("status", &p.Status),
			sqlstore.Version("version", &p.Version),
		}
	})
	taskRows = sqlstore.Map[*Repo]("tasks", func(t *Task) []sqlstore.Column {
		return []sqlstore.Column{
			sqlstore.Key("id", &t.ID),
			sqlstore.Col("project_id", &t.ProjectID),
			sqlstore.Col("owner", &t.Owner),
			sqlstore.Col("status", &t.Status),
		}
	})

	Projects = transition.For[User, *Repo](ProjectStatusOf).Identify(func(p *Project) any { return p.ID }).
			Version(func(p *Project) *int64 { return &p.Version }).Table(projectRows)
	Tasks = transition.For[User, *Repo](TaskStatusOf).Identify(func(t *Task) any { return t.ID }).Table(taskRows)

	CreateProject = transition.New[struct {
		Title string `json:"title"`
	}](Projects, "create", transition.Create(Draft)).AllowAnyone().
		Effect("title", func(_ context.Context, _ *Repo, e *transition.Event[Project, ProjectStatus, User, struct {
			Title string `json:"title"`
		}]) error {
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
				return errEffectFailed
			}
			if e.Input.Title == "panic" {
				panic("renaming panicked")
			}
			e.Model.Title = e.Input.Title
			return nil
		})
	DeleteProject = transition.New[transition.NoInput](Projects, "delete", transition.From(Draft, Published).To(ProjectDeleted)).
			AllowAnyone().
			Cascade(transition.Each("tasks", tasksOf, DeleteTask))
	DeleteTask = transition.New[transition.NoInput](Tasks, "delete", transition.From(Open, Closed).To(TaskDeleted)).AllowAnyone()
	CloseTask  = transition.New[transition.NoInput](Tasks, "close", transition.From(Open).To(Closed)).AllowAnyone()
	Assign     = transition.New[AssignInput](Tasks, "assign", transition.From(Open).Stay()).AllowAnyone().
			Effect("owner", func(_ context.Context, _ *Repo, e *transition.Event[Task, TaskStatus, User, AssignInput]) error {
			e.Model.Owner = e.Input.Owner
			return nil
		})
)

// Fault injection: a transition that cancels its own context, and a
// cascade whose children's save the database refuses.
var (
	CancelMidway = transition.New[cancelInput](Projects, "cancel_midway", transition.From(Draft, Published).Stay()).AllowAnyone().
			Effect("cancel", func(_ context.Context, _ *Repo, e *transition.Event[Project, ProjectStatus, User, cancelInput]) error {
			e.Model.Title = "cancelled"
			e.Input.cancel()
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
		Cascade(transition.Each("tasks", tasksOf, Scribble))
)

type cancelInput struct{ cancel func() }

type RenameInput struct {
	Title string `json:"title"`
}

type AssignInput struct {
	Owner string `json:"owner"`
}

// env is a test database with the application's tables, and its Store.
type env struct {
	*dbtest.DB
	store *sqlstore.Store[*Repo]
	ctx   context.Context
}

// setup creates the tables in db and opens a Store on it.
func setup(t testing.TB, db *dbtest.DB, opts *sqlstore.Options) *env {
	t.Helper()
	ctx := context.Background()
	if opts == nil {
		opts = &sqlstore.Options{}
	}
	if opts.Now == nil {
		opts.Now = clock
	}
	st, err := sqlstore.New(db.DB, db.Dialect, newRepo, opts)
	require.NoError(t, err)
	require.NoError(t, st.Migrate(ctx))
	pcheck, err := ProjectState.CheckConstraint(db.Dialect, "status")
	require.NoError(t, err)
	tcheck, err := TaskState.CheckConstraint(db.Dialect, "status")
	require.NoError(t, err)
	id := "INTEGER PRIMARY KEY"
	if db.Name == "postgres" {
		id = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
	}
	for _, q := range []string{
		`CREATE TABLE projects (id ` + id + `, title TEXT NOT NULL, status TEXT NOT NULL ` + pcheck + `, version BIGINT NOT NULL DEFAULT 0)`,
		`CREATE TABLE tasks (id ` + id + `, project_id BIGINT NOT NULL REFERENCES projects, owner TEXT NOT NULL DEFAULT '' CHECK (owner <> 'forbidden'), status TEXT NOT NULL ` + tcheck + `)`,
	} {
		_, err := db.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	return &env{DB: db, store: st, ctx: ctx}
}

// exec runs a statement written with ? placeholders in either dialect.
func (e *env) exec(t testing.TB, query string, args ...any) {
	t.Helper()
	_, err := e.ExecContext(e.ctx, e.rebind(query), args...)
	require.NoError(t, err, query)
}

func (e *env) rebind(q string) string {
	if e.Name != "postgres" {
		return q
	}
	out, n := []byte{}, 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = fmt.Appendf(out, "$%d", n)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}

// project inserts a project and returns it as stored.
func (e *env) project(t testing.TB, title string, status state.State[ProjectStatus], tasks int) *Project {
	t.Helper()
	p := &Project{Title: title, Status: status}
	require.NoError(t, e.DB.QueryRowContext(e.ctx, e.rebind(`INSERT INTO projects (title, status) VALUES (?, ?) RETURNING id`), title, status).Scan(&p.ID))
	for range tasks {
		e.exec(t, `INSERT INTO tasks (project_id, status) VALUES (?, 'open')`, p.ID)
	}
	return p
}

// loadProject reads project id as stored.
func (e *env) loadProject(t testing.TB, id int64) *Project {
	t.Helper()
	ps, err := projectRows.Select(e.ctx, e.querier(), sqlexpr.Col("id").Eq(id), sqlstore.NoLock)
	require.NoError(t, err)
	if len(ps) == 0 {
		return nil
	}
	return ps[0]
}

// tasks reads the tasks of project id as stored.
func (e *env) tasks(t testing.TB, id int64) []*Task {
	t.Helper()
	ts, err := taskRows.Select(e.ctx, e.querier(), sqlexpr.Col("project_id").Eq(id), sqlstore.NoLock)
	require.NoError(t, err)
	return ts
}

// querier returns the database as a Querier, outside any unit of work.
func (e *env) querier() sqlstore.Querier { return e.store.Querier() }

// history returns every history row.
func (e *env) history(t testing.TB) []sqlstore.Record {
	t.Helper()
	rs, err := e.store.History(e.ctx, sqlstore.Filter{})
	require.NoError(t, err)
	return rs
}
