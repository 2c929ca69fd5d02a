package transitiontest_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/transitiontest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The helpers test themselves on a small ticket workflow, and on a copy
// with deliberate mistakes: each helper must fail on it with a message
// that says what differs.

type TicketStatus string

func (TicketStatus) StateType() *state.Type[TicketStatus] { return TicketState }

var (
	TicketState = state.NewType[TicketStatus]("TicketState")
	Open        = TicketState.State("open", "Open")
	Closed      = TicketState.State("closed", "Closed")
	Archived    = TicketState.State("archived", "Archived", state.Final())
	Status      = state.Bind(TicketState, "status", func(t *Ticket) *state.State[TicketStatus] { return &t.Status })
	Overdue     = Status.Conditional("overdue", "Overdue", Open, func(t *Ticket, now time.Time) bool { return t.Due.Before(now) })
)

type Ticket struct {
	ID     int
	Owner  string
	Status state.State[TicketStatus]
	Due    time.Time
}

type Agent struct {
	Name  string
	Admin bool
}

func (a Agent) String() string { return a.Name }

func owner(_ context.Context, a Agent, t *Ticket) bool { return a.Name == t.Owner }
func admin(_ context.Context, a Agent, _ *Ticket) bool { return a.Admin }

var (
	Tickets  = transition.For[Agent, struct{}](Status).Identify(func(t *Ticket) any { return t.ID })
	Close    = transition.New[transition.NoInput](Tickets, "close", transition.From(Open).To(Closed)).Allow("owner", owner)
	Archive  = transition.New[transition.NoInput](Tickets, "archive", transition.From(Closed).To(Archived)).Allow("admin", admin)
	Escalate = transition.New[transition.NoInput](Tickets, "escalate", transition.From(Overdue).Stay()).AllowAnyone()

	// The same workflow with mistakes: close moves to the wrong state and
	// lets anyone run it.
	Broken      = transition.For[Agent, struct{}](Status).Identify(func(t *Ticket) any { return t.ID })
	BrokenClose = transition.New[transition.NoInput](Broken, "close", transition.From(Open).To(Archived)).AllowAnyone()
	_           = transition.New[transition.NoInput](Broken, "archive", transition.From(Closed).To(Archived)).Allow("admin", admin)
	_           = transition.New[transition.NoInput](Broken, "escalate", transition.From(Overdue).Stay()).AllowAnyone()
)

var (
	start = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	ann   = Agent{Name: "ann"}
	bob   = Agent{Name: "bob"}
	root  = Agent{Name: "root", Admin: true}
)

// failures is a testing.TB that records what the helpers report instead
// of failing the test.
type failures struct {
	testing.TB
	msgs []string
}

func (f *failures) Errorf(format string, args ...any) {
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
}
func (f *failures) Helper() {}

// failed runs check with a recording TB and returns what it reported.
func failed(t *testing.T, check func(tb testing.TB) bool) string {
	t.Helper()
	f := &failures{TB: t}
	ok := check(f)
	assert.Equal(t, len(f.msgs) == 0, ok, "a helper returns whether it passed")
	// go-cmp writes its diffs with spaces or, at random, non-breaking
	// spaces, so that no one compares them exactly.
	return strings.ReplaceAll(strings.Join(f.msgs, "\n"), "\u00a0", " ")
}

func TestClock(t *testing.T) {
	c := transitiontest.NewClock(start)
	assert.Equal(t, start, c.Now())
	assert.Equal(t, start.Add(time.Hour), c.Advance(time.Hour))
	c.Set(start)
	assert.Equal(t, start, c.Now())

	// Conditional states and events read the same clock.
	mem := transition.Memory(struct{}{}, c.Now)
	tk := &Ticket{ID: 1, Owner: "ann", Status: Open, Due: start.Add(time.Hour)}
	transitiontest.Blocked(t, Escalate, mem, ann, tk, "wrong_state.status")
	c.Advance(2 * time.Hour)
	transitiontest.Available(t, Escalate, mem, ann, tk)
	transitiontest.InState(t, Status, tk, Overdue, c.Now())
	ev, err := Escalate.FireEvent(context.Background(), mem, ann, tk, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, c.Now(), ev.At)
}

func TestAssertions(t *testing.T) {
	mem := transition.Memory(struct{}{}, transitiontest.NewClock(start).Now)
	tk := &Ticket{ID: 1, Owner: "ann", Status: Open, Due: start.Add(time.Hour)}

	assert.Empty(t, failed(t, func(tb testing.TB) bool { return transitiontest.Available(tb, Close, mem, ann, tk) }))
	assert.Empty(t, failed(t, func(tb testing.TB) bool { return transitiontest.Blocked(tb, Close, mem, bob, tk, "forbidden.owner") }))
	assert.Empty(t, failed(t, func(tb testing.TB) bool {
		return transitiontest.Blocked(tb, Archive, mem, bob, tk, "forbidden.admin", "wrong_state.status")
	}), "codes in any order")
	assert.Empty(t, failed(t, func(tb testing.TB) bool { return transitiontest.InState(tb, Status, tk, Open, start) }))

	// The broken workflow lets bob close ann's ticket: each check says so.
	assert.Equal(t, `close should be blocked for bob, but is available`,
		failed(t, func(tb testing.TB) bool {
			return transitiontest.Blocked(tb, BrokenClose, mem, bob, tk, "forbidden.owner")
		}))
	msg := failed(t, func(tb testing.TB) bool { return transitiontest.Available(tb, Close, mem, bob, tk) })
	assert.Contains(t, msg, `close "Close" should be available to bob, but is not:`)
	assert.Contains(t, msg, "bob may not Close: only owner")
	msg = failed(t, func(tb testing.TB) bool { return transitiontest.Blocked(tb, Archive, mem, bob, tk, "forbidden.admin") })
	assert.Contains(t, msg, "archive for bob is blocked for other reasons (-want +got):")
	assert.Contains(t, msg, `+ 	"wrong_state.status",`)
	msg = failed(t, func(tb testing.TB) bool { return transitiontest.InState(tb, Status, tk, Overdue, start) })
	assert.Equal(t, "transitiontest_test.Ticket.status should be Overdue, but is Open", msg)

	// A plan's steps: the wrong target shows in the diff.
	p, err := BrokenClose.Plan(context.Background(), mem, ann, tk, transition.NoInput{})
	require.NoError(t, err)
	assert.Empty(t, failed(t, func(tb testing.TB) bool {
		return transitiontest.Steps(tb, p, "transitiontest_test.Ticket.status 1: close status Open -> Archived")
	}))
	msg = failed(t, func(tb testing.TB) bool {
		return transitiontest.Steps(tb, p, "transitiontest_test.Ticket.status 1: close status Open -> Closed")
	})
	assert.Contains(t, msg, "the plan's steps differ (-want +got):")
	assert.Contains(t, msg, `- `+"\t\t"+`"Clos",`, "what was wanted")
	assert.Contains(t, msg, `+ `+"\t\t"+`"Archiv",`, "what the plan does")
}

// samples are tickets in every state, and one overdue.
func samples() []transitiontest.Sample[Ticket] {
	return []transitiontest.Sample[Ticket]{
		{Name: "open", Model: &Ticket{ID: 1, Owner: "ann", Status: Open, Due: start.Add(time.Hour)}},
		{Name: "overdue", Model: &Ticket{ID: 2, Owner: "ann", Status: Open, Due: start.Add(-time.Hour)}},
		{Name: "closed", Model: &Ticket{ID: 3, Owner: "ann", Status: Closed}},
		{Name: "archived", Model: &Ticket{ID: 4, Owner: "ann", Status: Archived}},
	}
}

var roles = []transitiontest.Role[Agent]{{Name: "owner", Actor: ann}, {Name: "stranger", Actor: bob}, {Name: "admin", Actor: root}}

func TestMatrix(t *testing.T) {
	mem := transition.Memory(struct{}{}, transitiontest.NewClock(start).Now)
	golden := filepath.Join("testdata", "tickets.matrix")
	got := transitiontest.Matrix(t, Tickets, mem, samples(), roles)
	transitiontest.Golden(t, golden, got, *update)

	// The broken workflow's matrix differs where bob may now close.
	broken := transitiontest.Matrix(t, Broken, mem, samples(), roles)
	msg := failed(t, func(tb testing.TB) bool { return transitiontest.Golden(tb, golden, broken, false) })
	assert.Contains(t, msg, "testdata/tickets.matrix differs (-want +got):")
	assert.Contains(t, msg, "forbidden.owner")
	assert.Contains(t, msg, "if the change is intended, run the test with -update")

	// A state no sample covers is reported.
	msg = failed(t, func(tb testing.TB) bool {
		transitiontest.Matrix(tb, Tickets, mem, samples()[:2], roles)
		return false
	})
	assert.Equal(t, "Matrix of transitiontest_test.Ticket.status: no sample is in Closed, Archived: give one a model in each", msg)
}

// With update set, Golden writes the file, and the directories it needs,
// and passes; what it cannot write fails the test, saying why.
func TestGoldenUpdate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "new", "tickets.matrix")
	assert.Empty(t, failed(t, func(tb testing.TB) bool { return transitiontest.Golden(tb, path, "a\nb\n", true) }))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "a\nb\n", string(b))
	assert.Empty(t, failed(t, func(tb testing.TB) bool { return transitiontest.Golden(tb, path, "a\nb\n", false) }), "what it wrote is then the golden file")

	// Without update, a missing file fails and says how to write it.
	missing := filepath.Join(dir, "missing.matrix")
	assert.Equal(t, "Golden: open "+missing+": no such file or directory (run the test with -update to write it)",
		failed(t, func(tb testing.TB) bool { return transitiontest.Golden(tb, missing, "a", false) }))

	// A file where its directory should be.
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	assert.Equal(t, "Golden: mkdir "+file+": not a directory",
		failed(t, func(tb testing.TB) bool {
			return transitiontest.Golden(tb, filepath.Join(file, "sub", "x.matrix"), "a", true)
		}))
	// A directory where the file should be.
	assert.Equal(t, "Golden: open "+dir+": is a directory",
		failed(t, func(tb testing.TB) bool { return transitiontest.Golden(tb, dir, "a", true) }))
}
