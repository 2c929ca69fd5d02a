package conformance

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// Store is what the suite needs of a store: the seam, reads outside a
// unit of work, idempotency keys, and the history with its feed. Package
// sqlstore's Store and package transitiontest's in-memory Store both are.
type Store interface {
	transition.Store[*Repo]
	View(ctx context.Context, fn func(sc transition.Scope[*Repo]) error) error
	Key(key string) transition.Store[*Repo]
	History(ctx context.Context, f sqlstore.Filter) ([]sqlstore.Record, error)
	Feed(ctx context.Context, after int64, limit int) ([]sqlstore.Record, error)
	Querier() sqlstore.Querier
}

// An Opener opens a new, empty store holding the application's tables,
// configured by opts (never nil; Now is set), for one test: a test that
// runs many units of work at once calls it with concurrent set, and a
// database then lets that many connections open.
type Opener func(t *testing.T, opts *sqlstore.Options, concurrent bool) Store

// Run runs the suite, each test a subtest on a store of its own that open
// returns.
func Run(t *testing.T, open Opener) {
	for _, c := range []struct {
		name string
		test func(t *testing.T, open Opener)
	}{
		{"FireWritesStateVersionAndHistory", testFireWritesStateVersionAndHistory},
		{"Create", testCreate},
		{"StaleCopyConflicts", testStaleCopyConflicts},
		{"RetriesConflicts", testRetriesConflicts},
		{"Cascade", testCascade},
		{"FaultsLeaveNothingBehind", testFaultsLeaveNothingBehind},
		{"MalformedInputWritesNothing", testMalformedInputWritesNothing},
		{"AfterCommitOnlyAfterCommit", testAfterCommitOnlyAfterCommit},
		{"HistoryReader", testHistoryReader},
		{"IdempotencyKey", testIdempotencyKey},
		{"IdempotencyKeyUnderContention", testIdempotencyKeyUnderContention},
		{"Races", testRaces},
		{"RacesWithRetries", testRacesWithRetries},
		{"TasksCreatedWhileTheProjectIsDeleted", testTasksCreatedWhileTheProjectIsDeleted},
		{"ImportedHistory", testImportedHistory},
	} {
		t.Run(c.name, func(t *testing.T) { c.test(t, open) })
	}
}

var ctx = context.Background()

// opened opens a store with opts, on Now unless opts gives a clock.
func opened(t *testing.T, open Opener, opts sqlstore.Options, concurrent bool) Store {
	t.Helper()
	if opts.Now == nil {
		opts.Now = Now
	}
	return open(t, &opts, concurrent)
}

// Seed stores a new project with tasks open tasks, as another program
// would (no transition, no history), and returns it as stored.
func Seed(t testing.TB, s transition.Store[*Repo], title string, status state.State[ProjectStatus], tasks int) *Project {
	t.Helper()
	p := &Project{Title: title, Status: status}
	insert(t, s, func(tx transition.Tx[*Repo]) error {
		if err := ProjectRows.Insert(ctx, tx, p); err != nil {
			return err
		}
		for range tasks {
			if err := TaskRows.Insert(ctx, tx, &Task{ProjectID: p.ID, Status: Open}); err != nil {
				return err
			}
		}
		return nil
	})
	return p
}

// insert runs fn in a unit of work of s, and commits it.
func insert(t testing.TB, s transition.Store[*Repo], fn func(tx transition.Tx[*Repo]) error) {
	t.Helper()
	tx, err := s.Begin(ctx)
	require.NoError(t, err)
	if err := fn(tx); err != nil {
		_ = tx.Rollback(ctx)
		require.NoError(t, err)
	}
	require.NoError(t, tx.Commit(ctx))
}

// LoadProject reads project id as stored, or nil.
func LoadProject(t testing.TB, s Store, id int64) *Project {
	t.Helper()
	ps, err := ProjectRows.Select(ctx, s.Querier(), sqlexpr.Col("id").Eq(id), sqlstore.NoLock)
	require.NoError(t, err)
	if len(ps) == 0 {
		return nil
	}
	return ps[0]
}

// TasksIn reads the tasks of project id as stored, deleted ones included.
func TasksIn(t testing.TB, s Store, id int64) []*Task {
	t.Helper()
	ts, err := TaskRows.Select(ctx, s.Querier(), sqlexpr.Col("project_id").Eq(id), sqlstore.NoLock)
	require.NoError(t, err)
	return ts
}

// History returns every row of s's history.
func History(t testing.TB, s Store) []sqlstore.Record {
	t.Helper()
	rs, err := s.History(ctx, sqlstore.Filter{})
	require.NoError(t, err)
	return rs
}

// A Snapshot is every row of the application's tables and of the history,
// to prove a failure left them exactly as they were.
type Snapshot struct {
	Projects []*Project
	Tasks    []*Task
	History  []sqlstore.Record
}

// Take reads s's Snapshot.
func Take(t testing.TB, s Store) Snapshot {
	t.Helper()
	ps, err := ProjectRows.Select(ctx, s.Querier(), sqlexpr.Expr{}, sqlstore.NoLock)
	require.NoError(t, err)
	ts, err := TaskRows.Select(ctx, s.Querier(), sqlexpr.Expr{}, sqlstore.NoLock)
	require.NoError(t, err)
	return Snapshot{ps, ts, History(t, s)}
}

// Transitions names the transitions of rs, in order.
func Transitions(rs []sqlstore.Record) (out []string) {
	for _, r := range rs {
		out = append(out, r.Transition)
	}
	return out
}

func ids(rs []sqlstore.Record) (out []int64) {
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// A transition is one unit of work: the state, the version and the
// history row together.
func testFireWritesStateVersionAndHistory(t *testing.T, open Opener) {
	s := opened(t, open, sqlstore.Options{}, false)
	Drain()
	p := Seed(t, s, "Roof", Draft, 0)
	ev, err := Publish.FireEvent(ctx, s, Alice, p, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, Published, ev.To)
	assert.Equal(t, &Project{ID: p.ID, Title: "Roof", Status: Published, Version: 1}, p)
	assert.Equal(t, p, LoadProject(t, s, p.ID))
	assert.Equal(t, []string{"publish " + Itoa(p.ID)}, Drain())

	want := []sqlstore.Record{{ObjectType: "conformance.Project", ObjectID: Itoa(p.ID), Version: 0, Field: "status",
		Transition: "publish", From: "draft", To: "published", Actor: "alice", At: FixedNow}}
	assert.Empty(t, cmp.Diff(want, History(t, s), cmpopts.IgnoreFields(sqlstore.Record{}, "ID"), cmpopts.EquateApproxTime(0)))

	// A transition that keeps the state and changes a column: the column
	// and the version are written, and the history says so.
	err = Rename.Fire(ctx, s, Bob, p, RenameInput{Title: "Attic"})
	require.NoError(t, err)
	assert.Equal(t, &Project{ID: p.ID, Title: "Attic", Status: Published, Version: 2}, LoadProject(t, s, p.ID))
	h := History(t, s)
	require.Len(t, h, 2)
	assert.Equal(t, "published", h[1].From)
	assert.Equal(t, "published", h[1].To)
	assert.Equal(t, int64(1), h[1].Version)
	assert.JSONEq(t, `{"title": "Attic"}`, string(h[1].Input))
}

// Creation inserts the row and hands back its key before the history is
// written.
func testCreate(t *testing.T, open Opener) {
	s := opened(t, open, sqlstore.Options{}, false)
	p := &Project{}
	err := CreateProject.Fire(ctx, s, Alice, p, RenameInput{Title: "New"})
	require.NoError(t, err)
	require.NotZero(t, p.ID)
	assert.Equal(t, &Project{ID: p.ID, Title: "New", Status: Draft, Version: 1}, LoadProject(t, s, p.ID))
	h := History(t, s)
	require.Len(t, h, 1)
	assert.Equal(t, Itoa(p.ID), h[0].ObjectID)
	assert.Equal(t, "", h[0].From)
	assert.Equal(t, "draft", h[0].To)

	// A second creation gets a key of its own.
	q := &Project{}
	err = CreateProject.Fire(ctx, s, Alice, q, RenameInput{Title: "Newer"})
	require.NoError(t, err)
	assert.NotEqual(t, p.ID, q.ID)
}

// The loser of two writers gets a conflict naming the object, what it
// expected and what it found, and nothing of its work is written.
func testStaleCopyConflicts(t *testing.T, open Opener) {
	s := opened(t, open, sqlstore.Options{}, false)
	p := Seed(t, s, "Roof", Draft, 0)
	stale := *p
	err := Rename.Fire(ctx, s, Bob, p, RenameInput{Title: "Attic"}) // the other writer
	require.NoError(t, err)

	err = Publish.Fire(ctx, s, Alice, &stale, transition.NoInput{})
	var ce *transition.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, &transition.ConflictError{Object: "conformance.Project " + Itoa(p.ID), Expected: "version 0", Found: "version 1"}, ce)
	assert.Equal(t, Project{ID: p.ID, Title: "Roof", Status: Draft}, stale, "the model is as it was")
	assert.Equal(t, &Project{ID: p.ID, Title: "Attic", Status: Draft, Version: 1}, LoadProject(t, s, p.ID))
	assert.Len(t, History(t, s), 1, "no history of the loser")

	// Without a version column, the columns the transition changes are
	// compared with what it read.
	insert(t, s, func(tx transition.Tx[*Repo]) error {
		return TaskRows.Insert(ctx, tx, &Task{ProjectID: p.ID, Owner: "carol", Status: Open})
	})
	task := TasksIn(t, s, p.ID)[0]
	staleTask := *task
	err = Assign.Fire(ctx, s, Alice, task, AssignInput{Owner: "dave"})
	require.NoError(t, err)
	err = Assign.Fire(ctx, s, Bob, &staleTask, AssignInput{Owner: "erin"})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, &transition.ConflictError{Object: "conformance.Task " + Itoa(task.ID), Expected: "owner 'carol'", Found: "owner 'dave'"}, ce)
	assert.Equal(t, "dave", TasksIn(t, s, p.ID)[0].Owner)

	// A state field is compared too: the task closed under the writer.
	err = CloseTask.Fire(ctx, s, Alice, task, transition.NoInput{})
	require.NoError(t, err)
	staleTask = *task
	staleTask.Status = Open
	err = CloseTask.Fire(ctx, s, Bob, &staleTask, transition.NoInput{})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "status Open", ce.Expected)
	assert.Equal(t, "status Closed", ce.Found)

	// A row that is gone.
	gone := Project{ID: 999, Title: "Gone", Status: Draft}
	err = Publish.Fire(ctx, s, Alice, &gone, transition.NoInput{})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "no row", ce.Found)
}

// A store with retries reloads, plans again and applies.
func testRetriesConflicts(t *testing.T, open Opener) {
	s := opened(t, open, sqlstore.Options{Retries: 2}, false)
	Drain()
	p := Seed(t, s, "Roof", Draft, 0)
	stale := *p
	err := Rename.Fire(ctx, s, Bob, p, RenameInput{Title: "Attic"})
	require.NoError(t, err)
	err = Publish.Fire(ctx, s, Alice, &stale, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, []string{"publish " + Itoa(p.ID)}, Drain())
	assert.Equal(t, Project{ID: p.ID, Title: "Attic", Status: Published, Version: 2}, stale, "the model holds the row as reloaded, then moved")
	assert.Equal(t, &stale, LoadProject(t, s, p.ID))

	// A retried plan is checked again: a project deleted meanwhile cannot
	// be published.
	p2 := Seed(t, s, "Shed", Draft, 0)
	stale2 := *p2
	err = DeleteProject.Fire(ctx, s, Bob, p2, transition.NoInput{})
	require.NoError(t, err)
	err = Publish.Fire(ctx, s, Alice, &stale2, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrWrongState)
}

// A cascade is one unit of work, and each child's history row points at
// its cause's.
func testCascade(t *testing.T, open Opener) {
	s := opened(t, open, sqlstore.Options{}, false)
	p := Seed(t, s, "Roof", Draft, 5)
	other := Seed(t, s, "Shed", Draft, 2)
	err := DeleteProject.Fire(ctx, s, Alice, p, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, ProjectDeleted, LoadProject(t, s, p.ID).Status)
	for _, task := range TasksIn(t, s, p.ID) {
		assert.Equal(t, TaskDeleted, task.Status)
	}
	for _, task := range TasksIn(t, s, other.ID) {
		assert.Equal(t, Open, task.Status, "another project's tasks are untouched")
	}
	h := History(t, s)
	require.Len(t, h, 6)
	assert.Equal(t, "delete", h[0].Transition)
	assert.Zero(t, h[0].Cause)
	for _, r := range h[1:] {
		assert.Equal(t, "conformance.Task", r.ObjectType)
		assert.Equal(t, h[0].ID, r.Cause, "the task's row points at the project's")
	}

	// One task changed after the plan read it: the conflict names it, and
	// nothing is written.
	p3 := Seed(t, s, "Barn", Draft, 3)
	var plan *transition.Plan[*Repo]
	require.NoError(t, s.View(ctx, func(sc transition.Scope[*Repo]) error {
		plan, err = DeleteProject.Plan(ctx, sc, Alice, p3, transition.NoInput{})
		return err
	}))
	tasks := TasksIn(t, s, p3.ID)
	err = CloseTask.Fire(ctx, s, Bob, tasks[1], transition.NoInput{}) // the other writer
	require.NoError(t, err)
	before := Take(t, s)
	tx, err := s.Begin(ctx)
	require.NoError(t, err)
	err = plan.Apply(ctx, tx, false)
	require.NoError(t, tx.Rollback(ctx))
	var ce *transition.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, &transition.ConflictError{Object: "conformance.Task " + Itoa(tasks[1].ID), Expected: "status Open", Found: "status Closed"}, ce)
	assert.Equal(t, Draft, p3.Status, "the model is restored")
	assert.Equal(t, before, Take(t, s), "nothing of the cascade is written")
}

// After each fault in user code or its context, rows and history are
// exactly as before, the model is as it was, and the error says what
// happened.
func testFaultsLeaveNothingBehind(t *testing.T, open Opener) {
	s := opened(t, open, sqlstore.Options{}, false)
	p := Seed(t, s, "Roof", Draft, 3)
	err := Publish.Fire(ctx, s, Alice, p, transition.NoInput{})
	require.NoError(t, err)
	Drain()
	before := Take(t, s)
	model := *p

	t.Run("an effect that fails", func(t *testing.T) {
		err := Rename.Fire(ctx, s, Alice, p, RenameInput{Title: "fail"})
		require.ErrorIs(t, err, transition.ErrStep)
		require.ErrorIs(t, err, ErrEffectFailed)
		assert.Contains(t, err.Error(), `step "title" failed`)
	})
	t.Run("an effect that panics", func(t *testing.T) {
		err := Rename.Fire(ctx, s, Alice, p, RenameInput{Title: "panic"})
		require.ErrorIs(t, err, transition.ErrStep)
		var pe *transition.PanicError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "renaming panicked", pe.Value)
	})
	t.Run("a context cancelled mid-transaction", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		err := CancelMidway.Fire(ctx, s, Alice, p, CancelInput{Cancel: cancel})
		require.ErrorIs(t, err, context.Canceled)
	})
	assert.Equal(t, model, *p, "the model is as it was")
	assert.Equal(t, before, Take(t, s), "rows and history are as they were")
	assert.Empty(t, Drain(), "no after-commit hook ran")
}

// Malformed input: a clear error, nothing written.
func testMalformedInputWritesNothing(t *testing.T, open Opener) {
	s := opened(t, open, sqlstore.Options{}, false)
	p := Seed(t, s, "Roof", Draft, 0)
	before := Take(t, s)
	for _, payload := range []string{`{"title": 7}`, `{"title": "x", "extra": 1}`, `not json`, `{"title": "x"`, `null`, ``} {
		_, err := Rename.FireJSON(ctx, s, Alice, p, []byte(payload))
		require.ErrorIs(t, err, transition.ErrInvalidInput, payload)
	}
	assert.Equal(t, before, Take(t, s))
}

// After-commit hooks run once after a commit, never after a conflict or a
// cancelled unit of work.
func testAfterCommitOnlyAfterCommit(t *testing.T, open Opener) {
	s := opened(t, open, sqlstore.Options{}, false)
	Drain()
	p := Seed(t, s, "Roof", Draft, 0)
	stale := *p
	err := Publish.Fire(ctx, s, Alice, p, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, []string{"publish " + Itoa(p.ID)}, Drain())
	err = Unpublish.Fire(ctx, s, Alice, p, transition.NoInput{})
	require.NoError(t, err)
	err = Publish.Fire(ctx, s, Alice, &stale, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrConflict)
	assert.Empty(t, Drain(), "not after a conflict")

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err = Publish.Fire(cctx, s, Alice, p, transition.NoInput{})
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, Drain(), "not after a cancelled unit of work")
	assert.Equal(t, Draft, LoadProject(t, s, p.ID).Status)
}

// ticking is a clock that, once started, moves a minute on every reading
// from FixedNow, in a zone other than UTC (SQLite compares times as text).
type ticking struct{ started, n atomic.Int64 }

func (c *ticking) now() time.Time {
	if c.started.Load() == 0 {
		return FixedNow
	}
	return FixedNow.In(time.FixedZone("UTC+5", 5*3600)).Add(time.Duration(c.n.Add(1)) * time.Minute)
}

// The history read back: an object's timeline, filters, pages, the feed.
func testHistoryReader(t *testing.T, open Opener) {
	var clock ticking
	s := opened(t, open, sqlstore.Options{Now: clock.now}, false)
	p := Seed(t, s, "Roof", Draft, 2)
	q := Seed(t, s, "Shed", Draft, 0)
	clock.started.Store(1)
	for _, fire := range []func() error{
		func() error { err := Publish.Fire(ctx, s, Alice, p, transition.NoInput{}); return err },   // 09:31
		func() error { err := Rename.Fire(ctx, s, Bob, q, RenameInput{Title: "Hut"}); return err }, // 09:32
		func() error { err := Unpublish.Fire(ctx, s, Bob, p, transition.NoInput{}); return err },   // 09:33
		func() error { err := DeleteProject.Fire(ctx, s, Alice, p, transition.NoInput{}); return err },
	} {
		require.NoError(t, fire())
	}
	Drain()
	all := History(t, s)
	require.Len(t, all, 6)

	get := func(f sqlstore.Filter) []sqlstore.Record {
		rs, err := s.History(ctx, f)
		require.NoError(t, err)
		return rs
	}
	timeline := get(sqlstore.Filter{ObjectType: "conformance.Project", ObjectID: Itoa(p.ID)})
	assert.Equal(t, []string{"publish", "unpublish", "delete"}, Transitions(timeline))
	assert.Equal(t, []int64{0, 1, 2}, []int64{timeline[0].Version, timeline[1].Version, timeline[2].Version})
	assert.Equal(t, []string{"rename", "unpublish"}, Transitions(get(sqlstore.Filter{Actor: "bob"})))
	assert.Equal(t, ids(all[3:]), ids(get(sqlstore.Filter{Transition: "delete"})))
	at := func(min int) time.Time { return FixedNow.Add(time.Duration(min) * time.Minute) }
	assert.Equal(t, []string{"rename", "unpublish"}, Transitions(get(sqlstore.Filter{Since: at(2), Until: at(4)})))
	assert.True(t, timeline[0].At.Equal(at(1)), "times read back: %v", timeline[0].At)

	// Pages: After and Limit.
	page := get(sqlstore.Filter{Limit: 4})
	assert.Equal(t, ids(all[:4]), ids(page))
	assert.Equal(t, ids(all[4:]), ids(get(sqlstore.Filter{After: page[3].ID, Limit: 4})))

	// The cascade's rows point at their cause's.
	for _, r := range all[4:] {
		assert.Equal(t, all[3].ID, r.Cause)
		assert.Equal(t, "conformance.Task", r.ObjectType)
	}

	// The feed, from the start and from a cursor.
	feed, err := s.Feed(ctx, 0, 6)
	require.NoError(t, err)
	assert.Equal(t, ids(all), ids(feed))
	feed, err = s.Feed(ctx, 0, 4)
	require.NoError(t, err)
	assert.Equal(t, ids(all[:4]), ids(feed), "a page")
	feed, err = s.Feed(ctx, feed[3].ID, 4)
	require.NoError(t, err)
	assert.Equal(t, ids(all[4:]), ids(feed))
	feed, err = s.Feed(ctx, all[5].ID, 4)
	require.NoError(t, err)
	assert.Empty(t, feed, "nothing after the last row")
	_, err = s.Feed(ctx, 12345, 4)
	assert.True(t, errors.Is(err, sqlstore.ErrCursor), "a cursor that is no row: %v", err)
}

// A request repeated with its idempotency key applies once, and its
// repeat gets the first outcome.
func testIdempotencyKey(t *testing.T, open Opener) {
	s := opened(t, open, sqlstore.Options{}, false)
	Drain()
	p := Seed(t, s, "Roof", Draft, 0)
	again := *p
	ev, err := Publish.FireEvent(ctx, s.Key("k1"), Alice, p, transition.NoInput{})
	require.NoError(t, err)
	assert.False(t, ev.Replayed)

	ev, err = Publish.FireEvent(ctx, s.Key("k1"), Alice, &again, transition.NoInput{})
	require.NoError(t, err, "the repeat is not refused as in the wrong state")
	assert.True(t, ev.Replayed)
	assert.Equal(t, Draft, ev.From)
	assert.Equal(t, Published, ev.To)
	assert.True(t, ev.At.Equal(FixedNow))
	assert.Equal(t, *p, again, "the model is reloaded as stored")
	assert.Equal(t, []string{"publish " + Itoa(p.ID)}, Drain(), "after-commit hooks ran once")
	h := History(t, s)
	require.Len(t, h, 1)
	assert.Equal(t, "k1", h[0].Key)

	// The same key with another input, transition or object: refused,
	// nothing written.
	err = Rename.Fire(ctx, s.Key("k2"), Alice, p, RenameInput{Title: "Attic"})
	require.NoError(t, err)
	err = Rename.Fire(ctx, s.Key("k2"), Alice, p, RenameInput{Title: "Cellar"})
	require.ErrorIs(t, err, transition.ErrIdempotency)
	assert.Contains(t, err.Error(), `key "k2" of alice was used for`)
	err = Unpublish.Fire(ctx, s.Key("k2"), Alice, p, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrIdempotency)
	other := Seed(t, s, "Other", Published, 0)
	err = Rename.Fire(ctx, s.Key("k2"), Alice, other, RenameInput{Title: "Attic"})
	require.ErrorIs(t, err, transition.ErrIdempotency)
	assert.Equal(t, "Attic", LoadProject(t, s, p.ID).Title)
	assert.Equal(t, Published, LoadProject(t, s, p.ID).Status)
	assert.Equal(t, "Other", LoadProject(t, s, other.ID).Title)
	assert.Len(t, History(t, s), 2)

	// Keys are per actor.
	err = Rename.Fire(ctx, s.Key("k2"), Bob, p, RenameInput{Title: "Cellar"})
	require.NoError(t, err)
	assert.Equal(t, "Cellar", LoadProject(t, s, p.ID).Title)

	// A request that fails leaves no key behind: its retry applies.
	stale := *p
	err = Rename.Fire(ctx, s.Key("k3"), Alice, p, RenameInput{Title: "Loft"}) // moves the version on
	require.NoError(t, err)
	err = Unpublish.Fire(ctx, s.Key("k4"), Alice, &stale, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrConflict)
	err = Unpublish.Fire(ctx, s.Key("k4"), Alice, p, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, Draft, LoadProject(t, s, p.ID).Status)

	// FireJSON under a key: the repeat's plan is the first one's steps.
	q := Seed(t, s, "Shed", Draft, 2)
	qAgain := *q
	plan, err := Rename.FireJSON(ctx, s.Key("k5"), Alice, q, []byte(`{"title": "Hut"}`))
	require.NoError(t, err)
	replay, err := Rename.FireJSON(ctx, s.Key("k5"), Alice, &qAgain, []byte(`{"title": "Hut"}`))
	require.NoError(t, err)
	assert.True(t, replay.Replayed())
	assert.False(t, plan.Replayed())
	require.Len(t, replay.Steps, 1)
	assert.Equal(t, "rename", replay.Steps[0].Transition)
	assert.Equal(t, "Hut", qAgain.Title)
}

// 16 identical requests with one key at once: one applies, the others
// wait for it and get its outcome.
func testIdempotencyKeyUnderContention(t *testing.T, open Opener) {
	s := opened(t, open, sqlstore.Options{}, true)
	p := Seed(t, s, "Roof", Draft, 3)
	var applied, replayed atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		copy := *p
		wg.Go(func() {
			ev, err := DeleteProject.FireEvent(ctx, s.Key("same"), Alice, &copy, transition.NoInput{})
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
	assert.Len(t, History(t, s), 4, "the project and its three tasks, once")
}

// Hammer has workers goroutines fire conflicting transitions on the same
// few projects, each reading its copy outside the unit of work (as a
// service reads, then acts): publish, unpublish, and renames that keep the
// state. All read their first copies before any fires, so that some lose
// whatever the scheduler does. It returns how many succeeded per project,
// and how many lost. Reads go through q, fires through s.
func Hammer(t *testing.T, q sqlstore.Querier, s transition.Store[*Repo], projects []int64, workers, rounds int, renameOnly bool) (ok map[int64]int, conflicts int64) {
	var mu sync.Mutex
	ok = map[int64]int{}
	var lost atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	// Every worker reads its first copy before any fires, so the first
	// round conflicts however the goroutines are scheduled: a slow
	// machine can otherwise run them one after another.
	var read sync.WaitGroup
	read.Add(workers)
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				id := projects[(w+r)%len(projects)]
				ps, err := ProjectRows.Select(ctx, q, sqlexpr.Col("id").Eq(id), sqlstore.NoLock)
				if r == 0 {
					read.Done()
					read.Wait()
				}
				if err != nil {
					errs <- err
					return
				}
				p := ps[0]
				switch {
				case renameOnly || r%3 == 2:
					err = Rename.Fire(ctx, s, Alice, p, RenameInput{Title: fmt.Sprintf("w%d r%d", w, r)})
				case p.Status == Draft:
					err = Publish.Fire(ctx, s, Alice, p, transition.NoInput{})
				default:
					err = Unpublish.Fire(ctx, s, Alice, p, transition.NoInput{})
				}
				var ce *transition.ConflictError
				switch {
				case err == nil:
					mu.Lock()
					ok[id]++
					mu.Unlock()
				case errors.As(err, &ce):
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

// CheckReplay proves that each project's history replays exactly to its
// stored state and version, with a row per successful call.
func CheckReplay(t *testing.T, s Store, projects []int64, ok map[int64]int) {
	t.Helper()
	total := 0
	for _, id := range projects {
		p := LoadProject(t, s, id)
		h, err := s.History(ctx, sqlstore.Filter{ObjectType: "conformance.Project", ObjectID: Itoa(id)})
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

// 16 goroutines fire conflicting transitions on the same rows: every
// failure is a conflict, at least one happened, and the history replays
// to what is stored.
func testRaces(t *testing.T, open Opener) {
	s := opened(t, open, sqlstore.Options{}, true)
	Drain()
	var projects []int64
	for i := range 3 {
		projects = append(projects, Seed(t, s, fmt.Sprint("p", i), Draft, 0).ID)
	}
	ok, conflicts := Hammer(t, s.Querier(), s, projects, 16, 30, false)
	Drain()
	t.Logf("%d conflicts", conflicts)
	assert.Positive(t, conflicts, "no conflict happened: the test proved nothing")
	CheckReplay(t, s, projects, ok)
}

// With retries, conflicts are retried until they win, and the history
// still replays. (Renames keep the state: a publish retried on a project
// another writer published is refused, rightly, as in the wrong state.)
func testRacesWithRetries(t *testing.T, open Opener) {
	s := opened(t, open, sqlstore.Options{Retries: 50}, true)
	id := Seed(t, s, "p", Draft, 0).ID
	ok, conflicts := Hammer(t, s.Querier(), s, []int64{id}, 16, 10, true)
	assert.Zero(t, conflicts, "every conflict retried until it won")
	assert.Equal(t, 160, ok[id])
	CheckReplay(t, s, []int64{id}, ok)
}

// Tasks created while their project is being deleted: with Options.Lock
// the delete locks the project before its cascade reads the tasks, and a
// creation reads the project FOR SHARE, so every task ends either deleted
// with its project or refused: none is left open under a deleted project.
func testTasksCreatedWhileTheProjectIsDeleted(t *testing.T, open Opener) {
	s := opened(t, open, sqlstore.Options{Lock: true}, true)
	for round := range 5 {
		p := Seed(t, s, "Roof", Draft, 3)
		var created, refused atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 8 {
			wg.Go(func() {
				<-start
				for range 4 {
					err := CreateTask.Fire(ctx, s, Alice, &Task{ProjectID: p.ID}, transition.NoInput{})
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
			stored := LoadProject(t, s, p.ID)
			err := DeleteProject.Fire(ctx, s, Bob, stored, transition.NoInput{})
			for errors.Is(err, transition.ErrConflict) { // a task's creation does not move the project: no conflict expected, but be sure
				stored = LoadProject(t, s, p.ID)
				err = DeleteProject.Fire(ctx, s, Bob, stored, transition.NoInput{})
			}
			assert.NoError(t, err)
		})
		close(start)
		wg.Wait()
		assert.Equal(t, int32(32), created.Load()+refused.Load())
		assert.Equal(t, ProjectDeleted, LoadProject(t, s, p.ID).Status)
		tasks := TasksIn(t, s, p.ID)
		assert.Len(t, tasks, 3+int(created.Load()))
		for _, task := range tasks {
			assert.Equal(t, TaskDeleted, task.Status, "round %d: task %d was left open under a deleted project", round, task.ID)
		}
		t.Logf("round %d: %d created before the delete, %d refused after", round, created.Load(), refused.Load())
	}
}

// An import backfills the history of objects it found, in a unit of work
// of its own, with steps marked Imported: the history keeps the mark, and
// tells those rows apart from the transitions run since.
func testImportedHistory(t *testing.T, open Opener) {
	s := opened(t, open, sqlstore.Options{}, false)
	p := Seed(t, s, "Roof", Published, 0)
	insert(t, s, func(tx transition.Tx[*Repo]) error {
		return tx.Append(ctx, []transition.Step{{
			Machine: ProjectStatusOf.String(), Object: p.ID, Transition: "import", Actor: "import", At: FixedNow.Add(-time.Hour),
			Moves: []transition.Move{{Field: "status", To: transition.StateRef{Value: Published.Get(), Title: Published.Title()}}},
			Cause: -1, Created: true, Imported: true,
		}})
	})
	err := Unpublish.Fire(ctx, s, Alice, p, transition.NoInput{})
	require.NoError(t, err)
	h := History(t, s)
	require.Len(t, h, 2)
	assert.True(t, h[0].Imported, "the import's row")
	assert.Equal(t, []string{"", "published", "import"}, []string{h[0].From, h[0].To, h[0].Actor})
	assert.True(t, h[0].At.Equal(FixedNow.Add(-time.Hour)))
	assert.False(t, h[1].Imported, "a transition's row")
	assert.Equal(t, "unpublish", h[1].Transition)
}
