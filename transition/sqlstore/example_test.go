package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the embedded SQLite driver

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// An order's status, and its transitions, stored in SQLite.

type OrderStatus string

func (OrderStatus) StateType() *state.Type[OrderStatus] { return OrderState }

var (
	OrderState = state.NewType[OrderStatus]("OrderState")
	Placed     = OrderState.State("placed", "Placed")
	Shipped    = OrderState.State("shipped", "Shipped", state.Final())
	Status     = state.Bind(OrderState, "status", func(o *Order) *state.State[OrderStatus] { return &o.Status })
)

type Order struct {
	ID      int64
	Status  state.State[OrderStatus]
	Version int64
}

type Clerk struct{ Name string }

func (c Clerk) String() string { return c.Name }

// Shop is the unit of work: the transaction the Store gives.
type Shop struct{ q sqlstore.Querier }

var (
	orderRows = sqlstore.Map[*Shop]("orders", func(o *Order) []sqlstore.Column {
		return []sqlstore.Column{
			sqlstore.Key("id", &o.ID),
			sqlstore.Col("status", &o.Status),
			sqlstore.Version("version", &o.Version),
		}
	})
	Orders = transition.For[Clerk, *Shop](Status).
		Identify(func(o *Order) any { return o.ID }).
		Version(func(o *Order) *int64 { return &o.Version }).
		Table(orderRows)
	Ship = transition.New[transition.NoInput](Orders, "ship", transition.From(Placed).To(Shipped)).AllowAnyone()
)

func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "sqlstore-example")
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "shop.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	store, err := sqlstore.New(db, sqlexpr.SQLite, func(q sqlstore.Querier) *Shop { return &Shop{q} },
		&sqlstore.Options{Now: func() time.Time { return time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC) }})
	if err != nil {
		log.Fatal(err)
	}
	if err := store.Migrate(ctx); err != nil { // the history table
		log.Fatal(err)
	}
	check, _ := OrderState.CheckConstraint(sqlexpr.SQLite, "status")
	if _, err := db.Exec(`CREATE TABLE orders (id INTEGER PRIMARY KEY, status TEXT NOT NULL ` + check + `, version INTEGER NOT NULL)`); err != nil {
		log.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO orders VALUES (1, 'placed', 0)`); err != nil {
		log.Fatal(err)
	}

	// Two clerks read order 1; the first ships it.
	orders, _ := orderRows.Select(ctx, store.Querier(), sqlexpr.Col("id").Eq(1), sqlstore.NoLock)
	mine, theirs := *orders[0], *orders[0]
	if err := Ship.Fire(ctx, store, Clerk{"ann"}, &mine, transition.NoInput{}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("ann:", mine.Status, "version", mine.Version)

	// The second holds a stale copy: the compare-and-set refuses it.
	err = Ship.Fire(ctx, store, Clerk{"ben"}, &theirs, transition.NoInput{})
	fmt.Println("ben:", err)

	// The history, written in the same transaction as the state.
	history, _ := store.History(ctx, sqlstore.Filter{ObjectType: "sqlstore_test.Order", ObjectID: "1"})
	for _, r := range history {
		fmt.Printf("#%d %s %s -> %s by %s at %s\n", r.ID, r.Transition, r.From, r.To, r.Actor, r.At.Format(time.Kitchen))
	}
	// Output:
	// ann: Shipped version 1
	// ben: transition: sqlstore_test.Order 1 changed since it was read: expected version 0, found version 1
	// #1 ship placed -> shipped by ann at 9:30AM
}
