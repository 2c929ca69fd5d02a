// Package registry holds the machines of an application and answers
// questions about them: what an actor can do to a model now (Available),
// running a transition by name with a JSON payload (Fire), whether the
// definitions hang together (Check), and what they look like (Mermaid and
// DOT diagrams).
//
// Build the registry once, at start-up, after every machine and transition
// has been declared:
//
//	reg, err := registry.New[User, *Repo](Projects, Reviews, Tasks)
//	if err != nil {
//		log.Fatal(err) // a *CheckError listing every problem
//	}
//	reg.SetSchemas(schema.JSON)
//
// An HTTP handler for POST /projects/7/transitions/publish then needs only
//
//	rec, err := reg.Fire(ctx, store, user, project, "publish", body)
//
// and one for GET /projects/7/transitions
//
//	avs, err := reg.Available(ctx, scope, user, project)
//
// A Registry is safe for concurrent use.
package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/statecraft/statecraft/transition"
)

// A Registry holds the machines of an application, run by actors of type
// A, indexed by the model type they run on. A model type may have several
// machines, one per state field, such as a project's publication status
// and its review status.
//
// The registry reads the machines' declarations (their graphs and the
// names of their transitions) once, in New: declare every transition
// before building it.
type Registry[A, U any] struct {
	machines []transition.Runner[A, U] // registration order, without nils and repeats
	graphs   []transition.Graph        // graphs[i] describes machines[i]
	args     []int                     // args[i] is machines[i]'s position among New's arguments, from 1
	problems []Problem                 // found while registering; Check adds the rest
	byModel  map[reflect.Type]*modelEntry[A, U]
	models   []reflect.Type // registration order, for messages
	schemas  atomic.Pointer[schemaCache]
}

// modelEntry is what the registry knows of one model type.
type modelEntry[A, U any] struct {
	typ      reflect.Type
	machines []transition.Runner[A, U] // registration order
	byName   map[string]transition.Runner[A, U]
	names    []string // every transition's name once, registration then declaration order
}

// schemaCache holds a schema generator and the schemas it made.
type schemaCache struct {
	fn    func(reflect.Type) (json.RawMessage, error)
	types sync.Map // reflect.Type -> *schemaEntry
}

type schemaEntry struct {
	once   sync.Once
	schema json.RawMessage
	err    error
}

// New returns the registry of machines, after running Check. If Check finds
// any problem, New returns the registry all the same, with a *CheckError
// listing every problem: a program can log it and exit at start-up, or a
// test inspect it.
//
// A nil machine, or one given twice, is reported and left out. When two
// machines of one model type have a transition of the same name, Fire runs
// the one registered first.
func New[A, U any](machines ...transition.Runner[A, U]) (*Registry[A, U], error) {
	r := &Registry[A, U]{byModel: map[reflect.Type]*modelEntry[A, U]{}}
	for i, m := range machines {
		arg := i + 1
		if isNil(m) {
			r.problems = append(r.problems, Problem{Kind: UnknownMachine,
				Message: fmt.Sprintf("machine %d given to New is nil", arg)})
			continue
		}
		if j := slices.IndexFunc(r.machines, func(o transition.Runner[A, U]) bool { return same(o, m) }); j >= 0 {
			r.problems = append(r.problems, Problem{Machine: m.String(), Kind: Duplicate,
				Message: fmt.Sprintf("the same machine is registered twice (machines %d and %d given to New)", r.args[j], arg)})
			continue
		}
		r.machines = append(r.machines, m)
		r.graphs = append(r.graphs, m.Graph())
		r.args = append(r.args, arg)

		typ := m.Model()
		md := r.byModel[typ]
		if md == nil {
			md = &modelEntry[A, U]{typ: typ, byName: map[string]transition.Runner[A, U]{}}
			r.byModel[typ] = md
			r.models = append(r.models, typ)
		}
		md.machines = append(md.machines, m)
		for _, name := range m.Names() {
			if _, ok := md.byName[name]; !ok { // a repeat is a Duplicate problem: list it once
				md.byName[name] = m
				md.names = append(md.names, name)
			}
		}
	}
	r.addMoves()
	if ps := r.Check(); len(ps) > 0 {
		return r, &CheckError{Problems: ps}
	}
	return r, nil
}

// addMoves adds to the graph of each registered field the moves other
// machines' transitions make of it (see transition.Transition.Also), so
// that its checks and diagrams see every edge, and a field that a
// creation transition moves starts in the states it creates.
func (r *Registry[A, U]) addMoves() {
	for i, g := range r.graphs {
		for _, t := range g.Transitions {
			if t.Via != "" {
				continue
			}
			for _, mv := range t.Also {
				j := -1
				for k, o := range r.graphs {
					if k != i && o.Column == mv.Column && r.machines[k].Model() == r.machines[i].Model() {
						j = k
						break
					}
				}
				if j < 0 {
					continue // the field's machine is not registered
				}
				dst := &r.graphs[j]
				dst.Transitions = append(dst.Transitions, transition.Info{
					Name: t.Name, Title: t.Title, Description: t.Description, At: t.At,
					Rules: []transition.RuleInfo{mv.Rule}, Allow: t.Allow, Anyone: t.Anyone, When: t.When, Related: t.Related,
					Creates: t.Creates, Via: g.Machine,
				})
				if mv.Rule.Create {
					if dst.InitialByDefault { // creation says where it starts, not the Type's order
						for k := range dst.States {
							dst.States[k].Initial = false
						}
						dst.InitialByDefault = false
					}
					for k := range dst.States {
						if slices.Contains(mv.Rule.To, dst.States[k].Title) {
							dst.States[k].Initial = true
						}
					}
				}
			}
		}
	}
}

// same reports whether a and b are the same machine. Machines of a type
// that cannot be compared (no *Machine is one) are never the same.
func same[A, U any](a, b transition.Runner[A, U]) bool {
	ta := reflect.TypeOf(a)
	return ta == reflect.TypeOf(b) && ta.Comparable() && a == b
}

// isNil reports whether m is nil, or a nil pointer in a non-nil interface.
func isNil[A, U any](m transition.Runner[A, U]) bool {
	if m == nil {
		return true
	}
	v := reflect.ValueOf(m)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// Machines returns the registered machines, in registration order, without
// the nil ones and repeats New reported.
func (r *Registry[A, U]) Machines() []transition.Runner[A, U] {
	return slices.Clone(r.machines)
}

// Graphs returns the graphs of the registered machines, as New read them,
// in registration order.
func (r *Registry[A, U]) Graphs() []transition.Graph {
	return slices.Clone(r.graphs)
}

// SetSchemas sets the function that renders an input type as JSON Schema,
// such as schema.JSON from package transition/schema. Available then fills
// in the Schema of every transition that takes input. Each type's schema
// is made once and cached, error included; SetSchemas(nil) turns schemas
// off. It is safe to call while the registry is in use.
func (r *Registry[A, U]) SetSchemas(fn func(reflect.Type) (json.RawMessage, error)) {
	if fn == nil {
		r.schemas.Store(nil)
		return
	}
	r.schemas.Store(&schemaCache{fn: fn})
}

// schema returns the JSON Schema of input type t.
func (c *schemaCache) schema(t reflect.Type) (json.RawMessage, error) {
	v, ok := c.types.Load(t)
	if !ok {
		v, _ = c.types.LoadOrStore(t, new(schemaEntry))
	}
	e := v.(*schemaEntry)
	e.once.Do(func() {
		defer func() {
			if p := recover(); p != nil {
				e.err = fmt.Errorf("schema generator panicked: %v", p)
			}
		}()
		e.schema, e.err = c.fn(t)
	})
	return e.schema, e.err
}

// Available lists every transition of every machine registered for the
// model's type, for actor, reading related models through sc: whether it
// is available now and, when it is not,
// every reason; the states it would move to; and the input it needs, with
// its JSON Schema when SetSchemas set a generator. The list is in
// registration order of the machines, then declaration order of their
// transitions.
//
// model must be a non-nil pointer to a registered model type, such as a
// *Project; anything else is an error wrapping ErrUnknownModel or
// ErrNilModel. Other errors come from loading related models, or from the
// schema generator.
func (r *Registry[A, U]) Available(ctx context.Context, sc transition.Scope[U], actor A, model any) ([]transition.Availability, error) {
	md, err := r.lookup(model)
	if err != nil {
		return nil, err
	}
	avs := make([]transition.Availability, 0, len(md.names))
	for _, m := range md.machines {
		if avs, err = m.AppendAvailableAny(ctx, avs, sc, actor, model); err != nil {
			return nil, fmt.Errorf("registry: %s: %w", m, err)
		}
	}
	if c := r.schemas.Load(); c != nil {
		for i := range avs {
			if avs[i].Input == nil {
				continue
			}
			s, err := c.schema(avs[i].Input)
			if err != nil {
				return nil, fmt.Errorf("registry: JSON Schema of %v, the input of %q: %w", avs[i].Input, avs[i].Name, err)
			}
			avs[i].Schema = s
		}
	}
	return avs, nil
}

// Fire runs the transition named name on model for actor in a unit of
// work of store s, decoding payload as its input: it finds the transition among the machines of the model's
// type, pre-validates it (so an actor who may not run it costs no
// decoding), decodes the JSON strictly, validates and runs it, as an HTTP
// handler for POST /projects/7/transitions/publish would. It returns the
// event of the transition asked for. See transition.Transition.FireJSON.
//
// An unknown name is a *NotFoundError (errors.Is transition.ErrNotFound)
// listing the model's transitions; a model of no registered type is a
// *ModelError (ErrUnknownModel). Otherwise the errors are the
// transition's: a *transition.BlockedError (transition.ErrBlocked), a
// *transition.InputError (transition.ErrInvalidInput), and so on.
func (r *Registry[A, U]) Fire(ctx context.Context, s transition.Store[U], actor A, model any, name string, payload []byte) (transition.Record, error) {
	md, err := r.lookup(model)
	if err != nil {
		return nil, err
	}
	m, ok := md.byName[name]
	if !ok {
		return nil, &NotFoundError{Model: md.typ, Name: name, Names: slices.Clone(md.names)}
	}
	return m.FireJSONAny(ctx, s, actor, model, name, payload)
}

// lookup returns what the registry knows of model's type.
func (r *Registry[A, U]) lookup(model any) (*modelEntry[A, U], error) {
	typ := reflect.TypeOf(model)
	md := r.byModel[typ]
	if md == nil {
		return nil, &ModelError{Model: typ, Known: slices.Clone(r.models), Err: ErrUnknownModel}
	}
	if reflect.ValueOf(model).IsNil() { // registered types are pointers
		return nil, &ModelError{Model: typ, Known: slices.Clone(r.models), Err: ErrNilModel}
	}
	return md, nil
}
