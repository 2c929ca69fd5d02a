package sqlstore_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/conformance"
	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// What a Report shows of values that are not short printable text: text
// cut after 40 bytes where a character starts, text that is not
// printable quoted as Go quotes it, binary values in hex, times.
func TestSurveyShowsOddValues(t *testing.T) {
	db := dbtest.SQLite(t)
	st, err := sqlstore.New(db.DB, db.Dialect, NewRepo, nil)
	require.NoError(t, err)
	e := &env{DB: db, store: st, ctx: context.Background()}
	e.exec(t, `CREATE TABLE odd (id INTEGER PRIMARY KEY, status TEXT)`)
	e.exec(t, `CREATE TABLE stamps (id INTEGER PRIMARY KEY, status TIMESTAMP)`)
	for i, v := range []any{
		"open",
		strings.Repeat("a", 39) + "é" + "tail", // é straddles the 40th byte
		"\x01" + strings.Repeat("b", 44),       // not printable
		strings.Repeat("\x80", 45),             // no character starts in it
		[]byte{0, 0xff},
		bytes.Repeat([]byte{0xab}, 25),
	} {
		e.exec(t, `INSERT INTO odd (id, status) VALUES (?, ?)`, i+1, v)
	}
	r, err := sqlstore.Survey(e.ctx, e.querier(), "odd", "id", "status", adoptTickets)
	require.NoError(t, err)
	assert.Equal(t, `odd.status (TicketState): 6 rows
  value                                             state       rows  first keys
  'open'                                            Open           1
  'pending'                                         Pending        0
  'closed'                                          Closed         0
  "\x01bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"...  undeclared     1  3
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'...      undeclared     1  2
  ''...                                             undeclared     1  4
  x'00ff'                                           undeclared     1  5
  x'ababababababababababababababababababab...       undeclared     1  6
not ok: 5 rows hold 5 undeclared values
`, r.String())

	noon := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for i, at := range []time.Time{noon, noon.Add(time.Hour), noon} {
		e.exec(t, `INSERT INTO stamps (id, status) VALUES (?, ?)`, i+1, at)
	}
	r, err = sqlstore.Survey(e.ctx, e.querier(), "stamps", "id", "status", adoptTickets)
	require.NoError(t, err)
	require.Len(t, r.Unknown, 2)
	for i, want := range []sqlstore.Unknown{
		{Value: noon, Rows: 2, Keys: []any{int64(1), int64(3)}},
		{Value: noon.Add(time.Hour), Rows: 1, Keys: []any{int64(2)}},
	} {
		got := r.Unknown[i]
		require.IsType(t, time.Time{}, got.Value)
		assert.True(t, want.Value.(time.Time).Equal(got.Value.(time.Time)), "%v", got.Value)
		assert.Equal(t, want.Rows, got.Rows)
		assert.Equal(t, want.Keys, got.Keys)
	}
	assert.Contains(t, r.String(), "\n  '2026-11-28T12:00:00Z'  undeclared     2  1, 3\n  '2026-11-28T13:00:00Z'  undeclared     1  2\n")
}

// Values found as often are ordered by type, then by value: false before
// true.
func TestCompareValuesOrdersBooleans(t *testing.T) {
	assert.Equal(t, 0, sqlstore.CompareValues(true, true))
	assert.Equal(t, 0, sqlstore.CompareValues(false, false))
	assert.Equal(t, -1, sqlstore.CompareValues(false, true))
	assert.Equal(t, 1, sqlstore.CompareValues(true, false))
	assert.Equal(t, -1, sqlstore.CompareValues(true, int64(0)), "booleans before integers")
}
