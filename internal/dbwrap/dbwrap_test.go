package dbwrap_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/internal/dbwrap"
)

// each runs f against SQLite and, when configured, PostgreSQL, both opened
// through w.
func each(t *testing.T, w func() *dbwrap.Wrapper, f func(t *testing.T, db *dbtest.DB, w *dbwrap.Wrapper)) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			w := w()
			f(t, dbtest.Wrapped(t, name, w), w)
		})
	}
}

// ph numbers the ? placeholders of query for PostgreSQL.
func ph(db *dbtest.DB, query string) string {
	if db.Name != "postgres" {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func rowCount(t *testing.T, db *dbtest.DB, table string) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM `+table).Scan(&n))
	return n
}

func kinds(ops []dbwrap.Op) []dbwrap.Kind {
	var ks []dbwrap.Kind
	for _, op := range ops {
		ks = append(ks, op.Kind)
	}
	return ks
}

func TestCounts(t *testing.T) {
	each(t, func() *dbwrap.Wrapper { return &dbwrap.Wrapper{Record: true} }, func(t *testing.T, db *dbtest.DB, w *dbwrap.Wrapper) {
		db.SetMaxOpenConns(1) // prepared statements stay prepared on their one connection
		_, err := db.Exec(`CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)`)
		require.NoError(t, err)
		assert.Equal(t, int64(1), w.Count(dbwrap.Exec))
		w.Reset()
		assert.Zero(t, w.Count())
		assert.Empty(t, w.Log())

		insert := ph(db, `INSERT INTO item (id, name) VALUES (?, ?)`)
		_, err = db.Exec(insert, 1, "a")
		require.NoError(t, err)
		_, err = db.Exec(insert, 2, "b")
		require.NoError(t, err)
		rows, err := db.Query(`SELECT id FROM item ORDER BY id`)
		require.NoError(t, err)
		n := 0
		for rows.Next() {
			n++
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		assert.Equal(t, 2, n)
		var name string
		require.NoError(t, db.QueryRow(ph(db, `SELECT name FROM item WHERE id = ?`), 1).Scan(&name))
		assert.Equal(t, "a", name)
		assert.Equal(t, int64(4), w.Count())

		tx, err := db.Begin()
		require.NoError(t, err)
		_, err = tx.Exec(insert, 3, "c")
		require.NoError(t, err)
		require.NoError(t, tx.QueryRow(ph(db, `SELECT name FROM item WHERE id = ?`), 3).Scan(&name))
		require.NoError(t, tx.Commit())

		tx, err = db.Begin()
		require.NoError(t, err)
		_, err = tx.Exec(insert, 4, "d")
		require.NoError(t, err)
		require.NoError(t, tx.Rollback())

		stmt, err := db.Prepare(insert)
		require.NoError(t, err)
		_, err = stmt.Exec(5, "e")
		require.NoError(t, err)
		_, err = stmt.Exec(6, "f")
		require.NoError(t, err)
		require.NoError(t, stmt.Close())
		stmt, err = db.Prepare(`SELECT count(*) FROM item`)
		require.NoError(t, err)
		require.NoError(t, stmt.QueryRow().Scan(&n))
		require.NoError(t, stmt.Close())
		assert.Equal(t, 5, n)

		assert.Equal(t, int64(2), w.Count(dbwrap.Begin))
		assert.Equal(t, int64(1), w.Count(dbwrap.Commit))
		assert.Equal(t, int64(1), w.Count(dbwrap.Rollback))
		assert.Equal(t, int64(6), w.Count(dbwrap.Exec))
		assert.Equal(t, int64(4), w.Count(dbwrap.Query))
		assert.Equal(t, int64(2), w.Count(dbwrap.Prepare))
		assert.Equal(t, int64(10), w.Count(dbwrap.Exec, dbwrap.Query))
		assert.Equal(t, int64(14), w.Count(), "every statement but the Prepares")

		B, C, R, E, Q, P := dbwrap.Begin, dbwrap.Commit, dbwrap.Rollback, dbwrap.Exec, dbwrap.Query, dbwrap.Prepare
		assert.Equal(t, []dbwrap.Kind{E, E, Q, Q, B, E, Q, C, B, E, R, P, E, E, P, Q}, kinds(w.Log()))
		assert.Equal(t, dbwrap.Op{Kind: E, Query: insert}, w.Log()[0])
		assert.Equal(t, "exec "+insert, w.Log()[0].String())
		assert.Equal(t, "commit", w.Log()[7].String())

		w.Reset()
		assert.Zero(t, w.Count(B, C, R, E, Q, P))
		assert.Empty(t, w.Log())
	})
}

// TestPgxArguments passes values database/sql's default converter rejects,
// which pgx accepts through its NamedValueChecker, directly and through a
// prepared statement (pgx checks on the connection, not the statement).
func TestPgxArguments(t *testing.T) {
	_, err := driver.DefaultParameterConverter.ConvertValue([]int64{1})
	require.Error(t, err, "the default converter must reject []int64 for this test to prove anything")

	w := &dbwrap.Wrapper{}
	db := dbtest.Wrapped(t, "postgres", w)
	_, err = db.Exec(`CREATE TABLE t (id bigint PRIMARY KEY, tags bigint[], at timestamptz)`)
	require.NoError(t, err)
	at := time.Date(2024, 2, 29, 12, 30, 0, 0, time.UTC)
	_, err = db.Exec(`INSERT INTO t VALUES ($1, $2, $3)`, 1, []int64{1, 2, 3}, at)
	require.NoError(t, err)
	stmt, err := db.Prepare(`INSERT INTO t VALUES ($1, $2, $3)`)
	require.NoError(t, err)
	defer stmt.Close()
	_, err = stmt.Exec(2, []int64{4}, at.Add(time.Hour))
	require.NoError(t, err)

	rows, err := db.Query(`SELECT array_to_string(tags, ','), at FROM t WHERE tags && $1 ORDER BY id`, []int64{1, 4})
	require.NoError(t, err)
	defer rows.Close()
	var got []string
	for rows.Next() {
		var tags string
		var when time.Time
		require.NoError(t, rows.Scan(&tags, &when))
		got = append(got, tags+"@"+when.UTC().Format(time.RFC3339))
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{"1,2,3@2024-02-29T12:30:00Z", "4@2024-02-29T13:30:00Z"}, got)
	assert.Equal(t, int64(4), w.Count(dbwrap.Exec, dbwrap.Query))
}

func TestFailNthInsertLeavesTxRollbackable(t *testing.T) {
	each(t, func() *dbwrap.Wrapper {
		return &dbwrap.Wrapper{Fail: dbwrap.FailAt(dbwrap.Exec, "INSERT INTO item", 3, errBoom)}
	}, func(t *testing.T, db *dbtest.DB, w *dbwrap.Wrapper) {
		_, err := db.Exec(`CREATE TABLE item (id INTEGER PRIMARY KEY)`)
		require.NoError(t, err)
		insert := ph(db, `INSERT INTO item (id) VALUES (?)`)

		tx, err := db.Begin()
		require.NoError(t, err)
		for i := 1; i <= 2; i++ {
			_, err = tx.Exec(insert, i)
			require.NoError(t, err)
		}
		_, err = tx.Exec(insert, 3)
		require.ErrorIs(t, err, errBoom)
		require.NoError(t, tx.Rollback())
		assert.Equal(t, 0, rowCount(t, db, "item"))
		assert.Equal(t, int64(3), w.Count(dbwrap.Exec), "the CREATE and two INSERTs; not the refused one")
		assert.Equal(t, int64(1), w.Count(dbwrap.Rollback))

		_, err = db.Exec(insert, 4) // only the third fails
		require.NoError(t, err)
		assert.Equal(t, 1, rowCount(t, db, "item"))
	})
}

func TestFailCommit(t *testing.T) {
	errCommit := errors.New("commit failed")
	each(t, func() *dbwrap.Wrapper {
		return &dbwrap.Wrapper{Fail: dbwrap.FailAt(dbwrap.Commit, "", 1, errCommit)}
	}, func(t *testing.T, db *dbtest.DB, w *dbwrap.Wrapper) {
		db.SetMaxOpenConns(1) // so the next transaction runs on the connection the failed one used
		_, err := db.Exec(`CREATE TABLE item (id INTEGER PRIMARY KEY)`)
		require.NoError(t, err)
		insert := ph(db, `INSERT INTO item (id) VALUES (?)`)

		tx, err := db.Begin()
		require.NoError(t, err)
		_, err = tx.Exec(insert, 1)
		require.NoError(t, err)
		require.ErrorIs(t, tx.Commit(), errCommit)
		assert.ErrorIs(t, tx.Rollback(), sql.ErrTxDone)
		assert.Zero(t, w.Count(dbwrap.Commit, dbwrap.Rollback), "the refused Commit, and the rollback it makes, are not counted")
		assert.Equal(t, 0, rowCount(t, db, "item"), "a failed commit rolls back")

		tx, err = db.Begin()
		require.NoError(t, err, "the connection is clean again")
		_, err = tx.Exec(insert, 2)
		require.NoError(t, err)
		require.NoError(t, tx.Commit())
		assert.Equal(t, 1, rowCount(t, db, "item"))
		assert.Equal(t, int64(1), w.Count(dbwrap.Commit))
	})
}

// TestClosedUnderIt fails every operation from some point on, as a database
// closed under the code would, and checks database/sql returns the error at
// once instead of retrying on fresh connections as it does on ErrBadConn.
func TestClosedUnderIt(t *testing.T) {
	errClosed := errors.New("database closed")
	var closed atomic.Bool
	var refused atomic.Int64
	each(t, func() *dbwrap.Wrapper {
		closed.Store(false)
		refused.Store(0)
		return &dbwrap.Wrapper{Fail: func(op dbwrap.Op) error {
			if closed.Load() {
				refused.Add(1)
				return errClosed
			}
			return nil
		}}
	}, func(t *testing.T, db *dbtest.DB, w *dbwrap.Wrapper) {
		_, err := db.Exec(`CREATE TABLE item (id INTEGER PRIMARY KEY)`)
		require.NoError(t, err)
		tx, err := db.Begin()
		require.NoError(t, err)
		w.Reset()
		closed.Store(true)

		_, err = tx.Exec(ph(db, `INSERT INTO item (id) VALUES (?)`), 1)
		require.ErrorIs(t, err, errClosed)
		require.ErrorIs(t, tx.Commit(), errClosed)
		_, err = db.Exec(ph(db, `INSERT INTO item (id) VALUES (?)`), 2)
		require.ErrorIs(t, err, errClosed)
		_, err = db.Begin()
		require.ErrorIs(t, err, errClosed)
		var n int
		require.ErrorIs(t, db.QueryRow(`SELECT count(*) FROM item`).Scan(&n), errClosed)
		assert.Equal(t, int64(5), refused.Load(), "each operation tried once")
		assert.Zero(t, w.Count())

		closed.Store(false)
		assert.Equal(t, 0, rowCount(t, db, "item"))
	})
}

func TestConcurrent(t *testing.T) {
	const goroutines, iterations = 16, 20
	each(t, func() *dbwrap.Wrapper {
		return &dbwrap.Wrapper{Record: true, Fail: dbwrap.FailAt(dbwrap.Exec, "INSERT INTO item (id) VALUES", 50, errBoom)}
	}, func(t *testing.T, db *dbtest.DB, w *dbwrap.Wrapper) {
		_, err := db.Exec(`CREATE TABLE item (id INTEGER PRIMARY KEY, tx INTEGER)`)
		require.NoError(t, err)
		w.Reset()
		insert := ph(db, `INSERT INTO item (id) VALUES (?)`)
		insertTx := ph(db, `INSERT INTO item (id, tx) VALUES (?, 1)`)

		var failed atomic.Int64
		errs := make(chan error, goroutines)
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				errs <- func() error {
					for i := range iterations {
						id := g*1000 + i
						if _, err := db.Exec(insert, id); errors.Is(err, errBoom) {
							failed.Add(1)
						} else if err != nil {
							return err
						}
						var n int
						if err := db.QueryRow(`SELECT count(*) FROM item`).Scan(&n); err != nil {
							return err
						}
						if i%5 == 0 {
							tx, err := db.BeginTx(context.Background(), nil)
							if err != nil {
								return err
							}
							if _, err := tx.Exec(insertTx, id+500); err != nil {
								tx.Rollback()
								return err
							}
							if err := tx.Commit(); err != nil {
								return err
							}
						}
					}
					return nil
				}()
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}

		txs := int64(goroutines * iterations / 5)
		assert.Equal(t, int64(1), failed.Load(), "exactly one INSERT refused")
		assert.Equal(t, int64(goroutines*iterations-1)+txs, w.Count(dbwrap.Exec))
		assert.Equal(t, int64(goroutines*iterations), w.Count(dbwrap.Query))
		assert.Equal(t, txs, w.Count(dbwrap.Begin))
		assert.Equal(t, txs, w.Count(dbwrap.Commit))
		assert.Zero(t, w.Count(dbwrap.Rollback, dbwrap.Prepare))
		assert.Len(t, w.Log(), int(w.Count()))
		assert.Equal(t, goroutines*iterations-1+int(txs), rowCount(t, db, "item"))
	})
}

func TestKindString(t *testing.T) {
	assert.Equal(t, "begin", dbwrap.Begin.String())
	assert.Equal(t, "prepare", dbwrap.Prepare.String())
	assert.Equal(t, "Kind(0)", dbwrap.Kind(0).String())
}

func TestOpenErrors(t *testing.T) {
	_, err := dbwrap.Open("no-such-driver", "", &dbwrap.Wrapper{})
	assert.Error(t, err)
	_, err = dbwrap.Open("sqlite", ":memory:", nil)
	assert.Error(t, err)
}
