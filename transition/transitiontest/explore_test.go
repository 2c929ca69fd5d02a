package transitiontest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
	"github.com/statecraft/statecraft/transition/transitiontest"
)

// Drop loses a box without what is in it: a mistake the explorer finds.
var Drop = transition.New[transition.NoInput](Boxes, "drop", transition.From(Packed, Sent).To(Lost)).AllowAnyone()

func boxesWhere(where sqlexpr.Expr) func(context.Context, transition.Scope[*Depot]) ([]*Box, error) {
	return func(ctx context.Context, sc transition.Scope[*Depot]) ([]*Box, error) {
		return boxRows.Select(ctx, sc.Unit().q, where, sqlstore.NoLock)
	}
}

// nothingLostInside: no lost box holds a box that is not lost.
var nothingLostInside = transitiontest.Invariant[*Depot]{Name: "nothing is left in a lost box", Check: func(ctx context.Context, sc transition.Scope[*Depot]) error {
	all, err := boxesWhere(sqlexpr.Expr{})(ctx, sc)
	if err != nil {
		return err
	}
	lost := map[int64]bool{}
	for _, b := range all {
		lost[b.ID] = b.Status == Lost
	}
	for _, b := range all {
		if lost[b.Parent] && !lost[b.ID] {
			return fmt.Errorf("box %d is %s inside lost box %d", b.ID, b.Status, b.Parent)
		}
	}
	return nil
}}

func exploration(moves ...transitiontest.Move[Agent, *Depot]) transitiontest.Exploration[Box, BoxStatus, Agent, *Depot] {
	return transitiontest.Exploration[Box, BoxStatus, Agent, *Depot]{
		Root: func(ctx context.Context, sc transition.Scope[*Depot]) (*Box, error) {
			bs, err := boxesWhere(sqlexpr.Col("id").Eq(1))(ctx, sc)
			if err != nil || len(bs) == 0 {
				return nil, err
			}
			return bs[0], nil
		},
		Field:      BoxStatusOf,
		Actors:     []transitiontest.Role[Agent]{{Name: "ann", Actor: ann}, {Name: "root", Actor: root}},
		Moves:      moves,
		Invariants: []transitiontest.Invariant[*Depot]{nothingLostInside},
		// Versions grow with every step: states are told apart without them.
		Key: func(ctx context.Context, sc transition.Scope[*Depot]) (string, error) {
			bs, err := boxesWhere(sqlexpr.Expr{})(ctx, sc)
			key := ""
			for _, b := range bs {
				key += fmt.Sprintf("%d %s %s;", b.ID, b.Status, b.Label)
			}
			return key, err
		},
	}
}

func depot(t *testing.T) *transitiontest.Store[*Depot] {
	s := transitiontest.NewStore(newDepot, &sqlstore.Options{Now: transitiontest.NewClock(start).Now})
	put(t, s, &Box{ID: 1, Label: "a", Status: Packed}, &Box{ID: 2, Parent: 1, Label: "bob's", Status: Packed})
	return s
}

func TestExplore(t *testing.T) {
	s := depot(t)
	all := boxesWhere(sqlexpr.Col("status").Ne("lost"))
	r := transitiontest.Explore(t, s, exploration(
		transitiontest.Try(Send, all),
		transitiontest.Try(Lose, all),
		transitiontest.Try(Relabel, all, LabelInput{"x"}),
	))
	t.Log(r)
	assert.Nil(t, r.Broken)
	assert.Empty(t, r.Truncated)
	assert.Empty(t, r.Unreached)
	assert.Empty(t, r.Unfired)
	assert.Equal(t, []string(nil), r.Paths["Packed"], "the start")
	assert.Equal(t, []string{"transitiontest_test.Box 1: send Packed -> Sent by ann"}, r.Paths["Sent"])
	assert.Equal(t, []string{"transitiontest_test.Box 1: lose Packed -> Lost by root"}, r.Paths["Lost"], "ann may not lose bob's box inside")
	assert.Greater(t, r.Nodes, 5)
	assert.Equal(t, Packed, get(t, s, 1).Status, "the store is left as it was")

	// A budget cuts the walk short, and says so.
	r = transitiontest.Explore(t, s, func() transitiontest.Exploration[Box, BoxStatus, Agent, *Depot] {
		x := exploration(transitiontest.Try(Send, all), transitiontest.Try(Lose, all))
		x.MaxDepth = 1
		return x
	}())
	assert.Equal(t, "depth", r.Truncated)
	x := exploration(transitiontest.Try(Send, all), transitiontest.Try(Relabel, all, LabelInput{"x"}, LabelInput{"y"}))
	x.MaxNodes = 3
	r = transitiontest.Explore(t, s, x)
	assert.Equal(t, "nodes", r.Truncated)
	assert.Equal(t, 3, r.Nodes)

	// What no sequence reaches, and what none fires: ann alone never loses
	// the box (bob's is inside).
	x = exploration(transitiontest.Try(Send, all), transitiontest.Try(Lose, all))
	x.Actors = x.Actors[:1]
	r = transitiontest.Explore(t, s, x)
	assert.Equal(t, []string{"Lost"}, r.Unreached)
	assert.Equal(t, []string{"transitiontest_test.Box.status lose"}, r.Unfired)
	assert.Contains(t, r.String(), "unreached: Lost\nnever fired: transitiontest_test.Box.status lose")
}

// Drop leaves bob's box in a lost one: the explorer reports the shortest
// sequence that breaks the invariant.
func TestExploreFindsTheShortestBreak(t *testing.T) {
	s := depot(t)
	all := boxesWhere(sqlexpr.Col("status").Ne("lost"))
	var r *transitiontest.Report
	msg := failed(t, func(tb testing.TB) bool {
		r = transitiontest.Explore(tb, s, exploration(transitiontest.Try(Send, all), transitiontest.Try(Drop, all)))
		return r.Broken == nil
	})
	require.NotNil(t, r.Broken)
	assert.Equal(t, []string{"transitiontest_test.Box 1: drop Packed -> Lost by ann"}, r.Broken.Path)
	assert.Equal(t, "Explore: nothing is left in a lost box breaks after transitiontest_test.Box 1: drop Packed -> Lost by ann: box 2 is Packed inside lost box 1", msg)
}

// An invariant is checked after every step, even one that leads back to a
// state of the rows seen before: relabelling a box with the label it has
// changes no row, but the history the invariant reads grows.
func TestExploreChecksEveryStep(t *testing.T) {
	s := depot(t)
	all := boxesWhere(sqlexpr.Col("status").Ne("lost"))
	x := exploration(transitiontest.Try(Relabel, all, LabelInput{"a"}))
	x.Invariants = []transitiontest.Invariant[*Depot]{{
		Name: "box 1 is never relabelled",
		Check: func(ctx context.Context, sc transition.Scope[*Depot]) error {
			h, err := s.History(ctx, sqlstore.Filter{ObjectID: "1", Transition: "relabel"})
			if err == nil && len(h) > 0 {
				err = fmt.Errorf("box 1 was relabelled %d times", len(h))
			}
			return err
		},
	}}
	var r *transitiontest.Report
	msg := failed(t, func(tb testing.TB) bool {
		r = transitiontest.Explore(tb, s, x)
		return r.Broken == nil
	})
	require.NotNil(t, r.Broken, "the step leads to the rows of the start, and still breaks the invariant")
	assert.Equal(t, []string{"transitiontest_test.Box 1: relabel Packed -> Packed by ann"}, r.Broken.Path)
	assert.Contains(t, msg, "box 1 was relabelled 1 times")
}

// The depth budget cuts the walk short only when a step beyond it would
// reach a state not seen yet.
func TestExploreTruncatedOnlyWhenSomethingIsLeft(t *testing.T) {
	s := depot(t)
	all := boxesWhere(sqlexpr.Col("status").Ne("lost"))
	moves := []transitiontest.Move[Agent, *Depot]{transitiontest.Try(Send, all), transitiontest.Try(Lose, all)}
	// Packed -> Sent -> Lost, or Packed -> Lost: two steps reach everything.
	for depth, want := range map[int]string{1: "depth", 2: "", 3: ""} {
		x := exploration(moves...)
		x.MaxDepth = depth
		r := transitiontest.Explore(t, s, x)
		assert.Equal(t, want, r.Truncated, "depth %d", depth)
		if want == "" {
			assert.Empty(t, r.Unreached, "depth %d", depth)
		}
	}
}
