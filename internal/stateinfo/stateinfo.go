// Package stateinfo tells the library's own packages what a state field
// declares, learnt from a value of the field's type: the values it may
// hold, with their titles, and whether it may hold none. Package
// transition uses it for messages about state fields of transition inputs,
// package transition/schema to describe them as JSON Schema.
//
// It is internal so that package state need not export what only the
// library reads: state registers, when it is initialised, the function
// that Of calls.
package stateinfo

import "encoding/json"

// A Choice is one value a state field may hold: the state's JSON form and
// its title.
type Choice struct {
	Value json.RawMessage
	Title string
}

// Info is what a state field declares.
type Info struct {
	// Choices are the states of the field's Type, in declaration order,
	// each with its JSON form (a state that has none is left out). It is
	// nil when the Type is unknown: a zero State[T] whose T does not name
	// its Type (see state.Typed); empty, not nil, when the Type declares no
	// states.
	Choices []Choice
	// Nullable reports whether the field may hold no state, written as
	// JSON null: true for a state.Null.
	Nullable bool
}

// of is the function package state registers.
var of func(v any) (Info, bool)

// Register sets the function Of calls. Package state calls it once, from
// an init function; nothing else should.
func Register(f func(v any) (Info, bool)) { of = f }

// Of returns what the state field v declares, where v is a state.State or
// a state.Null (not a pointer to one), such as the zero value of a field's
// type. It reports false for anything else, and when package state is not
// linked into the program.
func Of(v any) (Info, bool) {
	if of == nil {
		return Info{}, false
	}
	return of(v)
}

// managerOf is the function ManagerOf calls, which package state sets.
var managerOf func(v any) (any, bool)

// RegisterManagerOf sets the function ManagerOf calls. Package state calls
// it once, from an init function; nothing else should.
func RegisterManagerOf(f func(v any) (any, bool)) { managerOf = f }

// ManagerOf returns the *state.Manager a conditional state or conditional
// group v was declared on, and false for anything else.
func ManagerOf(v any) (any, bool) {
	if managerOf == nil {
		return nil, false
	}
	return managerOf(v)
}
