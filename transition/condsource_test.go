package transition_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// An event whose state field has a conditional source: "Upcoming" is
// Scheduled and starting after now; "Movable" is Postponed or Upcoming.
type gig struct {
	Status, Ticket state.State[int]
	StartAt        time.Time
}

var (
	gigState  = state.NewType[int]("GigState")
	gigSched  = gigState.State(1, "Scheduled")
	gigPost   = gigState.State(2, "Postponed")
	gigPlayed = gigState.State(3, "Played", state.Final())

	ticketState = state.NewType[int]("TicketState")
	ticketOpen  = ticketState.State(1, "Open")
	ticketHeld  = ticketState.State(2, "Held")

	gigStatus   = state.Bind(gigState, "status", func(g *gig) *state.State[int] { return &g.Status })
	gigTicket   = state.Bind(ticketState, "ticket", func(g *gig) *state.State[int] { return &g.Ticket })
	gigUpcoming = gigStatus.Conditional("upcoming", "Upcoming", gigSched,
		func(g *gig, now time.Time) bool { return g.StartAt.After(now) })
	gigMovable = gigStatus.Group("movable", "Movable", gigPost, gigUpcoming)
	// A conditional state of the ticket field, whatever it tests.
	ticketAny = gigTicket.Conditional("ticket_upcoming", "Upcoming ticket", ticketState.Any(),
		func(g *gig, now time.Time) bool { return g.StartAt.After(now) })

	gigs = transition.For[User, *DB](gigStatus)
	// Moving a gig holds its tickets, if the gig has not started.
	moveGig = transition.New[transition.NoInput](gigs, "move", transition.From(gigMovable).To(gigPost)).
		Also(transition.Field(gigTicket, transition.From(ticketAny).To(ticketHeld))).
		AllowAnyone()
	playGig = transition.New[transition.NoInput](gigs, "play", transition.From(gigSched).To(gigPlayed)).AllowAnyone()
)

func TestConditionalSources(t *testing.T) {
	ctx, mem := ContextOf(&DB{})
	now := Clock()
	later, earlier := now.Add(time.Hour), now.Add(-time.Hour)
	for _, tc := range []struct {
		name  string
		g     gig
		can   bool
		codes []string
	}{
		{"postponed, later", gig{Status: gigPost, Ticket: ticketOpen, StartAt: later}, true, nil},
		{"scheduled, later", gig{Status: gigSched, Ticket: ticketOpen, StartAt: later}, true, nil},
		{"scheduled, started", gig{Status: gigSched, Ticket: ticketOpen, StartAt: earlier}, false,
			[]string{"wrong_state.status", "wrong_state.ticket"}},
		{"postponed, started", gig{Status: gigPost, Ticket: ticketOpen, StartAt: earlier}, false,
			[]string{"wrong_state.ticket"}},
		{"played", gig{Status: gigPlayed, Ticket: ticketOpen, StartAt: later}, false, []string{"wrong_state.status"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.g
			assert.Equal(t, tc.can, moveGig.Can(ctx, mem, Alice, &g), "Can reads the clock for conditional sources")
			err := moveGig.Check(ctx, mem, Alice, &g)
			if tc.can {
				require.NoError(t, err)
				err := moveGig.Fire(ctx, mem, Alice, &g, transition.NoInput{})
				require.NoError(t, err)
				assert.Equal(t, gigPost, g.Status)
				assert.Equal(t, ticketHeld, g.Ticket)
				return
			}
			require.ErrorIs(t, err, transition.ErrWrongState)
			assert.Equal(t, tc.codes, reasonCodes(errorOf(t, err, transition.ErrBlocked).Reasons))
			before := g
			err = moveGig.Fire(ctx, mem, Alice, &g, transition.NoInput{})
			require.ErrorIs(t, err, transition.ErrWrongState)
			assert.Equal(t, before, g, "nothing changed")
		})
	}

	// The refusal names the conditional group by title.
	g := gig{Status: gigSched, StartAt: earlier, Ticket: ticketOpen}
	err := moveGig.Check(ctx, mem, Alice, &g)
	assert.ErrorContains(t, err, "status is Scheduled; Move needs Movable")

	// The graph draws the rule from Postponed always, from Scheduled only
	// when the gig is Movable.
	r := transition.InfoOf(moveGig).Rules[0]
	assert.Equal(t, []string{"Movable"}, r.From)
	assert.Equal(t, []string{"Movable"}, r.Conditions)
	assert.Equal(t, []string{"Scheduled", "Postponed"}, r.FromStates)
	assert.Equal(t, []string{"Scheduled"}, r.FromIf)
	_ = playGig
}

// ticketSoon is a conditional state of the ticket field: not a source the
// status field's transitions may start from.
var ticketSoon = gigTicket.Conditional("ticket_soon", "Ticket soon", ticketOpen,
	func(*gig, time.Time) bool { return true })

func TestConditionalSourcesAreChecked(t *testing.T) {
	m := transition.For[User, *DB](gigStatus)
	de := declPanic(t, func() {
		transition.New[transition.NoInput](m, "x", transition.From[int](ticketSoon).To(gigPost))
	})
	assert.ErrorIs(t, de, state.ErrForeignState)
	assert.Contains(t, de.Msg, "Ticket soon is a conditional state of another model or field")

	// Two rules that may start from one state, through a conditional
	// source's base, are ambiguous.
	de = declPanic(t, func() {
		transition.New[transition.NoInput](m, "y", transition.From(gigMovable).To(gigPlayed), transition.From(gigSched).Stay())
	})
	assert.Equal(t, "rules 1 and 2 both start from Scheduled", de.Msg)
}
