package transition_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
)

// The plan/apply seam, proven with a store that records every call, and
// the stages of a transition in their fixed order.

// Doc is a model with a version and two state fields.
type Doc struct {
	ID      int64
	Version int64
	Status  state.State[string]
	Review  state.State[string]
	Body    string
}

var (
	DocState   = state.NewType[string]("DocState")
	DocDraft   = DocState.State("draft", "Draft")
	DocLive    = DocState.State("live", "Live")
	DocGone    = DocState.State("gone", "Gone", state.Final())
	DocReviews = state.NewType[string]("DocReview")
	DocPending = DocReviews.State("pending", "Pending")
	DocOK      = DocReviews.State("ok", "OK", state.Final())

	DocStatus = state.Bind(DocState, "status", func(d *Doc) *state.State[string] { return &d.Status })
	DocReview = state.Bind(DocReviews, "review", func(d *Doc) *state.State[string] { return &d.Review })
)

// recorder is a Store, its Tx, the unit of work, and the Table of Docs:
// it records every call, and keeps the stored docs.
type recorder struct {
	log     []string
	stored  map[int64]Doc
	steps   []transition.Step
	nextID  int64
	fail    string // the step that fails: "effect", "after", "save", "commit", ...
	verdict func(step string) error
}

func newRecorder(docs ...Doc) *recorder {
	r := &recorder{stored: map[int64]Doc{}, nextID: 100}
	for _, d := range docs {
		r.stored[d.ID] = d
	}
	return r
}

func (r *recorder) note(format string, args ...any) {
	r.log = append(r.log, fmt.Sprintf(format, args...))
}

// at returns the error the test configured for step, and notes the step.
func (r *recorder) at(step string) error {
	r.note("%s", step)
	if r.verdict != nil {
		return r.verdict(step)
	}
	if r.fail == step {
		return errors.New(step + " failed")
	}
	return nil
}

func (r *recorder) Begin(context.Context) (transition.Tx[*recorder], error) {
	r.note("begin")
	return r, nil
}
func (r *recorder) Unit() *recorder { return r }
func (r *recorder) Now() time.Time  { return Clock() }
func (r *recorder) Append(_ context.Context, steps []transition.Step) error {
	r.steps = append(r.steps, steps...)
	return r.at(fmt.Sprintf("history %d", len(steps)))
}
func (r *recorder) Commit(context.Context) error   { return r.at("commit") }
func (r *recorder) Rollback(context.Context) error { r.note("rollback"); return nil }

type docTable struct{}

func (docTable) Load(_ context.Context, tx transition.Tx[*recorder], ds []*Doc, lock bool) ([]*Doc, error) {
	r := tx.Unit()
	out := make([]*Doc, len(ds))
	for i, d := range ds {
		r.note("load doc %d lock=%t", d.ID, lock)
		if got, ok := r.stored[d.ID]; ok {
			out[i] = &got
		}
	}
	return out, nil
}

func (docTable) Save(_ context.Context, tx transition.Tx[*recorder], ws []transition.Write[Doc]) error {
	r := tx.Unit()
	for _, w := range ws {
		d := w.Model
		var cols []string
		for _, f := range w.Fields {
			cols = append(cols, fmt.Sprintf("%s %v->%v", f.Column, f.From, f.To))
		}
		r.note("save doc %d version %d->%d %s", d.ID, w.Version, d.Version, strings.Join(cols, " "))
		if err := r.at("save"); err != nil {
			return err
		}
		if r.stored[d.ID].Version != w.Version {
			return &transition.ConflictError{Object: fmt.Sprintf("doc %d", d.ID), Expected: fmt.Sprint("version ", w.Version), Found: fmt.Sprint("version ", r.stored[d.ID].Version)}
		}
		r.stored[d.ID] = *d
	}
	return nil
}

func (docTable) Insert(_ context.Context, tx transition.Tx[*recorder], d *Doc) error {
	r := tx.Unit()
	d.ID = r.nextID
	r.nextID++
	r.note("insert doc %d", d.ID)
	r.stored[d.ID] = *d
	return nil
}

// hooked declares a publish transition on a fresh machine with one hook
// of every kind, each noting itself in the recorder.
func hooked(r *recorder) *transition.Transition[Doc, string, User, *recorder, transition.NoInput] {
	docs := transition.For[User, *recorder](DocStatus).Identify(func(d *Doc) any { return d.ID }).
		Version(func(d *Doc) *int64 { return &d.Version }).Table(docTable{}).
		After("machine after", func(_ context.Context, r *recorder, _ *Doc, _ transition.Step) error { return r.at("machine after") })
	type ev = transition.Event[Doc, string, User, transition.NoInput]
	return transition.New[transition.NoInput](docs, "publish", transition.From(DocDraft).To(DocLive)).
		Allow("writers", func(_ context.Context, u User, _ *Doc) bool { return u.Name != "bob" }).
		Validate(func(_ context.Context, r *recorder, _ *Doc, _ transition.NoInput) error { return r.at("validate") }).
		Before("before", func(_ context.Context, r *recorder, _ *ev) error { return r.at("before") }).
		Effect("effect", func(_ context.Context, r *recorder, e *ev) error {
			e.Model.Body = "published"
			return r.at("effect")
		}).
		After("after", func(_ context.Context, r *recorder, e *ev) error {
			if e.Model.Status != DocLive {
				return errors.New("after hooks run once the state is set")
			}
			return r.at("after")
		}).
		AfterCommit("after commit", func(context.Context, *ev) error { return nil }).
		OnFailure("on failure", func(_ context.Context, e *ev, err error) {
			r.note("on failure (%s, model %s): %v", e.Name, e.Model.Status, err)
		})
}

func TestStageOrder(t *testing.T) {
	ok := []string{"begin", "validate", "before", "effect", "after", "machine after",
		"save doc 1 version 3->4 status draft->live", "save", "history 1", "commit"}
	for _, c := range []struct {
		name    string
		actor   User
		fail    string
		verdict func(string) error
		log     []string
		check   func(t *testing.T, ev *transition.Event[Doc, string, User, transition.NoInput], err error, d *Doc)
	}{{
		name: "success", log: ok,
		check: func(t *testing.T, ev *transition.Event[Doc, string, User, transition.NoInput], err error, d *Doc) {
			require.NoError(t, err)
			assert.Equal(t, DocLive, d.Status)
			assert.Equal(t, int64(4), d.Version)
			assert.False(t, ev.Aborted)
		},
	}, {
		name: "refused", actor: Bob, log: []string{"begin", "rollback"},
		check: func(t *testing.T, ev *transition.Event[Doc, string, User, transition.NoInput], err error, d *Doc) {
			require.ErrorIs(t, err, transition.ErrForbidden)
			assert.Equal(t, "", d.Body, "no hook ran, the failure hook included")
		},
	}, {
		name: "failing effect", fail: "effect",
		log: []string{"begin", "validate", "before", "effect", "rollback",
			`on failure (publish, model Draft): transition: transition_test.Doc.status "publish" of transition_test.Doc 1 by alice: step "effect" failed: effect failed`},
		check: func(t *testing.T, ev *transition.Event[Doc, string, User, transition.NoInput], err error, d *Doc) {
			se := errorOf(t, err, transition.ErrStep)
			assert.Equal(t, "effect", se.Step)
			assert.Equal(t, Doc{ID: 1, Version: 3, Status: DocDraft}, *d, "the model is restored before the failure hook runs")
		},
	}, {
		name: "failing after hook", fail: "after",
		log: []string{"begin", "validate", "before", "effect", "after", "rollback",
			`on failure (publish, model Draft): transition: transition_test.Doc.status "publish" of transition_test.Doc 1 by alice: step "after" failed: after failed`},
		check: func(t *testing.T, ev *transition.Event[Doc, string, User, transition.NoInput], err error, d *Doc) {
			require.ErrorIs(t, err, transition.ErrStep)
			assert.Equal(t, DocDraft, d.Status)
		},
	}, {
		name: "failing save", fail: "save",
		log: append(ok[:7:7], "save", "rollback",
			"on failure (publish, model Draft): transition: saving transition_test.Doc 1: save failed"),
		check: func(t *testing.T, ev *transition.Event[Doc, string, User, transition.NoInput], err error, d *Doc) {
			require.ErrorContains(t, err, "saving transition_test.Doc 1: save failed")
			assert.Equal(t, DocDraft, d.Status)
			assert.Equal(t, int64(3), d.Version, "the version is restored too")
		},
	}, {
		name: "failing commit", fail: "commit",
		log: append(ok[:len(ok):len(ok)], `on failure (publish, model Draft): transition: transition_test.Doc.status "publish" of transition_test.Doc 1 by alice: commit failed, the outcome is unknown: commit failed`),
		check: func(t *testing.T, ev *transition.Event[Doc, string, User, transition.NoInput], err error, d *Doc) {
			ce := errorOf(t, err, transition.ErrCommit, "the outcome is unknown: no rollback, no after-commit hook")
			assert.EqualError(t, ce.Err, "commit failed", "the store's error")
			assert.Equal(t, DocDraft, d.Status)
		},
	}, {
		name: "abort without a result", verdict: func(step string) error {
			if step == "effect" {
				return transition.Abort(nil)
			}
			return nil
		},
		log: []string{"begin", "validate", "before", "effect", "rollback"},
		check: func(t *testing.T, ev *transition.Event[Doc, string, User, transition.NoInput], err error, d *Doc) {
			require.NoError(t, err, "an abort is not an error")
			require.NotNil(t, ev)
			assert.True(t, ev.Aborted)
			assert.Nil(t, ev.Result)
			assert.Equal(t, DocDraft, ev.To, "nothing moved")
			assert.Equal(t, Doc{ID: 1, Version: 3, Status: DocDraft}, *d, "nothing changed, and no failure hook ran")
		},
	}, {
		name: "abort with a result", verdict: func(step string) error {
			if step == "before" {
				return transition.Abort("already published elsewhere")
			}
			return nil
		},
		log: []string{"begin", "validate", "before", "rollback"},
		check: func(t *testing.T, ev *transition.Event[Doc, string, User, transition.NoInput], err error, d *Doc) {
			require.NoError(t, err)
			assert.True(t, ev.Aborted)
			assert.Equal(t, "already published elsewhere", ev.Result)
			assert.Equal(t, DocDraft, d.Status)
		},
	}, {
		name: "cancel with a reason", verdict: func(step string) error {
			if step == "after" {
				return fmt.Errorf("wrapped: %w", transition.Cancel("the legal hold began"))
			}
			return nil
		},
		log: []string{"begin", "validate", "before", "effect", "after", "rollback",
			`on failure (publish, model Draft): transition: transition_test.Doc.status "publish" of transition_test.Doc 1 by alice: canceled by "after": the legal hold began`},
		check: func(t *testing.T, ev *transition.Event[Doc, string, User, transition.NoInput], err error, d *Doc) {
			require.ErrorIs(t, err, transition.ErrCanceled)
			assert.NotErrorIs(t, err, transition.ErrStep, "a cancel is told apart from a failing step")
			ce := errorOf(t, err, transition.ErrCanceled)
			assert.Equal(t, "the legal hold began", ce.Err.Error())
			assert.Equal(t, "after", ce.Step)
			assert.Equal(t, "transition_test.Doc 1", ce.Object())
			assert.Equal(t, `transition: transition_test.Doc.status "publish" of transition_test.Doc 1 by alice: canceled by "after": the legal hold began`, ce.Error())
			assert.Equal(t, DocDraft, d.Status)
		},
	}} {
		t.Run(c.name, func(t *testing.T) {
			stored := Doc{ID: 1, Version: 3, Status: DocDraft}
			r := newRecorder(stored)
			publish := hooked(r)
			r.fail, r.verdict = c.fail, c.verdict
			d := stored
			actor := Alice
			if c.actor.Name != "" {
				actor = c.actor
			}
			ev, err := publish.FireEvent(context.Background(), r, actor, &d, transition.NoInput{})
			if diff := cmp.Diff(c.log, r.log); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			c.check(t, ev, err, &d)
		})
	}
}

// The failure hook receives the error, after the rollback, and never runs
// on a refusal or an abort; the after-commit hook runs only after a commit.
func TestFailureAndAfterCommitHooks(t *testing.T) {
	var seen []string
	docs := transition.For[User, *recorder](DocStatus).Identify(func(d *Doc) any { return d.ID })
	type ev = transition.Event[Doc, string, User, transition.NoInput]
	publish := transition.New[transition.NoInput](docs, "publish", transition.From(DocDraft).To(DocLive)).AllowAnyone().
		Effect("effect", func(_ context.Context, r *recorder, _ *ev) error { return r.at("effect") }).
		AfterCommit("mail", func(_ context.Context, e *ev) error {
			seen = append(seen, "mail "+e.To.Title())
			return errors.New("smtp down")
		}).
		OnFailure("alert", func(_ context.Context, e *ev, err error) {
			seen = append(seen, fmt.Sprintf("alert %s (model %s): %v", e.Name, e.Model.Status, err))
		})
	ctx := context.Background()

	r := newRecorder()
	r.fail = "effect"
	err := publish.Fire(ctx, r, Alice, &Doc{ID: 1, Status: DocDraft}, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrStep)
	assert.Equal(t, []string{`alert publish (model Draft): transition: transition_test.Doc.status "publish" of transition_test.Doc 1 by alice: step "effect" failed: effect failed`}, seen)

	seen = nil
	r = newRecorder()
	r.fail = "commit"
	err = publish.Fire(ctx, r, Alice, &Doc{ID: 1, Status: DocDraft}, transition.NoInput{})
	require.Error(t, err)
	require.Len(t, seen, 1)
	assert.Contains(t, seen[0], `alert publish (model Draft): transition: transition_test.Doc.status "publish" of transition_test.Doc 1 by alice: commit failed, the outcome is unknown`)

	seen = nil
	ev2, err := publish.FireEvent(ctx, newRecorder(), Alice, &Doc{ID: 1, Status: DocDraft}, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrAfterCommit)
	require.NotNil(t, ev2, "committed: the event comes with the after-commit error")
	ae := errorOf(t, err, transition.ErrAfterCommit)
	assert.Equal(t, "publish", ae.Transition)
	assert.Equal(t, "transition_test.Doc 1", ae.Object())
	joined, ok := ae.Err.(interface{ Unwrap() []error })
	require.True(t, ok, "the hooks' errors are joined: %T", ae.Err)
	hookErrs := joined.Unwrap()
	require.Len(t, hookErrs, 1, "one error per failing hook")
	assert.EqualError(t, hookErrs[0], `transition_test.Doc 1: "mail": smtp down`, "it names the object and the hook")
	assert.EqualError(t, errors.Unwrap(hookErrs[0]), "smtp down")
	assert.NotErrorIs(t, err, transition.ErrStep, "committed: no step failed")
	assert.EqualError(t, err, `transition: transition_test.Doc.status "publish" of transition_test.Doc 1 by alice: committed, but an after-commit hook failed: transition_test.Doc 1: "mail": smtp down`)
	assert.Equal(t, DocLive, ev2.Model.Status)
	assert.Equal(t, []string{"mail Live"}, seen)

	seen = nil
	err = publish.Fire(ctx, newRecorder(), Alice, &Doc{ID: 1, Status: DocLive}, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrWrongState)
	assert.Empty(t, seen, "no hook runs on a refusal")
}

// A creation transition moves every field from no state, the store
// inserts the object and hands back its identity before the history is
// written, and the history says who created it.
func TestCreationIsATransition(t *testing.T) {
	docs := transition.For[User, *recorder](DocStatus).Identify(func(d *Doc) any { return d.ID }).
		Version(func(d *Doc) *int64 { return &d.Version }).Table(docTable{})
	type newDoc struct {
		Body string `json:"body"`
	}
	create := transition.New[newDoc](docs, "create", transition.Create(DocDraft)).
		Also(transition.Field(DocReview, transition.Create(DocPending))).
		Allow("writers", func(_ context.Context, u User, _ *Doc) bool { return u.Name != "bob" }).
		Effect("set the body", func(_ context.Context, _ *recorder, e *transition.Event[Doc, string, User, newDoc]) error {
			e.Model.Body = e.Input.Body
			return nil
		})
	transition.New[transition.NoInput](docs, "publish", transition.From(DocDraft).To(DocLive)).AllowAnyone()
	transition.New[transition.NoInput](docs, "remove", transition.From(DocLive).To(DocGone)).AllowAnyone()
	assert.Equal(t, []state.State[string]{DocDraft}, transition.InitialStatesOf(docs), "a creation transition says where objects start")

	r := newRecorder()
	d := &Doc{}
	ev, err := create.FireEvent(context.Background(), r, Alice, d, newDoc{Body: "hello"})
	require.NoError(t, err)
	assert.Equal(t, &Doc{ID: 100, Version: 1, Status: DocDraft, Review: DocPending, Body: "hello"}, d)
	assert.True(t, ev.Created)
	assert.Equal(t, []string{"begin", "insert doc 100", "history 1", "commit"}, r.log)
	require.Len(t, r.steps, 1, "one step")
	c := r.steps[0]
	assert.Equal(t, int64(100), c.Object, "the identity the store handed back")
	assert.True(t, c.Created)
	assert.Equal(t, "alice", c.Actor)
	assert.Equal(t, "create", c.Transition)
	assert.Equal(t, -1, c.Cause)
	assert.Equal(t, &newDoc{Body: "hello"}, c.Input)
	require.Len(t, c.Moves, 2, "moving two fields")
	for _, mv := range c.Moves {
		assert.Equal(t, "(no state)", mv.From.Title)
		assert.Nil(t, mv.From.Value)
	}
	assert.Equal(t, []string{"status", "review"}, []string{c.Moves[0].Field, c.Moves[1].Field})
	assert.Equal(t, "Pending", c.Moves[1].To.Title)

	// The zero value is no state: an object that holds one is not new.
	err = create.Fire(context.Background(), newRecorder(), Alice, &Doc{Status: DocDraft}, newDoc{})
	require.ErrorIs(t, err, transition.ErrWrongState)
	assert.Contains(t, err.Error(), "status is Draft; Create creates a new object, which holds no state")
	err = create.Fire(context.Background(), newRecorder(), Alice, &Doc{Review: DocOK}, newDoc{})
	require.ErrorIs(t, err, transition.ErrWrongState)
	assert.Contains(t, err.Error(), "review is OK; it must be no state (a new object)")
	err = create.Fire(context.Background(), newRecorder(), Bob, &Doc{}, newDoc{})
	require.ErrorIs(t, err, transition.ErrForbidden)
}

// A stale copy loses to a concurrent writer: the plan read version 3, the
// store holds 4; nothing of the loser's work is written. Without locking,
// the Table's compare-and-set catches it when saving (the hooks ran in the
// unit of work, which is rolled back); with locking, the load catches it
// before any hook runs.
func TestStaleCopyConflicts(t *testing.T) {
	r := newRecorder(Doc{ID: 1, Version: 4, Status: DocDraft})
	publish := hooked(r)
	d := &Doc{ID: 1, Version: 3, Status: DocDraft}
	err := publish.Fire(context.Background(), r, Alice, d, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrConflict)
	var ce *transition.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, &transition.ConflictError{Object: "doc 1", Expected: "version 3", Found: "version 4"}, ce, "the Table's own error")
	assert.Equal(t, Doc{ID: 1, Version: 3, Status: DocDraft}, *d)
	assert.Equal(t, Doc{ID: 1, Version: 4, Status: DocDraft}, r.stored[1])
	assert.NotContains(t, r.log, "history 1", "no history")
	assert.NotContains(t, r.log, "commit")

	locked := newRecorder(Doc{ID: 1, Version: 4, Status: DocDraft})
	d = &Doc{ID: 1, Version: 3, Status: DocDraft}
	p, err := hooked(locked).Plan(context.Background(), locked, Alice, d, transition.NoInput{})
	require.NoError(t, err)
	err = p.Apply(context.Background(), locked, true)
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, &transition.ConflictError{Object: "transition_test.Doc 1", Expected: "version 3", Found: "version 4"}, ce)
	assert.Equal(t, Doc{ID: 1, Version: 3, Status: DocDraft}, *d)
	assert.Contains(t, locked.log, "load doc 1 lock=true")
	assert.NotContains(t, locked.log, "before", "no hook ran")

	gone := newRecorder()
	err = hooked(gone).Fire(context.Background(), gone, Alice, &Doc{ID: 1, Version: 3, Status: DocDraft}, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrConflict, "a row that is gone is a conflict too")
	p, err = hooked(gone).Plan(context.Background(), gone, Alice, &Doc{ID: 1, Version: 3, Status: DocDraft}, transition.NoInput{})
	require.NoError(t, err)
	err = p.Apply(context.Background(), gone, true)
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "none", ce.Found, "locking a row that is gone")
}

// An effect cannot move the state outside the planned target.
func TestEffectCannotChangeTheTarget(t *testing.T) {
	docs := transition.For[User, *recorder](DocStatus)
	publish := transition.New[transition.NoInput](docs, "publish", transition.From(DocDraft).To(DocLive)).AllowAnyone().
		Effect("sneak", func(_ context.Context, _ *recorder, e *transition.Event[Doc, string, User, transition.NoInput]) error {
			e.To = DocGone
			return nil
		})
	d := &Doc{Status: DocDraft}
	err := publish.Fire(context.Background(), newRecorder(), Alice, d, transition.NoInput{})
	se := errorOf(t, err, transition.ErrStep)
	assert.Equal(t, "set state", se.Step)
	assert.Contains(t, se.Error(), "an effect changed the target from Live to Gone")
	assert.Equal(t, DocDraft, d.Status)
}

// A cancelled context stops a transition before it plans, and a large
// chain between its steps: nothing is applied.
func TestCancelledContextAppliesNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := &Project{ID: 1, Owner: "alice", Status: Draft}
	err := Delete.Fire(ctx, Mem, Alice, p, transition.NoInput{})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, Draft, p.Status)

	// A chain of 100,000 nodes, cancelled while it is applied.
	const n = 100_000
	kids := make([]*Node, n)
	for i := range kids {
		kids[i] = &Node{ID: int64(i + 2), Status: NLive}
	}
	root := &Node{ID: 1, Status: NLive, Children: kids}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	seen := 0
	s := &DB{Observe: func(any, transition.Step) error {
		if seen++; seen == 10 {
			cancel()
		}
		return nil
	}}
	err = RemoveNode.Fire(ctx, MemOf(s), Alice, root, transition.NoInput{})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 10, seen, "the chain stopped at the next step")
	assert.Equal(t, NLive, root.Status)
	for _, k := range kids {
		if k.Status != NLive {
			t.Fatalf("node %d was left %v", k.ID, k.Status)
		}
	}
}

// A panic in any kind of user callback on the second step of a chain
// undoes every earlier step, and the error keeps the panic's stack.
func TestPanicOnSecondStepUndoesTheFirst(t *testing.T) {
	for _, where := range []string{"before", "effect", "after", "machine after", "identify", "snapshot", "load", "allow", "validate"} {
		t.Run(where, func(t *testing.T) {
			boom := func(w string) {
				if w == where {
					panic("boom in " + w)
				}
			}
			type taskEv = transition.Event[Task, TaskStatus, User, transition.NoInput]
			tasks := transition.For[User, *DB](TaskField).
				Identify(func(t *Task) any {
					if t.ID == 2 {
						boom("identify")
					}
					return t.ID
				}).
				Snapshot(func(t *Task) Task {
					if t.ID == 2 {
						boom("snapshot")
					}
					return *t
				}).
				After("audit", func(_ context.Context, _ *DB, t *Task, _ transition.Step) error {
					if t.ID == 2 {
						boom("machine after")
					}
					return nil
				})
			step := func(name string) func(context.Context, *DB, *taskEv) error {
				return func(_ context.Context, _ *DB, e *taskEv) error {
					if e.Model.ID == 2 {
						boom(name)
					}
					e.Model.Owner = "changed by " + name
					return nil
				}
			}
			drop := transition.New[transition.NoInput](tasks, "drop", transition.From(Open).To(TaskDeleted)).
				Allow("anyone", func(_ context.Context, _ User, t *Task) bool {
					if t.ID == 2 {
						boom("allow")
					}
					return true
				}).
				Validate(func(_ context.Context, _ *DB, t *Task, _ transition.NoInput) error {
					if t.ID == 2 {
						boom("validate")
					}
					return nil
				}).
				Before("before", step("before")).Effect("effect", step("effect")).After("after", step("after"))
			projects := transition.For[User, *DB](Status).Identify(func(p *Project) any { return p.ID })
			t1 := &Task{ID: 1, Owner: "alice", Status: Open}
			t2 := &Task{ID: 2, Owner: "alice", Status: Open}
			purge := transition.New[transition.NoInput](projects, "purge", transition.From(Draft).To(Deleted)).AllowAnyone().
				Cascade(transition.Each("tasks", func(context.Context, *DB, *Project) ([]*Task, error) {
					if where == "load" {
						panic("boom in load")
					}
					return []*Task{t1, t2}, nil
				}, drop))
			p := &Project{ID: 1, Status: Draft}
			err := purge.Fire(context.Background(), Mem, Alice, p, transition.NoInput{})
			require.Error(t, err)
			var pe *transition.PanicError
			require.ErrorAs(t, err, &pe, "%v", err)
			assert.Equal(t, "boom in "+where, pe.Value)
			assert.Contains(t, string(pe.Stack), "transition_test.TestPanicOnSecondStepUndoesTheFirst", "the stack of the panic")
			assert.Equal(t, Draft, p.Status)
			assert.Equal(t, Task{ID: 1, Owner: "alice", Status: Open}, *t1)
			assert.Equal(t, Task{ID: 2, Owner: "alice", Status: Open}, *t2)
		})
	}
}

// An object a plan touches twice (here its second field, through a
// cascade into itself) is loaded once, saved once with both fields, and
// its version bumped once; a failure restores it, version included.
func TestObjectTouchedTwiceIsSavedOnce(t *testing.T) {
	ident := func(d *Doc) any { return d.ID }
	version := func(d *Doc) *int64 { return &d.Version }
	docs := transition.For[User, *recorder](DocStatus).Identify(ident).Version(version).Table(docTable{})
	reviews := transition.For[User, *recorder](DocReview).Identify(ident).Version(version).Table(docTable{})
	approve := transition.New[transition.NoInput](reviews, "approve", transition.From(DocPending).To(DocOK)).AllowAnyone()
	publish := transition.New[transition.NoInput](docs, "publish", transition.From(DocDraft).To(DocLive)).AllowAnyone().
		Cascade(transition.Each("its review", func(_ context.Context, _ *recorder, d *Doc) ([]*Doc, error) { return []*Doc{d}, nil }, approve))

	stored := Doc{ID: 1, Version: 7, Status: DocDraft, Review: DocPending}
	r := newRecorder(stored)
	d := stored
	err := publish.Fire(context.Background(), r, Alice, &d, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, []string{"begin",
		"save doc 1 version 7->8 status draft->live review pending->ok", "save", "history 2", "commit"}, r.log)
	assert.Equal(t, Doc{ID: 1, Version: 8, Status: DocLive, Review: DocOK}, d)
	require.Len(t, r.steps, 2)
	assert.Equal(t, 0, r.steps[1].Cause, "the review's step points at the step that caused it")
	assert.Equal(t, int64(7), r.steps[1].Version, "the version the plan read")
	assert.Equal(t, int64(7), r.steps[0].Version)

	r = newRecorder(stored)
	r.fail = "history 2"
	d = stored
	err = publish.Fire(context.Background(), r, Alice, &d, transition.NoInput{})
	require.ErrorContains(t, err, "appending the history: history 2 failed")
	assert.Equal(t, stored, d, "both fields and the version are restored")
}

// An object planned through one machine takes what a machine of its
// other field declares and the first does not: its identity, version,
// snapshot and Table.
func TestObjectTakesWhatItsOtherFieldDeclares(t *testing.T) {
	copies := 0
	docs := transition.For[User, *recorder](DocStatus) // declares nothing
	reviews := transition.For[User, *recorder](DocReview).Identify(func(d *Doc) any { return d.ID }).
		Version(func(d *Doc) *int64 { return &d.Version }).Table(docTable{}).
		Snapshot(func(d *Doc) Doc { copies++; return *d })
	approve := transition.New[transition.NoInput](reviews, "approve", transition.From(DocPending).To(DocOK)).AllowAnyone()
	publish := transition.New[transition.NoInput](docs, "publish", transition.From(DocDraft).To(DocLive)).AllowAnyone().
		Cascade(transition.Each("its review", func(_ context.Context, _ *recorder, d *Doc) ([]*Doc, error) { return []*Doc{d}, nil }, approve))

	stored := Doc{ID: 1, Version: 7, Status: DocDraft, Review: DocPending}
	r := newRecorder(stored)
	d := stored
	require.NoError(t, publish.Fire(context.Background(), r, Alice, &d, transition.NoInput{}))
	assert.Equal(t, []string{"begin",
		"save doc 1 version 7->8 status draft->live review pending->ok", "save", "history 2", "commit"}, r.log)
	assert.Equal(t, Doc{ID: 1, Version: 8, Status: DocLive, Review: DocOK}, d, "its version is bumped")
	assert.Equal(t, 1, copies, "it is snapshotted by the Snapshot declared")

	// The Table reports a conflict without naming the object: the
	// identity declared names it.
	r = newRecorder(stored)
	r.verdict = func(step string) error {
		if step == "save" {
			return &transition.ConflictError{}
		}
		return nil
	}
	d = stored
	err := publish.Fire(context.Background(), r, Alice, &d, transition.NoInput{})
	var ce *transition.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "transition_test.Doc 1", ce.Object)
	assert.Equal(t, stored, d, "restored from its snapshot")
	assert.Equal(t, 2, copies)
}

// One clock: the store's. Events are stamped with it and conditional
// states are tested at it, so a test fixes the time in one place, to the
// microsecond; the conditional's SQL binds the same instant with At.
type Launch struct {
	Status state.State[int]
	Start  time.Time
}

var (
	LaunchState = state.NewType[int]("LaunchState")
	LPlanned    = LaunchState.State(1, "Planned")
	LLive       = LaunchState.State(2, "Live")
	LaunchField = state.Bind(LaunchState, "status", func(l *Launch) *state.State[int] { return &l.Status })
	Due         = LaunchField.Conditional("due", "Due", LPlanned, func(l *Launch, now time.Time) bool { return !l.Start.After(now) }).
			WithSQL(sqlexpr.Col("start").Le(sqlexpr.Now()))
)

func TestOneClock(t *testing.T) {
	launches := transition.For[User, struct{}](LaunchField)
	golive := transition.New[transition.NoInput](launches, "go_live", transition.From(LPlanned).To(LLive)).AllowAnyone().When(Due)
	noon := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	l := &Launch{Status: LPlanned, Start: noon.Add(time.Microsecond)}
	ctx := context.Background()

	early := transition.Memory(struct{}{}, func() time.Time { return noon })
	assert.False(t, golive.Can(ctx, early, Alice, l), "a microsecond early")
	require.ErrorIs(t, golive.Check(ctx, early, Alice, l), transition.ErrUnmet)
	err := golive.Fire(ctx, early, Alice, l, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrUnmet)

	onTime := transition.Memory(struct{}{}, func() time.Time { return noon.Add(time.Microsecond) })
	ev, err := golive.FireEvent(ctx, onTime, Alice, l, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, noon.Add(time.Microsecond), ev.At, "the event is stamped by the same clock")

	// The SQL of the condition binds the time it is given, never the
	// database's now().
	sql, args, err := Due.Expr().At(onTime.Now()).Render(sqlexpr.Postgres)
	require.NoError(t, err)
	assert.Equal(t, `"status" = $1 AND "start" <= $2`, sql)
	assert.Equal(t, []any{int64(1), noon.Add(time.Microsecond)}, args)
}

// A check that panics is a step error naming the check.
func TestPanickingCheckNamesTheCheck(t *testing.T) {
	projects := transition.For[User, *DB](Status)
	fine := func(context.Context, *DB, *Project) (*Project, error) { return nil, nil }
	bad := func(context.Context, *DB, *Project) (*Project, error) { panic("loader bug") }
	ship := transition.New[transition.NoInput](projects, "ship", transition.From(Draft).To(Published)).AllowAnyone().
		WhenRelated(transition.Related("parent", fine, Status.In(Published)).IfAny(), transition.Related("sponsor", bad, Status.In(Published)))
	err := ship.Check(context.Background(), Mem, Alice, &Project{Status: Draft})
	se := errorOf(t, err, transition.ErrStep)
	assert.Equal(t, "check related sponsor", se.Step)
	assert.Equal(t, "loader bug", panicOfError(se))
}

// An abort or a cancel in a child step of a chain applies nothing, and
// the abort is reported on the event asked for.
func TestAbortOrCancelInAChildAppliesNothing(t *testing.T) {
	for _, c := range []struct {
		stop     error
		canceled bool
	}{{transition.Abort("task 2 is pinned"), false}, {transition.Cancel("task 2 is pinned"), true}} {
		stop := c.stop
		tasks := transition.For[User, *DB](TaskField).Identify(func(t *Task) any { return t.ID })
		drop := transition.New[transition.NoInput](tasks, "drop", transition.From(Open).To(TaskDeleted)).AllowAnyone().
			Before("pinned?", func(_ context.Context, _ *DB, e *transition.Event[Task, TaskStatus, User, transition.NoInput]) error {
				if e.Model.ID == 2 {
					return stop
				}
				return nil
			})
		projects := transition.For[User, *DB](Status).Identify(func(p *Project) any { return p.ID })
		t1 := &Task{ID: 1, Status: Open}
		t2 := &Task{ID: 2, Status: Open}
		purge := transition.New[transition.NoInput](projects, "purge", transition.From(Draft).To(Deleted)).AllowAnyone().
			Cascade(transition.Each("tasks", func(context.Context, *DB, *Project) ([]*Task, error) { return []*Task{t1, t2}, nil }, drop))
		p := &Project{ID: 1, Status: Draft}
		ev, err := purge.FireEvent(context.Background(), Mem, Alice, p, transition.NoInput{})
		if c.canceled {
			require.ErrorIs(t, err, transition.ErrCanceled)
			ce := errorOf(t, err, transition.ErrCanceled)
			assert.Equal(t, "pinned?", ce.Step)
			assert.Equal(t, "fixture.Task 2", ce.Object(), "the cancel names the child step that canceled")
			assert.Equal(t, "task 2 is pinned", ce.Err.Error())
		} else {
			require.NoError(t, err)
			assert.True(t, ev.Aborted)
			assert.Equal(t, "task 2 is pinned", ev.Result)
		}
		assert.Equal(t, Draft, p.Status)
		assert.Equal(t, Open, t1.Status)
		assert.Equal(t, Open, t2.Status)
	}
}
