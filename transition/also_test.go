package transition_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// A transition that moves several other fields moves every one of them.

// Room has three state fields: its own, its light's and its fan's.
type Room struct {
	Status, Light, Fan state.State[string]
}

var (
	Power      = state.NewType[string]("Power")
	PowerOn    = Power.State("on", "On")
	PowerOff   = Power.State("off", "Off")
	RoomStatus = state.Bind(Power, "status", func(r *Room) *state.State[string] { return &r.Status })
	RoomLight  = state.Bind(Power, "light", func(r *Room) *state.State[string] { return &r.Light })
	RoomFan    = state.Bind(Power, "fan", func(r *Room) *state.State[string] { return &r.Fan })
	Rooms      = transition.For[User, *DB](RoomStatus)
	LeaveRoom  = transition.New[transition.NoInput](Rooms, "leave", transition.From(PowerOn).To(PowerOff)).AllowAnyone().
			Also(transition.Field(RoomLight, transition.From(PowerOn).To(PowerOff)), transition.Field(RoomFan, transition.From(PowerOn).To(PowerOff)))
)

func TestEveryOtherFieldMoves(t *testing.T) {
	r := &Room{Status: PowerOn, Light: PowerOn, Fan: PowerOn}
	p, err := LeaveRoom.Plan(context.Background(), MemOf(&DB{}), Alice, r, transition.NoInput{})
	require.NoError(t, err)
	require.Len(t, p.Steps, 1)
	assert.Equal(t, []string{"status on->off", "light on->off", "fan on->off"}, moveTexts(p.Steps[0].Moves), "the plan's step lists its own move first")

	ev, err := LeaveRoom.FireEvent(context.Background(), MemOf(&DB{}), Alice, r, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, Room{Status: PowerOff, Light: PowerOff, Fan: PowerOff}, *r)
	assert.Equal(t, []string{"light on->off", "fan on->off"}, moveTexts(ev.Also))
}

// moveTexts writes moves of Power fields as "light on->off".
func moveTexts(moves []transition.Move) []string {
	var ts []string
	for _, m := range moves {
		ts = append(ts, m.Field+" "+m.From.Value.(string)+"->"+m.To.Value.(string))
	}
	return ts
}

// A transition fired inside a hook of another, and canceled, names
// itself in the error the outer one returns: the step that canceled is
// its hook, not the outer effect.
var (
	Fans    = transition.For[User, *DB](RoomFan)
	StopFan = transition.New[transition.NoInput](Fans, "stop", transition.From(PowerOn).To(PowerOff)).AllowAnyone().
		Before("check the schedule", func(context.Context, *DB, *transition.Event[Room, string, User, transition.NoInput]) error {
			return transition.Cancel("the fan runs until midnight")
		})
	CloseRoom = transition.New[transition.NoInput](Rooms, "close", transition.From(PowerOn).To(PowerOff)).AllowAnyone().
			Effect("stop the fan", func(ctx context.Context, db *DB, e *transition.Event[Room, string, User, transition.NoInput]) error {
			return StopFan.Fire(ctx, MemOf(db), e.Actor, e.Model, transition.NoInput{})
		})
)

func TestCanceledInnerTransitionNamesItself(t *testing.T) {
	r := &Room{Status: PowerOn, Light: PowerOn, Fan: PowerOn}
	err := CloseRoom.Fire(context.Background(), MemOf(&DB{}), Alice, r, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrCanceled)
	var e *transition.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "stop", e.Transition)
	assert.Equal(t, "check the schedule", e.Step)
	assert.EqualError(t, e.Err, "the fan runs until midnight")
	assert.Equal(t, Room{Status: PowerOn, Light: PowerOn, Fan: PowerOn}, *r, "nothing changed")
}

// A field a transition moves from a conditional state is tested at the
// store's clock; a field moved from plain states makes checking read no
// clock.
func TestOtherFieldFromAConditionalStateIsTestedAtTheClock(t *testing.T) {
	ctx := context.Background()
	m := transition.For[User, *DB](rvCur)
	timed := transition.New[transition.NoInput](m, "timed", transition.From(rvA).To(rvB)).AllowAnyone().
		Also(transition.Field(rvPrev, transition.From(rvPrevFuture).To(rvB)))
	plain := transition.New[transition.NoInput](m, "plain", transition.From(rvA).To(rvB)).AllowAnyone().
		Also(transition.Field(rvPrev, transition.From(rvA).To(rvB)))
	reads := 0
	noon := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	mem := transition.Memory(&DB{}, func() time.Time { reads++; return noon })

	d := &rvDoc{Cur: rvA, Prev: rvA, StartAt: noon.Add(-time.Hour)}
	assert.False(t, timed.Can(ctx, mem, Alice, d), "started an hour ago: prev is not Prev future")
	d.StartAt = noon.Add(time.Hour)
	assert.True(t, timed.Can(ctx, mem, Alice, d), "starts in an hour: prev is Prev future")
	assert.Equal(t, 2, reads)

	assert.True(t, plain.Can(ctx, mem, Alice, d))
	assert.Equal(t, 2, reads, "a field moved from plain states reads no clock")
}
