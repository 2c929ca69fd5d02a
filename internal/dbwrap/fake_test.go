package dbwrap_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/dbwrap"
)

var errBoom = errors.New("boom")

// Two drivers with none of the optional interfaces: "dbwrap-minimal" runs
// statements only through Prepare, and "dbwrap-declining" has ExecContext
// and QueryContext that always decline with driver.ErrSkip.
func init() {
	sql.Register("dbwrap-minimal", fakeDriver{})
	sql.Register("dbwrap-declining", fakeDriver{decline: true})
}

type fakeDriver struct{ decline bool }

func (d fakeDriver) Open(string) (driver.Conn, error) {
	if d.decline {
		return decliningConn{}, nil
	}
	return fakeConn{}, nil
}

type fakeConn struct{}

func (fakeConn) Prepare(string) (driver.Stmt, error) { return fakeStmt{}, nil }
func (fakeConn) Close() error                        { return nil }
func (fakeConn) Begin() (driver.Tx, error)           { return fakeTx{}, nil }

type decliningConn struct{ fakeConn }

func (decliningConn) ExecContext(context.Context, string, []driver.NamedValue) (driver.Result, error) {
	return nil, driver.ErrSkip
}

func (decliningConn) QueryContext(context.Context, string, []driver.NamedValue) (driver.Rows, error) {
	return nil, driver.ErrSkip
}

type fakeStmt struct{}

func (fakeStmt) Close() error                               { return nil }
func (fakeStmt) NumInput() int                              { return -1 }
func (fakeStmt) Exec([]driver.Value) (driver.Result, error) { return driver.RowsAffected(1), nil }
func (fakeStmt) Query([]driver.Value) (driver.Rows, error)  { return &fakeRows{}, nil }
func (fakeTx) Commit() error                                { return nil }
func (fakeTx) Rollback() error                              { return nil }
func (*fakeRows) Columns() []string                         { return []string{"n"} }
func (*fakeRows) Close() error                              { return nil }

type fakeTx struct{}

type fakeRows struct{ done bool }

func (r *fakeRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done = true
	dest[0] = int64(7)
	return nil
}

// TestFallbacks checks statements on drivers that cannot, or will not, run
// them directly: database/sql prepares them, the wrapper counts each once
// as Exec or Query plus a Prepare, and Fail sees each once.
func TestFallbacks(t *testing.T) {
	E, Q, P := dbwrap.Exec, dbwrap.Query, dbwrap.Prepare
	for _, c := range []struct {
		driver string
		seen   []dbwrap.Op // by Fail
	}{
		{"dbwrap-minimal", []dbwrap.Op{{P, "UPDATE x"}, {E, "UPDATE x"}, {P, "SELECT n"}, {Q, "SELECT n"}}},
		{"dbwrap-declining", []dbwrap.Op{{E, "UPDATE x"}, {P, "UPDATE x"}, {Q, "SELECT n"}, {P, "SELECT n"}}},
	} {
		t.Run(c.driver, func(t *testing.T) {
			var seen []dbwrap.Op
			w := &dbwrap.Wrapper{Record: true, Fail: func(op dbwrap.Op) error {
				seen = append(seen, op)
				return nil
			}}
			db, err := dbwrap.Open(c.driver, "", w)
			require.NoError(t, err)
			defer db.Close()
			db.SetMaxOpenConns(1)

			_, err = db.Exec("UPDATE x", 1)
			require.NoError(t, err)
			var n int
			require.NoError(t, db.QueryRow("SELECT n").Scan(&n))
			assert.Equal(t, 7, n)
			assert.Equal(t, c.seen, seen)
			assert.Equal(t, []dbwrap.Op{{P, "UPDATE x"}, {E, "UPDATE x"}, {P, "SELECT n"}, {Q, "SELECT n"}}, w.Log())
			assert.Equal(t, int64(2), w.Count())
			assert.Equal(t, int64(2), w.Count(P))

			// The default converter applies, as it would to the driver itself.
			_, err = db.Exec("UPDATE x", []int64{1})
			assert.ErrorContains(t, err, "converting argument")

			// A driver without BeginTx supports only default transactions.
			_, err = db.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
			assert.ErrorContains(t, err, "read-only")
			tx, err := db.Begin()
			require.NoError(t, err)
			require.NoError(t, tx.Commit())
			assert.Equal(t, int64(1), w.Count(dbwrap.Begin))
		})
	}
}

// TestFailAtDeclined checks that FailAt fails the right statement when the
// driver declines statements: Fail sees the declined statement once, not
// again when database/sql runs it prepared.
func TestFailAtDeclined(t *testing.T) {
	for _, name := range []string{"dbwrap-minimal", "dbwrap-declining"} {
		t.Run(name, func(t *testing.T) {
			w := &dbwrap.Wrapper{Fail: dbwrap.FailAt(dbwrap.Exec, "UPDATE", 2, errBoom)}
			db, err := dbwrap.Open(name, "", w)
			require.NoError(t, err)
			defer db.Close()
			_, err = db.Exec("UPDATE x")
			require.NoError(t, err)
			_, err = db.Exec("UPDATE x")
			require.ErrorIs(t, err, errBoom)
			_, err = db.Exec("UPDATE x")
			require.NoError(t, err)
			assert.Equal(t, int64(2), w.Count(dbwrap.Exec))
		})
	}
}
