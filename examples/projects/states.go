package main

import (
	"time"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// ProjectStatus is the value stored in the projects.status column.
type ProjectStatus int

// StateType lets a Project's zero Status field be scanned and decoded.
func (ProjectStatus) StateType() *state.Type[ProjectStatus] { return ProjectState }

// ProjectState declares the states of a project's publication status.
var ProjectState = state.NewType[ProjectStatus]("ProjectState")

var (
	Draft     = ProjectState.State(1, "Draft")
	Published = ProjectState.State(2, "Published")
	Withdrawn = ProjectState.State(3, "Withdrawn", state.Description("Taken down by its owner"))
	Deleted   = ProjectState.State(4, "Deleted", state.Final())

	// Gone is the seed's is_gone = is_withdrawn | is_deleted, with its title.
	Gone = ProjectState.Group("gone", "Gone", Withdrawn.Or(Deleted))
)

// ReviewStatus is the value stored in the projects.review column: a
// project's second state field, its review.
type ReviewStatus string

// StateType lets a Project's zero Review field be scanned and decoded.
func (ReviewStatus) StateType() *state.Type[ReviewStatus] { return ReviewState }

// ReviewState declares the states of a project's review. No state is
// final: withdrawing a project sends it back to Pending, whatever its
// review was (see Withdraw).
var ReviewState = state.NewType[ReviewStatus]("ReviewState")

var (
	Pending  = ReviewState.State("pending", "Pending")
	Approved = ReviewState.State("approved", "Approved")
	Rejected = ReviewState.State("rejected", "Rejected")
)

// TaskStatus is the value stored in the tasks.status column.
type TaskStatus string

// StateType lets a Task's zero Status field be scanned and decoded.
func (TaskStatus) StateType() *state.Type[TaskStatus] { return TaskState }

// TaskState declares the states of a task.
var TaskState = state.NewType[TaskStatus]("TaskState")

var (
	Open        = TaskState.State("open", "Open")
	Done        = TaskState.State("done", "Done")
	TaskDeleted = TaskState.State("deleted", "Deleted", state.Final())
)

// Project is the application's own model; its state fields are plain
// struct fields.
type Project struct {
	ID      int64
	Title   string
	Owner   string
	Status  state.State[ProjectStatus]
	Review  state.State[ReviewStatus] // a second state field, on its own column
	StartAt time.Time
	Reason  string // why it was withdrawn
	Version int64  // bumped by every save, compared by the next (see Machine.Version)
}

// Task belongs to a project.
type Task struct {
	ID        int64
	ProjectID int64
	Title     string
	Owner     string
	Status    state.State[TaskStatus]
	Version   int64
}

var (
	// Status binds ProjectState to Project.Status, stored in column "status".
	Status = state.Bind(ProjectState, "status", func(p *Project) *state.State[ProjectStatus] { return &p.Status })
	// Review binds ReviewState to Project.Review, stored in column "review".
	Review = state.Bind(ReviewState, "review", func(p *Project) *state.State[ReviewStatus] { return &p.Review })
	// TaskStatusOf binds TaskState to Task.Status.
	TaskStatusOf = state.Bind(TaskState, "status", func(t *Task) *state.State[TaskStatus] { return &t.Status })
)

// clock is the program's time: the Store stamps each unit of work with it,
// the transitions test Future at that time, and Publish's validator reads
// it (a validator is given no time of its own). main fixes where it
// starts, and run moves it on a minute per request, so that the output is
// the same on every run.
var clock = time.Now

// Future is the seed's is_future: published, and starting after now. The
// Go test and the SQL predicate say the same thing, at the same time: the
// time is passed in, and bound in SQL with At.
var Future = Status.Conditional("future", "Future", Published,
	func(p *Project, now time.Time) bool { return p.StartAt.After(now) },
).WithSQL(sqlexpr.Col("start_at").Gt(sqlexpr.Now()))

// Recallable is the seed's conditional group: withdrawn, or Future
// (published, not started yet), a project its owner may still take back to
// Draft (see Redraft). Whether a project is in it depends on its start
// date, not on its state alone, so it is a *state.Conditional, not a
// group: Recallable.Match(p, now) in Go, and in SQL the OR of its members'
// predicates, Withdrawn's and Future's, with Future's time bound by At.
var Recallable = Status.Group("recallable", "Recallable", Withdrawn, Future)
