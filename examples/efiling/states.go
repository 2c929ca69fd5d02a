package main

import "github.com/statecraft/statecraft/state"

// A filing draft has two state fields: where it stands with the court
// (its status) and where its filer is in the form (its current step). The
// seed kept both in a session blob; here they are columns of the draft's
// own row, so a draft survives a restart and is resumed from the database.

// FilingStatus is the value stored in the drafts.status column.
type FilingStatus string

// StateType lets a FilingDraft's zero Status field be scanned and decoded.
func (FilingStatus) StateType() *state.Type[FilingStatus] { return FilingState }

// FilingState declares where a filing stands with the court.
var FilingState = state.NewType[FilingStatus]("FilingState")

var (
	Draft     = FilingState.State("draft", "Draft", state.Description("Being prepared by its filer"))
	Submitted = FilingState.State("submitted", "Submitted", state.Description("Sent to the court; the clerk reviews it"))
	Accepted  = FilingState.State("accepted", "Accepted", state.Final())
	Rejected  = FilingState.State("rejected", "Rejected", state.Description("Returned by the clerk, with a reason"))
	Abandoned = FilingState.State("abandoned", "Abandoned", state.Final())
)

// StepName is the value stored in the drafts.step column.
type StepName string

// StateType lets a FilingDraft's zero Step field be scanned and decoded.
func (StepName) StateType() *state.Type[StepName] { return StepState }

// StepState declares the steps of the filing form, in order. Each step has
// a transition of its own, which takes that step's input (see
// transitions.go): the step's requirements, as a JSON Schema.
var StepState = state.NewType[StepName]("StepState")

var (
	Documents = StepState.State("documents", "Documents")
	Details   = StepState.State("details", "Case details")
	Payment   = StepState.State("payment", "Payment")
	Review    = StepState.State("review", "Review and sign")
)

// CourtStatus is the value stored in the courts.efiling column.
type CourtStatus string

// StateType lets a Court's zero EFiling field be scanned and decoded.
func (CourtStatus) StateType() *state.Type[CourtStatus] { return CourtState }

// CourtState says whether a court's e-filing service takes filings.
var CourtState = state.NewType[CourtStatus]("CourtState")

var (
	Open   = CourtState.State("open", "Open")
	Paused = CourtState.State("paused", "Paused", state.Description("Down for maintenance"))
)

// FilingDraft is one filing, from its first step to the court's decision: the
// seed's FilingDraft, with its documents, case and payment reduced to a
// field each.
type FilingDraft struct {
	ID         int64
	Owner      string // the filer who started it
	Court      string // the jurisdiction: a courts.code
	Status     state.State[FilingStatus]
	Step       state.State[StepName]
	Document   string // the lead document
	Case       string // the case's category and parties
	Paid       string // a payment account, or "fee waiver"
	Signature  string
	CaseNumber string // given by the clerk who accepts it
	Returned   string // why the clerk rejected it
	Version    int64  // bumped by every save, compared by the next
}

// Court is a jurisdiction whose e-filing service takes filings, or not.
type Court struct {
	Code    string
	Name    string
	EFiling state.State[CourtStatus]
}

var (
	// Status and Step bind the draft's two state fields to their columns.
	Status = state.Bind(FilingState, "status", func(d *FilingDraft) *state.State[FilingStatus] { return &d.Status })
	Step   = state.Bind(StepState, "step", func(d *FilingDraft) *state.State[StepName] { return &d.Step })
	// EFiling binds a court's state, for the drafts' related condition.
	EFiling = state.Bind(CourtState, "efiling", func(c *Court) *state.State[CourtStatus] { return &c.EFiling })
)
