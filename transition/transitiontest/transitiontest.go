// Package transitiontest provides utilities for testing transitions in
// isolation: without a database, a server or a clock, in a few lines, with
// failures that say exactly what differs.
//
// Like net/http/httptest and testing/slogtest, its helpers take a
// testing.TB, so they work with the standard library's tests and with
// testify alike. They report failures with t.Errorf, showing a go-cmp
// diff, and return whether the check passed.
//
//	clock := transitiontest.NewClock(time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC))
//	store := transitiontest.NewStore(NewRepo, &sqlstore.Options{Now: clock.Now})
//	transitiontest.Available(t, Publish, store, alice, project)
//	transitiontest.Blocked(t, Publish, store, bob, project, "forbidden.owner")
//	if err := Publish.Fire(ctx, store, alice, project, transition.NoInput{}); err != nil {
//		t.Fatal(err)
//	}
//	transitiontest.InState(t, Status, project, Published, clock.Now())
//	transitiontest.History(t, store, sqlstore.Filter{}, "main.Project 1 v0: publish status draft -> published by alice")
//
// What it offers:
//
//   - Store (NewStore): an in-memory stand-in for a sqlstore.Store, with
//     the same conflicts, retries, history, idempotency keys, cascades and
//     after-commit hooks; and Clock, a fake clock that conditional states,
//     events and the history share.
//   - Assertions: Available, Blocked (by the reasons' codes), Steps (of a
//     plan), History (of a store), InState (a state, group or conditional
//     state).
//   - Matrix and Golden: who may run which transition in which state, per
//     role, snapshotted as a readable golden file.
//   - Explore: every sequence of transitions from a starting store, breadth
//     first, with invariants checked after every step.
//   - Agree: on a real database, every state's SQL selects exactly the rows
//     its Go test accepts.
//   - Cover: a test fails when it leaves a declared transition untried.
package transitiontest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// A Clock is a fake clock that tests set and move by hand: give its Now to
// a store (transition.Memory(unit, clock.Now)), and conditional states,
// events and history all read the same time. It is safe for concurrent
// use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Set sets the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Available checks that actor may run tr on model now, in the unit of work
// sc; if not, it reports every reason.
func Available[M any, T comparable, A, U, I any](t testing.TB, tr *transition.Transition[M, T, A, U, I], sc transition.Scope[U], actor A, model *M) bool {
	t.Helper()
	note(t, tr.String())
	err := tr.Check(context.Background(), sc, actor, model)
	if err == nil {
		return true
	}
	t.Errorf("%s %q should be available to %v, but is not: %v", tr.Name(), tr.Title(), actor, err)
	return false
}

// Blocked checks that actor may not run tr on model now, for exactly the
// reasons whose codes are given (such as "wrong_state.status" or
// "forbidden.owner"; see transition.Reason), in any order. With no codes,
// any reason will do.
func Blocked[M any, T comparable, A, U, I any](t testing.TB, tr *transition.Transition[M, T, A, U, I], sc transition.Scope[U], actor A, model *M, codes ...string) bool {
	t.Helper()
	note(t, tr.String())
	err := tr.Check(context.Background(), sc, actor, model)
	if err == nil {
		t.Errorf("%s should be blocked for %v, but is available", tr.Name(), actor)
		return false
	}
	var e *transition.Error
	if !errors.As(err, &e) || !errors.Is(err, transition.ErrBlocked) {
		t.Errorf("%s for %v: want a refusal, got an error: %v", tr.Name(), actor, err)
		return false
	}
	if len(codes) == 0 {
		return true
	}
	got := make([]string, len(e.Reasons))
	for i, r := range e.Reasons {
		got[i] = r.Code
	}
	want := slices.Clone(codes)
	slices.Sort(got)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s for %v is blocked for other reasons (-want +got):\n%s\nthe reasons: %v", tr.Name(), actor, diff, err)
		return false
	}
	return true
}

// InState checks that model is in want at time now, as mgr reads it:
// want may be a state, a group, or a conditional state (which is tested at
// now). A failure says what the model is in.
func InState[M any, T comparable](t testing.TB, mgr *state.Manager[M, T], model *M, want state.Source[T], now time.Time) bool {
	t.Helper()
	cur := mgr.Current(model, now)
	for _, s := range cur {
		if s.Name() == want.Name() && s.Title() == want.Title() {
			return true
		}
	}
	t.Errorf("%s should be %s, but is %s", mgr, want.Title(), describe(cur))
	return false
}

// describe lists what a model is in, such as "Published (also Live, Future)".
func describe[T comparable](cur []state.Source[T]) string {
	if len(cur) == 0 {
		return "in no state"
	}
	s := cur[0].Title()
	if len(cur) > 1 {
		var also []string
		for _, c := range cur[1:] {
			also = append(also, c.Title())
		}
		s += " (also " + strings.Join(also, ", ") + ")"
	}
	return s
}

// Steps checks that a plan has the steps want, compared without their
// times and inputs (see StepsOf for what is compared).
func Steps[U any](t testing.TB, p *transition.Plan[U], want ...string) bool {
	t.Helper()
	if diff := cmp.Diff(want, StepsOf(p), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the plan's steps differ (-want +got):\n%s", diff)
		return false
	}
	return true
}

// StepsOf describes a plan's steps a line each, as Steps compares them,
// such as "main.Task.status 12: delete status Open -> Deleted".
func StepsOf[U any](p *transition.Plan[U]) []string {
	if p == nil {
		return nil
	}
	out := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		out[i] = s.String()
	}
	return out
}

// History checks that the history s keeps, the rows f selects, is want,
// a line per row in order (see HistoryOf for what is compared). s is a
// Store of this package or a sqlstore.Store.
func History(t testing.TB, s interface {
	History(ctx context.Context, f sqlstore.Filter) ([]sqlstore.Record, error)
}, f sqlstore.Filter, want ...string) bool {
	t.Helper()
	rs, err := s.History(context.Background(), f)
	if err != nil {
		t.Errorf("reading the history: %v", err)
		return false
	}
	if diff := cmp.Diff(want, HistoryOf(rs), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the history differs (-want +got):\n%s", diff)
		return false
	}
	return true
}

// HistoryOf describes rows of the history a line each, as History
// compares them, without their ids, times and inputs: the object and the
// version the step read, the transition, the field and its values as
// stored, the actor, the idempotency key if there was one, and whether an
// import wrote the row, such as
// "main.Project 7 v0: withdraw status published -> withdrawn by alice"
// ("-" stands for the value before a creation).
func HistoryOf(rs []sqlstore.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		from := r.From
		if from == "" {
			from = "-"
		}
		out[i] = fmt.Sprintf("%s %s v%d: %s %s %s -> %s by %s", r.ObjectType, r.ObjectID, r.Version, r.Transition, r.Field, from, r.To, r.Actor)
		if r.Key != "" {
			out[i] += " key " + strconv.Quote(r.Key)
		}
		if r.Imported {
			out[i] += " (imported)"
		}
	}
	return out
}
