package main

import (
	"context"
	"time"

	"github.com/statecraft/statecraft/transition"
)

// User is whoever acts: the application's own type.
type User struct {
	Name  string
	Admin bool
}

func (u User) String() string { return u.Name }

// The machines: one per state field, run by Users.
var (
	Projects = transition.For[User](Status).Initial(Draft).Identify(func(p *Project) any { return p.ID })
	Tasks    = transition.For[User](TaskStatusOf).Initial(Open).Identify(func(t *Task) any { return t.ID })
)

// ProjectEvent is the event of a project transition with input I; the
// alias keeps the effects' signatures short.
type ProjectEvent[I any] = transition.Event[Project, ProjectStatus, User, I]

func ownsProject(_ context.Context, u User, p *Project) bool { return u.Name == p.Owner }
func isAdmin[M any](_ context.Context, u User, _ *M) bool    { return u.Admin }

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
		return transition.FieldError{Field: "reason", Message: "is required"}
	}
	return nil
}

var (
	Publish = transition.New[PublishInput](Projects, "publish",
		transition.From(Draft, Withdrawn).To(Published),
	).Allow("the owner", ownsProject).
		Validate(func(_ *Project, in PublishInput) error {
			if !in.StartAt.IsZero() && in.StartAt.Before(clock()) {
				return transition.FieldError{Field: "start_at", Message: "must not be in the past"}
			}
			return nil
		}).
		Effect("set the start date", func(_ context.Context, e *ProjectEvent[PublishInput]) error {
			if !e.Input.StartAt.IsZero() {
				e.Model.StartAt = e.Input.StartAt
			}
			return nil
		})

	Withdraw = transition.New[WithdrawInput](Projects, "withdraw",
		transition.From(Published).To(Withdrawn),
	).Allow("the owner", ownsProject).
		Effect("record the reason", func(_ context.Context, e *ProjectEvent[WithdrawInput]) error {
			e.Model.Reason = e.Input.Reason
			return nil
		})

	Delete = transition.New[transition.NoInput](Projects, "delete",
		transition.From(Draft, Withdrawn).To(Deleted),
	).Allow("the owner", ownsProject).Allow("an admin", isAdmin[Project]).
		Cascade(transition.Each("tasks", loadTasks, DeleteTask))

	FinishTask = transition.New[transition.NoInput](Tasks, "finish",
		transition.From(Open).To(Done),
	).Allow("the task's owner", ownsTask)

	DeleteTask = transition.New[transition.NoInput](Tasks, "delete",
		transition.From(Open, Done).To(TaskDeleted),
	).Allow("the task's owner", ownsTask).Allow("an admin", isAdmin[Task])
)

func ownsTask(_ context.Context, u User, t *Task) bool { return u.Name == t.Owner }
