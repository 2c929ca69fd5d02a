package transition

import (
	"context"
	"fmt"
	"reflect"

	"github.com/statecraft/statecraft/internal/engine"
	"github.com/statecraft/statecraft/internal/graph"
)

// runner is a Machine as package registry runs it, through package
// internal/engine: its model and state types erased.
type runner[M any, T comparable, A, U any] struct{ m *Machine[M, T, A, U] }

func (m *Machine[M, T, A, U]) runner(A, U) {}

// open returns the machine's engine.Machine.
func (m *Machine[M, T, A, U]) open() any {
	var e engine.Machine[A, Scope[U], Store[U], Availability, *Plan[U], func([]byte) []FieldError] = runner[M, T, A, U]{m}
	return e
}

func (r runner[M, T, A, U]) String() string      { return r.m.name }
func (r runner[M, T, A, U]) Model() reflect.Type { return reflect.TypeFor[*M]() }
func (r runner[M, T, A, U]) Graph() graph.Graph  { return r.m.graph() }
func (r runner[M, T, A, U]) Names() []string     { return r.m.Names() }

func (r runner[M, T, A, U]) Input(name string) reflect.Type {
	r.m.use()
	if a, ok := r.m.byName[name]; ok {
		return a.inputType()
	}
	return nil
}

func (r runner[M, T, A, U]) AppendAvailable(ctx context.Context, dst []Availability, sc Scope[U], actor A, model any) ([]Availability, error) {
	p, err := r.modelOf(model)
	if err != nil {
		return dst, err
	}
	return r.m.AppendAvailable(ctx, dst, sc, actor, p)
}

func (r runner[M, T, A, U]) Fire(ctx context.Context, s Store[U], actor A, model any, name string, payload []byte, check func([]byte) []FieldError, confirmed *string) (*Plan[U], error) {
	p, a, err := r.action(model, name)
	if err != nil {
		return nil, err
	}
	return a.fireJSON(ctx, s, actor, p, payload, check, confirmed)
}

func (r runner[M, T, A, U]) Plan(ctx context.Context, sc Scope[U], actor A, model any, name string, payload []byte, check func([]byte) []FieldError) (*Plan[U], error) {
	p, a, err := r.action(model, name)
	if err != nil {
		return nil, err
	}
	return a.planJSON(ctx, sc, actor, p, payload, check)
}

// action returns model as a *M, and the transition named name.
func (r runner[M, T, A, U]) action(model any, name string) (*M, action[M, T, A, U], error) {
	p, err := r.modelOf(model)
	if err != nil {
		return nil, nil, err
	}
	r.m.use()
	a, ok := r.m.byName[name]
	if !ok {
		return nil, nil, fmt.Errorf("transition: %s has no transition %q: %w", r.m, name, ErrNotFound)
	}
	return p, a, nil
}

func (r runner[M, T, A, U]) modelOf(model any) (*M, error) {
	p, ok := model.(*M)
	if !ok || p == nil {
		return nil, fmt.Errorf("transition: %s runs on a %v, not on %T", r.m, reflect.TypeFor[*M](), model)
	}
	return p, nil
}
