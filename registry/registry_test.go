package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/registry"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/schema"
)

func newRegistry(t testing.TB) *registry.Registry[User, *DB] {
	t.Helper()
	reg, err := registry.New[User, *DB](nil, Projects, Reviews, Tasks)
	require.NoError(t, err)
	return reg
}

// fixtureStore holds project 7's tasks: alice's open task 1 and carol's
// task 2, already deleted; and project 3, a draft.
func fixtureStore() *DB {
	return &DB{
		Projects: map[int64]*Project{3: {ID: 3, Owner: "carol", Status: Draft}},
		Tasks: map[int64][]*Task{7: {
			{ID: 1, ProjectID: 7, Owner: "alice", Status: Open},
			{ID: 2, ProjectID: 7, Owner: "carol", Status: TaskDeleted},
		}},
	}
}

var (
	publishInput  = reflect.TypeFor[PublishInput]()
	withdrawInput = reflect.TypeFor[WithdrawInput]()
	decideInput   = reflect.TypeFor[DecideInput]()
)

func TestAvailable(t *testing.T) {
	reg := newRegistry(t)
	draft := func() *Project { return &Project{ID: 7, Owner: "alice", Status: Draft, Review: Approved} }

	// The parts that do not depend on the actor or the state.
	publish := avail{Name: "publish", Title: "Publish", Targets: refs(Published), NeedsInput: true}
	withdraw := avail{Name: "withdraw", Title: "Withdraw", NeedsInput: true, Required: []string{"reason"}}
	edit := avail{Name: "edit", Title: "Edit", Stays: true}
	del := avail{Name: "delete", Title: "Delete", Targets: refs(Deleted)}
	decide := avail{Name: "decide", Title: "Decide", NeedsInput: true, Required: []string{"approve"}}
	available := func(a avail) avail {
		a.Available = true
		return a
	}
	blocked := func(a avail, reasons ...ReasonText) avail {
		a.Reasons = reasons
		return a
	}
	wrongState := func(column, msg string) ReasonText {
		return ReasonText{Err: transition.ErrWrongState, Code: "wrong_state." + column, Message: msg}
	}
	forbidden := func(code, msg string) ReasonText {
		return ReasonText{Err: transition.ErrForbidden, Code: code, Message: msg}
	}

	tests := []struct {
		name  string
		actor User
		model *Project
		want  []avail
	}{{
		name:  "the owner of an approved draft",
		actor: Alice,
		model: draft(),
		want: []avail{
			available(publish),
			blocked(withdraw, wrongState("status", "status is Draft; Withdraw needs Published")),
			available(del), // task 2, already deleted, is skipped
			available(edit),
			blocked(decide,
				wrongState("review", "review is Approved; Decide needs Pending"),
				forbidden("forbidden.admin", "only admin may Decide")),
		},
	}, {
		name:  "another user",
		actor: Bob,
		model: draft(),
		want: []avail{
			blocked(publish, forbidden("forbidden.owner_or_admin", "only owner or admin may Publish")),
			blocked(withdraw,
				wrongState("status", "status is Draft; Withdraw needs Published"),
				forbidden("forbidden.owner", "only owner may Withdraw")),
			blocked(del,
				forbidden("forbidden.owner_or_admin", "only owner or admin may Delete"),
				ReasonText{Err: transition.ErrForbidden, Code: "forbidden.task_owner_or_admin",
					Message: "only task_owner or admin may Delete", Object: "fixture.Task 1 (delete)"}),
			available(edit),
			blocked(decide,
				wrongState("review", "review is Approved; Decide needs Pending"),
				forbidden("forbidden.admin", "only admin may Decide")),
		},
	}, {
		name:  "an admin on a published project awaiting review",
		actor: Root,
		model: &Project{ID: 7, Owner: "alice", Status: Published, Review: Pending},
		want: []avail{
			{Name: "publish", Title: "Publish", NeedsInput: true, Reasons: []ReasonText{
				wrongState("status", "status is Published; Publish needs Draft or Withdrawn"),
				{Err: transition.ErrUnmet, Code: "unmet.review_approved", Message: "needs review is Approved"},
			}},
			{Name: "withdraw", Title: "Withdraw", NeedsInput: true, Required: []string{"reason"}, Targets: refs(Withdrawn),
				Reasons: []ReasonText{forbidden("forbidden.owner", "only owner may Withdraw")}},
			{Name: "delete", Title: "Delete", Reasons: []ReasonText{wrongState("status", "status is Published; Delete needs Draft or Withdrawn")}},
			{Name: "edit", Title: "Edit", Reasons: []ReasonText{wrongState("status", "status is Published; Edit needs Draft")}},
			{Name: "decide", Title: "Decide", Available: true, NeedsInput: true, Required: []string{"approve"}, Targets: refs(Approved, Rejected)},
		},
	}, {
		name:  "the owner of a draft whose parent is not published",
		actor: Alice,
		model: &Project{ID: 7, ParentID: 3, Owner: "alice", Status: Draft, Review: Approved},
		want: []avail{
			blocked(publish, ReasonText{Err: transition.ErrUnmet, Code: "related.parent",
				Message: "needs parent: status is Published (if any)"}),
			blocked(withdraw, wrongState("status", "status is Draft; Withdraw needs Published")),
			available(del),
			available(edit),
			blocked(decide,
				wrongState("review", "review is Approved; Decide needs Pending"),
				forbidden("forbidden.admin", "only admin may Decide")),
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := reg.Available(context.Background(), MemOf(fixtureStore()), tt.actor, tt.model)
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want, availOf(got), cmpOpts); diff != "" {
				t.Errorf("Available (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("tasks", func(t *testing.T) {
		got, err := reg.Available(context.Background(), MemOf(nil), Bob, &Task{ID: 1, Owner: "alice", Status: Done})
		require.NoError(t, err)
		want := []avail{
			{Name: "delete", Title: "Delete", Targets: refs(TaskDeleted), Reasons: []ReasonText{
				forbidden("forbidden.task_owner_or_admin", "only task_owner or admin may Delete"),
			}},
			{Name: "finish", Title: "Finish", Reasons: []ReasonText{wrongState("status", "status is Done; Finish needs Open")}},
		}
		if diff := cmp.Diff(want, availOf(got), cmpOpts); diff != "" {
			t.Errorf("Available (-want +got):\n%s", diff)
		}
	})
}

func TestAvailableErrors(t *testing.T) {
	reg := newRegistry(t)
	ctx, mem := ContextOf(fixtureStore())

	for _, model := range []any{&User{}, Project{}, nil, 7} {
		_, err := reg.Available(ctx, mem, Alice, model)
		assert.ErrorIs(t, err, registry.ErrUnknownModel, "%T", model)
		var me *registry.ModelError
		if assert.ErrorAs(t, err, &me) {
			assert.Equal(t, reflect.TypeOf(model), me.Model)
			assert.Equal(t, []reflect.Type{reflect.TypeFor[*Project](), reflect.TypeFor[*Task]()}, me.Known)
		}
	}
	_, err := reg.Available(ctx, mem, Alice, Project{})
	assert.EqualError(t, err, "registry: no machine is registered for fixture.Project; "+
		"registered models: *fixture.Project, *fixture.Task (pass a *fixture.Project, not a fixture.Project)")
	_, err = reg.Available(ctx, mem, Alice, nil)
	assert.EqualError(t, err, "registry: no model given (nil); registered models: *fixture.Project, *fixture.Task")

	_, err = reg.Available(ctx, mem, Alice, (*Project)(nil))
	assert.ErrorIs(t, err, registry.ErrNilModel)
	assert.NotErrorIs(t, err, registry.ErrUnknownModel)
	assert.EqualError(t, err, "registry: the model is a nil *fixture.Project")

	// An error loading a related model is the machine's, not a reason.
	failing := errors.New("database down")
	_, err = reg.Available(context.Background(), MemOf(&DB{Fail: failing}), Alice, &Project{ID: 7, ParentID: 3, Owner: "alice", Status: Draft, Review: Approved})
	assert.ErrorIs(t, err, failing)
	assert.ErrorContains(t, err, "registry: fixture.Project.status: ")
}

func TestFire(t *testing.T) {
	reg := newRegistry(t)
	ctx, mem := ContextOf(fixtureStore())
	p := &Project{ID: 7, Owner: "alice", Status: Draft, Review: Approved, StartAt: Clock()}
	start := Clock().Add(72 * time.Hour)

	plan, err := reg.Fire(ctx, mem, Alice, p, "publish", []byte(`{"start_at": "2026-11-28T12:00:00Z"}`))
	require.NoError(t, err)
	want := []transition.Step{{
		Machine:    "fixture.Project.status",
		Object:     int64(7),
		Transition: "publish",
		Moves: []transition.Move{{Field: "status",
			From: transition.StateRef{Value: ProjectStatus(1), Title: "Draft"},
			To:   transition.StateRef{Value: ProjectStatus(2), Title: "Published"}}},
		Actor: "alice",
		Input: &PublishInput{StartAt: start},
		At:    Clock(),
		Cause: -1,
	}}
	if diff := cmp.Diff(want, plan.Steps); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	aborted, _ := plan.Aborted()
	assert.False(t, aborted)
	assert.Equal(t, Published, p.Status)
	assert.Equal(t, start, p.StartAt)
	assert.Equal(t, Clock(), p.PublishedAt)

	// A transition of the model's second machine, by the same call.
	q := &Project{ID: 8, Owner: "alice", Status: Draft, Review: Pending}
	plan, err = reg.Fire(ctx, mem, Root, q, "decide", []byte(`{"approve": false}`))
	require.NoError(t, err)
	assert.Equal(t, "fixture.Project.review", plan.Steps[0].Machine)
	assert.Equal(t, Rejected, q.Review)

	// No payload for NoInput; the cascade deletes alice's task.
	r := &Project{ID: 7, Owner: "alice", Status: Draft, Review: Approved}
	s := fixtureStore()
	plan, err = reg.Fire(context.Background(), MemOf(s), Alice, r, "delete", nil)
	require.NoError(t, err)
	assert.Equal(t, Deleted, r.Status)
	assert.Equal(t, TaskDeleted, s.Tasks[7][0].Status)
	require.Len(t, plan.Steps, 2, "the project and its task")
	assert.Equal(t, -1, plan.Steps[0].Cause)
	assert.Equal(t, "fixture.Task.status", plan.Steps[1].Machine)
	assert.Equal(t, 0, plan.Steps[1].Cause, "caused by the project's step")
}

func TestFireErrors(t *testing.T) {
	reg := newRegistry(t)
	ctx, mem := ContextOf(fixtureStore())
	draft := func() *Project { return &Project{ID: 7, Owner: "alice", Status: Draft, Review: Approved} }

	t.Run("unknown name", func(t *testing.T) {
		_, err := reg.Fire(ctx, mem, Alice, draft(), "publsh", nil)
		assert.ErrorIs(t, err, transition.ErrNotFound)
		var nf *registry.NotFoundError
		require.ErrorAs(t, err, &nf)
		assert.Equal(t, &registry.NotFoundError{
			Model: reflect.TypeFor[*Project](),
			Name:  "publsh",
			Names: []string{"publish", "withdraw", "delete", "edit", "decide"},
		}, nf)
		assert.EqualError(t, err, `registry: *fixture.Project has no transition "publsh"; `+
			`its transitions are "publish", "withdraw", "delete", "edit", "decide"`)

		// A name of another model's machine is unknown too.
		_, err = reg.Fire(ctx, mem, Alice, draft(), "finish", nil)
		assert.ErrorIs(t, err, transition.ErrNotFound)
	})

	t.Run("malformed payload", func(t *testing.T) {
		p := &Project{ID: 7, Owner: "alice", Status: Published, Review: Approved}
		before := *p
		_, err := reg.Fire(ctx, mem, Alice, p, "withdraw", []byte(`{"reason": 5, "urgent": true}`))
		assert.ErrorIs(t, err, transition.ErrInvalidInput)
		var ie *transition.Error
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, []transition.FieldError{
			{Field: "/reason", Code: "type", Message: "must be a string, not number"},
			{Field: "/urgent", Code: "unknown", Message: "is not a field of this input"},
		}, ie.Fields)
		assert.Equal(t, before, *p)

		_, err = reg.Fire(ctx, mem, Alice, p, "withdraw", []byte(`{"reason": ""}`))
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, []transition.FieldError{{Field: "/reason", Code: "invalid", Message: "must not be empty"}}, ie.Fields)

		_, err = reg.Fire(ctx, mem, Alice, p, "withdraw", []byte(`{"reason": "x"`))
		assert.ErrorIs(t, err, transition.ErrInvalidInput)
		assert.Equal(t, before, *p)
	})

	t.Run("wrong model", func(t *testing.T) {
		for _, model := range []any{Project{}, &Ticket{}, nil} {
			_, err := reg.Fire(ctx, mem, Alice, model, "publish", nil)
			assert.ErrorIs(t, err, registry.ErrUnknownModel, "%T", model)
		}
		_, err := reg.Fire(ctx, mem, Alice, (*Project)(nil), "publish", nil)
		assert.ErrorIs(t, err, registry.ErrNilModel)
	})

	t.Run("blocked", func(t *testing.T) {
		p := draft()
		before := *p
		_, err := reg.Fire(ctx, mem, Bob, p, "publish", nil)
		assert.ErrorIs(t, err, transition.ErrBlocked)
		assert.ErrorIs(t, err, transition.ErrForbidden)
		var be *transition.Error
		require.ErrorAs(t, err, &be)
		want := []ReasonText{{Err: transition.ErrForbidden, Code: "forbidden.owner_or_admin",
			Message: "bob may not Publish: only owner or admin"}}
		if diff := cmp.Diff(want, ReasonsOf(be.Reasons), cmpOpts); diff != "" {
			t.Errorf("reasons (-want +got):\n%s", diff)
		}
		assert.Equal(t, before, *p)
	})
}

// fakeSchemas is a schema compiler that counts its calls per type, and
// whose checks refuse a payload holding "refuse".
type fakeSchemas struct {
	mu    sync.Mutex
	calls map[reflect.Type]int
	fail  error
}

func (f *fakeSchemas) Compile(t reflect.Type) (json.RawMessage, func([]byte) []transition.FieldError, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[reflect.Type]int{}
	}
	f.calls[t]++
	if f.fail != nil {
		return nil, nil, f.fail
	}
	check := func(payload []byte) []transition.FieldError {
		if strings.Contains(string(payload), "refuse") {
			return []transition.FieldError{{Field: "/reason", Code: "pattern", Message: "must not say refuse"}}
		}
		return nil
	}
	return json.RawMessage(fmt.Sprintf(`{"title":%q}`, t.Name())), check, nil
}

func TestSchemas(t *testing.T) {
	ctx, mem := ContextOf(fixtureStore())
	p := &Project{ID: 7, Owner: "alice", Status: Draft, Review: Approved}

	avs, err := newRegistry(t).Available(ctx, mem, Alice, p)
	require.NoError(t, err)
	for _, av := range avs {
		assert.Nil(t, av.Schema, "no schema without a compiler")
	}

	gen := &fakeSchemas{}
	reg, err := registry.New[User, *DB](&registry.Options{Schemas: gen.Compile}, Projects, Reviews, Tasks)
	require.NoError(t, err)
	assert.Equal(t, map[reflect.Type]int{publishInput: 1, withdrawInput: 1, decideInput: 1}, gen.calls,
		"New compiles each input type's schema once")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				avs, err := reg.Available(ctx, mem, Alice, p)
				if !assert.NoError(t, err) {
					return
				}
				schemas := map[string]string{}
				for _, av := range avs {
					schemas[av.Name] = string(av.Schema)
				}
				assert.Equal(t, map[string]string{
					"publish":  `{"title":"PublishInput"}`,
					"withdraw": `{"title":"WithdrawInput"}`,
					"edit":     "",
					"delete":   "",
					"decide":   `{"title":"DecideInput"}`,
				}, schemas)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, map[reflect.Type]int{publishInput: 1, withdrawInput: 1, decideInput: 1}, gen.calls,
		"Available compiles nothing")

	// Fire checks a payload that decoded against its schema's rules.
	q := &Project{ID: 7, Owner: "alice", Status: Published, Review: Approved}
	before := *q
	_, err = reg.Fire(ctx, mem, Alice, q, "withdraw", []byte(`{"reason": "refuse"}`))
	var ie *transition.Error
	require.ErrorAs(t, err, &ie)
	require.ErrorIs(t, err, transition.ErrInvalidInput)
	assert.Equal(t, []transition.FieldError{{Field: "/reason", Code: "pattern", Message: "must not say refuse"}}, ie.Fields)
	assert.Equal(t, before, *q, "nothing changed")
	// The decoder's errors come first: the check sees only payloads that decode.
	_, err = reg.Fire(ctx, mem, Alice, q, "withdraw", []byte(`{"reason": "refuse", "x": 1}`))
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, []transition.FieldError{{Field: "/x", Code: "unknown", Message: "is not a field of this input"}}, ie.Fields)
	_, err = reg.Fire(ctx, mem, Alice, q, "withdraw", []byte(`{"reason": "done"}`))
	require.NoError(t, err)
	assert.Equal(t, Withdrawn, q.Status)

	// A schema that does not compile fails New, naming the transition.
	failing := &fakeSchemas{fail: errors.New("no schema today")}
	_, err = registry.New[User, *DB](&registry.Options{Schemas: failing.Compile}, Projects, Reviews, Tasks)
	var ce *registry.DefinitionError
	require.ErrorAs(t, err, &ce)
	require.Len(t, ce.Problems, 3, "one problem per input type")
	assert.Equal(t, registry.Problem{Machine: "fixture.Project.status", Transition: "publish", Kind: registry.InvalidSchema,
		Message: "the JSON Schema of its input, fixture.PublishInput, does not compile: no schema today"}, ce.Problems[0])

	// A panicking compiler is a problem too.
	_, err = registry.New[User, *DB](&registry.Options{Schemas: func(reflect.Type) (json.RawMessage, func([]byte) []transition.FieldError, error) {
		panic("boom")
	}}, Projects)
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, ce.Error(), "the schema compiler panicked: boom")
}

// TestSchemasWithSchemaPackage: package transition/schema's compiler fits
// Options.Schemas.
func TestSchemasWithSchemaPackage(t *testing.T) {
	reg, err := registry.New[User, *DB](&registry.Options{Schemas: schema.Compile}, Projects, Reviews, Tasks)
	require.NoError(t, err)
	avs, err := reg.Available(context.Background(), MemOf(fixtureStore()), Alice, &Project{ID: 7, Owner: "alice", Status: Published, Review: Approved})
	require.NoError(t, err)
	require.Equal(t, "withdraw", avs[1].Name)
	var s struct {
		Type       string         `json:"type"`
		Properties map[string]any `json:"properties"`
		Required   []string       `json:"required"`
	}
	require.NoError(t, json.Unmarshal(avs[1].Schema, &s))
	assert.Equal(t, "object", s.Type)
	assert.Contains(t, s.Properties, "reason")
	assert.Equal(t, []string{"reason"}, s.Required)
}

func TestMachinesDropsRepeats(t *testing.T) {
	reg, err := registry.New[User, *DB](nil, Tasks, nil, Projects, Tasks, Reviews)
	require.Error(t, err)
	assert.Equal(t, []string{Tasks.String(), Projects.String(), Reviews.String()}, machineNames(reg))

	// The registry works despite the problems.
	avs, err := reg.Available(context.Background(), MemOf(nil), Alice, &Task{ID: 1, Owner: "alice", Status: Open})
	require.NoError(t, err)
	assert.Len(t, avs, 2, "a repeated machine's transitions are listed once")
}
