// Package registry holds the machines of an application and answers
// questions about them: what an actor can do to a model now (Available),
// running a transition by name with a JSON payload (Fire), whether the
// definitions hang together (Problems), and what they look like (Mermaid and
// DOT diagrams).
//
// Build the registry once, at start-up, after every machine and transition
// has been declared:
//
//	reg, err := registry.New[User, *Repo](&registry.Options{Schemas: schema.Compile}, Projects, Reviews, Tasks)
//	if err != nil {
//		log.Fatal(err) // a *DefinitionError listing every problem
//	}
//
// An HTTP handler for POST /projects/7/transitions/publish then needs only
//
//	plan, err := reg.Fire(ctx, store, user, project, "publish", body)
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

	"github.com/statecraft/statecraft/internal/engine"
	"github.com/statecraft/statecraft/internal/graph"
	"github.com/statecraft/statecraft/transition"
)

// machine is a registered machine, as package internal/engine runs it.
type machine[A, U any] = engine.Machine[A, transition.Scope[U], transition.Store[U], transition.Availability, *transition.Plan[U], func([]byte) []transition.FieldError]

// Options configure a Registry. The zero Options, or nil, are the
// defaults.
type Options struct {
	// Schemas, when set, describes the input type of a transition as JSON
	// Schema, and returns a check of a payload against every rule the
	// schema publishes (minLength, pattern, enum, ...), reporting each
	// broken rule as a FieldError. transition/schema's Compile is one:
	//
	//	registry.New[User, *Repo](&registry.Options{Schemas: schema.Compile}, Projects)
	//
	// New compiles the schema of every input type once, and fails if one
	// cannot be compiled (such as a pattern Go's regexp rejects).
	// Available then gives every transition's Schema, and Fire checks
	// each payload, once it has decoded, against its schema, so that a
	// form and the server apply the same rules.
	Schemas func(input reflect.Type) (schema json.RawMessage, check func(payload []byte) []transition.FieldError, err error)
}

// A Registry holds the machines of an application, run by actors of type
// A, indexed by the model type they run on. A model type may have several
// machines, one per state field, such as a project's publication status
// and its review status.
//
// The registry reads the machines' declarations (their graphs and the
// names of their transitions) once, in New: declare every transition
// before building it.
type Registry[A, U any] struct {
	runners  []any           // the Runners given, registration order, without nils and repeats
	machines []machine[A, U] // machines[i] runs runners[i]
	graphs   []graph.Graph   // graphs[i] describes machines[i]
	args     []int           // args[i] is machines[i]'s position among New's arguments, from 1
	problems []Problem       // found while registering; Problems adds the rest
	byModel  map[reflect.Type]*modelEntry[A, U]
	models   []reflect.Type // registration order, for messages
	schemas  map[reflect.Type]*schema
}

// modelEntry is what the registry knows of one model type.
type modelEntry[A, U any] struct {
	typ      reflect.Type
	machines []machine[A, U] // registration order
	byName   map[string]machine[A, U]
	names    []string // every transition's name once, registration then declaration order
}

// schema is an input type's JSON Schema and its check.
type schema struct {
	json  json.RawMessage
	check func([]byte) []transition.FieldError
}

// New returns the registry of machines, configured by opts (nil for the
// defaults), after running Problems. If it finds any problem, New returns
// the registry all the same, with a *DefinitionError listing every problem: a
// program can log it and exit at start-up, or a test inspect it.
//
// A nil machine, or one given twice, is reported and left out. When two
// machines of one model type have a transition of the same name, Fire runs
// the one registered first. Registering a machine freezes its
// declarations.
func New[A, U any](opts *Options, machines ...transition.Runner[A, U]) (*Registry[A, U], error) {
	rs := make([]any, len(machines))
	for i, m := range machines {
		if m != nil {
			rs[i] = m
		}
	}
	return build[A, U](opts, rs)
}

// build is New, for machines that are transition.Runners or, in tests,
// machines of the registry's own.
func build[A, U any](opts *Options, machines []any) (*Registry[A, U], error) {
	r := &Registry[A, U]{byModel: map[reflect.Type]*modelEntry[A, U]{}}
	for i, rn := range machines {
		arg := i + 1
		if isNil(rn) {
			r.problems = append(r.problems, Problem{Kind: UnknownMachine,
				Message: fmt.Sprintf("machine %d given to New is nil", arg)})
			continue
		}
		m, ok := rn.(machine[A, U])
		if !ok {
			m = engine.Open(rn).(machine[A, U])
		}
		j := slices.IndexFunc(r.runners, func(o any) bool { return same(o, rn) })
		if j >= 0 {
			r.problems = append(r.problems, Problem{Machine: m.String(), Kind: Duplicate,
				Message: fmt.Sprintf("the same machine is registered twice (machines %d and %d given to New)", r.args[j], arg)})
			continue
		}
		r.runners = append(r.runners, rn)
		r.machines = append(r.machines, m)
		r.graphs = append(r.graphs, m.Graph())
		r.args = append(r.args, arg)

		typ := m.Model()
		md := r.byModel[typ]
		if md == nil {
			md = &modelEntry[A, U]{typ: typ, byName: map[string]machine[A, U]{}}
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
	if opts != nil && opts.Schemas != nil {
		r.compileSchemas(opts.Schemas)
	}
	if ps := r.Problems(); len(ps) > 0 {
		return r, &DefinitionError{Problems: ps}
	}
	return r, nil
}

// compileSchemas compiles the schema of every input type, once each,
// reporting those that fail as problems.
func (r *Registry[A, U]) compileSchemas(compile func(reflect.Type) (json.RawMessage, func([]byte) []transition.FieldError, error)) {
	r.schemas = map[reflect.Type]*schema{}
	for i, g := range r.graphs {
		for _, t := range g.Transitions {
			if t.Via != "" || t.Input == nil {
				continue
			}
			if _, done := r.schemas[t.Input]; done {
				continue
			}
			var sc schema
			err := func() (err error) {
				defer func() {
					if p := recover(); p != nil {
						err = fmt.Errorf("the schema compiler panicked: %v", p)
					}
				}()
				sc.json, sc.check, err = compile(t.Input)
				return err
			}()
			if err != nil {
				r.problems = append(r.problems, Problem{Machine: r.machines[i].String(), Transition: t.Name, Kind: InvalidSchema,
					Message: fmt.Sprintf("the JSON Schema of its input, %v, does not compile: %v", t.Input, err)})
				continue
			}
			r.schemas[t.Input] = &sc
		}
	}
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
				dst.Transitions = append(dst.Transitions, graph.Transition{
					Name: t.Name, Title: t.Title, Description: t.Description, At: t.At,
					Rules: []graph.Rule{mv.Rule}, Allow: t.Allow, Anyone: t.Anyone, When: t.When, Related: t.Related,
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
func same(a, b any) bool {
	ta := reflect.TypeOf(a)
	return ta == reflect.TypeOf(b) && ta.Comparable() && a == b
}

// isNil reports whether m is nil, or a nil pointer in a non-nil interface.
func isNil(m any) bool {
	if m == nil {
		return true
	}
	v := reflect.ValueOf(m)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// Available lists every transition of every machine registered for the
// model's type, for actor, reading related models through sc: whether it
// is available now and, when it is not,
// every reason; the states it would move to; and the input it needs, with
// its JSON Schema when Options.Schemas was set. The list is in
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
		first := len(avs)
		if avs, err = m.AppendAvailable(ctx, avs, sc, actor, model); err != nil {
			return nil, fmt.Errorf("registry: %s: %w", m, err)
		}
		if r.schemas != nil {
			for i := first; i < len(avs); i++ {
				if s := r.schemas[m.Input(avs[i].Name)]; s != nil {
					avs[i].Schema = s.json
				}
			}
		}
	}
	return avs, nil
}

// Fire runs the transition named name on model for actor in a unit of
// work of store s, decoding payload as its input: it finds the transition among the machines of the model's
// type, pre-validates it (so an actor who may not run it costs no
// decoding), decodes the JSON strictly, validates and runs it, as an HTTP
// handler for POST /projects/7/transitions/publish would. With
// Options.Schemas, a payload that decodes is then checked against every
// rule its schema publishes. It returns the plan it applied: see
// transition.Transition.FireJSON.
//
// An unknown name is a *NotFoundError (errors.Is transition.ErrNotFound)
// listing the model's transitions; a model of no registered type is a
// *ModelError (ErrUnknownModel). Otherwise the errors are the
// transition's: a *transition.Error matching transition.ErrBlocked,
// transition.ErrInvalidInput, and so on.
func (r *Registry[A, U]) Fire(ctx context.Context, s transition.Store[U], actor A, model any, name string, payload []byte) (*transition.Plan[U], error) {
	m, check, err := r.find(model, name)
	if err != nil {
		return nil, err
	}
	return m.Fire(ctx, s, actor, model, name, payload, check, nil)
}

// FireConfirmed is Fire for a plan a person confirmed, whose digest they
// send back (see Plan and transition.Plan.Digest): it plans again in the
// unit of work, with payload, and applies the new plan only if its digest
// is digest. Otherwise nothing changes and the error is a
// *transition.ConflictError: the objects changed since the person saw the
// plan, or it would now do something else. An empty digest confirms
// nothing: it is a conflict too. A confirmed request is never retried
// (see sqlstore.Options.Retries): the person confirms again.
func (r *Registry[A, U]) FireConfirmed(ctx context.Context, s transition.Store[U], actor A, model any, name string, payload []byte, digest string) (*transition.Plan[U], error) {
	m, check, err := r.find(model, name)
	if err != nil {
		return nil, err
	}
	return m.Fire(ctx, s, actor, model, name, payload, check, &digest)
}

// Plan plans the transition named name on model for actor, as Fire would
// run it with payload, reading through sc, and applies nothing: the steps
// of its whole causal chain, for a person to confirm (send its Digest
// back to FireConfirmed). Its errors are Fire's: a blocked transition is a
// *transition.Error matching transition.ErrBlocked, listing the reasons
// of every blocked step of the chain.
func (r *Registry[A, U]) Plan(ctx context.Context, sc transition.Scope[U], actor A, model any, name string, payload []byte) (*transition.Plan[U], error) {
	m, check, err := r.find(model, name)
	if err != nil {
		return nil, err
	}
	return m.Plan(ctx, sc, actor, model, name, payload, check)
}

// find returns the machine of model's type with the transition named
// name, and the check of its input's schema, if any.
func (r *Registry[A, U]) find(model any, name string) (machine[A, U], func([]byte) []transition.FieldError, error) {
	md, err := r.lookup(model)
	if err != nil {
		return nil, nil, err
	}
	m, ok := md.byName[name]
	if !ok {
		return nil, nil, &NotFoundError{Model: md.typ, Name: name, Names: slices.Clone(md.names)}
	}
	var check func([]byte) []transition.FieldError
	if r.schemas != nil {
		if sc := r.schemas[m.Input(name)]; sc != nil {
			check = sc.check
		}
	}
	return m, check, nil
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
