package transition

import (
	"errors"

	"github.com/statecraft/statecraft/internal/graph"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// ruleInfo describes rule r of a field of Type typ.
func ruleInfo[T comparable](typ *state.Type[T], r Rule[T]) graph.Rule {
	ri := graph.Rule{Stay: r.stay, Create: r.create}
	for _, s := range r.sources {
		ri.From = append(ri.From, s.Title())
	}
	for _, s := range r.conds {
		ri.Conditions = append(ri.Conditions, s.Title())
	}
	for s := range typ.States() {
		switch {
		case r.from(s) || memberOfCondGroup(r, s):
			ri.FromStates = append(ri.FromStates, s.Title())
		case r.mayFrom(s):
			ri.FromStates = append(ri.FromStates, s.Title())
			ri.FromIf = append(ri.FromIf, s.Title())
		}
	}
	for _, s := range r.targets {
		ri.To = append(ri.To, s.Title())
	}
	return ri
}

// memberOfCondGroup reports whether s is in a state or group that is a
// member of one of r's conditional groups: the model is then in the group
// whatever else it holds.
func memberOfCondGroup[T comparable](r Rule[T], s state.State[T]) bool {
	for _, c := range r.conds {
		g, ok := c.(interface{ Members() []state.Source[T] })
		if !ok {
			continue
		}
		for _, m := range g.Members() {
			if set, ok := m.(state.Set[T]); ok && set.Contains(s) {
				return true
			}
		}
	}
	return false
}

// info describes the transition's declaration.
func (t *Transition[M, T, A, U, I]) info() graph.Transition {
	in := graph.Transition{
		Name: t.name, Title: t.title, Description: t.desc, At: t.pos,
		Anyone: t.anyone, Validators: len(t.validators), Chooses: t.choose != nil,
		Input: t.input,
	}
	in.Required = t.shape.required()
	for _, r := range t.rules {
		in.Rules = append(in.Rules, ruleInfo(t.m.mgr.Type(), r))
	}
	for _, mv := range t.also {
		in.Also = append(in.Also, mv.info())
	}
	in.Creates = t.creates
	for _, g := range t.allow {
		in.Allow = append(in.Allow, g.title)
	}
	for _, c := range t.when {
		in.When = append(in.When, c.String())
	}
	for _, r := range t.related {
		in.Related = append(in.Related, r.String())
	}
	for _, h := range t.before {
		in.Before = append(in.Before, h.title)
	}
	for _, h := range t.effects {
		in.Effects = append(in.Effects, h.title)
	}
	for _, h := range t.after {
		in.After = append(in.After, h.title)
	}
	for _, h := range t.afterCommit {
		in.AfterCommit = append(in.AfterCommit, h.title)
	}
	for _, h := range t.onFailure {
		in.OnFailure = append(in.OnFailure, h.title)
	}
	for _, c := range t.cascades {
		in.Cascades = append(in.Cascades, c.info())
	}
	return in
}

// graph describes the machine.
func (m *Machine[M, T, A, U]) graph() graph.Graph {
	m.use()
	typ := m.mgr.Type()
	g := graph.Graph{Machine: m.String(), Model: m.modelName(), Column: m.mgr.Name(), Type: typ.String()}
	initial := m.initialStates()
	g.InitialByDefault = len(m.initial) == 0 && !m.creates()
	for s := range typ.States() {
		text, _ := s.MarshalText()
		g.States = append(g.States, graph.State{
			Title: s.Title(), Value: string(text), Description: s.Description(),
			Initial: containsState(initial, s), Final: s.Final(),
		})
	}
	for gr := range typ.Groups() {
		gi := graph.Group{Title: gr.Title()}
		for s := range gr.States() {
			gi.Members = append(gi.Members, s.Title())
		}
		g.Groups = append(g.Groups, gi)
	}
	for _, c := range m.mgr.Conditionals() {
		_, _, err := c.Expr().Render(sqlexpr.Postgres)
		ci := graph.Conditional{Title: c.Title(), Base: c.Base().Title(), HasSQL: !errors.Is(err, state.ErrNoSQL)}
		for _, mb := range c.Members() {
			ci.Members = append(ci.Members, mb.Title())
		}
		for s := range typ.States() {
			if c.Base().Contains(s) {
				ci.BaseStates = append(ci.BaseStates, s.Title())
			}
		}
		g.Conditionals = append(g.Conditionals, ci)
	}
	for _, a := range m.actions {
		g.Transitions = append(g.Transitions, a.info())
	}
	return g
}

func containsState[T comparable](ss []state.State[T], s state.State[T]) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
