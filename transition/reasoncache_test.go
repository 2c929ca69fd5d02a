package transition_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
)

// The reasons of an availability are kept per transition (see Reason), for
// as many checks as fit the cache's key, and for as many lists as it
// bounds. A Panel has a bank of switches, each a When condition.

type Panel struct {
	Status state.State[int]
	Off    uint64 // bit i set: switch i is off, and its condition unmet
}

// switchOn is the condition "switch i is on".
type switchOn uint

func (s switchOn) Match(p *Panel, _ time.Time) bool { return p.Off&(1<<s) == 0 }
func (s switchOn) Expr() sqlexpr.Expr               { return sqlexpr.Col("off").Eq(0) }
func (s switchOn) String() string                   { return fmt.Sprintf("switch %d on", s) }

// switches returns the conditions of the first n switches.
func switches(n int) []state.Condition[Panel] {
	cs := make([]state.Condition[Panel], n)
	for i := range cs {
		cs[i] = switchOn(i)
	}
	return cs
}

var (
	PanelState  = state.NewType[int]("PanelState")
	PanelIdle   = PanelState.State(1, "Idle")
	PanelLive   = PanelState.State(2, "Live")
	PanelStatus = state.Bind(PanelState, "status", func(p *Panel) *state.State[int] { return &p.Status })
	Panels      = transition.For[User, *DB](PanelStatus)

	// Start checks its state, the actor (twice: who, and that there is
	// one) and 61 switches: 64 checks, as many as its reasons can be kept
	// for. Boot checks one switch more; Warm checks 9.
	Start = transition.New[transition.NoInput](Panels, "start", transition.From(PanelIdle).To(PanelLive)).AllowAnyone().When(switches(61)...)
	Boot  = transition.New[transition.NoInput](Panels, "boot", transition.From(PanelIdle).To(PanelLive)).AllowAnyone().When(switches(62)...)
	Warm  = transition.New[transition.NoInput](Panels, "warm", transition.From(PanelIdle).To(PanelLive)).AllowAnyone().When(switches(9)...)
)

// Every check is reported, the last one too, whether the transition's
// reasons are kept or, with more checks than the cache's key holds, not.
func TestReasonsOfEveryCheck(t *testing.T) {
	ctx := context.Background()
	mem := MemOf(&DB{})
	for _, c := range []struct {
		tr   *transition.Transition[Panel, int, User, *DB, transition.NoInput]
		last string
	}{{Start, "unmet.condition_61"}, {Boot, "unmet.condition_62"}} {
		n := len(transition.InfoOf(c.tr).When)
		p := &Panel{Status: PanelIdle, Off: 1 | 1<<(n-1)}
		for range 2 { // built, then (for Start) kept
			av, err := c.tr.Availability(ctx, mem, Alice, p)
			require.NoError(t, err)
			assert.False(t, av.Available, c.tr.Name())
			assert.Equal(t, []string{"unmet.condition_1", c.last}, reasonCodes(av.Reasons), c.tr.Name())
			assert.Equal(t, fmt.Sprintf("needs switch %d on", n-1), av.Reasons[1].Message())
		}
		p.Status = PanelLive
		av, err := c.tr.Availability(ctx, mem, Alice, p)
		require.NoError(t, err)
		assert.Equal(t, []string{"wrong_state.status", "unmet.condition_1", c.last}, reasonCodes(av.Reasons), c.tr.Name())
	}
	assert.Equal(t, 2, transition.ReasonListsOf(Start), "Start's lists are kept")
	assert.Zero(t, transition.ReasonListsOf(Boot), "Boot has a check too many to key a list by")

	// Kept, a list is not built again: refusing allocates nothing.
	p := &Panel{Status: PanelIdle, Off: 1 | 1<<60}
	allocs := testing.AllocsPerRun(100, func() {
		if av, _ := Start.Availability(ctx, mem, Alice, p); av.Available {
			panic("available")
		}
	})
	assert.Zero(t, allocs)
}

// A transition keeps at most 256 lists; past them, its reasons are built
// each time, as right as ever.
func TestReasonListsAreBounded(t *testing.T) {
	ctx := context.Background()
	mem := MemOf(&DB{})
	for off := range uint64(512) { // every set of the 9 switches, each its own list
		av, err := Warm.Availability(ctx, mem, Alice, &Panel{Status: PanelIdle, Off: off})
		require.NoError(t, err)
		require.Equal(t, off == 0, av.Available)
		var want []string
		for i := range 9 {
			if off&(1<<i) != 0 {
				want = append(want, fmt.Sprintf("unmet.condition_%d", i+1))
			}
		}
		require.Equal(t, want, reasonCodes(av.Reasons), "switches off: %09b", off)
	}
	assert.Equal(t, 256, transition.ReasonListsOf(Warm))
	av, err := Warm.Availability(ctx, mem, Alice, &Panel{Status: PanelIdle, Off: 1})
	require.NoError(t, err)
	assert.Equal(t, []string{"unmet.condition_1"}, reasonCodes(av.Reasons))
	assert.Equal(t, 256, transition.ReasonListsOf(Warm), "a list seen again is found, not added")
}
