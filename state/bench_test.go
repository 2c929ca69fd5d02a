package state_test

import (
	"testing"
	"time"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// Sinks keep the benchmarks' results alive.
var (
	benchBool  bool
	benchState State
	benchBytes []byte
	benchAny   any
	benchErr   error
	benchSQL   string

	benchSource  state.Source[ProjectStatus]
	benchSources []state.Source[ProjectStatus]
)

// benchStates cycles through the fixture's states, so that no result is a
// constant the compiler could fold.
var benchStates = []State{Draft, Published, Withdrawn, Deleted}

// BenchmarkStateInNamedGroup asks a declared group whether it holds a
// state (State.In, which asked the same, is gone).
func BenchmarkStateInNamedGroup(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		benchBool = Gone.Contains(benchStates[i&3])
		i++
	}
}

func BenchmarkGroupContains(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		benchBool = Visible.Contains(benchStates[i&3])
		i++
	}
}

func BenchmarkStateEqual(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		benchBool = benchStates[i&3] == Published
		i++
	}
}

// BenchmarkManagerGetContains tests a model's state against a group
// through its Manager, as generic code holding a Manager does.
func BenchmarkManagerGetContains(b *testing.B) {
	b.ReportAllocs()
	p := &Project{}
	i := 0
	for b.Loop() {
		p.Status = benchStates[i&3]
		benchBool = Gone.Contains(Status.Get(p))
		i++
	}
}

func BenchmarkMembershipMatch(b *testing.B) {
	b.ReportAllocs()
	gone := Status.In(Gone)
	p := &Project{}
	i := 0
	for b.Loop() {
		p.Status = benchStates[i&3]
		benchBool = gone.Match(p, now())
		i++
	}
}

func BenchmarkConditionalMatch(b *testing.B) {
	b.ReportAllocs()
	p := &Project{StartAt: now().Add(time.Hour)}
	i := 0
	for b.Loop() {
		p.Status = benchStates[i&3]
		benchBool = Future.Match(p, now())
		i++
	}
}

func BenchmarkConditionalGroupMatch(b *testing.B) {
	b.ReportAllocs()
	p := &Project{StartAt: now().Add(time.Hour)}
	i := 0
	for b.Loop() {
		p.Status = benchStates[i&3]
		benchBool = Recallable.Match(p, now())
		i++
	}
}

func BenchmarkManagerBest(b *testing.B) {
	b.ReportAllocs()
	p := &Project{StartAt: now().Add(time.Hour)}
	i := 0
	for b.Loop() {
		p.Status = benchStates[i&3]
		benchSource = Status.Best(p, now())
		i++
	}
}

func BenchmarkManagerCurrent(b *testing.B) {
	b.ReportAllocs()
	p := &Project{StartAt: now().Add(time.Hour)}
	i := 0
	for b.Loop() {
		p.Status = benchStates[i&3]
		benchSources = Status.Current(p, now())
		i++
	}
}

func BenchmarkScanInt64Known(b *testing.B) {
	b.ReportAllocs()
	srcs := []any{int64(1), int64(2), int64(3), int64(4)}
	i := 0
	for b.Loop() {
		var s State // a freshly declared model's field
		benchErr = s.Scan(srcs[i&3])
		benchState = s
		i++
	}
}

func BenchmarkScanStringKnown(b *testing.B) {
	b.ReportAllocs()
	srcs := []any{"requested", "approved", "rejected", "approved"}
	var s colReview
	i := 0
	for b.Loop() {
		s = colReview{}
		benchErr = s.Scan(srcs[i&3])
		i++
	}
	benchBool = s.IsZero()
}

func BenchmarkScanBytes(b *testing.B) {
	b.ReportAllocs()
	srcs := []any{[]byte("requested"), []byte("approved"), []byte("rejected"), []byte("approved")}
	var s colReview
	i := 0
	for b.Loop() {
		s = colReview{}
		benchErr = s.Scan(srcs[i&3])
		i++
	}
	benchBool = s.IsZero()
}

func BenchmarkValue(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		benchAny, benchErr = benchStates[i&3].Value()
		i++
	}
}

func BenchmarkMarshalJSON(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		benchBytes, benchErr = benchStates[i&3].MarshalJSON()
		i++
	}
}

func BenchmarkUnmarshalJSONKnown(b *testing.B) {
	b.ReportAllocs()
	data := [][]byte{[]byte("1"), []byte("2"), []byte("3"), []byte("4")}
	var s State
	i := 0
	for b.Loop() {
		s = State{}
		benchErr = s.UnmarshalJSON(data[i&3])
		i++
	}
	benchState = s
}

// BenchmarkMarshalText allocates the text it returns (AppendText, which
// could append to a buffer without allocating, is gone).
func BenchmarkMarshalText(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		benchBytes, benchErr = benchStates[i&3].MarshalText()
		i++
	}
}

func BenchmarkTypeLookup(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		benchState, benchBool = ProjectState.Lookup(ProjectStatus(i&3 + 1))
		i++
	}
}

func BenchmarkGroupExprRender(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		benchSQL, _, benchErr = Gone.Expr("p.status").Render(sqlexpr.Postgres)
	}
}

func BenchmarkConditionalExprRender(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		benchSQL, _, benchErr = Future.Expr().Render(sqlexpr.Postgres)
	}
}

func BenchmarkCheckConstraint(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		benchSQL, benchErr = ProjectState.CheckConstraint(sqlexpr.Postgres, "status")
	}
}

// The benchmarks measure what the tests check: the hot paths are correct.
func TestBenchmarkSubjects(t *testing.T) {
	sql, args, err := Gone.Expr("p.status").Render(sqlexpr.Postgres)
	if err != nil || sql != `"p"."status" IN ($1, $2)` || len(args) != 2 || args[0] != int64(3) || args[1] != int64(4) {
		t.Errorf("Gone.Expr = %q, %v, %v", sql, args, err)
	}
	sql, args, err = Future.Expr().At(now()).Render(sqlexpr.Postgres)
	if err != nil || sql != `"status" = $1 AND ("start_at" > $2)` || len(args) != 2 || args[0] != int64(2) || args[1] != now() {
		t.Errorf("Future.Expr = %q, %v, %v", sql, args, err)
	}
	sql, err = ProjectState.CheckConstraint(sqlexpr.Postgres, "status")
	if err != nil || sql != `CHECK ("status" IN (1, 2, 3, 4))` {
		t.Errorf("CheckConstraint = %q, %v", sql, err)
	}
	p := &Project{Status: Published, StartAt: now().Add(time.Hour)}
	if !Future.Match(p, now()) || Gone.Contains(Status.Get(p)) || !Status.In(state.Set[ProjectStatus](Visible)).Match(p, now()) {
		t.Errorf("Future/Gone/Visible mismatch for %+v", p)
	}
}
