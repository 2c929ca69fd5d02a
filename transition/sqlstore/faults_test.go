package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// snapshot is every row of the application's tables and of the history,
// to prove a failure left them exactly as they were.
type snapshot struct {
	projects []*Project
	tasks    []*Task
	history  int
}

func (e *env) snapshot(t *testing.T) snapshot {
	t.Helper()
	ps, err := projectRows.Select(e.ctx, e.querier(), sqlexpr.Expr{}, sqlstore.NoLock)
	require.NoError(t, err)
	ts, err := taskRows.Select(e.ctx, e.querier(), sqlexpr.Expr{}, sqlstore.NoLock)
	require.NoError(t, err)
	return snapshot{ps, ts, len(e.history(t))}
}

// After each fault, rows and history are exactly as before, the model is
// as it was, and the error says what happened.
func TestFaultsLeaveNothingBehind(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := setup(t, db, nil)
		p := e.project(t, "Roof", Draft, 3)
		_, err := Publish.Fire(e.ctx, e.store, alice, p, transition.NoInput{})
		require.NoError(t, err)
		drain()
		before := e.snapshot(t)
		model := *p

		t.Run("an effect that fails", func(t *testing.T) {
			_, err := Rename.Fire(e.ctx, e.store, alice, p, RenameInput{Title: "fail"})
			require.ErrorIs(t, err, transition.ErrStep)
			require.ErrorIs(t, err, errEffectFailed)
			assert.Contains(t, err.Error(), `step "title" failed`)
		})
		t.Run("an effect that panics", func(t *testing.T) {
			_, err := Rename.Fire(e.ctx, e.store, alice, p, RenameInput{Title: "panic"})
			require.ErrorIs(t, err, transition.ErrStep)
			var pe *transition.PanicError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "renaming panicked", pe.Value)
		})
		t.Run("a history write that fails", func(t *testing.T) {
			e.exec(t, `ALTER TABLE statecraft_history RENAME TO statecraft_history_away`)
			defer e.exec(t, `ALTER TABLE statecraft_history_away RENAME TO statecraft_history`)
			_, err := DeleteProject.Fire(e.ctx, e.store, alice, p, transition.NoInput{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "appending the history")
		})
		t.Run("a context cancelled mid-transaction", func(t *testing.T) {
			ctx, cancel := context.WithCancel(e.ctx)
			defer cancel()
			_, err := CancelMidway.Fire(ctx, e.store, alice, p, cancelInput{cancel})
			require.ErrorIs(t, err, context.Canceled)
		})
		t.Run("a save that fails", func(t *testing.T) {
			// A value the CHECK constraint refuses: the database fails the
			// UPDATE of the second batch, after the first was written.
			_, err := Corrupt.Fire(e.ctx, e.store, alice, p, transition.NoInput{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "saving")
		})
		assert.Equal(t, model, *p, "the model is as it was")
		after := e.snapshot(t)
		assert.Equal(t, before, after, "rows and history are as they were")
	})
}

// A value a state does not know is a clear error wherever it is read,
// and nothing is written.
func TestUnknownStateInARow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := setup(t, db, nil)
		p := e.project(t, "Roof", Draft, 2)
		tasks := e.tasks(t, p.ID)
		// The database has no constraint on this copy of the column.
		e.exec(t, `ALTER TABLE tasks RENAME TO tasks_checked`)
		e.exec(t, `CREATE TABLE tasks AS SELECT * FROM tasks_checked`)
		e.exec(t, `UPDATE tasks SET status = 'archived' WHERE id = ?`, tasks[1].ID)
		before := e.raw(t)
		_, err := DeleteProject.Fire(e.ctx, e.store, alice, p, transition.NoInput{})
		require.ErrorIs(t, err, state.ErrUnknownValue)
		assert.Contains(t, err.Error(), `"archived"`)
		assert.Contains(t, err.Error(), `tasks`)
		assert.Equal(t, before, e.raw(t))
	})
}

// raw is every row of the tables as text, read without the models.
func (e *env) raw(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT id, title, status, version FROM projects ORDER BY id`,
		`SELECT id, project_id, owner, status FROM tasks ORDER BY id`,
		`SELECT id, object_id, transition FROM statecraft_history ORDER BY id`,
	} {
		rows, err := e.QueryContext(e.ctx, q)
		require.NoError(t, err)
		for rows.Next() {
			var a, b, c, d sql.NullString
			dst := []any{&a, &b, &c, &d}
			cols, _ := rows.Columns()
			require.NoError(t, rows.Scan(dst[:len(cols)]...))
			out = append(out, fmt.Sprint(a.String, b.String, c.String, d.String))
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
	return out
}
