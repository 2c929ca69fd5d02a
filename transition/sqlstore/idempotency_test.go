package sqlstore_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/transition"
)

// A request repeated with its idempotency key applies once, and its
// repeat gets the first outcome.
func TestIdempotencyKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := setup(t, db, nil)
		drain()
		p := e.project(t, "Roof", Draft, 0)
		again := *p
		ev, err := Publish.Fire(e.ctx, e.store.Key("k1"), alice, p, transition.NoInput{})
		require.NoError(t, err)
		assert.False(t, ev.Replayed)

		ev, err = Publish.Fire(e.ctx, e.store.Key("k1"), alice, &again, transition.NoInput{})
		require.NoError(t, err, "the repeat is not refused as in the wrong state")
		assert.True(t, ev.Replayed)
		assert.Equal(t, Draft, ev.From)
		assert.Equal(t, Published, ev.To)
		assert.True(t, ev.At.Equal(fixedNow))
		assert.Equal(t, *p, again, "the model is reloaded as stored")
		assert.Equal(t, []string{"publish " + itoa(p.ID)}, drain(), "after-commit hooks ran once")
		h := e.history(t)
		require.Len(t, h, 1)
		assert.Equal(t, "k1", h[0].Key)

		// The same key with another input, transition or object: refused,
		// nothing written.
		_, err = Rename.Fire(e.ctx, e.store.Key("k2"), alice, p, RenameInput{"Attic"})
		require.NoError(t, err)
		_, err = Rename.Fire(e.ctx, e.store.Key("k2"), alice, p, RenameInput{"Cellar"})
		require.ErrorIs(t, err, transition.ErrIdempotency)
		assert.Contains(t, err.Error(), `key "k2" of alice was used for`)
		_, err = Unpublish.Fire(e.ctx, e.store.Key("k2"), alice, p, transition.NoInput{})
		require.ErrorIs(t, err, transition.ErrIdempotency)
		assert.Equal(t, "Attic", e.loadProject(t, p.ID).Title)
		assert.Equal(t, Published, e.loadProject(t, p.ID).Status)
		assert.Len(t, e.history(t), 2)

		// Keys are per actor.
		_, err = Rename.Fire(e.ctx, e.store.Key("k2"), bob, p, RenameInput{"Cellar"})
		require.NoError(t, err)
		assert.Equal(t, "Cellar", e.loadProject(t, p.ID).Title)

		// A request that fails leaves no key behind: its retry applies.
		stale := *p
		_, err = Rename.Fire(e.ctx, e.store.Key("k3"), alice, p, RenameInput{"Loft"}) // moves the version on
		require.NoError(t, err)
		_, err = Unpublish.Fire(e.ctx, e.store.Key("k4"), alice, &stale, transition.NoInput{})
		require.ErrorIs(t, err, transition.ErrConflict)
		_, err = Unpublish.Fire(e.ctx, e.store.Key("k4"), alice, p, transition.NoInput{})
		require.NoError(t, err)
		assert.Equal(t, Draft, e.loadProject(t, p.ID).Status)

		// FireJSON under a key: the repeat's plan is the first one's steps.
		q := e.project(t, "Shed", Draft, 2)
		qAgain := *q
		plan, err := Rename.FireJSON(e.ctx, e.store.Key("k5"), alice, q, []byte(`{"title": "Hut"}`))
		require.NoError(t, err)
		replay, err := Rename.FireJSON(e.ctx, e.store.Key("k5"), alice, &qAgain, []byte(`{"title": "Hut"}`))
		require.NoError(t, err)
		assert.True(t, replay.Replayed())
		assert.False(t, plan.Replayed())
		require.Len(t, replay.Steps, 1)
		assert.Equal(t, "rename", replay.Steps[0].Transition)
		assert.Equal(t, "Hut", qAgain.Title)
	})
}

// 16 identical requests with one key at once: one applies, the others
// wait for it and get its outcome.
func TestIdempotencyKeyUnderContention(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := setup(t, db, nil)
		db.SetMaxOpenConns(32)
		p := e.project(t, "Roof", Draft, 3)
		var applied, replayed atomic.Int32
		var wg sync.WaitGroup
		for range 16 {
			copy := *p
			wg.Go(func() {
				ev, err := DeleteProject.Fire(e.ctx, e.store.Key("same"), alice, &copy, transition.NoInput{})
				if !assert.NoError(t, err) {
					return
				}
				if ev.Replayed {
					replayed.Add(1)
				} else {
					applied.Add(1)
				}
				assert.Equal(t, ProjectDeleted, copy.Status)
			})
		}
		wg.Wait()
		assert.Equal(t, int32(1), applied.Load())
		assert.Equal(t, int32(15), replayed.Load())
		assert.Len(t, e.history(t), 4, "the project and its three tasks, once")
	})
}
