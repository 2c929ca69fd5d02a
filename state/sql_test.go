package state_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// sqlRendered is an Expr as one dialect renders it.
type sqlRendered struct {
	SQL  string
	Args []any
}

// sqlRender renders e for d and fails the test on error.
func sqlRender(t *testing.T, e sqlexpr.Expr, d sqlexpr.Dialect) sqlRendered {
	t.Helper()
	sql, args, err := e.At(now()).Render(d)
	require.NoError(t, err, "render for %s", d)
	return sqlRendered{sql, args}
}

func TestSQLStateAndGroupExpr(t *testing.T) {
	tests := []struct {
		name     string
		expr     sqlexpr.Expr
		postgres string
		sqlite   string
		mysql    string
		args     []any
	}{
		{
			name:     "state",
			expr:     Published.Expr("status"),
			postgres: `"status" = $1`,
			sqlite:   `"status" = ?`,
			mysql:    "`status` = ?",
			args:     []any{int64(2)},
		},
		{
			name:     "string state",
			expr:     Approved.Expr("review"),
			postgres: `"review" = $1`,
			sqlite:   `"review" = ?`,
			mysql:    "`review` = ?",
			args:     []any{"approved"},
		},
		{
			name:     "named group",
			expr:     Gone.Expr("status"),
			postgres: `"status" IN ($1, $2)`,
			sqlite:   `"status" IN (?, ?)`,
			mysql:    "`status` IN (?, ?)",
			args:     []any{int64(3), int64(4)},
		},
		{
			name:     "string group",
			expr:     Decided.Expr("review"),
			postgres: `"review" IN ($1, $2)`,
			sqlite:   `"review" IN (?, ?)`,
			mysql:    "`review` IN (?, ?)",
			args:     []any{"approved", "rejected"},
		},
		{
			// Members are bound in the Type's declaration order, not in the
			// order they were grouped in.
			name:     "anonymous group in declaration order",
			expr:     Deleted.Or(Draft, Withdrawn).Expr("status"),
			postgres: `"status" IN ($1, $2, $3)`,
			sqlite:   `"status" IN (?, ?, ?)`,
			mysql:    "`status` IN (?, ?, ?)",
			args:     []any{int64(1), int64(3), int64(4)},
		},
		{
			name:     "all states",
			expr:     ProjectState.Any().Expr("status"),
			postgres: `"status" IN ($1, $2, $3, $4)`,
			sqlite:   `"status" IN (?, ?, ?, ?)`,
			mysql:    "`status` IN (?, ?, ?, ?)",
			args:     []any{int64(1), int64(2), int64(3), int64(4)},
		},
		{
			name:     "qualified column",
			expr:     Gone.Expr("p.status"),
			postgres: `"p"."status" IN ($1, $2)`,
			sqlite:   `"p"."status" IN (?, ?)`,
			mysql:    "`p`.`status` IN (?, ?)",
			args:     []any{int64(3), int64(4)},
		},
		{
			name:     "qualified column of a state",
			expr:     Draft.Expr("public.projects.status"),
			postgres: `"public"."projects"."status" = $1`,
			sqlite:   `"public"."projects"."status" = ?`,
			mysql:    "`public`.`projects`.`status` = ?",
			args:     []any{int64(1)},
		},
		{
			name:     "membership",
			expr:     Status.In(Gone).Expr(),
			postgres: `"status" IN ($1, $2)`,
			sqlite:   `"status" IN (?, ?)`,
			mysql:    "`status` IN (?, ?)",
			args:     []any{int64(3), int64(4)},
		},
		{
			name:     "membership of one state",
			expr:     Review.In(Requested).Expr(),
			postgres: `"review" = $1`,
			sqlite:   `"review" = ?`,
			mysql:    "`review` = ?",
			args:     []any{"requested"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, sqlRendered{tt.postgres, tt.args}, sqlRender(t, tt.expr, sqlexpr.Postgres))
			assert.Equal(t, sqlRendered{tt.sqlite, tt.args}, sqlRender(t, tt.expr, sqlexpr.SQLite))
			assert.Equal(t, sqlRendered{tt.mysql, tt.args}, sqlRender(t, tt.expr, sqlexpr.MySQL))

			sql, args, err := tt.expr.ToSql()
			require.NoError(t, err)
			assert.Equal(t, sqlRendered{tt.sqlite, tt.args}, sqlRendered{sql, args}, "ToSql uses ? and double quotes")
		})
	}
}

func TestSQLMembershipAndGroupAgree(t *testing.T) {
	for g := range ProjectState.Groups() {
		want := sqlRender(t, g.Expr("status"), sqlexpr.Postgres)
		assert.Equal(t, want, sqlRender(t, Status.In(g).Expr(), sqlexpr.Postgres), "group %s", g)
		sql, args, err := Status.In(g).Expr().ToSql()
		require.NoError(t, err)
		assert.Equal(t, sqlRender(t, g.Expr("status"), sqlexpr.SQLite), sqlRendered{sql, args})
	}
	for s := range ProjectState.States() {
		want := sqlRender(t, s.Expr("status"), sqlexpr.Postgres)
		assert.Equal(t, want, sqlRender(t, Status.In(s).Expr(), sqlexpr.Postgres), "state %s", s)
		assert.Equal(t, sqlRendered{`"status" = $1`, []any{int64(s.Get())}}, want)
	}
}

func TestSQLManagerOnQualifiedColumn(t *testing.T) {
	qualified := state.Bind(ProjectState, "p.status", func(p *Project) *state.State[ProjectStatus] { return &p.Status })
	assert.Equal(t, sqlRendered{`"p"."status" IN ($1, $2)`, []any{int64(3), int64(4)}},
		sqlRender(t, qualified.In(Gone).Expr(), sqlexpr.Postgres))
	assert.Equal(t, sqlRendered{"`p`.`status` IN (?, ?)", []any{int64(3), int64(4)}},
		sqlRender(t, qualified.In(Gone).Expr(), sqlexpr.MySQL))
}

func TestSQLConditionalExpr(t *testing.T) {
	monthAgo := now().AddDate(0, 0, -30)
	tests := []struct {
		name     string
		expr     sqlexpr.Expr
		postgres string
		sqlite   string
		mysql    string
		args     []any
	}{
		{
			// The conditional's own raw SQL is the caller's text, copied as
			// written (quotes and all); only the base's column is quoted for
			// the dialect.
			name:     "Future",
			expr:     Future.Expr(),
			postgres: `"status" = $1 AND ("start_at" > $2)`,
			sqlite:   `"status" = ? AND ("start_at" > ?)`,
			mysql:    "`status` = ? AND (\"start_at\" > ?)",
			args:     []any{int64(2), now()},
		},
		{
			name:     "Running",
			expr:     Running.Expr(),
			postgres: `"status" = $1 AND ("start_at" <= $2)`,
			sqlite:   `"status" = ? AND ("start_at" <= ?)`,
			mysql:    "`status` = ? AND (\"start_at\" <= ?)",
			args:     []any{int64(2), now()},
		},
		{
			name:     "group base",
			expr:     RecentlyGone.Expr(),
			postgres: `"status" IN ($1, $2) AND "start_at" > $3`,
			sqlite:   `"status" IN (?, ?) AND "start_at" > ?`,
			mysql:    "`status` IN (?, ?) AND `start_at` > ?",
			args:     []any{int64(3), int64(4), monthAgo},
		},
		{
			name:     "and",
			expr:     sqlexpr.And(Status.In(Gone).Expr(), Review.In(Approved).Expr()),
			postgres: `"status" IN ($1, $2) AND "review" = $3`,
			sqlite:   `"status" IN (?, ?) AND "review" = ?`,
			mysql:    "`status` IN (?, ?) AND `review` = ?",
			args:     []any{int64(3), int64(4), "approved"},
		},
		{
			// And flattens: the conditional's own conjunction joins the outer one.
			name:     "conditional and membership",
			expr:     sqlexpr.And(Future.Expr(), Review.In(Decided).Expr()),
			postgres: `"status" = $1 AND ("start_at" > $2) AND "review" IN ($3, $4)`,
			sqlite:   `"status" = ? AND ("start_at" > ?) AND "review" IN (?, ?)`,
			mysql:    "`status` = ? AND (\"start_at\" > ?) AND `review` IN (?, ?)",
			args:     []any{int64(2), now(), "approved", "rejected"},
		},
		{
			name:     "or of conditionals",
			expr:     sqlexpr.Or(Future.Expr(), RecentlyGone.Expr()),
			postgres: `("status" = $1 AND ("start_at" > $2)) OR ("status" IN ($3, $4) AND "start_at" > $5)`,
			sqlite:   `("status" = ? AND ("start_at" > ?)) OR ("status" IN (?, ?) AND "start_at" > ?)`,
			mysql:    "(`status` = ? AND (\"start_at\" > ?)) OR (`status` IN (?, ?) AND `start_at` > ?)",
			args:     []any{int64(2), now(), int64(3), int64(4), monthAgo},
		},
		{
			name:     "not group",
			expr:     sqlexpr.Not(Gone.Expr("status")),
			postgres: `NOT "status" IN ($1, $2)`,
			sqlite:   `NOT "status" IN (?, ?)`,
			mysql:    "NOT `status` IN (?, ?)",
			args:     []any{int64(3), int64(4)},
		},
		{
			name:     "not conditional",
			expr:     sqlexpr.Not(Future.Expr()),
			postgres: `NOT ("status" = $1 AND ("start_at" > $2))`,
			sqlite:   `NOT ("status" = ? AND ("start_at" > ?))`,
			mysql:    "NOT (`status` = ? AND (\"start_at\" > ?))",
			args:     []any{int64(2), now()},
		},
		{
			name:     "And in Or",
			expr:     sqlexpr.Or(sqlexpr.And(Status.In(Visible).Expr(), Review.In(Approved).Expr()), Deleted.Expr("status")),
			postgres: `("status" IN ($1, $2) AND "review" = $3) OR "status" = $4`,
			sqlite:   `("status" IN (?, ?) AND "review" = ?) OR "status" = ?`,
			mysql:    "(`status` IN (?, ?) AND `review` = ?) OR `status` = ?",
			args:     []any{int64(1), int64(2), "approved", int64(4)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, sqlRendered{tt.postgres, tt.args}, sqlRender(t, tt.expr, sqlexpr.Postgres))
			assert.Equal(t, sqlRendered{tt.sqlite, tt.args}, sqlRender(t, tt.expr, sqlexpr.SQLite))
			assert.Equal(t, sqlRendered{tt.mysql, tt.args}, sqlRender(t, tt.expr, sqlexpr.MySQL))
		})
	}
}

func TestSQLConditionalToSql(t *testing.T) {
	// Future reads the time: its SQL needs one.
	_, _, err := Future.Expr().ToSql()
	require.ErrorIs(t, err, sqlexpr.ErrNoTime)
	sql, args, err := Future.Expr().At(now()).ToSql()
	require.NoError(t, err)
	assert.Equal(t, `"status" = ? AND ("start_at" > ?)`, sql)
	assert.Equal(t, []any{int64(2), now()}, args)

	sql, args, err = Review.In(Decided).Expr().ToSql()
	require.NoError(t, err)
	assert.Equal(t, `"review" IN (?, ?)`, sql)
	assert.Equal(t, []any{"approved", "rejected"}, args)

	// A Condition is usable through the interface, whichever kind it is.
	for _, c := range []state.Condition[Project]{Future, Running, RecentlyGone, Recallable, Status.In(Gone), Review.In(Approved)} {
		sql, args, err := c.Expr().At(now()).ToSql()
		require.NoError(t, err, c.String())
		want := sqlRender(t, c.Expr(), sqlexpr.SQLite)
		assert.Equal(t, want, sqlRendered{sql, args}, c.String())
	}
}

// A conditional's SQL is declared once; its Now arguments are bound when
// it is rendered, to the time given to At, and to nothing without one.
func TestSQLNowIsBoundAtRender(t *testing.T) {
	// A Type of its own, so that ProjectState's conditionals stay the fixture's.
	type M struct{ S state.State[int] }
	typ := state.NewType[int]("Timed")
	typ.State(1, "Planned")
	published := typ.State(2, "Published")
	m := state.Bind(typ, "status", func(m *M) *state.State[int] { return &m.S })
	soon := m.Conditional("soon", "Soon", published, func(*M, time.Time) bool { return true }).
		WithSQL(sqlexpr.Col("start_at").Gt(sqlexpr.NowPlus(time.Hour)))
	e := soon.Expr()
	t1 := time.Date(2030, 1, 1, 1, 0, 0, 0, time.UTC)
	first := sqlRender(t, e.At(t1), sqlexpr.Postgres)
	second := sqlRender(t, e.At(t1.Add(time.Hour)), sqlexpr.Postgres)
	assert.Equal(t, `"status" = $1 AND "start_at" > $2`, first.SQL)
	assert.Equal(t, time.Date(2030, 1, 1, 2, 0, 0, 0, time.UTC), first.Args[1])
	assert.Equal(t, time.Date(2030, 1, 1, 3, 0, 0, 0, time.UTC), second.Args[1])
	_, _, err := e.Render(sqlexpr.Postgres)
	assert.ErrorIs(t, err, sqlexpr.ErrNoTime)
}

func TestSQLAppendAfterExistingArgs(t *testing.T) {
	dst := []byte("SELECT id FROM projects WHERE owner = $1 AND ")
	b, args, err := Future.Expr().At(now()).AppendSQL(dst, []any{"alice"}, sqlexpr.Postgres)
	require.NoError(t, err)
	assert.Equal(t, `SELECT id FROM projects WHERE owner = $1 AND "status" = $2 AND ("start_at" > $3)`, string(b))
	assert.Equal(t, []any{"alice", int64(2), now()}, args)
}

func TestSQLConditionalWithoutSQL(t *testing.T) {
	assert.False(t, mgrHasSQL(Unqueryable))
	assert.True(t, mgrHasSQL(Future))

	check := func(t *testing.T, err error) {
		t.Helper()
		require.Error(t, err)
		assert.ErrorIs(t, err, state.ErrNoSQL)
		assert.Contains(t, err.Error(), `"Unqueryable"`)
		assert.Contains(t, err.Error(), "state_test.Project.status")
	}
	for _, d := range []sqlexpr.Dialect{sqlexpr.Postgres, sqlexpr.SQLite, sqlexpr.MySQL} {
		t.Run(d.String(), func(t *testing.T) {
			sql, args, err := Unqueryable.Expr().Render(d)
			check(t, err)
			assert.Empty(t, sql)
			assert.Nil(t, args)
		})
	}
	t.Run("ToSql", func(t *testing.T) {
		_, _, err := Unqueryable.Expr().ToSql()
		check(t, err)
	})
	t.Run("composed", func(t *testing.T) {
		// The error survives composition: a query is never run on the base
		// alone, which would select rows the Go test rejects.
		for _, e := range []sqlexpr.Expr{
			sqlexpr.And(Review.In(Approved).Expr(), Unqueryable.Expr()),
			sqlexpr.Or(Future.Expr(), Unqueryable.Expr()),
			sqlexpr.Not(Unqueryable.Expr()),
		} {
			_, _, err := e.Render(sqlexpr.Postgres)
			check(t, err)
		}
	})
	t.Run("through the Condition interface", func(t *testing.T) {
		var c state.Condition[Project] = Unqueryable
		_, _, err := c.Expr().Render(sqlexpr.SQLite)
		check(t, err)
	})
}

func TestSQLBadColumnName(t *testing.T) {
	for _, column := range []string{"", ".status", "p.", "p..status"} {
		t.Run(column, func(t *testing.T) {
			for _, e := range []sqlexpr.Expr{Published.Expr(column), Gone.Expr(column), Draft.Or(Deleted).Expr(column)} {
				for _, d := range []sqlexpr.Dialect{sqlexpr.Postgres, sqlexpr.SQLite, sqlexpr.MySQL} {
					sql, args, err := e.Render(d)
					require.Error(t, err, "%s: %q", d, sql)
					assert.Contains(t, err.Error(), "empty part")
					assert.Empty(t, sql)
					assert.Nil(t, args)
				}
			}
			for _, d := range []sqlexpr.Dialect{sqlexpr.Postgres, sqlexpr.SQLite, sqlexpr.MySQL} {
				check, err := ProjectState.CheckConstraint(d, column)
				assert.Error(t, err, "%s", d)
				assert.Empty(t, check)
			}
		})
	}

	// A Manager's column is checked when its SQL is sqlRendered (Bind only
	// rejects the empty name).
	m := state.Bind(ProjectState, "p..status", func(p *Project) *state.State[ProjectStatus] { return &p.Status })
	_, _, err := m.In(Gone).Expr().Render(sqlexpr.Postgres)
	assert.ErrorContains(t, err, `"p..status" has an empty part`)
	_, _, err = m.In(Gone).Expr().ToSql()
	assert.Error(t, err)

	_, _, err = Published.Expr("bad\x00name").Render(sqlexpr.SQLite)
	assert.ErrorContains(t, err, "NUL")
}

func TestSQLIdentifiersAreQuoted(t *testing.T) {
	// Quote characters inside a name are doubled, so a column name can never
	// end the identifier early.
	assert.Equal(t, sqlRendered{`"we""ird" = $1`, []any{int64(2)}}, sqlRender(t, Published.Expr(`we"ird`), sqlexpr.Postgres))
	assert.Equal(t, sqlRendered{"`we``ird` = ?", []any{int64(2)}}, sqlRender(t, Published.Expr("we`ird"), sqlexpr.MySQL))
	assert.Equal(t, sqlRendered{`"select" = ?`, []any{int64(2)}}, sqlRender(t, Published.Expr("select"), sqlexpr.SQLite))
}

func TestSQLZeroStateExpr(t *testing.T) {
	var zero State
	_, _, err := zero.Expr("status").Render(sqlexpr.Postgres)
	assert.ErrorContains(t, err, "zero State")
}

func TestSQLValuesAreNeverWrittenIntoTheQuery(t *testing.T) {
	quotes := state.NewType[string]("Quotes")
	it := quotes.State("it's", "It is")
	drop := quotes.State("x'); DROP TABLE t; --", "Injection")
	both := it.Or(drop)
	r := sqlRender(t, both.Expr("q"), sqlexpr.Postgres)
	assert.Equal(t, sqlRendered{`"q" IN ($1, $2)`, []any{"it's", "x'); DROP TABLE t; --"}}, r)
}

func TestSQLCheckConstraint(t *testing.T) {
	tests := []struct {
		name    string
		check   func(d sqlexpr.Dialect) (string, error)
		dialect sqlexpr.Dialect
		want    string
	}{
		{"ints postgres", func(d sqlexpr.Dialect) (string, error) { return ProjectState.CheckConstraint(d, "status") },
			sqlexpr.Postgres, `CHECK ("status" IN (1, 2, 3, 4))`},
		{"ints sqlite", func(d sqlexpr.Dialect) (string, error) { return ProjectState.CheckConstraint(d, "status") },
			sqlexpr.SQLite, `CHECK ("status" IN (1, 2, 3, 4))`},
		{"ints mysql", func(d sqlexpr.Dialect) (string, error) { return ProjectState.CheckConstraint(d, "status") },
			sqlexpr.MySQL, "CHECK (`status` IN (1, 2, 3, 4))"},
		{"strings postgres", func(d sqlexpr.Dialect) (string, error) { return ReviewState.CheckConstraint(d, "review") },
			sqlexpr.Postgres, `CHECK ("review" IN ('requested', 'approved', 'rejected'))`},
		{"strings sqlite", func(d sqlexpr.Dialect) (string, error) { return ReviewState.CheckConstraint(d, "review") },
			sqlexpr.SQLite, `CHECK ("review" IN ('requested', 'approved', 'rejected'))`},
		{"strings mysql", func(d sqlexpr.Dialect) (string, error) { return ReviewState.CheckConstraint(d, "review") },
			sqlexpr.MySQL, "CHECK (`review` IN ('requested', 'approved', 'rejected'))"},
		{"qualified", func(d sqlexpr.Dialect) (string, error) { return ProjectState.CheckConstraint(d, "projects.status") },
			sqlexpr.Postgres, `CHECK ("projects"."status" IN (1, 2, 3, 4))`},
		{"reserved word", func(d sqlexpr.Dialect) (string, error) { return ReviewState.CheckConstraint(d, "order") },
			sqlexpr.MySQL, "CHECK (`order` IN ('requested', 'approved', 'rejected'))"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.check(tt.dialect)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSQLCheckConstraintEscapesStrings(t *testing.T) {
	type Mood string
	moods := state.NewType[Mood]("Moods")
	moods.State("it's fine", "Fine")
	moods.State("plain", "Plain")
	moods.State("''", "Two quotes")
	moods.State(`back\slash "and" ?`, "Other characters")

	want := `CHECK ("mood" IN ('it''s fine', 'plain', '''''', 'back\slash "and" ?'))`
	for _, d := range []sqlexpr.Dialect{sqlexpr.Postgres, sqlexpr.SQLite} {
		got, err := moods.CheckConstraint(d, "mood")
		require.NoError(t, err)
		assert.Equal(t, want, got, "%s", d)
	}

	got, err := moods.CreateEnumType("mood")
	require.NoError(t, err)
	assert.Equal(t, `CREATE TYPE "mood" AS ENUM ('it''s fine', 'plain', '''''', 'back\slash "and" ?')`, got)
}

func TestSQLCheckConstraintOtherValueTypes(t *testing.T) {
	floats := state.NewType[float64]("Floats")
	floats.State(0.5, "Half")
	floats.State(2, "Two")
	got, err := floats.CheckConstraint(sqlexpr.Postgres, "f")
	require.NoError(t, err)
	assert.Equal(t, `CHECK ("f" IN (0.5, 2))`, got)

	bools := state.NewType[bool]("Bools")
	bools.State(true, "Yes")
	bools.State(false, "No")
	got, err = bools.CheckConstraint(sqlexpr.SQLite, "b")
	require.NoError(t, err)
	assert.Equal(t, `CHECK ("b" IN (TRUE, FALSE))`, got)
}

func TestSQLCheckConstraintErrors(t *testing.T) {
	empty := state.NewType[int]("Empty")
	_, err := empty.CheckConstraint(sqlexpr.Postgres, "x")
	assert.ErrorContains(t, err, "Empty declares no states")
	_, err = state.NewType[string]("NoLabels").CreateEnumType("x")
	assert.ErrorContains(t, err, "NoLabels declares no states")

	nul := state.NewType[string]("Nul")
	nul.State("a\x00b", "NUL")
	_, err = nul.CheckConstraint(sqlexpr.Postgres, "x")
	assert.ErrorContains(t, err, "NUL byte")
	_, err = nul.CreateEnumType("x")
	assert.ErrorContains(t, err, "NUL byte")

	inf := state.NewType[float64]("Inf")
	inf.State(1, "One")
	inf.State(math.Inf(1), "Infinite")
	_, err = inf.CheckConstraint(sqlexpr.Postgres, "x")
	assert.ErrorContains(t, err, `Inf "Infinite" cannot be stored in SQL`)
	// The same value cannot be bound as an argument either.
	_, _, err = inf.Any().Expr("x").Render(sqlexpr.Postgres)
	assert.ErrorContains(t, err, `Inf "Infinite" cannot be stored in SQL`)
	// A group without the unstorable state renders.
	one, _ := inf.Lookup(1)
	assert.Equal(t, sqlRendered{`"x" = $1`, []any{float64(1)}}, sqlRender(t, one.Expr("x"), sqlexpr.Postgres))
}

func TestSQLCreateEnumType(t *testing.T) {
	got, err := ReviewState.CreateEnumType("review_state")
	require.NoError(t, err)
	assert.Equal(t, `CREATE TYPE "review_state" AS ENUM ('requested', 'approved', 'rejected')`, got)

	got, err = ReviewState.CreateEnumType("app.review_state")
	require.NoError(t, err)
	assert.Equal(t, `CREATE TYPE "app"."review_state" AS ENUM ('requested', 'approved', 'rejected')`, got)

	got, err = ProjectState.CreateEnumType("project_state")
	require.Error(t, err)
	assert.Empty(t, got)
	assert.Equal(t, `state: ProjectState: a PostgreSQL enum holds string labels, but state "Draft" is stored as int64`, err.Error())

	for _, name := range []string{"", "app.", ".x"} {
		got, err = ReviewState.CreateEnumType(name)
		assert.Error(t, err, "name %q", name)
		assert.Empty(t, got)
	}
}

func TestSQLErrorsAreNotWrappedAsNoSQL(t *testing.T) {
	// Only a conditional without SQL reports ErrNoSQL.
	_, _, err := Published.Expr("").Render(sqlexpr.Postgres)
	require.Error(t, err)
	assert.False(t, errors.Is(err, state.ErrNoSQL))
}

func TestCheckConstraintBackslashOnMySQL(t *testing.T) {
	paths := state.NewType[string]("Paths")
	paths.State(`C:\`, "Drive")
	paths.State(`it's`, "Quote")
	for _, c := range []struct {
		d    sqlexpr.Dialect
		want string
	}{
		{sqlexpr.MySQL, "CHECK (`p` IN ('C:\\\\', 'it''s'))"},
		{sqlexpr.Postgres, `CHECK ("p" IN ('C:\', 'it''s'))`},
		{sqlexpr.SQLite, `CHECK ("p" IN ('C:\', 'it''s'))`},
	} {
		got, err := paths.CheckConstraint(c.d, "p")
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s: got %s, want %s", c.d, got, c.want)
		}
	}
}
