package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
	"github.com/statecraft/statecraft/transition/transitiontest"
)

// The transitions, unit by unit, with no database: transitiontest's
// in-memory Store takes sqlstore.Store's place (one line, in memory), the
// machines keep their sqlstore Tables, and the loaders read through them.

// start is the tests' time, as main's.
var start = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

const (
	week  = 7 * 24 * time.Hour
	month = 30 * 24 * time.Hour
)

// memory returns an in-memory Store holding rows (*Project and *Task), on
// a clock set at start: the Store's units of work and Publish's validator
// (which reads clock) read the same time.
func memory(t *testing.T, rows ...any) (*transitiontest.Store[*Repo], *transitiontest.Clock) {
	t.Helper()
	clk := transitiontest.NewClock(start)
	clock = clk.Now
	t.Cleanup(func() { clock = time.Now })
	st := transitiontest.NewStore(newRepo, &sqlstore.Options{Now: clk.Now})
	ctx := context.Background()
	require.NoError(t, st.Update(ctx, func(tx transition.Tx[*Repo]) error {
		for _, r := range rows {
			var err error
			switch r := r.(type) {
			case *Project:
				err = projectRows.Insert(ctx, tx, r)
			case *Task:
				err = taskRows.Insert(ctx, tx, r)
			default:
				err = fmt.Errorf("no table for %T", r)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}))
	return st, clk
}

// project returns alice's project 1 in status s with review r, starting
// at start+d.
func project(s state.State[ProjectStatus], r state.State[ReviewStatus], d time.Duration) *Project {
	return &Project{ID: 1, Title: "p", Owner: "alice", Status: s, Review: r, StartAt: start.Add(d)}
}

// stored reads project id back from st, as committed.
func stored(t *testing.T, st *transitiontest.Store[*Repo], id int64) *Project {
	t.Helper()
	p, err := st.Unit().Project(context.Background(), id)
	require.NoError(t, err)
	require.NotNil(t, p, "project %d", id)
	return p
}

// TestTransitions runs the transitions' unit tests, each a subtest, and
// fails if a transition of the machines was neither fired nor refused in
// any of them: a transition added later cannot go untested.
func TestTransitions(t *testing.T) {
	transitiontest.Cover(t, Projects)
	transitiontest.Cover(t, Reviews)
	transitiontest.Cover(t, Tasks)
	t.Run("PublishNeedsAnApprovedReview", testPublishNeedsAnApprovedReview)
	t.Run("WithdrawMovesTheReview", testWithdrawMovesTheReview)
	t.Run("Recallable", testRecallable)
	t.Run("Review", testReview)
	t.Run("Tasks", testTasks)
	t.Run("DeleteIsPlannedThenConfirmed", testDeleteIsPlannedThenConfirmed)
	t.Run("ConcurrentWriterLoses", testConcurrentWriterLoses)
	t.Run("StaleCopyKeepingTheState", testStaleCopyKeepingTheState)
	t.Run("IdempotencyKey", testIdempotencyKey)
	t.Run("Matrix", testMatrix)
	t.Run("Explore", testExplore)
}

func testPublishNeedsAnApprovedReview(t *testing.T) {
	ctx := context.Background()
	st, _ := memory(t, project(Draft, Pending, month))
	p := stored(t, st, 1)
	transitiontest.Blocked(t, Publish, st, alice, p, "unmet.review_approved")
	transitiontest.Blocked(t, Publish, st, bob, p, "forbidden.owner", "unmet.review_approved")

	err := Approve.Fire(ctx, st, admin, p, transition.NoInput{})
	require.NoError(t, err)
	transitiontest.Available(t, Publish, st, alice, p)
	transitiontest.Blocked(t, Publish, st, bob, p, "forbidden.owner")

	// A start in the past is invalid input: nothing changes.
	err = Publish.Fire(ctx, st, alice, p, PublishInput{StartAt: start.Add(-time.Hour)})
	require.ErrorIs(t, err, transition.ErrInvalidInput)
	assert.Equal(t, Draft, stored(t, st, 1).Status)

	ev, err := Publish.FireEvent(ctx, st, alice, p, PublishInput{StartAt: start.Add(week)})
	require.NoError(t, err)
	assert.Equal(t, "main.Project 1: publish Draft -> Published", ev.String())
	p = stored(t, st, 1)
	assert.Equal(t, start.Add(week), p.StartAt)
	transitiontest.InState(t, Status, p, Future, start)
	transitiontest.Blocked(t, Publish, st, alice, p, "wrong_state.status")
}

func testWithdrawMovesTheReview(t *testing.T) {
	ctx := context.Background()
	st, _ := memory(t, project(Published, Approved, -month))
	p := stored(t, st, 1)
	transitiontest.Blocked(t, Withdraw, st, bob, p, "forbidden.owner")
	err := Withdraw.Fire(ctx, st, alice, p, WithdrawInput{})
	require.ErrorIs(t, err, transition.ErrInvalidInput, "a reason is required")

	ev, err := Withdraw.FireEvent(ctx, st, alice, p, WithdrawInput{Reason: "late"})
	require.NoError(t, err)
	assert.Equal(t, "main.Project 1: withdraw Published -> Withdrawn, review Approved -> Pending", ev.String())
	p = stored(t, st, 1)
	assert.Equal(t, Withdrawn, p.Status)
	assert.Equal(t, Pending, p.Review, "publishing again needs a new approval")
	assert.Equal(t, "late", p.Reason)
	transitiontest.Blocked(t, Publish, st, alice, p, "unmet.review_approved")
	transitiontest.Blocked(t, Withdraw, st, alice, p, "wrong_state.status")

	// A row of history per field, in one step.
	transitiontest.History(t, st, sqlstore.Filter{},
		"main.Project 1 v0: withdraw status 2 -> 3 by alice",
		"main.Project 1 v0: withdraw review approved -> pending by alice")
}

// TestRecallable: redraft starts from the conditional group Recallable,
// withdrawn or Future; whether a published project is in it depends on its
// start and the unit of work's time.
func testRecallable(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name       string
		project    *Project
		recallable bool
	}{
		{"draft", project(Draft, Pending, month), false},
		{"published, started", project(Published, Approved, -time.Hour), false},
		{"published, starting now", project(Published, Approved, 0), false},
		{"published, starting later", project(Published, Approved, time.Hour), true},
		{"withdrawn", project(Withdrawn, Pending, -month), true},
		{"deleted", project(Deleted, Pending, month), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, clk := memory(t, tt.project)
			p := stored(t, st, 1)
			assert.Equal(t, tt.recallable, Recallable.Match(p, clk.Now()))
			if !tt.recallable {
				transitiontest.Blocked(t, Redraft, st, alice, p, "wrong_state.status")
				return
			}
			transitiontest.InState(t, Status, p, Recallable, clk.Now())
			transitiontest.Available(t, Redraft, st, alice, p)
			transitiontest.Blocked(t, Redraft, st, bob, p, "forbidden.owner")
			err := Redraft.Fire(ctx, st, alice, p, transition.NoInput{})
			require.NoError(t, err)
			assert.Equal(t, Draft, stored(t, st, 1).Status)
		})
	}

	// A Future project stops being Recallable when it starts.
	st, clk := memory(t, project(Published, Approved, time.Hour))
	p := stored(t, st, 1)
	transitiontest.InState(t, Status, p, Future, clk.Now())
	clk.Advance(2 * time.Hour)
	transitiontest.InState(t, Status, p, Published, clk.Now())
	assert.False(t, Recallable.Match(p, clk.Now()))
	transitiontest.Blocked(t, Redraft, st, alice, p, "wrong_state.status")
}

func testReview(t *testing.T) {
	ctx := context.Background()
	st, _ := memory(t, project(Draft, Pending, month))
	p := stored(t, st, 1)
	transitiontest.Blocked(t, Approve, st, alice, p, "forbidden.admin")
	transitiontest.Blocked(t, Reject, st, alice, p, "forbidden.admin")
	transitiontest.Blocked(t, Reopen, st, alice, p, "wrong_state.review")

	err := Reject.Fire(ctx, st, admin, p, transition.NoInput{})
	require.NoError(t, err)
	transitiontest.Blocked(t, Approve, st, admin, p, "wrong_state.review")
	transitiontest.Blocked(t, Reopen, st, bob, p, "forbidden.owner")
	err = Reopen.Fire(ctx, st, alice, p, transition.NoInput{})
	require.NoError(t, err)
	err = Approve.Fire(ctx, st, admin, p, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, Approved, stored(t, st, 1).Review)
	transitiontest.Blocked(t, Reject, st, admin, p, "wrong_state.review")
}

func testTasks(t *testing.T) {
	ctx := context.Background()
	st, _ := memory(t, project(Draft, Pending, month),
		&Task{ID: 1, ProjectID: 1, Title: "t", Owner: "alice", Status: Open})
	task, err := st.Unit().Task(ctx, 1)
	require.NoError(t, err)
	transitiontest.Blocked(t, FinishTask, st, bob, task, "forbidden.task_owner")
	transitiontest.Blocked(t, Assign, st, bob, task, "forbidden.task_owner_or_admin")
	ev, err := Assign.FireEvent(ctx, st, admin, task, AssignInput{Owner: "bob"})
	require.NoError(t, err)
	assert.Equal(t, Open, ev.To)
	err = FinishTask.Fire(ctx, st, alice, task, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrForbidden, "bob owns it now")
	err = FinishTask.Fire(ctx, st, bob, task, transition.NoInput{})
	require.NoError(t, err)
	transitiontest.Blocked(t, Assign, st, bob, task, "wrong_state.status")
	err = DeleteTask.Fire(ctx, st, bob, task, transition.NoInput{})
	require.NoError(t, err)
	transitiontest.Blocked(t, DeleteTask, st, bob, task, "wrong_state.status")
}

// TestDeleteIsPlannedThenConfirmed: deleting a project deletes its tasks;
// one the actor may not delete blocks the whole chain; the plan is shown,
// and applied only with the digest of the plan as it is when confirmed.
func testDeleteIsPlannedThenConfirmed(t *testing.T) {
	ctx := context.Background()
	st, _ := memory(t, project(Withdrawn, Pending, -month),
		&Task{ID: 1, ProjectID: 1, Title: "a", Owner: "alice", Status: Done},
		&Task{ID: 2, ProjectID: 1, Title: "b", Owner: "bob", Status: Open},
		&Task{ID: 3, ProjectID: 1, Title: "c", Owner: "alice", Status: TaskDeleted})
	p := stored(t, st, 1)

	// The reason names bob's task: its code is the task's, its Object the task.
	transitiontest.Blocked(t, Delete, st, alice, p, "forbidden.task_owner_or_admin")
	_, err := Delete.Plan(ctx, st, alice, p, transition.NoInput{})
	var e *transition.Error
	require.ErrorAs(t, err, &e)
	require.Len(t, e.Reasons, 1)
	assert.Equal(t, "main.Task 2 (delete)", e.Reasons[0].Object)
	transitiontest.Blocked(t, Delete, st, bob, p, "forbidden.owner_or_admin", "forbidden.task_owner_or_admin")

	plan, err := Delete.Plan(ctx, st, admin, p, transition.NoInput{})
	require.NoError(t, err)
	transitiontest.Steps(t, plan,
		"main.Project.status 1: delete status Withdrawn -> Deleted",
		"main.Task.status 1: delete status Done -> Deleted",
		"main.Task.status 2: delete status Open -> Deleted") // task 3 is already deleted: skipped
	again, err := Delete.Plan(ctx, st, admin, p, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, plan.Digest(), again.Digest(), "the same plan of the same rows")

	// Bob finishes his task in between: the plan the admin saw is not the
	// plan any more.
	task2, err := st.Unit().Task(ctx, 2)
	require.NoError(t, err)
	err = FinishTask.Fire(ctx, st, bob, task2, transition.NoInput{})
	require.NoError(t, err)
	_, err = Delete.FireConfirmed(ctx, st, admin, p, transition.NoInput{}, plan.Digest())
	require.ErrorIs(t, err, transition.ErrConflict)
	assert.Equal(t, Withdrawn, stored(t, st, 1).Status, "nothing applied")
	_, err = Delete.FireConfirmed(ctx, st, admin, p, transition.NoInput{}, "")
	require.ErrorIs(t, err, transition.ErrConflict, "an empty digest confirms nothing")

	plan, err = Delete.Plan(ctx, st, admin, p, transition.NoInput{})
	require.NoError(t, err)
	transitiontest.Steps(t, plan,
		"main.Project.status 1: delete status Withdrawn -> Deleted",
		"main.Task.status 1: delete status Done -> Deleted",
		"main.Task.status 2: delete status Done -> Deleted")
	_, err = Delete.FireConfirmed(ctx, st, admin, p, transition.NoInput{}, plan.Digest())
	require.NoError(t, err)
	require.NoError(t, noLiveTaskOfADeletedProject.Check(ctx, st))
	assert.Equal(t, Deleted, stored(t, st, 1).Status)
}

// samples are a project in every state and conditional state of its
// status; the review's and the tasks' matrices have their own.
func samples() []transitiontest.Sample[Project] {
	return []transitiontest.Sample[Project]{
		{Name: "draft, not reviewed", Model: project(Draft, Pending, month)},
		{Name: "draft, approved", Model: project(Draft, Approved, month)},
		{Name: "published, started", Model: project(Published, Approved, -month)},
		{Name: "published, starting later", Model: project(Published, Approved, month)},
		{Name: "withdrawn", Model: project(Withdrawn, Pending, -month)},
		{Name: "deleted", Model: project(Deleted, Pending, -month)},
	}
}

var roles = []transitiontest.Role[User]{{Name: "owner", Actor: alice}, {Name: "stranger", Actor: bob}, {Name: "admin", Actor: admin}}

// testMatrix snapshots who may run which transition in which state, for
// each machine, in testdata/projects.matrix: a change fails with a diff
// (go test -update accepts it). Every state and conditional state must
// have a sample.
func testMatrix(t *testing.T) {
	st, _ := memory(t) // no tasks: the cascades have nothing to check
	var b strings.Builder
	b.WriteString(transitiontest.Matrix(t, Projects, st, samples(), roles))
	b.WriteString("\n")
	b.WriteString(transitiontest.Matrix(t, Reviews, st, []transitiontest.Sample[Project]{
		{Name: "pending", Model: project(Draft, Pending, month)},
		{Name: "approved", Model: project(Published, Approved, month)},
		{Name: "rejected", Model: project(Draft, Rejected, month)},
	}, roles))
	b.WriteString("\n")
	task := func(s state.State[TaskStatus]) *Task { return &Task{ID: 1, ProjectID: 1, Owner: "alice", Status: s} }
	b.WriteString(transitiontest.Matrix(t, Tasks, st, []transitiontest.Sample[Task]{
		{Name: "open", Model: task(Open)},
		{Name: "done", Model: task(Done)},
		{Name: "deleted", Model: task(TaskDeleted)},
	}, roles))
	transitiontest.Golden(t, filepath.Join("testdata", "projects.matrix"), b.String(), *update)
}

// noLiveTaskOfADeletedProject is what the cascade of Delete promises.
var noLiveTaskOfADeletedProject = transitiontest.Invariant[*Repo]{
	Name: "no deleted project has a live task",
	Check: func(ctx context.Context, sc transition.Scope[*Repo]) error {
		deleted, err := sc.Unit().Projects(ctx, Status.In(Deleted).Expr())
		if err != nil {
			return err
		}
		var errs []error
		for _, p := range deleted {
			tasks, err := tasksOf(ctx, sc.Unit(), p)
			if err != nil {
				return err
			}
			for _, t := range tasks {
				if t.Status != TaskDeleted {
					errs = append(errs, fmt.Errorf("task %d is %s in deleted project %d", t.ID, t.Status, p.ID))
				}
			}
		}
		return errors.Join(errs...)
	},
}

// testExplore fires every transition, by every role, on every object, in
// every sequence from a draft project with a task of alice's and one of
// bob's, and checks after each step that no deleted project has a live
// task.
func testExplore(t *testing.T) {
	st, _ := memory(t, project(Draft, Pending, month),
		&Task{ID: 1, ProjectID: 1, Title: "a", Owner: "alice", Status: Open},
		&Task{ID: 2, ProjectID: 1, Title: "b", Owner: "bob", Status: Open})
	projects := func(ctx context.Context, sc transition.Scope[*Repo]) ([]*Project, error) {
		return sc.Unit().Projects(ctx, sqlexpr.True)
	}
	tasks := func(ctx context.Context, sc transition.Scope[*Repo]) ([]*Task, error) {
		return sc.Unit().Tasks(ctx, sqlexpr.True)
	}
	r := transitiontest.Explore(t, st, transitiontest.Exploration[Project, ProjectStatus, User, *Repo]{
		Root: func(ctx context.Context, sc transition.Scope[*Repo]) (*Project, error) {
			return sc.Unit().Project(ctx, 1)
		},
		Field:  Status,
		Actors: roles,
		Moves: []transitiontest.Move[User, *Repo]{
			transitiontest.Try(Publish, projects),
			transitiontest.Try(Withdraw, projects, WithdrawInput{Reason: "late"}),
			transitiontest.Try(Redraft, projects),
			transitiontest.Try(Delete, projects),
			transitiontest.Try(Approve, projects),
			transitiontest.Try(Reject, projects),
			transitiontest.Try(Reopen, projects),
			transitiontest.Try(FinishTask, tasks),
			transitiontest.Try(Assign, tasks, AssignInput{Owner: "bob"}),
			transitiontest.Try(DeleteTask, tasks),
		},
		Invariants: []transitiontest.Invariant[*Repo]{noLiveTaskOfADeletedProject},
		// Every step bumps a version: states are told apart without them.
		Key: func(ctx context.Context, sc transition.Scope[*Repo]) (string, error) {
			var b strings.Builder
			ps, err := projects(ctx, sc)
			if err != nil {
				return "", err
			}
			for _, p := range ps {
				fmt.Fprintf(&b, "project %d %s %s %q;", p.ID, p.Status, p.Review, p.Reason)
			}
			ts, err := tasks(ctx, sc)
			for _, t := range ts {
				fmt.Fprintf(&b, "task %d %s %s;", t.ID, t.Status, t.Owner)
			}
			return b.String(), err
		},
	})
	t.Log(r)
	assert.Nil(t, r.Broken)
	assert.Empty(t, r.Truncated)
	assert.Empty(t, r.Unreached)
	assert.Empty(t, r.Unfired)
	assert.Equal(t, []string{"main.Project 1: delete Draft -> Deleted by admin"}, r.Paths["Deleted"],
		"the owner may not delete bob's task: only the admin deletes the project in one step")
	assert.Equal(t, []string{
		"main.Project 1: approve Pending -> Approved by admin",
		"main.Project 1: publish Draft -> Published by owner",
	}, r.Paths["Recallable"], "published, starting in a month: Future")
	assert.Equal(t, Draft, stored(t, st, 1).Status, "the store is left as it was")
}

// storedTask reads task id back from st, as committed.
func storedTask(t *testing.T, st *transitiontest.Store[*Repo], id int64) *Task {
	t.Helper()
	task, err := st.Unit().Task(context.Background(), id)
	require.NoError(t, err)
	require.NotNil(t, task, "task %d", id)
	return task
}

// testConcurrentWriterLoses: a transition run on a stale copy, after
// another writer saved the row, fails with a conflict, is undone in
// memory, and leaves the row and the history as the other writer left
// them.
func testConcurrentWriterLoses(t *testing.T) {
	ctx := context.Background()
	st, _ := memory(t, project(Published, Approved, -month))
	stale := stored(t, st, 1) // Published, version 0
	err := Withdraw.Fire(ctx, st, alice, stored(t, st, 1), WithdrawInput{Reason: "out of budget"})
	require.NoError(t, err)

	err = Withdraw.Fire(ctx, st, alice, stale, WithdrawInput{Reason: "late"})
	require.ErrorIs(t, err, transition.ErrConflict)
	var conflict *transition.ConflictError
	require.ErrorAs(t, err, &conflict)
	assert.Equal(t, &transition.ConflictError{Object: "main.Project 1", Expected: "version 0", Found: "version 1"}, conflict)
	assert.Equal(t, Published, stale.Status, "the transition is undone in memory")
	assert.Equal(t, Approved, stale.Review, "both fields")
	assert.Empty(t, stale.Reason)
	assert.Zero(t, stale.Version)

	now := stored(t, st, 1)
	assert.Equal(t, Withdrawn, now.Status, "the other writer's change stands")
	assert.Equal(t, "out of budget", now.Reason)
	assert.Equal(t, int64(1), now.Version)
	assert.Equal(t, Pending, now.Review)
	transitiontest.History(t, st, sqlstore.Filter{}, // only the winner: a row for each field withdraw moves
		"main.Project 1 v0: withdraw status 2 -> 3 by alice",
		"main.Project 1 v0: withdraw review approved -> pending by alice")
}

// testStaleCopyKeepingTheState: two writers read a task and each runs a
// transition that keeps its state. Comparing the status, as this example
// once did (UPDATE ... WHERE id = ? AND status = ?), let the second write
// over the first without a word; comparing the version refuses it, and
// nothing of it is written.
func testStaleCopyKeepingTheState(t *testing.T) {
	ctx := context.Background()
	st, _ := memory(t, project(Published, Approved, month), &Task{ID: 4, ProjectID: 1, Title: "Write the copy", Owner: "bob", Status: Open})
	first, second := storedTask(t, st, 4), storedTask(t, st, 4)

	ev, err := Assign.FireEvent(ctx, st, bob, first, AssignInput{Owner: "carol"})
	require.NoError(t, err)
	assert.Equal(t, Open, ev.To, "assign keeps the state")
	assert.Equal(t, int64(1), first.Version)

	err = Assign.Fire(ctx, st, admin, second, AssignInput{Owner: "dave"})
	require.ErrorIs(t, err, transition.ErrConflict)
	assert.Equal(t, "bob", second.Owner, "the stale copy is restored")
	assert.Zero(t, second.Version)

	now := storedTask(t, st, 4)
	assert.Equal(t, "carol", now.Owner, "the first writer's change stands")
	assert.Equal(t, Open, now.Status)
	assert.Equal(t, int64(1), now.Version)
	transitiontest.History(t, st, sqlstore.Filter{}, "main.Task 4 v0: assign status open -> open by bob") // not the second writer
}

// testIdempotencyKey: a request repeated with its key applies once; the
// key names one request, and refuses another.
func testIdempotencyKey(t *testing.T) {
	ctx := context.Background()
	other := project(Published, Approved, -month)
	other.ID = 2
	st, _ := memory(t, project(Published, Approved, -month), other)
	for i := range 2 {
		ev, err := Withdraw.FireEvent(ctx, st.Key("k"), alice, stored(t, st, 1), WithdrawInput{Reason: "late"})
		require.NoError(t, err, "the repeat is not refused as not Published")
		assert.Equal(t, i == 1, ev.Replayed)
		assert.Equal(t, Withdrawn, ev.To)
	}
	assert.Equal(t, int64(1), stored(t, st, 1).Version, "applied once")
	transitiontest.History(t, st, sqlstore.Filter{}, // the status and the review, once
		`main.Project 1 v0: withdraw status 2 -> 3 by alice key "k"`,
		`main.Project 1 v0: withdraw review approved -> pending by alice key "k"`)

	err := Withdraw.Fire(ctx, st.Key("k"), alice, stored(t, st, 2), WithdrawInput{Reason: "late"})
	require.ErrorIs(t, err, transition.ErrIdempotency, "the key was used for project 1")
	assert.Equal(t, Published, stored(t, st, 2).Status)
}
