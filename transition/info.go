package transition

import (
	"context"
	"errors"
	"reflect"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// An Action is a transition of model M run by actor A in units of work U,
// with its state and input types erased, so that transitions of different
// inputs can be listed and run together. Every *Transition is one.
type Action[M, A, U any] interface {
	Name() string
	Title() string
	// Info describes the transition's declaration as data.
	Info() Info
	// Input returns the input type, or nil for NoInput.
	Input() reflect.Type
	Can(ctx context.Context, sc Scope[U], actor A, model *M) bool
	Check(ctx context.Context, sc Scope[U], actor A, model *M) error
	Availability(ctx context.Context, sc Scope[U], actor A, model *M) (Availability, error)
	FireJSON(ctx context.Context, s Store[U], actor A, model *M, payload []byte) (Record, error)
}

// Info describes a transition's declaration as data: what the registry
// checks and draws, and what documentation lists.
type Info struct {
	Name        string
	Title       string
	Description string
	At          string // file:line of the declaration
	Rules       []RuleInfo
	Allow       []string    // the titles given to Allow; empty with Anyone or for no one
	Anyone      bool        // declared AllowAnyone
	When        []string    // conditions on the model, such as "review is Approved"
	Related     []string    // conditions on related models, such as "parent: status is Published"
	Validators  int         // how many Validate functions it has
	Chooses     bool        // whether it has a Choose function
	Before      []string    // the before hooks' titles, in order
	Effects     []string    // the effects' titles, in order
	After       []string    // the after hooks' titles, in order
	AfterCommit []string    // the after-commit hooks' titles, in order
	OnFailure   []string    // the failure hooks' titles, in order
	Also        []FieldInfo // the other state fields it moves
	Creates     bool        // whether it creates its object (see Create)
	Cascades    []CascadeInfo
	Input       reflect.Type // nil for NoInput
	Required    []string     // the JSON names of the input's required fields
	// Via is set on the graph of a field another machine's transition
	// moves with Also: it names that machine. The registry adds such
	// entries, so that every field's graph shows every edge into it.
	Via string
}

// RuleInfo describes a rule by the titles of its states.
type RuleInfo struct {
	From []string // titles of the source states and groups
	// FromStates lists the titles of every source state, groups expanded.
	FromStates []string
	To         []string // titles of the targets; empty for Stay
	Stay       bool
	Create     bool // from no state (see Create)
}

// ruleInfo describes rule r of a field of Type typ.
func ruleInfo[T comparable](typ *state.Type[T], r Rule[T]) RuleInfo {
	ri := RuleInfo{Stay: r.stay, Create: r.create}
	for _, s := range r.sources {
		ri.From = append(ri.From, s.Title())
	}
	for s := range typ.States() {
		if r.from(s) {
			ri.FromStates = append(ri.FromStates, s.Title())
		}
	}
	for _, s := range r.targets {
		ri.To = append(ri.To, s.Title())
	}
	return ri
}

// Info describes the transition's declaration.
func (t *Transition[M, T, A, U, I]) Info() Info {
	in := Info{
		Name: t.name, Title: t.title, Description: t.desc, At: t.pos,
		Anyone: t.anyone, Validators: len(t.validators), Chooses: t.choose != nil,
		Input: t.input,
	}
	in.Required = t.shape.required()
	for _, r := range t.rules {
		in.Rules = append(in.Rules, ruleInfo(t.m.mgr.Type(), r))
	}
	for _, mv := range t.also {
		in.Also = append(in.Also, mv.Info())
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
		in.Cascades = append(in.Cascades, c.Info())
	}
	return in
}

// Graph describes a machine as data: its states, groups, conditional
// states and transitions. The registry checks and draws it.
type Graph struct {
	Machine      string // such as "main.Project.status"
	Model        string // such as "main.Project"
	Column       string // such as "status"
	Type         string // the state type, such as "ProjectState"
	States       []StateInfo
	Groups       []GroupInfo
	Conditionals []ConditionalInfo
	Transitions  []Info
	// InitialByDefault is set when the machine's initial state is the
	// Type's first state only because nothing said otherwise (no creation
	// transition, no Initial).
	InitialByDefault bool
}

// StateInfo describes one state.
type StateInfo struct {
	Title       string
	Value       string // the text form of its value
	Description string
	Initial     bool
	Final       bool
}

// ConditionalInfo describes a conditional state of the machine's field.
type ConditionalInfo struct {
	Title      string
	Base       string   // the title of its base state or group
	BaseStates []string // the titles of the base's states
	HasSQL     bool     // whether it has its own SQL (see state.Conditional.WithSQL)
}

// GroupInfo describes a named group.
type GroupInfo struct {
	Title   string
	Members []string
}

// Graph describes the machine.
func (m *Machine[M, T, A, U]) Graph() Graph {
	m.use()
	typ := m.mgr.Type()
	g := Graph{Machine: m.String(), Model: m.modelName(), Column: m.mgr.Name(), Type: typ.Name()}
	initial := m.InitialStates()
	g.InitialByDefault = len(m.initial) == 0 && !m.creates()
	for s := range typ.States() {
		text, _ := s.MarshalText()
		g.States = append(g.States, StateInfo{
			Title: s.Title(), Value: string(text), Description: s.Description(),
			Initial: containsState(initial, s), Final: s.Final(),
		})
	}
	for gr := range typ.Groups() {
		gi := GroupInfo{Title: gr.Title()}
		for s := range gr.States() {
			gi.Members = append(gi.Members, s.Title())
		}
		g.Groups = append(g.Groups, gi)
	}
	for _, c := range m.mgr.Conditionals() {
		_, _, err := c.Expr().Render(sqlexpr.Postgres)
		ci := ConditionalInfo{Title: c.Title(), Base: c.Base().Title(), HasSQL: !errors.Is(err, state.ErrNoSQL)}
		for s := range typ.States() {
			if c.Base().Contains(s) {
				ci.BaseStates = append(ci.BaseStates, s.Title())
			}
		}
		g.Conditionals = append(g.Conditionals, ci)
	}
	for _, a := range m.actions {
		g.Transitions = append(g.Transitions, a.Info())
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
