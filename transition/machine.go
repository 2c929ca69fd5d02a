package transition

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/statecraft/statecraft/internal/callsite"
	"github.com/statecraft/statecraft/state"
)

// A Machine holds the transitions of one state field of model M (bound by
// a [state.Manager]), run by actors of type A, the application's own type
// for whoever acts (a user, a service account).
//
//	var Projects = transition.For[User](Status)
//
// Declare the Machine and its transitions at package level; from then on it
// is read-only and safe for concurrent use.
type Machine[M any, T comparable, A any] struct {
	mgr       *state.Manager[M, T]
	pos       string
	initial   []state.State[T]
	ident     func(*M) any
	copy      func(*M) M
	clock     func() time.Time
	actions   []Action[M, A]
	byName    map[string]Action[M, A]
	observers []Observer
	nilable   bool // whether an actor of type A can be nil, which is no actor
}

// For returns a new Machine for the state field mgr binds, run by actors of
// type A.
func For[A any, M any, T comparable](mgr *state.Manager[M, T]) *Machine[M, T, A] {
	if mgr == nil {
		panic(&DeclarationError{At: callsite.Pos(0), Msg: "For(nil): a Machine needs a state.Manager"})
	}
	return &Machine[M, T, A]{mgr: mgr, pos: callsite.Pos(0), byName: map[string]Action[M, A]{}, nilable: nilable(reflect.TypeFor[A]())}
}

// Initial declares the states a new model starts in, for the registry's
// reachability check and for diagrams. Without it, the Type's first
// declared state is the initial one.
func (m *Machine[M, T, A]) Initial(states ...state.State[T]) *Machine[M, T, A] {
	for _, s := range states {
		m.mustOwn(s, "", callsite.Pos(0))
	}
	m.initial = append(m.initial, states...)
	return m
}

// Identify sets the function that names a model for events, errors and
// cycle detection, typically its primary key:
//
//	Projects.Identify(func(p *Project) any { return p.ID })
func (m *Machine[M, T, A]) Identify(id func(*M) any) *Machine[M, T, A] {
	m.ident = id
	return m
}

// Snapshot sets how a model is copied before a transition runs, so that it
// can be restored exactly if a step fails. By default the model is copied
// as a struct value, which restores every field an effect assigns; but
// maps, slices and pointers in the copy share memory with the model, so an
// effect that changes them in place (m.Tags["x"] = true) is not undone.
// Either have effects assign new values (m.Tags = withTag(m.Tags, "x")),
// or give a deep copy here:
//
//	Projects.Snapshot(func(p *Project) Project { c := *p; c.Tags = maps.Clone(p.Tags); return c })
//
// Models are data: one holding a sync.Mutex or other state that must not
// be copied needs a Snapshot that leaves it out, or effects that do not
// touch it.
func (m *Machine[M, T, A]) Snapshot(copy func(*M) M) *Machine[M, T, A] {
	m.copy = copy
	return m
}

func (m *Machine[M, T, A]) snapshot(model *M) M {
	if m.copy != nil {
		return m.copy(model)
	}
	return *model
}

// Clock sets the machine's clock, which stamps events. It defaults to
// time.Now; [WithClock] overrides it for one call.
func (m *Machine[M, T, A]) Clock(now func() time.Time) *Machine[M, T, A] {
	m.clock = now
	return m
}

// Observe adds an observer. After a transition (and its whole causal
// chain) has run, each observer receives every event, in the order the
// steps ran. If an observer returns an error or panics, the transition is
// undone and fails with a *StepError, so an observer can be the audit log
// that must record every change. Observers that ran before the failing one
// are not told: give them the same transaction (as in the main example, a
// database transaction in the context) so that its rollback covers them.
func (m *Machine[M, T, A]) Observe(o Observer) *Machine[M, T, A] {
	if o == nil {
		panic(&DeclarationError{Machine: m.String(), At: callsite.Pos(0), Msg: "Observe(nil)"})
	}
	m.observers = append(m.observers, o)
	return m
}

// Manager returns the state.Manager the machine runs transitions on.
func (m *Machine[M, T, A]) Manager() *state.Manager[M, T] { return m.mgr }

// String names the machine by its model and column, such as
// "main.Project.status".
func (m *Machine[M, T, A]) String() string { return m.mgr.String() }

// Model returns the reflect.Type of *M, the pointer type the machine's
// transitions run on.
func (m *Machine[M, T, A]) Model() reflect.Type { return reflect.TypeFor[*M]() }

// InitialStates returns the states declared with Initial, or the Type's
// first state.
func (m *Machine[M, T, A]) InitialStates() []state.State[T] {
	if len(m.initial) > 0 {
		return append([]state.State[T](nil), m.initial...)
	}
	for s := range m.mgr.Type().States() {
		return []state.State[T]{s}
	}
	return nil
}

// Names returns the names of the machine's transitions, in the order their
// declarations ran. (Go initialises package-level variables in dependency
// order: a transition that refers to one declared below it, as in a
// cascade, is initialised after it.)
func (m *Machine[M, T, A]) Names() []string {
	names := make([]string, len(m.actions))
	for i, a := range m.actions {
		names[i] = a.Name()
	}
	return names
}

// Action returns the transition named name, with its input type erased.
func (m *Machine[M, T, A]) Action(name string) (Action[M, A], bool) {
	a, ok := m.byName[name]
	return a, ok
}

// Actions returns the machine's transitions, with their input types
// erased, in the order of Names.
func (m *Machine[M, T, A]) Actions() []Action[M, A] {
	as := make([]Action[M, A], len(m.actions))
	for i, a := range m.actions {
		as[i] = a
	}
	return as
}

// Available lists every transition of the machine for actor and model:
// whether it is available now and, when it is not, every reason.
func (m *Machine[M, T, A]) Available(ctx context.Context, actor A, model *M) ([]Availability, error) {
	return m.AppendAvailable(ctx, nil, actor, model)
}

// AppendAvailable is Available appending to dst.
func (m *Machine[M, T, A]) AppendAvailable(ctx context.Context, dst []Availability, actor A, model *M) ([]Availability, error) {
	for _, a := range m.actions {
		av, err := a.Availability(ctx, actor, model)
		if err != nil {
			return dst, err
		}
		dst = append(dst, av)
	}
	return dst, nil
}

// object names a model for messages: "main.Project 7", or "main.Project"
// without an Identify function.
func (m *Machine[M, T, A]) object(model *M) string {
	if m.ident == nil || model == nil {
		return m.mgr.Model()
	}
	return fmt.Sprintf("%s %v", m.mgr.Model(), m.ident(model))
}

func (m *Machine[M, T, A]) now(ctx context.Context) time.Time {
	if c, ok := ctx.Value(clockKey{}).(func() time.Time); ok {
		return c()
	}
	if m.clock != nil {
		return m.clock()
	}
	return time.Now()
}

func (m *Machine[M, T, A]) mustOwn(s state.Set[T], name, pos string) {
	if s == nil {
		panic(&DeclarationError{Machine: m.String(), Transition: name, At: pos, Msg: "a nil state or group"})
	}
	if s.Type() != m.mgr.Type() {
		other := "no type (the zero State)"
		if s.Type() != nil {
			other = s.Type().Name()
		}
		panic(&DeclarationError{Machine: m.String(), Transition: name, At: pos, Err: state.ErrForeignState,
			Msg: fmt.Sprintf("%s is a state of %s, not of %s", s.Title(), other, m.mgr.Type().Name())})
	}
}

type clockKey struct{}

// WithClock returns a context whose transitions are stamped by now rather
// than the machine's clock, so that a test can fix the time without
// touching shared declarations.
func WithClock(ctx context.Context, now func() time.Time) context.Context {
	if now == nil {
		return ctx
	}
	return context.WithValue(ctx, clockKey{}, now)
}

// An Observer receives the events of applied transitions; see
// Machine.Observe.
type Observer func(ctx context.Context, r Record) error

// Runner is a Machine seen without its model and state types, as package
// registry holds the machines of an application. Every *Machine is one.
// The methods that take a model as an any require the machine's *M.
type Runner[A any] interface {
	String() string
	// Model returns the reflect.Type of *M.
	Model() reflect.Type
	// Graph describes the machine as data.
	Graph() Graph
	// Names lists the transitions' names.
	Names() []string
	// AppendAvailableAny is AppendAvailable for a model given as an any.
	AppendAvailableAny(ctx context.Context, dst []Availability, actor A, model any) ([]Availability, error)
	// FireJSONAny fires the transition named name on a model given as an
	// any, decoding payload as its input.
	FireJSONAny(ctx context.Context, actor A, model any, name string, payload []byte) (Record, error)
}

// AppendAvailableAny is AppendAvailable for a model given as an any, which
// must be a *M.
func (m *Machine[M, T, A]) AppendAvailableAny(ctx context.Context, dst []Availability, actor A, model any) ([]Availability, error) {
	p, err := m.modelOf(model)
	if err != nil {
		return dst, err
	}
	return m.AppendAvailable(ctx, dst, actor, p)
}

// FireJSONAny fires the transition named name on model, which must be a
// *M, decoding payload as its input (see Transition.FireJSON). An unknown
// name is an error wrapping ErrNotFound.
func (m *Machine[M, T, A]) FireJSONAny(ctx context.Context, actor A, model any, name string, payload []byte) (Record, error) {
	p, err := m.modelOf(model)
	if err != nil {
		return nil, err
	}
	a, ok := m.byName[name]
	if !ok {
		return nil, fmt.Errorf("transition: %s has no transition %q: %w", m, name, ErrNotFound)
	}
	return a.FireJSON(ctx, actor, p, payload)
}

func (m *Machine[M, T, A]) modelOf(model any) (*M, error) {
	p, ok := model.(*M)
	if !ok || p == nil {
		return nil, fmt.Errorf("transition: %s runs on a %v, not on %T", m, m.Model(), model)
	}
	return p, nil
}
