package durable

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/statecraft/statecraft/internal/bench"
	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/internal/dbwrap"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// databases are the databases the benchmarks and tests run on;
// PostgreSQL's skip unless STATECRAFT_POSTGRES_DSN is set.
var databases = []string{"sqlite", "postgres"}

// CascadeSizes are the numbers of children of the cascades measured.
var CascadeSizes = []int{10, 100, 1000, 10000}

// shipInput is the input of every ship.
var shipInput = bench.ShipInput{Tracking: "1Z999AA10123456784"}

// env is a database with the workload's tables, opened through a
// counting wrapper, and a Store on it.
type env struct {
	*dbtest.DB
	w     *dbwrap.Wrapper
	store *sqlstore.Store[*Repo]
	ctx   context.Context
}

// setup opens the database name ("sqlite" or "postgres", which skips t
// unless configured), creates the history and the workload's tables, and
// opens a Store on the wall clock.
func setup(t testing.TB, name string, record bool) *env {
	t.Helper()
	w := &dbwrap.Wrapper{Record: record}
	db := dbtest.Wrapped(t, name, w)
	ctx := context.Background()
	st, err := sqlstore.New(db.DB, db.Dialect, NewRepo, &sqlstore.Options{Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e := &env{DB: db, w: w, store: st, ctx: ctx}
	for _, q := range Tables(db.Name == "postgres") {
		e.exec(t, q)
	}
	return e
}

// rebind rewrites q's placeholders for the database.
func (e *env) rebind(q string) string {
	if e.Name == "postgres" {
		return Rebind(q)
	}
	return q
}

// exec runs a statement written with ? placeholders.
func (e *env) exec(t testing.TB, q string, args ...any) {
	t.Helper()
	if _, err := e.ExecContext(e.ctx, e.rebind(q), args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// insertOrders inserts n orders in state status, in one statement, and
// returns them as stored.
func (e *env) insertOrders(t testing.TB, n int, status string) []*bench.Order {
	t.Helper()
	q := `INSERT INTO orders (amount, status) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) SELECT ?, ? FROM n RETURNING id`
	args := []any{n, 500, status}
	if e.Name == "postgres" {
		q = `INSERT INTO orders (amount, status) SELECT ?::bigint, ?::text FROM generate_series(1, ?::int) RETURNING id`
		args = []any{500, status, n}
	}
	rows, err := e.QueryContext(e.ctx, e.rebind(q), args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	s, err := bench.OrderState.Parse(status)
	if err != nil {
		t.Fatal(err)
	}
	orders := make([]*bench.Order, 0, n)
	for rows.Next() {
		o := &bench.Order{Amount: 500, Status: s}
		if err := rows.Scan(&o.ID); err != nil {
			t.Fatal(err)
		}
		orders = append(orders, o)
	}
	if err := rows.Err(); err != nil || len(orders) != n {
		t.Fatalf("inserted %d orders of %d: %v", len(orders), n, err)
	}
	return orders
}

// orderWithItems inserts a submitted order and n open items of it, these
// in one statement, and returns the order as stored.
func (e *env) orderWithItems(t testing.TB, n int) *bench.Order {
	t.Helper()
	o := e.insertOrders(t, 1, bench.StSubmitted)[0]
	if e.Name == "postgres" {
		e.exec(t, `INSERT INTO items (order_id, status) SELECT ?::bigint, 'open' FROM generate_series(1, ?::int)`, o.ID, n)
	} else {
		e.exec(t, `INSERT INTO items (order_id, status) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) SELECT ?, 'open' FROM n`, n, o.ID)
	}
	return o
}

// count returns the single number q selects.
func (e *env) count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := e.QueryRowContext(e.ctx, e.rebind(q), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// checkShipped checks that every order of orders is shipped, with the
// tracking number, at version 1, with one history row.
func (e *env) checkShipped(t testing.TB, orders []*bench.Order) {
	t.Helper()
	if len(orders) == 0 {
		return
	}
	first, last := orders[0].ID, orders[len(orders)-1].ID
	if n := e.count(t, `SELECT count(*) FROM orders WHERE id BETWEEN ? AND ? AND status = 'shipped' AND tracking = ? AND version = 1`, first, last, shipInput.Tracking); n != len(orders) {
		t.Fatalf("%d orders shipped, want %d", n, len(orders))
	}
	if n := e.count(t, `SELECT count(*) FROM statecraft_history WHERE transition = 'ship' AND CAST(object_id AS BIGINT) BETWEEN ? AND ?`, first, last); n != len(orders) {
		t.Fatalf("%d history rows, want %d", n, len(orders))
	}
}

// reportStatements reports the statements w counted per iteration.
func reportStatements(b *testing.B, w *dbwrap.Wrapper) {
	b.ReportMetric(float64(w.Count())/float64(b.N), "stmts/op")
}

// BenchmarkDurable ships an approved order: a guarded transition with an
// input, its change and its history row written in one transaction.
// "statecraft" fires the workload's ship through a Store; "by-hand" sends
// the same statements written with database/sql (see ByHand). Each
// iteration ships another order, all inserted beforehand by one statement.
func BenchmarkDurable(b *testing.B) {
	for _, name := range databases {
		b.Run(name, func(b *testing.B) {
			b.Run("statecraft", func(b *testing.B) {
				e := setup(b, name, false)
				orders := e.insertOrders(b, b.N, bench.StApproved)
				b.ReportAllocs()
				e.w.Reset()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := Ship.Fire(e.ctx, e.store, bench.Walt, orders[i], shipInput); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				reportStatements(b, e.w)
				e.checkShipped(b, orders)
			})
			b.Run("by-hand", func(b *testing.B) {
				e := setup(b, name, false)
				h := NewByHand(e.DB.DB, e.Dialect)
				orders := e.insertOrders(b, b.N, bench.StApproved)
				b.ReportAllocs()
				e.w.Reset()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := h.Ship(e.ctx, orders[i], bench.Walt, shipInput); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				reportStatements(b, e.w)
				e.checkShipped(b, orders)
			})
		})
	}
}

// BenchmarkCascade cancels a submitted order with n open items: the
// cascade cancels each item. Each iteration cancels a fresh order, whose
// items are inserted, with the timer stopped, by one statement. It
// reports the statements the cancel sent, and the time per item. With
// -short it leaves out the cascade over 10,000 children, which takes about
// a second an iteration: run it with a small fixed -benchtime, such as 3x.
func BenchmarkCascade(b *testing.B) {
	for _, name := range databases {
		b.Run(name, func(b *testing.B) {
			for _, n := range CascadeSizes {
				b.Run(fmt.Sprintf("children=%d", n), func(b *testing.B) {
					if testing.Short() && n > 1000 {
						b.Skip("-short: 10,000 children take about a second an iteration")
					}
					e := setup(b, name, false)
					b.ReportAllocs()
					var stmts int64
					var last *bench.Order
					for b.Loop() {
						b.StopTimer()
						o := e.orderWithItems(b, n)
						e.w.Reset()
						b.StartTimer()
						if err := Cancel.Fire(e.ctx, e.store, bench.Carol, o, transition.NoInput{}); err != nil {
							b.Fatal(err)
						}
						b.StopTimer()
						stmts += e.w.Count()
						last = o
						b.StartTimer()
					}
					b.ReportMetric(float64(stmts)/float64(b.N), "stmts/op")
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/child")
					if got := e.count(b, `SELECT count(*) FROM items WHERE order_id = ? AND status = 'cancelled'`, last.ID); got != n {
						b.Fatalf("%d items cancelled, want %d", got, n)
					}
				})
			}
		})
	}
}

// TestSameWork checks that the two sides of BenchmarkDurable do the same
// work: the same statements, and the same rows written (the order, and
// its history row but for its id, object and time).
func TestSameWork(t *testing.T) {
	for _, name := range databases {
		t.Run(name, func(t *testing.T) {
			e := setup(t, name, true)
			orders := e.insertOrders(t, 2, bench.StApproved)

			e.w.Reset()
			if err := Ship.Fire(e.ctx, e.store, bench.Walt, orders[0], shipInput); err != nil {
				t.Fatal(err)
			}
			statecraft := e.w.Log()

			e.w.Reset()
			if err := NewByHand(e.DB.DB, e.Dialect).Ship(e.ctx, orders[1], bench.Walt, shipInput); err != nil {
				t.Fatal(err)
			}
			byHand := e.w.Log()

			t.Logf("statecraft sent\n%s", ops(statecraft))
			if kinds(statecraft) != kinds(byHand) {
				t.Errorf("statecraft sent\n%s\nby hand\n%s", ops(statecraft), ops(byHand))
			}
			if *orders[0] != (bench.Order{ID: orders[0].ID, Amount: 500, Status: bench.Shipped, Tracking: shipInput.Tracking, Version: 1}) {
				t.Errorf("statecraft left %+v", orders[0])
			}
			if *orders[1] != (bench.Order{ID: orders[1].ID, Amount: 500, Status: bench.Shipped, Tracking: shipInput.Tracking, Version: 1}) {
				t.Errorf("by hand left %+v", orders[1])
			}
			e.checkShipped(t, orders)
			row := func(id int64) string {
				var s string
				q := `SELECT object_type || ' ' || version || ' ' || field || ' ' || transition || ' ' || from_state || ' ' || to_state || ' ' || actor || ' ' || CAST(input AS TEXT) || ' ' || seq || ' ' || COALESCE(CAST(cause AS TEXT), 'null') || ' ' || COALESCE(idempotency_key, 'null') FROM statecraft_history WHERE object_id = ?`
				if err := e.QueryRowContext(e.ctx, e.rebind(q), fmt.Sprint(id)).Scan(&s); err != nil {
					t.Fatal(err)
				}
				return s
			}
			if a, b := row(orders[0].ID), row(orders[1].ID); a != b {
				t.Errorf("history rows differ:\nstatecraft %s\nby hand    %s", a, b)
			}
		})
	}
}

// kinds lists the kinds of ops, and the first word of each statement.
func kinds(log []dbwrap.Op) string {
	var s []string
	for _, op := range log {
		k := op.Kind.String()
		if f := strings.Fields(op.Query); len(f) > 0 {
			k += " " + f[0]
		}
		s = append(s, k)
	}
	return strings.Join(s, ", ")
}

// ops lists ops, one a line.
func ops(log []dbwrap.Op) string {
	var s strings.Builder
	for _, op := range log {
		s.WriteString("\t" + op.String() + "\n")
	}
	return s.String()
}
