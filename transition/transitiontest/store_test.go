package transitiontest_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
	"github.com/statecraft/statecraft/transition/transitiontest"
)

// The in-memory Store behaves as the durable one: the same checks run on
// both, and give the same results and errors. Only the line that opens the
// store differs. (The conformance suite, in conformance_test.go, covers
// failures, conflicts, retries, keys and the history; these tests add a
// cascade of a model into itself, several levels deep, and a refusal deep
// in it.)

type BoxStatus string

func (BoxStatus) StateType() *state.Type[BoxStatus] { return BoxState }

var (
	BoxState    = state.NewType[BoxStatus]("BoxState")
	Packed      = BoxState.State("packed", "Packed")
	Sent        = BoxState.State("sent", "Sent")
	Lost        = BoxState.State("lost", "Lost", state.Final())
	BoxStatusOf = state.Bind(BoxState, "status", func(b *Box) *state.State[BoxStatus] { return &b.Status })
)

// Box holds items (boxes too, with a parent); it has a version, its items
// do not.
type Box struct {
	ID, Parent, Version int64
	Label               string
	Status              state.State[BoxStatus]
}

type Depot struct{ q sqlstore.Querier }

var (
	boxRows = sqlstore.Map[*Depot]("boxes", func(b *Box) []sqlstore.Column {
		return []sqlstore.Column{sqlstore.Key("id", &b.ID), sqlstore.Col("parent", &b.Parent), sqlstore.Col("label", &b.Label),
			sqlstore.Col("status", &b.Status), sqlstore.Version("version", &b.Version)}
	})
	Boxes = transition.For[Agent, *Depot](BoxStatusOf).Identify(func(b *Box) any { return b.ID }).
		Version(func(b *Box) *int64 { return &b.Version }).Table(boxRows)
	Send = transition.New[transition.NoInput](Boxes, "send", transition.From(Packed).To(Sent)).AllowAnyone().
		AfterCommit("note", func(_ context.Context, e *transition.Event[Box, BoxStatus, Agent, transition.NoInput]) error {
			sentNotes = append(sentNotes, e.Model.ID)
			return nil
		})
	Relabel = transition.New[LabelInput](Boxes, "relabel", transition.From(Packed, Sent).Stay()).AllowAnyone().
		Effect("label", func(_ context.Context, _ *Depot, e *transition.Event[Box, BoxStatus, Agent, LabelInput]) error {
			e.Model.Label = e.Input.Label
			return nil
		})
	// Losing a box loses what is in it, packed items only.
	Lose = transition.New[transition.NoInput](Boxes, "lose", transition.From(Packed, Sent).To(Lost)).Allow("owner", owns).
		CascadeSelf("contents", func(ctx context.Context, d *Depot, b *Box) ([]*Box, error) {
			return boxRows.Select(ctx, d.q, sqlexpr.And(sqlexpr.Col("parent").Eq(b.ID), sqlexpr.Col("status").Ne("lost")), sqlstore.NoLock)
		})
	sentNotes []int64
)

// Crumple relabels a box with an effect that fails or panics on demand.
var Crumple = transition.New[LabelInput](Boxes, "crumple", transition.From(Packed, Sent).Stay()).AllowAnyone().
	Effect("crumple", func(_ context.Context, _ *Depot, e *transition.Event[Box, BoxStatus, Agent, LabelInput]) error {
		switch e.Input.Label {
		case "fail":
			return errors.New("crumpling failed")
		case "panic":
			panic("crumpled")
		}
		e.Model.Label = e.Input.Label
		return nil
	})

type LabelInput struct {
	Label string `json:"label"`
}

func owns(_ context.Context, a Agent, b *Box) bool { return a.Admin || b.Label != "bob's" }

// durable is what the checks need of a store: the durable one and the
// in-memory one both are.
type durable interface {
	transition.Store[*Depot]
	Key(key string) transition.Store[*Depot]
	History(ctx context.Context, f sqlstore.Filter) ([]sqlstore.Record, error)
	Querier() sqlstore.Querier
}

func newDepot(q sqlstore.Querier) *Depot { return &Depot{q} }

// stores runs check on the in-memory Store and on a sqlstore.Store on
// SQLite (and PostgreSQL when configured).
func stores(t *testing.T, check func(t *testing.T, s durable)) {
	opts := &sqlstore.Options{Now: transitiontest.NewClock(start).Now}
	t.Run("memory", func(t *testing.T) { check(t, transitiontest.NewStore(newDepot, opts)) })
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			db := dbtest.Wrapped(t, name, nil)
			s, err := sqlstore.New(db.DB, db.Dialect, newDepot, opts)
			require.NoError(t, err)
			require.NoError(t, s.Migrate(context.Background()))
			constraint, err := BoxState.CheckConstraint(db.Dialect, "status")
			require.NoError(t, err)
			_, err = db.Exec(`CREATE TABLE boxes (id BIGINT PRIMARY KEY, parent BIGINT NOT NULL, label TEXT NOT NULL, status TEXT NOT NULL ` + constraint + `, version BIGINT NOT NULL)`)
			require.NoError(t, err)
			check(t, s)
		})
	}
}

// put stores boxes in a unit of work of s.
func put(t *testing.T, s durable, boxes ...*Box) {
	t.Helper()
	ctx := context.Background()
	tx, err := s.Begin(ctx)
	require.NoError(t, err)
	for _, b := range boxes {
		require.NoError(t, boxRows.Insert(ctx, tx, b))
	}
	require.NoError(t, tx.Commit(ctx))
}

func get(t *testing.T, s durable, id int64) *Box {
	t.Helper()
	bs, err := boxRows.Select(context.Background(), s.Querier(), sqlexpr.Col("id").Eq(id), sqlstore.NoLock)
	require.NoError(t, err)
	if len(bs) == 0 {
		return nil
	}
	return bs[0]
}

func TestStoreBehavesAsTheDurableOne(t *testing.T) {
	ctx := context.Background()
	stores(t, func(t *testing.T, s durable) {
		put(t, s, &Box{ID: 1, Label: "a", Status: Packed}, &Box{ID: 2, Parent: 1, Label: "b", Status: Packed},
			&Box{ID: 3, Parent: 1, Label: "c", Status: Sent}, &Box{ID: 4, Parent: 2, Label: "d", Status: Packed},
			&Box{ID: 5, Label: "e", Status: Packed})

		// A transition, its history, its after-commit hook.
		sentNotes = nil
		b := get(t, s, 5)
		stale := *b
		err := Send.Fire(ctx, s, ann, b, transition.NoInput{})
		require.NoError(t, err)
		assert.Equal(t, &Box{ID: 5, Label: "e", Status: Sent, Version: 1}, get(t, s, 5))
		assert.Equal(t, []int64{5}, sentNotes)
		h, err := s.History(ctx, sqlstore.Filter{ObjectID: "5"})
		require.NoError(t, err)
		require.Len(t, h, 1)
		assert.Equal(t, []string{"send", "packed", "sent", "ann", "0"}, []string{h[0].Transition, h[0].From, h[0].To, h[0].Actor, strconv.FormatInt(h[0].Version, 10)})

		// A stale copy: the same conflict, nothing written, no hook.
		err = Relabel.Fire(ctx, s, bob, &stale, LabelInput{"x"})
		var ce *transition.ConflictError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, &transition.ConflictError{Object: "transitiontest_test.Box 5", Expected: "version 0", Found: "version 1"}, ce)
		assert.Equal(t, "e", get(t, s, 5).Label)
		assert.Equal(t, []int64{5}, sentNotes)

		// A cascade is all or nothing: bob's box inside blocks it.
		put(t, s, &Box{ID: 6, Parent: 4, Label: "bob's", Status: Packed})
		err = Lose.Fire(ctx, s, ann, get(t, s, 1), transition.NoInput{})
		require.ErrorIs(t, err, transition.ErrForbidden)
		assert.Contains(t, err.Error(), "transitiontest_test.Box 6 (lose)")
		for id := int64(1); id <= 6; id++ {
			assert.NotEqual(t, Lost, get(t, s, id).Status, "box %d", id)
		}
		// The admin may: every box inside is lost, each row pointing at its cause.
		err = Lose.Fire(ctx, s, root, get(t, s, 1), transition.NoInput{})
		require.NoError(t, err)
		for _, id := range []int64{1, 2, 3, 4, 6} {
			assert.Equal(t, Lost, get(t, s, id).Status, "box %d", id)
		}
		h, err = s.History(ctx, sqlstore.Filter{Transition: "lose"})
		require.NoError(t, err)
		require.Len(t, h, 5)
		assert.Zero(t, h[0].Cause)
		byID := map[string]sqlstore.Record{}
		for _, r := range h {
			byID[r.ObjectID] = r
		}
		assert.Equal(t, byID["1"].ID, byID["2"].Cause)
		assert.Equal(t, byID["2"].ID, byID["4"].Cause)
		assert.Equal(t, byID["4"].ID, byID["6"].Cause)

		// Idempotency keys: a repeat applies nothing; another request is refused.
		b = get(t, s, 5)
		again := *b
		err = Relabel.Fire(ctx, s.Key("k"), ann, b, LabelInput{"f"})
		require.NoError(t, err)
		ev, err := Relabel.FireEvent(ctx, s.Key("k"), ann, &again, LabelInput{"f"})
		require.NoError(t, err)
		assert.True(t, ev.Replayed)
		assert.Equal(t, *b, again)
		err = Relabel.Fire(ctx, s.Key("k"), ann, &again, LabelInput{"g"})
		require.ErrorIs(t, err, transition.ErrIdempotency)
		h, err = s.History(ctx, sqlstore.Filter{Transition: "relabel"})
		require.NoError(t, err)
		require.Len(t, h, 1)
		assert.Equal(t, "k", h[0].Key)

		// A row that is gone.
		err = Send.Fire(ctx, s, ann, &Box{ID: 99, Status: Packed}, transition.NoInput{})
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "no row", ce.Found)
	})
}

// Raw SQL has no database to run on in memory: a clear error.
func TestStoreRunsNoSQL(t *testing.T) {
	s := transitiontest.NewStore(newDepot, nil)
	err := s.View(context.Background(), func(sc transition.Scope[*Depot]) error {
		_, err := sc.Unit().q.ExecContext(context.Background(), `UPDATE boxes SET label = 'x'`)
		return err
	})
	require.ErrorIs(t, err, transitiontest.ErrNoSQL)
	var n int
	err = s.Querier().QueryRowContext(context.Background(), `SELECT 1`).Scan(&n)
	require.True(t, errors.Is(err, transitiontest.ErrNoSQL), "%v", err)
	_, err = boxRows.Select(context.Background(), s.Querier(), sqlexpr.Raw("label = 'x'"), sqlstore.NoLock)
	require.ErrorIs(t, err, sqlexpr.ErrNoMatch)
}

// A Store is a Scope: checks run on it, reading what was committed.
func TestStoreIsAScope(t *testing.T) {
	s := transitiontest.NewStore(newDepot, &sqlstore.Options{Now: transitiontest.NewClock(start).Now})
	put(t, s, &Box{ID: 1, Label: "bob's", Status: Packed}, &Box{ID: 2, Parent: 1, Label: "a", Status: Packed})
	b := get(t, s, 1)
	transitiontest.Available(t, Send, s, ann, b)
	transitiontest.Blocked(t, Lose, s, ann, b, "forbidden.owner")
	transitiontest.Available(t, Lose, s, root, b)
	p, err := Lose.Plan(context.Background(), s, root, b, transition.NoInput{})
	require.NoError(t, err)
	transitiontest.Steps(t, p, "transitiontest_test.Box.status 1: lose status Packed -> Lost", "transitiontest_test.Box.status 2: lose status Packed -> Lost")
	assert.Equal(t, start, s.Now())
}

// History compares the rows of the history a line each, on either store:
// a step to the wrong state, a missing cascade, the wrong actor all show
// in the diff.
func TestHistoryAssertion(t *testing.T) {
	ctx := context.Background()
	stores(t, func(t *testing.T, s durable) {
		put(t, s, &Box{ID: 1, Label: "a", Status: Packed}, &Box{ID: 2, Parent: 1, Label: "b", Status: Packed})
		err := Send.Fire(ctx, s.Key("k1"), ann, get(t, s, 1), transition.NoInput{})
		require.NoError(t, err)
		err = Lose.Fire(ctx, s, root, get(t, s, 1), transition.NoInput{})
		require.NoError(t, err)

		assert.Empty(t, failed(t, func(tb testing.TB) bool {
			return transitiontest.History(tb, s, sqlstore.Filter{},
				`transitiontest_test.Box 1 v0: send status packed -> sent by ann key "k1"`,
				"transitiontest_test.Box 1 v1: lose status sent -> lost by root",
				"transitiontest_test.Box 2 v0: lose status packed -> lost by root")
		}))
		assert.Empty(t, failed(t, func(tb testing.TB) bool {
			return transitiontest.History(tb, s, sqlstore.Filter{Transition: "send"}, `transitiontest_test.Box 1 v0: send status packed -> sent by ann key "k1"`)
		}), "the filter applies")
		msg := failed(t, func(tb testing.TB) bool {
			return transitiontest.History(tb, s, sqlstore.Filter{},
				`transitiontest_test.Box 1 v0: send status packed -> lost by ann key "k1"`,
				"transitiontest_test.Box 1 v1: lose status sent -> lost by ann")
		})
		assert.Contains(t, msg, "the history differs (-want +got):")
		assert.Contains(t, msg, "- \t\t\"los\",\n+ \t\t\"sen\",", "the target it wanted")
		assert.Contains(t, msg, "- \t\t\"ann\",\n+ \t\t\"root\",", "the wrong actor")
		assert.Contains(t, msg, "+ \t\"transitiontest_test.Box 2 v0: lose status packed -> lost by root\",", "the cascade's row")

		// A broken transition, whose target is wrong: the check of what
		// it should have written fails, and shows what it wrote.
		put(t, s, &Box{ID: 3, Label: "c", Status: Packed})
		err = BrokenSend.Fire(ctx, s, ann, get(t, s, 3), transition.NoInput{})
		require.NoError(t, err)
		msg = failed(t, func(tb testing.TB) bool {
			return transitiontest.History(tb, s, sqlstore.Filter{ObjectID: "3"}, "transitiontest_test.Box 3 v0: send status packed -> sent by ann")
		})
		assert.Contains(t, msg, "- \t\t\"sen\",\n+ \t\t\"los\",", "the wrong target")
	})

	// No rows wanted, none kept.
	assert.Empty(t, failed(t, func(tb testing.TB) bool {
		return transitiontest.History(tb, transitiontest.NewStore(newDepot, nil), sqlstore.Filter{})
	}))

	// A store whose history cannot be read fails the check, saying why.
	msg := failed(t, func(tb testing.TB) bool { return transitiontest.History(tb, brokenHistory{}, sqlstore.Filter{}) })
	assert.Equal(t, "reading the history: the history table is gone", msg)
}

// BrokenSend is Send declared with the wrong target, on a machine of its
// own, so that the Boxes machine keeps its transitions.
var BrokenSend = transition.New[transition.NoInput](
	transition.For[Agent, *Depot](BoxStatusOf).Identify(func(b *Box) any { return b.ID }).Version(func(b *Box) *int64 { return &b.Version }).Table(boxRows),
	"send", transition.From(Packed).To(Lost)).AllowAnyone()

type brokenHistory struct{}

func (brokenHistory) History(context.Context, sqlstore.Filter) ([]sqlstore.Record, error) {
	return nil, errors.New("the history table is gone")
}
