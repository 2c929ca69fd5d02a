package sqlstore_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/conformance"
	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

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
	err = Publish.Fire(e.ctx, in, Alice, p, transition.NoInput{}) // takes the lower id, commits later
	require.NoError(t, err)
	err = Publish.Fire(e.ctx, e.store, Bob, q, transition.NoInput{}) // the higher id, committed now
	require.NoError(t, err)
	Drain()

	feed, err := e.store.Feed(e.ctx, 0, 10)
	require.NoError(t, err)
	assert.Empty(t, feed, "the committed row waits for the older transaction")

	require.NoError(t, slow.Commit())
	feed = feedOf(t, e, 0, 2)
	assert.Equal(t, []string{Itoa(p.ID), Itoa(q.ID)}, []string{feed[0].ObjectID, feed[1].ObjectID}, "in commit order... of their transactions")
	assert.Less(t, feed[0].ID, feed[1].ID)

	// The other order: the higher id's transaction began first.
	r := e.project(t, "Barn", Draft, 0)
	s := e.project(t, "Mill", Draft, 0)
	first, err := e.BeginTx(e.ctx, nil)
	require.NoError(t, err)
	_, err = first.ExecContext(e.ctx, `UPDATE projects SET title = title WHERE id = $1`, s.ID) // it has a transaction id now
	require.NoError(t, err)
	err = Publish.Fire(e.ctx, e.store, Alice, r, transition.NoInput{}) // lower id, later transaction, committed
	require.NoError(t, err)
	in = e.store.In(first)
	err = Publish.Fire(e.ctx, in, Alice, s, transition.NoInput{}) // higher id, earlier transaction
	require.NoError(t, err)
	cursor := feed[1].ID
	feed, err = e.store.Feed(e.ctx, cursor, 10)
	require.NoError(t, err)
	assert.Empty(t, feed, "nothing is served while an older transaction runs")
	require.NoError(t, first.Commit())
	Drain()
	feed = feedOf(t, e, cursor, 2)
	assert.Equal(t, []string{Itoa(s.ID), Itoa(r.ID)}, []string{feed[0].ObjectID, feed[1].ObjectID}, "by transaction, not by id")
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
