package sqlstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/transition"
)

// drain empties afterCommitCalls and returns what it held.
func drain() []string {
	var out []string
	for {
		select {
		case s := <-afterCommitCalls:
			out = append(out, s)
		default:
			return out
		}
	}
}

// Inside the caller's own transaction: each transition in a savepoint, a
// conflict that leaves the caller's transaction usable, after-commit
// hooks only once the caller has committed.
func TestInCallersTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := setup(t, db, nil)
		drain()
		p := e.project(t, "Roof", Draft, 0)
		other := e.project(t, "Shed", Draft, 0)
		stale := *other
		_, err := Rename.Fire(e.ctx, e.store, bob, other, RenameInput{Title: "Hut"})
		require.NoError(t, err)

		tx, err := e.BeginTx(e.ctx, nil)
		require.NoError(t, err)
		in := e.store.In(tx)
		_, err = Publish.Fire(e.ctx, in, alice, p, transition.NoInput{})
		require.NoError(t, err)
		assert.Empty(t, drain(), "no after-commit hook before the caller commits")

		_, err = Publish.Fire(e.ctx, in, alice, &stale, transition.NoInput{})
		require.ErrorIs(t, err, transition.ErrConflict)
		_, err = Publish.Fire(e.ctx, in, alice, &stale, transition.NoInput{})
		require.ErrorIs(t, err, transition.ErrConflict, "never retried in the caller's transaction, and its savepoint is gone")

		// The caller's transaction is still usable (on PostgreSQL a failed
		// statement outside a savepoint would have aborted it).
		_, err = tx.ExecContext(e.ctx, e.rebind(`UPDATE projects SET title = ? WHERE id = ?`), "Roof 2", p.ID)
		require.NoError(t, err)
		require.NoError(t, tx.Commit())
		assert.Empty(t, drain(), "still none: the caller runs them")
		require.NoError(t, in.AfterCommit(e.ctx))
		assert.Equal(t, []string{"publish " + itoa(p.ID)}, drain())
		require.NoError(t, in.AfterCommit(e.ctx))
		assert.Empty(t, drain(), "once")

		assert.Equal(t, &Project{ID: p.ID, Title: "Roof 2", Status: Published, Version: 1}, e.loadProject(t, p.ID))
		assert.Equal(t, Draft, e.loadProject(t, other.ID).Status)
		h := e.history(t)
		require.Len(t, h, 2, "rename, publish")
		assert.Equal(t, "publish", h[1].Transition)

		// The caller rolls back: nothing of the transition is kept, and its
		// after-commit hooks are dropped with the Store.
		tx, err = e.BeginTx(e.ctx, nil)
		require.NoError(t, err)
		in = e.store.In(tx)
		p2 := e.project(t, "Barn", Draft, 2)
		_, err = DeleteProject.Fire(e.ctx, in, alice, p2, transition.NoInput{})
		require.NoError(t, err)
		require.NoError(t, tx.Rollback())
		assert.Empty(t, drain())
		assert.Equal(t, Draft, e.loadProject(t, p2.ID).Status)
		for _, task := range e.tasks(t, p2.ID) {
			assert.Equal(t, Open, task.Status)
		}
		assert.Len(t, e.history(t), 2)
	})
}

// After-commit hooks run once after a commit, never after a rollback or a
// conflict.
func TestAfterCommitOnlyAfterCommit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := setup(t, db, nil)
		drain()
		p := e.project(t, "Roof", Draft, 0)
		stale := *p
		_, err := Publish.Fire(e.ctx, e.store, alice, p, transition.NoInput{})
		require.NoError(t, err)
		assert.Equal(t, []string{"publish " + itoa(p.ID)}, drain())
		_, err = Unpublish.Fire(e.ctx, e.store, alice, p, transition.NoInput{})
		require.NoError(t, err)
		_, err = Publish.Fire(e.ctx, e.store, alice, &stale, transition.NoInput{})
		require.ErrorIs(t, err, transition.ErrConflict)
		assert.Empty(t, drain(), "not after a conflict")

		ctx, cancel := context.WithCancel(e.ctx)
		cancel()
		_, err = Publish.Fire(ctx, e.store, alice, p, transition.NoInput{})
		require.ErrorIs(t, err, context.Canceled)
		assert.Empty(t, drain(), "not after a cancelled unit of work")
		assert.Equal(t, Draft, e.loadProject(t, p.ID).Status)
	})
}
