package transition_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/transition"
)

// A Runner's Plan, as package registry calls it: it checks the model's
// type and the transition's name, refuses an actor before decoding, names
// the object and actor of invalid input, and plans without applying.
func TestRunnerPlan(t *testing.T) {
	ctx, mem := ContextOf(&DB{})
	run := openRunner(t, Projects)

	_, err := run.Plan(ctx, mem, Alice, &Task{}, "edit", nil, nil)
	assert.EqualError(t, err, "transition: fixture.Project.status runs on a *fixture.Project, not on *fixture.Task")
	_, err = run.Plan(ctx, mem, Alice, &Project{Status: Draft}, "archive", nil, nil)
	assert.ErrorIs(t, err, transition.ErrNotFound)

	p := &Project{ID: 9, Owner: "alice", Status: Published}
	_, err = run.Plan(ctx, mem, Bob, p, "withdraw", []byte(`{"reason": 5}`), nil)
	e := errorOf(t, err, transition.ErrBlocked, "the actor is refused before the payload is decoded")
	assert.Equal(t, []ReasonText{{Err: transition.ErrForbidden, Code: "forbidden.owner", Message: "bob may not Withdraw: only owner"}}, ReasonsOf(e.Reasons))
	js, err := json.Marshal(e)
	require.NoError(t, err)
	assert.JSONEq(t, `{"kind": "blocked", "machine": "fixture.Project.status", "transition": "withdraw", "object": "fixture.Project 9",
		"actor": "bob", "state": {"value": 2, "title": "Published"}, "reasons": [{"code": "forbidden.owner", "message": "bob may not Withdraw: only owner"}],
		"message": "transition: fixture.Project.status \"withdraw\" of fixture.Project 9 (Published) by bob is blocked: bob may not Withdraw: only owner"}`, string(js))

	_, err = run.Plan(ctx, mem, Alice, p, "withdraw", []byte(`{"reason": 5}`), nil)
	e = errorOf(t, err, transition.ErrInvalidInput)
	assert.Equal(t, "fixture.Project 9", e.Object())
	assert.Equal(t, "alice", e.Actor())
	js, err = json.Marshal(e)
	require.NoError(t, err)
	assert.JSONEq(t, `{"kind": "invalid_input", "machine": "fixture.Project.status", "transition": "withdraw", "object": "fixture.Project 9",
		"actor": "alice", "fields": [{"field": "/reason", "code": "type", "message": "must be a string, not number"}],
		"message": "transition: fixture.Project.status \"withdraw\" of fixture.Project 9 by alice: invalid input: /reason: must be a string, not number"}`,
		string(js), "only a blocked error has a state")

	plan, err := run.Plan(ctx, mem, Alice, p, "withdraw", []byte(`{"reason": "done"}`), nil)
	require.NoError(t, err)
	require.Len(t, plan.Steps, 1)
	assert.Equal(t, "withdraw", plan.Steps[0].Transition)
	assert.Equal(t, int64(9), plan.Steps[0].Object)
	assert.Equal(t, Published, p.Status, "planned, not applied")
}

// A Runner's Fire with an empty confirmation digest confirms nothing.
func TestRunnerFireConfirmedNeedsADigest(t *testing.T) {
	ctx, mem := ContextOf(&DB{})
	run := openRunner(t, Projects)
	p := &Project{ID: 9, Owner: "alice", Status: Draft}
	empty := ""
	_, err := run.Fire(ctx, mem, Alice, p, "edit", []byte(`{}`), nil, &empty)
	require.ErrorIs(t, err, transition.ErrConflict)
	assert.Equal(t, Draft, p.Status)
	plan, err := run.Plan(ctx, mem, Alice, p, "edit", []byte(`{}`), nil)
	require.NoError(t, err)
	digest := plan.Digest()
	_, err = run.Fire(ctx, mem, Alice, p, "edit", []byte(`{}`), nil, &digest)
	require.NoError(t, err, "the plan's own digest confirms it")
}

// A schema check that panics fails the step "check the schema", with the
// panic, and changes nothing; one that reports fields makes the input
// invalid.
func TestRunnerSchemaCheck(t *testing.T) {
	ctx, mem := ContextOf(&DB{})
	run := openRunner(t, Projects)
	p := &Project{ID: 9, Owner: "alice", Status: Published}
	panics := func([]byte) []transition.FieldError { panic("schema broke") }
	for name, call := range map[string]func() error{
		"Plan": func() error {
			_, err := run.Plan(ctx, mem, Alice, p, "withdraw", []byte(`{"reason": "done"}`), panics)
			return err
		},
		"Fire": func() error {
			_, err := run.Fire(ctx, mem, Alice, p, "withdraw", []byte(`{"reason": "done"}`), panics, nil)
			return err
		},
	} {
		err := call()
		e := errorOf(t, err, transition.ErrStep, name)
		assert.Equal(t, "check the schema", e.Step, name)
		assert.Equal(t, "schema broke", panicOfError(err), name)
		assert.Equal(t, Published, p.Status, name)
	}

	refuses := func([]byte) []transition.FieldError {
		return []transition.FieldError{{Field: "/reason", Code: "maxLength", Message: "is too long"}}
	}
	_, err := run.Fire(ctx, mem, Alice, p, "withdraw", []byte(`{"reason": "done"}`), refuses, nil)
	e := errorOf(t, err, transition.ErrInvalidInput)
	assert.Equal(t, []transition.FieldError{{Field: "/reason", Code: "maxLength", Message: "is too long"}}, e.Fields)
	assert.Equal(t, Published, p.Status)
}

// A step names its object when it has one, and lists its moves with
// commas; a plan puts a step on each line.
func TestStepAndPlanStrings(t *testing.T) {
	ref := func(title string) transition.StateRef { return transition.StateRef{Title: title} }
	created := transition.Step{Machine: "main.Doc.status", Transition: "create", Moves: []transition.Move{
		{Field: "status", From: ref("(none)"), To: ref("Draft")},
		{Field: "review", From: ref("(none)"), To: ref("Pending")},
	}}
	deleted := transition.Step{Machine: "main.Doc.status", Object: int64(7), Transition: "delete", Moves: []transition.Move{
		{Field: "status", From: ref("Draft"), To: ref("Deleted")},
	}}
	assert.Equal(t, "main.Doc.status: create status (none) -> Draft, review (none) -> Pending", created.String())
	assert.Equal(t, "main.Doc.status 7: delete status Draft -> Deleted", deleted.String())
	assert.Equal(t, "main.Doc.status 7: delete", transition.Step{Machine: "main.Doc.status", Object: 7, Transition: "delete"}.String())

	p := &transition.Plan[*DB]{Steps: []transition.Step{deleted, created}}
	assert.Equal(t, deleted.String()+"\n"+created.String(), p.String())
	assert.Equal(t, created.String(), (&transition.Plan[*DB]{Steps: []transition.Step{created}}).String())
	assert.Empty(t, (&transition.Plan[*DB]{}).String())
}
