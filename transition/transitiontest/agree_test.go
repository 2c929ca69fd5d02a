package transitiontest_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition/sqlstore"
	"github.com/statecraft/statecraft/transition/transitiontest"
)

type JobStatus string

func (JobStatus) StateType() *state.Type[JobStatus] { return JobState }

var (
	JobState = state.NewType[JobStatus]("JobState")
	Queued   = JobState.State("queued", "Queued")
	Running  = JobState.State("running", "Running")
	Done     = JobState.State("done", "Done", state.Final())
	Active   = JobState.Group("active", "Active", Queued.Or(Running))

	jobStatus = func(j *Job) *state.State[JobStatus] { return &j.Status }
	// Late: queued past its due time, in Go and in SQL.
	Jobs = state.Bind(JobState, "status", jobStatus)
	Late = Jobs.Conditional("late", "Late", Queued, func(j *Job, now time.Time) bool { return j.Due.Valid && j.Due.Time.Before(now) }).
		WithSQL(sqlexpr.Col("due").Lt(sqlexpr.Now()))
	// The same field, with a hook that drifted from its test.
	DriftedJobs = state.Bind(JobState, "status", jobStatus)
	_           = DriftedJobs.Conditional("late_drifted", "Late (drifted)", Queued, func(j *Job, now time.Time) bool { return j.Due.Valid && j.Due.Time.Before(now) }).
			WithSQL(sqlexpr.Col("due").Gt(sqlexpr.Now()))
)

type Job struct {
	ID     int64
	Status state.State[JobStatus]
	Due    sql.NullTime
}

var jobRows = sqlstore.Map[*Depot]("jobs", func(j *Job) []sqlstore.Column {
	return []sqlstore.Column{sqlstore.Key("id", &j.ID), sqlstore.Col("status", &j.Status), sqlstore.Col("due", &j.Due)}
})

// jobsDB opens db with the jobs table holding rows in every state, due
// around now or never (NULL), all in UTC unless zone says otherwise.
func jobsDB(t *testing.T, db *dbtest.DB, zone *time.Location) *sqlstore.Store[*Depot] {
	s, err := sqlstore.New(db.DB, db.Dialect, newDepot, nil)
	require.NoError(t, err)
	ts := "TIMESTAMP"
	if db.Name == "postgres" {
		ts = "TIMESTAMPTZ"
	}
	_, err = db.Exec(`CREATE TABLE jobs (id BIGINT PRIMARY KEY, status TEXT, due ` + ts + `)`)
	require.NoError(t, err)
	ctx := context.Background()
	tx, err := s.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) // if a row fails
	id := int64(0)
	for _, st := range []state.State[JobStatus]{Queued, Running, Done} {
		for _, d := range []time.Duration{-2 * time.Hour, -time.Minute, time.Minute, 2 * time.Hour, 0} {
			id++
			due := sql.NullTime{Time: start.Add(d).In(zone), Valid: d != 0}
			require.NoError(t, jobRows.Insert(ctx, tx, &Job{ID: id, Status: st, Due: due}))
		}
	}
	require.NoError(t, tx.Commit(ctx))
	return s
}

func TestAgree(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		s := jobsDB(t, db, time.UTC)
		assert.Empty(t, failed(t, func(tb testing.TB) bool { return transitiontest.Agree(tb, s.Querier(), jobRows, Jobs, start) }))

		msg := failed(t, func(tb testing.TB) bool { return transitiontest.Agree(tb, s.Querier(), jobRows, DriftedJobs, start) })
		assert.Contains(t, msg, "conditional state Late (drifted) of transitiontest_test.Job.status: SQL selects other rows than Go accepts (-Go +SQL, by key):")
		assert.NotContains(t, msg, "state Queued", "only the drifted conditional")
	})
}

// Times in another zone than UTC. Written through a Table, they reach
// SQLite in UTC and compare in order: Agree passes. Written by another
// program as text in their own zone, SQLite compares the text, where
// 10:00+02:00 sorts after 09:00+00:00, and Agree catches it; PostgreSQL
// compares instants either way.
func TestAgreeCatchesTimesComparedAsText(t *testing.T) {
	zone := time.FixedZone("UTC+2", 2*3600)
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		s := jobsDB(t, db, zone)
		assert.Empty(t, failed(t, func(tb testing.TB) bool { return transitiontest.Agree(tb, s.Querier(), jobRows, Jobs, start) }),
			"written through the Table")

		update := `UPDATE jobs SET due = ? WHERE id = ?`
		if db.Name == "postgres" {
			update = `UPDATE jobs SET due = $1 WHERE id = $2`
		}
		id := int64(0)
		for range 3 { // as jobsDB writes them, by another program in their zone
			for _, d := range []time.Duration{-2 * time.Hour, -time.Minute, time.Minute, 2 * time.Hour, 0} {
				id++
				if d != 0 {
					_, err := db.Exec(update, start.Add(d).In(zone), id)
					require.NoError(t, err)
				}
			}
		}
		msg := failed(t, func(tb testing.TB) bool { return transitiontest.Agree(tb, s.Querier(), jobRows, Jobs, start) })
		if db.Name == "postgres" {
			assert.Empty(t, msg)
			return
		}
		assert.True(t, strings.Contains(msg, "conditional state Late"), msg)
	})
}
