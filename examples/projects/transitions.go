package main

import (
	"context"
	"time"

	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
)

// User is whoever acts: the application's own type.
type User struct {
	Name  string
	Admin bool
}

func (u User) String() string { return u.Name }

// The machines: one per state field, run by Users in units of work that
// are *Repos. Each loads and saves its model through its table (see
// repo.go), comparing and setting its version. A project has two state
// fields, its status and its review: two machines on one table.
var (
	Projects = transition.For[User, *Repo](Status).Initial(Draft).
			Identify(func(p *Project) any { return p.ID }).
			Version(func(p *Project) *int64 { return &p.Version }).
			Table(projectRows)
	Reviews = transition.For[User, *Repo](Review).Initial(Pending).
		Identify(func(p *Project) any { return p.ID }).
		Version(func(p *Project) *int64 { return &p.Version }).
		Table(projectRows)
	Tasks = transition.For[User, *Repo](TaskStatusOf).Initial(Open).
		Identify(func(t *Task) any { return t.ID }).
		Version(func(t *Task) *int64 { return &t.Version }).
		Table(taskRows)
)

// ProjectEvent and TaskEvent are the events of transitions with input I;
// the aliases keep the effects' signatures short.
type (
	ProjectEvent[I any] = transition.Event[Project, ProjectStatus, User, I]
	TaskEvent[I any]    = transition.Event[Task, TaskStatus, User, I]
)

func ownsProject(_ context.Context, u User, p *Project) bool { return u.Name == p.Owner }
func ownsTask(_ context.Context, u User, t *Task) bool       { return u.Name == t.Owner }
func isAdmin[M any](_ context.Context, u User, _ *M) bool    { return u.Admin }

// tasksOf is the relation Delete cascades over, read in the unit of work.
func tasksOf(ctx context.Context, r *Repo, p *Project) ([]*Task, error) {
	return r.Tasks(ctx, sqlexpr.Col("project_id").Eq(p.ID))
}

// PublishInput is what the actor may supply to publish.
type PublishInput struct {
	StartAt time.Time `json:"start_at,omitzero"`
}

// WithdrawInput is what the actor must supply to withdraw: a reason.
type WithdrawInput struct {
	Reason string `json:"reason" jsonschema:"minLength=1"`
}

// Validate requires a reason.
func (in WithdrawInput) Validate() error {
	if in.Reason == "" {
		return transition.FieldError{Field: "/reason", Code: "required", Message: "is required"}
	}
	return nil
}

// AssignInput names whom a task is handed to.
type AssignInput struct {
	Owner string `json:"owner" jsonschema:"minLength=1"`
}

// Validate requires an owner.
func (in AssignInput) Validate() error {
	if in.Owner == "" {
		return transition.FieldError{Field: "/owner", Code: "required", Message: "is required"}
	}
	return nil
}

var (
	// Publish needs the project's review Approved: a condition on its
	// other state field.
	Publish = transition.New[PublishInput](Projects, "publish",
		transition.From(Draft, Withdrawn).To(Published),
	).Allow("owner", ownsProject).
		When(Review.In(Approved)).
		Validate(func(_ context.Context, _ *Repo, _ *Project, in PublishInput) error {
			if !in.StartAt.IsZero() && in.StartAt.Before(clock()) {
				return transition.FieldError{Field: "/start_at", Message: "must not be in the past"}
			}
			return nil
		}).
		Effect("set the start date", func(_ context.Context, _ *Repo, e *ProjectEvent[PublishInput]) error {
			if !e.Input.StartAt.IsZero() {
				e.Model.StartAt = e.Input.StartAt
			}
			return nil
		})

	// Withdraw moves both fields: the status to Withdrawn, and the review,
	// whatever it was, back to Pending, so that publishing again needs a
	// new approval. Both change together or not at all, and the history
	// has a row for each.
	Withdraw = transition.New[WithdrawInput](Projects, "withdraw",
		transition.From(Published).To(Withdrawn),
	).Also(transition.Field(Review, transition.From(ReviewState.Any()).To(Pending))).
		Allow("owner", ownsProject).
		Effect("record the reason", func(_ context.Context, _ *Repo, e *ProjectEvent[WithdrawInput]) error {
			e.Model.Reason = e.Input.Reason
			return nil
		})

	// Redraft starts from a conditional group: a project is Recallable
	// when it is Withdrawn, or Published and starting after the unit of
	// work's time. A project that has started is not.
	Redraft = transition.New[transition.NoInput](Projects, "redraft",
		transition.From(Recallable).To(Draft),
	).Allow("owner", ownsProject)

	Delete = transition.New[transition.NoInput](Projects, "delete",
		transition.From(Draft, Withdrawn).To(Deleted),
	).Allow("owner", ownsProject).Allow("admin", isAdmin[Project]).
		Cascade(transition.Each("tasks", tasksOf, DeleteTask))

	// The review's own transitions: an admin approves or rejects a
	// pending review; the owner reopens a rejected one.
	Approve = transition.New[transition.NoInput](Reviews, "approve",
		transition.From(Pending).To(Approved),
	).Allow("admin", isAdmin[Project])

	Reject = transition.New[transition.NoInput](Reviews, "reject",
		transition.From(Pending).To(Rejected),
	).Allow("admin", isAdmin[Project])

	Reopen = transition.New[transition.NoInput](Reviews, "reopen",
		transition.From(Rejected).To(Pending),
	).Allow("owner", ownsProject)

	FinishTask = transition.New[transition.NoInput](Tasks, "finish",
		transition.From(Open).To(Done),
	).Allow("task_owner", ownsTask)

	// Assign keeps the task's state: only the version column tells a
	// writer holding a stale copy that someone else assigned it first.
	Assign = transition.New[AssignInput](Tasks, "assign",
		transition.From(Open).Stay(),
	).Allow("task_owner", ownsTask).Allow("admin", isAdmin[Task]).
		Effect("hand it over", func(_ context.Context, _ *Repo, e *TaskEvent[AssignInput]) error {
			e.Model.Owner = e.Input.Owner
			return nil
		})

	DeleteTask = transition.New[transition.NoInput](Tasks, "delete",
		transition.From(Open, Done).To(TaskDeleted),
	).Allow("task_owner", ownsTask).Allow("admin", isAdmin[Task])
)
