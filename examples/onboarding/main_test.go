package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"maps"
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

var update = flag.Bool("update", false, "rewrite testdata/output.golden and testdata/onboarding.matrix")

// TestRun runs the example, on its fixed clock, against a fresh SQLite
// file with its own legacy files, and compares its transcript with
// testdata/output.golden.
func TestRun(t *testing.T) {
	files, err := fs.Sub(uploads, "uploads")
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, filepath.Join(t.TempDir(), "onboarding.db"), files))
	transitiontest.Golden(t, filepath.Join("testdata", "output.golden"), out.String(), *update)
}

// The rest needs no database: the files' check is plain Go, and an
// in-memory Store takes the sqlstore.Store's place, on a fixed clock.

var (
	ctx   = context.Background()
	start = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
)

// TestCheck: a file becomes a row only if every state in it is declared,
// spelt as declared, and its checklist holds; otherwise every problem is
// listed, and nothing is guessed.
func TestCheck(t *testing.T) {
	file := func(status, steps string) string {
		return `{"user_id": "u-1", "email": "a@example.com", ` + status + `"completed_steps": [` + steps + `],
			"updated_at": "2026-11-02T10:15:00Z", "updated_by": "a@example.com"}`
	}
	for _, c := range []struct {
		name, json string
		problems   []string
	}{
		{"declared", file(`"status": "in_progress", `, `"team", "profile"`), nil},
		{"a typo", file(`"status": "in-progress", `, ``),
			[]string{`status "in-progress" is not declared (OnboardingState declares invited, in_progress, blocked, completed, offboarded)`}},
		{"another case", file(`"status": "Completed", `, `"profile", "team", "billing"`),
			[]string{`status "Completed" is not declared (OnboardingState declares invited, in_progress, blocked, completed, offboarded)`}},
		{"the title", file(`"status": "In progress", `, ``),
			[]string{`status "In progress" is not declared (OnboardingState declares invited, in_progress, blocked, completed, offboarded)`}},
		{"no status", file(``, ``), []string{"no status"}},
		{"a null status", file(`"status": null, `, ``), []string{"no status"}},
		{"a number", file(`"status": 2, `, ``),
			[]string{"not a legacy onboarding file: json: cannot unmarshal number into Go struct field legacyFile.status of type string"}},
		{"an unknown field", `{"user_id": "u-1", "status": "invited", "locale": "fr"}`,
			[]string{`not a legacy onboarding file: json: unknown field "locale"`}},
		{"cut short", `{"user_id": "u-1", "status": "invi`, []string{"not a legacy onboarding file: unexpected EOF"}},
		{"another user's", strings.Replace(file(`"status": "invited", `, ``), "u-1", "u-2", 1), []string{`user_id "u-2" is not the file's name`}},
		{"a step twice, and one not on the checklist", file(`"status": "in_progress", `, `"profile", "payroll", "profile"`),
			[]string{`step "payroll" is not on the checklist (profile, team, billing)`, `step "profile" is listed twice`}},
		{"completed, not done", file(`"status": "completed", `, `"profile"`), []string{"completed, with team, billing not done"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := check("uploads/admin/onboarding/u-1.json", []byte(c.json))
			assert.Equal(t, c.problems, l.Problems)
			if c.problems != nil {
				assert.Nil(t, l.Row, "nothing is imported")
				return
			}
			assert.Equal(t, &Onboarding{UserID: "u-1", Email: "a@example.com", Status: InProgress, Steps: "profile,team"}, l.Row,
				"the steps in checklist order")
		})
	}
}

// TestImportIsNoTransition: the import's history rows are marked
// Imported, and also named for a transition no machine declares, so that
// no reader takes them for transitions anyone ran.
func TestImportIsNoTransition(t *testing.T) {
	assert.NotContains(t, Onboardings.Names(), importTransition)
}

// newStore returns an in-memory Store holding rows, on a clock set at
// start.
func newStore(t *testing.T, rows ...*Onboarding) *transitiontest.Store[*Repo] {
	t.Helper()
	store := transitiontest.NewStore(newRepo, &sqlstore.Options{Now: transitiontest.NewClock(start).Now})
	for _, o := range rows {
		insert(t, store, o)
	}
	return store
}

// insert stores o, and returns it as stored.
func insert(t *testing.T, store *transitiontest.Store[*Repo], o *Onboarding) *Onboarding {
	t.Helper()
	require.NoError(t, store.Update(ctx, func(tx transition.Tx[*Repo]) error { return progressRows.Insert(ctx, tx, o) }))
	return stored(t, store, o.UserID)
}

// stored reads a user's onboarding back, as committed.
func stored(t *testing.T, store *transitiontest.Store[*Repo], id string) *Onboarding {
	t.Helper()
	o, err := store.Unit().Onboarding(ctx, id)
	require.NoError(t, err)
	require.NotNil(t, o, "onboarding %s", id)
	return o
}

// fire fires tr, requiring it to succeed.
func fire[I any](t *testing.T, tr *transition.Transition[Onboarding, OnboardingStatus, User, *Repo, I], s transition.Store[*Repo], u User, o *Onboarding, in I) {
	t.Helper()
	err := tr.Fire(ctx, s, u, o, in)
	require.NoError(t, err, "%s by %s", tr.Name(), u)
}

// onboarding returns user u's onboarding in status s, with steps done.
func onboarding(u User, s state.State[OnboardingStatus], steps string) *Onboarding {
	return &Onboarding{UserID: u.ID, Email: u.Name + "@example.com", Status: s, Steps: steps}
}

// TestTransitions fires or refuses every transition, on one in-memory
// Store: Cover fails the test for any it leaves out, such as one declared
// later.
func TestTransitions(t *testing.T) {
	store := newStore(t)
	transitiontest.Cover(t, Onboardings, store)

	t.Run("a user works through their checklist, then completes", func(t *testing.T) {
		o := insert(t, store, onboarding(ana, Invited, ""))
		transitiontest.Blocked(t, Start, store, ben, o, "forbidden.self")
		transitiontest.Blocked(t, CompleteStep, store, ana, o, "wrong_state.status")
		fire(t, Start, store, ana, o, transition.NoInput{})
		transitiontest.InState(t, Status, o, InProgress, start)

		for _, step := range []string{"team", "profile"} {
			fire(t, CompleteStep, store, ana, o, StepInput{Step: step})
		}
		assert.Equal(t, "profile,team", stored(t, store, ana.ID).Steps, "in checklist order")
		transitiontest.Blocked(t, CompleteStep, store, ben, o, "forbidden.self")
		transitiontest.Blocked(t, CompleteStep, store, admin, o, "forbidden.self")
		transitiontest.Blocked(t, Complete, store, ana, o, "wrong_state.status")

		err := CompleteStep.Fire(ctx, store, ana, o, StepInput{Step: "team"})
		require.ErrorIs(t, err, transition.ErrInvalidInput, "done already")
		err = CompleteStep.Fire(ctx, store, ana, o, StepInput{Step: "payroll"})
		require.ErrorIs(t, err, transition.ErrInvalidInput, "not on the checklist, from Go too")

		fire(t, CompleteStep, store, ana, o, StepInput{Step: "billing"})
		transitiontest.InState(t, Status, o, Ready, start)
		transitiontest.Blocked(t, Complete, store, ben, o, "forbidden.self")
		transitiontest.Available(t, Complete, store, ana, o)
		fire(t, Complete, store, ana, o, transition.NoInput{})
		transitiontest.InState(t, Status, stored(t, store, ana.ID), Completed, start)
		transitiontest.Blocked(t, Start, store, ana, o, "wrong_state.status")
	})

	t.Run("only an admin blocks, unblocks and offboards", func(t *testing.T) {
		o := insert(t, store, onboarding(ben, InProgress, "profile"))
		transitiontest.Blocked(t, Block, store, ben, o, "forbidden.admin")
		err := Block.Fire(ctx, store, admin, o, BlockInput{})
		require.ErrorIs(t, err, transition.ErrInvalidInput, "a reason is required")
		fire(t, Block, store, admin, o, BlockInput{Reason: "billing needs a purchase order"})
		assert.Equal(t, "billing needs a purchase order", stored(t, store, ben.ID).Reason)
		transitiontest.Blocked(t, CompleteStep, store, ben, o, "wrong_state.status")
		transitiontest.Blocked(t, Unblock, store, ben, o, "forbidden.admin")
		fire(t, Unblock, store, admin, o, transition.NoInput{})
		assert.Empty(t, stored(t, store, ben.ID).Reason)
		fire(t, CompleteStep, store, ben, o, StepInput{Step: "team"})

		transitiontest.Blocked(t, Offboard, store, ben, o, "forbidden.admin")
		fire(t, Offboard, store, admin, o, transition.NoInput{})
		for _, tr := range []interface {
			Check(context.Context, transition.Scope[*Repo], User, *Onboarding) error
		}{Start, CompleteStep, Complete, Block, Unblock, Offboard} {
			require.ErrorIs(t, tr.Check(ctx, store, admin, o), transition.ErrWrongState, "nothing moves an offboarded onboarding")
		}
		transitiontest.Blocked(t, Offboard, store, admin, o, "wrong_state.status")
		assert.Equal(t, Offboarded, stored(t, store, ben.ID).Status)
	})
}

// TestParity: the parity report agrees only when every file that checked
// is a row holding the same, created by one history row of the import
// naming it, every refused file is no row, no row is anything else, and
// the survey counts what the files say.
func TestParity(t *testing.T) {
	good := check("uploads/admin/onboarding/u-101.json",
		[]byte(`{"user_id": "u-101", "email": "ana@example.com", "status": "in_progress", "completed_steps": ["profile"]}`))
	other := check("uploads/admin/onboarding/u-102.json", []byte(`{"user_id": "u-102", "status": "in_progress"}`))
	refused := check("uploads/admin/onboarding/u-106.json", []byte(`{"user_id": "u-106", "status": "in-progress"}`))
	files := []*legacy{good, refused}
	survey := func(inProgress int64) *sqlstore.Report {
		r := &sqlstore.Report{Rows: inProgress}
		for s := range OnboardingState.States() {
			c := sqlstore.Count{Value: string(s.Get()), Title: s.Title()}
			if s == InProgress {
				c.Rows = inProgress
			}
			r.Counts = append(r.Counts, c)
		}
		return r
	}
	history := func(ls ...*legacy) []sqlstore.Record {
		var steps []transition.Step
		for _, l := range ls {
			steps = append(steps, importStep(l, start))
		}
		records, err := sqlstore.Records(steps, "", 1)
		require.NoError(t, err)
		return records
	}
	imported := history(good)
	require.True(t, imported[0].Imported, "the import's rows are marked imported")
	row := *good.Row
	row.Version = 1
	for _, c := range []struct {
		name    string
		rows    []*Onboarding
		history []sqlstore.Record
		survey  *sqlstore.Report
		differ  string
	}{
		{"the same", []*Onboarding{&row}, imported, survey(1), ""},
		{"no row", nil, nil, survey(0), "u-101  in_progress  (no row)"},
		{"another step", []*Onboarding{{UserID: "u-101", Email: "ana@example.com", Status: InProgress, Steps: "profile,team", Version: 1}},
			imported, survey(1), "u-101  in_progress  in_progress  profile                DIFFERS: the row holds"},
		{"no history", []*Onboarding{&row}, nil, survey(1), "DIFFERS: the import's history holds 0 rows for it"},
		{"another file's history", []*Onboarding{&row}, history(other), survey(1), "DIFFERS: the import's history holds 0 rows for it"},
		{"a history twice", []*Onboarding{&row}, history(good, good), survey(1), "DIFFERS: the import's history holds 2 rows for it"},
		{"a refused file's row", []*Onboarding{&row, {UserID: "u-106", Status: InProgress, Version: 1}},
			imported, survey(2), "u-106  (refused)    in_progress                         DIFFERS: a refused file has a row"},
		{"a row with no file", []*Onboarding{&row, {UserID: "u-999", Status: Invited, Version: 1}},
			imported, survey(1), "u-999  (no file)    invited                             DIFFERS: a row with no file"},
		{"another count", []*Onboarding{&row}, imported, survey(2), "files/rows per state: invited 0/0, in_progress 1/2,"},
	} {
		t.Run(c.name, func(t *testing.T) {
			store := newStore(t, c.rows...)
			lines, ok, err := parity(ctx, store.Unit(), files, c.history, c.survey)
			require.NoError(t, err)
			report := strings.Join(lines, "\n")
			assert.Equal(t, c.differ == "", ok, report)
			assert.Contains(t, report, c.differ)
		})
	}
}

// roles are the actors of the matrix and the explorer: ana's onboarding
// is the one they act on.
var roles = []transitiontest.Role[User]{{Name: "self", Actor: ana}, {Name: "another user", Actor: ben}, {Name: "admin", Actor: admin}}

// TestMatrix snapshots who may do what in each state, Ready included, in
// testdata/onboarding.matrix.
func TestMatrix(t *testing.T) {
	store := newStore(t)
	m := transitiontest.Matrix(t, Onboardings, store, []transitiontest.Sample[Onboarding]{
		{Name: "invited", Model: onboarding(ana, Invited, "")},
		{Name: "in progress, a step done", Model: onboarding(ana, InProgress, "profile")},
		{Name: "in progress, every step done", Model: onboarding(ana, InProgress, "profile,team,billing")},
		{Name: "blocked", Model: onboarding(ana, Blocked, "profile")},
		{Name: "completed", Model: onboarding(ana, Completed, "profile,team,billing")},
		{Name: "offboarded", Model: onboarding(ana, Offboarded, "profile")},
	}, roles)
	transitiontest.Golden(t, filepath.Join("testdata", "onboarding.matrix"), m, *update)
}

// everyone reads every onboarding the store holds.
func everyone(ctx context.Context, sc transition.Scope[*Repo]) ([]*Onboarding, error) {
	return sc.Unit().Onboardings(ctx, sqlexpr.True)
}

// The invariants the explorer checks after every step.
var (
	noUnfinishedCompletion = transitiontest.Invariant[*Repo]{
		Name: "a completed onboarding never has an unfinished checklist step",
		Check: func(ctx context.Context, sc transition.Scope[*Repo]) error {
			all, err := everyone(ctx, sc)
			for _, o := range all {
				if todo := o.Unfinished(); o.Status == Completed && len(todo) > 0 {
					return fmt.Errorf("%s is completed with %s not done", o.UserID, strings.Join(todo, ", "))
				}
			}
			return err
		},
	}
	blockedSaysWhy = transitiontest.Invariant[*Repo]{
		Name: "a blocked onboarding says why",
		Check: func(ctx context.Context, sc transition.Scope[*Repo]) error {
			all, err := everyone(ctx, sc)
			for _, o := range all {
				if o.Status == Blocked && o.Reason == "" {
					return fmt.Errorf("%s is blocked with no reason", o.UserID)
				}
			}
			return err
		},
	}
)

// editedOffboarded reads the history of store, and returns the steps it
// records after the one that offboarded a user, by user.
func editedOffboarded(ctx context.Context, store *transitiontest.Store[*Repo]) (map[string][]string, error) {
	history, err := store.History(ctx, sqlstore.Filter{})
	offboarded, edited := map[string]bool{}, map[string][]string{}
	for _, h := range history {
		if offboarded[h.ObjectID] {
			edited[h.ObjectID] = append(edited[h.ObjectID], h.Transition+" by "+h.Actor)
		}
		offboarded[h.ObjectID] = h.To == string(Offboarded.Get())
	}
	return edited, err
}

// offboardedIsNeverEdited: no step follows the one that offboarded a user.
func offboardedIsNeverEdited(store *transitiontest.Store[*Repo]) transitiontest.Invariant[*Repo] {
	return transitiontest.Invariant[*Repo]{
		Name: "an offboarded user's onboarding is never edited",
		Check: func(ctx context.Context, _ transition.Scope[*Repo]) error {
			edited, err := editedOffboarded(ctx, store)
			for _, id := range slices.Sorted(maps.Keys(edited)) {
				return fmt.Errorf("%s was edited once offboarded: %s", id, strings.Join(edited[id], ", "))
			}
			return err
		},
	}
}

// TestExplore fires every transition, by each role, in every order, from
// an invited user's onboarding and another's that an admin blocked, and
// checks the invariants after every step.
func TestExplore(t *testing.T) {
	blocked := onboarding(ben, Blocked, "profile,team")
	blocked.Reason = "billing needs a purchase order"
	store := newStore(t, onboarding(ana, Invited, ""), blocked)

	r := transitiontest.Explore(t, store, transitiontest.Exploration[Onboarding, OnboardingStatus, User, *Repo]{
		Root: func(ctx context.Context, sc transition.Scope[*Repo]) (*Onboarding, error) {
			return sc.Unit().Onboarding(ctx, ana.ID)
		},
		Field:  Status,
		Actors: roles,
		Moves: []transitiontest.Move[User, *Repo]{
			transitiontest.Try(Start, everyone),
			transitiontest.Try(CompleteStep, everyone, StepInput{Step: "profile"}, StepInput{Step: "team"}, StepInput{Step: "billing"}),
			transitiontest.Try(Complete, everyone),
			transitiontest.Try(Block, everyone, BlockInput{Reason: "billing needs a purchase order"}),
			transitiontest.Try(Unblock, everyone),
			transitiontest.Try(Offboard, everyone),
		},
		Invariants: []transitiontest.Invariant[*Repo]{noUnfinishedCompletion, blockedSaysWhy, offboardedIsNeverEdited(store)},
		// Every step bumps a version: states of the store are told apart
		// by what the onboardings hold, without it. (Explore checks the
		// invariants after every step, even one that leads to a state it
		// has seen, so the history invariant needs nothing in the key.)
		Key: func(ctx context.Context, sc transition.Scope[*Repo]) (string, error) {
			all, err := everyone(ctx, sc)
			if err != nil {
				return "", err
			}
			var key strings.Builder
			for _, o := range all {
				fmt.Fprintf(&key, "%s %s %q %q;", o.UserID, o.Status.Get(), o.Steps, o.Reason)
			}
			return key.String(), nil
		},
		// The farthest state is 10 steps away (six of ana's, four of
		// ben's), so the default budget of 10 steps walks everything.
	})
	t.Log(r)
	assert.Nil(t, r.Broken)
	assert.Empty(t, r.Truncated)
	assert.Empty(t, r.Unreached, "every status is reached, and Ready")
	assert.Empty(t, r.Unfired, "every transition fires")
	assert.Len(t, r.Paths["Completed"], 5, "the shortest way to completion: start, the three steps, complete")
	assert.Equal(t, []string{"main.Onboarding u-101: offboard Invited -> Offboarded by admin"}, r.Paths["Offboarded"])
}
