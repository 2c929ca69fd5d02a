// Command report runs statecraft's benchmark suite (the module
// internal/bench) and writes BENCHMARKS.md at the repository's root: every
// figure's median with its confidence interval, its ratio to the
// hand-written baseline measured in the same run, the machine it ran on,
// and the targets checked against the figures.
//
// Run it from internal/bench:
//
//	go run ./cmd/report            # 5 rounds at go test's default -benchtime (1s): about 10 minutes
//	go run ./cmd/report -short     # -count 1 -benchtime 100x: under a minute
//
// It runs, in internal/bench, -count rounds (5 by default) of
//
//	go test -run '^$' -bench . -benchmem -count 1 [-benchtime T] .
//	go test -run '^$' -bench Durable -benchmem -count 1 [-benchtime T] ./durable
//	go test -run '^$' -bench 'Cascade//children=(10|100|1000)$' -benchmem -count 1 [-benchtime T] ./durable
//	go test -run '^$' -bench 'Cascade//children=10000$' -benchmem -count 1 -benchtime 3x ./durable
//
// (rounds rather than go test's -count 5, which runs a benchmark five times
// back to back: a drift of the machine, such as the disk's latency, then
// falls on one implementation and not on another),
// and summarizes their output with golang.org/x/perf's benchfmt and
// benchmath, as benchstat does. PostgreSQL's benchmarks run when
// STATECRAFT_POSTGRES_DSN is set. -in summarizes saved output instead of
// running anything; -raw saves the output.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

// modulePath is the module report must run in.
const modulePath = "github.com/statecraft/statecraft/internal/bench"

func main() {
	log.SetFlags(0)
	log.SetPrefix("report: ")
	var o options
	flag.IntVar(&o.count, "count", 5, "run each benchmark `n` times, in as many rounds of the whole suite")
	flag.StringVar(&o.benchtime, "benchtime", "", "go test's -benchtime for all but the largest cascade (its default, 1s, when empty)")
	flag.StringVar(&o.bigBenchtime, "cascade-benchtime", "3x", "go test's -benchtime for the cascade over 10,000 children")
	flag.BoolVar(&o.short, "short", false, "a quick run: -count 1 -benchtime 100x, and 1x for the largest cascade")
	flag.Float64Var(&o.confidence, "confidence", 0.95, "the confidence `level` of the intervals")
	flag.StringVar(&o.out, "o", "", "write the report to `file` (BENCHMARKS.md at the repository's root when empty; - for stdout)")
	flag.StringVar(&o.in, "in", "", "summarize the benchmark output in `file` instead of running the benchmarks")
	flag.StringVar(&o.raw, "raw", "", "also save the benchmark output to `file`")
	flag.Parse()
	if o.short {
		o.count, o.benchtime, o.bigBenchtime = 1, "100x", "1x"
	}
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

type options struct {
	count                   int
	benchtime, bigBenchtime string
	short                   bool
	confidence              float64
	out, in, raw            string
}

// A goTest is one go test command of the suite.
type goTest struct {
	bench, benchtime, pkg string
}

func (t goTest) args(count int) []string {
	args := []string{"test", "-run", "^$", "-bench", t.bench, "-benchmem", "-count", fmt.Sprint(count)}
	if t.benchtime != "" {
		args = append(args, "-benchtime", t.benchtime)
	}
	return append(args, t.pkg)
}

func run(o options) error {
	dir, err := moduleDir()
	if err != nil {
		return err
	}
	if o.out == "" {
		o.out = filepath.Join(dir, "..", "..", "BENCHMARKS.md")
	}
	tests := []goTest{
		{".", o.benchtime, "."},
		{"Durable", o.benchtime, "./durable"},
		{"Cascade//children=(10|100|1000)$", o.benchtime, "./durable"},
		{"Cascade//children=10000$", o.bigBenchtime, "./durable"},
	}
	r := &report{opts: o, started: time.Now().UTC()}
	var raw []byte
	if o.in != "" {
		if raw, err = os.ReadFile(o.in); err != nil {
			return err
		}
		r.from = o.in
	} else {
		// Round after round, each command once (-count 1): a benchmark's
		// runs are spread over the whole run rather than back to back, so
		// that a drift of the machine (the disk's latency, above all)
		// falls on every implementation alike.
		r.rounds = o.count
		r.commands = make([]command, len(tests))
		for round := 1; round <= o.count; round++ {
			for i, t := range tests {
				log.Printf("round %d of %d", round, o.count)
				out, took, err := goTestRun(dir, t.args(1))
				raw = append(raw, out...)
				r.commands[i].line = "go " + shellJoin(t.args(1))
				r.commands[i].took += took
				if err != nil {
					return err
				}
			}
		}
		if o.raw != "" {
			if err := os.WriteFile(o.raw, raw, 0o644); err != nil {
				return err
			}
		}
	}
	if err := r.parse(raw); err != nil {
		return err
	}
	r.machine = describeMachine(dir, r.config)
	md := r.markdown()
	if o.out == "-" {
		_, err = os.Stdout.WriteString(md)
		return err
	}
	if err := os.WriteFile(o.out, []byte(md), 0o644); err != nil {
		return err
	}
	log.Printf("wrote %s", o.out)
	return nil
}

// moduleDir returns the directory of the module report runs in, which must
// be internal/bench.
func moduleDir() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	data, err := os.ReadFile(gomod)
	if err != nil || !bytes.HasPrefix(data, []byte("module "+modulePath+"\n")) {
		return "", errors.New("run report in internal/bench: cd internal/bench && go run ./cmd/report")
	}
	return filepath.Dir(gomod), nil
}

// goTestRun runs go with args in dir, copying its output to stderr as it
// comes, and returns its standard output and how long it took.
func goTestRun(dir string, args []string) ([]byte, time.Duration, error) {
	log.Printf("go %s", shellJoin(args))
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(&out, os.Stderr)
	cmd.Stderr = os.Stderr
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if err != nil {
		return out.Bytes(), took, fmt.Errorf("go %s: %w", shellJoin(args), err)
	}
	return out.Bytes(), took, nil
}

// shellJoin quotes the arguments that need it for a POSIX shell.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " ^$|()*?[]'\"\\&;<>") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

// command is one go test command run, and how long it took.
type command struct {
	line string
	took time.Duration
}

// report is the suite's results, and what is known of their run.
type report struct {
	opts     options
	started  time.Time
	from     string            // the file the results were read from, if not run
	rounds   int               // how many times each command ran
	commands []command         // the commands of a round, each with its time over every round
	config   map[string]string // the benchmark output's configuration: goos, goarch, cpu
	machine  machine

	groups []*group // in order of appearance
	byName map[string]*group
}

// group is the benchmarks of one operation, such as BenchmarkFire: one
// per implementation (or per size, for cascades).
type group struct {
	name  string // such as "Fire" or "Durable/sqlite"
	rows  []*row
	byKey map[string]*row
}

// row is one benchmark's measurements, by unit.
type row struct {
	impl   string // such as "statecraft" or "children=100"
	units  []string
	values map[string][]float64
}

// parse reads go test's benchmark output with benchfmt.
func (r *report) parse(raw []byte) error {
	r.byName = map[string]*group{}
	r.config = map[string]string{}
	rd := benchfmt.NewReader(bytes.NewReader(raw), "go test output")
	for rd.Scan() {
		res, ok := rd.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		for _, c := range res.Config {
			if c.File {
				r.config[c.Key] = string(c.Value)
			}
		}
		base, parts := res.Name.Parts()
		var names []string
		for _, p := range parts {
			if p[0] == '/' {
				names = append(names, string(p[1:]))
			}
		}
		if len(names) == 0 {
			names = []string{""}
		}
		gname := strings.Join(append([]string{string(base)}, names[:len(names)-1]...), "/")
		g := r.byName[gname]
		if g == nil {
			g = &group{name: gname, byKey: map[string]*row{}}
			r.byName[gname] = g
			r.groups = append(r.groups, g)
		}
		impl := names[len(names)-1]
		rw := g.byKey[impl]
		if rw == nil {
			rw = &row{impl: impl, values: map[string][]float64{}}
			g.byKey[impl] = rw
			g.rows = append(g.rows, rw)
		}
		for _, v := range res.Values {
			unit, val := v.Unit, v.Value
			if v.OrigUnit != "" {
				unit, val = v.OrigUnit, v.OrigValue
			}
			if _, seen := rw.values[unit]; !seen {
				rw.units = append(rw.units, unit)
			}
			rw.values[unit] = append(rw.values[unit], val)
		}
	}
	if err := rd.Err(); err != nil {
		return err
	}
	if len(r.groups) == 0 {
		return errors.New("the output holds no benchmark results")
	}
	return nil
}

// values returns the values of unit of the benchmark impl of group g, in
// the order they were measured.
func (r *report) values(g, impl, unit string) []float64 {
	if gr := r.byName[g]; gr != nil && gr.byKey[impl] != nil {
		return gr.byKey[impl].values[unit]
	}
	return nil
}

// ratioOf summarizes the ratio of the benchmark g/impl's unit to that of
// g2/impl2. When both ran as often, the i-th run of one is divided by the
// i-th of the other, in the same round of the suite, and the ratios are
// summarized as any sample is: a drift of the machine between rounds then
// cancels out. Otherwise it is the ratio of the medians, without an
// interval. It reports false if either did not run or g2/impl2's median is
// 0.
func (r *report) ratioOf(g, impl, g2, impl2, unit string) (summary, bool) {
	a, b := r.values(g, impl, unit), r.values(g2, impl2, unit)
	if len(a) == 0 || len(b) == 0 {
		return summary{}, false
	}
	if len(a) == len(b) {
		ratios := make([]float64, len(a))
		for i := range a {
			if b[i] == 0 {
				ratios = nil
				break
			}
			ratios[i] = a[i] / b[i]
		}
		if ratios != nil {
			return r.summarize(ratios), true
		}
	}
	sa, sb := r.summarize(a), r.summarize(b)
	if sb.center == 0 {
		return summary{}, false
	}
	c := sa.center / sb.center
	return summary{n: 1, center: c, lo: c, hi: c}, true
}

// summary is a median and its confidence interval.
type summary struct {
	n              int
	center, lo, hi float64
	confidence     float64 // the interval's actual confidence level
	fallback       bool    // whether the sample was too small for the level asked
}

// get summarizes the values of unit of the benchmark impl of group g, and
// reports whether there are any.
func (r *report) get(g, impl, unit string) (summary, bool) {
	gr := r.byName[g]
	if gr == nil || gr.byKey[impl] == nil || len(gr.byKey[impl].values[unit]) == 0 {
		return summary{}, false
	}
	return r.summarize(gr.byKey[impl].values[unit]), true
}

// summarize is benchstat's summary of values: the median, and its
// confidence interval at the level asked, or, if there are too few values
// for it (fewer than 6 for 95%), at the highest level they allow; a single
// value has no interval.
func (r *report) summarize(values []float64) summary {
	if len(values) < 2 {
		return summary{n: len(values), center: values[0], lo: values[0], hi: values[0]}
	}
	s := benchmath.NewSample(values, &benchmath.DefaultThresholds)
	sum := benchmath.AssumeNothing.Summary(s, r.opts.confidence)
	fallback := false
	if math.IsInf(sum.Lo, 0) || math.IsInf(sum.Hi, 0) {
		for _, c := range []float64{0.9, 0.8, 0.5} {
			if alt := benchmath.AssumeNothing.Summary(s, c); !math.IsInf(alt.Lo, 0) && !math.IsInf(alt.Hi, 0) {
				sum, fallback = alt, true
				break
			}
		}
	}
	return summary{n: len(values), center: sum.Center, lo: sum.Lo, hi: sum.Hi, confidence: sum.Confidence, fallback: fallback}
}
