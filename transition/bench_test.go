package transition_test

import (
	"context"
	"testing"

	"github.com/statecraft/statecraft/transition"
)

// The in-memory hot paths: checking availability allocates nothing;
// firing a transition allocates only its event.

func BenchmarkCan(b *testing.B) {
	ctx := context.Background()
	p := &Project{ID: 1, Owner: "alice", Status: Published, Review: Approved}
	b.ReportAllocs()
	for b.Loop() {
		if !Withdraw.Can(ctx, alice, p) {
			b.Fatal("withdraw should be available")
		}
	}
}

func BenchmarkCanRefused(b *testing.B) {
	ctx := context.Background()
	p := &Project{ID: 1, Owner: "alice", Status: Draft, Review: Approved}
	b.ReportAllocs()
	for b.Loop() {
		if Withdraw.Can(ctx, bob, p) {
			b.Fatal("withdraw should not be available")
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	ctx := context.Background()
	p := &Project{ID: 1, Owner: "alice", Status: Published, Review: Approved}
	b.ReportAllocs()
	for b.Loop() {
		if err := Withdraw.Check(ctx, alice, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFireNoInput(b *testing.B) {
	ctx := context.Background()
	p := &Project{ID: 1, Owner: "alice", Status: Draft}
	b.ReportAllocs()
	for b.Loop() {
		p.Status = Draft
		if _, err := Edit.Fire(ctx, alice, p, transition.NoInput{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFireWithInputAndEffect(b *testing.B) {
	ctx := context.Background()
	p := &Project{ID: 1, Owner: "alice", Status: Published}
	in := WithdrawInput{Reason: "benchmark"}
	b.ReportAllocs()
	for b.Loop() {
		p.Status = Published
		if _, err := Withdraw.Fire(ctx, alice, p, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFireJSON(b *testing.B) {
	ctx := context.Background()
	p := &Project{ID: 1, Owner: "alice", Status: Published}
	payload := []byte(`{"reason": "benchmark"}`)
	b.ReportAllocs()
	for b.Loop() {
		p.Status = Published
		if _, err := Withdraw.FireJSON(ctx, alice, p, payload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFireCascade(b *testing.B) {
	p := &Project{ID: 1, Owner: "alice"}
	tasks := []*Task{{ID: 1, Owner: "alice"}, {ID: 2, Owner: "alice"}}
	ctx := testContext(&store{tasks: map[int64][]*Task{1: tasks}})
	b.ReportAllocs()
	for b.Loop() {
		p.Status = Draft
		tasks[0].Status, tasks[1].Status = Open, Open
		if _, err := Delete.Fire(ctx, alice, p, transition.NoInput{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAvailable(b *testing.B) {
	ctx := context.Background()
	p := &Project{ID: 1, Owner: "alice", Status: Published, Review: Approved}
	dst := make([]transition.Availability, 0, 8)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, err = Projects.AppendAvailable(ctx, dst[:0], alice, p); err != nil {
			b.Fatal(err)
		}
	}
}
