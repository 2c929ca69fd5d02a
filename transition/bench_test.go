package transition_test

import (
	"context"
	"fmt"
	"testing"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/transition"
)

// The in-memory hot paths: checking availability allocates nothing;
// firing a transition allocates only its event.

func BenchmarkCan(b *testing.B) {
	ctx := context.Background()
	p := &Project{ID: 1, Owner: "alice", Status: Published, Review: Approved}
	b.ReportAllocs()
	for b.Loop() {
		if !Withdraw.Can(ctx, Mem, Alice, p) {
			b.Fatal("withdraw should be available")
		}
	}
}

func BenchmarkCanRefused(b *testing.B) {
	ctx := context.Background()
	p := &Project{ID: 1, Owner: "alice", Status: Draft, Review: Approved}
	b.ReportAllocs()
	for b.Loop() {
		if Withdraw.Can(ctx, Mem, Bob, p) {
			b.Fatal("withdraw should not be available")
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	ctx := context.Background()
	p := &Project{ID: 1, Owner: "alice", Status: Published, Review: Approved}
	b.ReportAllocs()
	for b.Loop() {
		if err := Withdraw.Check(ctx, Mem, Alice, p); err != nil {
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
		if err := Edit.Fire(ctx, Mem, Alice, p, transition.NoInput{}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchEdits is a machine without machine-level hooks: Fire builds no Step
// for it.
var (
	benchEdits = transition.For[User, *DB](Status)
	benchEdit  = transition.New[transition.NoInput](benchEdits, "edit", transition.From(Draft).Stay()).AllowAnyone()
)

// BenchmarkFireNoHooks is BenchmarkFireNoInput on a machine without After
// hooks, which receive a Step built for them.
func BenchmarkFireNoHooks(b *testing.B) {
	ctx := context.Background()
	p := &Project{ID: 1, Owner: "alice", Status: Draft}
	b.ReportAllocs()
	for b.Loop() {
		if err := benchEdit.Fire(ctx, Mem, Alice, p, transition.NoInput{}); err != nil {
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
		if err := Withdraw.Fire(ctx, Mem, Alice, p, in); err != nil {
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
		if _, err := Withdraw.FireJSON(ctx, Mem, Alice, p, payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFireJSONNoInput fires a transition that takes no input from
// an empty JSON body, as a handler does.
func BenchmarkFireJSONNoInput(b *testing.B) {
	ctx := context.Background()
	p := &Project{ID: 1, Owner: "alice", Status: Draft}
	payload := []byte(`{}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := benchEdit.FireJSON(ctx, Mem, Alice, p, payload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFireCascade(b *testing.B) {
	p := &Project{ID: 1, Owner: "alice"}
	tasks := []*Task{{ID: 1, Owner: "alice"}, {ID: 2, Owner: "alice"}}
	ctx, mem := ContextOf(&DB{Tasks: map[int64][]*Task{1: tasks}})
	b.ReportAllocs()
	for b.Loop() {
		p.Status = Draft
		tasks[0].Status, tasks[1].Status = Open, Open
		if err := Delete.Fire(ctx, mem, Alice, p, transition.NoInput{}); err != nil {
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
		if dst, err = Projects.AppendAvailable(ctx, dst[:0], Mem, Alice, p); err != nil {
			b.Fatal(err)
		}
	}
}

// Decoding hostile and large payloads: the time per byte stays the same
// as payloads grow (compare the MB/s of the sizes), and a payload of
// unknown keys stops at the field-error limit.

type bulkInput struct {
	Entries map[string]address `json:"entries"`
}

// bulkPayload returns an object whose one field is a map of about size
// bytes of distinct, valid entries.
func bulkPayload(size int) []byte {
	b := []byte(`{"entries": {`)
	for i := 0; len(b) < size; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `"e%d": {"city": "Oslo", "zip": "%05d"}`, i, i%100000)
	}
	return append(b, "}}"...)
}

func BenchmarkDecode(b *testing.B) {
	doors := transition.For[User, *DB](DoorStatus)
	bulk := transition.New[bulkInput](doors, "bulk", transition.From(Closed).Stay()).AllowAnyone()
	reply := transition.New[comment](doors, "reply", transition.From(Closed).Stay()).AllowAnyone()

	b.Run("unknown-keys-1MB", func(b *testing.B) {
		payload := unknownKeys(100_000)
		b.SetBytes(int64(len(payload)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Withdraw.Decode(payload); err == nil {
				b.Fatal("unknown keys accepted")
			}
		}
	})
	for _, size := range []int{64 << 10, 256 << 10, 1 << 20, 4 << 20} {
		b.Run(fmt.Sprintf("valid-map-%dKB", size>>10), func(b *testing.B) {
			payload := bulkPayload(size)
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bulk.Decode(payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("valid-nested-1000-deep", func(b *testing.B) {
		payload := []byte(nestedComments(1000, `{"text": "deep"}`))
		b.SetBytes(int64(len(payload)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := reply.Decode(payload); err != nil {
				b.Fatal(err)
			}
		}
	})
}
