package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/conformance"
	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// Adopting an existing table: a legacy tickets table whose status column
// has no constraint, and a levels table whose states are integers.

type adoptStatus string

func (adoptStatus) StateType() *state.Type[adoptStatus] { return adoptTickets }

type adoptLevel int

var (
	adoptTickets = state.NewType[adoptStatus]("TicketState")
	adoptOpen    = adoptTickets.State("open", "Open")
	adoptPending = adoptTickets.State("pending", "Pending")
	adoptClosed  = adoptTickets.State("closed", "Closed")

	adoptLevels = state.NewType[adoptLevel]("Level")
	adoptLow    = adoptLevels.State(1, "Low")
	adoptMedium = adoptLevels.State(2, "Medium")
	adoptHigh   = adoptLevels.State(3, "High")
)

type adoptTicket struct {
	ID     int64
	Status state.State[adoptStatus]
}

var adoptTicketRows = sqlstore.Map[*Repo]("tickets", func(t *adoptTicket) []sqlstore.Column {
	return []sqlstore.Column{sqlstore.Key("id", &t.ID), sqlstore.Col("status", &t.Status)}
})

// adoptSeed is the tickets table: rows in every declared state but
// Pending, a frequent undeclared value, rare ones (one a case variant of
// a state, one empty, one with a quote), and NULLs, inserted out of key
// order.
var adoptSeed = []struct {
	id     int64
	status any // nil for NULL
}{
	{21, "open"}, {30, "archived"}, {3, "closed"}, {4, "archived"}, {16, nil}, {2, "open"},
	{12, "archived"}, {100, "archived"}, {13, "Open"}, {7, "archived"}, {8, ""}, {40, "open"},
	{55, "archived"}, {5, nil}, {60, "won't fix"}, {33, "closed"}, {9, "archived"},
}

// adoptEnv opens a Store on db and creates the legacy tables, seeded.
func adoptEnv(t *testing.T, db *dbtest.DB) *env {
	t.Helper()
	st, err := sqlstore.New(db.DB, db.Dialect, NewRepo, nil)
	require.NoError(t, err)
	e := &env{DB: db, store: st, ctx: context.Background()}
	e.exec(t, `CREATE TABLE tickets (id BIGINT PRIMARY KEY, status TEXT)`)
	e.exec(t, `CREATE TABLE levels (id BIGINT PRIMARY KEY, level BIGINT)`)
	for _, r := range adoptSeed {
		e.exec(t, `INSERT INTO tickets (id, status) VALUES (?, ?)`, r.id, r.status)
	}
	for _, r := range []struct{ id, level int64 }{{6, 7}, {1, 1}, {4, 7}, {3, 3}, {7, 0}, {2, 1}, {5, 7}} {
		e.exec(t, `INSERT INTO levels (id, level) VALUES (?, ?)`, r.id, r.level)
	}
	return e
}

// A table seeded with undeclared values is reported exactly: the rows of
// each declared state (none included), every undeclared value with its
// count and its first keys in key order, and the NULLs.
func TestSurveyReportsEveryUndeclaredValue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := adoptEnv(t, db)
		r, err := sqlstore.Survey(e.ctx, e.querier(), "tickets", "id", "status", adoptTickets)
		require.NoError(t, err)
		assert.Equal(t, &sqlstore.Report{
			Table: "tickets", Column: "status", Type: "TicketState", Rows: 17,
			Counts: []sqlstore.Count{
				{Value: "open", Title: "Open", Rows: 3},
				{Value: "pending", Title: "Pending", Rows: 0},
				{Value: "closed", Title: "Closed", Rows: 2},
			},
			Unknown: []sqlstore.Unknown{
				{Value: "archived", Rows: 7, Keys: []any{int64(4), int64(7), int64(9), int64(12), int64(30)}},
				{Value: "", Rows: 1, Keys: []any{int64(8)}},
				{Value: "Open", Rows: 1, Keys: []any{int64(13)}},
				{Value: "won't fix", Rows: 1, Keys: []any{int64(60)}},
			},
			Nulls:    2,
			NullKeys: []any{int64(5), int64(16)},
		}, r)
		assert.False(t, r.OK())
		assert.Equal(t, `tickets.status (TicketState): 17 rows
  value         state       rows  first keys
  'open'        Open           3
  'pending'     Pending        0
  'closed'      Closed         2
  'archived'    undeclared     7  4, 7, 9, 12, 30
  ''            undeclared     1  8
  'Open'        undeclared     1  13
  'won''t fix'  undeclared     1  60
  NULL          no state       2  5, 16
not ok: 10 rows hold 4 undeclared values, 2 rows hold NULL
`, r.String())

		// Fixed, the column is reported OK.
		e.exec(t, `UPDATE tickets SET status = 'closed' WHERE status IN ('archived', 'won''t fix')`)
		e.exec(t, `UPDATE tickets SET status = 'open' WHERE status = 'Open' OR status = '' OR status IS NULL`)
		r, err = sqlstore.Survey(e.ctx, e.querier(), "tickets", "id", "status", adoptTickets)
		require.NoError(t, err)
		assert.True(t, r.OK())
		assert.Empty(t, r.Unknown)
		assert.Equal(t, `tickets.status (TicketState): 17 rows
  value      state    rows  first keys
  'open'     Open        7
  'pending'  Pending     0
  'closed'   Closed     10
ok: every row holds a declared state
`, r.String())
	})
}

// Integer states are compared as the integers the column holds.
func TestSurveyIntegerStates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := adoptEnv(t, db)
		r, err := sqlstore.Survey(e.ctx, e.querier(), "levels", "id", "level", adoptLevels)
		require.NoError(t, err)
		assert.Equal(t, &sqlstore.Report{
			Table: "levels", Column: "level", Type: "Level", Rows: 7,
			Counts: []sqlstore.Count{
				{Value: int64(1), Title: "Low", Rows: 2},
				{Value: int64(2), Title: "Medium", Rows: 0},
				{Value: int64(3), Title: "High", Rows: 1},
			},
			Unknown: []sqlstore.Unknown{
				{Value: int64(7), Rows: 3, Keys: []any{int64(4), int64(5), int64(6)}},
				{Value: int64(0), Rows: 1, Keys: []any{int64(7)}},
			},
		}, r)
		assert.Equal(t, `levels.level (Level): 7 rows
  value  state       rows  first keys
  1      Low            2
  2      Medium         0
  3      High           1
  7      undeclared     3  4, 5, 6
  0      undeclared     1  7
not ok: 4 rows hold 2 undeclared values
`, r.String())
	})
}

// What Survey calls undeclared is what a state field refuses when a model
// is loaded, row by row: an undeclared value, or NULL.
func TestSurveyAgreesWithLoading(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := adoptEnv(t, db)
		r, err := sqlstore.Survey(e.ctx, e.querier(), "tickets", "id", "status", adoptTickets)
		require.NoError(t, err)
		var refused int64
		for _, row := range adoptSeed {
			got, err := adoptTicketRows.Select(e.ctx, e.querier(), sqlexpr.Col("id").Eq(row.id), sqlstore.NoLock)
			switch row.status {
			case nil:
				require.ErrorIs(t, err, state.ErrNoState, "row %d", row.id)
				refused++
			case "open", "pending", "closed":
				require.NoError(t, err, "row %d", row.id)
				require.Len(t, got, 1)
				want := map[any]state.State[adoptStatus]{"open": adoptOpen, "pending": adoptPending, "closed": adoptClosed}[row.status]
				assert.Equal(t, want, got[0].Status)
			default:
				require.ErrorIs(t, err, state.ErrUnknownValue, "row %d", row.id)
				assert.Contains(t, err.Error(), fmt.Sprintf("%q", row.status))
				refused++
			}
		}
		unknown := r.Nulls
		for _, u := range r.Unknown {
			unknown += u.Rows
		}
		assert.Equal(t, refused, unknown)
	})
}

// Survey is refused a Querier no Store gave, and names the column it
// cannot read: a misspelt one is an error, never a column of strings
// (which SQLite makes of a double-quoted name that is no column).
func TestSurveyErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := adoptEnv(t, db)
		_, err := sqlstore.Survey(e.ctx, db.DB, "tickets", "id", "status", adoptTickets)
		assert.ErrorContains(t, err, "not one a Store gave")
		_, err = sqlstore.Survey(e.ctx, e.querier(), "tickets", "id", "stauts", adoptTickets)
		assert.ErrorContains(t, err, "surveying tickets.stauts")
		_, err = sqlstore.Survey(e.ctx, e.querier(), "tickets", "ident", "status", adoptTickets)
		assert.ErrorContains(t, err, "surveying tickets.status")
		_, err = sqlstore.Survey(e.ctx, e.querier(), "tickets", "id", "status", (*state.Type[adoptStatus])(nil))
		assert.ErrorContains(t, err, "nil state Type")
		_, err = sqlstore.Survey(e.ctx, e.querier(), "tickets", "id", "status", state.NewType[adoptStatus]("Empty"))
		assert.ErrorContains(t, err, "Empty declares no states")
	})
}

// sqlState returns the SQLSTATE of a PostgreSQL error, or "".
func sqlState(err error) string {
	var se interface{ SQLState() string }
	if errors.As(err, &se) {
		return se.SQLState()
	}
	return ""
}

// On PostgreSQL the constraint is added NOT VALID, which checks every
// write from then on, then validated: the validation fails while a row
// holds an undeclared value, and succeeds once it is fixed.
func TestConstraintOnPostgres(t *testing.T) {
	db := dbtest.Postgres(t)
	e := adoptEnv(t, db)
	validated := func(name string) bool {
		var ok bool
		require.NoError(t, db.QueryRowContext(e.ctx, `SELECT convalidated FROM pg_constraint WHERE conname = $1`, name).Scan(&ok))
		return ok
	}

	t.Run("strings", func(t *testing.T) {
		e.exec(t, `DELETE FROM tickets WHERE id NOT IN (2, 3, 4, 16)`) // open, closed, archived, NULL
		stmts, err := sqlstore.Constraint(sqlexpr.Postgres, "tickets", "status", "", adoptTickets)
		require.NoError(t, err)
		require.Equal(t, []string{
			`ALTER TABLE "tickets" ADD CONSTRAINT "tickets_status_check" CHECK ("status" IN ('open', 'pending', 'closed')) NOT VALID`,
			`ALTER TABLE "tickets" VALIDATE CONSTRAINT "tickets_status_check"`,
		}, stmts)

		e.exec(t, stmts[0])
		_, err = db.ExecContext(e.ctx, `INSERT INTO tickets (id, status) VALUES (200, 'archived')`)
		assert.Equal(t, "23514", sqlState(err), "a new row is checked at once: %v", err)
		_, err = db.ExecContext(e.ctx, stmts[1])
		require.Error(t, err)
		assert.Equal(t, "23514", sqlState(err))
		assert.Contains(t, err.Error(), `check constraint "tickets_status_check" of relation "tickets" is violated by some row`)
		assert.False(t, validated("tickets_status_check"))

		// The survey says which row to fix.
		r, err := sqlstore.Survey(e.ctx, e.querier(), "tickets", "id", "status", adoptTickets)
		require.NoError(t, err)
		require.Equal(t, []sqlstore.Unknown{{Value: "archived", Rows: 1, Keys: []any{int64(4)}}}, r.Unknown)
		e.exec(t, `UPDATE tickets SET status = 'closed' WHERE id = ?`, r.Unknown[0].Keys[0])

		e.exec(t, stmts[1])
		assert.True(t, validated("tickets_status_check"))
		_, err = db.ExecContext(e.ctx, `INSERT INTO tickets (id, status) VALUES (201, 'Open')`)
		assert.Equal(t, "23514", sqlState(err), "%v", err)
		e.exec(t, `INSERT INTO tickets (id, status) VALUES (202, 'pending')`)
		e.exec(t, `INSERT INTO tickets (id, status) VALUES (203, NULL)`) // a CHECK admits NULL
	})

	t.Run("integers", func(t *testing.T) {
		stmts, err := sqlstore.Constraint(sqlexpr.Postgres, "levels", "level", "levels_known", adoptLevels)
		require.NoError(t, err)
		require.Equal(t, []string{
			`ALTER TABLE "levels" ADD CONSTRAINT "levels_known" CHECK ("level" IN (1, 2, 3)) NOT VALID`,
			`ALTER TABLE "levels" VALIDATE CONSTRAINT "levels_known"`,
		}, stmts)
		e.exec(t, stmts[0])
		_, err = db.ExecContext(e.ctx, stmts[1])
		assert.Equal(t, "23514", sqlState(err), "%v", err)
		assert.Contains(t, err.Error(), `check constraint "levels_known" of relation "levels" is violated by some row`)
		e.exec(t, `UPDATE levels SET level = 3 WHERE level = 7`)
		e.exec(t, `UPDATE levels SET level = 1 WHERE level = 0`)
		e.exec(t, stmts[1])
		assert.True(t, validated("levels_known"))
		_, err = db.ExecContext(e.ctx, `INSERT INTO levels (id, level) VALUES (100, 4)`)
		assert.Equal(t, "23514", sqlState(err), "%v", err)
		e.exec(t, `INSERT INTO levels (id, level) VALUES (101, 2)`)
		r, err := sqlstore.Survey(e.ctx, e.querier(), "levels", "id", "level", adoptLevels)
		require.NoError(t, err)
		assert.True(t, r.OK())
		assert.Equal(t, []sqlstore.Count{
			{Value: int64(1), Title: "Low", Rows: 3}, {Value: int64(2), Title: "Medium", Rows: 1}, {Value: int64(3), Title: "High", Rows: 4},
		}, r.Counts)
	})

	t.Run("a qualified table and an enum column", func(t *testing.T) {
		var schema string
		require.NoError(t, db.QueryRowContext(e.ctx, `SELECT current_schema()`).Scan(&schema))
		enum, err := adoptTickets.CreateEnumType("ticket_status")
		require.NoError(t, err)
		e.exec(t, enum)
		e.exec(t, `ALTER TYPE ticket_status ADD VALUE 'archived'`) // the enum has drifted from the Type
		e.exec(t, `CREATE TABLE enum_tickets (id BIGINT PRIMARY KEY, status ticket_status NOT NULL)`)
		e.exec(t, `INSERT INTO enum_tickets (id, status) VALUES (1, 'open'), (2, 'archived'), (3, 'closed'), (4, 'archived')`)
		r, err := sqlstore.Survey(e.ctx, e.querier(), schema+".enum_tickets", "id", "status", adoptTickets)
		require.NoError(t, err)
		assert.Equal(t, []sqlstore.Count{
			{Value: "open", Title: "Open", Rows: 1}, {Value: "pending", Title: "Pending", Rows: 0}, {Value: "closed", Title: "Closed", Rows: 1},
		}, r.Counts)
		assert.Equal(t, []sqlstore.Unknown{{Value: "archived", Rows: 2, Keys: []any{int64(2), int64(4)}}}, r.Unknown)

		stmts, err := sqlstore.Constraint(sqlexpr.Postgres, schema+".enum_tickets", "status", "", adoptTickets)
		require.NoError(t, err)
		assert.Equal(t, `ALTER TABLE "`+schema+`"."enum_tickets" VALIDATE CONSTRAINT "enum_tickets_status_check"`, stmts[1])
		e.exec(t, stmts[0])
		_, err = db.ExecContext(e.ctx, stmts[1])
		assert.Equal(t, "23514", sqlState(err), "%v", err)
		e.exec(t, `DELETE FROM enum_tickets WHERE status = 'archived'`)
		e.exec(t, stmts[1])
	})
}

// SQLite cannot add a constraint to a table: Constraint says so, and the
// rebuild its documentation gives adds it, refusing to while a row holds
// an undeclared value.
func TestConstraintOnSQLite(t *testing.T) {
	_, err := sqlstore.Constraint(sqlexpr.SQLite, "tickets", "status", "", adoptTickets)
	require.EqualError(t, err, `sqlstore: SQLite cannot add a constraint to an existing table: rebuild "tickets" with `+
		`CHECK ("status" IN ('open', 'pending', 'closed')) on its column, as the documentation of sqlstore.Constraint shows`)

	db := dbtest.SQLite(t)
	e := adoptEnv(t, db)
	e.exec(t, `CREATE INDEX tickets_by_status ON tickets (status)`)
	check, err := adoptTickets.CheckConstraint(sqlexpr.SQLite, "status")
	require.NoError(t, err)

	// The documented rebuild, on one connection.
	rebuild := func() error {
		conn, err := db.Conn(e.ctx)
		require.NoError(t, err)
		defer conn.Close()
		run := func(q string) error {
			_, err := conn.ExecContext(e.ctx, q)
			return err
		}
		require.NoError(t, run(`PRAGMA foreign_keys = OFF`))
		defer func() { require.NoError(t, run(`PRAGMA foreign_keys = ON`)) }()
		require.NoError(t, run(`BEGIN IMMEDIATE`))
		var indexes []string
		rows, err := conn.QueryContext(e.ctx, `SELECT sql FROM sqlite_schema WHERE tbl_name = 'tickets' AND type = 'index' AND sql IS NOT NULL`)
		require.NoError(t, err)
		for rows.Next() {
			var q string
			require.NoError(t, rows.Scan(&q))
			indexes = append(indexes, q)
		}
		require.NoError(t, rows.Err())
		require.Equal(t, []string{`CREATE INDEX tickets_by_status ON tickets (status)`}, indexes)
		for _, q := range append([]string{
			`CREATE TABLE new_tickets (id BIGINT PRIMARY KEY, status TEXT NOT NULL ` + check + `)`,
			`INSERT INTO new_tickets (id, status) SELECT id, status FROM tickets`,
			`DROP TABLE tickets`,
			`ALTER TABLE new_tickets RENAME TO tickets`,
		}, indexes...) {
			if err := run(q); err != nil {
				require.NoError(t, run(`ROLLBACK`))
				return err
			}
		}
		rows, err = conn.QueryContext(e.ctx, `PRAGMA foreign_key_check`)
		require.NoError(t, err)
		require.False(t, rows.Next())
		rows.Close()
		return run(`COMMIT`)
	}

	err = rebuild()
	require.ErrorContains(t, err, "CHECK constraint failed")
	r, err := sqlstore.Survey(e.ctx, e.querier(), "tickets", "id", "status", adoptTickets)
	require.NoError(t, err)
	require.Len(t, r.Unknown, 4, "the old table is as it was")
	for _, u := range r.Unknown {
		for _, k := range u.Keys {
			e.exec(t, `UPDATE tickets SET status = 'closed' WHERE id = ?`, k)
		}
	}
	// The keys name only the first 5 of the 7 archived rows.
	e.exec(t, `UPDATE tickets SET status = 'closed' WHERE status = 'archived'`)
	// The new column is NOT NULL: the NULLs must go too.
	require.ErrorContains(t, rebuild(), "NOT NULL constraint failed")
	e.exec(t, `UPDATE tickets SET status = 'open' WHERE status IS NULL`)
	require.NoError(t, rebuild())

	r, err = sqlstore.Survey(e.ctx, e.querier(), "tickets", "id", "status", adoptTickets)
	require.NoError(t, err)
	assert.True(t, r.OK(), "%s", r)
	assert.Equal(t, int64(17), r.Rows)
	_, err = db.ExecContext(e.ctx, `INSERT INTO tickets (id, status) VALUES (200, 'archived')`)
	assert.ErrorContains(t, err, "CHECK constraint failed")
	e.exec(t, `INSERT INTO tickets (id, status) VALUES (201, 'pending')`)
	var n int
	require.NoError(t, db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE name = 'tickets_by_status'`).Scan(&n))
	assert.Equal(t, 1, n, "the index is there again")
}

// Constraint supports the dialects a Store does.
func TestConstraintDialects(t *testing.T) {
	_, err := sqlstore.Constraint(sqlexpr.MySQL, "tickets", "status", "", adoptTickets)
	assert.ErrorContains(t, err, `dialect "mysql" is not supported`)
	_, err = sqlstore.Constraint(sqlexpr.Dialect{}, "tickets", "status", "", adoptTickets)
	assert.ErrorContains(t, err, "is not supported")
	_, err = sqlstore.Constraint(sqlexpr.Postgres, "tickets", "status", "", state.NewType[adoptLevel]("Empty"))
	assert.ErrorContains(t, err, "Empty declares no states")
	stmts, err := sqlstore.Constraint(sqlexpr.Postgres, `legacy.odd"name`, "status", `say "when"`, adoptTickets)
	require.NoError(t, err)
	assert.Equal(t, []string{
		`ALTER TABLE "legacy"."odd""name" ADD CONSTRAINT "say ""when""" CHECK ("status" IN ('open', 'pending', 'closed')) NOT VALID`,
		`ALTER TABLE "legacy"."odd""name" VALIDATE CONSTRAINT "say ""when"""`,
	}, stmts)
}
