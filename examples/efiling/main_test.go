package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
	"github.com/statecraft/statecraft/transition/transitiontest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestRun runs the example against a fresh SQLite file, on its fixed
// clock, and compares its transcript with testdata/output.golden.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, filepath.Join(t.TempDir(), "efiling.db")))
	transitiontest.Golden(t, filepath.Join("testdata", "output.golden"), out.String(), *update)
}

// The rest tests the transitions alone, with no database: an in-memory
// Store takes the sqlstore.Store's place, on a fixed clock.

var (
	ctx   = context.Background()
	start = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	erin  = User{Name: "erin", ClerkOf: "massachusetts"}
)

// newStore returns an in-memory Store holding two courts, both open.
func newStore(t *testing.T) *transitiontest.Store[*Repo] {
	t.Helper()
	store := transitiontest.NewStore(newRepo, &sqlstore.Options{Now: transitiontest.NewClock(start).Now})
	require.NoError(t, store.Update(ctx, func(tx transition.Tx[*Repo]) error {
		return errors.Join(
			courtRows.Insert(ctx, tx, &Court{Code: "illinois", Name: "Illinois Courts", EFiling: Open}),
			courtRows.Insert(ctx, tx, &Court{Code: "massachusetts", Name: "Massachusetts Trial Court", EFiling: Open}))
	}))
	return store
}

// fire fires tr, requiring it to succeed.
func fire[T comparable, I any](t *testing.T, tr *transition.Transition[FilingDraft, T, User, *Repo, I], s transition.Store[*Repo], u User, d *FilingDraft, in I) {
	t.Helper()
	err := tr.Fire(ctx, s, u, d, in)
	require.NoError(t, err, "%s by %s", tr.Name(), u)
}

// TestTransitions runs the transitions' unit tests, each a subtest, and
// fails if a transition of the machines was neither fired nor refused in
// any of them: a transition added later cannot go untested.
func TestTransitions(t *testing.T) {
	transitiontest.Cover(t, Filings)
	transitiontest.Cover(t, Steps)
	t.Run("AStepAtATime", testAStepAtATime)
	t.Run("JurisdictionAsSQL", testJurisdictionAsSQL)
	t.Run("FiledIsLocked", testFiledIsLocked)
	t.Run("Matrix", testMatrix)
	t.Run("Explore", testExplore)
}

// testAStepAtATime walks a draft through every step: each step's
// transition is available only at its step, only to its owner, and only
// while its court takes filings.
func testAStepAtATime(t *testing.T) {
	store := newStore(t)
	d := &FilingDraft{Court: "illinois"}
	fire(t, Start, store, alice, d, transition.NoInput{})
	assert.Equal(t, "alice", d.Owner)
	transitiontest.InState(t, Status, d, Draft, start)
	transitiontest.InState(t, Step, d, Documents, start)

	transitiontest.Available(t, Attach, store, alice, d)
	transitiontest.Blocked(t, Attach, store, bob, d, "forbidden.owner")
	transitiontest.Blocked(t, Describe, store, alice, d, "wrong_state.step")
	transitiontest.Blocked(t, Pay, store, alice, d, "wrong_state.step")
	transitiontest.Blocked(t, Submit, store, alice, d, "unmet.step_review")
	transitiontest.Blocked(t, Back, store, alice, d, "wrong_state.step")
	transitiontest.Blocked(t, Accept, store, carol, d, "wrong_state.status")

	fire(t, Attach, store, alice, d, DocumentInput{File: "complaint.pdf", Pages: 3})
	transitiontest.InState(t, Step, d, Details, start)
	fire(t, Back, store, alice, d, transition.NoInput{})
	transitiontest.InState(t, Step, d, Documents, start)
	fire(t, Attach, store, alice, d, DocumentInput{File: "complaint.pdf", Pages: 4})
	fire(t, Describe, store, alice, d, DetailsInput{Category: "debt", Plaintiff: "Alice Ames", Defendant: "Bob's Garage"})
	err := Pay.Fire(ctx, store, alice, d, PaymentInput{Account: "visa-4242", FeeWaiver: true})
	require.ErrorIs(t, err, transition.ErrInvalidInput, "an account or a fee waiver, not both")
	fire(t, Pay, store, alice, d, PaymentInput{Account: "visa-4242"})
	transitiontest.InState(t, Step, d, Review, start)
	transitiontest.Available(t, Submit, store, alice, d)
	transitiontest.Blocked(t, Submit, store, bob, d, "forbidden.owner")

	// The court pauses e-filing: nothing moves the draft on, but its owner
	// may still go back, or give it up.
	pause(t, store, "illinois")
	transitiontest.Blocked(t, Submit, store, alice, d, "related.court")
	transitiontest.Blocked(t, Start, store, alice, &FilingDraft{Court: "illinois"}, "related.court")
	transitiontest.Blocked(t, Start, store, alice, &FilingDraft{Court: "texas"}, "related.court")
	transitiontest.Available(t, Back, store, alice, d)
	transitiontest.Available(t, Abandon, store, alice, d)
}

// TestJurisdictionAsSQL: the checks of a transition, the court's
// included, as one predicate on the drafts table (see Transition.Where),
// which the database evaluates; only the owner check, a Go function, is
// left to check in Go.
func testJurisdictionAsSQL(t *testing.T) {
	where, unchecked := Attach.Where(alice)
	text, args, err := where.On("drafts").Render(sqlexpr.SQLite)
	require.NoError(t, err)
	assert.Equal(t, `"drafts"."status" = ? AND "drafts"."step" = ? AND `+
		`EXISTS (SELECT 1 FROM "courts" AS "court" WHERE "court"."code" = "drafts"."court" AND "court"."efiling" = ?)`, text)
	assert.Equal(t, []any{"draft", "documents", "open"}, args)
	assert.Equal(t, []string{"forbidden.owner"}, unchecked)
}

// pause pauses e-filing in court code.
func pause(t *testing.T, store *transitiontest.Store[*Repo], code string) {
	t.Helper()
	require.NoError(t, store.Update(ctx, func(tx transition.Tx[*Repo]) error {
		c, err := tx.Unit().Court(ctx, code)
		if err != nil {
			return err
		}
		next := *c
		next.EFiling = Paused
		return courtRows.Save(ctx, tx, []transition.Write[Court]{{Model: &next, Read: c}})
	}))
}

// TestFiledIsLocked: once submitted, the filer changes nothing; the clerk
// of its court decides, and a rejected filing is the filer's again.
func testFiledIsLocked(t *testing.T) {
	store := newStore(t)
	d := atReview(t, store)
	fire(t, Submit, store, alice, d, SignInput{Signature: "/s/ Alice Ames"})
	transitiontest.InState(t, Status, d, Submitted, start)

	transitiontest.Blocked(t, Attach, store, alice, d, "wrong_state.status", "wrong_state.step")
	transitiontest.Blocked(t, Pay, store, alice, d, "wrong_state.status", "wrong_state.step")
	transitiontest.Blocked(t, Back, store, alice, d, "unmet.status_draft")
	transitiontest.Blocked(t, Abandon, store, alice, d, "wrong_state.status")
	transitiontest.Blocked(t, Accept, store, alice, d, "forbidden.clerk")
	transitiontest.Blocked(t, Accept, store, erin, d, "forbidden.clerk")
	transitiontest.Blocked(t, Reject, store, bob, d, "forbidden.clerk")

	fire(t, Reject, store, carol, d, RejectInput{Reason: "unsigned exhibit"})
	transitiontest.Blocked(t, Revise, store, bob, d, "forbidden.owner")
	fire(t, Revise, store, alice, d, transition.NoInput{})
	transitiontest.InState(t, Status, d, Draft, start)
	transitiontest.InState(t, Step, d, Review, start)
	fire(t, Submit, store, alice, d, SignInput{Signature: "/s/ Alice Ames"})
	fire(t, Accept, store, carol, d, AcceptInput{CaseNumber: "2026-SC-0117"})
	transitiontest.Blocked(t, Reject, store, carol, d, "wrong_state.status")
	transitiontest.Blocked(t, Revise, store, alice, d, "wrong_state.status")
	assert.Equal(t, "2026-SC-0117", d.CaseNumber)

	// A rejected filing may be given up too.
	d = atReview(t, store)
	fire(t, Submit, store, alice, d, SignInput{Signature: "/s/ Alice Ames"})
	fire(t, Reject, store, carol, d, RejectInput{Reason: "wrong court"})
	fire(t, Abandon, store, alice, d, transition.NoInput{})
	transitiontest.InState(t, Status, d, Abandoned, start)
}

// atReview starts a draft in Illinois and fills in every step.
func atReview(t *testing.T, store *transitiontest.Store[*Repo]) *FilingDraft {
	t.Helper()
	d := &FilingDraft{Court: "illinois"}
	fire(t, Start, store, alice, d, transition.NoInput{})
	fire(t, Attach, store, alice, d, DocumentInput{File: "complaint.pdf", Pages: 3})
	fire(t, Describe, store, alice, d, DetailsInput{Category: "debt", Plaintiff: "Alice Ames", Defendant: "Bob's Garage"})
	fire(t, Pay, store, alice, d, PaymentInput{FeeWaiver: true})
	return d
}

// testMatrix snapshots who may do what in each state, for each machine,
// in testdata/drafts.matrix.
func testMatrix(t *testing.T) {
	store := newStore(t)
	pause(t, store, "massachusetts")
	draft := func(id int64, court string, status state.State[FilingStatus], step state.State[StepName]) *FilingDraft {
		return &FilingDraft{ID: id, Owner: "alice", Court: court, Status: status, Step: step}
	}
	roles := []transitiontest.Role[User]{{Name: "owner", Actor: alice}, {Name: "stranger", Actor: bob},
		{Name: "clerk", Actor: carol}, {Name: "other clerk", Actor: erin}}
	filings := transitiontest.Matrix(t, Filings, store, []transitiontest.Sample[FilingDraft]{
		{Name: "a new draft", Model: draft(1, "illinois", Draft, Documents)},
		{Name: "a draft ready to submit", Model: draft(2, "illinois", Draft, Review)},
		{Name: "a draft whose court is paused", Model: draft(3, "massachusetts", Draft, Review)},
		{Name: "submitted", Model: draft(4, "illinois", Submitted, Review)},
		{Name: "accepted", Model: draft(5, "illinois", Accepted, Review)},
		{Name: "rejected", Model: draft(6, "illinois", Rejected, Review)},
		{Name: "abandoned", Model: draft(7, "illinois", Abandoned, Payment)},
	}, roles)
	steps := transitiontest.Matrix(t, Steps, store, []transitiontest.Sample[FilingDraft]{
		{Name: "documents", Model: draft(1, "illinois", Draft, Documents)},
		{Name: "case details", Model: draft(2, "illinois", Draft, Details)},
		{Name: "payment", Model: draft(3, "massachusetts", Draft, Payment)},
		{Name: "review", Model: draft(4, "illinois", Draft, Review)},
		{Name: "review, submitted", Model: draft(5, "illinois", Submitted, Review)},
	}, roles)
	transitiontest.Golden(t, filepath.Join("testdata", "drafts.matrix"), filings+"\n"+steps, *update)
}

// drafts reads every draft the store holds.
func drafts(ctx context.Context, sc transition.Scope[*Repo]) ([]*FilingDraft, error) {
	return sc.Unit().Drafts(ctx, sqlexpr.True)
}

// testExplore fires every transition, by each role, in every order, from
// a new draft in an open court and one in a paused court, and checks the
// invariants after every step.
func testExplore(t *testing.T) {
	store := newStore(t)
	fire(t, Start, store, alice, &FilingDraft{Court: "illinois"}, transition.NoInput{})
	fire(t, Start, store, alice, &FilingDraft{Court: "massachusetts"}, transition.NoInput{})
	pause(t, store, "massachusetts")
	edits := []string{Attach.Name(), Describe.Name(), Pay.Name(), Back.Name()}

	r := transitiontest.Explore(t, store, transitiontest.Exploration[FilingDraft, FilingStatus, User, *Repo]{
		Root: func(ctx context.Context, sc transition.Scope[*Repo]) (*FilingDraft, error) {
			return sc.Unit().Draft(ctx, 1)
		},
		Field:  Status,
		Actors: []transitiontest.Role[User]{{Name: "alice", Actor: alice}, {Name: "bob", Actor: bob}, {Name: "carol", Actor: carol}},
		Moves: []transitiontest.Move[User, *Repo]{
			transitiontest.Try(Attach, drafts, DocumentInput{File: "complaint.pdf", Pages: 3}),
			transitiontest.Try(Describe, drafts, DetailsInput{Category: "debt", Plaintiff: "Alice Ames", Defendant: "Bob's Garage"}),
			transitiontest.Try(Pay, drafts, PaymentInput{Account: "visa-4242"}, PaymentInput{FeeWaiver: true}),
			transitiontest.Try(Submit, drafts, SignInput{Signature: "/s/ Alice Ames"}),
			transitiontest.Try(Accept, drafts, AcceptInput{CaseNumber: "2026-SC-0117"}),
			transitiontest.Try(Reject, drafts, RejectInput{Reason: "unsigned"}),
			transitiontest.Try(Revise, drafts),
			transitiontest.Try(Abandon, drafts),
			transitiontest.Try(Back, drafts),
		},
		Invariants: []transitiontest.Invariant[*Repo]{
			{Name: "a submitted filing is never edited", Check: func(ctx context.Context, _ transition.Scope[*Repo]) error {
				history, err := store.History(ctx, sqlstore.Filter{})
				status := map[string]string{} // each draft's status, as the history has it so far
				for _, h := range history {
					if slices.Contains(edits, h.Transition) && status[h.ObjectID] != "draft" {
						return fmt.Errorf("draft %s was edited (%s) while %s", h.ObjectID, h.Transition, status[h.ObjectID])
					}
					if h.Field == "status" {
						status[h.ObjectID] = h.To
					}
				}
				return err
			}},
			{Name: "the court's filings are signed, from the last step", Check: func(ctx context.Context, sc transition.Scope[*Repo]) error {
				ds, err := drafts(ctx, sc)
				for _, d := range ds {
					if Submitted.Or(Accepted, Rejected).Contains(d.Status) && (d.Signature == "" || d.Step != Review) {
						return fmt.Errorf("draft %d is %s at step %s, signed %q", d.ID, d.Status, d.Step, d.Signature)
					}
				}
				return err
			}},
			{Name: "a draft in a paused court never moves on", Check: func(ctx context.Context, sc transition.Scope[*Repo]) error {
				d, err := sc.Unit().Draft(ctx, 2)
				if err == nil && d.Step != Documents {
					return fmt.Errorf("draft 2 is at step %s", d.Step)
				}
				return err
			}},
		},
		// The versions grow with every step: states of the store are told
		// apart by what the drafts hold, without them.
		Key: func(ctx context.Context, sc transition.Scope[*Repo]) (string, error) {
			ds, err := drafts(ctx, sc)
			var key strings.Builder
			for _, d := range ds {
				v := *d
				v.Version = 0
				fmt.Fprintf(&key, "%+v\n", v)
			}
			return key.String(), err
		},
		MaxDepth: 12,
	})
	t.Log(r)
	assert.Nil(t, r.Broken)
	assert.Empty(t, r.Truncated)
	assert.Empty(t, r.Unreached, "every status is reached")
	assert.Empty(t, r.Unfired, "every transition fires")
	assert.Len(t, r.Paths["Accepted"], 5, "the shortest way to acceptance: attach, describe, pay, submit, accept")
}
