package transitiontest_test

import (
	"context"
	"flag"
	"fmt"
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
		err := Send.Fire(context.Background(), s, ann, b, transition.NoInput{}) // fired through the store
		require.NoError(t, err)
		transitiontest.Blocked(t, Relabel, s, ann, &Box{ID: 1, Status: Lost}, "wrong_state.status") // refused
		transitiontest.Blocked(t, Crumple, s, ann, &Box{ID: 1, Status: Lost}, "wrong_state.status")
		transitiontest.Explore(t, s, exploration(transitiontest.Try(Lose, boxesWhere(sqlexpr.Expr{})), transitiontest.Try(Drop, boxesWhere(sqlexpr.Expr{}))))
	})
	assert.Empty(t, f.msgs)
}

// A store a subtest makes for itself, after Cover, counts: what it
// commits is covered, what it does not commit is not.
func TestCoverCountsStoresMadeLater(t *testing.T) {
	f := &failures{}
	t.Run("later", func(t *testing.T) {
		f.TB = t
		transitiontest.Cover(f, Boxes)
		t.Run("own store", func(t *testing.T) {
			s := transitiontest.NewStore(newDepot, &sqlstore.Options{Now: transitiontest.NewClock(start).Now})
			put(t, s, &Box{ID: 1, Label: "a", Status: Packed}, &Box{ID: 2, Parent: 1, Label: "b", Status: Packed})
			err := Send.Fire(context.Background(), s, ann, get(t, s, 1), transition.NoInput{})
			require.NoError(t, err)
			err = Lose.Fire(context.Background(), s, root, get(t, s, 1), transition.NoInput{}) // and its cascade
			require.NoError(t, err)
			err = Relabel.Fire(context.Background(), s, ann, get(t, s, 1), LabelInput{"x"}) // refused by Fire: not counted
			require.ErrorIs(t, err, transition.ErrWrongState)
		})
	})
	assert.Equal(t, []string{"Cover: transitiontest_test.Box.status: drop, relabel, crumple never fired or refused in this test"}, f.msgs)
}

// Under a -run pattern that selects subtests, the subtests that would
// have covered a transition may not have run: Cover logs what is missing
// rather than failing. (The runner matches tests with the pattern it read
// at the start, so changing the flag here changes only what Cover sees.)
func TestCoverUnderASubtestFilter(t *testing.T) {
	old := flag.Lookup("test.run").Value.String()
	require.NoError(t, flag.Set("test.run", "TestCoverUnderASubtestFilter/one"))
	t.Cleanup(func() { flag.Set("test.run", old) })
	f := &logs{}
	t.Run("filtered", func(t *testing.T) {
		f.TB = t
		transitiontest.Cover(f, Boxes)
	})
	assert.Empty(t, f.msgs)
	assert.Equal(t, []string{"Cover: transitiontest_test.Box.status: drop, send, relabel, lose, crumple never fired or refused, but -run or -skip may have left out the subtests that do"}, f.logged)
}

// logs records a test's failures and its log.
type logs struct {
	failures
	logged []string
}

func (l *logs) Logf(format string, args ...any) {
	l.logged = append(l.logged, fmt.Sprintf(format, args...))
}
