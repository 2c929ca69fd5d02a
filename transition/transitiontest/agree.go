package transitiontest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// Agree checks that every state, group and conditional state of the field
// mgr binds selects in SQL exactly the rows its Go test accepts at time
// now, among the rows of table that q reads (a database's, through
// sqlstore.Store.Querier): a conditional state's predicate and its SQL
// hook then cannot drift apart unnoticed. Give it rows in every state,
// with NULLs and times in several zones (SQLite compares times as text).
// A failure names the state and the keys of the rows the two sides
// disagree on. Conditional states without SQL are skipped, and logged.
func Agree[U, M any, T comparable](t testing.TB, q sqlstore.Querier, table *sqlstore.Table[U, M], mgr *state.Manager[M, T], now time.Time) bool {
	t.Helper()
	ctx := context.Background()
	all, err := table.Select(ctx, q, sqlexpr.Expr{}, sqlstore.NoLock)
	if err != nil {
		t.Errorf("Agree: reading %s: %v", table, err)
		return false
	}
	ok := true
	check := func(name string, match func(*M) bool, where sqlexpr.Expr) {
		t.Helper()
		var inGo []any
		for _, m := range all {
			if match(m) {
				k, err := table.Key(m)
				if err != nil {
					t.Errorf("Agree: %v", err)
					ok = false
					return
				}
				inGo = append(inGo, k)
			}
		}
		selected, err := table.Select(ctx, q, where.At(now), sqlstore.NoLock)
		if errors.Is(err, state.ErrNoSQL) {
			t.Logf("Agree: %s has no SQL: skipped", name)
			return
		}
		if err != nil {
			t.Errorf("Agree: %s: selecting in SQL: %v", name, err)
			ok = false
			return
		}
		var inSQL []any
		for _, m := range selected {
			k, err := table.Key(m)
			if err != nil {
				t.Errorf("Agree: %v", err)
				ok = false
				return
			}
			inSQL = append(inSQL, k)
		}
		if diff := cmp.Diff(inGo, inSQL); diff != "" {
			t.Errorf("%s of %s: SQL selects other rows than Go accepts (-Go +SQL, by key):\n%s\nthe predicate: %s", name, mgr, diff, where.At(now))
			ok = false
		}
	}
	for s := range mgr.Type().States() {
		in := mgr.In(s)
		check(fmt.Sprintf("state %s", s.Title()), func(m *M) bool { return in.Match(m, now) }, in.Expr())
	}
	for g := range mgr.Type().Groups() {
		in := mgr.In(g)
		check(fmt.Sprintf("group %s", g.Title()), func(m *M) bool { return in.Match(m, now) }, in.Expr())
	}
	for _, c := range mgr.Conditionals() {
		check(fmt.Sprintf("conditional state %s", c.Title()), func(m *M) bool { return c.Match(m, now) }, c.Expr())
	}
	return ok
}
