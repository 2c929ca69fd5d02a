package registry

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/statecraft/statecraft/transition"
)

// Sentinel errors, for use with errors.Is.
var (
	// ErrUnknownModel: no machine is registered for the model's type. The
	// error is a *ModelError.
	ErrUnknownModel = errors.New("no machine registered for the model type")
	// ErrNilModel: the model is a nil pointer. The error is a *ModelError.
	// It is transition.ErrNilModel, which the transitions themselves
	// return for a nil model.
	ErrNilModel = transition.ErrNilModel
)

// A ModelError reports a model the registry cannot run transitions on: one
// of a type no machine was registered for (ErrUnknownModel), or a nil
// pointer (ErrNilModel).
type ModelError struct {
	Model reflect.Type   // the type given; nil for a nil interface
	Known []reflect.Type // the registered model types, in registration order
	Err   error          // ErrUnknownModel or ErrNilModel
}

// Error describes the model and lists the registered model types.
func (e *ModelError) Error() string {
	if e.Err == ErrNilModel {
		return fmt.Sprintf("registry: the model is a nil %v", e.Model)
	}
	if e.Model == nil {
		return "registry: no model given (nil); registered models: " + typeList(e.Known)
	}
	msg := fmt.Sprintf("registry: no machine is registered for %v; registered models: %s", e.Model, typeList(e.Known))
	for _, k := range e.Known {
		if k == reflect.PointerTo(e.Model) {
			msg += fmt.Sprintf(" (pass a %v, not a %v)", k, e.Model)
		}
	}
	return msg
}

// Unwrap returns ErrUnknownModel or ErrNilModel.
func (e *ModelError) Unwrap() error { return e.Err }

func typeList(ts []reflect.Type) string {
	if len(ts) == 0 {
		return "none"
	}
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.String()
	}
	return strings.Join(s, ", ")
}

// A NotFoundError reports a transition name that none of the machines of
// a model type has. It matches transition.ErrNotFound.
type NotFoundError struct {
	Model reflect.Type // the model type, such as *main.Project
	Name  string       // the name asked for
	Names []string     // the names the model's transitions have
}

// Error names the model type and the name, and lists the model's
// transitions.
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("registry: %v has no transition %q; its transitions are %s",
		e.Model, e.Name, strings.Join(quoteAll(e.Names), ", "))
}

// Is reports whether target is transition.ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == transition.ErrNotFound }

func quoteAll(ss []string) []string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return q
}

// A Kind is the kind of a Problem that Problems finds.
type Kind string

// The kinds of problem Problems finds.
const (
	// UnknownMachine: a cascade runs a transition of a machine that is not
	// registered, or that the machine does not have; or New was given a
	// nil machine.
	UnknownMachine Kind = "unknown machine"
	// Unreachable: no transition leads to a state from the machine's
	// initial states.
	Unreachable Kind = "unreachable"
	// DeadEnd: no transition leaves a reachable state, and the state is
	// not declared Final.
	DeadEnd Kind = "dead end"
	// Duplicate: two machines of one model type have transitions of the
	// same name (Fire by name would be ambiguous), a machine is registered
	// twice, or two machines set the same column of one model.
	Duplicate Kind = "duplicate"
	// Incomplete: a rule has several targets and the transition no Choose
	// function, or no actor may run a transition.
	Incomplete Kind = "incomplete"
	// Conflict: two transitions of one model type have the same title,
	// so their buttons cannot be told apart.
	Conflict Kind = "conflict"
	// CascadeLoop: transitions cascade into each other in a loop. A
	// transition that cascades into itself (deleting a project deletes its
	// sub-projects) walks a tree and is not one; a loop in the data is
	// caught when the chain is planned (transition.ErrCycle).
	CascadeLoop Kind = "cascade loop"
	// InvalidSchema: the JSON Schema of a transition's input does not
	// compile (see Options.Schemas), such as a pattern Go's regexp
	// rejects.
	InvalidSchema Kind = "invalid schema"
)

// A Problem is one thing wrong with the definitions of the registered
// machines.
type Problem struct {
	Machine    string // the machine, such as "main.Project.status"; empty for a nil machine
	Transition string // the transition's name, when the problem is with one
	Kind       Kind
	Message    string // what is wrong, in words
}

// String describes the problem, such as
// `main.Project.status "decide": incomplete: the rule from ...`.
func (p Problem) String() string {
	var b strings.Builder
	if p.Machine != "" {
		b.WriteString(p.Machine)
		if p.Transition != "" {
			fmt.Fprintf(&b, " %q", p.Transition)
		}
		b.WriteString(": ")
	}
	b.WriteString(string(p.Kind))
	b.WriteString(": ")
	b.WriteString(p.Message)
	return b.String()
}

// A DefinitionError lists every problem Problems found in the definitions of the
// machines given to New. It matches transition.ErrDefinition.
type DefinitionError struct {
	Problems []Problem
}

// Error lists the problems, one a line.
func (e *DefinitionError) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString("registry: 1 problem in the machines' definitions:")
	} else {
		fmt.Fprintf(&b, "registry: %d problems in the machines' definitions:", len(e.Problems))
	}
	for _, p := range e.Problems {
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	return b.String()
}

// Is reports whether target is transition.ErrDefinition.
func (e *DefinitionError) Is(target error) bool { return target == transition.ErrDefinition }
