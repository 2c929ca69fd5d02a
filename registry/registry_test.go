package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/registry"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/schema"
)

func newRegistry(t testing.TB) *registry.Registry[User, *store] {
	t.Helper()
	reg, err := registry.New[User, *store](Projects, Reviews, Tasks)
	require.NoError(t, err)
	return reg
}

// fixtureStore holds project 7's tasks: alice's open task 1 and carol's
// task 2, already deleted; and project 3, a draft.
func fixtureStore() *store {
	return &store{
		projects: map[int64]*Project{3: {ID: 3, Owner: "carol", Status: Draft}},
		tasks: map[int64][]*Task{7: {
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
	publish := avail{Name: "publish", Title: "Publish", Targets: []string{"Published"}, NeedsInput: true, Input: publishInput}
	withdraw := avail{Name: "withdraw", Title: "Withdraw", NeedsInput: true, Required: []string{"reason"}, Input: withdrawInput}
	edit := avail{Name: "edit", Title: "Edit", Stays: true}
	del := avail{Name: "delete", Title: "Delete", Targets: []string{"Deleted"}}
	decide := avail{Name: "decide", Title: "Decide", NeedsInput: true, Required: []string{"approve"}, Input: decideInput}
	available := func(a avail) avail {
		a.Available = true
		return a
	}
	blocked := func(a avail, reasons ...reason) avail {
		a.Reasons = reasons
		return a
	}
	wrongState := func(msg string) reason {
		return reason{Err: transition.ErrWrongState, Check: "state", Message: msg}
	}
	forbidden := func(check, msg string) reason {
		return reason{Err: transition.ErrForbidden, Check: check, Message: msg}
	}

	tests := []struct {
		name  string
		actor User
		model *Project
		want  []avail
	}{{
		name:  "the owner of an approved draft",
		actor: alice,
		model: draft(),
		want: []avail{
			available(publish),
			blocked(withdraw, wrongState("status is Draft; withdraw needs Published")),
			available(del), // task 2, already deleted, is skipped
			available(edit),
			blocked(decide,
				wrongState("review is Approved; decide needs Pending"),
				forbidden("an admin", "alice may not decide: only an admin")),
		},
	}, {
		name:  "another user",
		actor: bob,
		model: draft(),
		want: []avail{
			blocked(publish, forbidden("the owner or an admin", "bob may not publish: only the owner or an admin")),
			blocked(withdraw,
				wrongState("status is Draft; withdraw needs Published"),
				forbidden("the owner", "bob may not withdraw: only the owner")),
			blocked(del,
				forbidden("the owner or an admin", "bob may not delete: only the owner or an admin"),
				reason{Err: transition.ErrForbidden, Check: "the task's owner or an admin",
					Message: "bob may not delete: only the task's owner or an admin", Object: "registry_test.Task 1 (delete)"}),
			available(edit),
			blocked(decide,
				wrongState("review is Approved; decide needs Pending"),
				forbidden("an admin", "bob may not decide: only an admin")),
		},
	}, {
		name:  "an admin on a published project awaiting review",
		actor: root,
		model: &Project{ID: 7, Owner: "alice", Status: Published, Review: Pending},
		want: []avail{
			{Name: "publish", Title: "Publish", NeedsInput: true, Input: publishInput, Reasons: []reason{
				wrongState("status is Published; publish needs Draft or Withdrawn"),
				{Err: transition.ErrUnmet, Check: "review is Approved", Message: "needs review is Approved"},
			}},
			{Name: "withdraw", Title: "Withdraw", NeedsInput: true, Required: []string{"reason"}, Input: withdrawInput, Targets: []string{"Withdrawn"},
				Reasons: []reason{forbidden("the owner", "root may not withdraw: only the owner")}},
			{Name: "delete", Title: "Delete", Reasons: []reason{wrongState("status is Published; delete needs Draft or Withdrawn")}},
			{Name: "edit", Title: "Edit", Reasons: []reason{wrongState("status is Published; edit needs Draft")}},
			{Name: "decide", Title: "Decide", Available: true, NeedsInput: true, Required: []string{"approve"}, Input: decideInput, Targets: []string{"Approved", "Rejected"}},
		},
	}, {
		name:  "the owner of a draft whose parent is not published",
		actor: alice,
		model: &Project{ID: 7, ParentID: 3, Owner: "alice", Status: Draft, Review: Approved},
		want: []avail{
			blocked(publish, reason{Err: transition.ErrUnmet, Check: "parent: status is Published (if any)",
				Message: "needs parent: status is Published (if any)"}),
			blocked(withdraw, wrongState("status is Draft; withdraw needs Published")),
			available(del),
			available(edit),
			blocked(decide,
				wrongState("review is Approved; decide needs Pending"),
				forbidden("an admin", "alice may not decide: only an admin")),
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := reg.Available(context.Background(), memOf(fixtureStore()), tt.actor, tt.model)
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want, availOf(got), cmpOpts); diff != "" {
				t.Errorf("Available (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("tasks", func(t *testing.T) {
		got, err := reg.Available(context.Background(), memOf(nil), bob, &Task{ID: 1, Owner: "alice", Status: Done})
		require.NoError(t, err)
		want := []avail{
			{Name: "delete", Title: "Delete", Targets: []string{"Deleted"}, Reasons: []reason{
				forbidden("the task's owner or an admin", "bob may not delete: only the task's owner or an admin"),
			}},
			{Name: "finish", Title: "Finish", Reasons: []reason{wrongState("status is Done; finish needs Open")}},
		}
		if diff := cmp.Diff(want, availOf(got), cmpOpts); diff != "" {
			t.Errorf("Available (-want +got):\n%s", diff)
		}
	})
}

func TestAvailableErrors(t *testing.T) {
	reg := newRegistry(t)
	ctx, mem := testContext(fixtureStore())

	for _, model := range []any{&User{}, Project{}, nil, 7} {
		_, err := reg.Available(ctx, mem, alice, model)
		assert.ErrorIs(t, err, registry.ErrUnknownModel, "%T", model)
		var me *registry.ModelError
		if assert.ErrorAs(t, err, &me) {
			assert.Equal(t, reflect.TypeOf(model), me.Model)
			assert.Equal(t, []reflect.Type{reflect.TypeFor[*Project](), reflect.TypeFor[*Task]()}, me.Known)
		}
	}
	_, err := reg.Available(ctx, mem, alice, Project{})
	assert.EqualError(t, err, "registry: no machine is registered for registry_test.Project; "+
		"registered models: *registry_test.Project, *registry_test.Task (pass a *registry_test.Project, not a registry_test.Project)")
	_, err = reg.Available(ctx, mem, alice, nil)
	assert.EqualError(t, err, "registry: no model given (nil); registered models: *registry_test.Project, *registry_test.Task")

	_, err = reg.Available(ctx, mem, alice, (*Project)(nil))
	assert.ErrorIs(t, err, registry.ErrNilModel)
	assert.NotErrorIs(t, err, registry.ErrUnknownModel)
	assert.EqualError(t, err, "registry: the model is a nil *registry_test.Project")

	// An error loading a related model is the machine's, not a reason.
	failing := errors.New("database down")
	_, err = reg.Available(context.Background(), memOf(&store{fail: failing}), alice, &Project{ID: 7, ParentID: 3, Owner: "alice", Status: Draft, Review: Approved})
	assert.ErrorIs(t, err, failing)
	assert.ErrorContains(t, err, "registry: registry_test.Project.status: ")
}

func TestFire(t *testing.T) {
	reg := newRegistry(t)
	ctx, mem := testContext(fixtureStore())
	p := &Project{ID: 7, Owner: "alice", Status: Draft, Review: Approved, StartAt: clock()}
	start := clock().Add(72 * time.Hour)

	rec, err := reg.Fire(ctx, mem, alice, p, "publish", []byte(`{"start_at": "2026-11-28T12:00:00Z"}`))
	require.NoError(t, err)
	want := transition.Entry{
		Machine:    "registry_test.Project.status",
		Model:      "registry_test.Project",
		Object:     int64(7),
		StateType:  "ProjectState",
		Transition: "publish",
		From:       transition.StateRef{Value: ProjectStatus(1), Title: "Draft"},
		To:         transition.StateRef{Value: ProjectStatus(2), Title: "Published"},
		Actor:      alice,
		Input:      PublishInput{StartAt: start},
		At:         clock(),
	}
	if diff := cmp.Diff(want, rec.Entry()); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
	assert.Equal(t, Published, p.Status)
	assert.Equal(t, start, p.StartAt)
	assert.Equal(t, clock(), p.PublishedAt)

	// A transition of the model's second machine, by the same call.
	q := &Project{ID: 8, Owner: "alice", Status: Draft, Review: Pending}
	rec, err = reg.Fire(ctx, mem, root, q, "decide", []byte(`{"approve": false}`))
	require.NoError(t, err)
	assert.Equal(t, "registry_test.Project.review", rec.Entry().Machine)
	assert.Equal(t, Rejected, q.Review)

	// No payload for NoInput; the cascade deletes alice's task.
	r := &Project{ID: 7, Owner: "alice", Status: Draft, Review: Approved}
	s := fixtureStore()
	rec, err = reg.Fire(context.Background(), memOf(s), alice, r, "delete", nil)
	require.NoError(t, err)
	assert.Equal(t, Deleted, r.Status)
	assert.Equal(t, TaskDeleted, s.tasks[7][0].Status)
	assert.Nil(t, rec.Caused())
}

func TestFireErrors(t *testing.T) {
	reg := newRegistry(t)
	ctx, mem := testContext(fixtureStore())
	draft := func() *Project { return &Project{ID: 7, Owner: "alice", Status: Draft, Review: Approved} }

	t.Run("unknown name", func(t *testing.T) {
		_, err := reg.Fire(ctx, mem, alice, draft(), "publsh", nil)
		assert.ErrorIs(t, err, transition.ErrNotFound)
		var nf *registry.NotFoundError
		require.ErrorAs(t, err, &nf)
		assert.Equal(t, &registry.NotFoundError{
			Model: reflect.TypeFor[*Project](),
			Name:  "publsh",
			Names: []string{"publish", "withdraw", "delete", "edit", "decide"},
		}, nf)
		assert.EqualError(t, err, `registry: *registry_test.Project has no transition "publsh"; `+
			`its transitions are "publish", "withdraw", "delete", "edit", "decide"`)

		// A name of another model's machine is unknown too.
		_, err = reg.Fire(ctx, mem, alice, draft(), "finish", nil)
		assert.ErrorIs(t, err, transition.ErrNotFound)
	})

	t.Run("malformed payload", func(t *testing.T) {
		p := &Project{ID: 7, Owner: "alice", Status: Published, Review: Approved}
		before := *p
		_, err := reg.Fire(ctx, mem, alice, p, "withdraw", []byte(`{"reason": 5, "urgent": true}`))
		assert.ErrorIs(t, err, transition.ErrInvalidInput)
		var ie *transition.InputError
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, transition.FieldErrors{
			{Field: "reason", Message: "must be a string, not number"},
			{Field: "urgent", Message: "is not a field of this input"},
		}, ie.Fields)
		assert.Equal(t, before, *p)

		_, err = reg.Fire(ctx, mem, alice, p, "withdraw", []byte(`{"reason": ""}`))
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, transition.FieldErrors{{Field: "reason", Message: "must not be empty"}}, ie.Fields)

		_, err = reg.Fire(ctx, mem, alice, p, "withdraw", []byte(`{"reason": "x"`))
		assert.ErrorIs(t, err, transition.ErrInvalidInput)
		assert.Equal(t, before, *p)
	})

	t.Run("wrong model", func(t *testing.T) {
		for _, model := range []any{Project{}, &Ticket{}, nil} {
			_, err := reg.Fire(ctx, mem, alice, model, "publish", nil)
			assert.ErrorIs(t, err, registry.ErrUnknownModel, "%T", model)
		}
		_, err := reg.Fire(ctx, mem, alice, (*Project)(nil), "publish", nil)
		assert.ErrorIs(t, err, registry.ErrNilModel)
	})

	t.Run("blocked", func(t *testing.T) {
		p := draft()
		before := *p
		_, err := reg.Fire(ctx, mem, bob, p, "publish", nil)
		assert.ErrorIs(t, err, transition.ErrBlocked)
		assert.ErrorIs(t, err, transition.ErrForbidden)
		var be *transition.BlockedError
		require.ErrorAs(t, err, &be)
		want := []reason{{Err: transition.ErrForbidden, Check: "the owner or an admin",
			Message: "bob may not publish: only the owner or an admin"}}
		if diff := cmp.Diff(want, reasonsOf(be.Reasons), cmpOpts); diff != "" {
			t.Errorf("reasons (-want +got):\n%s", diff)
		}
		assert.Equal(t, before, *p)
	})
}

// fakeSchemas is a schema generator that counts its calls per type.
type fakeSchemas struct {
	mu    sync.Mutex
	calls map[reflect.Type]int
	fail  error
}

func (f *fakeSchemas) JSON(t reflect.Type) (json.RawMessage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[reflect.Type]int{}
	}
	f.calls[t]++
	if f.fail != nil {
		return nil, f.fail
	}
	return json.RawMessage(fmt.Sprintf(`{"title":%q}`, t.Name())), nil
}

func TestSetSchemas(t *testing.T) {
	reg := newRegistry(t)
	ctx, mem := testContext(fixtureStore())
	p := &Project{ID: 7, Owner: "alice", Status: Draft, Review: Approved}

	avs, err := reg.Available(ctx, mem, alice, p)
	require.NoError(t, err)
	for _, av := range avs {
		assert.Nil(t, av.Schema, "no schema without a generator")
	}

	gen := &fakeSchemas{}
	reg.SetSchemas(gen.JSON)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				avs, err := reg.Available(ctx, mem, alice, p)
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
		"each type's schema is made once")

	// A new generator starts a new cache; a failing one fails Available.
	failing := &fakeSchemas{fail: errors.New("no schema today")}
	reg.SetSchemas(failing.JSON)
	_, err = reg.Available(ctx, mem, alice, p)
	assert.ErrorIs(t, err, failing.fail)
	assert.EqualError(t, err, `registry: JSON Schema of registry_test.PublishInput, the input of "publish": no schema today`)
	_, err = reg.Available(ctx, mem, alice, p)
	assert.Error(t, err)
	assert.Equal(t, map[reflect.Type]int{publishInput: 1}, failing.calls, "errors are cached too")

	// A panicking generator is an error.
	reg.SetSchemas(func(reflect.Type) (json.RawMessage, error) { panic("boom") })
	_, err = reg.Available(ctx, mem, alice, p)
	assert.ErrorContains(t, err, "schema generator panicked: boom")

	reg.SetSchemas(nil)
	avs, err = reg.Available(ctx, mem, alice, p)
	require.NoError(t, err)
	assert.Nil(t, avs[0].Schema)
}

// TestSetSchemasWithSchemaPackage: package transition/schema's generator
// fits SetSchemas.
func TestSetSchemasWithSchemaPackage(t *testing.T) {
	reg := newRegistry(t)
	reg.SetSchemas(schema.JSON)
	avs, err := reg.Available(context.Background(), memOf(fixtureStore()), alice, &Project{ID: 7, Owner: "alice", Status: Published, Review: Approved})
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
	reg, err := registry.New[User, *store](Tasks, nil, Projects, Tasks, Reviews)
	require.Error(t, err)
	assert.Equal(t, []transition.Runner[User, *store]{Tasks, Projects, Reviews}, reg.Machines())
	assert.Len(t, reg.Graphs(), 3)

	// The registry works despite the problems.
	avs, err := reg.Available(context.Background(), memOf(nil), alice, &Task{ID: 1, Owner: "alice", Status: Open})
	require.NoError(t, err)
	assert.Len(t, avs, 2, "a repeated machine's transitions are listed once")
}
