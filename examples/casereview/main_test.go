package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/transition/sqlstore"
	"github.com/statecraft/statecraft/transition/transitiontest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestRun plays the scripted session on a fresh SQLite file, on its fixed
// clock, and compares its transcript with testdata/output.golden.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, filepath.Join(t.TempDir(), "cases.db")))
	transitiontest.Golden(t, filepath.Join("testdata", "output.golden"), out.String(), *update)
}

// TestRunNeedsANewDatabase: the session is scripted for the seeded cases,
// so it refuses a database that holds cases already; opening one again
// seeds nothing.
func TestRunNeedsANewDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cases.db")
	db, _, seeded, err := openStore(ctx, path, time.Now)
	require.NoError(t, err)
	require.True(t, seeded)
	require.NoError(t, db.Close())

	db, store, seeded, err := openStore(ctx, path, time.Now)
	require.NoError(t, err)
	defer db.Close()
	assert.False(t, seeded)
	cs, err := newRepo(store.Querier()).Cases(ctx, Status.In(CaseState.Any()).Expr())
	require.NoError(t, err)
	assert.Len(t, cs, len(seedCases(start)), "seeded once")

	err = run(ctx, &bytes.Buffer{}, path)
	assert.ErrorContains(t, err, "already holds cases")
}

// sqlite returns a Store on a new SQLite database holding no case, as the
// program opens it, on a clock fixed at start.
func sqlite(t *testing.T) *sqlstore.Store[*Repo] {
	t.Helper()
	ctx := context.Background()
	db, store, _, err := openStore(ctx, filepath.Join(t.TempDir(), "cases.db"), func() time.Time { return start })
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	_, err = db.ExecContext(ctx, `DELETE FROM cases`)
	require.NoError(t, err)
	return store
}

// zones are the time zones the due dates of TestAgree are written in.
var zones = []*time.Location{time.UTC, time.FixedZone("UTC+2", 2*3600), time.FixedZone("UTC-5", -5*3600), time.FixedZone("UTC+5:45", 5*3600+45*60)}

// agreeRows writes, in one transaction of store, cases in every state
// due long before, just before, exactly at, just after and long after
// now, in each zone, and with no due date (the zero time; due_at is NOT
// NULL, so there is no NULL to try).
func agreeRows(t *testing.T, store *sqlstore.Store[*Repo], now time.Time) {
	t.Helper()
	ctx := context.Background()
	tx, err := store.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	id := int64(0)
	for s := range CaseState.States() {
		for _, zone := range zones {
			for _, dueAt := range []time.Time{
				now.Add(-30 * day), now.Add(-time.Hour), now.Add(-time.Microsecond), now,
				now.Add(time.Microsecond), now.Add(time.Hour), now.Add(30 * day), {},
			} {
				id++
				c := &Case{ID: id, Title: fmt.Sprintf("due %v", dueAt), Status: s, AssignedTo: "rita", DueAt: dueAt.In(zone)}
				require.NoError(t, caseRows.Insert(ctx, tx, c))
			}
		}
	}
	require.NoError(t, tx.Commit(ctx))
}

// TestAgree: on SQLite, every state, the Open group and the Overdue
// conditional state select in SQL exactly the cases their Go tests
// accept, whatever zone their due dates were given in: the Table writes
// times, and sqlexpr passes them, in UTC (see openDB).
func TestAgree(t *testing.T) {
	store := sqlite(t)
	agreeRows(t, store, start)
	transitiontest.Agree(t, store.Querier(), caseRows, Status, start)

	// And at another time, in another zone, between two due dates.
	at := start.Add(-time.Hour + time.Second).In(zones[1])
	transitiontest.Agree(t, store.Querier(), caseRows, Status, at)

	late, err := newRepo(store.Querier()).Cases(context.Background(), Overdue.Expr().At(start))
	require.NoError(t, err)
	assert.Len(t, late, 3*len(zones)*3, "New, In review and Needs info, due 30 days, an hour and a microsecond before, in each zone")
}
