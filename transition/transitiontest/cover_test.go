package transitiontest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
	"github.com/statecraft/statecraft/transition/transitiontest"
)

// Cover reports the transitions a test never fired or saw refused, and
// counts what its subtests did.
func TestCover(t *testing.T) {
	f := &failures{}
	t.Run("part", func(t *testing.T) {
		f.TB = t
		transitiontest.Cover(f, Tickets)
		mem := transition.Memory(struct{}{}, transitiontest.NewClock(start).Now)
		tk := &Ticket{ID: 1, Owner: "ann", Status: Open}
		t.Run("sub", func(t *testing.T) {
			transitiontest.Available(t, Close, mem, ann, tk) // a subtest's check counts
		})
	})
	assert.Equal(t, []string{"Cover: transitiontest_test.Ticket.status: archive, escalate never fired or refused in this test"}, f.msgs)

	f = &failures{}
	t.Run("all", func(t *testing.T) {
		f.TB = t
		s := transitiontest.NewStore(newDepot, &sqlstore.Options{Now: transitiontest.NewClock(start).Now})
		transitiontest.Cover(f, Boxes, s)
		put(t, s, &Box{ID: 1, Label: "a", Status: Packed})
		b := get(t, s, 1)
		_, err := Send.Fire(context.Background(), s, ann, b, transition.NoInput{}) // fired through the store
		require.NoError(t, err)
		transitiontest.Blocked(t, Relabel, s, ann, &Box{ID: 1, Status: Lost}, "wrong_state.status") // refused
		transitiontest.Blocked(t, Crumple, s, ann, &Box{ID: 1, Status: Lost}, "wrong_state.status")
		transitiontest.Explore(t, s, exploration(transitiontest.Try(Lose, boxesWhere(sqlexpr.Expr{})), transitiontest.Try(Drop, boxesWhere(sqlexpr.Expr{}))))
	})
	assert.Empty(t, f.msgs)
}
