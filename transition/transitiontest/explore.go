package transitiontest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// A Move is a transition the explorer tries: make one with Try.
type Move[A, U any] struct {
	name string
	key  string // the transition, as Transition.String names it
	// fire fires the i-th combination of object and input on s, and says
	// what happened; ok is false when there is no i-th.
	fire func(ctx context.Context, s *Store[U], actor A, i int) (label string, ok bool, err error)
}

// Try returns the Move that fires tr on each object objects finds (read
// through the store's committed rows, typically with Table.Select) with
// each of inputs (none for NoInput: its zero value).
func Try[M any, T comparable, A, U, I any](tr *transition.Transition[M, T, A, U, I], objects func(ctx context.Context, sc transition.Scope[U]) ([]*M, error), inputs ...I) Move[A, U] {
	if len(inputs) == 0 {
		inputs = make([]I, 1)
	}
	return Move[A, U]{name: tr.Name(), key: tr.String(), fire: func(ctx context.Context, s *Store[U], actor A, i int) (string, bool, error) {
		ms, err := objects(ctx, s)
		if err != nil {
			return "", true, fmt.Errorf("finding the objects of %s: %w", tr.Name(), err)
		}
		if i >= len(ms)*len(inputs) {
			return "", false, nil
		}
		ev, err := tr.FireEvent(ctx, s, actor, ms[i/len(inputs)], inputs[i%len(inputs)])
		if err != nil {
			return "", true, err
		}
		return ev.String(), true, nil
	}}
}

// An Invariant is a property every state of the store the explorer
// reaches must keep, such as "no deleted project has a live task".
type Invariant[U any] struct {
	Name  string
	Check func(ctx context.Context, sc transition.Scope[U]) error
}

// Exploration says what Explore walks: from the rows of a Store, every
// sequence of Moves by each actor, breadth first.
type Exploration[M any, T comparable, A, U any] struct {
	// Root reads the object whose states the report follows, and Field
	// binds its state field.
	Root  func(ctx context.Context, sc transition.Scope[U]) (*M, error)
	Field *state.Manager[M, T]
	// Actors are the roles that try every Move.
	Actors []Role[A]
	Moves  []Move[A, U]
	// Invariants are checked after every step.
	Invariants []Invariant[U]
	// Key identifies a state of the store, so that one reached twice is
	// walked once; by default, every row of every table, printed.
	Key func(ctx context.Context, sc transition.Scope[U]) (string, error)
	// MaxDepth and MaxNodes bound the walk (10 steps and 10,000 states
	// by default); the report says when one cut it short.
	MaxDepth, MaxNodes int
}

// A Report is what Explore found.
type Report struct {
	Nodes int // the distinct states of the store reached, the start included
	// Truncated says which budget cut the walk short ("depth" or
	// "nodes"), or "" if it walked everything.
	Truncated string
	// Paths holds the shortest sequence of steps to each state, group and
	// conditional state of the root object reached (by title).
	Paths map[string][]string
	// Unreached lists the states and conditional states of the root's
	// field that no sequence reached, and Unfired the transitions of the
	// Moves no sequence fired, named as Transition.String names them
	// ("main.Task.status delete").
	Unreached, Unfired []string
	// Broken is the invariant that failed, if one did, with the shortest
	// sequence that breaks it and its error.
	Broken *Broken
}

// Broken is an invariant the explorer broke.
type Broken struct {
	Invariant string
	Path      []string
	Err       error
}

// String describes the report for a test's log.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d states", r.Nodes)
	if r.Truncated != "" {
		fmt.Fprintf(&b, " (cut short by the %s budget)", r.Truncated)
	}
	for _, k := range slices.Sorted(maps.Keys(r.Paths)) {
		fmt.Fprintf(&b, "\n%s: %s", k, pathString(r.Paths[k]))
	}
	if len(r.Unreached) > 0 {
		fmt.Fprintf(&b, "\nunreached: %s", strings.Join(r.Unreached, ", "))
	}
	if len(r.Unfired) > 0 {
		fmt.Fprintf(&b, "\nnever fired: %s", strings.Join(r.Unfired, ", "))
	}
	if r.Broken != nil {
		fmt.Fprintf(&b, "\nbroken: %s after %s: %v", r.Broken.Invariant, pathString(r.Broken.Path), r.Broken.Err)
	}
	return b.String()
}

func pathString(p []string) string {
	if len(p) == 0 {
		return "(the start)"
	}
	return strings.Join(p, "; ")
}

// Explore walks every sequence of x's Moves from the rows s holds, breadth
// first, and checks x's invariants after every step. It reports, with
// t.Errorf, the shortest sequence that breaks an invariant, and a Move that
// fails for another reason than a refusal or a conflict; it returns what it
// found. s is left as it was.
func Explore[M any, T comparable, A, U any](t testing.TB, s *Store[U], x Exploration[M, T, A, U]) *Report {
	t.Helper()
	ctx := context.Background()
	maxDepth, maxNodes := cmp.Or(x.MaxDepth, 10), cmp.Or(x.MaxNodes, 10000)
	key := x.Key
	if key == nil {
		key = func(context.Context, transition.Scope[U]) (string, error) { return s.rows(), nil }
	}
	r := &Report{Paths: map[string][]string{}}
	fired := map[string]bool{}
	start := s.snapshot()
	defer s.restore(start)

	// holds checks the invariants in the store's state reached by path,
	// and reports whether they hold. It runs after every step, even one
	// that leads to a state reached before, since an invariant may read
	// what the key leaves out (such as the history).
	holds := func(path []string) bool {
		t.Helper()
		for _, inv := range x.Invariants {
			if err := inv.Check(ctx, s); err != nil {
				r.Broken = &Broken{Invariant: inv.Name, Path: path, Err: err}
				t.Errorf("Explore: %s breaks after %s: %v", inv.Name, pathString(path), err)
				return false
			}
		}
		return true
	}
	// visit records the states of the root in a state of the store first
	// reached by path.
	visit := func(path []string) {
		root, err := x.Root(ctx, s)
		if err != nil || root == nil {
			return // the root is gone: nothing to follow
		}
		for _, c := range x.Field.Current(root, s.Now()) {
			if _, ok := r.Paths[c.Title()]; !ok {
				r.Paths[c.Title()] = path
			}
		}
	}

	type node struct {
		snap  snapshot
		path  []string
		depth int
	}
	k, err := key(ctx, s)
	if err != nil {
		t.Errorf("Explore: the key of the start: %v", err)
		return r
	}
	seen := map[string]bool{k: true}
	r.Nodes = 1
	if !holds(nil) {
		return r
	}
	visit(nil)
	queue := []node{{snap: start}}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		// At the depth budget, the walk stops; it was cut short only if a
		// step from here reaches a state not seen yet.
		probe := n.depth >= maxDepth
		if probe && r.Truncated != "" {
			continue
		}
	moves:
		for _, a := range x.Actors {
			for _, mv := range x.Moves {
				for i := 0; ; i++ {
					s.restore(n.snap)
					label, ok, err := mv.fire(ctx, s, a.Actor, i)
					if !ok {
						break
					}
					if !probe {
						note(t, mv.key)
					}
					if err != nil {
						if errors.Is(err, transition.ErrBlocked) || errors.Is(err, transition.ErrInvalidInput) || errors.Is(err, transition.ErrConflict) {
							continue // refused: no step
						}
						if probe {
							continue // beyond the budget: its failures are not the walk's
						}
						t.Errorf("Explore: %s by %s after %s: %v", mv.name, a.Name, pathString(n.path), err)
						return r
					}
					k, err := key(ctx, s)
					if err != nil {
						t.Errorf("Explore: the key after %s: %v", label, err)
						return r
					}
					if probe {
						if !seen[k] {
							r.Truncated = "depth"
							break moves
						}
						continue
					}
					fired[mv.key] = true
					path := append(slices.Clip(n.path), label+" by "+a.Name)
					if !holds(path) {
						return r
					}
					if seen[k] {
						continue
					}
					if r.Nodes >= maxNodes {
						r.Truncated = "nodes"
						return report(r, x, fired)
					}
					seen[k] = true
					r.Nodes++
					visit(path)
					queue = append(queue, node{snap: s.snapshot(), path: path, depth: n.depth + 1})
				}
			}
		}
	}
	return report(r, x, fired)
}

// report completes r: the states no path reached, the moves none fired.
func report[M any, T comparable, A, U any](r *Report, x Exploration[M, T, A, U], fired map[string]bool) *Report {
	for st := range x.Field.Type().States() {
		if _, ok := r.Paths[st.Title()]; !ok {
			r.Unreached = append(r.Unreached, st.Title())
		}
	}
	for _, c := range x.Field.Conditionals() {
		if _, ok := r.Paths[c.Title()]; !ok {
			r.Unreached = append(r.Unreached, c.Title())
		}
	}
	for _, mv := range x.Moves {
		if !fired[mv.key] && !slices.Contains(r.Unfired, mv.key) {
			r.Unfired = append(r.Unfired, mv.key)
		}
	}
	return r
}
