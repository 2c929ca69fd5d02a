package sqlstore_test

import (
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// The conformance suite: every test runs on SQLite, and on PostgreSQL
// when one is configured (see dbtest).

// A transition is one transaction: the state, the version and the
// history row together.
func TestFireWritesStateVersionAndHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := setup(t, db, nil)
		drain()
		p := e.project(t, "Roof", Draft, 0)
		ev, err := Publish.Fire(e.ctx, e.store, alice, p, transition.NoInput{})
		require.NoError(t, err)
		assert.Equal(t, Published, ev.To)
		assert.Equal(t, &Project{ID: p.ID, Title: "Roof", Status: Published, Version: 1}, p)
		assert.Equal(t, p, e.loadProject(t, p.ID))
		assert.Equal(t, "publish "+itoa(p.ID), <-afterCommitCalls)

		want := []sqlstore.Record{{ObjectType: "sqlstore_test.Project", ObjectID: itoa(p.ID), Version: 0, Field: "status",
			Transition: "publish", From: "draft", To: "published", Actor: "alice", At: fixedNow}}
		assert.Empty(t, cmp.Diff(want, e.history(t), cmpopts.IgnoreFields(sqlstore.Record{}, "ID"), cmpopts.EquateApproxTime(0)))

		// A transition that keeps the state and changes a column: the
		// column and the version are written, and the history says so.
		_, err = Rename.Fire(e.ctx, e.store, bob, p, RenameInput{Title: "Attic"})
		require.NoError(t, err)
		assert.Equal(t, &Project{ID: p.ID, Title: "Attic", Status: Published, Version: 2}, e.loadProject(t, p.ID))
		h := e.history(t)
		require.Len(t, h, 2)
		assert.Equal(t, "published", h[1].From)
		assert.Equal(t, "published", h[1].To)
		assert.Equal(t, int64(1), h[1].Version)
		assert.JSONEq(t, `{"title": "Attic"}`, string(h[1].Input))
	})
}

// Creation inserts the row and hands back its key before the history is
// written.
func TestCreate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := setup(t, db, nil)
		p := &Project{}
		_, err := CreateProject.Fire(e.ctx, e.store, alice, p, struct {
			Title string `json:"title"`
		}{"New"})
		require.NoError(t, err)
		require.NotZero(t, p.ID)
		assert.Equal(t, &Project{ID: p.ID, Title: "New", Status: Draft, Version: 1}, e.loadProject(t, p.ID))
		h := e.history(t)
		require.Len(t, h, 1)
		assert.Equal(t, itoa(p.ID), h[0].ObjectID)
		assert.Equal(t, "", h[0].From)
		assert.Equal(t, "draft", h[0].To)
	})
}

// The loser of two writers gets a conflict naming the object, what it
// expected and what it found, and nothing of its work is written.
func TestStaleCopyConflicts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := setup(t, db, nil)
		p := e.project(t, "Roof", Draft, 0)
		stale := *p
		_, err := Rename.Fire(e.ctx, e.store, bob, p, RenameInput{Title: "Attic"}) // the other writer
		require.NoError(t, err)

		_, err = Publish.Fire(e.ctx, e.store, alice, &stale, transition.NoInput{})
		var ce *transition.ConflictError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, &transition.ConflictError{Object: "sqlstore_test.Project " + itoa(p.ID), Expected: "version 0", Found: "version 1"}, ce)
		assert.Equal(t, Project{ID: p.ID, Title: "Roof", Status: Draft}, stale, "the model is as it was")
		assert.Equal(t, &Project{ID: p.ID, Title: "Attic", Status: Draft, Version: 1}, e.loadProject(t, p.ID))
		assert.Len(t, e.history(t), 1, "no history of the loser")

		// Without a version column, the columns the transition changes
		// are compared with what it read.
		e.exec(t, `INSERT INTO tasks (project_id, owner, status) VALUES (?, 'carol', 'open')`, p.ID)
		task := e.tasks(t, p.ID)[0]
		staleTask := *task
		_, err = Assign.Fire(e.ctx, e.store, alice, task, AssignInput{Owner: "dave"})
		require.NoError(t, err)
		_, err = Assign.Fire(e.ctx, e.store, bob, &staleTask, AssignInput{Owner: "erin"})
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, &transition.ConflictError{Object: "sqlstore_test.Task " + itoa(task.ID), Expected: "owner 'carol'", Found: "owner 'dave'"}, ce)
		assert.Equal(t, "dave", e.tasks(t, p.ID)[0].Owner)

		// A state field is compared too: the task closed under the writer.
		_, err = CloseTask.Fire(e.ctx, e.store, alice, task, transition.NoInput{})
		require.NoError(t, err)
		staleTask = *task
		staleTask.Status = Open
		_, err = CloseTask.Fire(e.ctx, e.store, bob, &staleTask, transition.NoInput{})
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "status Open", ce.Expected)
		assert.Equal(t, "status Closed", ce.Found)

		// A row that is gone.
		gone := Project{ID: 999, Title: "Gone", Status: Draft}
		_, err = Publish.Fire(e.ctx, e.store, alice, &gone, transition.NoInput{})
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "no row", ce.Found)
	})
}

// A store with retries reloads, plans again and applies.
func TestRetriesConflicts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := setup(t, db, &sqlstore.Options{Retries: 2})
		drain()
		p := e.project(t, "Roof", Draft, 0)
		stale := *p
		_, err := Rename.Fire(e.ctx, e.store, bob, p, RenameInput{Title: "Attic"})
		require.NoError(t, err)
		_, err = Publish.Fire(e.ctx, e.store, alice, &stale, transition.NoInput{})
		require.NoError(t, err)
		assert.Equal(t, []string{"publish " + itoa(p.ID)}, drain())
		assert.Equal(t, Project{ID: p.ID, Title: "Attic", Status: Published, Version: 2}, stale, "the model holds the row as reloaded, then moved")
		assert.Equal(t, &stale, e.loadProject(t, p.ID))

		// A retried plan is checked again: a project deleted meanwhile
		// cannot be published.
		p2 := e.project(t, "Shed", Draft, 0)
		stale2 := *p2
		_, err = DeleteProject.Fire(e.ctx, e.store, bob, p2, transition.NoInput{})
		require.NoError(t, err)
		_, err = Publish.Fire(e.ctx, e.store, alice, &stale2, transition.NoInput{})
		require.ErrorIs(t, err, transition.ErrWrongState)
	})
}

// A cascade is one transaction with its children's writes batched, and
// each child's history row points at its cause's.
func TestCascade(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := setup(t, db, nil)
		p := e.project(t, "Roof", Draft, 5)
		other := e.project(t, "Shed", Draft, 2)
		_, err := DeleteProject.Fire(e.ctx, e.store, alice, p, transition.NoInput{})
		require.NoError(t, err)
		assert.Equal(t, ProjectDeleted, e.loadProject(t, p.ID).Status)
		for _, task := range e.tasks(t, p.ID) {
			assert.Equal(t, TaskDeleted, task.Status)
		}
		for _, task := range e.tasks(t, other.ID) {
			assert.Equal(t, Open, task.Status, "another project's tasks are untouched")
		}
		h := e.history(t)
		require.Len(t, h, 6)
		assert.Equal(t, "delete", h[0].Transition)
		assert.Zero(t, h[0].Cause)
		for _, r := range h[1:] {
			assert.Equal(t, "sqlstore_test.Task", r.ObjectType)
			assert.Equal(t, h[0].ID, r.Cause, "the task's row points at the project's")
		}

		// One task changed after the plan read it: the conflict names it,
		// and nothing is written.
		p3 := e.project(t, "Barn", Draft, 3)
		var plan *transition.Plan[*Repo]
		require.NoError(t, e.store.View(e.ctx, func(sc transition.Scope[*Repo]) error {
			plan, err = DeleteProject.Plan(e.ctx, sc, alice, p3, transition.NoInput{})
			return err
		}))
		tasks := e.tasks(t, p3.ID)
		e.exec(t, `UPDATE tasks SET status = 'closed' WHERE id = ?`, tasks[1].ID)
		tx, err := e.store.Begin(e.ctx)
		require.NoError(t, err)
		err = plan.Apply(e.ctx, tx, false)
		require.NoError(t, tx.Rollback(e.ctx))
		var ce *transition.ConflictError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, &transition.ConflictError{Object: "sqlstore_test.Task " + itoa(tasks[1].ID), Expected: "status Open", Found: "status Closed"}, ce)
		assert.Equal(t, Draft, e.loadProject(t, p3.ID).Status)
		assert.Equal(t, Draft, p3.Status, "the model is restored")
		for i, task := range e.tasks(t, p3.ID) {
			want := Open
			if i == 1 {
				want = Closed
			}
			assert.Equal(t, want, task.Status)
		}
		assert.Len(t, e.history(t), 6)
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
