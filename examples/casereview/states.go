package main

import (
	"time"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// CaseStatus is the value stored in the cases.status column: the names
// the review queue's statuses had in the workflow console this example is
// drawn from.
type CaseStatus string

// StateType lets a Case's zero Status field be scanned and decoded.
func (CaseStatus) StateType() *state.Type[CaseStatus] { return CaseState }

// CaseState declares the states of a case under review.
var CaseState = state.NewType[CaseStatus]("CaseState")

// The states of a case, stored as the console's status names.
var (
	NewCase   = CaseState.State("NEW", "New", state.Description("Waiting for a reviewer"))                  // submitted, not taken yet
	InReview  = CaseState.State("IN_REVIEW", "In review")                                                   // a reviewer works on it
	NeedsInfo = CaseState.State("NEEDS_INFO", "Needs info", state.Description("Waiting for the applicant")) // the reviewer asked for something (Case.Note)
	Approved  = CaseState.State("APPROVED", "Approved")                                                     // decided, to be closed
	Blocked   = CaseState.State("BLOCKED", "Blocked", state.Description("Stopped by a supervisor"))         // stopped, to be resumed or closed
	Closed    = CaseState.State("CLOSED", "Closed", state.Final())                                          // done with for good

	// Open holds the cases someone still has to work on: the queue's
	// cases that can be late.
	Open = CaseState.Group("open", "Open", NewCase.Or(InReview).Or(NeedsInfo))
)

// Case is a case of the review queue: the application's own model, whose
// state field is a plain struct field.
type Case struct {
	ID         int64
	Title      string
	Summary    string
	Status     state.State[CaseStatus]
	AssignedTo string    // the reviewer who started the review; "" until then
	DueAt      time.Time // when the review is due; the zero time for no due date
	Note       string    // the last request for information, kept once answered
	Version    int64     // bumped by every save, compared by the next (see Machine.Version)
}

// Status binds CaseState to Case.Status, stored in column "status".
var Status = state.Bind(CaseState, "status", func(c *Case) *state.State[CaseStatus] { return &c.Status })

// Overdue is the queue's overdue filter: an open case whose due date has
// passed. A case with no due date (the zero time) is never overdue. The Go
// test and the SQL predicate say the same thing at the same time, which
// is passed in (Overdue.Expr().At(now)), never read from a clock.
//
// SQLite compares the times of due_at as text: the Table writes them, and
// sqlexpr passes now, in UTC, so that the text order is the order of the
// instants; TestAgree checks it with due dates given in several zones.
var Overdue = Status.Conditional("overdue", "Overdue", Open,
	func(c *Case, now time.Time) bool { return !c.DueAt.IsZero() && c.DueAt.Before(now) },
	state.Description("Open, and past its due date"),
).WithSQL(sqlexpr.And(
	sqlexpr.Col("due_at").Gt(time.Time{}),
	sqlexpr.Col("due_at").Lt(sqlexpr.Now()),
))
