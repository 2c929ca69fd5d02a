// Package engine is how package registry runs the machines of package
// transition without knowing their model and state types, and without
// those machines exporting methods only the registry needs.
package engine

import (
	"context"
	"reflect"

	"github.com/statecraft/statecraft/internal/graph"
)

// Machine is a transition.Machine with its model and state types erased.
// The type parameters are transition's own types (its actor, Scope[U],
// Store[U], Availability, the steps FireJSON returns and a schema check),
// which this package cannot import.
type Machine[A, Scope, Store, Availability, Steps, Check any] interface {
	String() string
	// Model returns the reflect.Type of the *M the machine runs on.
	Model() reflect.Type
	// Graph describes the machine.
	Graph() graph.Graph
	// Names lists the transitions' names, in source order.
	Names() []string
	// Input returns the input type of the transition named name (nil for
	// none, or for no such transition).
	Input(name string) reflect.Type
	// AppendAvailable appends the availability of every transition of
	// model, which must be a *M.
	AppendAvailable(ctx context.Context, dst []Availability, sc Scope, actor A, model any) ([]Availability, error)
	// Fire fires the transition named name on model, which must be a *M,
	// decoding payload and checking it with check, when not nil; confirmed,
	// if not nil, is the digest its plan must have.
	Fire(ctx context.Context, s Store, actor A, model any, name string, payload []byte, check Check, confirmed *string) (Steps, error)
	// Plan plans the transition named name on model, which must be a *M,
	// as Fire would run it, in the unit of work of scope sc.
	Plan(ctx context.Context, sc Scope, actor A, model any, name string, payload []byte, check Check) (Steps, error)
}

// Open returns the Machine of r, a transition.Runner, as an any holding an
// engine.Machine instantiated with the transition package's types. Package
// transition sets it.
var Open func(r any) any
