package main

import (
	"context"
	"fmt"

	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
)

// User is whoever acts: a filer, or the clerk of a court.
type User struct {
	Name    string
	ClerkOf string // the court whose filings the user reviews, if any
}

func (u User) String() string { return u.Name }

// The machines: one per state field of a FilingDraft. Both load and save the
// draft through its table (see repo.go), comparing and setting its version.
var (
	Filings = transition.For[User, *Repo](Status).
		Identify(func(d *FilingDraft) any { return d.ID }).
		Version(func(d *FilingDraft) *int64 { return &d.Version }).
		Table(draftRows)
	Steps = transition.For[User, *Repo](Step).
		Identify(func(d *FilingDraft) any { return d.ID }).
		Version(func(d *FilingDraft) *int64 { return &d.Version }).
		Table(draftRows)
)

// DraftEvent is the event of a transition with input I.
type DraftEvent[I any] = transition.Event[FilingDraft, FilingStatus, User, I]

// Only the draft's owner edits it (the seed checks ownership on every
// lookup of the current draft); only a clerk of its court decides on it.
func owns(_ context.Context, u User, d *FilingDraft) bool    { return u.Name == d.Owner }
func clerkOf(_ context.Context, u User, d *FilingDraft) bool { return u.ClerkOf == d.Court }
func courtOf(ctx context.Context, r *Repo, d *FilingDraft) (*Court, error) {
	return r.Court(ctx, d.Court)
}

// courtOpen is the jurisdiction check: the draft's court takes e-filings.
// The court's row is read through the unit of work, with a shared lock, so
// that it cannot close between the check and the commit; WithSQL gives the
// same condition as SQL, for Transition.Where.
var courtOpen = transition.Related("court", courtOf, EFiling.In(Open)).
	WithSQL("courts", sqlexpr.Col("code").Eq(sqlexpr.Outer("court")))

// The inputs: what each step requires. The json and jsonschema tags are
// the form (see registry.Available) and its rules (see registry.Fire).
type (
	DocumentInput struct {
		File  string `json:"file" jsonschema:"title=Lead document,pattern=[.]pdf$"`
		Pages int    `json:"pages" jsonschema:"minimum=1,maximum=300"`
	}
	DetailsInput struct {
		Category  string `json:"category" jsonschema:"enum=small_claims,enum=eviction,enum=debt"`
		Plaintiff string `json:"plaintiff" jsonschema:"minLength=1"`
		Defendant string `json:"defendant" jsonschema:"minLength=1"`
		Existing  string `json:"existing_case,omitempty" jsonschema:"title=Existing case number,pattern=^[0-9]{4}-[A-Z]{2}-[0-9]+$"`
	}
	PaymentInput struct {
		Account   string `json:"account,omitempty" jsonschema:"title=Payment account"`
		FeeWaiver bool   `json:"fee_waiver,omitempty"`
	}
	SignInput struct {
		Signature string `json:"signature" jsonschema:"title=Electronic signature,pattern=^/s/ .+"`
	}
	AcceptInput struct {
		CaseNumber string `json:"case_number" jsonschema:"pattern=^[0-9]{4}-[A-Z]{2}-[0-9]+$"`
	}
	RejectInput struct {
		Reason string `json:"reason" jsonschema:"minLength=1"`
	}
)

// Validate requires exactly one way to pay: a rule across fields, which
// the schema does not state.
func (in PaymentInput) Validate() error {
	if (in.Account == "") == !in.FeeWaiver {
		return transition.FieldError{Field: "/account", Code: "one_of", Message: "give a payment account or ask for a fee waiver, not both"}
	}
	return nil
}

var (
	// Start creates a draft in a court, at its first step.
	Start = transition.New[transition.NoInput](Filings, "start", transition.Create(Draft)).
		Also(transition.Field(Step, transition.Create(Documents))).
		AllowAnyone().WhenRelated(courtOpen).
		Effect("make the filer its owner", func(_ context.Context, _ *Repo, e *DraftEvent[transition.NoInput]) error {
			e.Model.Owner = e.Actor.Name
			return nil
		})

	// Each step's transition keeps the draft a Draft, takes the step's
	// input and moves the draft on to the next step.
	Attach = transition.New[DocumentInput](Filings, "attach", transition.From(Draft).Stay()).
		Titled("Attach documents").
		Also(transition.Field(Step, transition.From(Documents).To(Details))).
		Allow("owner", owns).WhenRelated(courtOpen).
		Effect("keep the document", func(_ context.Context, _ *Repo, e *DraftEvent[DocumentInput]) error {
			e.Model.Document = fmt.Sprintf("%s (%d pages)", e.Input.File, e.Input.Pages)
			return nil
		})
	Describe = transition.New[DetailsInput](Filings, "describe", transition.From(Draft).Stay()).
			Titled("Describe the case").
			Also(transition.Field(Step, transition.From(Details).To(Payment))).
			Allow("owner", owns).WhenRelated(courtOpen).
			Effect("keep the case", func(_ context.Context, _ *Repo, e *DraftEvent[DetailsInput]) error {
			e.Model.Case = fmt.Sprintf("%s: %s v. %s", e.Input.Category, e.Input.Plaintiff, e.Input.Defendant)
			if e.Input.Existing != "" {
				e.Model.Case += ", in case " + e.Input.Existing
			}
			return nil
		})
	Pay = transition.New[PaymentInput](Filings, "pay", transition.From(Draft).Stay()).
		Titled("Choose how to pay").
		Also(transition.Field(Step, transition.From(Payment).To(Review))).
		Allow("owner", owns).WhenRelated(courtOpen).
		Effect("keep the payment", func(_ context.Context, _ *Repo, e *DraftEvent[PaymentInput]) error {
			e.Model.Paid = e.Input.Account
			if e.Input.FeeWaiver {
				e.Model.Paid = "fee waiver"
			}
			return nil
		})
	// Submit sends the signed draft to the court, from the last step.
	Submit = transition.New[SignInput](Filings, "submit", transition.From(Draft).To(Submitted)).
		Allow("owner", owns).When(Step.In(Review)).WhenRelated(courtOpen).
		Effect("sign", func(_ context.Context, _ *Repo, e *DraftEvent[SignInput]) error {
			e.Model.Signature, e.Model.Returned = e.Input.Signature, ""
			return nil
		})

	// The clerk of the court accepts the filing, or returns it.
	Accept = transition.New[AcceptInput](Filings, "accept", transition.From(Submitted).To(Accepted)).
		Allow("clerk", clerkOf).
		Effect("docket it", func(_ context.Context, _ *Repo, e *DraftEvent[AcceptInput]) error {
			e.Model.CaseNumber = e.Input.CaseNumber
			return nil
		})
	Reject = transition.New[RejectInput](Filings, "reject", transition.From(Submitted).To(Rejected)).
		Allow("clerk", clerkOf).
		Effect("say why", func(_ context.Context, _ *Repo, e *DraftEvent[RejectInput]) error {
			e.Model.Returned = e.Input.Reason
			return nil
		})

	// Revise reopens a rejected filing for its filer, at its last step.
	Revise = transition.New[transition.NoInput](Filings, "revise", transition.From(Rejected).To(Draft)).
		Allow("owner", owns)
	Abandon = transition.New[transition.NoInput](Filings, "abandon", transition.From(Draft, Rejected).To(Abandoned)).
		Allow("owner", owns)

	// Back returns a draft to the step before, to change what was given
	// there: a transition of the step field alone, allowed while the
	// filing is a Draft.
	Back = transition.New[transition.NoInput](Steps, "back",
		transition.From(Details).To(Documents),
		transition.From(Payment).To(Details),
		transition.From(Review).To(Payment),
	).Titled("Go back a step").Allow("owner", owns).When(Status.In(Draft))
)
