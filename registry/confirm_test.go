package registry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/registry"
	"github.com/statecraft/statecraft/transition"
)

// A chain planned by name, shown, and applied only as confirmed: Plan
// applies nothing; FireConfirmed with the plan's digest applies it; once
// the chain would do something else, the same digest is a conflict and
// nothing changes.
func TestPlanThenFireConfirmed(t *testing.T) {
	reg := newRegistry(t)
	ctx := context.Background()
	s := fixtureStore()
	mem := MemOf(s)
	p := &Project{ID: 7, Owner: "alice", Status: Draft, Review: Approved}

	plan, err := reg.Plan(ctx, mem, Alice, p, "delete", nil)
	require.NoError(t, err)
	require.Len(t, plan.Steps, 2, "the project and alice's live task")
	assert.Equal(t, "fixture.Task.status", plan.Steps[1].Machine)
	assert.Equal(t, Draft, p.Status, "planning applies nothing")
	assert.Equal(t, Open, s.Tasks[7][0].Status)
	digest := plan.Digest()
	require.NotEmpty(t, digest)

	// The chain changed: another live task. The confirmed digest no
	// longer matches.
	s.Tasks[7] = append(s.Tasks[7], &Task{ID: 3, ProjectID: 7, Owner: "alice", Status: Open})
	_, err = reg.FireConfirmed(ctx, mem, Alice, p, "delete", nil, digest)
	var ce *transition.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, Draft, p.Status, "nothing applied")
	assert.Equal(t, Open, s.Tasks[7][2].Status)

	// Planned again and confirmed: applied.
	plan, err = reg.Plan(ctx, mem, Alice, p, "delete", []byte(`{}`))
	require.NoError(t, err)
	require.Len(t, plan.Steps, 3)
	applied, err := reg.FireConfirmed(ctx, mem, Alice, p, "delete", []byte(`{}`), plan.Digest())
	require.NoError(t, err)
	assert.Equal(t, plan.Digest(), applied.Digest())
	assert.Equal(t, Deleted, p.Status)
	assert.Equal(t, TaskDeleted, s.Tasks[7][2].Status)

	// An empty digest confirms nothing.
	q := &Project{ID: 8, Owner: "alice", Status: Draft}
	_, err = reg.FireConfirmed(ctx, mem, Alice, q, "delete", nil, "")
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, &transition.ConflictError{Object: "fixture.Project 8", Expected: "the digest of a confirmed plan", Found: "none"}, ce)
	assert.Equal(t, Draft, q.Status)
}

// Plan's errors are Fire's, and it checks permissions before it decodes.
func TestPlanErrors(t *testing.T) {
	reg := newRegistry(t)
	ctx, mem := ContextOf(fixtureStore())
	draft := &Project{ID: 7, Owner: "alice", Status: Draft, Review: Approved}

	_, err := reg.Plan(ctx, mem, Alice, draft, "publsh", nil)
	var nf *registry.NotFoundError
	require.ErrorAs(t, err, &nf)
	assert.ErrorIs(t, err, transition.ErrNotFound)

	_, err = reg.Plan(ctx, mem, Bob, draft, "publish", []byte(`not json`))
	require.ErrorIs(t, err, transition.ErrBlocked, "bob may not: the payload is never decoded")
	var te *transition.Error
	require.ErrorAs(t, err, &te)
	assert.Equal(t, []string{"forbidden.owner_or_admin"}, codesOf(te.Reasons))

	_, err = reg.Plan(ctx, mem, Alice, draft, "publish", []byte(`{"start_at": 7}`))
	require.ErrorIs(t, err, transition.ErrInvalidInput)

	// A cascaded step that is blocked blocks the plan, with its reason.
	_, err = reg.Plan(ctx, mem, Bob, &Project{ID: 7, Owner: "bob", Status: Draft}, "delete", nil)
	require.ErrorIs(t, err, transition.ErrBlocked)
	require.ErrorAs(t, err, &te)
	assert.Equal(t, []string{"forbidden.task_owner_or_admin"}, codesOf(te.Reasons))
	assert.Equal(t, "fixture.Task 1 (delete)", te.Reasons[0].Object)

	_, err = reg.Plan(ctx, mem, Alice, (*Project)(nil), "delete", nil)
	assert.True(t, errors.Is(err, registry.ErrNilModel), "%v", err)
}

func codesOf(rs []transition.Reason) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Code
	}
	return out
}
