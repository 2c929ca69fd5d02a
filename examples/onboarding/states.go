package main

import (
	"slices"
	"strings"
	"time"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// A user's onboarding has one state field, its status, and a checklist of
// steps the user works through. The seed kept both in a JSON file per user
// (uploads/admin/onboarding/*.json); here they are columns of the user's
// row in onboarding_progress.

// OnboardingStatus is the value stored in the onboarding_progress.status
// column, and in the legacy files' "status".
type OnboardingStatus string

// StateType lets an Onboarding's zero Status field be scanned and decoded.
func (OnboardingStatus) StateType() *state.Type[OnboardingStatus] { return OnboardingState }

// OnboardingState declares where a user's onboarding stands. These are
// the only values the import accepts, and, once the table is rebuilt,
// the only values the database does.
var OnboardingState = state.NewType[OnboardingStatus]("OnboardingState")

var (
	Invited    = OnboardingState.State("invited", "Invited", state.Description("Has an account, has not begun"))
	InProgress = OnboardingState.State("in_progress", "In progress")
	Blocked    = OnboardingState.State("blocked", "Blocked", state.Description("Waiting on an admin, with a reason"))
	Completed  = OnboardingState.State("completed", "Completed")
	Offboarded = OnboardingState.State("offboarded", "Offboarded", state.Final())
)

// Checklist is every step of the onboarding checklist, in order. A row
// keeps the steps done as text, in this order ("profile,team"), so that a
// checklist is equal to another exactly when its text is.
var Checklist = []string{"profile", "team", "billing"}

// Onboarding is one user's onboarding progress: a row of
// onboarding_progress, once a file of the legacy store.
type Onboarding struct {
	UserID  string // such as "u-102"; the user's own id, and the row's key
	Email   string
	Status  state.State[OnboardingStatus]
	Steps   string // the checklist steps done, in checklist order, comma-separated
	Reason  string // why an admin blocked it
	Version int64  // bumped by every save, compared by the next
}

// Done returns the checklist steps o has done, in checklist order.
func (o *Onboarding) Done() []string {
	if o.Steps == "" {
		return nil
	}
	return strings.Split(o.Steps, ",")
}

// Unfinished returns the checklist steps o has still to do, in order.
func (o *Onboarding) Unfinished() []string {
	var todo []string
	for _, s := range Checklist {
		if !slices.Contains(o.Done(), s) {
			todo = append(todo, s)
		}
	}
	return todo
}

// steps writes a set of steps as a row keeps them: in checklist order.
func steps(done []string) string {
	var in []string
	for _, s := range Checklist {
		if slices.Contains(done, s) {
			in = append(in, s)
		}
	}
	return strings.Join(in, ",")
}

// Status binds OnboardingState to Onboarding.Status, stored in column
// "status".
var Status = state.Bind(OnboardingState, "status", func(o *Onboarding) *state.State[OnboardingStatus] { return &o.Status })

// Ready is an onboarding in progress whose every checklist step is done:
// the only one that may be completed (see Complete). The same test in SQL
// compares the steps column with the whole checklist, which the rows keep
// in checklist order.
var Ready = Status.Conditional("ready", "Ready", InProgress,
	func(o *Onboarding, _ time.Time) bool { return len(o.Unfinished()) == 0 },
	state.Description("Every checklist step done"),
).WithSQL(sqlexpr.Col("steps").Eq(strings.Join(Checklist, ",")))
