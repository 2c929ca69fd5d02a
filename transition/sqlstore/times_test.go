package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

type dueRepo struct{ q sqlstore.Querier }

type Due struct {
	ID int64
	At time.Time
}

var dueRows = sqlstore.Map[*dueRepo]("dues", func(d *Due) []sqlstore.Column {
	return []sqlstore.Column{sqlstore.Key("id", &d.ID), sqlstore.Col("at", &d.At)}
})

// Times written and compared in several zones select in the order of the
// instants they stand for, on SQLite too, which keeps them as text: the
// Table writes them, and sqlexpr passes them, in UTC.
func TestTimesInSeveralZones(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		ctx := context.Background()
		typ := "TIMESTAMP"
		if db.Name == "postgres" {
			typ = "TIMESTAMPTZ"
		}
		_, err := db.ExecContext(ctx, `CREATE TABLE dues (id BIGINT PRIMARY KEY, at `+typ+` NOT NULL)`)
		require.NoError(t, err)
		st, err := sqlstore.New(db.DB, db.Dialect, func(q sqlstore.Querier) *dueRepo { return &dueRepo{q} }, nil)
		require.NoError(t, err)

		noon := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
		east, west := time.FixedZone("UTC+9", 9*3600), time.FixedZone("UTC-7", -7*3600)
		// As text in their own zones, 19:00-07:00 sorts after 21:00+09:00
		// though it is the later instant only by the first's reckoning.
		dues := []*Due{
			{1, noon.Add(-time.Hour).In(east)},       // 11:00 UTC, written 20:00+09:00
			{2, noon.Add(time.Hour).In(west)},        // 13:00 UTC, written 06:00-07:00
			{3, noon.Add(-2 * time.Minute).In(west)}, // 11:58 UTC, written 04:58-07:00
			{4, noon.Add(30 * time.Second)},          // 12:00:30 UTC
			{5, noon.Add(9 * time.Hour).In(east)},    // 21:00 UTC, written 06:00+09:00 the next day
		}
		tx, err := st.Begin(ctx)
		require.NoError(t, err)
		for _, d := range dues {
			require.NoError(t, dueRows.Insert(ctx, tx, d))
		}
		require.NoError(t, tx.Commit(ctx))

		for _, zone := range []*time.Location{time.UTC, east, west} {
			at := noon.In(zone)
			before, err := dueRows.Select(ctx, st.Querier(), sqlexpr.Col("at").Lt(at), sqlstore.NoLock)
			require.NoError(t, err)
			assert.Equal(t, []int64{1, 3}, ids(before), "due before %v", at)
			after, err := dueRows.Select(ctx, st.Querier(), sqlexpr.Col("at").Ge(at), sqlstore.NoLock)
			require.NoError(t, err)
			assert.Equal(t, []int64{2, 4, 5}, ids(after), "due at or after %v", at)
		}
		back, err := dueRows.Select(ctx, st.Querier(), sqlexpr.Col("id").Eq(2), sqlstore.NoLock)
		require.NoError(t, err)
		assert.True(t, back[0].At.Equal(dues[1].At), "the instant read back: %v", back[0].At)

	})
}

func ids(ds []*Due) []int64 {
	out := make([]int64, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}
