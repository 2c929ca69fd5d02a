package sqlstore_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// projectOf loads a task's project FOR SHARE: the row that allowed the
// task cannot change before the task commits.
func projectOf(ctx context.Context, r *Repo, t *Task) (*Project, error) {
	ps, err := projectRows.Select(ctx, r.q, sqlexpr.Col("id").Eq(t.ProjectID), sqlstore.ForShare)
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	return ps[0], nil
}

// CreateTask creates a task in a project that is not deleted.
var CreateTask = transition.New[transition.NoInput](Tasks, "create", transition.Create(Open)).AllowAnyone().
	WhenRelated(transition.Related("project", projectOf, ProjectStatusOf.In(Draft.Or(Published))))

// Tasks created while their project is being deleted: with Options.Lock
// the delete locks the project before its cascade reads the tasks, and a
// creation reads the project FOR SHARE, so every task ends either deleted
// with its project or refused: none is left open under a deleted project.
func TestTasksCreatedWhileTheProjectIsDeleted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := setup(t, db, &sqlstore.Options{Lock: true})
		db.SetMaxOpenConns(32)
		for round := range 5 {
			p := e.project(t, "Roof", Draft, 3)
			var created, refused atomic.Int32
			var wg sync.WaitGroup
			start := make(chan struct{})
			for range 8 {
				wg.Go(func() {
					<-start
					for range 4 {
						_, err := CreateTask.Fire(e.ctx, e.store, alice, &Task{ProjectID: p.ID}, transition.NoInput{})
						switch {
						case err == nil:
							created.Add(1)
						case errors.Is(err, transition.ErrUnmet):
							refused.Add(1)
						default:
							t.Errorf("creating a task: %v", err)
						}
					}
				})
			}
			wg.Go(func() {
				<-start
				time.Sleep(time.Duration(round) * time.Millisecond)
				stored := e.loadProject(t, p.ID)
				_, err := DeleteProject.Fire(e.ctx, e.store, bob, stored, transition.NoInput{})
				for errors.Is(err, transition.ErrConflict) { // a task's creation does not move the project: no conflict expected, but be sure
					stored = e.loadProject(t, p.ID)
					_, err = DeleteProject.Fire(e.ctx, e.store, bob, stored, transition.NoInput{})
				}
				assert.NoError(t, err)
			})
			close(start)
			wg.Wait()
			assert.Equal(t, int32(32), created.Load()+refused.Load())
			assert.Equal(t, ProjectDeleted, e.loadProject(t, p.ID).Status)
			tasks := e.tasks(t, p.ID)
			assert.Len(t, tasks, 3+int(created.Load()))
			for _, task := range tasks {
				assert.Equal(t, TaskDeleted, task.Status, "round %d: task %d was left open under a deleted project", round, task.ID)
			}
			t.Logf("round %d: %d created before the delete, %d refused after", round, created.Load(), refused.Load())
		}
	})
}
