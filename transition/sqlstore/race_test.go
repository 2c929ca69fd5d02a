package sqlstore_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// hammer has workers goroutines fire conflicting transitions on the same
// few projects, each reading its copy outside the transaction (as a
// service reads, then acts): publish, unpublish, and renames that keep the
// state. It returns how many succeeded per project, and how many lost.
func hammer(t *testing.T, e *env, store transition.Store[*Repo], ids []int64, workers, rounds int, renameOnly bool) (ok map[int64]int, conflicts int64) {
	var mu sync.Mutex
	ok = map[int64]int{}
	var lost atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				id := ids[(w+r)%len(ids)]
				ps, err := projectRows.Select(e.ctx, e.querier(), sqlexpr.Col("id").Eq(id), sqlstore.NoLock)
				if err != nil {
					errs <- err
					return
				}
				p := ps[0]
				switch {
				case renameOnly || r%3 == 2:
					_, err = Rename.Fire(e.ctx, store, alice, p, RenameInput{Title: fmt.Sprintf("w%d r%d", w, r)})
				case p.Status == Draft:
					_, err = Publish.Fire(e.ctx, store, alice, p, transition.NoInput{})
				default:
					_, err = Unpublish.Fire(e.ctx, store, alice, p, transition.NoInput{})
				}
				switch {
				case err == nil:
					mu.Lock()
					ok[id]++
					mu.Unlock()
				case errorsIsConflict(err):
					lost.Add(1)
				default:
					errs <- fmt.Errorf("worker %d round %d: %w", w, r, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a failure that is no conflict: %v", err)
	}
	return ok, lost.Load()
}

func errorsIsConflict(err error) bool {
	var ce *transition.ConflictError
	return asConflict(err, &ce)
}

// checkReplay proves that each project's history replays exactly to its
// stored state and version, with a row per successful call.
func checkReplay(t *testing.T, e *env, ids []int64, ok map[int64]int) {
	t.Helper()
	total := 0
	for _, id := range ids {
		p := e.loadProject(t, id)
		h, err := e.store.History(e.ctx, sqlstore.Filter{ObjectType: "sqlstore_test.Project", ObjectID: itoa(id)})
		require.NoError(t, err)
		require.Len(t, h, ok[id], "project %d: a history row per successful call", id)
		status := "draft"
		for i, r := range h {
			require.Equal(t, int64(i), r.Version, "project %d row %d: the version it read", id, i)
			require.Equal(t, status, r.From, "project %d row %d: moves from where the last one left it", id, i)
			status = r.To
		}
		assert.Equal(t, status, string(p.Status.Get()), "project %d: the history replays to the stored state", id)
		assert.Equal(t, int64(len(h)), p.Version, "project %d: and to its version", id)
		total += len(h)
	}
	t.Logf("%d transitions committed", total)
}

// 16 goroutines, each transaction on a connection of its own, fire
// conflicting transitions on the same rows: every failure is a conflict,
// at least one happened, and the history replays to what is stored.
func TestRaces(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := setup(t, db, nil)
		db.SetMaxOpenConns(32)
		var ids []int64
		for i := range 3 {
			ids = append(ids, e.project(t, fmt.Sprint("p", i), Draft, 0).ID)
		}
		ok, conflicts := hammer(t, e, e.store, ids, 16, 30, false)
		t.Logf("%d conflicts", conflicts)
		assert.Positive(t, conflicts, "no conflict happened: the test proved nothing")
		checkReplay(t, e, ids, ok)
	})
}

// With retries, conflicts are retried until they win, and the history
// still replays. (Renames keep the state: a publish retried on a project
// another writer published is refused, rightly, as in the wrong state.)
func TestRacesWithRetries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := setup(t, db, &sqlstore.Options{Retries: 50})
		db.SetMaxOpenConns(32)
		id := e.project(t, "p", Draft, 0).ID
		ok, conflicts := hammer(t, e, e.store, []int64{id}, 16, 10, true)
		assert.Zero(t, conflicts, "every conflict retried until it won")
		assert.Equal(t, 160, ok[id])
		checkReplay(t, e, []int64{id}, ok)
	})
}

func asConflict(err error, target **transition.ConflictError) bool { return errors.As(err, target) }
