package state_test

import (
	"time"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// The seed's ProjectState, in Go.

type ProjectStatus int

func (ProjectStatus) StateType() *state.Type[ProjectStatus] { return ProjectState }

var ProjectState = state.NewType[ProjectStatus]("ProjectState")

var (
	Draft     = ProjectState.State(1, "Draft")
	Published = ProjectState.State(2, "Published")
	Withdrawn = ProjectState.State(3, "Withdrawn", state.Description("Taken down by its owner"))
	Deleted   = ProjectState.State(4, "Deleted", state.Final())
	Gone      = ProjectState.Group("gone", "Gone", Withdrawn.Or(Deleted))
	Visible   = ProjectState.Group("visible", "Visible", Draft.Or(Published))
)

// A second state type on the same model, with string values and a nullable
// column.

type ReviewStatus string

func (ReviewStatus) StateType() *state.Type[ReviewStatus] { return ReviewState }

var ReviewState = state.NewType[ReviewStatus]("ReviewState")

var (
	Requested = ReviewState.State("requested", "Review requested")
	Approved  = ReviewState.State("approved", "Approved")
	Rejected  = ReviewState.State("rejected", "Rejected")
	Decided   = ReviewState.Group("decided", "Decided", Approved.Or(Rejected))
)

type Project struct {
	ID      int64
	Status  state.State[ProjectStatus]
	Review  state.Null[ReviewStatus]
	StartAt time.Time
}

var (
	Status = state.Bind(ProjectState, "status", func(p *Project) *state.State[ProjectStatus] { return &p.Status })
	Review = state.Bind(ReviewState, "review", func(p *Project) *state.State[ReviewStatus] { return &p.Review.State })
)

// now is the tests' clock: fixed, in UTC, in whole seconds, so SQL and Go
// compare the same instants.
var now = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }

var (
	Future = Status.Conditional("future", "Future", Published,
		func(p *Project, at time.Time) bool { return p.StartAt.After(at) },
	).WithSQL(sqlexpr.Raw(`"start_at" > ?`, sqlexpr.Now()))

	Running = Status.Conditional("running", "Running", Published,
		func(p *Project, at time.Time) bool { return !p.StartAt.After(at) },
	).WithSQL(sqlexpr.Raw(`"start_at" <= ?`, sqlexpr.Now()))

	// RecentlyGone has a group as its base.
	RecentlyGone = Status.Conditional("recently_gone", "Recently gone", Gone,
		func(p *Project, at time.Time) bool { return p.StartAt.After(at.Add(-30 * 24 * time.Hour)) },
	).WithSQL(sqlexpr.Col("start_at").Gt(sqlexpr.NowPlus(-30 * 24 * time.Hour)))

	// Unqueryable has no SQL of its own.
	Unqueryable = Status.Conditional("unqueryable", "Unqueryable", Draft, func(p *Project, _ time.Time) bool { return p.ID%2 == 0 })

	// Recallable is a conditional group: withdrawn, or published but not
	// started yet.
	Recallable = Status.Group("recallable", "Recallable", Withdrawn, Future)
)
