package main

import (
	"fmt"
	"strings"
)

// The verdicts of a target.
const (
	met         = "**met**"
	missed      = "**missed**"
	notMeasured = "not measured"
)

// check is one target checked against the figures.
type check struct {
	target   string
	measured string
	verdict  string
}

// median returns the median of unit of the benchmark impl of group g.
func (r *report) median(g, impl, unit string) (float64, bool) {
	s, ok := r.get(g, impl, unit)
	return s.center, ok
}

// allocCheck checks that each benchmark g/impl allocates at most limit
// times an operation.
func (r *report) allocCheck(target string, limit float64, benches ...string) check {
	c := check{target: target, verdict: met}
	var parts []string
	for _, gi := range benches {
		g, impl, _ := strings.Cut(gi, ":")
		n, ok := r.median(g, impl, "allocs/op")
		if !ok {
			return check{target, gi + " not run", notMeasured}
		}
		parts = append(parts, fmt.Sprintf("%s %s: %s", g, impl, trimFloat(n)))
		if n > limit {
			c.verdict = missed
		}
	}
	c.measured = "allocs/op: " + strings.Join(parts, "; ")
	return c
}

// fmtRatioSummary formats a ratio and its interval, if it has one.
func fmtRatioSummary(q summary) string {
	if q.lo == q.hi {
		return fmtRatio(q.center)
	}
	return fmt.Sprintf("%s (%s–%s)", fmtRatio(q.center), strings.TrimSuffix(fmtRatio(q.lo), "×"), fmtRatio(q.hi))
}

// ratioCheck checks that the time of g/impl is at most limit times that of
// g2/impl2, by the median of their ratios (see ratioOf).
func (r *report) ratioCheck(target, g, impl, g2, impl2 string, limit float64) check {
	a, ok1 := r.median(g, impl, "ns/op")
	b, ok2 := r.median(g2, impl2, "ns/op")
	q, ok3 := r.ratioOf(g, impl, g2, impl2, "ns/op")
	if !ok1 || !ok2 || !ok3 {
		return check{target, "not run", notMeasured}
	}
	c := check{target: target, measured: fmt.Sprintf("%s %s %s, %s %s %s: %s", g, impl, fmtDuration(a), g2, impl2, fmtDuration(b), fmtRatioSummary(q))}
	if q.center <= limit {
		c.verdict = met
	} else {
		c.verdict = missed
	}
	return c
}

// aheadCheck checks that statecraft's time in g is at least factor times
// less than each peer's.
func (r *report) aheadCheck(target, g string, factor float64) check {
	sc, ok := r.median(g, "statecraft", "ns/op")
	if !ok {
		return check{target, "not run", notMeasured}
	}
	c := check{target: target, verdict: met}
	parts := []string{fmt.Sprintf("%s statecraft %s", g, fmtDuration(sc))}
	for _, peer := range []string{"looplab", "stateless"} {
		t, ok := r.median(g, peer, "ns/op")
		if !ok {
			return check{target, peer + " not run", notMeasured}
		}
		q, _ := r.ratioOf(g, peer, g, "statecraft", "ns/op")
		parts = append(parts, fmt.Sprintf("%s %s: %s ahead", peer, fmtDuration(t), fmtRatioSummary(q)))
		if q.center < factor {
			c.verdict = missed
		}
	}
	c.measured = strings.Join(parts, "; ")
	return c
}

// checks checks every target of the issue.
func (r *report) checks() []check {
	var cs []check
	add := func(c ...check) { cs = append(cs, c...) }

	add(r.allocCheck("may-fire, allowed, allocates nothing", 0, "CanAllowed:statecraft"),
		r.allocCheck("may-fire, refused, allocates nothing", 0, "CanRefused:statecraft"),
		r.allocCheck("membership tests allocate nothing", 0, "Group:statecraft", "Group:statecraft-in"),
		r.allocCheck("conditional tests allocate nothing", 0, "Conditional:statecraft"),
		r.allocCheck("firing allocates nothing when nothing keeps the event (Fire returns only an error)", 0, "Fire:statecraft"),
		r.allocCheck("firing allocates at most the event otherwise (an observer receives it)", 1, "FireObserved:statecraft", "FireObserved:statecraft-transition-after"))

	clock := check{target: "the clock is read only when something uses the time (approve uses none)", verdict: met}
	var parts []string
	for _, op := range []string{"can", "available", "fire"} {
		n, ok := r.median("ClockReads", op, "clock-reads/op")
		if !ok {
			clock = check{clock.target, "ClockReads not run", notMeasured}
			break
		}
		parts = append(parts, fmt.Sprintf("%s: %s", op, trimFloat(n)))
		if n > 0 {
			clock.verdict = missed
		}
	}
	if clock.verdict != notMeasured {
		clock.measured = "clock reads/op: " + strings.Join(parts, "; ")
		if n, ok := r.median("ClockReads", "fire-observed", "clock-reads/op"); ok {
			clock.measured += fmt.Sprintf(" (ship, observed: %s)", trimFloat(n))
		}
	}
	add(clock)

	add(r.ratioCheck("firing with nothing observing within 2× of the bare switch behind a mutex", "Fire", "statecraft", "Fire", "switch-mutex", 2),
		r.ratioCheck("firing with the clock, an event and an observer within 1.5× of the same-work switch", "FireObserved", "statecraft", "FireObserved", "switch-samework", 1.5),
		r.ratioCheck("the same, the observer an After hook of the transition", "FireObserved", "statecraft-transition-after", "FireObserved", "switch-samework", 1.5),
		r.aheadCheck("at least 5× ahead of both peers on firing, nothing observing", "Fire", 5),
		r.aheadCheck("at least 5× ahead of both peers on firing with an input and an observer", "FireObserved", 5),
		r.ratioCheck("may-fire (allowed) within 2× of the switch behind a mutex", "CanAllowed", "statecraft", "CanAllowed", "switch-mutex", 2),
		r.ratioCheck("may-fire (refused) within 2× of the switch behind a mutex", "CanRefused", "statecraft", "CanRefused", "switch-mutex", 2),
		r.ratioCheck("listing availability with every reason faster than looplab's names-only list", "Available", "statecraft", "Available", "looplab", 1),
		r.ratioCheck("listing availability with every reason faster than stateless's names-only list", "Available", "statecraft", "Available", "stateless", 1),
		r.allocCheck("listing availability allocates nothing when the caller supplies the slice", 0, "Available:statecraft"),
		r.allocCheck("listing availability allocates at most the result slice", 1, "Available:statecraft-new"),
		r.ratioCheck("firing by name from JSON within 3× of firing directly, for an empty input", "FireJSONEmpty", "statecraft-registry", "Fire", "statecraft", 3))

	for _, db := range []string{"sqlite", "postgres"} {
		target := fmt.Sprintf("durable: within 15%% of the hand-written transaction on %s (the upper bound of the ratio's interval)", map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[db])
		sc, ok1 := r.get("Durable/"+db, "statecraft", "ns/op")
		bh, ok2 := r.get("Durable/"+db, "by-hand", "ns/op")
		if !ok1 || !ok2 {
			add(check{target, "not run" + map[bool]string{true: " (`STATECRAFT_POSTGRES_DSN` not set)"}[db == "postgres"], notMeasured})
			continue
		}
		q, _ := r.ratioOf("Durable/"+db, "statecraft", "Durable/"+db, "by-hand", "ns/op")
		bound := "upper bound " + fmtRatio(q.hi)
		if q.lo == q.hi {
			bound = "no interval, so its median"
		}
		c := check{target: target, measured: fmt.Sprintf("statecraft %s, by-hand %s: %s (%s)",
			fmtDuration(sc.center), fmtDuration(bh.center), fmtRatioSummary(q), bound), verdict: met}
		if q.hi > 1.15 {
			c.verdict = missed
		}
		add(c)
	}

	for _, db := range []string{"sqlite", "postgres"} {
		g := "Cascade/" + db
		s10, ok1 := r.median(g, "children=10", "stmts/op")
		s10k, ok2 := r.median(g, "children=10000", "stmts/op")
		target := "cascades on " + db + ": statements do not grow per child beyond batching (at most 12 more for 10,000 children than for 10, the bound of the library's TestCascadeStatementsDoNotGrowPerChild)"
		if !ok1 || !ok2 {
			add(check{target, "not run", notMeasured})
		} else {
			c := check{target: target, measured: fmt.Sprintf("%s statements for 10 children, %s for 10,000", trimFloat(s10), trimFloat(s10k)), verdict: met}
			if s10k-s10 > 12 {
				c.verdict = missed
			}
			add(c)
		}
		t100, ok1 := r.median(g, "children=100", "ns/child")
		t10k, ok2 := r.median(g, "children=10000", "ns/child")
		q, ok3 := r.ratioOf(g, "children=10000", g, "children=100", "ns/child")
		target = "cascades on " + db + ": time per child at 10,000 children no more than at 100"
		if !ok1 || !ok2 || !ok3 {
			add(check{target, "not run", notMeasured})
		} else {
			c := check{target: target, measured: fmt.Sprintf("%s a child at 100, %s at 10,000: %s", fmtDuration(t100), fmtDuration(t10k), fmtRatioSummary(q)), verdict: met}
			if q.center > 1 {
				c.verdict = missed
			}
			add(c)
		}
	}
	add(check{"mutation testing (gremlins) of state, transition and registry", "outside this suite", notMeasured})
	return cs
}

func (r *report) targetsSection(p printer) {
	cs := r.checks()
	counts := map[string]int{}
	for _, c := range cs {
		counts[c.verdict]++
	}
	p("## Targets\n\n")
	p("The targets of issue 14, checked against this run's medians: %d met, %d missed, %d not measured.\n\n", counts[met], counts[missed], counts[notMeasured])
	p("| target | measured | verdict |\n|---|---|---|\n")
	for _, c := range cs {
		p("| %s | %s | %s |\n", c.target, c.measured, c.verdict)
	}
	p("\n")
}
