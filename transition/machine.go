package transition

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/statecraft/statecraft/internal/callsite"
	"github.com/statecraft/statecraft/internal/engine"
	"github.com/statecraft/statecraft/internal/graph"
	"github.com/statecraft/statecraft/state"
)

// A Machine holds the transitions of one state field of model M (bound by
// a [state.Manager]), run by actors of type A, the application's own type
// for whoever acts (a user, a service account), in units of work of type
// U: what loaders, validators and hooks receive to read and write inside
// the same transaction, typically the application's repository bound to
// one (see Store). A program without a database can use any type for U,
// such as struct{}, and the Memory store.
//
//	var Projects = transition.For[User, *Repo](Status)
//
// Declare the Machine and its transitions at package level; from then on it
// is read-only and safe for concurrent use.
type Machine[M any, T comparable, A any, U any] struct {
	mgr     *state.Manager[M, T]
	name    string // mgr.String(), kept to name the machine without allocating
	pos     string
	initial []state.State[T]
	ident   func(*M) any
	version func(*M) *int64
	copy    func(*M) M
	table   Table[M, U]
	actions []action[M, T, A, U]
	byName  map[string]action[M, T, A, U]
	after   []machineHook[M, U]
	nilable bool                        // whether an actor of type A can be nil, which is no actor
	refs    map[state.State[T]]StateRef // every state of the field as a StateRef, made when frozen

	mu     sync.Mutex  // held while declaring
	frozen atomic.Bool // set on first use: see use
}

// use freezes the machine's declarations, once, when it is first used or
// registered: from then on it is read without locks, and declaring on it
// panics. Once frozen, it costs one atomic load.
func (m *Machine[M, T, A, U]) use() {
	if m.frozen.Load() {
		return
	}
	m.mu.Lock()
	if !m.frozen.Load() {
		// Source order, not Go's initialisation order (which puts a
		// transition after the ones it cascades into).
		slices.SortStableFunc(m.actions, func(a, b action[M, T, A, U]) int { return callsite.Compare(a.declaredAt(), b.declaredAt()) })
		m.mgr.Type().Freeze()
		m.refs = map[state.State[T]]StateRef{}
		for s := range m.mgr.Type().States() {
			m.refs[s] = stateRef(s)
		}
		for _, a := range m.actions {
			a.freeze()
		}
		m.frozen.Store(true)
	}
	m.mu.Unlock()
}

// declaring holds the machine's lock for a declaration at pos and panics
// if the machine is frozen; call the function it returns when done.
func (m *Machine[M, T, A, U]) declaring(transition, pos string) (done func()) {
	m.mu.Lock()
	if m.frozen.Load() {
		m.mu.Unlock()
		panic(&DeclarationError{Machine: m.name, Transition: transition, At: pos, Err: state.ErrFrozen,
			Msg: "declared after the machine was first used or registered: declare machines and transitions at package level, before use"})
	}
	return m.mu.Unlock
}

type machineHook[M, U any] struct {
	title string
	fn    func(ctx context.Context, u U, model *M, s Step) error
}

// For returns a new Machine for the state field mgr binds, run by actors of
// type A in units of work of type U.
func For[A, U any, M any, T comparable](mgr *state.Manager[M, T]) *Machine[M, T, A, U] {
	if mgr == nil {
		panic(&DeclarationError{At: callsite.Pos(0), Msg: "For(nil): a Machine needs a state.Manager"})
	}
	return &Machine[M, T, A, U]{mgr: mgr, name: mgr.String(), pos: callsite.Pos(0),
		byName: map[string]action[M, T, A, U]{}, nilable: nilable(reflect.TypeFor[A]())}
}

// Initial declares the states a new model starts in, for the registry's
// reachability check and for diagrams, when no creation transition (see
// Create) says so. Without either, the Type's first declared state is the
// initial one.
func (m *Machine[M, T, A, U]) Initial(states ...state.State[T]) *Machine[M, T, A, U] {
	defer m.declaring("", callsite.Pos(0))()
	for _, s := range states {
		m.mustOwn(s, "", callsite.Pos(0))
	}
	m.initial = append(m.initial, states...)
	return m
}

// Identify sets the function that names a model for events, errors,
// history and plans, typically its primary key:
//
//	Projects.Identify(func(p *Project) any { return p.ID })
func (m *Machine[M, T, A, U]) Identify(id func(*M) any) *Machine[M, T, A, U] {
	defer m.declaring("", callsite.Pos(0))()
	m.ident = id
	return m
}

// Version sets the model's version field, which a Store compares and
// increments when it saves the model, so that a transition that keeps the
// state, or changes other columns, is protected from concurrent writers
// too:
//
//	Projects.Version(func(p *Project) *int64 { return &p.Version })
//
// A plan that touches an object several times bumps its version once.
func (m *Machine[M, T, A, U]) Version(field func(*M) *int64) *Machine[M, T, A, U] {
	defer m.declaring("", callsite.Pos(0))()
	m.version = field
	return m
}

// Table sets how models are loaded and saved in a unit of work; see Table.
// Without one, transitions change models in memory only.
func (m *Machine[M, T, A, U]) Table(t Table[M, U]) *Machine[M, T, A, U] {
	defer m.declaring("", callsite.Pos(0))()
	m.table = t
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
func (m *Machine[M, T, A, U]) Snapshot(copy func(*M) M) *Machine[M, T, A, U] {
	defer m.declaring("", callsite.Pos(0))()
	m.copy = copy
	return m
}

// After adds a hook that runs after every transition of the machine, once
// its own after hooks have run, inside the unit of work: an audit log that
// must record every change, or a check of invariants. It receives the
// model, as the transition left it, and the step as plain values. If it
// returns an error or panics, the whole unit of work is rolled back.
func (m *Machine[M, T, A, U]) After(title string, fn func(ctx context.Context, u U, model *M, s Step) error) *Machine[M, T, A, U] {
	defer m.declaring("", callsite.Pos(0))()
	if title == "" || fn == nil {
		panic(&DeclarationError{Machine: m.name, At: callsite.Pos(0), Msg: "After needs a title and a function"})
	}
	m.after = append(m.after, machineHook[M, U]{title, fn})
	return m
}

// Manager returns the state field the machine runs, as state.Bind bound
// it.
func (m *Machine[M, T, A, U]) Manager() *state.Manager[M, T] { return m.mgr }

// String names the machine by its model and column, such as
// "main.Project.status".
func (m *Machine[M, T, A, U]) String() string { return m.name }

// initialStates returns the states new models start in: the targets of
// creation transitions, else the states declared with Initial, else the
// Type's first state.
func (m *Machine[M, T, A, U]) initialStates() []state.State[T] {
	m.use()
	var created []state.State[T]
	for _, a := range m.actions {
		for _, r := range a.rulesOf() {
			if r.create {
				created = append(created, r.targets...)
			}
		}
	}
	if len(created) > 0 {
		return created
	}
	if len(m.initial) > 0 {
		return append([]state.State[T](nil), m.initial...)
	}
	for s := range m.mgr.Type().States() {
		return []state.State[T]{s}
	}
	return nil
}

// creates reports whether a transition of the machine creates objects.
func (m *Machine[M, T, A, U]) creates() bool {
	for _, a := range m.actions {
		for _, r := range a.rulesOf() {
			if r.create {
				return true
			}
		}
	}
	return false
}

// Names returns the names of the machine's transitions, in the order they
// are declared in the source (by file, then line), whatever order Go
// initialised them in.
func (m *Machine[M, T, A, U]) Names() []string {
	m.use()
	names := make([]string, len(m.actions))
	for i, a := range m.actions {
		names[i] = a.Name()
	}
	return names
}

// action is a transition as its Machine holds it: its input type erased,
// its state type kept.
type action[M any, T comparable, A, U any] interface {
	Name() string
	Title() string
	Can(ctx context.Context, sc Scope[U], actor A, model *M) bool
	availability(ctx context.Context, av *Availability, sc Scope[U], actor A, model *M) error
	fireJSON(ctx context.Context, s Store[U], actor A, model *M, payload []byte, check func([]byte) []FieldError, confirmed *string) (*Plan[U], error)
	planJSON(ctx context.Context, sc Scope[U], actor A, model *M, payload []byte, check func([]byte) []FieldError) (*Plan[U], error)
	info() graph.Transition
	inputType() reflect.Type
	rulesOf() []Rule[T]
	freeze()            // freezes the Types of the other fields it moves, and settles how it fires
	declaredAt() string // where it is declared, for source order
}

// Available lists every transition of the machine for actor and model:
// whether it is available now and, when it is not, every reason.
func (m *Machine[M, T, A, U]) Available(ctx context.Context, sc Scope[U], actor A, model *M) ([]Availability, error) {
	m.use()
	return m.AppendAvailable(ctx, make([]Availability, 0, len(m.actions)), sc, actor, model)
}

// AppendAvailable is Available appending to dst.
func (m *Machine[M, T, A, U]) AppendAvailable(ctx context.Context, dst []Availability, sc Scope[U], actor A, model *M) ([]Availability, error) {
	m.use()
	n := len(dst)
	dst = slices.Grow(dst, len(m.actions))[:n+len(m.actions)]
	for i, a := range m.actions {
		if err := a.availability(ctx, &dst[n+i], sc, actor, model); err != nil {
			clear(dst[n:])
			return dst[:n], err
		}
	}
	return dst, nil
}

// ref returns s as a StateRef: made once for each state of the field, so
// that a value is not boxed again on every use.
func (m *Machine[M, T, A, U]) ref(s state.State[T]) StateRef {
	if r, ok := m.refs[s]; ok {
		return r
	}
	return stateRef(s)
}

// object names a model for messages: "main.Project 7", or "main.Project"
// without an Identify function. An Identify that panics is named as such:
// a message never panics.
func (m *Machine[M, T, A, U]) object(model *M) (name string) {
	if m.ident == nil || model == nil {
		return m.modelName()
	}
	defer func() {
		if recover() != nil {
			name = m.modelName() + " (its Identify panicked)"
		}
	}()
	return fmt.Sprintf("%s %v", m.modelName(), m.ident(model))
}

func (m *Machine[M, T, A, U]) modelName() string { return reflect.TypeFor[M]().String() }

func (m *Machine[M, T, A, U]) identity(model any) (id any) {
	p, _ := model.(*M)
	if m.ident == nil || p == nil {
		return nil
	}
	defer func() {
		if recover() != nil {
			id = nil // its Identify panicked: no identity
		}
	}()
	return m.ident(p)
}
func (m *Machine[M, T, A, U]) objectName(model any) string {
	p, _ := model.(*M)
	return m.object(p)
}

func (m *Machine[M, T, A, U]) mustOwn(s state.Set[T], name, pos string) {
	if s == nil {
		panic(&DeclarationError{Machine: m.name, Transition: name, At: pos, Msg: "a nil state or group"})
	}
	if s.Type() != m.mgr.Type() {
		other := "no type (the zero State)"
		if s.Type() != nil {
			other = s.Type().String()
		}
		panic(&DeclarationError{Machine: m.name, Transition: name, At: pos, Err: state.ErrForeignState,
			Msg: fmt.Sprintf("%s is a state of %s, not of %s", s.Title(), other, m.mgr.Type().String())})
	}
}

// A Runner is a Machine seen without its model and state types, as
// package registry holds the machines of an application. Every *Machine
// is one, and only they are.
type Runner[A, U any] interface {
	String() string
	runner(A, U) // ties the type parameters: a Machine runs actors A in units U
	open() any   // an engine.Machine (see package internal/engine)
}

func init() {
	engine.Open = func(r any) any {
		if e, ok := r.(interface{ open() any }); ok {
			return e.open()
		}
		return nil
	}
}
