package sqlstore_test

import (
	"database/sql"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/conformance"
	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// After each fault of the database, rows and history are exactly as
// before, the model is as it was, and the error says what happened. (The
// conformance suite covers faults of user code and of the context.)
func TestFaultsLeaveNothingBehind(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := setup(t, db, nil)
		p := e.project(t, "Roof", Draft, 3)
		err := Publish.Fire(e.ctx, e.store, Alice, p, transition.NoInput{})
		require.NoError(t, err)
		Drain()
		before := Take(t, e.store)
		model := *p

		t.Run("a history write that fails", func(t *testing.T) {
			e.exec(t, `ALTER TABLE statecraft_history RENAME TO statecraft_history_away`)
			defer e.exec(t, `ALTER TABLE statecraft_history_away RENAME TO statecraft_history`)
			err := DeleteProject.Fire(e.ctx, e.store, Alice, p, transition.NoInput{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "appending the history")
		})
		t.Run("a save that fails", func(t *testing.T) {
			// A value the CHECK constraint refuses: the database fails the
			// UPDATE of the second batch, after the first was written.
			err := Corrupt.Fire(e.ctx, e.store, Alice, p, transition.NoInput{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "saving")
		})
		assert.Equal(t, model, *p, "the model is as it was")
		after := Take(t, e.store)
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
		err := DeleteProject.Fire(e.ctx, e.store, Alice, p, transition.NoInput{})
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
