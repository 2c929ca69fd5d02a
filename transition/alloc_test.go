package transition_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"
	"unsafe"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/transition"
)

// TestHotPathAllocations pins the in-memory hot paths: checking
// availability allocates nothing; firing a transition allocates nothing
// when nothing keeps its event, and only the event otherwise. (The
// benchmarks report the same; this fails if it changes.)
func TestHotPathAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	ctx := context.Background()
	published := &Project{ID: 1, Owner: "alice", Status: Published, Review: Approved}
	draft := &Project{ID: 2, Owner: "alice", Status: Draft}
	pending := &Project{ID: 3, Owner: "alice", Status: Draft, Review: Pending}
	in := WithdrawInput{Reason: "r"}
	empty := []byte(`{}`)
	ticket := &bareTicket{ID: 1}
	lead := bareUser{Name: "lea", Lead: true}
	bare := transition.Memory(struct{}{}, nil)
	avs := make([]transition.Availability, 0, 8)
	durable := generalStore[struct{}]{bare}

	for _, c := range []struct {
		name string
		max  float64
		f    func()
	}{
		{"Can, available", 0, func() { Withdraw.Can(ctx, Mem, Alice, published) }},
		{"Can, wrong state and actor", 0, func() { Withdraw.Can(ctx, Mem, Bob, draft) }},
		{"Can, unmet condition", 0, func() { Publish.Can(ctx, Mem, Alice, pending) }},
		{"Check, available", 0, func() { _ = Withdraw.Check(ctx, Mem, Alice, published) }},
		{"Check, refused for two reasons", 1, func() { _ = Withdraw.Check(ctx, Mem, Bob, draft) }},
		{"Check, refused by a condition", 1, func() { _ = Publish.Check(ctx, Mem, Alice, pending) }},
		{"Fire, nothing keeps the event", 0, func() {
			ticket.Status = bareReview
			_ = bareDecide.Fire(ctx, bare, lead, ticket, bareVerdict{Accept: true})
		}},
		// Through a Store that is not Memory's, one step takes the durable
		// path, with its plan on the stack: the one allocation is the
		// step handed to the unit of work.
		{"Fire through a Store, one step", 1, func() {
			ticket.Status = bareReview
			if err := bareDecide.Fire(ctx, durable, lead, ticket, bareVerdict{Accept: true}); err != nil {
				panic(err)
			}
		}},
		{"FireEvent, the event", 1, func() {
			ticket.Status = bareReview
			_, _ = bareDecide.FireEvent(ctx, bare, lead, ticket, bareVerdict{Accept: true})
		}},
		{"Fire, refused: its error", 1, func() {
			ticket.Status = bareOpen
			if bareDecide.Fire(ctx, bare, lead, ticket, bareVerdict{}) == nil {
				panic("fired from Open")
			}
		}},
		{"AppendAvailable, into the caller's slice", 0, func() {
			ticket.Status = bareReview
			avs, err := bareTickets.AppendAvailable(ctx, avs[:0], bare, lead, ticket)
			if err != nil || len(avs) != 5 || !avs[1].Available || avs[0].Available {
				panic(fmt.Sprint(avs, err))
			}
		}},
		{"Available, its result", 1, func() {
			ticket.Status = bareOpen
			if _, err := bareTickets.Available(ctx, bare, lead, ticket); err != nil {
				panic(err)
			}
		}},
		// A machine's After hook receives the step, which the event holds.
		{"Fire, a machine's After hook", 1, func() {
			draft.Status = Draft
			_ = Edit.Fire(ctx, Mem, Alice, draft, transition.NoInput{})
		}},
		{"Fire, input with Validate and an effect", 1, func() {
			published.Status = Published
			_ = Withdraw.Fire(ctx, Mem, Alice, published, in)
		}},
		// The plan it returns, with its step and move: one allocation; an
		// empty body decodes with no decoder.
		{"FireJSON, no input, empty body, no hooks", 1, func() {
			ticket.Status, ticket.Due = bareReview, time.Time{}
			_, _ = bareEscalate.FireJSON(ctx, bare, lead, ticket, empty)
		}},
		// The plan and the event, which the machine's After hook receives
		// with its step.
		{"FireJSON, no input, empty body, hooks", 2, func() {
			draft.Status = Draft
			_, _ = Edit.FireJSON(ctx, Mem, Alice, draft, empty)
		}},
	} {
		if got := testing.AllocsPerRun(100, c.f); got > c.max {
			t.Errorf("%s: %v allocations, want at most %v", c.name, got, c.max)
		}
	}
}

// bytesPerRun is testing.AllocsPerRun for bytes: how many bytes f
// allocates, on average over runs calls, after one call to warm up.
func bytesPerRun(runs int, f func()) float64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return float64(after.TotalAlloc-before.TotalAlloc) / float64(runs)
}

// A transition with an effect, on a machine with no After hook: its
// event needs no room for a Step's move.
var (
	plainTickets = transition.For[bareUser, struct{}](bareStatusOf)
	plainSubmit  = transition.New[bareNote](plainTickets, "submit", transition.From(bareOpen).To(bareReview)).AllowAnyone().
			Effect("keep the note", func(_ context.Context, _ struct{}, e *transition.Event[bareTicket, bareStatus, bareUser, bareNote]) error {
			e.Model.Note = e.Input.Note
			return nil
		})
)

// TestHookedFireAllocatesTheEventAlone pins the bytes behind the one
// allocation of firing a transition with hooks in memory: the event, and
// room for the Step's move only when a machine's After hook receives one.
// Go's size classes round an allocation up by at most an eighth, so that
// is the slack allowed.
func TestHookedFireAllocatesTheEventAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation sizes")
	}
	ctx := context.Background()
	ticket := &bareTicket{ID: 1}
	note := bareNote{Note: "n"}
	plain := transition.Memory(struct{}{}, nil)
	draft := &Project{ID: 2, Owner: "alice", Status: Draft}
	move := unsafe.Sizeof(transition.Move{})
	for _, c := range []struct {
		name string
		max  uintptr
		f    func()
	}{
		{"no After hook: the event", unsafe.Sizeof(transition.Event[bareTicket, bareStatus, bareUser, bareNote]{}), func() {
			ticket.Status = bareOpen
			if err := plainSubmit.Fire(ctx, plain, bareUser{}, ticket, note); err != nil {
				panic(err)
			}
		}},
		{"an After hook: the event and its move", unsafe.Sizeof(transition.Event[Project, ProjectStatus, User, transition.NoInput]{}) + move, func() {
			draft.Status = Draft
			if err := Edit.Fire(ctx, Mem, Alice, draft, transition.NoInput{}); err != nil {
				panic(err)
			}
		}},
	} {
		limit := c.max + c.max/8
		if got := bytesPerRun(1000, c.f); got > float64(limit) {
			t.Errorf("%s: %v bytes, want %v rounded up to its size class (at most %v)", c.name, got, c.max, limit)
		}
	}
}
