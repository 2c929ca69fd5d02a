package registry

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/statecraft/statecraft/internal/graph"
)

// Problems checks the definitions of the registered machines, as a
// whole, and returns every problem (see Kind), or none:
//
//   - a machine given to New that is nil or given twice (UnknownMachine,
//     Duplicate);
//   - two machines on one column of a model, or two machines of one model
//     type with transitions of the same name (Duplicate);
//   - a rule with several targets in a transition without Choose, a
//     transition no actor may run, or a creation transition that leaves a
//     registered state field of its model in no state (Incomplete);
//   - two transitions of one model type with the same title (Conflict);
//   - a cascade into a machine that is not registered, or into a
//     transition it does not have (UnknownMachine);
//   - a state no rule leads to from the initial states (Unreachable);
//   - a reachable state, not declared Final, that no rule leaves for
//     another state (DeadEnd);
//   - transitions that cascade into each other in a loop (CascadeLoop). A
//     transition that cascades into itself walks a tree, such as a
//     project's sub-projects, and is allowed: a loop in the data is caught
//     when the chain is planned (transition.ErrCycle).
//
// The problems come in a fixed order: those New found with its arguments,
// then each machine's in registration order (duplicates, then each
// transition's in declaration order, then its states'), then the loops.
func (r *Registry[A, U]) Problems() []Problem {
	ps := slices.Clone(r.problems)

	type column struct {
		model  reflect.Type
		column string
	}
	type named struct {
		model reflect.Type
		name  string
	}
	columns := map[column]int{}  // -> index into r.machines
	names := map[named]string{}  // -> the machine that has it first
	titles := map[named]string{} // (model, title) -> the first transition with it, as `machine "name"`

	for i, g := range r.graphs {
		m := r.machines[i]
		typ := m.Model()
		add := func(transition string, kind Kind, format string, args ...any) {
			ps = append(ps, Problem{Machine: g.Machine, Transition: transition, Kind: kind, Message: fmt.Sprintf(format, args...)})
		}

		col := column{typ, g.Column}
		if j, ok := columns[col]; ok {
			add("", Duplicate, "machines %d and %d given to New both run on %s.%s; register one machine per column",
				r.args[j], r.args[i], g.Model, g.Column)
		} else {
			columns[col] = i
		}

		for _, t := range g.Transitions {
			if t.Via != "" {
				continue // checked on its own machine
			}
			key := named{typ, t.Name}
			if other, ok := names[key]; ok {
				add(t.Name, Duplicate, "%s also has a transition %q: Fire by name would be ambiguous", other, t.Name)
			} else {
				names[key] = g.Machine
			}
		}

		for _, t := range g.Transitions {
			if t.Via != "" {
				continue
			}
			for _, rule := range t.Rules {
				if len(rule.To) > 1 && !t.Chooses {
					add(t.Name, Incomplete, "the rule from %s has %d targets (%s) and the transition no Choose function",
						strings.Join(rule.From, ", "), len(rule.To), strings.Join(rule.To, ", "))
				}
			}
			if len(t.Allow) == 0 && !t.Anyone {
				add(t.Name, Incomplete, "no actor may run it: it has neither Allow nor AllowAnyone")
			}
			if t.Creates {
				covered := map[string]bool{g.Column: true}
				for _, mv := range t.Also {
					covered[mv.Column] = true
				}
				for k, other := range r.graphs {
					if r.machines[k].Model() == typ && !covered[other.Column] {
						add(t.Name, Incomplete, "it creates the object but leaves %s in no state: move it with Also(transition.Field(..., transition.Create(...)))", other.Column)
					}
				}
			}
			key := named{typ, t.Title}
			if first, ok := titles[key]; ok {
				add(t.Name, Conflict, "it has the title %q, as %s does: their buttons cannot be told apart", t.Title, first)
			} else {
				titles[key] = fmt.Sprintf("%s %q", g.Machine, t.Name)
			}
			for _, c := range t.Cascades {
				j := r.machineIndex(c)
				switch {
				case j < 0 && slices.ContainsFunc(r.graphs, func(g graph.Graph) bool { return g.Machine == c.Machine }):
					add(t.Name, UnknownMachine, "cascade %q runs %s %q on a machine that is not registered; "+
						"the registered %s is another machine of the same name (a second machine on that field, "+
						"or a model of the same name in another package): register the one the cascade names",
						c.Name, c.Machine, c.Transition, c.Machine)
				case j < 0:
					add(t.Name, UnknownMachine, "cascade %q runs %s %q, but no machine %s is registered",
						c.Name, c.Machine, c.Transition, c.Machine)
				case !hasTransition(r.graphs[j], c.Transition):
					add(t.Name, UnknownMachine, "cascade %q runs %s %q, but %s has no transition %q",
						c.Name, c.Machine, c.Transition, c.Machine, c.Transition)
				}
			}
		}

		reach := reachable(g)
		var initial []string
		for _, s := range g.States {
			if s.Initial {
				initial = append(initial, s.Title)
			}
		}
		var from string
		switch len(initial) {
		case 0:
			from = "no initial state"
		case 1:
			from = "the initial state " + initial[0]
		default:
			from = "the initial states " + strings.Join(initial, ", ")
		}
		for _, s := range g.States {
			if !reach[s.Title] {
				add("", Unreachable, "no transition leads to %s from %s", s.Title, from)
			}
		}
		for _, s := range g.States {
			if reach[s.Title] && !s.Final && !leaves(g, s.Title) {
				add("", DeadEnd, "no transition leaves %s, and it is not declared Final", s.Title)
			}
		}
	}

	return append(ps, r.cascadeLoops()...)
}

// machineIndex returns the index of the machine a cascade runs on, or -1:
// the very machine when the cascade says which (Target), else the one of
// that name.
func (r *Registry[A, U]) machineIndex(c graph.Cascade) int {
	if c.Target != nil {
		return slices.IndexFunc(r.runners, func(m any) bool { return m == c.Target })
	}
	return slices.IndexFunc(r.graphs, func(g graph.Graph) bool { return g.Machine == c.Machine })
}

func hasTransition(g graph.Graph, name string) bool {
	return slices.ContainsFunc(g.Transitions, func(t graph.Transition) bool { return t.Name == name })
}

// reachable returns the titles of the states reachable from g's initial
// states by its rules.
func reachable(g graph.Graph) map[string]bool {
	reach := map[string]bool{}
	var queue []string
	for _, s := range g.States {
		if s.Initial {
			reach[s.Title] = true
			queue = append(queue, s.Title)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, t := range g.Transitions {
			for _, rule := range t.Rules {
				if !slices.Contains(rule.FromStates, s) {
					continue
				}
				for _, to := range rule.To {
					if !reach[to] {
						reach[to] = true
						queue = append(queue, to)
					}
				}
			}
		}
	}
	return reach
}

// leaves reports whether a rule of g leads from state s to another state.
func leaves(g graph.Graph, s string) bool {
	for _, t := range g.Transitions {
		for _, rule := range t.Rules {
			if slices.Contains(rule.FromStates, s) && slices.ContainsFunc(rule.To, func(to string) bool { return to != s }) {
				return true
			}
		}
	}
	return false
}

// cascadeLoops finds the loops in the graph whose nodes are the
// transitions of the registered machines and whose edges are their
// cascades: one loop, the shortest through its earliest transition, for
// each strongly connected set of transitions.
func (r *Registry[A, U]) cascadeLoops() []Problem {
	type node struct {
		machine int // index into r.machines
		name    string
	}
	var nodes []node
	index := map[node]int{}
	for i, g := range r.graphs {
		for _, t := range g.Transitions {
			n := node{i, t.Name}
			index[n] = len(nodes)
			nodes = append(nodes, n)
		}
	}
	edges := make([][]int, len(nodes))
	for i, g := range r.graphs {
		for _, t := range g.Transitions {
			from := index[node{i, t.Name}]
			for _, c := range t.Cascades {
				j := r.machineIndex(c)
				if j < 0 {
					continue // reported as UnknownMachine
				}
				// A transition that cascades into itself walks a tree (a
				// project's sub-projects): the declaration is sound, and a
				// loop in the data is caught when the chain is planned
				// (transition.ErrCycle).
				if to, ok := index[node{j, c.Transition}]; ok && to != from && !slices.Contains(edges[from], to) {
					edges[from] = append(edges[from], to)
				}
			}
		}
	}

	var ps []Problem
	for _, scc := range components(edges) {
		start := scc[0]
		if len(scc) == 1 { // self-cascades have no edge: see above
			continue
		}
		path := shortestLoop(edges, scc, start)
		steps := make([]string, len(path))
		for i, n := range path {
			steps[i] = r.graphs[nodes[n].machine].Machine + " " + nodes[n].name
		}
		ps = append(ps, Problem{Machine: r.graphs[nodes[start].machine].Machine, Transition: nodes[start].name, Kind: CascadeLoop,
			Message: strings.Join(steps, " -> ")})
	}
	return ps
}

// components returns the strongly connected components of the graph
// (Tarjan's algorithm), each sorted, ordered by their smallest node.
func components(edges [][]int) [][]int {
	n := len(edges)
	index := make([]int, n)
	low := make([]int, n)
	on := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	var sccs [][]int
	next := 0
	var visit func(v int)
	visit = func(v int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		on[v] = true
		for _, w := range edges[v] {
			if index[w] < 0 {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if on[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var scc []int
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				on[w] = false
				scc = append(scc, w)
				if w == v {
					break
				}
			}
			slices.Sort(scc)
			sccs = append(sccs, scc)
		}
	}
	for v := range n {
		if index[v] < 0 {
			visit(v)
		}
	}
	slices.SortFunc(sccs, func(a, b []int) int { return a[0] - b[0] })
	return sccs
}

// shortestLoop returns the shortest path from start back to start within
// scc, both ends included.
func shortestLoop(edges [][]int, scc []int, start int) []int {
	prev := map[int]int{}
	queue := []int{start}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range edges[v] {
			if w == start {
				path := []int{start}
				for u := v; u != start; u = prev[u] {
					path = append(path, u)
				}
				path = append(path, start)
				slices.Reverse(path[1 : len(path)-1])
				return path
			}
			if _, seen := prev[w]; seen || !slices.Contains(scc, w) {
				continue
			}
			prev[w] = v
			queue = append(queue, w)
		}
	}
	return []int{start, start} // unreachable for a component with a loop
}
