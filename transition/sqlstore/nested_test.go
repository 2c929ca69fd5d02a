package sqlstore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/conformance"
	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/transition"
)

// Inside the caller's own transaction: each transition in a savepoint, a
// conflict that leaves the caller's transaction usable, after-commit
// hooks only once the caller has committed.
func TestInCallersTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := setup(t, db, nil)
		Drain()
		p := e.project(t, "Roof", Draft, 0)
		other := e.project(t, "Shed", Draft, 0)
		stale := *other
		err := Rename.Fire(e.ctx, e.store, Bob, other, RenameInput{Title: "Hut"})
		require.NoError(t, err)

		tx, err := e.BeginTx(e.ctx, nil)
		require.NoError(t, err)
		in := e.store.In(tx)
		err = Publish.Fire(e.ctx, in, Alice, p, transition.NoInput{})
		require.NoError(t, err)
		assert.Empty(t, Drain(), "no after-commit hook before the caller commits")

		err = Publish.Fire(e.ctx, in, Alice, &stale, transition.NoInput{})
		require.ErrorIs(t, err, transition.ErrConflict)
		err = Publish.Fire(e.ctx, in, Alice, &stale, transition.NoInput{})
		require.ErrorIs(t, err, transition.ErrConflict, "never retried in the caller's transaction, and its savepoint is gone")

		// The caller's transaction is still usable (on PostgreSQL a failed
		// statement outside a savepoint would have aborted it).
		_, err = tx.ExecContext(e.ctx, e.rebind(`UPDATE projects SET title = ? WHERE id = ?`), "Roof 2", p.ID)
		require.NoError(t, err)
		require.NoError(t, tx.Commit())
		assert.Empty(t, Drain(), "still none: the caller runs them")
		require.NoError(t, in.AfterCommit(e.ctx))
		assert.Equal(t, []string{"publish " + Itoa(p.ID)}, Drain())
		require.NoError(t, in.AfterCommit(e.ctx))
		assert.Empty(t, Drain(), "once")

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
		err = DeleteProject.Fire(e.ctx, in, Alice, p2, transition.NoInput{})
		require.NoError(t, err)
		require.NoError(t, tx.Rollback())
		assert.Empty(t, Drain())
		assert.Equal(t, Draft, e.loadProject(t, p2.ID).Status)
		for _, task := range e.tasks(t, p2.ID) {
			assert.Equal(t, Open, task.Status)
		}
		assert.Len(t, e.history(t), 2)
	})
}
