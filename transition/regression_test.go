package transition_test

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// Regressions for problems a review found.

// A verdict input normalised by its own Validate: Choose and the effects
// must see the same, validated input.
type verdictInput struct {
	Verdict string `json:"verdict"`
}

func (in *verdictInput) Validate() error {
	in.Verdict = strings.ToLower(strings.TrimSpace(in.Verdict))
	if in.Verdict != "yes" && in.Verdict != "no" {
		return transition.FieldError{Field: "/verdict", Message: "must be yes or no"}
	}
	return nil
}

func TestChooseSeesTheValidatedInput(t *testing.T) {
	reviews := transition.For[User, *DB](Review)
	var seen string
	decide := transition.New[verdictInput](reviews, "decide", transition.From(Pending).To(Approved, Rejected)).AllowAnyone().
		Choose(func(_ context.Context, _ *Project, in verdictInput) state.State[ReviewStatus] {
			if in.Verdict == "yes" {
				return Approved
			}
			return Rejected
		}).
		Effect("note", func(_ context.Context, _ *DB, e *transition.Event[Project, ReviewStatus, User, verdictInput]) error {
			seen = e.Input.Verdict
			return nil
		})
	p := &Project{Review: Pending}
	ev, err := decide.FireEvent(context.Background(), MemOf(&DB{}), Alice, p, verdictInput{Verdict: " YES "})
	require.NoError(t, err)
	assert.Equal(t, Approved, p.Review)
	assert.Equal(t, "yes", seen)
	assert.Equal(t, "yes", ev.Input.Verdict)
}

func TestNilModelIsAnError(t *testing.T) {
	ctx, mem := ContextOf(&DB{})
	assert.False(t, Delete.Can(ctx, mem, Alice, nil))
	require.ErrorIs(t, Delete.Check(ctx, mem, Alice, nil), transition.ErrNilModel)
	err := Delete.Fire(ctx, mem, Alice, nil, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrNilModel)
	err = Publish.Fire(ctx, mem, Alice, nil, PublishInput{})
	require.ErrorIs(t, err, transition.ErrNilModel)
	_, err = Publish.FireJSON(ctx, mem, Alice, nil, nil)
	require.ErrorIs(t, err, transition.ErrNilModel)
}

func TestPanickingLoaderIsAStepError(t *testing.T) {
	tasks := transition.For[User, *DB](TaskField)
	drop := transition.New[transition.NoInput](tasks, "drop", transition.From(Open).To(TaskDeleted)).AllowAnyone()
	projects := transition.For[User, *DB](Status).Identify(func(p *Project) any { return p.ID })
	purge := transition.New[transition.NoInput](projects, "purge", transition.From(Draft).To(Deleted)).AllowAnyone().
		Cascade(transition.Each("tasks", func(context.Context, *DB, *Project) ([]*Task, error) {
			var m map[string]int
			m["boom"]++ // a nil-map write in user code
			return nil, nil
		}, drop))
	p := &Project{ID: 4, Status: Draft}
	ctx, mem := ContextOf(&DB{})
	for name, err := range map[string]error{
		"Check": purge.Check(ctx, mem, Alice, p),
		"Fire":  func() error { err := purge.Fire(ctx, mem, Alice, p, transition.NoInput{}); return err }(),
		"Available": func() error {
			_, err := projects.Available(ctx, mem, Alice, p)
			return err
		}(),
	} {
		se := errorOf(t, err, transition.ErrStep, name)
		assert.Equal(t, "load tasks", se.Step, name)
		assert.NotNil(t, panicOfError(se), name)
		assert.Contains(t, se.Error(), "fixture.Project 4 (purge)", name)
	}
	assert.Equal(t, Draft, p.Status)
}

func TestFailingLoaderNamesTheTransitionAndObject(t *testing.T) {
	s := &DB{Fail: errors.New("database down")}
	p := &Project{ID: 5, ParentID: 1, Owner: "alice", Status: Draft, Review: Approved}
	err := Publish.Check(context.Background(), MemOf(s), Alice, p)
	se := errorOf(t, err, transition.ErrStep)
	assert.Equal(t, "load parent", se.Step)
	assert.Equal(t, "publish", se.Transition)
	assert.Equal(t, "fixture.Project 5", se.Object())
	assert.Equal(t, "alice", se.Actor())
	assert.ErrorContains(t, err, "database down")
}

// Check plans a chain without an input, so it must not ask Choose.
func TestCheckDoesNotChooseWithoutInput(t *testing.T) {
	reviews := transition.For[User, *DB](Review)
	calls := 0
	decide := transition.New[verdictInput](reviews, "decide", transition.From(Pending).To(Approved, Rejected)).AllowAnyone().
		Choose(func(context.Context, *Project, verdictInput) state.State[ReviewStatus] {
			calls++
			return state.State[ReviewStatus]{}
		}).
		Cascade(transition.Each("none", func(context.Context, *DB, *Project) ([]*Project, error) { return nil, nil },
			transition.New[transition.NoInput](transition.For[User, *DB](Status), "noop", transition.From(Draft).Stay()).AllowAnyone()))
	p := &Project{Review: Pending}
	require.NoError(t, decide.Check(context.Background(), MemOf(&DB{}), Alice, p))
	av, err := decide.Availability(context.Background(), MemOf(&DB{}), Alice, p)
	require.NoError(t, err)
	assert.True(t, av.Available)
	assert.Zero(t, calls)
}

func TestSnapshotRestoresDeepChanges(t *testing.T) {
	type Doc struct {
		Status state.State[int]
		Tags   map[string]bool
	}
	docStatus := state.Bind(ArticleState, "status", func(d *Doc) *state.State[int] { return &d.Status })
	deep := transition.For[User, *DB](docStatus).Snapshot(func(d *Doc) Doc { c := *d; c.Tags = maps.Clone(d.Tags); return c })
	shallow := transition.For[User, *DB](docStatus)
	for name, m := range map[string]*transition.Machine[Doc, int, User, *DB]{"deep": deep, "shallow": shallow} {
		publish := transition.New[transition.NoInput](m, "publish", transition.From(ADraft).To(ALive)).AllowAnyone().
			Effect("tag", func(_ context.Context, _ *DB, e *transition.Event[Doc, int, User, transition.NoInput]) error {
				e.Model.Tags["published"] = true // changes the map in place
				return nil
			}).
			Effect("fail", func(context.Context, *DB, *transition.Event[Doc, int, User, transition.NoInput]) error {
				return errors.New("no")
			})
		d := &Doc{Status: ADraft, Tags: map[string]bool{"draft": true}}
		err := publish.Fire(context.Background(), MemOf(&DB{}), Alice, d, transition.NoInput{})
		require.ErrorIs(t, err, transition.ErrStep, name)
		assert.Equal(t, ADraft, d.Status, name)
		if name == "deep" {
			assert.Equal(t, map[string]bool{"draft": true}, d.Tags, "a deep Snapshot restores the map")
		} else {
			assert.True(t, d.Tags["published"], "the default copy is shallow, as documented")
		}
	}
}

// A guard that says yes then no must not produce a blocked error without
// reasons: each check runs once.
func TestEachCheckRunsOnce(t *testing.T) {
	articles := newArticleMachine()
	calls := 0
	publish := transition.New[transition.NoInput](articles, "publish", transition.From(ADraft).To(ALive)).
		Allow("flip-flop", func(context.Context, User, *Article) bool { calls++; return calls > 1 })
	a := &Article{Status: ADraft}
	err := publish.Fire(context.Background(), MemOf(&DB{}), Alice, a, transition.NoInput{})
	be := errorOf(t, err, transition.ErrBlocked)
	require.Len(t, be.Reasons, 1)
	assert.ErrorIs(t, err, transition.ErrForbidden)
	assert.Equal(t, 1, calls)
}

// A diamond (one object reached by two cascades) is planned once, and
// objects without an identity yet (ID 0) are told apart by pointer.
func TestDiamondIsNotALoop(t *testing.T) {
	shared := &Node{ID: 9, Status: NLive}
	root := &Node{ID: 1, Status: NLive, Children: []*Node{
		{ID: 2, Status: NLive, Children: []*Node{shared}},
		{ID: 3, Status: NLive, Children: []*Node{shared}},
		{Status: NLive}, {Status: NLive}, // new, unsaved: ID 0
	}}
	var events int
	ctx, mem := ContextOf(&DB{Observe: func(any, transition.Step) error { events++; return nil }})
	err := RemoveNode.Fire(ctx, mem, Alice, root, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, 6, events, "root, 2, 3, the shared node once, and both new nodes")
	assert.Equal(t, NGone, shared.Status)
	assert.Equal(t, NGone, root.Children[3].Status)
}

// An effect that fires another transition and returns its error: the
// error names the outer step, and keeps the inner one.
func TestNestedStepErrorNamesTheOuterStep(t *testing.T) {
	inner := transition.New[transition.NoInput](newArticleMachine(), "inner", transition.From(ADraft).To(ALive)).AllowAnyone().
		Effect("inner step", func(context.Context, *DB, *articleEvent) error { return errors.New("inner failure") })
	outer := transition.New[transition.NoInput](newArticleMachine(), "outer", transition.From(ADraft).To(ALive)).AllowAnyone().
		Effect("sync sibling", func(ctx context.Context, _ *DB, e *articleEvent) error {
			err := inner.Fire(ctx, Mem, e.Actor, &Article{Status: ADraft}, transition.NoInput{})
			return err
		})
	err := outer.Fire(context.Background(), MemOf(&DB{}), Alice, &Article{Status: ADraft}, transition.NoInput{})
	se := errorOf(t, err, transition.ErrStep)
	assert.Equal(t, "outer", se.Transition)
	assert.Equal(t, "sync sibling", se.Step)
	innerErr := errorOf(t, se.Err, transition.ErrStep)
	assert.Equal(t, "inner", innerErr.Transition)
	assert.Equal(t, "inner step", innerErr.Step)
}

func TestInfoIsACopy(t *testing.T) {
	in := transition.InfoOf(Withdraw)
	in.Required[0] = "hacked"
	_, err := Withdraw.Decode([]byte(`{}`))
	assert.ErrorContains(t, err, ": invalid input: /reason: is required")
	assert.Equal(t, []string{"reason"}, transition.InfoOf(Withdraw).Required)
}

// Actors are named by their String method, their value for IDs, and
// otherwise their type, so that struct fields do not leak into messages.
func TestActorNames(t *testing.T) {
	type secretUser struct{ Name, Token string }
	doors := transition.For[secretUser, *DB](DoorStatus)
	open := transition.New[transition.NoInput](doors, "open", transition.From(Opened).To(Closed)).AllowAnyone()
	err := open.Fire(context.Background(), MemOf(&DB{}), secretUser{"eve", "s3cr3t"}, &Door{Status: Closed}, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrWrongState)
	assert.NotContains(t, err.Error(), "s3cr3t")
	assert.Contains(t, err.Error(), "by a transition_test.secretUser")

	byID := transition.For[int64, *DB](DoorStatus)
	shut := transition.New[transition.NoInput](byID, "shut", transition.From(Opened).To(Closed)).AllowAnyone()
	err = shut.Fire(context.Background(), MemOf(&DB{}), 42, &Door{Status: Closed}, transition.NoInput{})
	assert.Contains(t, err.Error(), "by 42")
}
