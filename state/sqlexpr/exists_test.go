package sqlexpr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/state/sqlexpr"
)

// Exists correlates a subquery with the enclosing row through Outer
// columns, qualified by the enclosing alias; the subquery's own columns
// take its alias.
func TestExists(t *testing.T) {
	parentPublished := sqlexpr.Exists("projects", "parent", sqlexpr.And(
		sqlexpr.Col("id").Eq(sqlexpr.Outer("parent_id")),
		sqlexpr.Col("status").Eq("published"),
	))
	for _, tc := range []struct {
		name  string
		e     sqlexpr.Expr
		d     sqlexpr.Dialect
		sql   string
		args  []any
		error error
	}{{
		name: "on an alias",
		e:    sqlexpr.And(sqlexpr.Col("status").Eq("draft"), parentPublished).On("p"),
		d:    sqlexpr.Postgres,
		sql:  `"p"."status" = $1 AND EXISTS (SELECT 1 FROM "projects" AS "parent" WHERE "parent"."id" = "p"."parent_id" AND "parent"."status" = $2)`,
		args: []any{"draft", "published"},
	}, {
		name: "negated, SQLite",
		e:    sqlexpr.Not(parentPublished).On("p"),
		d:    sqlexpr.SQLite,
		sql:  `NOT EXISTS (SELECT 1 FROM "projects" AS "parent" WHERE "parent"."id" = "p"."parent_id" AND "parent"."status" = ?)`,
		args: []any{"published"},
	}, {
		name: "nested: each Outer is its enclosing row",
		e: sqlexpr.Exists("tasks", "t", sqlexpr.And(sqlexpr.Col("project_id").Eq(sqlexpr.Outer("id")),
			sqlexpr.Exists("users", "u", sqlexpr.Col("name").Eq(sqlexpr.Outer("owner"))))).On("p"),
		d:   sqlexpr.Postgres,
		sql: `EXISTS (SELECT 1 FROM "tasks" AS "t" WHERE "t"."project_id" = "p"."id" AND EXISTS (SELECT 1 FROM "users" AS "u" WHERE "u"."name" = "t"."owner"))`,
	}, {
		name: "a schema-qualified table, no condition",
		e:    sqlexpr.Exists("app.tasks", "t", sqlexpr.Expr{}),
		d:    sqlexpr.Postgres,
		sql:  `EXISTS (SELECT 1 FROM "app"."tasks" AS "t" WHERE 1=1)`,
	}, {
		name:  "without an alias for the enclosing row",
		e:     parentPublished,
		d:     sqlexpr.Postgres,
		error: sqlexpr.ErrNoOuter,
	}, {
		name:  "Outer outside Exists",
		e:     sqlexpr.Col("id").Eq(sqlexpr.Outer("parent_id")).On("p"),
		d:     sqlexpr.Postgres,
		error: sqlexpr.ErrNoOuter,
	}, {
		name: "a column compared with a column",
		e:    sqlexpr.Col("a").Lt(sqlexpr.Col("b")),
		d:    sqlexpr.SQLite,
		sql:  `"a" < "b"`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			sql, args, err := tc.e.Render(tc.d)
			if tc.error != nil {
				require.Error(t, err)
				assert.True(t, errors.Is(err, tc.error), "%v", err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.sql, sql)
			assert.Equal(t, tc.args, args)
		})
	}
}

func ExampleExists() {
	// Projects in draft whose parent is published.
	where := sqlexpr.And(
		sqlexpr.Col("status").Eq("draft"),
		sqlexpr.Exists("projects", "parent", sqlexpr.And(
			sqlexpr.Col("id").Eq(sqlexpr.Outer("parent_id")),
			sqlexpr.Col("status").Eq("published"),
		)),
	).On("p")
	sql, args, _ := where.Render(sqlexpr.Postgres)
	fmt.Println("SELECT p.id FROM projects AS p WHERE " + sql)
	fmt.Println(args)
	// Output:
	// SELECT p.id FROM projects AS p WHERE "p"."status" = $1 AND EXISTS (SELECT 1 FROM "projects" AS "parent" WHERE "parent"."id" = "p"."parent_id" AND "parent"."status" = $2)
	// [draft published]
}
