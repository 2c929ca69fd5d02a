package sqlexpr_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// dbNames returns the names of the rows of t that where selects, in id
// order.
func dbNames(t *testing.T, db *dbtest.DB, where string, args []any) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM t WHERE `+where+` ORDER BY id`, args...)
	require.NoError(t, err, where)
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		names = append(names, name)
	}
	require.NoError(t, rows.Err())
	return names
}

// A literal question mark selects what it says when rendered for the
// database, and ToSql, whose output may go to a builder with ? placeholders
// that would send ?? as is, refuses it rather than change it.
func TestDBLiteralQuestionMark(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		_, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "wh?" INTEGER NOT NULL)`)
		require.NoError(t, err)
		_, err = db.Exec(`INSERT INTO t (id, name, "wh?") VALUES (1, 'who', 0), (2, 'who?', 1), (3, 'who??', 0)`)
		require.NoError(t, err)

		for _, e := range []sqlexpr.Expr{
			sqlexpr.Raw("name = 'who?'"),
			sqlexpr.Col("wh?").Eq(1),
			sqlexpr.And(sqlexpr.Col("id").Gt(0), sqlexpr.Raw(`"wh?" = ? AND name <> 'why?'`, 1)),
		} {
			where, args, err := e.Render(db.Dialect)
			require.NoError(t, err, e.String())
			assert.Equal(t, []string{"who?"}, dbNames(t, db, where, args), "%s: %s", db.Name, where)

			_, _, err = e.ToSql()
			assert.ErrorIs(t, err, sqlexpr.ErrQuestionMark, e.String())
		}

		// What ToSql wrote before it refused literal question marks, as a
		// builder with ? placeholders sends it: the wrong row.
		assert.Equal(t, []string{"who??"}, dbNames(t, db, "name = 'who??'", nil))

		// Bound as an argument, the value goes through ToSql, whose output
		// runs as it is on a database with ? placeholders.
		e := sqlexpr.Raw("name = ?", "who?")
		if db.Dialect != sqlexpr.Postgres {
			where, args, err := e.ToSql()
			require.NoError(t, err)
			assert.Equal(t, []string{"who?"}, dbNames(t, db, where, args))
		}
		where, args, err := e.Render(db.Dialect)
		require.NoError(t, err)
		assert.Equal(t, []string{"who?"}, dbNames(t, db, where, args))
	})
}
