package transition_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// Regressions found by reviewing the one-error, one-step and
// conditional-source changes.

type rvDoc struct {
	ID        int64
	Cur, Prev state.State[int]
	StartAt   time.Time
}

var (
	rvState      = state.NewType[int]("RvState")
	rvA          = rvState.State(1, "A")
	rvB          = rvState.State(2, "B")
	rvC          = rvState.State(3, "C")
	rvCur        = state.Bind(rvState, "cur", func(d *rvDoc) *state.State[int] { return &d.Cur })
	rvPrev       = state.Bind(rvState, "prev", func(d *rvDoc) *state.State[int] { return &d.Prev })
	rvPrevFuture = rvPrev.Conditional("prev_future", "Prev future", rvA, func(d *rvDoc, now time.Time) bool { return d.StartAt.After(now) })
	rvCurFuture  = rvCur.Conditional("cur_future", "Cur future", rvA, func(d *rvDoc, now time.Time) bool { return d.StartAt.After(now) })
)

// A conditional state of another field with the same Type is not a source
// of this field's rules.
func TestConditionalOfAnotherFieldIsRefused(t *testing.T) {
	m := transition.For[User, *DB](rvCur)
	de := declPanic(t, func() { transition.New[transition.NoInput](m, "go", transition.From(rvPrevFuture).To(rvB)) })
	assert.ErrorIs(t, de, state.ErrForeignState)
	de = declPanic(t, func() {
		transition.New[transition.NoInput](m, "go2", transition.From(rvA).To(rvB)).
			Also(transition.Field(rvPrev, transition.From(rvCurFuture).To(rvB)))
	})
	assert.ErrorIs(t, de, state.ErrForeignState)
}

// The reserved forbidden codes cannot be produced by an Allow name.
func TestAllowNamesCannotTakeReservedCodes(t *testing.T) {
	m := transition.For[*User, *DB](rvCur)
	for _, name := range []string{"no_actor", "no_one"} {
		de := declPanic(t, func() {
			transition.New[transition.NoInput](m, "x_"+name, transition.From(rvA).To(rvB)).
				Allow(name, func(context.Context, *User, *rvDoc) bool { return false })
		})
		assert.Contains(t, de.Msg, "is reserved")
	}
}

// An after-commit hook that fails reports the committed transition as
// such: not as a failed step, not as a cancel, in one line.
func TestAfterCommitFailureIsNotAStepFailure(t *testing.T) {
	m := transition.For[User, *DB](rvCur).Identify(func(d *rvDoc) any { return d.ID })
	tr := transition.New[transition.NoInput](m, "ac", transition.From(rvA).To(rvB)).AllowAnyone().
		AfterCommit("mail", func(context.Context, *transition.Event[rvDoc, int, User, transition.NoInput]) error {
			return transition.Cancel("too late")
		})
	d := &rvDoc{ID: 7, Cur: rvA}
	ev, err := tr.FireEvent(context.Background(), transition.Memory(&DB{}, nil), Alice, d, transition.NoInput{})
	require.NotNil(t, ev)
	assert.Equal(t, rvB, d.Cur, "committed")
	assert.ErrorIs(t, err, transition.ErrAfterCommit)
	assert.NotErrorIs(t, err, transition.ErrStep)
	assert.NotErrorIs(t, err, transition.ErrCanceled)
	assert.Equal(t, 1, strings.Count(err.Error(), "transition: "), err.Error())
}

// A blocked model with no state says so once.
func TestBlockedWithNoStateMessage(t *testing.T) {
	m := transition.For[User, *DB](rvCur).Identify(func(d *rvDoc) any { return d.ID })
	tr := transition.New[transition.NoInput](m, "bl", transition.From(rvA).To(rvB)).AllowAnyone()
	err := tr.Check(context.Background(), transition.Memory(&DB{}, nil), Alice, &rvDoc{ID: 3})
	assert.EqualError(t, err, `transition: transition_test.rvDoc.cur "bl" of transition_test.rvDoc 3 (no state) by alice is blocked: cur holds no state; Bl needs A`)
}

// rvTx is a store that keeps the history it is given.
type rvTx struct {
	mem     *transition.MemoryStore[*DB]
	history [][]transition.Step
}

func (x *rvTx) Begin(context.Context) (transition.Tx[*DB], error) { return x, nil }
func (x *rvTx) Unit() *DB                                         { return x.mem.Unit() }
func (x *rvTx) Now() time.Time                                    { return x.mem.Now() }
func (x *rvTx) Commit(context.Context) error                      { return nil }
func (x *rvTx) Rollback(context.Context) error                    { return nil }
func (x *rvTx) Append(_ context.Context, s []transition.Step) error {
	x.history = append(x.history, s)
	return nil
}

// The Steps a plan returns, the history a store is given and what a hook
// sees are separate values: changing one changes no other.
func TestStepsDoNotShareMoves(t *testing.T) {
	m := transition.For[User, *DB](rvCur).Identify(func(d *rvDoc) any { return d.ID })
	var hooked []transition.Step
	m.After("keep", func(_ context.Context, _ *DB, _ *rvDoc, s transition.Step) error {
		s.Moves[0].To.Title = "changed by a hook"
		hooked = append(hooked, s)
		return nil
	})
	tr := transition.New[transition.NoInput](m, "al", transition.From(rvA).To(rvB)).AllowAnyone()
	tx := &rvTx{mem: transition.Memory(&DB{}, nil)}
	plan, err := tr.FireJSON(context.Background(), tx, Alice, &rvDoc{ID: 1, Cur: rvA}, nil)
	require.NoError(t, err)
	require.Len(t, hooked, 1)
	assert.Equal(t, "B", tx.history[0][0].Moves[0].To.Title, "a hook's change does not reach the history")
	assert.Equal(t, "B", plan.Steps[0].Moves[0].To.Title)
	plan.Steps[0].Moves[0].To.Title = "Béé"
	assert.Equal(t, "B", tx.history[0][0].Moves[0].To.Title, "nor does a change to the returned plan")

	plan2, err := tr.Plan(context.Background(), tx, Alice, &rvDoc{ID: 2, Cur: rvA}, transition.NoInput{})
	require.NoError(t, err)
	plan2.Steps[0].Moves[0].To.Title = "shown to the user"
	require.NoError(t, plan2.Apply(context.Background(), tx, false))
	assert.Equal(t, "shown to the user", plan2.Steps[0].Moves[0].To.Title, "Apply leaves the caller's Steps alone")
}

// A store that embeds a Memory store but keeps a history is given it.
type rvEmbedTx struct {
	*transition.MemoryStore[*DB]
	calls int
}

func (x *rvEmbedTx) Begin(context.Context) (transition.Tx[*DB], error) { return x, nil }
func (x *rvEmbedTx) Append(context.Context, []transition.Step) error {
	x.calls++
	return nil
}

func TestEmbeddedMemoryStoreGetsTheHistory(t *testing.T) {
	m := transition.For[User, *DB](rvCur).Identify(func(d *rvDoc) any { return d.ID })
	tr := transition.New[transition.NoInput](m, "emb", transition.From(rvA).To(rvB)).AllowAnyone()
	tx := &rvEmbedTx{MemoryStore: transition.Memory(&DB{}, nil)}
	err := tr.Fire(context.Background(), tx, Alice, &rvDoc{ID: 1, Cur: rvA}, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, 1, tx.calls)
}

// tickScope's clock moves an hour every time it is read.
type tickScope struct {
	t time.Time
	n int
}

func (s *tickScope) Unit() *DB { return &DB{} }
func (s *tickScope) Now() time.Time {
	s.n++
	return s.t.Add(time.Duration(s.n-1) * time.Hour)
}

// Availability reads the clock once: whether it is available and where it
// would go agree.
func TestAvailabilityReadsTheClockOnce(t *testing.T) {
	m := transition.For[User, *DB](rvCur).Identify(func(d *rvDoc) any { return d.ID })
	tr := transition.New[transition.NoInput](m, "av", transition.From(rvCurFuture).To(rvB)).AllowAnyone()
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	sc := &tickScope{t: base}
	av, err := tr.Availability(context.Background(), sc, Alice, &rvDoc{ID: 1, Cur: rvA, StartAt: base.Add(30 * time.Minute)})
	require.NoError(t, err)
	assert.Equal(t, 1, sc.n, "one read")
	assert.True(t, av.Available)
	assert.Equal(t, []transition.StateRef{{Value: 2, Title: "B"}}, av.Targets)
}

// The plan FireJSON returns for one step has the digest Plan gives the same
// step beforehand, made only when it is read.
func TestFireJSONPlanDigestMatchesPlan(t *testing.T) {
	m := transition.For[User, *DB](rvCur).Identify(func(d *rvDoc) any { return d.ID })
	tr := transition.New[transition.NoInput](m, "dg", transition.From(rvA).To(rvB)).AllowAnyone()
	mem := transition.Memory(&DB{}, nil)
	d := &rvDoc{ID: 1, Cur: rvA}
	before, err := tr.Plan(context.Background(), mem, Alice, d, transition.NoInput{})
	require.NoError(t, err)
	require.NotEmpty(t, before.Digest())
	after, err := tr.FireJSON(context.Background(), mem, Alice, d, nil)
	require.NoError(t, err)
	assert.Equal(t, before.Digest(), after.Digest())
	js, err := json.Marshal(after)
	require.NoError(t, err)
	assert.Contains(t, string(js), `"digest":"`+before.Digest()+`"`)
}
