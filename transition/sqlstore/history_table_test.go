package sqlstore_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/conformance"
	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// A history table in a schema of its own: Schema names its indexes after
// the table alone, in the table's schema, and the Store writes and reads
// it there.
func TestHistoryInAQualifiedTable(t *testing.T) {
	db := dbtest.Postgres(t)
	var schema string
	require.NoError(t, db.QueryRowContext(t.Context(), `SELECT current_schema()`).Scan(&schema))
	e := setup(t, db, &sqlstore.Options{History: schema + ".audit"})
	stmts := e.store.Schema()
	require.Len(t, stmts, 4)
	assert.Equal(t, `CREATE INDEX IF NOT EXISTS "audit_object" ON "`+schema+`"."audit" (object_type, object_id, id)`, stmts[1])
	assert.Equal(t, `CREATE INDEX IF NOT EXISTS "audit_feed" ON "`+schema+`"."audit" (tx, id)`, stmts[2])

	var indexes []string
	rows, err := db.QueryContext(e.ctx, `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'audit' ORDER BY indexname`, schema)
	require.NoError(t, err)
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		indexes = append(indexes, n)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{"audit_feed", "audit_object", "audit_pkey"}, indexes)

	p := e.project(t, "Roof", Draft, 0)
	require.NoError(t, Publish.Fire(e.ctx, e.store, Alice, p, transition.NoInput{}))
	assert.Equal(t, []string{"publish"}, Transitions(e.history(t)))
	var n int
	require.NoError(t, db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM audit`).Scan(&n))
	assert.Equal(t, 1, n)
}

// On SQLite, an index goes in its table's schema by its own name, and a
// foreign key names its table in no schema: Schema qualifies the history
// table, its index's name, and nothing else, and Migrate succeeds.
func TestHistoryInAQualifiedTableOnSQLite(t *testing.T) {
	db := dbtest.SQLite(t)
	e := setup(t, db, &sqlstore.Options{History: "main.audit"})
	stmts := e.store.Schema()
	require.Len(t, stmts, 3)
	assert.Contains(t, stmts[0], `CREATE TABLE IF NOT EXISTS "main"."audit" (`)
	assert.Contains(t, stmts[0], `cause INTEGER REFERENCES "audit" (id),`, "a foreign key names no schema")
	assert.Equal(t, `CREATE INDEX IF NOT EXISTS "main"."audit_object" ON "audit" (object_type, object_id, id)`, stmts[1])
	var indexes int
	require.NoError(t, db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM main.sqlite_master WHERE type = 'index' AND name = 'audit_object' AND tbl_name = 'audit'`).Scan(&indexes))
	assert.Equal(t, 1, indexes)

	p := e.project(t, "Roof", Draft, 0)
	require.NoError(t, Publish.Fire(e.ctx, e.store, Alice, p, transition.NoInput{}))
	assert.Equal(t, []string{"publish"}, Transitions(e.history(t)))
}

// A time another program wrote to SQLite's history as a BLOB, rather than
// as text, reads as the time it spells; one that spells no time is an
// error naming its row.
func TestHistoryTimeWrittenAsBlob(t *testing.T) {
	e := setup(t, dbtest.SQLite(t), nil)
	insert := func(at string) {
		e.exec(t, `INSERT INTO statecraft_history (object_type, object_id, version, field, transition, to_state, actor, at, seq)
			VALUES ('conformance.Project', '1', 0, 'status', 'publish', 'published', 'alice', CAST(? AS BLOB), 0)`, at)
	}
	insert("2026-11-28T09:30:00.250000000Z")
	h := e.history(t)
	require.Len(t, h, 1)
	assert.Equal(t, time.Date(2026, 11, 28, 9, 30, 0, 250_000_000, time.UTC), h[0].At)
	assert.Equal(t, "publish", h[0].Transition)

	insert("yesterday")
	_, err := e.store.History(e.ctx, sqlstore.Filter{})
	var pe *time.ParseError
	require.ErrorAs(t, err, &pe)
	assert.ErrorContains(t, err, "sqlstore: reading the history: row 2: ")
}
