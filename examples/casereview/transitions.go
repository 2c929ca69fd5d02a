package main

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/statecraft/statecraft/transition"
)

// The roles of the queue's users: a reviewer takes cases and decides
// them, a supervisor blocks, unblocks and closes them.
const (
	Reviewer   = "reviewer"
	Supervisor = "supervisor"
)

// User is whoever acts: the application's own type.
type User struct {
	Name string
	Role string // Reviewer or Supervisor
}

// String names the user, as events, errors and the history name actors.
func (u User) String() string { return u.Name }

// The queue's users, by name: the console's sign-in page lists them, and a
// request's "user" cookie names one.
var (
	rita  = User{Name: "rita", Role: Reviewer}
	vic   = User{Name: "vic", Role: Reviewer}
	sam   = User{Name: "sam", Role: Supervisor}
	users = []User{rita, vic, sam}
)

// userNamed returns the user called name, if there is one.
func userNamed(name string) (User, bool) {
	for _, u := range users {
		if u.Name == name {
			return u, true
		}
	}
	return User{}, false
}

// Cases is the machine of a case's status, run by Users in units of work
// that are *Repos. It loads and saves cases through their table (see
// repo.go), comparing and setting their version.
var Cases = transition.For[User, *Repo](Status).Initial(NewCase).
	Identify(func(c *Case) any { return c.ID }).
	Version(func(c *Case) *int64 { return &c.Version }).
	Table(caseRows)

// CaseEvent is the event of a transition of a case with input I; the
// alias keeps the effects' signatures short.
type CaseEvent[I any] = transition.Event[Case, CaseStatus, User, I]

func isReviewer(_ context.Context, u User, _ *Case) bool   { return u.Role == Reviewer }
func isSupervisor(_ context.Context, u User, _ *Case) bool { return u.Role == Supervisor }

// isAssignee: the reviewer the case is assigned to.
func isAssignee(_ context.Context, u User, c *Case) bool {
	return u.Role == Reviewer && c.AssignedTo != "" && u.Name == c.AssignedTo
}

// InfoRequest is what a reviewer asks the applicant for.
type InfoRequest struct {
	Note string `json:"note" jsonschema:"title=Note,minLength=5,maxLength=500,description=What the applicant must send"`
}

// Validate requires a note of at least five characters besides spaces:
// the schema's minLength counts the spaces too.
func (in InfoRequest) Validate() error {
	if utf8.RuneCountInString(strings.TrimSpace(in.Note)) < 5 {
		return transition.FieldError{Field: "/note", Code: "min_length", Message: "must say what is needed, in at least 5 characters"}
	}
	return nil
}

// BlockInput is why a supervisor stops a review.
type BlockInput struct {
	Reason string `json:"reason" jsonschema:"title=Reason,minLength=1,maxLength=500"`
}

// Validate requires a reason.
func (in BlockInput) Validate() error {
	if strings.TrimSpace(in.Reason) == "" {
		return transition.FieldError{Field: "/reason", Code: "required", Message: "is required"}
	}
	return nil
}

var (
	// StartReview takes a new case: it is assigned to the reviewer who
	// starts it.
	StartReview = transition.New[transition.NoInput](Cases, "start_review",
		transition.From(NewCase).To(InReview),
	).Allow("reviewer", isReviewer).
		Effect("assign it to the reviewer", func(_ context.Context, _ *Repo, e *CaseEvent[transition.NoInput]) error {
			e.Model.AssignedTo = e.Actor.Name
			return nil
		})

	// RequestInfo asks the applicant for what is missing, in a note the
	// case keeps.
	RequestInfo = transition.New[InfoRequest](Cases, "request_info",
		transition.From(InReview).To(NeedsInfo),
	).Allow("assignee", isAssignee).
		Effect("keep the note", func(_ context.Context, _ *Repo, e *CaseEvent[InfoRequest]) error {
			e.Model.Note = strings.TrimSpace(e.Input.Note)
			return nil
		})

	// ProvideInfo records that the information came in: any reviewer may
	// take it in. The note stays, as the last request made.
	ProvideInfo = transition.New[transition.NoInput](Cases, "provide_info",
		transition.From(NeedsInfo).To(InReview),
	).Allow("reviewer", isReviewer)

	// Approve decides a case in review: its assignee's decision, or a
	// supervisor's.
	Approve = transition.New[transition.NoInput](Cases, "approve",
		transition.From(InReview).To(Approved),
	).Allow("assignee", isAssignee).Allow("supervisor", isSupervisor)

	// Block stops a review; the reason is kept in the history, with the
	// step.
	Block = transition.New[BlockInput](Cases, "block",
		transition.From(InReview, NeedsInfo).To(Blocked),
	).Allow("supervisor", isSupervisor)

	// Unblock sends a blocked case back to review.
	Unblock = transition.New[transition.NoInput](Cases, "unblock",
		transition.From(Blocked).To(InReview),
	).Allow("supervisor", isSupervisor)

	// Close ends an approved or blocked case, for good.
	Close = transition.New[transition.NoInput](Cases, "close",
		transition.From(Approved, Blocked).To(Closed),
	).Allow("supervisor", isSupervisor)
)
