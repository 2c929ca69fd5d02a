package sqlstore_test

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// ticking returns a clock that moves a minute on every reading, in a
// zone other than UTC (SQLite compares times as text).
func ticking() func() time.Time {
	var n atomic.Int64
	zone := time.FixedZone("UTC+5", 5*3600)
	return func() time.Time { return fixedNow.In(zone).Add(time.Duration(n.Add(1)) * time.Minute) }
}

// The history read back: an object's timeline, filters, pages.
func TestHistoryReader(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := setup(t, db, &sqlstore.Options{Now: ticking()})
		p := e.project(t, "Roof", Draft, 2)
		q := e.project(t, "Shed", Draft, 0)
		for _, fire := range []func() error{
			func() error { _, err := Publish.Fire(e.ctx, e.store, alice, p, transition.NoInput{}); return err }, // 09:31
			func() error { _, err := Rename.Fire(e.ctx, e.store, bob, q, RenameInput{"Hut"}); return err },      // 09:32
			func() error { _, err := Unpublish.Fire(e.ctx, e.store, bob, p, transition.NoInput{}); return err }, // 09:33
			func() error { _, err := DeleteProject.Fire(e.ctx, e.store, alice, p, transition.NoInput{}); return err },
		} {
			require.NoError(t, fire())
		}
		drain()
		all := e.history(t)
		require.Len(t, all, 6)

		ids := func(rs []sqlstore.Record) (out []int64) {
			for _, r := range rs {
				out = append(out, r.ID)
			}
			return out
		}
		get := func(f sqlstore.Filter) []sqlstore.Record {
			rs, err := e.store.History(e.ctx, f)
			require.NoError(t, err)
			return rs
		}
		timeline := get(sqlstore.Filter{ObjectType: "sqlstore_test.Project", ObjectID: itoa(p.ID)})
		assert.Equal(t, []string{"publish", "unpublish", "delete"}, transitions(timeline))
		assert.Equal(t, []int64{0, 1, 2}, []int64{timeline[0].Version, timeline[1].Version, timeline[2].Version})
		assert.Equal(t, []string{"rename", "unpublish"}, transitions(get(sqlstore.Filter{Actor: "bob"})))
		assert.Equal(t, ids(all[3:]), ids(get(sqlstore.Filter{Transition: "delete"})))
		at := func(min int) time.Time { return fixedNow.Add(time.Duration(min) * time.Minute) }
		assert.Equal(t, []string{"rename", "unpublish"}, transitions(get(sqlstore.Filter{Since: at(2), Until: at(4)})))
		assert.True(t, timeline[0].At.Equal(at(1)), "times read back: %v", timeline[0].At)

		// Pages: After and Limit.
		page := get(sqlstore.Filter{Limit: 4})
		assert.Equal(t, ids(all[:4]), ids(page))
		assert.Equal(t, ids(all[4:]), ids(get(sqlstore.Filter{After: page[3].ID, Limit: 4})))

		// The cascade's rows point at their cause's.
		for _, r := range all[4:] {
			assert.Equal(t, all[3].ID, r.Cause)
			assert.Equal(t, "sqlstore_test.Task", r.ObjectType)
		}

		// The feed, from the start and from a cursor.
		feed := feedOf(t, e, 0, 6)
		assert.Equal(t, ids(all), ids(feed))
		feed, err := e.store.Feed(e.ctx, 0, 4)
		require.NoError(t, err)
		assert.Equal(t, ids(all[:4]), ids(feed), "a page")
		feed = feedOf(t, e, feed[3].ID, 2)
		assert.Equal(t, ids(all[4:]), ids(feed))
		feed, err = e.store.Feed(e.ctx, all[5].ID, 4)
		require.NoError(t, err)
		assert.Empty(t, feed, "nothing after the last row")
		_, err = e.store.Feed(e.ctx, 12345, 4)
		assert.True(t, errors.Is(err, sqlstore.ErrCursor), "a cursor that is no row: %v", err)
	})
}

func transitions(rs []sqlstore.Record) (out []string) {
	for _, r := range rs {
		out = append(out, r.Transition)
	}
	return out
}

// On PostgreSQL a row with a lower id can commit after one with a higher
// id. The feed must not serve the higher one first (a follower would move
// its cursor past the lower one and never see it).
func TestFeedNeverSkipsARowCommittedLate(t *testing.T) {
	db := dbtest.Postgres(t)
	e := setup(t, db, nil)
	p := e.project(t, "Roof", Draft, 0)
	q := e.project(t, "Shed", Draft, 0)

	slow, err := e.BeginTx(e.ctx, nil)
	require.NoError(t, err)
	in := e.store.In(slow)
	_, err = Publish.Fire(e.ctx, in, alice, p, transition.NoInput{}) // takes the lower id, commits later
	require.NoError(t, err)
	_, err = Publish.Fire(e.ctx, e.store, bob, q, transition.NoInput{}) // the higher id, committed now
	require.NoError(t, err)
	drain()

	feed, err := e.store.Feed(e.ctx, 0, 10)
	require.NoError(t, err)
	assert.Empty(t, feed, "the committed row waits for the older transaction")

	require.NoError(t, slow.Commit())
	feed = feedOf(t, e, 0, 2)
	assert.Equal(t, []string{itoa(p.ID), itoa(q.ID)}, []string{feed[0].ObjectID, feed[1].ObjectID}, "in commit order... of their transactions")
	assert.Less(t, feed[0].ID, feed[1].ID)

	// The other order: the higher id's transaction began first.
	r := e.project(t, "Barn", Draft, 0)
	s := e.project(t, "Mill", Draft, 0)
	first, err := e.BeginTx(e.ctx, nil)
	require.NoError(t, err)
	_, err = first.ExecContext(e.ctx, `UPDATE projects SET title = title WHERE id = $1`, s.ID) // it has a transaction id now
	require.NoError(t, err)
	_, err = Publish.Fire(e.ctx, e.store, alice, r, transition.NoInput{}) // lower id, later transaction, committed
	require.NoError(t, err)
	in = e.store.In(first)
	_, err = Publish.Fire(e.ctx, in, alice, s, transition.NoInput{}) // higher id, earlier transaction
	require.NoError(t, err)
	cursor := feed[1].ID
	feed, err = e.store.Feed(e.ctx, cursor, 10)
	require.NoError(t, err)
	assert.Empty(t, feed, "nothing is served while an older transaction runs")
	require.NoError(t, first.Commit())
	drain()
	feed = feedOf(t, e, cursor, 2)
	assert.Equal(t, []string{itoa(s.ID), itoa(r.ID)}, []string{feed[0].ObjectID, feed[1].ObjectID}, "by transaction, not by id")
	feed2 := feedOf(t, e, feed[0].ID, 1) // the cursor of a row served first, whose id is higher, still leads to the other
	assert.Equal(t, feed[1].ID, feed2[0].ID)
}

// feedOf reads the feed after cursor until it holds n rows. The feed
// serves rows once every older transaction of the server has ended, and
// other tests' transactions may be running: it catches up, eventually.
func feedOf(t *testing.T, e *env, cursor int64, n int) []sqlstore.Record {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		feed, err := e.store.Feed(e.ctx, cursor, 10)
		require.NoError(t, err)
		if len(feed) >= n || time.Now().After(deadline) {
			require.Len(t, feed, n)
			return feed
		}
		time.Sleep(10 * time.Millisecond)
	}
}
