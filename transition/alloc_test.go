package transition_test

import (
	"context"
	"testing"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/transition"
)

// TestHotPathAllocations pins the in-memory hot paths: checking
// availability allocates nothing, and firing a transition allocates only
// its event. (The benchmarks report the same; this fails if it changes.)
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
		{"Fire, no input", 1, func() {
			draft.Status = Draft
			_, _ = Edit.Fire(ctx, Mem, Alice, draft, transition.NoInput{})
		}},
		{"Fire, input with Validate and an effect", 1, func() {
			published.Status = Published
			_, _ = Withdraw.Fire(ctx, Mem, Alice, published, in)
		}},
		// The plan it returns (the Plan, its Steps, its steps and objects,
		// the closure of its digest, the step and its moves); an empty body
		// decodes with no decoder (it took 6 more allocations with one).
		{"FireJSON, no input, empty body", 7, func() {
			draft.Status = Draft
			_, _ = Edit.FireJSON(ctx, Mem, Alice, draft, empty)
		}},
	} {
		if got := testing.AllocsPerRun(100, c.f); got > c.max {
			t.Errorf("%s: %v allocations, want at most %v", c.name, got, c.max)
		}
	}
}
