package transition_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/transition"
)

// TestProjectLifecycle walks the seed's Project example end to end: draft,
// publish with a start date, withdraw with a required reason, delete, and
// the Gone group.
func TestProjectLifecycle(t *testing.T) {
	var steps []transition.Step
	ctx, mem := ContextOf(&DB{Observe: func(_ any, s transition.Step) error { steps = append(steps, s); return nil }})
	p := &Project{ID: 7, Owner: "alice", Status: Draft, Review: Approved, StartAt: Clock()}

	start := Clock().Add(72 * time.Hour)
	ev, err := Publish.FireEvent(ctx, mem, Alice, p, PublishInput{StartAt: start})
	require.NoError(t, err)
	assert.Equal(t, Published, p.Status)
	assert.Equal(t, start, p.StartAt, "the effect sets the start date")
	assert.Equal(t, Clock(), p.PublishedAt, "the effect stamps the time from the injected clock")
	assert.False(t, Gone.Contains(p.Status))

	want := []transition.Step{{
		Machine:    "fixture.Project.status",
		Object:     int64(7),
		Transition: "publish",
		Moves: []transition.Move{{
			Field: "status",
			From:  transition.StateRef{Value: ProjectStatus(1), Title: "Draft"},
			To:    transition.StateRef{Value: ProjectStatus(2), Title: "Published"},
		}},
		Actor: "alice",
		Input: &PublishInput{StartAt: start},
		At:    Clock(),
		Cause: -1,
	}}
	if diff := cmp.Diff(want, steps); diff != "" {
		t.Errorf("publish step (-want +got):\n%s", diff)
	}
	wantEvent := transition.Event[Project, ProjectStatus, User, PublishInput]{
		Name: "publish", Model: p, From: Draft, To: Published, Actor: Alice, Input: PublishInput{StartAt: start}, At: Clock(),
	}
	if diff := cmp.Diff(wantEvent, *ev, cmpopts.IgnoreUnexported(transition.Event[Project, ProjectStatus, User, PublishInput]{})); diff != "" {
		t.Errorf("publish event (-want +got):\n%s", diff)
	}
	assert.Equal(t, "fixture.Project 7: publish Draft -> Published", ev.String())

	// Withdraw needs a reason: without one nothing changes.
	before := *p
	err = Withdraw.Fire(ctx, mem, Alice, p, WithdrawInput{})
	ie := errorOf(t, err, transition.ErrInvalidInput)
	assert.ErrorIs(t, err, transition.ErrInvalidInput)
	assert.Equal(t, []transition.FieldError{{Field: "/reason", Code: "invalid", Message: "must not be empty"}}, ie.Fields)
	assert.Equal(t, before, *p)

	ev2, err := Withdraw.FireEvent(ctx, mem, Alice, p, WithdrawInput{Reason: "budget cut"})
	require.NoError(t, err)
	assert.Equal(t, Withdrawn, p.Status)
	assert.Equal(t, "budget cut", p.Reason)
	assert.True(t, Gone.Contains(p.Status))
	assert.Equal(t, "Withdrawn", ev2.To.Title())

	// Gone is a source of delete; Deleted is final and in Gone.
	err = Delete.Fire(ctx, mem, Alice, p, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, Deleted, p.Status)
	assert.True(t, Gone.Contains(p.Status))

	// Nothing leaves Deleted.
	can := map[string]func(context.Context, transition.Scope[*DB], User, *Project) bool{
		"publish": Publish.Can, "withdraw": Withdraw.Can, "delete": Delete.Can, "edit": Edit.Can,
	}
	for _, name := range Projects.Names() {
		a, ok := can[name]
		require.True(t, ok, name)
		assert.False(t, a(ctx, mem, Root, p), name)
	}
	assert.Len(t, can, len(Projects.Names()))
}

// TestPublishNeedsApprovedReview: a second state manager on the same model
// gates publishing.
func TestPublishNeedsApprovedReview(t *testing.T) {
	ctx, mem := ContextOf(&DB{})
	p := &Project{ID: 1, Owner: "alice", Status: Draft, Review: Pending}

	err := Publish.Fire(ctx, mem, Alice, p, PublishInput{})
	be := errorOf(t, err, transition.ErrBlocked)
	assert.ErrorIs(t, err, transition.ErrUnmet)
	assert.NotErrorIs(t, err, transition.ErrForbidden)
	assert.Equal(t, []ReasonText{{Err: transition.ErrUnmet, Code: "unmet.review_approved", Message: "needs review is Approved"}}, ReasonsOf(be.Reasons))
	assert.True(t, be.Reasons[0].Of(Review.In(Approved)))
	assert.False(t, be.Reasons[0].Of(Review.In(Pending)))
	assert.Equal(t, Draft, p.Status)

	// Only an admin may decide; deciding picks its target from the input.
	err = Decide.Fire(ctx, mem, Alice, p, DecideInput{Approve: true})
	assert.ErrorIs(t, err, transition.ErrForbidden)
	ev, err := Decide.FireEvent(ctx, mem, Root, p, DecideInput{Approve: true})
	require.NoError(t, err)
	assert.Equal(t, Approved, ev.To)

	err = Publish.Fire(ctx, mem, Alice, p, PublishInput{})
	require.NoError(t, err)
	assert.Equal(t, Published, p.Status)
}

func TestDecideRejects(t *testing.T) {
	p := &Project{Review: Pending}
	ev, err := Decide.FireEvent(context.Background(), MemOf(&DB{}), Root, p, DecideInput{Approve: false})
	require.NoError(t, err)
	assert.Equal(t, Rejected, p.Review)
	assert.Equal(t, Pending, ev.From)
}

// TestPublishNeedsPublishedParent: a state manager on a related model gates
// publishing.
func TestPublishNeedsPublishedParent(t *testing.T) {
	parent := &Project{ID: 1, Owner: "alice", Status: Draft, Review: Approved}
	child := &Project{ID: 2, ParentID: 1, Owner: "alice", Status: Draft, Review: Approved}
	s := &DB{Projects: map[int64]*Project{1: parent, 2: child}}
	ctx, mem := ContextOf(s)

	err := Publish.Check(ctx, mem, Alice, child)
	be := errorOf(t, err, transition.ErrBlocked)
	assert.Equal(t, []ReasonText{{
		Err: transition.ErrUnmet, Code: "related.parent",
		Message: "needs parent: status is Published (if any)",
	}}, ReasonsOf(be.Reasons))
	assert.True(t, be.Reasons[0].Of(ParentPublished))
	assert.False(t, be.Reasons[0].Of(transition.Related("parent", LoadParent, Status.In(Published))), "another declaration, though named alike")
	assert.False(t, Publish.Can(ctx, mem, Alice, child))

	err = Publish.Fire(ctx, mem, Alice, parent, PublishInput{})
	require.NoError(t, err)
	require.NoError(t, Publish.Check(ctx, mem, Alice, child))
	err = Publish.Fire(ctx, mem, Alice, child, PublishInput{})
	require.NoError(t, err)

	// A failing load is an error of its own, not a reason.
	s.Fail = errors.New("database down")
	orphan := &Project{ID: 3, ParentID: 1, Owner: "alice", Status: Draft, Review: Approved}
	err = Publish.Check(ctx, mem, Alice, orphan)
	require.ErrorContains(t, err, "database down")
	assert.NotErrorIs(t, err, transition.ErrBlocked)
	err = Publish.Fire(ctx, mem, Alice, orphan, PublishInput{})
	require.ErrorContains(t, err, "database down")
	assert.Equal(t, Draft, orphan.Status)
}

// TestDeleteCascadesToTasks: deleting a project deletes its tasks; one task
// the actor may not delete blocks the whole chain, and nothing changes.
func TestDeleteCascadesToTasks(t *testing.T) {
	newWorld := func() (*Project, *DB) {
		p := &Project{ID: 1, Owner: "alice", Status: Draft}
		s := &DB{Tasks: map[int64][]*Task{1: {
			{ID: 10, ProjectID: 1, Owner: "alice", Status: Open},
			{ID: 11, ProjectID: 1, Owner: "bob", Status: Done},
			{ID: 12, ProjectID: 1, Owner: "alice", Status: TaskDeleted}, // already deleted: skipped
		}}}
		return p, s
	}

	t.Run("one forbidden task blocks the chain", func(t *testing.T) {
		p, s := newWorld()
		ctx, mem := ContextOf(s)
		beforeP, beforeTasks := *p, copyTasks(s.Tasks[1])

		err := Delete.Check(ctx, mem, Alice, p)
		be := errorOf(t, err, transition.ErrBlocked)
		assert.ErrorIs(t, err, transition.ErrForbidden)
		want := []ReasonText{{
			Err: transition.ErrForbidden, Code: "forbidden.task_owner_or_admin",
			Message: "alice may not Delete: only task_owner or admin",
			Object:  "fixture.Task 11 (delete)",
		}}
		if diff := cmp.Diff(want, ReasonsOf(be.Reasons), cmpErrors); diff != "" {
			t.Errorf("reasons (-want +got):\n%s", diff)
		}
		assert.True(t, be.Reasons[0].Of("task_owner"))
		assert.True(t, be.Reasons[0].Of("admin"))
		assert.False(t, be.Reasons[0].Of("owner"), "the task's Allow names, not the project's")
		assert.False(t, Delete.Can(ctx, mem, Alice, p) && Delete.Check(ctx, mem, Alice, p) == nil)

		err = Delete.Fire(ctx, mem, Alice, p, transition.NoInput{})
		be = errorOf(t, err, transition.ErrBlocked)
		assert.Equal(t, "fixture.Project 1", be.Object())
		assert.Equal(t, beforeP, *p, "the project is unchanged")
		assert.Equal(t, beforeTasks, copyTasks(s.Tasks[1]), "no task changed")
	})

	t.Run("allowed for the whole chain", func(t *testing.T) {
		p, s := newWorld()
		var got []string
		var steps []transition.Step
		s.Observe = func(m any, st transition.Step) error {
			steps = append(steps, st)
			cause := ""
			if st.Cause >= 0 {
				cause = " caused by " + steps[st.Cause].Transition
			}
			got = append(got, reflect.TypeOf(m).Elem().String()+" "+st.Moves[0].From.Title+" -> "+st.Moves[0].To.Title+cause)
			return nil
		}
		ev, err := Delete.FireEvent(context.Background(), MemOf(s), Root, p, transition.NoInput{})
		require.NoError(t, err)
		assert.Nil(t, ev.Cause)
		assert.Equal(t, Deleted, p.Status)
		for _, task := range s.Tasks[1] {
			assert.Equal(t, TaskDeleted, task.Status, "task %d", task.ID)
		}
		assert.Equal(t, []string{
			"fixture.Project Draft -> Deleted",
			"fixture.Task Open -> Deleted caused by delete",
			"fixture.Task Done -> Deleted caused by delete",
		}, got, "observers receive every event, in order")
	})
}

func copyTasks(ts []*Task) []Task {
	out := make([]Task, len(ts))
	for i, t := range ts {
		out[i] = *t
	}
	return out
}
