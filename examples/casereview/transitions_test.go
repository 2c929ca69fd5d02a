package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
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

// The transitions, unit by unit, with no database: transitiontest's
// in-memory Store takes sqlstore.Store's place (one line), the machine
// keeps its sqlstore Table, and the queue's predicates are evaluated in Go.

const day = 24 * time.Hour

// memory returns an in-memory Store holding cases, on a clock set at
// start.
func memory(t *testing.T, cases ...*Case) (*transitiontest.Store[*Repo], *transitiontest.Clock) {
	t.Helper()
	clk := transitiontest.NewClock(start)
	st := transitiontest.NewStore(newRepo, &sqlstore.Options{Now: clk.Now})
	ctx := context.Background()
	require.NoError(t, st.Update(ctx, func(tx transition.Tx[*Repo]) error {
		for _, c := range cases {
			if err := caseRows.Insert(ctx, tx, c); err != nil {
				return err
			}
		}
		return nil
	}))
	return st, clk
}

// aCase returns case 1 in status s, assigned to assignee, due at start+d
// (no due date if d is 0).
func aCase(s state.State[CaseStatus], assignee string, d time.Duration) *Case {
	c := &Case{ID: 1, Title: "c", Status: s, AssignedTo: assignee}
	if d != 0 {
		c.DueAt = start.Add(d)
	}
	if s == NeedsInfo {
		c.Note = "Send the form"
	}
	return c
}

// stored reads case id back from st, as committed.
func stored(t *testing.T, st *transitiontest.Store[*Repo], id int64) *Case {
	t.Helper()
	c, err := st.Unit().Case(context.Background(), id)
	require.NoError(t, err)
	require.NotNil(t, c, "case %d", id)
	return c
}

// fire fires tr, requiring it to succeed, and returns the case as stored.
func fire[I any](t *testing.T, st *transitiontest.Store[*Repo], tr *transition.Transition[Case, CaseStatus, User, *Repo, I], u User, c *Case, in I) *Case {
	t.Helper()
	err := tr.Fire(context.Background(), st, u, c, in)
	require.NoError(t, err, "%s by %s", tr.Name(), u)
	return stored(t, st, c.ID)
}

// TestTransitions runs the transitions' unit tests, each a subtest, and
// fails if a transition of the machine was neither fired nor refused in
// any of them: a transition added later cannot go untested.
func TestTransitions(t *testing.T) {
	transitiontest.Cover(t, Cases)
	t.Run("AReview", testAReview)
	t.Run("RequestInfoNeedsANote", testRequestInfoNeedsANote)
	t.Run("SupervisorsBlockAndClose", testSupervisorsBlockAndClose)
	t.Run("Overdue", testOverdue)
	t.Run("Matrix", testMatrix)
	t.Run("Explore", testExplore)
}

// testAReview walks a case from New to Closed: the reviewer who starts
// it is its assignee, and only the assignee asks for information or
// approves it (or a supervisor approves).
func testAReview(t *testing.T) {
	st, _ := memory(t, aCase(NewCase, "", day))
	c := stored(t, st, 1)
	transitiontest.Blocked(t, StartReview, st, sam, c, "forbidden.reviewer")
	transitiontest.Available(t, StartReview, st, vic, c)
	c = fire(t, st, StartReview, rita, c, transition.NoInput{})
	assert.Equal(t, InReview, c.Status)
	assert.Equal(t, "rita", c.AssignedTo, "the reviewer who starts it")
	transitiontest.Blocked(t, StartReview, st, vic, c, "wrong_state.status")

	transitiontest.Blocked(t, RequestInfo, st, vic, c, "forbidden.assignee")
	transitiontest.Blocked(t, RequestInfo, st, sam, c, "forbidden.assignee")
	c = fire(t, st, RequestInfo, rita, c, InfoRequest{Note: "  Send the fee receipt "})
	assert.Equal(t, NeedsInfo, c.Status)
	assert.Equal(t, "Send the fee receipt", c.Note)
	transitiontest.Blocked(t, Approve, st, rita, c, "wrong_state.status")

	transitiontest.Blocked(t, ProvideInfo, st, sam, c, "forbidden.reviewer")
	c = fire(t, st, ProvideInfo, vic, c, transition.NoInput{})
	assert.Equal(t, InReview, c.Status)
	assert.Equal(t, "Send the fee receipt", c.Note, "the last request is kept")

	transitiontest.Blocked(t, Approve, st, vic, c, "forbidden.assignee_or_supervisor")
	transitiontest.Available(t, Approve, st, sam, c)
	c = fire(t, st, Approve, rita, c, transition.NoInput{})
	transitiontest.Blocked(t, Close, st, rita, c, "forbidden.supervisor")
	c = fire(t, st, Close, sam, c, transition.NoInput{})
	assert.Equal(t, Closed, c.Status)
	for _, tr := range []interface {
		Can(context.Context, transition.Scope[*Repo], User, *Case) bool
	}{StartReview, RequestInfo, ProvideInfo, Approve, Block, Unblock, Close} {
		for _, u := range users {
			assert.False(t, tr.Can(context.Background(), st, u, c), "a closed case is final")
		}
	}

	transitiontest.History(t, st, sqlstore.Filter{},
		"main.Case 1 v0: start_review status NEW -> IN_REVIEW by rita",
		"main.Case 1 v1: request_info status IN_REVIEW -> NEEDS_INFO by rita",
		"main.Case 1 v2: provide_info status NEEDS_INFO -> IN_REVIEW by vic",
		"main.Case 1 v3: approve status IN_REVIEW -> APPROVED by rita",
		"main.Case 1 v4: close status APPROVED -> CLOSED by sam")
}

// testRequestInfoNeedsANote: the note is required, and says something; a
// refused request changes nothing.
func testRequestInfoNeedsANote(t *testing.T) {
	ctx := context.Background()
	st, _ := memory(t, aCase(InReview, "rita", day))
	c := stored(t, st, 1)
	for _, note := range []string{"", "abc", "      ", " ab  "} {
		err := RequestInfo.Fire(ctx, st, rita, c, InfoRequest{Note: note})
		var e *transition.Error
		require.ErrorAs(t, err, &e, "note %q", note)
		require.ErrorIs(t, err, transition.ErrInvalidInput)
		require.Len(t, e.Fields, 1)
		assert.Equal(t, "/note", e.Fields[0].Field)
	}
	assert.Equal(t, InReview, stored(t, st, 1).Status)
	// (transitiontest.History(t, st, f) with no rows wanted compares nil
	// with an empty slice, and fails: read the history instead.)
	rs, err := st.History(ctx, sqlstore.Filter{})
	require.NoError(t, err)
	assert.Empty(t, rs, "nothing was written")
	fire(t, st, RequestInfo, rita, c, InfoRequest{Note: "Sign page 2"})
}

// testSupervisorsBlockAndClose: blocking needs a reason and a supervisor;
// a blocked case is unblocked back to review, or closed.
func testSupervisorsBlockAndClose(t *testing.T) {
	ctx := context.Background()
	st, _ := memory(t, aCase(NeedsInfo, "rita", day))
	c := stored(t, st, 1)
	transitiontest.Blocked(t, Block, st, rita, c, "forbidden.supervisor")
	err := Block.Fire(ctx, st, sam, c, BlockInput{Reason: " "})
	require.ErrorIs(t, err, transition.ErrInvalidInput, "a reason is required")
	c = fire(t, st, Block, sam, c, BlockInput{Reason: "the license lapsed"})
	assert.Equal(t, Blocked, c.Status)
	rs, err := st.History(ctx, sqlstore.Filter{Transition: "block"})
	require.NoError(t, err)
	require.Len(t, rs, 1)
	assert.JSONEq(t, `{"reason": "the license lapsed"}`, string(rs[0].Input), "the reason is in the history")

	transitiontest.Blocked(t, Unblock, st, vic, c, "forbidden.supervisor")
	transitiontest.Blocked(t, Close, st, vic, c, "forbidden.supervisor")
	c = fire(t, st, Unblock, sam, c, transition.NoInput{})
	assert.Equal(t, InReview, c.Status)
	transitiontest.Blocked(t, Unblock, st, sam, c, "wrong_state.status")
	transitiontest.Blocked(t, Close, st, sam, c, "wrong_state.status")
	c = fire(t, st, Block, sam, c, BlockInput{Reason: "again"})
	c = fire(t, st, Close, sam, c, transition.NoInput{})
	assert.Equal(t, Closed, c.Status)
}

// testOverdue: an open case is overdue once its due date has passed, at
// the unit of work's time; a case with no due date never is, nor a case
// that is no longer open.
func testOverdue(t *testing.T) {
	for _, tt := range []struct {
		name    string
		c       *Case
		overdue bool
	}{
		{"new, due later", aCase(NewCase, "", time.Hour), false},
		{"new, due now", aCase(NewCase, "", time.Nanosecond), false},
		{"new, due before", aCase(NewCase, "", -time.Nanosecond), true},
		{"in review, late", aCase(InReview, "rita", -day), true},
		{"needs info, late", aCase(NeedsInfo, "rita", -day), true},
		{"new, no due date", aCase(NewCase, "", 0), false},
		{"approved, late", aCase(Approved, "rita", -day), false},
		{"blocked, late", aCase(Blocked, "rita", -day), false},
		{"closed, late", aCase(Closed, "rita", -day), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, clk := memory(t, tt.c)
			c := stored(t, st, 1)
			assert.Equal(t, tt.overdue, Overdue.Match(c, clk.Now()))
			// The queue's predicate, evaluated by the in-memory Store.
			late, err := st.Unit().Cases(context.Background(), Overdue.Expr().At(clk.Now()))
			require.NoError(t, err)
			assert.Equal(t, tt.overdue, len(late) == 1, "the SQL hook, in Go")
			if tt.overdue {
				transitiontest.InState(t, Status, c, Overdue, clk.Now())
				assert.Equal(t, Overdue, Status.Best(c, clk.Now()))
			}
		})
	}

	// A case due in an hour is overdue an hour and a minute later.
	st, clk := memory(t, aCase(InReview, "rita", time.Hour))
	c := stored(t, st, 1)
	transitiontest.InState(t, Status, c, InReview, clk.Now())
	assert.False(t, Overdue.Match(c, clk.Now()))
	clk.Advance(time.Hour + time.Minute)
	transitiontest.InState(t, Status, c, Overdue, clk.Now())
	// Approving it takes it out of the open cases, so out of Overdue.
	c = fire(t, st, Approve, rita, c, transition.NoInput{})
	assert.False(t, Overdue.Match(c, clk.Now()))
}

// roles are the matrix's and the explorer's actors.
var roles = []transitiontest.Role[User]{
	{Name: "assignee", Actor: rita},
	{Name: "reviewer", Actor: vic},
	{Name: "supervisor", Actor: sam},
}

// testMatrix snapshots who may run which transition in which state, in
// testdata/cases.matrix: a change fails with a diff (go test -update
// accepts it). Every state and the Overdue conditional state have a
// sample; the cases are rita's once reviewed.
func testMatrix(t *testing.T) {
	st, _ := memory(t)
	m := transitiontest.Matrix(t, Cases, st, []transitiontest.Sample[Case]{
		{Name: "new", Model: aCase(NewCase, "", day)},
		{Name: "new, past its due date", Model: aCase(NewCase, "", -day)},
		{Name: "in review", Model: aCase(InReview, "rita", day)},
		{Name: "in review, past its due date", Model: aCase(InReview, "rita", -day)},
		{Name: "needs info", Model: aCase(NeedsInfo, "rita", day)},
		{Name: "approved", Model: aCase(Approved, "rita", day)},
		{Name: "blocked", Model: aCase(Blocked, "rita", -day)},
		{Name: "closed", Model: aCase(Closed, "rita", -day)},
	}, roles)
	transitiontest.Golden(t, filepath.Join("testdata", "cases.matrix"), m, *update)
}

// The invariants the explorer checks after every step.
var (
	// needsInfoHasANote: a case waiting for the applicant says what for.
	needsInfoHasANote = transitiontest.Invariant[*Repo]{
		Name: "a case needing info always has a note",
		Check: func(ctx context.Context, sc transition.Scope[*Repo]) error {
			cs, err := sc.Unit().Cases(ctx, Status.In(NeedsInfo).Expr())
			if err != nil {
				return err
			}
			var errs []error
			for _, c := range cs {
				if strings.TrimSpace(c.Note) == "" {
					errs = append(errs, fmt.Errorf("case %d needs info and has no note", c.ID))
				}
			}
			return errors.Join(errs...)
		},
	}

	// reviewedHasAReviewer: once reviewed, a case keeps a reviewer.
	reviewedHasAReviewer = transitiontest.Invariant[*Repo]{
		Name: "a case past New is assigned to a reviewer",
		Check: func(ctx context.Context, sc transition.Scope[*Repo]) error {
			cs, err := sc.Unit().Cases(ctx, sqlexpr.Not(Status.In(NewCase).Expr()))
			if err != nil {
				return err
			}
			var errs []error
			for _, c := range cs {
				if u, ok := userNamed(c.AssignedTo); !ok || u.Role != Reviewer {
					errs = append(errs, fmt.Errorf("case %d is %s, assigned to %q", c.ID, c.Status, c.AssignedTo))
				}
			}
			return errors.Join(errs...)
		},
	}

	// closedIsFinal: the history never moves a case out of Closed. The
	// explorer hands the invariant its in-memory Store, whose history is
	// the path's.
	closedIsFinal = transitiontest.Invariant[*Repo]{
		Name: "a closed case is never changed again",
		Check: func(ctx context.Context, sc transition.Scope[*Repo]) error {
			h, ok := sc.(interface {
				History(context.Context, sqlstore.Filter) ([]sqlstore.Record, error)
			})
			if !ok {
				return fmt.Errorf("%T keeps no history", sc)
			}
			rs, err := h.History(ctx, sqlstore.Filter{})
			if err != nil {
				return err
			}
			for _, r := range rs {
				if r.From == Closed.Name() {
					return fmt.Errorf("%s %s moved from Closed by %s (%s)", r.ObjectType, r.ObjectID, r.Transition, r.Actor)
				}
			}
			return nil
		},
	}
)

// testExplore fires every transition, by every role, in every sequence
// from a new case past its due date, and checks the invariants after
// each step.
func testExplore(t *testing.T) {
	st, _ := memory(t, aCase(NewCase, "", -time.Hour))
	cases := func(ctx context.Context, sc transition.Scope[*Repo]) ([]*Case, error) {
		return sc.Unit().Cases(ctx, sqlexpr.True)
	}
	r := transitiontest.Explore(t, st, transitiontest.Exploration[Case, CaseStatus, User, *Repo]{
		Root:   func(ctx context.Context, sc transition.Scope[*Repo]) (*Case, error) { return sc.Unit().Case(ctx, 1) },
		Field:  Status,
		Actors: roles,
		Moves: []transitiontest.Move[User, *Repo]{
			transitiontest.Try(StartReview, cases),
			transitiontest.Try(RequestInfo, cases, InfoRequest{Note: "Send the form"}, InfoRequest{Note: "no"}),
			transitiontest.Try(ProvideInfo, cases),
			transitiontest.Try(Approve, cases),
			transitiontest.Try(Block, cases, BlockInput{Reason: "lapsed"}, BlockInput{}),
			transitiontest.Try(Unblock, cases),
			transitiontest.Try(Close, cases),
		},
		Invariants: []transitiontest.Invariant[*Repo]{needsInfoHasANote, reviewedHasAReviewer, closedIsFinal},
		// Every step bumps the version: states are told apart without it.
		Key: func(ctx context.Context, sc transition.Scope[*Repo]) (string, error) {
			cs, err := cases(ctx, sc)
			var b strings.Builder
			for _, c := range cs {
				fmt.Fprintf(&b, "case %d %s %s %q;", c.ID, c.Status.Name(), c.AssignedTo, c.Note)
			}
			return b.String(), err
		},
	})
	t.Log(r)
	assert.Nil(t, r.Broken)
	assert.Empty(t, r.Truncated)
	assert.Empty(t, r.Unreached, "every state, and Overdue")
	assert.Empty(t, r.Unfired)
	path, ok := r.Paths["Overdue"]
	assert.True(t, ok)
	assert.Empty(t, path, "a new case past its due date starts Overdue")
	assert.Equal(t, []string{
		"main.Case 1: start_review New -> In review by assignee",
		"main.Case 1: approve In review -> Approved by assignee",
		"main.Case 1: close Approved -> Closed by supervisor",
	}, r.Paths["Closed"])
	assert.Equal(t, NewCase, stored(t, st, 1).Status, "the store is left as it was")
}
