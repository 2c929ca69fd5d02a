package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// The tests' application, modelled on the transition package's: projects
// with a publication status and a review status gating publication, a
// parent project, and tasks deleted with their project.

type ProjectStatus int

func (ProjectStatus) StateType() *state.Type[ProjectStatus] { return ProjectState }

var ProjectState = state.NewType[ProjectStatus]("ProjectState")

var (
	Draft     = ProjectState.State(1, "Draft")
	Published = ProjectState.State(2, "Published", state.Description("visible to everyone"))
	Withdrawn = ProjectState.State(3, "Withdrawn")
	Deleted   = ProjectState.State(4, "Deleted", state.Final())
	Gone      = ProjectState.Group("gone", "Gone", Withdrawn.Or(Deleted))
)

type ReviewStatus string

func (ReviewStatus) StateType() *state.Type[ReviewStatus] { return ReviewState }

var ReviewState = state.NewType[ReviewStatus]("ReviewState")

var (
	Pending  = ReviewState.State("pending", "Pending")
	Approved = ReviewState.State("approved", "Approved", state.Final())
	Rejected = ReviewState.State("rejected", "Rejected", state.Final())
)

type TaskStatus int

func (TaskStatus) StateType() *state.Type[TaskStatus] { return TaskState }

var TaskState = state.NewType[TaskStatus]("TaskState")

var (
	Open        = TaskState.State(1, "Open")
	Done        = TaskState.State(2, "Done")
	TaskDeleted = TaskState.State(3, "Deleted", state.Final())
	Live        = TaskState.Group("live", "Live", Open.Or(Done))
)

type Project struct {
	ID          int64
	ParentID    int64
	Owner       string
	Status      state.State[ProjectStatus]
	Review      state.State[ReviewStatus]
	StartAt     time.Time
	PublishedAt time.Time
	Reason      string
}

type Task struct {
	ID        int64
	ProjectID int64
	Owner     string
	Status    state.State[TaskStatus]
}

// User is the application's actor type.
type User struct {
	Name  string
	Admin bool
}

func (u User) String() string { return u.Name }

var (
	Status    = state.Bind(ProjectState, "status", func(p *Project) *state.State[ProjectStatus] { return &p.Status })
	Review    = state.Bind(ReviewState, "review", func(p *Project) *state.State[ReviewStatus] { return &p.Review })
	TaskField = state.Bind(TaskState, "status", func(t *Task) *state.State[TaskStatus] { return &t.Status })

	// Future is a published project that has not started yet.
	Future = Status.Conditional("future", "Future", Published, func(p *Project, now time.Time) bool { return p.StartAt.After(now) })
)

// store is the tests' in-memory database of related objects: the unit of
// work their loaders read through.
type store struct {
	projects map[int64]*Project
	tasks    map[int64][]*Task
	fail     error // returned by every load when set
}

func loadParent(_ context.Context, s *store, p *Project) (*Project, error) {
	if s.fail != nil {
		return nil, s.fail
	}
	if p.ParentID == 0 {
		return nil, nil
	}
	parent := s.projects[p.ParentID]
	if parent == nil {
		return nil, errors.New("parent not found")
	}
	return parent, nil
}

func loadTasks(_ context.Context, s *store, p *Project) ([]*Task, error) {
	if s.fail != nil {
		return nil, s.fail
	}
	return s.tasks[p.ID], nil
}

func isOwner(_ context.Context, u User, p *Project) bool { return u.Name == p.Owner }
func isAdmin(_ context.Context, u User, _ *Project) bool { return u.Admin }

// Inputs.

type PublishInput struct {
	StartAt time.Time `json:"start_at,omitzero"`
}

type WithdrawInput struct {
	Reason string `json:"reason"`
}

func (in WithdrawInput) Validate() error {
	if in.Reason == "" {
		return transition.FieldError{Field: "/reason", Message: "must not be empty"}
	}
	return nil
}

type DecideInput struct {
	Approve bool `json:"approve"`
}

// The machines and transitions.

var (
	Projects = transition.For[User, *store](Status).Initial(Draft).Identify(func(p *Project) any { return p.ID })
	Reviews  = transition.For[User, *store](Review).Identify(func(p *Project) any { return p.ID })
	Tasks    = transition.For[User, *store](TaskField).Identify(func(t *Task) any { return t.ID })
)

var (
	Publish = transition.New[PublishInput](Projects, "publish",
		transition.From(Draft, Withdrawn).To(Published),
	).Allow("owner", isOwner).Allow("admin", isAdmin).
		When(Review.In(Approved)).
		WhenRelated(transition.Related("parent", loadParent, Status.In(Published)).IfAny()).
		Effect("set the start date", func(ctx context.Context, _ *store, e *transition.Event[Project, ProjectStatus, User, PublishInput]) error {
			if !e.Input.StartAt.IsZero() {
				e.Model.StartAt = e.Input.StartAt
			}
			return nil
		}).
		Effect("stamp the publication", func(ctx context.Context, _ *store, e *transition.Event[Project, ProjectStatus, User, PublishInput]) error {
			e.Model.PublishedAt = e.At
			return nil
		})

	Withdraw = transition.New[WithdrawInput](Projects, "withdraw",
		transition.From(Published).To(Withdrawn),
	).Allow("owner", isOwner).
		Effect("record the reason", func(ctx context.Context, _ *store, e *transition.Event[Project, ProjectStatus, User, WithdrawInput]) error {
			e.Model.Reason = e.Input.Reason
			return nil
		})

	Delete = transition.New[transition.NoInput](Projects, "delete",
		transition.From(Draft, Withdrawn).To(Deleted),
	).Allow("owner", isOwner).Allow("admin", isAdmin).
		Cascade(transition.Each("tasks", loadTasks, DeleteTask))

	Edit = transition.New[transition.NoInput](Projects, "edit",
		transition.From(Draft).Stay(),
	).AllowAnyone()

	Decide = transition.New[DecideInput](Reviews, "decide",
		transition.From(Pending).To(Approved, Rejected),
	).Allow("admin", isAdmin).
		Choose(func(_ context.Context, p *Project, in DecideInput) state.State[ReviewStatus] {
			if in.Approve {
				return Approved
			}
			return Rejected
		})

	DeleteTask = transition.New[transition.NoInput](Tasks, "delete",
		transition.From(Live).To(TaskDeleted),
	).Allow("task_owner", func(_ context.Context, u User, t *Task) bool { return u.Name == t.Owner }).
		Allow("admin", func(_ context.Context, u User, _ *Task) bool { return u.Admin })

	FinishTask = transition.New[transition.NoInput](Tasks, "finish",
		transition.From(Open).To(Done),
	).AllowAnyone()
)

var (
	alice = User{Name: "alice"}
	bob   = User{Name: "bob"}
	root  = User{Name: "root", Admin: true}
)

// clock is the tests' fixed time.
func clock() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }

// memOf returns the Memory store whose unit of work is s, on the tests'
// clock.
func memOf(s *store) *transition.MemoryStore[*store] {
	if s == nil {
		s = &store{}
	}
	return transition.Memory(s, clock)
}

// testContext returns a context and the Memory store of s.
func testContext(s *store) (context.Context, *transition.MemoryStore[*store]) {
	return context.Background(), memOf(s)
}

// cmpOpts compares Availabilities: sentinel errors by identity, input
// types by identity.
var cmpOpts = cmp.Options{
	cmpopts.EquateErrors(),
	cmp.Comparer(func(a, b reflect.Type) bool { return a == b }),
}

// reason is a transition.Reason as its words, for comparisons.
type reason struct {
	Err                   error
	Code, Message, Object string
}

func reasonsOf(rs []transition.Reason) []reason {
	if rs == nil {
		return nil
	}
	out := make([]reason, len(rs))
	for i, r := range rs {
		out[i] = reason{Err: r.Err, Code: r.Code, Message: r.Message(), Object: r.Object}
	}
	return out
}

// avail is a transition.Availability with its reasons as words.
type avail struct {
	Name, Title string
	Available   bool
	Reasons     []reason
	Targets     []transition.StateRef
	Stays       bool
	NeedsInput  bool
	Required    []string
	Schema      json.RawMessage
}

func availOf(avs []transition.Availability) []avail {
	out := make([]avail, len(avs))
	for i, a := range avs {
		out[i] = avail{Name: a.Name, Title: a.Title, Available: a.Available, Reasons: reasonsOf(a.Reasons), Targets: a.Targets,
			Stays: a.Stays, NeedsInput: a.NeedsInput, Required: a.Required, Schema: a.Schema}
	}
	return out
}

// refs are states as an Availability's Targets list them.
func refs[T comparable](ss ...state.State[T]) []transition.StateRef {
	out := make([]transition.StateRef, len(ss))
	for i, s := range ss {
		out[i] = transition.StateRef{Value: s.Get(), Title: s.Title()}
	}
	return out
}
