package sqlexpr_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/state/sqlexpr"
)

func TestIdentQuote(t *testing.T) {
	tests := []struct {
		name             string
		id               sqlexpr.Ident
		pg, sqlite, mysq string
	}{
		{"simple", sqlexpr.Col("status"), `"status"`, `"status"`, "`status`"},
		{"qualified", sqlexpr.Col("p", "status"), `"p"."status"`, `"p"."status"`, "`p`.`status`"},
		{"three parts", sqlexpr.Col("db", "p", "status"), `"db"."p"."status"`, `"db"."p"."status"`, "`db`.`p`.`status`"},
		{"ParseIdent", sqlexpr.ParseIdent("p.status"), `"p"."status"`, `"p"."status"`, "`p`.`status`"},
		{"ParseIdent no dot", sqlexpr.ParseIdent("status"), `"status"`, `"status"`, "`status`"},
		{"Col keeps a dot", sqlexpr.Col("a.b"), `"a.b"`, `"a.b"`, "`a.b`"},
		{"mixed case and reserved", sqlexpr.Col("Select", "From"), `"Select"."From"`, `"Select"."From"`, "`Select`.`From`"},
		{"space", sqlexpr.Col("my col"), `"my col"`, `"my col"`, "`my col`"},
		{"double quote doubled", sqlexpr.Col(`a"b`), `"a""b"`, `"a""b"`, "`a\"b`"},
		{"two double quotes", sqlexpr.Col(`""`), `""""""`, `""""""`, "`\"\"`"},
		{"backtick doubled", sqlexpr.Col("a`b"), "\"a`b\"", "\"a`b\"", "`a``b`"},
		{"injection attempt", sqlexpr.Col(`x" = 1; DROP TABLE t; --`), `"x"" = 1; DROP TABLE t; --"`, `"x"" = 1; DROP TABLE t; --"`, "`x\" = 1; DROP TABLE t; --`"},
		{"backtick injection", sqlexpr.Col("x` = 1; --"), "\"x` = 1; --\"", "\"x` = 1; --\"", "`x`` = 1; --`"},
		{"single quote untouched", sqlexpr.Col("o'clock"), `"o'clock"`, `"o'clock"`, "`o'clock`"},
		{"question mark", sqlexpr.Col("a?"), `"a?"`, `"a?"`, "`a?`"},
		{"unicode", sqlexpr.Col("état"), `"état"`, `"état"`, "`état`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for d, want := range map[sqlexpr.Dialect]string{sqlexpr.Postgres: tt.pg, sqlexpr.SQLite: tt.sqlite, sqlexpr.MySQL: tt.mysq} {
				got, err := tt.id.Quote(d)
				require.NoError(t, err, d.String())
				assert.Equal(t, want, got, d.String())

				// The identifier renders the same way inside an Expr.
				sql, _, err := tt.id.IsNull().Render(d)
				require.NoError(t, err)
				assert.Equal(t, want+" IS NULL", sql, d.String())
			}
			assert.Equal(t, tt.pg, tt.id.String())
			// The zero Dialect quotes with double quotes.
			got, err := tt.id.Quote(sqlexpr.Dialect{})
			require.NoError(t, err)
			assert.Equal(t, tt.pg, got)
		})
	}
}

func TestIdentErrors(t *testing.T) {
	tests := []struct {
		name    string
		id      sqlexpr.Ident
		contain string
	}{
		{"zero", sqlexpr.Ident{}, "empty identifier"},
		{"Col()", sqlexpr.Col(), "empty identifier"},
		{"empty part", sqlexpr.Col(""), "empty part"},
		{"empty qualifier", sqlexpr.Col("", "a"), "empty part"},
		{"empty second part", sqlexpr.Col("a", ""), "empty part"},
		{"ParseIdent empty", sqlexpr.ParseIdent(""), "empty part"},
		{"ParseIdent leading dot", sqlexpr.ParseIdent(".a"), "empty part"},
		{"ParseIdent trailing dot", sqlexpr.ParseIdent("a."), "empty part"},
		{"ParseIdent double dot", sqlexpr.ParseIdent("a..b"), "empty part"},
		{"NUL", sqlexpr.Col("a\x00"), "NUL byte"},
		{"NUL alone", sqlexpr.Col("\x00"), "NUL byte"},
		{"NUL in second part", sqlexpr.Col("a", "b\x00c"), "NUL byte"},
		{"NUL via ParseIdent", sqlexpr.ParseIdent("a.\x00"), "NUL byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, d := range []sqlexpr.Dialect{sqlexpr.Postgres, sqlexpr.SQLite, sqlexpr.MySQL, {}} {
				got, err := tt.id.Quote(d)
				require.ErrorContains(t, err, tt.contain)
				// No partly quoted identifier comes back with the error.
				assert.Empty(t, got)
			}
			assert.Contains(t, tt.id.String(), "!(")
			assert.Contains(t, tt.id.String(), tt.contain)

			// Every predicate on a bad identifier fails to render.
			for _, e := range []sqlexpr.Expr{
				tt.id.Eq(1), tt.id.Ne(1), tt.id.Lt(1), tt.id.Le(1), tt.id.Gt(1), tt.id.Ge(1),
				tt.id.Eq(nil), tt.id.Ne(nil), tt.id.IsNull(), tt.id.IsNotNull(),
				tt.id.In(), tt.id.In(1), tt.id.In(1, 2), tt.id.NotIn(), tt.id.NotIn(1), tt.id.NotIn(1, 2),
			} {
				_, _, err := e.Render(sqlexpr.Postgres)
				assert.ErrorContains(t, err, tt.contain)
			}
		})
	}
}

// TestIdentParts checks how Col and ParseIdent split a name into parts, by
// how the parts render: each quoted on its own, joined by dots.
func TestIdentParts(t *testing.T) {
	tests := []struct {
		id      sqlexpr.Ident
		want    string // as Quote(Postgres) writes it, if it renders
		wantErr string // what the error says, if not
	}{
		{sqlexpr.Ident{}, "", "sqlexpr: empty identifier"},
		{sqlexpr.Col(), "", "sqlexpr: empty identifier"},
		{sqlexpr.Col("a"), `"a"`, ""},
		{sqlexpr.Col("a", "b.c"), `"a"."b.c"`, ""},
		{sqlexpr.ParseIdent("a.b.c"), `"a"."b"."c"`, ""},
		{sqlexpr.Col(""), "", `sqlexpr: identifier "" has an empty part`}, // an empty part is still a part
		{sqlexpr.ParseIdent(""), "", `sqlexpr: identifier "" has an empty part`},
		{sqlexpr.ParseIdent("a..b"), "", `sqlexpr: identifier "a..b" has an empty part`},
	}
	for _, tt := range tests {
		got, err := tt.id.Quote(sqlexpr.Postgres)
		if tt.wantErr != "" {
			assert.EqualError(t, err, tt.wantErr, "%#v", tt.id)
			assert.Empty(t, got)
			continue
		}
		require.NoError(t, err, "%#v", tt.id)
		assert.Equal(t, tt.want, got)
	}

	// Col copies its parts.
	parts := []string{"p", "status"}
	id := sqlexpr.Col(parts...)
	parts[0] = "x"
	assert.Equal(t, `"p"."status"`, id.String())
}

func TestIdentPredicates(t *testing.T) {
	id := sqlexpr.Col("p", "n")
	tests := []struct {
		name     string
		e        sqlexpr.Expr
		pg, q    string
		wantArgs []any
	}{
		{"Eq", id.Eq(1), `"p"."n" = $1`, `"p"."n" = ?`, []any{1}},
		{"Ne", id.Ne(1), `"p"."n" <> $1`, `"p"."n" <> ?`, []any{1}},
		{"Lt", id.Lt(1), `"p"."n" < $1`, `"p"."n" < ?`, []any{1}},
		{"Le", id.Le(1), `"p"."n" <= $1`, `"p"."n" <= ?`, []any{1}},
		{"Gt", id.Gt(1), `"p"."n" > $1`, `"p"."n" > ?`, []any{1}},
		{"Ge", id.Ge(1), `"p"."n" >= $1`, `"p"."n" >= ?`, []any{1}},
		{"Eq nil", id.Eq(nil), `"p"."n" IS NULL`, `"p"."n" IS NULL`, nil},
		{"Ne nil", id.Ne(nil), `"p"."n" IS NOT NULL`, `"p"."n" IS NOT NULL`, nil},
		// Only the untyped nil means NULL; a typed nil pointer is a value.
		{"Eq typed nil", id.Eq((*int)(nil)), `"p"."n" = $1`, `"p"."n" = ?`, []any{(*int)(nil)}},
		// Lt and friends bind nil as a value: there is no IS form for them.
		{"Lt nil", id.Lt(nil), `"p"."n" < $1`, `"p"."n" < ?`, []any{nil}},
		{"IsNull", id.IsNull(), `"p"."n" IS NULL`, `"p"."n" IS NULL`, nil},
		{"IsNotNull", id.IsNotNull(), `"p"."n" IS NOT NULL`, `"p"."n" IS NOT NULL`, nil},
		{"In 0", id.In(), `1=0`, `1=0`, nil},
		{"In 1", id.In("a"), `"p"."n" = $1`, `"p"."n" = ?`, []any{"a"}},
		{"In 2", id.In("a", "b"), `"p"."n" IN ($1, $2)`, `"p"."n" IN (?, ?)`, []any{"a", "b"}},
		{"In 5", id.In(1, 2, 3, 4, 5), `"p"."n" IN ($1, $2, $3, $4, $5)`, `"p"."n" IN (?, ?, ?, ?, ?)`, []any{1, 2, 3, 4, 5}},
		{"In nil", id.In(nil), `"p"."n" = $1`, `"p"."n" = ?`, []any{nil}},
		{"NotIn 0", id.NotIn(), `1=1`, `1=1`, nil},
		{"NotIn 1", id.NotIn("a"), `"p"."n" <> $1`, `"p"."n" <> ?`, []any{"a"}},
		{"NotIn 3", id.NotIn("a", "b", "c"), `"p"."n" NOT IN ($1, $2, $3)`, `"p"."n" NOT IN (?, ?, ?)`, []any{"a", "b", "c"}},
		{"In spread", id.In([]any{1, 2}...), `"p"."n" IN ($1, $2)`, `"p"."n" IN (?, ?)`, []any{1, 2}},
		{"In a slice is one value", id.In([]int{1, 2}), `"p"."n" = $1`, `"p"."n" = ?`, []any{[]int{1, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mysql := tt.q
			if mysql != "1=0" && mysql != "1=1" {
				mysql = "`p`.`n`" + mysql[len(`"p"."n"`):]
			}
			checkRender(t, tt.e, want{pg: tt.pg, sqlite: tt.q, mysql: mysql, toSql: tt.q, args: tt.wantArgs})
		})
	}
}
