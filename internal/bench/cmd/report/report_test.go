package main

import (
	"strings"
	"testing"
)

// sampleOutput is go test's output for a few benchmarks, run five times.
const sampleOutput = `goos: linux
goarch: amd64
pkg: github.com/statecraft/statecraft/internal/bench
cpu: Some CPU
BenchmarkFire/statecraft-2   	 1000	  100 ns/op	 512 B/op	 1 allocs/op
BenchmarkFire/statecraft-2   	 1000	  110 ns/op	 512 B/op	 1 allocs/op
BenchmarkFire/statecraft-2   	 1000	  90 ns/op	 512 B/op	 1 allocs/op
BenchmarkFire/statecraft-2   	 1000	  105 ns/op	 512 B/op	 1 allocs/op
BenchmarkFire/statecraft-2   	 1000	  95 ns/op	 512 B/op	 1 allocs/op
BenchmarkFire/switch-mutex-2 	 1000	  10 ns/op	 0 B/op	 0 allocs/op
BenchmarkFire/switch-mutex-2 	 1000	  10 ns/op	 0 B/op	 0 allocs/op
BenchmarkFire/switch-mutex-2 	 1000	  10 ns/op	 0 B/op	 0 allocs/op
BenchmarkFire/switch-mutex-2 	 1000	  10 ns/op	 0 B/op	 0 allocs/op
BenchmarkFire/switch-mutex-2 	 1000	  10 ns/op	 0 B/op	 0 allocs/op
pkg: github.com/statecraft/statecraft/internal/bench/durable
BenchmarkCascade/sqlite/children=100-2 	 10	 3000000 ns/op	 30000 ns/child	 7.000 stmts/op	 100 B/op	 10 allocs/op
BenchmarkCascade/sqlite/children=10000-2 	 3	 400000000 ns/op	 40000 ns/child	 11.00 stmts/op	 100 B/op	 10 allocs/op
`

func TestReport(t *testing.T) {
	r := &report{opts: options{confidence: 0.95}}
	if err := r.parse([]byte(sampleOutput)); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range r.groups {
		for _, rw := range g.rows {
			names = append(names, g.name+" "+rw.impl)
		}
	}
	if got, want := strings.Join(names, ", "), "Fire statecraft, Fire switch-mutex, Cascade/sqlite children=100, Cascade/sqlite children=10000"; got != want {
		t.Errorf("benchmarks %q, want %q", got, want)
	}
	s, ok := r.get("Fire", "statecraft", "ns/op")
	if !ok || s.center != 100 || s.lo != 90 || s.hi != 110 || !s.fallback {
		t.Errorf("Fire statecraft: %+v, %v; want the median 100 in [90, 110], at a lower level than 95%%", s, ok)
	}
	if got := r.figure(s, "ns/op"); got != "100 ns ±10%" {
		t.Errorf("figure = %q", got)
	}
	if s, _ := r.get("Cascade/sqlite", "children=10000", "stmts/op"); s.center != 11 {
		t.Errorf("stmts/op = %v, want 11", s.center)
	}

	md := r.markdown()
	for _, want := range []string{
		"| firing with nothing observing within 2× of the bare switch behind a mutex | Fire statecraft 100 ns, Fire switch-mutex 10.0 ns: 10× (9.00–11×) | **missed** |",
		"| **fire one transition**<br>Mia approves a submitted order: a guard, no input, nothing observing | statecraft | 100 ns ±10% | 10× | 512 B | +512 | 1 | +1 |",
		"| cascades on sqlite: time per child at 10,000 children no more than at 100 | 30.0 µs a child at 100, 40.0 µs at 10,000: 1.33× | **missed** |",
		"| sqlite | 10,000 | 400 ms | 40.0 µs | 11 | 100 B | 10 |",
		"| postgres | not measured (`STATECRAFT_POSTGRES_DSN` not set) |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks\n%s\n%s", want, md)
		}
	}
}

func TestFormats(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{fmtDuration(2.475), "2.48 ns"},
		{fmtDuration(97.3), "97.3 ns"},
		{fmtDuration(1169), "1.17 µs"},
		{fmtDuration(633003), "633 µs"},
		{fmtDuration(476691767), "477 ms"},
		{fmtThousands("82163680"), "82,163,680"},
		{fmtThousands("7034"), "7034"},
		{ratio(0, 0), "="},
		{ratio(512, 0), "+512"},
		{ratio(1169, 18.79), "62×"},
		{ratio(1.5, 1), "1.50×"},
		{ratio(1, 4), "0.25×"},
		{shellJoin([]string{"test", "-bench", "Cascade//children=10000$", "."}), `test -bench 'Cascade//children=10000$' .`},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
