package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/conformance"
	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/internal/dbwrap"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
)

// A serialization failure (SQLSTATE 40001) is a conflict, and in the
// caller's transaction it leaves the transaction usable.
func TestSerializationFailureIsAConflict(t *testing.T) {
	e := setup(t, dbtest.Postgres(t), nil)
	p := e.project(t, "Roof", Draft, 0)
	first, err := e.BeginTx(e.ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	require.NoError(t, err)
	second, err := e.BeginTx(e.ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	require.NoError(t, err)
	defer second.Rollback()
	_, err = second.ExecContext(e.ctx, `SELECT 1 FROM projects`) // its snapshot is taken
	require.NoError(t, err)

	mine, theirs := *p, *p
	err = Rename.Fire(e.ctx, e.store.In(first), Alice, &mine, RenameInput{Title: "Attic"})
	require.NoError(t, err)
	require.NoError(t, first.Commit())

	err = Rename.Fire(e.ctx, e.store.In(second), Bob, &theirs, RenameInput{Title: "Cellar"})
	var ce *transition.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "40001", sqlState(ce.Err), "%v", err)
	assert.Equal(t, *p, theirs, "the model is as it was")
	_, err = second.ExecContext(e.ctx, `SELECT 1`)
	assert.NoError(t, err, "the caller's transaction is usable: the savepoint was rolled back")
}

// A deadlock (SQLSTATE 40P01) is a conflict.
func TestDeadlockIsAConflict(t *testing.T) {
	e := setup(t, dbtest.Postgres(t), nil)
	p, q := e.project(t, "Roof", Draft, 0), e.project(t, "Shed", Draft, 0)
	a, err := e.BeginTx(e.ctx, nil)
	require.NoError(t, err)
	defer a.Rollback()
	b, err := e.BeginTx(e.ctx, nil)
	require.NoError(t, err)
	defer b.Rollback()
	_, err = a.ExecContext(e.ctx, `UPDATE projects SET title = title WHERE id = $1`, p.ID)
	require.NoError(t, err)
	_, err = b.ExecContext(e.ctx, `UPDATE projects SET title = title WHERE id = $1`, q.ID)
	require.NoError(t, err)

	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() {
		errs[0] = Rename.Fire(e.ctx, e.store.In(a), Alice, &Project{ID: q.ID, Title: "Shed", Status: Draft}, RenameInput{Title: "x"})
	})
	time.Sleep(100 * time.Millisecond) // a waits for b's row
	wg.Go(func() {
		errs[1] = Rename.Fire(e.ctx, e.store.In(b), Bob, &Project{ID: p.ID, Title: "Roof", Status: Draft}, RenameInput{Title: "y"})
	})
	time.Sleep(1500 * time.Millisecond) // the server's deadlock_timeout is 1s: one of them is chosen
	require.NoError(t, a.Rollback())
	require.NoError(t, b.Rollback())
	wg.Wait()
	var deadlocked int
	for _, err := range errs {
		var ce *transition.ConflictError
		if errors.As(err, &ce) && sqlState(ce.Err) == "40P01" {
			deadlocked++
		}
	}
	assert.Equal(t, 1, deadlocked, "one is the deadlock's victim, reported as a conflict: %v", errs)
}

// A busy SQLite database is waited out, never reported as a conflict,
// even without a busy timeout in the DSN.
func TestSQLiteBusyIsWaitedOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busy.db")
	raw, err := sql.Open("sqlite", "file:"+path) // no busy timeout
	require.NoError(t, err)
	t.Cleanup(func() { raw.Close() })
	e := setup(t, &dbtest.DB{DB: raw, Name: "sqlite", Dialect: sqlexpr.SQLite}, nil)
	p := e.project(t, "Roof", Draft, 0)

	other, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	defer other.Close()
	conn, err := other.Conn(e.ctx)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(e.ctx, `BEGIN IMMEDIATE`) // another writer holds the database
	require.NoError(t, err)
	released := make(chan struct{})
	go func() {
		time.Sleep(300 * time.Millisecond)
		_, err := conn.ExecContext(context.Background(), `COMMIT`)
		assert.NoError(t, err)
		close(released)
	}()
	err = Publish.Fire(e.ctx, e.store, Alice, p, transition.NoInput{})
	require.NoError(t, err, "waited for the other writer")
	select {
	case <-released:
	default:
		t.Fatal("the transition committed while another writer held the database")
	}
	assert.Equal(t, Published, e.loadProject(t, p.ID).Status)

	// Waiting ends with the context: a clear error, not a conflict.
	_, err = conn.ExecContext(e.ctx, `BEGIN IMMEDIATE`)
	require.NoError(t, err)
	defer conn.ExecContext(context.Background(), `ROLLBACK`)
	ctx, cancel := context.WithTimeout(e.ctx, 100*time.Millisecond)
	defer cancel()
	err = Unpublish.Fire(ctx, e.store, Alice, p, transition.NoInput{})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, transition.ErrConflict)
}

// The database goes away under a transition (every operation fails from
// the history on): the error says so, and rows and history are as they
// were once it is back.
func TestDatabaseClosedUnderIt(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			w := &dbwrap.Wrapper{}
			e := setup(t, dbtest.Wrapped(t, name, w), nil)
			p := e.project(t, "Roof", Draft, 3)
			before := e.raw(t)
			closed := errors.New("connection closed")
			var gone bool
			var mu sync.Mutex
			w.Fail = func(op dbwrap.Op) error {
				mu.Lock()
				defer mu.Unlock()
				if strings.Contains(op.Query, "statecraft_history") {
					gone = true
				}
				if gone {
					return closed
				}
				return nil
			}
			err := DeleteProject.Fire(e.ctx, e.store, Alice, p, transition.NoInput{})
			require.ErrorIs(t, err, closed)
			assert.Contains(t, err.Error(), "appending the history")
			assert.Equal(t, Draft, p.Status)
			w.Fail = nil
			assert.Equal(t, before, e.raw(t))
		})
	}
}

// An error from COMMIT leaves the outcome unknown: the error says so, and
// no after-commit hook runs.
func TestCommitErrorIsAnUnknownOutcome(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			w := &dbwrap.Wrapper{}
			e := setup(t, dbtest.Wrapped(t, name, w), nil)
			Drain()
			p := e.project(t, "Roof", Draft, 0)
			lost := errors.New("connection lost during commit")
			w.Fail = func(op dbwrap.Op) error {
				if op.Kind == dbwrap.Commit || op.Query == "COMMIT" {
					return lost
				}
				return nil
			}
			err := Publish.Fire(e.ctx, e.store, Alice, p, transition.NoInput{})
			w.Fail = nil
			require.ErrorIs(t, err, transition.ErrCommit)
			require.ErrorIs(t, err, lost)
			assert.Contains(t, err.Error(), "the outcome is unknown")
			assert.Empty(t, Drain(), "no after-commit hook")
			assert.Equal(t, Draft, p.Status, "the model is as it was read")
		})
	}
}
