package transitiontest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
	"github.com/statecraft/statecraft/transition/transitiontest"
)

// A test of transitions whose machines save through sqlstore Tables, with
// no database: the in-memory Store takes the Store's place.
func ExampleNewStore() {
	ctx := context.Background()
	clock := transitiontest.NewClock(start)
	store := transitiontest.NewStore(newDepot, &sqlstore.Options{Now: clock.Now})

	// Rows go in through the Tables, as they would on a database.
	_ = store.Update(ctx, func(tx transition.Tx[*Depot]) error {
		return boxRows.Insert(ctx, tx, &Box{ID: 1, Label: "books", Status: Packed})
	})
	boxes, _ := boxRows.Select(ctx, store.Querier(), sqlexpr.True, sqlstore.NoLock)
	mine, theirs := *boxes[0], *boxes[0]

	err := Send.Fire(ctx, store, ann, &mine, transition.NoInput{})
	fmt.Println("ann sends:", err, mine.Status)
	err = Relabel.Fire(ctx, store, bob, &theirs, LabelInput{"comics"})
	fmt.Println("bob relabels his stale copy:", err)

	history, _ := store.History(ctx, sqlstore.Filter{})
	for _, r := range history {
		fmt.Println(r.ID, r.Transition, r.From, "->", r.To, "by", r.Actor, "at", r.At.Format("15:04"))
	}
	// Output:
	// ann sends: <nil> Sent
	// bob relabels his stale copy: transition: transitiontest_test.Box 1 changed since it was read: expected version 0, found version 1
	// 1 send packed -> sent by ann at 09:00
}

// A test states the history a transition must leave, a line per row; on
// a difference, History fails the test with a diff. HistoryOf gives the
// lines it compares.
func ExampleHistoryOf() {
	ctx := context.Background()
	store := transitiontest.NewStore(newDepot, &sqlstore.Options{Now: transitiontest.NewClock(start).Now})
	_ = store.Update(ctx, func(tx transition.Tx[*Depot]) error {
		return errors.Join(
			boxRows.Insert(ctx, tx, &Box{ID: 1, Label: "crate", Status: Sent}),
			boxRows.Insert(ctx, tx, &Box{ID: 2, Parent: 1, Label: "books", Status: Packed}))
	})
	crate, _ := boxRows.Select(ctx, store.Querier(), sqlexpr.Col("id").Eq(1), sqlstore.NoLock)
	err := Lose.Fire(ctx, store.Key("lost-1"), root, crate[0], transition.NoInput{})
	fmt.Println(err)

	// In a test: transitiontest.History(t, store, sqlstore.Filter{}, "transitiontest_test.Box 1 v0: ...", ...)
	rows, _ := store.History(ctx, sqlstore.Filter{})
	for _, line := range transitiontest.HistoryOf(rows) {
		fmt.Println(line)
	}
	// Output:
	// <nil>
	// transitiontest_test.Box 1 v0: lose status sent -> lost by root key "lost-1"
	// transitiontest_test.Box 2 v0: lose status packed -> lost by root key "lost-1"
}
