package sqlexpr_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// matchRow is a row of the table the Match tests compare with the
// database: nil fields are NULL.
type matchRow struct {
	name string
	n    any // int64 or nil
	s    any // string or nil
	t    any // time.Time or nil
	m    any // int64 or nil, compared with n
}

func (r matchRow) get(col string) (any, bool) {
	switch col {
	case "n":
		return r.n, true
	case "s":
		return r.s, true
	case "t":
		return r.t, true
	case "m":
		return r.m, true
	}
	return nil, false
}

// Match selects in Go exactly the rows the database selects, NULLs and
// three-valued logic included.
func TestMatchAgreesWithTheDatabase(t *testing.T) {
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	rows := []matchRow{
		{"one", int64(1), "a", now.Add(-time.Hour), int64(2)},
		{"two", int64(2), "b", now.Add(time.Hour), int64(2)},
		{"three", int64(3), nil, nil, int64(1)},
		{"null", nil, "a", now, nil},
		{"empty", int64(0), "", now.Add(-time.Minute), nil},
	}
	exprs := []sqlexpr.Expr{
		sqlexpr.Col("n").Eq(1),
		sqlexpr.Col("n").Ne(1),
		sqlexpr.Col("n").Lt(2),
		sqlexpr.Col("n").Le(2),
		sqlexpr.Col("n").Gt(2),
		sqlexpr.Col("n").Ge(2),
		sqlexpr.Col("n").In(1, 3),
		sqlexpr.Col("n").NotIn(1, 3),
		sqlexpr.Col("n").NotIn(),
		sqlexpr.Col("n").In(),
		sqlexpr.Col("n").IsNull(),
		sqlexpr.Col("s").IsNotNull(),
		sqlexpr.Not(sqlexpr.Col("n").Eq(1)),
		sqlexpr.Not(sqlexpr.Col("s").Eq("a")),
		sqlexpr.Or(sqlexpr.Col("n").Eq(1), sqlexpr.Col("s").Eq("b")),
		sqlexpr.Not(sqlexpr.Or(sqlexpr.Col("n").Eq(1), sqlexpr.Col("s").Eq("b"))),
		sqlexpr.And(sqlexpr.Col("n").Gt(0), sqlexpr.Not(sqlexpr.Col("s").Eq(""))),
		sqlexpr.Not(sqlexpr.And(sqlexpr.Col("n").Gt(0), sqlexpr.Col("s").Eq("a"))),
		sqlexpr.Col("s").Lt("b"),
		sqlexpr.Col("t").Lt(sqlexpr.Now()).At(now),
		sqlexpr.Col("t").Ge(sqlexpr.NowPlus(-30 * time.Minute)).At(now),
		sqlexpr.Col("n").Lt(sqlexpr.Col("m")),
		sqlexpr.Col("n").Eq(sqlexpr.Col("m")),
		sqlexpr.Col("n").Eq(1).On("x"),
		sqlexpr.True,
		sqlexpr.False,
		sqlexpr.Not(sqlexpr.True),
	}
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		ts := "TIMESTAMP"
		if db.Name == "postgres" {
			ts = "TIMESTAMPTZ"
		}
		_, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n BIGINT, s TEXT, t ` + ts + `, m BIGINT)`)
		require.NoError(t, err)
		for i, r := range rows {
			q := `INSERT INTO t (id, name, n, s, t, m) VALUES (?, ?, ?, ?, ?, ?)`
			if db.Name == "postgres" {
				q = `INSERT INTO t (id, name, n, s, t, m) VALUES ($1, $2, $3, $4, $5, $6)`
			}
			_, err := db.Exec(q, i, r.name, r.n, r.s, r.t, r.m)
			require.NoError(t, err)
		}
		for _, e := range exprs {
			t.Run(e.String(), func(t *testing.T) {
				where := e
				if where.String() == sqlexpr.Col("n").Eq(1).On("x").String() {
					where = sqlexpr.Col("n").Eq(1) // the table has no alias x in SQL
				}
				sql, args, err := where.Render(db.Dialect)
				require.NoError(t, err)
				want := dbNames(t, db, sql, args)
				var got []string
				for _, r := range rows {
					ok, err := e.Match(r.get)
					require.NoError(t, err)
					if ok {
						got = append(got, r.name)
					}
				}
				assert.Equal(t, want, got)
			})
		}
	})
}

// Match orders each kind of value a driver returns as SQL does: numbers
// by value whatever their Go type, false before true, bytes and strings
// byte by byte, times as instants.
func TestMatchComparesEachKindOfValue(t *testing.T) {
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    any // the value of column c
		e    sqlexpr.Expr
		want bool
	}{
		{false, sqlexpr.Col("c").Lt(true), true},
		{false, sqlexpr.Col("c").Eq(false), true},
		{false, sqlexpr.Col("c").Gt(true), false},
		{true, sqlexpr.Col("c").Gt(false), true},
		{true, sqlexpr.Col("c").Lt(false), false},
		{true, sqlexpr.Col("c").Eq(true), true},
		{true, sqlexpr.Col("c").Ne(false), true},
		{true, sqlexpr.Col("c").Ge(true), true},
		{true, sqlexpr.Col("c").Le(false), false},
		{int64(2), sqlexpr.Col("c").Le(2), true},
		{int64(2), sqlexpr.Col("c").Le(1), false},
		{int64(2), sqlexpr.Col("c").Le(3), true},
		{int64(2), sqlexpr.Col("c").Lt(2), false},
		{int64(2), sqlexpr.Col("c").Gt(2), false},
		{int64(2), sqlexpr.Col("c").Ge(2), true},
		{int64(2), sqlexpr.Col("c").Ge(3), false},
		{int64(2), sqlexpr.Col("c").Lt(2.5), true},
		{int64(2), sqlexpr.Col("c").Eq(2.0), true},
		{int64(3), sqlexpr.Col("c").Gt(2.5), true},
		{2.5, sqlexpr.Col("c").Gt(2), true},
		{2.5, sqlexpr.Col("c").Lt(3), true},
		{2.0, sqlexpr.Col("c").Eq(2), true},
		{2.5, sqlexpr.Col("c").Le(2.5), true},
		{2.5, sqlexpr.Col("c").Lt(2.5), false},
		{2.5, sqlexpr.Col("c").Gt(2.25), true},
		{"b", sqlexpr.Col("c").Gt([]byte("a")), true},
		{"b", sqlexpr.Col("c").Eq([]byte("b")), true},
		{[]byte("b"), sqlexpr.Col("c").Lt("c"), true},
		{[]byte("b"), sqlexpr.Col("c").Eq("b"), true},
		{[]byte("b"), sqlexpr.Col("c").Gt([]byte("ab")), true},
		{[]byte("b"), sqlexpr.Col("c").In([]byte("a"), []byte("b")), true},
		{at, sqlexpr.Col("c").Eq(at.In(time.FixedZone("UTC+1", 3600))), true},
		{at, sqlexpr.Col("c").Lt(at.Add(time.Second)), true},
		{at, sqlexpr.Col("c").Gt(at.Add(time.Second)), false},
	} {
		t.Run(fmt.Sprintf("%#v %v", tc.v, tc.e), func(t *testing.T) {
			got, err := tc.e.Match(func(col string) (any, bool) { return tc.v, col == "c" })
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// Values of kinds that SQL does not compare with each other are an error,
// not a silent false.
func TestMatchValuesThatDoNotCompare(t *testing.T) {
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v   any
		arg any
	}{
		{int64(1), "1"},
		{1.5, "1.5"},
		{true, int64(1)},
		{"a", int64(1)},
		{[]byte("a"), int64(1)},
		{at, at.Format(time.RFC3339)},
	} {
		t.Run(fmt.Sprintf("%T %T", tc.v, tc.arg), func(t *testing.T) {
			_, err := sqlexpr.Col("c").Eq(tc.arg).Match(func(string) (any, bool) { return tc.v, true })
			assert.ErrorIs(t, err, sqlexpr.ErrNoMatch)
			assert.ErrorContains(t, err, fmt.Sprintf("%T and %T do not compare", tc.v, tc.arg))
		})
	}
}

func TestMatchErrors(t *testing.T) {
	row := matchRow{"one", int64(1), "a", nil, nil}.get
	for _, tc := range []struct {
		e    sqlexpr.Expr
		want error
		msg  string
	}{
		{sqlexpr.Raw("n > ?", 1), sqlexpr.ErrNoMatch, `raw SQL text "n > ?"`},
		{sqlexpr.Exists("u", "x", sqlexpr.True), sqlexpr.ErrNoMatch, "a subquery of"},
		{sqlexpr.Col("n").Eq("one"), sqlexpr.ErrNoMatch, "int64 and string do not compare"},
		{sqlexpr.Col("t").Lt(sqlexpr.Now()), sqlexpr.ErrNoTime, ""},
		{sqlexpr.Col("nope").Eq(1), nil, `the row has no column "nope"`},
		{sqlexpr.Expr{}, sqlexpr.ErrEmpty, ""},
		{sqlexpr.Err(errors.New("boom")), nil, "boom"},
	} {
		t.Run(fmt.Sprint(tc.e), func(t *testing.T) {
			_, err := tc.e.Match(row)
			require.Error(t, err)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
			}
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

func ExampleExpr_Match() {
	overdue := sqlexpr.And(sqlexpr.Col("status").Eq("open"), sqlexpr.Col("due").Lt(sqlexpr.Now()))
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	row := func(col string) (any, bool) {
		switch col {
		case "status":
			return "open", true
		case "due":
			return now.Add(-time.Hour), true
		}
		return nil, false
	}
	ok, err := overdue.At(now).Match(row)
	fmt.Println(ok, err)
	// Output: true <nil>
}
