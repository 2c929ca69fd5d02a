// Package bench measures statecraft beside its Go peers and beside the
// code a team would write by hand, on one workload: an order's small
// workflow of four transitions.
//
//	draft --submit--> submitted --approve--> approved --ship--> shipped
//	draft, submitted --cancel--> cancelled
//
// approve is guarded (only a manager, and only for an amount within the
// manager's limit), ship is guarded (only the warehouse) and takes an
// input (a tracking number, which must not be empty), and an observer may
// receive every event. "open" (draft or submitted) is a group of states,
// and "large" (submitted, for an amount above LargeAmount) a conditional
// state.
//
// The workload is implemented here once per library, each as its own
// documentation recommends:
//
//   - statecraft: state.NewType, state.Bind, transition.For and
//     transition.New, run in a transition.Memory store (orders.go);
//   - github.com/looplab/fsm: fsm.NewFSM with events and callbacks, one FSM
//     per order, guards in before_<event> callbacks (looplab.go);
//   - github.com/qmuntal/stateless: a StateMachine per order, its state
//     stored on the order (external storage), Permit with guards,
//     OnTransitioned for the observer (stateless.go);
//   - hand-written baselines: a bare switch, the same switch behind a
//     sync.Mutex, and a switch doing the work statecraft does (a guard
//     called through a function value, the clock read, an event built and
//     handed to an observer) (switch.go).
//
// TestSameAnswers drives every implementation through one script and checks
// that they agree, so that the benchmarks compare the same work. The
// benchmarks are in bench_test.go; the durable ones, on SQLite and
// PostgreSQL, in package durable. The command in cmd/report runs them all
// and writes BENCHMARKS.md at the repository's root:
//
//	cd internal/bench && go run ./cmd/report
//
// This is its own module, so that the peers never enter the library's
// dependencies.
package bench

import (
	"errors"

	"github.com/statecraft/statecraft/transition"
)

// The names of the transitions and states, as every implementation spells
// them in the answers TestSameAnswers compares.
const (
	EvSubmit  = "submit"
	EvApprove = "approve"
	EvShip    = "ship"
	EvCancel  = "cancel"

	StDraft     = "draft"
	StSubmitted = "submitted"
	StApproved  = "approved"
	StShipped   = "shipped"
	StCancelled = "cancelled"
	StOpen      = "open" // the group of draft and submitted
)

// Events lists the transitions in declaration order.
var Events = []string{EvSubmit, EvApprove, EvShip, EvCancel}

// LargeAmount is the amount above which a submitted order is "large".
const LargeAmount = 1000

// Role is what an actor does.
type Role uint8

// The roles.
const (
	Clerk Role = iota + 1
	Manager
	Warehouse
)

// User is the actor of every transition.
type User struct {
	Name  string
	Role  Role
	Limit int64 // the largest amount a manager may approve
}

// String names the user, as statecraft's errors and history do.
func (u User) String() string { return u.Name }

// The actors of the workload.
var (
	Carol = User{Name: "carol", Role: Clerk}
	Mia   = User{Name: "mia", Role: Manager, Limit: 5000}
	Walt  = User{Name: "walt", Role: Warehouse}
)

// MayApprove is approve's guard: a manager, within the manager's limit.
func MayApprove(u User, amount int64) bool { return u.Role == Manager && amount <= u.Limit }

// MayShip is ship's guard: the warehouse.
func MayShip(u User) bool { return u.Role == Warehouse }

// ShipInput is ship's input.
type ShipInput struct {
	Tracking string `json:"tracking"`
}

// Validate requires a tracking number. statecraft calls it itself (the
// input is a transition.Validator); the other implementations call it
// before they change anything.
func (in ShipInput) Validate() error {
	if in.Tracking == "" {
		return errNoTracking
	}
	return nil
}

var errNoTracking = transition.FieldError{Field: "/tracking", Code: "required", Message: "a tracking number is required"}

// The kinds of refusal every implementation reports, for TestSameAnswers.
var (
	ErrWrongState = errors.New("not available from the current state")
	ErrForbidden  = errors.New("guard refused")
	ErrInvalid    = errors.New("invalid input")
)

// Observer receives every event of the implementations that are given
// one. It counts them and, when Record is set, keeps them.
type Observer struct {
	N      int
	Record bool
	Log    []Observed
}

// Observed is one event as an Observer keeps it.
type Observed struct {
	Name, From, To string
}

// Observe notes one event.
func (o *Observer) Observe(name, from, to string) {
	o.N++
	if o.Record {
		o.Log = append(o.Log, Observed{name, from, to})
	}
}
