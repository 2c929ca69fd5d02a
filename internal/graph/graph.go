// Package graph describes machines as data: their states, groups,
// conditional states and transitions. Package transition builds a Graph of
// each machine; package registry checks and draws them. It is internal:
// users see the graphs only through the registry's checks and diagrams.
package graph

import "reflect"

// Graph describes one machine: one state field of one model.
type Graph struct {
	Machine      string // such as "main.Project.status"
	Model        string // such as "main.Project"
	Column       string // such as "status"
	Type         string // the state type, such as "ProjectState"
	States       []State
	Groups       []Group
	Conditionals []Conditional
	Transitions  []Transition
	// InitialByDefault is set when the machine's initial state is the
	// Type's first state only because nothing said otherwise (no creation
	// transition, no Initial).
	InitialByDefault bool
}

// State describes one state.
type State struct {
	Title       string
	Value       string // the text form of its value
	Description string
	Initial     bool
	Final       bool
}

// Group describes a named group.
type Group struct {
	Title   string
	Members []string // the titles of its states
}

// Conditional describes a conditional state, or a conditional group, of the
// machine's field.
type Conditional struct {
	Title      string
	Base       string   // the title of its base state or group
	BaseStates []string // the titles of the base's states
	HasSQL     bool     // whether it renders SQL
	Members    []string // for a conditional group, its members' titles
}

// Transition describes a transition's declaration.
type Transition struct {
	Name        string
	Title       string
	Description string
	At          string // file:line of the declaration
	Rules       []Rule
	Allow       []string // the names given to Allow; empty with Anyone or for no one
	Anyone      bool     // declared AllowAnyone
	When        []string // conditions on the model, such as "review is Approved"
	Related     []string // conditions on related models, such as "parent: status is Published"
	Validators  int      // how many Validate functions it has
	Chooses     bool     // whether it has a Choose function
	Before      []string // the before hooks' titles, in order
	Effects     []string // the effects' titles, in order
	After       []string // the after hooks' titles, in order
	AfterCommit []string // the after-commit hooks' titles, in order
	OnFailure   []string // the failure hooks' titles, in order
	Also        []Field  // the other state fields it moves
	Creates     bool     // whether it creates its object
	Cascades    []Cascade
	Input       reflect.Type // nil for no input
	Required    []string     // the JSON names of the input's required fields
	// Via is set on the graph of a field another machine's transition
	// moves with Also: it names that machine. The registry adds such
	// entries, so that every field's graph shows every edge into it.
	Via string
}

// Rule describes a rule by the titles of its states.
type Rule struct {
	From []string // titles of the source states, groups and conditionals
	// FromStates lists the titles of every source state, groups and
	// conditionals expanded to their (base) states.
	FromStates []string
	// Conditions lists the titles of the conditional sources, and FromIf
	// the states of FromStates the rule starts from only when the model
	// matches one of them.
	Conditions []string
	FromIf     []string
	To         []string // titles of the targets; empty for Stay
	Stay       bool
	Create     bool // from no state
}

// Field describes another state field a transition moves.
type Field struct {
	Machine string // such as "main.Project.review"
	Column  string
	Rule    Rule
}

// Cascade describes a step of a causal chain.
type Cascade struct {
	Name       string // the loader's name, such as "tasks"
	Machine    string // the machine of the loaded models
	Transition string // the transition run on each
	Target     any    // the transition itself, to tell machines of one name apart
}
