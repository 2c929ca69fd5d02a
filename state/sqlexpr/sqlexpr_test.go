package sqlexpr_test

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/state/sqlexpr"
)

// malicious is a value that would do damage if it were ever written into the
// SQL text instead of being bound as an argument.
const malicious = `x'; DROP TABLE t; --`

// want is the rendering of one Expr in every dialect. toSql is the output of
// Expr.ToSql (? placeholders, double quotes), or refused(text) when ToSql
// must refuse a literal question mark in text.
type want struct {
	pg, sqlite, mysql, toSql string
	args                     []any
}

// refusedMark starts a want.toSql made by refused.
const refusedMark = "\x00refused:"

// refused is the want.toSql of an Expr whose SQL holds a literal question
// mark: ToSql must fail with ErrQuestionMark, naming text (the SQL text or
// identifier holding the mark).
func refused(text string) string { return refusedMark + text }

// same returns a want whose SQL is q for every ?-dialect, except that MySQL
// quotes identifiers with backticks; pg differs only by its numbered
// placeholders. Every double quote in q must be an identifier's quote.
func same(pg, q string, args ...any) want {
	return want{pg: pg, sqlite: q, mysql: strings.ReplaceAll(q, `"`, "`"), toSql: q, args: args}
}

// sameRaw is like same for raw SQL text, which is copied as it is for
// every dialect, quotes included.
func sameRaw(pg, q string, args ...any) want {
	return want{pg: pg, sqlite: q, mysql: q, toSql: q, args: args}
}

func checkRender(t *testing.T, e sqlexpr.Expr, w want) {
	t.Helper()
	for _, tc := range []struct {
		name   string
		render func() (string, []any, error)
		sql    string
	}{
		{"postgres", func() (string, []any, error) { return e.Render(sqlexpr.Postgres) }, w.pg},
		{"sqlite", func() (string, []any, error) { return e.Render(sqlexpr.SQLite) }, w.sqlite},
		{"mysql", func() (string, []any, error) { return e.Render(sqlexpr.MySQL) }, w.mysql},
		{"ToSql", e.ToSql, w.toSql},
	} {
		sql, args, err := tc.render()
		if text, ok := strings.CutPrefix(tc.sql, refusedMark); ok {
			require.ErrorIs(t, err, sqlexpr.ErrQuestionMark, tc.name)
			assert.ErrorContains(t, err, strconv.Quote(text), tc.name)
			assert.ErrorContains(t, err, "bind the value as an argument", tc.name)
			assert.Empty(t, sql, tc.name)
			assert.Nil(t, args, tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		if tc.name == "ToSql" {
			assert.Equal(t, len(args), strings.Count(sql, "?"), "every ? ToSql writes is a placeholder: %q", sql)
		}
		assert.Equal(t, tc.sql, sql, tc.name)
		if diff := cmp.Diff(w.args, args); diff != "" {
			t.Errorf("%s: args mismatch (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestRender(t *testing.T) {
	a := sqlexpr.Col("a").Eq(1)
	b := sqlexpr.Col("b").Eq(2)
	c := sqlexpr.Col("c").Eq(3)
	raw := sqlexpr.Raw("x > ?", 9)

	tests := []struct {
		name string
		e    sqlexpr.Expr
		want want
	}{
		// Constants.
		{"True", sqlexpr.True, same("1=1", "1=1")},
		{"False", sqlexpr.False, same("1=0", "1=0")},

		// Comparisons.
		{"Eq", a, want{`"a" = $1`, `"a" = ?`, "`a` = ?", `"a" = ?`, []any{1}}},
		{"Ne", sqlexpr.Col("a").Ne("v"), want{`"a" <> $1`, `"a" <> ?`, "`a` <> ?", `"a" <> ?`, []any{"v"}}},
		{"Lt", sqlexpr.Col("a").Lt(1), want{`"a" < $1`, `"a" < ?`, "`a` < ?", `"a" < ?`, []any{1}}},
		{"Le", sqlexpr.Col("a").Le(1), want{`"a" <= $1`, `"a" <= ?`, "`a` <= ?", `"a" <= ?`, []any{1}}},
		{"Gt", sqlexpr.Col("a").Gt(1), want{`"a" > $1`, `"a" > ?`, "`a` > ?", `"a" > ?`, []any{1}}},
		{"Ge", sqlexpr.Col("a").Ge(1), want{`"a" >= $1`, `"a" >= ?`, "`a` >= ?", `"a" >= ?`, []any{1}}},
		{"Eq nil is IS NULL", sqlexpr.Col("a").Eq(nil), want{`"a" IS NULL`, `"a" IS NULL`, "`a` IS NULL", `"a" IS NULL`, nil}},
		{"Ne nil is IS NOT NULL", sqlexpr.Col("a").Ne(nil), want{`"a" IS NOT NULL`, `"a" IS NOT NULL`, "`a` IS NOT NULL", `"a" IS NOT NULL`, nil}},
		{"IsNull", sqlexpr.Col("a").IsNull(), want{`"a" IS NULL`, `"a" IS NULL`, "`a` IS NULL", `"a" IS NULL`, nil}},
		{"IsNotNull", sqlexpr.Col("a").IsNotNull(), want{`"a" IS NOT NULL`, `"a" IS NOT NULL`, "`a` IS NOT NULL", `"a" IS NOT NULL`, nil}},
		{"Eq zero value is bound", sqlexpr.Col("a").Eq(0), want{`"a" = $1`, `"a" = ?`, "`a` = ?", `"a" = ?`, []any{0}}},
		{"qualified", sqlexpr.Col("p", "status").Eq(1), want{`"p"."status" = $1`, `"p"."status" = ?`, "`p`.`status` = ?", `"p"."status" = ?`, []any{1}}},
		{"ParseIdent", sqlexpr.ParseIdent("s.p.status").Eq(1), want{`"s"."p"."status" = $1`, `"s"."p"."status" = ?`, "`s`.`p`.`status` = ?", `"s"."p"."status" = ?`, []any{1}}},
		{"reserved word and case", sqlexpr.Col("Order").Eq(1), want{`"Order" = $1`, `"Order" = ?`, "`Order` = ?", `"Order" = ?`, []any{1}}},
		{"embedded double quote", sqlexpr.Col(`we"ird`).Eq(1), want{`"we""ird" = $1`, `"we""ird" = ?`, "`we\"ird` = ?", `"we""ird" = ?`, []any{1}}},
		{"embedded backtick", sqlexpr.Col("we`ird").Eq(1), want{"\"we`ird\" = $1", "\"we`ird\" = ?", "`we``ird` = ?", "\"we`ird\" = ?", []any{1}}},
		{"dot inside a Col part", sqlexpr.Col("a.b").Eq(1), want{`"a.b" = $1`, `"a.b" = ?`, "`a.b` = ?", `"a.b" = ?`, []any{1}}},

		// In and NotIn with 0, 1 and many values.
		{"In none", sqlexpr.Col("a").In(), same("1=0", "1=0")},
		{"In one", sqlexpr.Col("a").In(7), want{`"a" = $1`, `"a" = ?`, "`a` = ?", `"a" = ?`, []any{7}}},
		{"In many", sqlexpr.Col("a").In(1, "two", 3.5), want{`"a" IN ($1, $2, $3)`, `"a" IN (?, ?, ?)`, "`a` IN (?, ?, ?)", `"a" IN (?, ?, ?)`, []any{1, "two", 3.5}}},
		{"NotIn none", sqlexpr.Col("a").NotIn(), same("1=1", "1=1")},
		{"NotIn one", sqlexpr.Col("a").NotIn(7), want{`"a" <> $1`, `"a" <> ?`, "`a` <> ?", `"a" <> ?`, []any{7}}},
		{"NotIn many", sqlexpr.Col("a").NotIn(1, 2), want{`"a" NOT IN ($1, $2)`, `"a" NOT IN (?, ?)`, "`a` NOT IN (?, ?)", `"a" NOT IN (?, ?)`, []any{1, 2}}},

		// Raw SQL.
		{"Raw no args", sqlexpr.Raw("deleted_at IS NULL"), same("deleted_at IS NULL", "deleted_at IS NULL")},
		{"Raw numbering", sqlexpr.Raw("a = ? AND b = ? OR c = ?", 1, 2, 3), same("a = $1 AND b = $2 OR c = $3", "a = ? AND b = ? OR c = ?", 1, 2, 3)},
		{"Raw top level not parenthesised", raw, same("x > $1", "x > ?", 9)},
		// A literal ? cannot go through ToSql: a builder with ? placeholders
		// would send ?? as is (see ErrQuestionMark), so ToSql refuses it.
		{"Raw ?? is a literal ?", sqlexpr.Raw("data ?? ? AND n = ?", "k", 1),
			want{"data ? $1 AND n = $2", "data ? ? AND n = ?", "data ? ? AND n = ?", refused("data ?? ? AND n = ?"), []any{"k", 1}}},
		{"Raw ??? is a literal ? then a placeholder", sqlexpr.Raw("a ???", 1),
			want{"a ?$1", "a ??", "a ??", refused("a ???"), []any{1}}},
		// Inside quotes a ? is literal.
		{"Raw ? in single quotes", sqlexpr.Raw("a = '?' AND b = ?", 1), want{"a = '?' AND b = $1", "a = '?' AND b = ?", "a = '?' AND b = ?", refused("a = '?' AND b = ?"), []any{1}}},
		{"Raw ?? in single quotes left alone", sqlexpr.Raw("a = '??' AND b = ?", 1), want{"a = '??' AND b = $1", "a = '??' AND b = ?", "a = '??' AND b = ?", refused("a = '??' AND b = ?"), []any{1}}},
		{"Raw ? in double quotes", sqlexpr.Raw(`"a?" = ?`, 1), want{`"a?" = $1`, `"a?" = ?`, `"a?" = ?`, refused(`"a?" = ?`), []any{1}}},
		{"Raw ? in backticks", sqlexpr.Raw("`a?` = ?", 1), want{"`a?` = $1", "`a?` = ?", "`a?` = ?", refused("`a?` = ?"), []any{1}}},
		{"Raw doubled quote inside string", sqlexpr.Raw("a = 'it''s ?' AND b = ?", 1), want{"a = 'it''s ?' AND b = $1", "a = 'it''s ?' AND b = ?", "a = 'it''s ?' AND b = ?", refused("a = 'it''s ?' AND b = ?"), []any{1}}},
		{"Raw other quotes inside string", sqlexpr.Raw(`a = '"?' AND b = ?`, 1), want{`a = '"?' AND b = $1`, `a = '"?' AND b = ?`, `a = '"?' AND b = ?`, refused(`a = '"?' AND b = ?`), []any{1}}},
		{"Raw quotes without ? go through ToSql", sqlexpr.Raw(`a = 'it''s' AND "b" = ? AND `+"`c`"+` = ?`, 1, 2),
			sameRaw(`a = 'it''s' AND "b" = $1 AND `+"`c`"+` = $2`, `a = 'it''s' AND "b" = ? AND `+"`c`"+` = ?`, 1, 2)},
		{"Raw refused inside And", sqlexpr.And(sqlexpr.Col("a").Eq(1), sqlexpr.Raw("name = 'who?'")),
			want{`"a" = $1 AND (name = 'who?')`, `"a" = ? AND (name = 'who?')`, "`a` = ? AND (name = 'who?')", refused("name = 'who?'"), []any{1}}},
		{"Raw dollar text copied", sqlexpr.Raw("a = $x AND b = ?", 1), same("a = $x AND b = $1", "a = $x AND b = ?", 1)},

		// Composition.
		{"And", sqlexpr.And(a, b), want{`"a" = $1 AND "b" = $2`, `"a" = ? AND "b" = ?`, "`a` = ? AND `b` = ?", `"a" = ? AND "b" = ?`, []any{1, 2}}},
		{"Or", sqlexpr.Or(a, b), want{`"a" = $1 OR "b" = $2`, `"a" = ? OR "b" = ?`, "`a` = ? OR `b` = ?", `"a" = ? OR "b" = ?`, []any{1, 2}}},
		{"And parenthesises raw", sqlexpr.And(a, raw), want{`"a" = $1 AND (x > $2)`, `"a" = ? AND (x > ?)`, "`a` = ? AND (x > ?)", `"a" = ? AND (x > ?)`, []any{1, 9}}},
		{"Or in And", sqlexpr.And(sqlexpr.Or(a, b), c), want{`("a" = $1 OR "b" = $2) AND "c" = $3`, `("a" = ? OR "b" = ?) AND "c" = ?`, "(`a` = ? OR `b` = ?) AND `c` = ?", `("a" = ? OR "b" = ?) AND "c" = ?`, []any{1, 2, 3}}},
		{"And in Or", sqlexpr.Or(a, sqlexpr.And(b, c)), same(`"a" = $1 OR ("b" = $2 AND "c" = $3)`, `"a" = ? OR ("b" = ? AND "c" = ?)`, 1, 2, 3)},
		{"deep nesting", sqlexpr.And(sqlexpr.Or(a, sqlexpr.And(b, sqlexpr.Or(c, raw))), sqlexpr.True),
			same(`("a" = $1 OR ("b" = $2 AND ("c" = $3 OR (x > $4)))) AND 1=1`, `("a" = ? OR ("b" = ? AND ("c" = ? OR (x > ?)))) AND 1=1`, 1, 2, 3, 9)},
		{"And flattens", sqlexpr.And(sqlexpr.And(a, b), sqlexpr.And(c, raw)), same(`"a" = $1 AND "b" = $2 AND "c" = $3 AND (x > $4)`, `"a" = ? AND "b" = ? AND "c" = ? AND (x > ?)`, 1, 2, 3, 9)},
		{"Or flattens", sqlexpr.Or(a, sqlexpr.Or(b, c)), same(`"a" = $1 OR "b" = $2 OR "c" = $3`, `"a" = ? OR "b" = ? OR "c" = ?`, 1, 2, 3)},
		{"And does not flatten Or", sqlexpr.And(sqlexpr.Or(a, b)), same(`"a" = $1 OR "b" = $2`, `"a" = ? OR "b" = ?`, 1, 2)},
		{"And of one is that Expr", sqlexpr.And(raw), same("x > $1", "x > ?", 9)},
		{"Or of one is that Expr", sqlexpr.Or(raw), same("x > $1", "x > ?", 9)},
		{"And skips zero", sqlexpr.And(sqlexpr.Expr{}, a, sqlexpr.Expr{}, b), same(`"a" = $1 AND "b" = $2`, `"a" = ? AND "b" = ?`, 1, 2)},
		{"Or skips zero", sqlexpr.Or(sqlexpr.Expr{}, a, sqlexpr.Expr{}), same(`"a" = $1`, `"a" = ?`, 1)},
		{"And empty is True", sqlexpr.And(), same("1=1", "1=1")},
		{"And of zeros is True", sqlexpr.And(sqlexpr.Expr{}, sqlexpr.Expr{}), same("1=1", "1=1")},
		{"Or empty is False", sqlexpr.Or(), same("1=0", "1=0")},
		{"Or of zeros is False", sqlexpr.Or(sqlexpr.Expr{}), same("1=0", "1=0")},
		{"And keeps True", sqlexpr.And(sqlexpr.True, a), same(`1=1 AND "a" = $1`, `1=1 AND "a" = ?`, 1)},
		{"Or keeps False", sqlexpr.Or(sqlexpr.False, a), same(`1=0 OR "a" = $1`, `1=0 OR "a" = ?`, 1)},
		{"Not", sqlexpr.Not(a), same(`NOT "a" = $1`, `NOT "a" = ?`, 1)},
		{"Not raw", sqlexpr.Not(raw), same("NOT (x > $1)", "NOT (x > ?)", 9)},
		{"Not And", sqlexpr.Not(sqlexpr.And(a, b)), same(`NOT ("a" = $1 AND "b" = $2)`, `NOT ("a" = ? AND "b" = ?)`, 1, 2)},
		{"Not Or", sqlexpr.Not(sqlexpr.Or(a, b)), same(`NOT ("a" = $1 OR "b" = $2)`, `NOT ("a" = ? OR "b" = ?)`, 1, 2)},
		{"Not Not", sqlexpr.Not(sqlexpr.Not(raw)), same("NOT NOT (x > $1)", "NOT NOT (x > ?)", 9)},
		{"Not True", sqlexpr.Not(sqlexpr.True), same("NOT 1=1", "NOT 1=1")},
		{"Not in And", sqlexpr.And(sqlexpr.Not(a), b), same(`NOT "a" = $1 AND "b" = $2`, `NOT "a" = ? AND "b" = ?`, 1, 2)},
		{"Not IN", sqlexpr.Not(sqlexpr.Col("a").In(1, 2)), same(`NOT "a" IN ($1, $2)`, `NOT "a" IN (?, ?)`, 1, 2)},

		{"ToSql refuses ? in identifiers", sqlexpr.Col("a?b").Eq(1), want{`"a?b" = $1`, `"a?b" = ?`, "`a?b` = ?", refused("a?b"), []any{1}}},
		{"ToSql refuses ? in a qualifier", sqlexpr.Col("p?", "s").In(1, 2), want{`"p?"."s" IN ($1, $2)`, `"p?"."s" IN (?, ?)`, "`p?`.`s` IN (?, ?)", refused("p?.s"), []any{1, 2}}},
		{"ToSql refuses ? in IS NULL", sqlexpr.Col("a?").IsNull(), want{`"a?" IS NULL`, `"a?" IS NULL`, "`a?` IS NULL", refused("a?"), nil}},

		// Values are bound, never written into the text.
		{"malicious Eq", sqlexpr.Col("name").Eq(malicious), want{`"name" = $1`, `"name" = ?`, "`name` = ?", `"name" = ?`, []any{malicious}}},
		{"malicious In", sqlexpr.Col("name").In(malicious, "ok"), same(`"name" IN ($1, $2)`, `"name" IN (?, ?)`, malicious, "ok")},
		{"malicious Raw", sqlexpr.Raw("name = ?", malicious), same("name = $1", "name = ?", malicious)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRender(t, tt.e, tt.want)
		})
	}
}

// TestValuesAreBound renders values that are dangerous as SQL text and
// checks that they appear only among the arguments.
func TestValuesAreBound(t *testing.T) {
	build := func(quoted string) sqlexpr.Expr {
		return sqlexpr.Not(sqlexpr.Or(
			sqlexpr.Col("a").Eq(malicious),
			sqlexpr.Col("b").In(malicious, malicious+"2"),
			sqlexpr.Col("c").NotIn(malicious, 1),
			sqlexpr.Col("d").Lt(malicious),
			sqlexpr.Raw("e = ? AND f = '"+quoted+"'", malicious),
			sqlexpr.Raw("g = ?", malicious),
		))
	}
	e := build("?")
	for _, d := range []sqlexpr.Dialect{sqlexpr.Postgres, sqlexpr.SQLite, sqlexpr.MySQL} {
		t.Run(d.String(), func(t *testing.T) {
			sql, args, err := e.Render(d)
			require.NoError(t, err)
			for _, bad := range []string{"DROP", "x'", "--", ";"} {
				assert.NotContains(t, sql, bad)
			}
			assert.Equal(t, 7, strings.Count(fmtArgs(args), malicious))
		})
	}
	// ToSql refuses the quoted ? (see ErrQuestionMark); without it, it binds
	// the values too.
	_, _, err := e.ToSql()
	require.ErrorIs(t, err, sqlexpr.ErrQuestionMark)
	sql, args, err := build("y").ToSql()
	require.NoError(t, err)
	for _, bad := range []string{"DROP", "x'", "--", ";"} {
		assert.NotContains(t, sql, bad)
	}
	assert.Equal(t, 7, strings.Count(fmtArgs(args), malicious))
}

func fmtArgs(args []any) string {
	var b strings.Builder
	for _, a := range args {
		if s, ok := a.(string); ok {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func TestDialectString(t *testing.T) {
	assert.Equal(t, "postgres", sqlexpr.Postgres.String())
	assert.Equal(t, "sqlite", sqlexpr.SQLite.String())
	assert.Equal(t, "mysql", sqlexpr.MySQL.String())
	assert.Equal(t, "", sqlexpr.Dialect{}.String())
}

var errSentinel = errors.New("sentinel")

func TestRenderErrors(t *testing.T) {
	ok := sqlexpr.Col("a").Eq(1)
	tests := []struct {
		name    string
		e       sqlexpr.Expr
		is      error  // if set, errors.Is(err, is) must hold
		contain string // if set, err.Error() must contain it
	}{
		{"zero Expr", sqlexpr.Expr{}, sqlexpr.ErrEmpty, "empty expression"},
		{"Not of zero", sqlexpr.Not(sqlexpr.Expr{}), sqlexpr.ErrEmpty, "Not of an empty expression"},
		{"Not of zero inside And", sqlexpr.And(ok, sqlexpr.Not(sqlexpr.Expr{})), sqlexpr.ErrEmpty, ""},
		{"Err", sqlexpr.Err(errSentinel), errSentinel, "sentinel"},
		{"Err(nil)", sqlexpr.Err(nil), nil, "Err(nil)"},
		{"Err in And", sqlexpr.And(ok, sqlexpr.Err(errSentinel)), errSentinel, ""},
		{"Err first in Or", sqlexpr.Or(sqlexpr.Err(errSentinel), ok), errSentinel, ""},
		{"Err in Not", sqlexpr.Not(sqlexpr.Err(errSentinel)), errSentinel, ""},
		{"Err deep", sqlexpr.And(ok, sqlexpr.Or(ok, sqlexpr.And(ok, sqlexpr.Not(sqlexpr.Err(errSentinel))))), errSentinel, ""},
		{"wrapped Err", sqlexpr.Err(errors.Join(errors.New("ctx"), errSentinel)), errSentinel, "ctx"},

		{"Raw too few args", sqlexpr.Raw("a = ? AND b = ?", 1), nil, "more placeholders than its 1 arguments"},
		{"Raw no args", sqlexpr.Raw("a = ?"), nil, "more placeholders than its 0 arguments"},
		{"Raw too many args", sqlexpr.Raw("a = ?", 1, 2), nil, "1 placeholders for 2 arguments"},
		{"Raw args without placeholder", sqlexpr.Raw("a", 1), nil, "0 placeholders for 1 arguments"},
		{"Raw ?? is not a placeholder", sqlexpr.Raw("a ?? b", 1), nil, "0 placeholders for 1 arguments"},
		{"Raw quoted ? is not a placeholder", sqlexpr.Raw("a = '?'", 1), nil, "0 placeholders for 1 arguments"},
		{"Raw unterminated single quote", sqlexpr.Raw("a = 'x"), nil, "unterminated ' quote"},
		{"Raw unterminated double quote", sqlexpr.Raw(`"a = ?`, 1), nil, `unterminated " quote`},
		{"Raw unterminated backtick", sqlexpr.Raw("`a = ?", 1), nil, "unterminated ` quote"},
		{"Raw error inside And", sqlexpr.And(ok, sqlexpr.Raw("?")), nil, "more placeholders"},
		{"Raw placeholder then digit", sqlexpr.Raw("a = ?1", 1), nil, "followed by a digit"},
		{"Raw placeholder then digit later", sqlexpr.Raw("a = ? AND b = ?0", 1, 2), nil, "followed by a digit"},
		{"Raw placeholder then 9", sqlexpr.Raw("a = ?9", 1), nil, "followed by a digit"},

		{"Col no parts", sqlexpr.Col().Eq(1), nil, "empty identifier"},
		{"Col empty part", sqlexpr.Col("").Eq(1), nil, "empty part"},
		{"Col empty second part", sqlexpr.Col("p", "").IsNull(), nil, "empty part"},
		{"ParseIdent empty", sqlexpr.ParseIdent("").In(1, 2), nil, "empty part"},
		{"ParseIdent double dot", sqlexpr.ParseIdent("a..b").NotIn(1), nil, "empty part"},
		{"ParseIdent trailing dot", sqlexpr.ParseIdent("a.").Gt(1), nil, "empty part"},
		{"Col NUL", sqlexpr.Col("a\x00b").Eq(1), nil, "NUL byte"},
		{"Col NUL in qualifier", sqlexpr.Col("a", "\x00").IsNotNull(), nil, "NUL byte"},
		// Col documents that a bad identifier makes rendering fail, whatever
		// the predicate; an In with no values must not hide it.
		{"In none with bad ident", sqlexpr.Col("").In(), nil, "empty part"},
		{"NotIn none with bad ident", sqlexpr.Col().NotIn(), nil, "empty identifier"},
		{"bad ident inside Or", sqlexpr.Or(ok, sqlexpr.Col("x\x00").Eq(1)), nil, "NUL byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, d := range []sqlexpr.Dialect{sqlexpr.Postgres, sqlexpr.SQLite, sqlexpr.MySQL} {
				sql, args, err := tt.e.Render(d)
				require.Error(t, err, d.String())
				assert.Empty(t, sql, d.String())
				assert.Nil(t, args, d.String())
				if tt.is != nil {
					assert.ErrorIs(t, err, tt.is, d.String())
				}
				if tt.contain != "" {
					assert.ErrorContains(t, err, tt.contain, d.String())
				}
			}
			sql, args, err := tt.e.ToSql()
			require.Error(t, err, "ToSql")
			assert.Empty(t, sql)
			assert.Nil(t, args)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is, "ToSql")
			}
			assert.True(t, strings.HasPrefix(tt.e.String(), "!("), "String() = %q", tt.e.String())
		})
	}
}

func TestRenderZeroDialect(t *testing.T) {
	e := sqlexpr.Col("a").Eq(1)
	_, _, err := e.Render(sqlexpr.Dialect{})
	require.ErrorContains(t, err, "zero Dialect")

	dst := []byte("SELECT 1 WHERE ")
	args := []any{"kept"}
	gotDst, gotArgs, err := e.AppendSQL(dst, args, sqlexpr.Dialect{})
	require.Error(t, err)
	assert.Equal(t, "SELECT 1 WHERE ", string(gotDst))
	assert.Equal(t, []any{"kept"}, gotArgs)
}

func TestErrEmptyIsReturnedAsIs(t *testing.T) {
	_, _, err := sqlexpr.Expr{}.Render(sqlexpr.Postgres)
	assert.Same(t, sqlexpr.ErrEmpty, err)
	_, _, err = sqlexpr.Expr{}.ToSql()
	assert.Same(t, sqlexpr.ErrEmpty, err)
	_, _, err = sqlexpr.Expr{}.AppendSQL(nil, nil, sqlexpr.SQLite)
	assert.Same(t, sqlexpr.ErrEmpty, err)
}

func TestAppendSQL(t *testing.T) {
	e := sqlexpr.And(sqlexpr.Col("status").In(2, 3), sqlexpr.Raw("start_at > ?", "t"))

	t.Run("postgres continues numbering", func(t *testing.T) {
		dst := []byte(`SELECT * FROM p WHERE "owner" = $1 AND `)
		args := []any{"alice"}
		dst, args, err := e.AppendSQL(dst, args, sqlexpr.Postgres)
		require.NoError(t, err)
		assert.Equal(t, `SELECT * FROM p WHERE "owner" = $1 AND "status" IN ($2, $3) AND (start_at > $4)`, string(dst))
		assert.Equal(t, []any{"alice", 2, 3, "t"}, args)

		// Appending a second Expr continues from there.
		dst = append(dst, " OR "...)
		dst, args, err = sqlexpr.Raw("x = ?", 5).AppendSQL(dst, args, sqlexpr.Postgres)
		require.NoError(t, err)
		assert.True(t, strings.HasSuffix(string(dst), " OR x = $5"), string(dst))
		assert.Equal(t, []any{"alice", 2, 3, "t", 5}, args)
	})

	t.Run("numbering from a long args list", func(t *testing.T) {
		args := make([]any, 9)
		dst, args, err := sqlexpr.Col("a").In(1, 2).AppendSQL(nil, args, sqlexpr.Postgres)
		require.NoError(t, err)
		assert.Equal(t, `"a" IN ($10, $11)`, string(dst))
		assert.Len(t, args, 11)
	})

	t.Run("question dialects do not number", func(t *testing.T) {
		for _, d := range []sqlexpr.Dialect{sqlexpr.SQLite, sqlexpr.MySQL} {
			dst, args, err := e.AppendSQL([]byte("WHERE "), []any{"alice"}, d)
			require.NoError(t, err)
			q := map[string]string{"sqlite": `"status"`, "mysql": "`status`"}[d.String()]
			assert.Equal(t, "WHERE "+q+" IN (?, ?) AND (start_at > ?)", string(dst))
			assert.Equal(t, []any{"alice", 2, 3, "t"}, args)
		}
	})

	t.Run("nil dst and args", func(t *testing.T) {
		dst, args, err := e.AppendSQL(nil, nil, sqlexpr.Postgres)
		require.NoError(t, err)
		want, wantArgs, err := e.Render(sqlexpr.Postgres)
		require.NoError(t, err)
		assert.Equal(t, want, string(dst))
		assert.Equal(t, wantArgs, args)
	})

	t.Run("error leaves dst and args unchanged", func(t *testing.T) {
		for _, bad := range []sqlexpr.Expr{
			{},
			sqlexpr.And(sqlexpr.Col("a").In(1, 2), sqlexpr.Err(errSentinel)),
			sqlexpr.And(sqlexpr.Col("a").Eq(1), sqlexpr.Raw("b = ?")),
			sqlexpr.Or(sqlexpr.Col("a").Eq(1), sqlexpr.Col("").Eq(2)),
		} {
			dst := make([]byte, 0, 256)
			dst = append(dst, "WHERE "...)
			args := make([]any, 1, 16)
			args[0] = "alice"
			gotDst, gotArgs, err := bad.AppendSQL(dst, args, sqlexpr.Postgres)
			require.Error(t, err)
			assert.Equal(t, "WHERE ", string(gotDst))
			assert.Equal(t, []any{"alice"}, gotArgs)
		}
	})

	t.Run("reused buffer", func(t *testing.T) {
		buf := make([]byte, 0, 64)
		args := make([]any, 0, 4)
		for range 3 {
			var err error
			buf, args, err = e.AppendSQL(buf[:0], args[:0], sqlexpr.Postgres)
			require.NoError(t, err)
			assert.Equal(t, `"status" IN ($1, $2) AND (start_at > $3)`, string(buf))
			assert.Equal(t, []any{2, 3, "t"}, args)
		}
	})
}

func TestIsZero(t *testing.T) {
	assert.True(t, sqlexpr.Expr{}.IsZero())
	for _, e := range []sqlexpr.Expr{
		sqlexpr.True, sqlexpr.False, sqlexpr.Raw("x"), sqlexpr.Err(errSentinel),
		sqlexpr.And(), sqlexpr.Or(), sqlexpr.Not(sqlexpr.Expr{}), sqlexpr.Col("a").In(),
		sqlexpr.Col("a").Gt(sqlexpr.Now()).At(time.Time{}), sqlexpr.Col("a").Eq(1).On("p"),
	} {
		assert.False(t, e.IsZero(), e.String())
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		e    sqlexpr.Expr
		want string
	}{
		{sqlexpr.True, "1=1"},
		{sqlexpr.Col("a").IsNull(), `"a" IS NULL`},
		{sqlexpr.Col("a").Eq("x"), `"a" = $1 ["x"]`},
		{sqlexpr.And(sqlexpr.Col("a").In(1, 2), sqlexpr.Raw("b ?? ?", nil)), `"a" IN ($1, $2) AND (b ? $3) [1, 2, <nil>]`},
		{sqlexpr.Col("a").Eq(malicious), `"a" = $1 ["x'; DROP TABLE t; --"]`},
		{sqlexpr.Expr{}, "!(sqlexpr: empty expression)"},
		{sqlexpr.Err(errSentinel), "!(sentinel)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.e.String())
	}
}

// TestImmutable checks that an Expr does not change when the slices it was
// built from do: Exprs are documented as immutable.
func TestImmutable(t *testing.T) {
	vals := []any{1, 2}
	in := sqlexpr.Col("a").In(vals...)
	notIn := sqlexpr.Col("a").NotIn(vals...)
	raw := sqlexpr.Raw("a = ? OR a = ?", vals...)
	parts := []string{"p", "a"}
	col := sqlexpr.Col(parts...)
	es := []sqlexpr.Expr{in, raw}
	and := sqlexpr.And(es...)

	vals[0] = malicious
	parts[0] = "q"
	es[0] = sqlexpr.False

	assert.Equal(t, `"a" IN ($1, $2) [1, 2]`, in.String())
	assert.Equal(t, `"a" NOT IN ($1, $2) [1, 2]`, notIn.String())
	assert.Equal(t, `a = $1 OR a = $2 [1, 2]`, raw.String())
	assert.Equal(t, `"p"."a"`, col.String())
	assert.Equal(t, `"a" IN ($1, $2) AND (a = $3 OR a = $4) [1, 2, 1, 2]`, and.String())
}

// TestConcurrentRender renders one Expr from many goroutines, each at its
// own time; run with -race.
func TestConcurrentRender(t *testing.T) {
	e := sqlexpr.And(
		sqlexpr.Col("status").In(1, 2, 3),
		sqlexpr.Raw("start_at > ?", sqlexpr.Now()),
		sqlexpr.Not(sqlexpr.Or(sqlexpr.Col("a").IsNull(), sqlexpr.Col("b").Eq("x"))).On("p"),
	)
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var wg sync.WaitGroup
	var renders atomic.Int64
	for i := range 16 {
		wg.Go(func() {
			d := []sqlexpr.Dialect{sqlexpr.Postgres, sqlexpr.SQLite, sqlexpr.MySQL}[i%3]
			for j := range 50 {
				at := base.Add(time.Duration(i*50+j) * time.Second)
				sql, args, err := e.At(at).Render(d)
				if err != nil || len(args) != 5 || sql == "" || args[3] != at {
					t.Errorf("Render(%s) at %v = %q, %v, %v", d, at, sql, args, err)
					return
				}
				renders.Add(1)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int64(16*50), renders.Load())
}

func TestEmptyRawTextIsAnError(t *testing.T) {
	for _, e := range []sqlexpr.Expr{
		sqlexpr.Raw(""),
		sqlexpr.Raw("  "),
		sqlexpr.And(sqlexpr.Col("a").Eq(1), sqlexpr.Raw("")),
	} {
		_, _, err := e.Render(sqlexpr.Postgres)
		if err == nil || !strings.Contains(err.Error(), "empty SQL text") {
			t.Errorf("%v: got %v, want an empty SQL text error", e, err)
		}
	}
}

// Now stands for the time an Expr is rendered At: bound as a parameter,
// never read from a clock or left to the database.
func TestNowIsBoundByAt(t *testing.T) {
	at := time.Date(2026, 11, 25, 12, 0, 0, 123456000, time.FixedZone("CET", 3600))
	e := sqlexpr.And(sqlexpr.Col("start_at").Gt(sqlexpr.Now()), sqlexpr.Raw("end_at < ?", sqlexpr.NowPlus(-time.Hour)))

	_, _, err := e.Render(sqlexpr.Postgres)
	require.ErrorIs(t, err, sqlexpr.ErrNoTime)
	_, _, err = e.ToSql()
	require.ErrorIs(t, err, sqlexpr.ErrNoTime)
	dst := []byte("kept")
	b, args, err := e.AppendSQL(dst, []any{"x"}, sqlexpr.SQLite)
	require.ErrorIs(t, err, sqlexpr.ErrNoTime)
	assert.Equal(t, "kept", string(b), "nothing is appended on error")
	assert.Equal(t, []any{"x"}, args)

	sql, args, err := e.At(at).Render(sqlexpr.Postgres)
	require.NoError(t, err)
	assert.Equal(t, `"start_at" > $1 AND (end_at < $2)`, sql)
	assert.Equal(t, []any{at, at.Add(-time.Hour)}, args, "the very instant, zone and microseconds kept")

	// An At inside binds its own part; the outer At the rest.
	later := at.Add(24 * time.Hour)
	sql, args, err = sqlexpr.Or(sqlexpr.Col("a").Gt(sqlexpr.Now()).At(later), sqlexpr.Col("b").Gt(sqlexpr.Now())).At(at).Render(sqlexpr.SQLite)
	require.NoError(t, err)
	assert.Equal(t, `"a" > ? OR "b" > ?`, sql)
	assert.Equal(t, []any{later.UTC(), at.UTC()}, args, "in UTC for SQLite")

	assert.True(t, sqlexpr.Expr{}.At(at).IsZero(), "the zero Expr stays zero")
}

// SQLite keeps times as text and compares text: its dialect passes times
// in UTC, the others as given.
func TestSQLiteTimesInUTC(t *testing.T) {
	east := time.FixedZone("UTC+9", 9*3600)
	at := time.Date(2026, 11, 28, 21, 0, 0, 0, east)
	e := sqlexpr.And(sqlexpr.Col("due").Lt(at), sqlexpr.Col("start").Ge(sqlexpr.Now()))
	_, args, err := e.At(at).Render(sqlexpr.SQLite)
	require.NoError(t, err)
	require.Len(t, args, 2)
	for _, a := range args {
		assert.Equal(t, time.UTC, a.(time.Time).Location())
	}
	assert.True(t, args[0].(time.Time).Equal(at))
	assert.True(t, args[1].(time.Time).Equal(at))
	_, args, err = e.At(at).Render(sqlexpr.Postgres)
	require.NoError(t, err)
	assert.Equal(t, east, args[0].(time.Time).Location(), "PostgreSQL keeps the zone")
}
