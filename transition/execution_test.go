package transition_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// A model with more than its state to restore.
type Article struct {
	ID     int64
	Status state.State[int]
	Title  string
	Tags   []string
	Count  int
}

var (
	ArticleState = state.NewType[int]("ArticleState")
	ADraft       = ArticleState.State(1, "Draft")
	ALive        = ArticleState.State(2, "Live")
	AStatus      = state.Bind(ArticleState, "status", func(a *Article) *state.State[int] { return &a.Status })
)

type articleEvent = transition.Event[Article, int, User, transition.NoInput]

func newArticleMachine() *transition.Machine[Article, int, User, *DB] {
	return transition.For[User, *DB](AStatus).Identify(func(a *Article) any { return a.ID })
}

func TestFailingEffectRestoresTheModel(t *testing.T) {
	boom := errors.New("boom")
	for _, c := range []struct {
		name   string
		effect func(context.Context, *DB, *articleEvent) error
		check  func(t *testing.T, se *transition.Error)
	}{
		{"error", func(context.Context, *DB, *articleEvent) error { return boom }, func(t *testing.T, se *transition.Error) {
			assert.ErrorIs(t, se, boom)
			assert.Nil(t, panicOfError(se))
		}},
		{"panic", func(context.Context, *DB, *articleEvent) error { panic("nil map") }, func(t *testing.T, se *transition.Error) {
			assert.Equal(t, "nil map", panicOfError(se))
			assert.Contains(t, se.Error(), `step "fail" panicked: panic: nil map`)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newArticleMachine()
			publish := transition.New[transition.NoInput](m, "publish", transition.From(ADraft).To(ALive)).AllowAnyone().
				Effect("retitle", func(_ context.Context, _ *DB, e *articleEvent) error {
					e.Model.Title = "changed"
					e.Model.Tags = append([]string(nil), "new")
					e.Model.Count++
					return nil
				}).
				Effect("fail", c.effect)
			a := &Article{ID: 3, Status: ADraft, Title: "original", Tags: []string{"old"}, Count: 1}
			before := *a
			ev, err := publish.FireEvent(context.Background(), MemOf(&DB{}), Alice, a, transition.NoInput{})
			require.Nil(t, ev)
			se := errorOf(t, err, transition.ErrStep)
			assert.ErrorIs(t, err, transition.ErrStep)
			assert.Equal(t, "fail", se.Step)
			assert.Equal(t, "publish", se.Transition)
			assert.Equal(t, "transition_test.Article 3", se.Object())
			assert.Equal(t, before, *a, "the model is exactly as it was")
			c.check(t, se)
		})
	}
}

func TestPanickingGuardIsAnError(t *testing.T) {
	m := newArticleMachine()
	publish := transition.New[transition.NoInput](m, "publish", transition.From(ADraft).To(ALive)).
		Allow("buggy", func(context.Context, User, *Article) bool { panic("guard bug") })
	a := &Article{Status: ADraft}
	ctx, mem := ContextOf(&DB{})
	assert.False(t, publish.Can(ctx, mem, Alice, a))
	err := publish.Check(ctx, mem, Alice, a)
	se := errorOf(t, err, transition.ErrStep)
	assert.Equal(t, "check allow", se.Step)
	err = publish.Fire(ctx, mem, Alice, a, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrStep)
	assert.Equal(t, ADraft, a.Status)
}

func TestObserversSeeEventsAndCanVeto(t *testing.T) {
	m := newArticleMachine()
	var log []string
	m.After("observe", func(_ context.Context, s *DB, a *Article, st transition.Step) error {
		log = append(log, st.Transition+" at "+st.At.Format(time.TimeOnly))
		return ObserveHook(context.Background(), s, a, st)
	})
	publish := transition.New[transition.NoInput](m, "publish", transition.From(ADraft).To(ALive)).AllowAnyone()

	a := &Article{Status: ADraft}
	err := publish.Fire(context.Background(), MemOf(&DB{}), Alice, a, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, []string{"publish at 12:00:00"}, log, "stamped by the store's clock")

	// An observer that fails (an audit log that cannot write) undoes the
	// transition.
	a = &Article{Status: ADraft}
	veto := MemOf(&DB{Observe: func(any, transition.Step) error {
		return errors.New("audit log unavailable")
	}})
	err = publish.Fire(context.Background(), veto, Alice, a, transition.NoInput{})
	se := errorOf(t, err, transition.ErrStep)
	assert.Equal(t, "observe", se.Step)
	assert.Equal(t, ADraft, a.Status)

	panicky := MemOf(&DB{Observe: func(any, transition.Step) error { panic("observer bug") }})
	err = publish.Fire(context.Background(), panicky, Alice, a, transition.NoInput{})
	se = errorOf(t, err, transition.ErrStep)
	assert.Equal(t, "observer bug", panicOfError(se))
	assert.Equal(t, "publish", se.Transition)
	assert.Equal(t, ADraft, a.Status)
}

func TestTheStoreIsTheClock(t *testing.T) {
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	publish := transition.New[transition.NoInput](newArticleMachine(), "publish", transition.From(ADraft).To(ALive)).AllowAnyone()
	ev, err := publish.FireEvent(context.Background(), transition.Memory(&DB{}, func() time.Time { return at }), Alice, &Article{Status: ADraft}, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, at, ev.At)
}

func TestChooseMustPickADeclaredTarget(t *testing.T) {
	ctx, mem := ContextOf(&DB{})

	// Two targets and no Choose: the definition is incomplete.
	m := newArticleMachine()
	split := transition.New[transition.NoInput](m, "split", transition.From(ADraft).To(ALive, ADraft)).AllowAnyone()
	a := &Article{Status: ADraft}
	err := split.Fire(ctx, mem, Alice, a, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrDefinition)
	assert.Equal(t, ADraft, a.Status)

	// A Choose that returns a state the rule does not declare.
	lying := transition.New[transition.NoInput](newArticleMachine(), "lying", transition.From(ALive).To(ALive, ADraft)).AllowAnyone().
		Choose(func(context.Context, *Article, transition.NoInput) state.State[int] { return state.State[int]{} })
	a.Status = ALive
	err = lying.Fire(ctx, mem, Alice, a, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrDefinition)
	assert.Contains(t, err.Error(), "not a target of the rule from Live")
	assert.Equal(t, ALive, a.Status)
}

// Nodes cascade to their children: a loop in the data is caught before
// anything runs.
type Node struct {
	ID       int64
	Status   state.State[int]
	Children []*Node
}

var (
	NodeState  = state.NewType[int]("NodeState")
	NLive      = NodeState.State(1, "Live")
	NGone      = NodeState.State(2, "Gone")
	NodeStatus = state.Bind(NodeState, "status", func(n *Node) *state.State[int] { return &n.Status })
	Nodes      = transition.For[User, *DB](NodeStatus).Identify(func(n *Node) any { return n.ID }).After("observe", ObserveHook)
	RemoveNode = transition.New[transition.NoInput](Nodes, "remove", transition.From(NLive).To(NGone)).AllowAnyone().
			CascadeSelf("children", func(_ context.Context, _ *DB, n *Node) ([]*Node, error) { return n.Children, nil })
)

func TestCascadeCycles(t *testing.T) {
	ctx, mem := ContextOf(&DB{})

	// A tree is fine, however deep, up to the limit.
	leaf := &Node{ID: 3, Status: NLive}
	tree := &Node{ID: 1, Status: NLive, Children: []*Node{{ID: 2, Status: NLive, Children: []*Node{leaf}}}}
	err := RemoveNode.Fire(ctx, mem, Alice, tree, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, NGone, leaf.Status)

	// A node that is its own grandchild is a loop.
	a := &Node{ID: 1, Status: NLive}
	b := &Node{ID: 2, Status: NLive, Children: []*Node{a}}
	a.Children = []*Node{b}
	err = RemoveNode.Fire(ctx, mem, Alice, a, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrCycle)
	assert.Contains(t, err.Error(), "reaches transition_test.Node 1 again below itself")
	assert.Equal(t, NLive, a.Status)
	assert.Equal(t, NLive, b.Status)

	// So is a chain that never ends, even with fresh objects each time.
	var grow func(id int64) *Node
	grow = func(id int64) *Node { return &Node{ID: id, Status: NLive} }
	deep := grow(0)
	n := deep
	for i := int64(1); i <= transition.MaxChainDepth+5; i++ {
		c := grow(i)
		n.Children = []*Node{c}
		n = c
	}
	err = RemoveNode.Check(ctx, mem, Alice, deep)
	require.ErrorIs(t, err, transition.ErrCycle)
	assert.True(t, strings.Contains(err.Error(), "deeper than"))
	assert.Equal(t, NLive, deep.Status)
}

// TestCascadeFailureUndoesEarlierSteps: when a later step of a chain fails,
// the steps before it are undone.
func TestCascadeFailureUndoesEarlierSteps(t *testing.T) {
	bad := errors.New("disk full")
	items := transition.For[User, *DB](NodeStatus).Identify(func(n *Node) any { return n.ID })
	var calls int
	removeItem := transition.New[transition.NoInput](items, "remove", transition.From(NLive).To(NGone)).AllowAnyone().
		Effect("maybe fail", func(_ context.Context, _ *DB, e *transition.Event[Node, int, User, transition.NoInput]) error {
			calls++
			if e.Model.ID == 12 {
				return bad
			}
			return nil
		})
	parents := transition.For[User, *DB](AStatus)
	publish := transition.New[transition.NoInput](parents, "publish", transition.From(ADraft).To(ALive)).AllowAnyone().
		Effect("count", func(_ context.Context, _ *DB, e *articleEvent) error { e.Model.Count++; return nil })
	children := []*Node{{ID: 11, Status: NLive}, {ID: 12, Status: NLive}, {ID: 13, Status: NLive}}
	publish.Cascade(transition.Each("items", func(context.Context, *DB, *Article) ([]*Node, error) { return children, nil }, removeItem))

	a := &Article{Status: ADraft}
	err := publish.Fire(context.Background(), MemOf(&DB{}), Alice, a, transition.NoInput{})
	se := errorOf(t, err, transition.ErrStep)
	assert.ErrorIs(t, err, bad)
	assert.Equal(t, "transition_test.Node 12", se.Object())
	assert.Equal(t, 2, calls, "the chain stops at the failing step")
	assert.Equal(t, &Article{Status: ADraft}, a, "the parent is restored")
	for _, c := range children {
		assert.Equal(t, NLive, c.Status, "node %d", c.ID)
	}
}
