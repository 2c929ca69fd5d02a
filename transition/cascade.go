package transition

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/statecraft/statecraft/internal/callsite"
)

// MaxChainDepth bounds how deep a causal chain may go before it is taken
// for a loop.
const MaxChainDepth = 32

// A Cascade is a causal chain from a transition of model M to transitions
// of related objects. Make one with [Each].
type Cascade[M, A any] interface {
	// Info describes the cascade.
	Info() CascadeInfo
	plan(c *chain[A], parent *M, cause Record, depth int, by string) error
}

// CascadeInfo describes a cascade as data.
type CascadeInfo struct {
	Name       string // the relation, such as "tasks"
	Machine    string // the related machine, such as "main.Task.status"
	Transition string // the transition run on each related object
	// Target is the related *Machine itself, so that a registry can tell
	// it from another machine of the same name (the same model type name
	// in two packages, or two machines on one field).
	Target any
}

// Each returns the cascade that runs transition t, with zero input, on
// each object load returns for the model:
//
//	Delete.Cascade(transition.Each("tasks", loadTasks, DeleteTask))
//
// A related object already in one of t's targets, from a state t has no
// rule for, is skipped (a task that is already deleted). Any other object
// t is not available to blocks the whole chain. t runs with the same actor,
// who must be allowed every step.
func Each[M any, R any, RT comparable, A any, RI any](name string, load func(ctx context.Context, model *M) ([]*R, error), t *Transition[R, RT, A, RI]) Cascade[M, A] {
	if name == "" || load == nil || t == nil {
		panic(&DeclarationError{At: callsite.Pos(0), Msg: "Each needs a name, a load function and a transition"})
	}
	return &each[M, R, RT, A, RI]{name: name, load: load, t: t}
}

type each[M any, R any, RT comparable, A any, RI any] struct {
	name string
	load func(context.Context, *M) ([]*R, error)
	t    *Transition[R, RT, A, RI]
}

// Info describes the cascade.
func (e *each[M, R, RT, A, RI]) Info() CascadeInfo {
	return CascadeInfo{Name: e.name, Machine: e.t.m.String(), Transition: e.t.name, Target: e.t.m}
}

// plan loads the related objects and plans e.t on each. by names the
// step that cascades, for errors.
func (e *each[M, R, RT, A, RI]) plan(c *chain[A], parent *M, cause Record, depth int, by string) error {
	var rs []*R
	var err error
	if p := catch(func() { rs, err = e.load(c.ctx, parent) }); p != nil {
		return &StepError{Step: "load " + e.name, Object: by, Actor: actorName(c.actor), Panic: p, Err: fmt.Errorf("panic: %v", p)}
	}
	if err != nil {
		return &StepError{Step: "load " + e.name, Object: by, Actor: actorName(c.actor), Err: err}
	}
	var zero RI
	for _, r := range rs {
		if r == nil {
			return &StepError{Step: "load " + e.name, Object: by, Actor: actorName(c.actor),
				Err: fmt.Errorf("it returned a nil *%s", e.t.m.mgr.Model())}
		}
		if _, err := planStep(c, e.t, r, zero, cause, depth, false); err != nil {
			return err
		}
	}
	return nil
}

// chain is a causal chain being planned and run.
type chain[A any] struct {
	ctx   context.Context
	actor A
	at    time.Time
	check bool // planning for Check: the root has no input and no target
	// rootChecked: the caller already ran the root's pre-validation checks.
	rootChecked bool
	steps       []step
	planned     map[stepKey]bool // every object planned, for diamonds
	path        map[stepKey]bool // the objects from the root to the current one, for loops
	reasons     []Reason
}

type stepKey struct {
	machine any // the *Machine
	object  any // the model's identity, or its pointer
}

// step is one planned transition on one object.
type step interface {
	apply(ctx context.Context) error
	undo()
	record() Record
	observers() []Observer
	stepError(step string, err error) *StepError
}

func newChain[A any](ctx context.Context, actor A, at time.Time, check bool) *chain[A] {
	return &chain[A]{ctx: ctx, actor: actor, at: at, check: check, planned: map[stepKey]bool{}, path: map[stepKey]bool{}}
}

// key identifies model for the chain: by its identity (see
// Machine.Identify) when it has a comparable, non-zero one, and by its
// pointer otherwise.
func (m *Machine[M, T, A]) key(model *M) stepKey {
	k := stepKey{machine: m, object: model}
	if m.ident != nil {
		if id := m.ident(model); id != nil {
			if v := reflect.ValueOf(id); v.Comparable() && !v.IsZero() {
				k.object = id
			}
		}
	}
	return k
}

// planStep pre-validates t on model and plans its cascades, depth first.
// Blocked steps add their reasons to c; the returned error is for what
// cannot be planned at all (a failing load, a panic, a loop, invalid root
// input). root is the transition that was asked for, whose input is
// validated with an *InputError rather than a reason. An object a chain
// reaches twice by different paths (a diamond) is planned once; one it
// reaches again below itself is a loop.
func planStep[M any, T comparable, A any, I any](c *chain[A], t *Transition[M, T, A, I], model *M, in I, cause Record, depth int, root bool) (ev *Event[M, T, A, I], err error) {
	defer func() {
		if p := recover(); p != nil {
			se := t.stepError(c.actor, model, "plan", fmt.Errorf("panic: %v", p))
			se.Panic = p
			ev, err = nil, se
		}
	}()
	key := t.m.key(model)
	switch {
	case c.path[key]:
		return nil, fmt.Errorf("transition: %s %q reaches %s again below itself: %w", t.m, t.name, t.m.object(model), ErrCycle)
	case c.planned[key]:
		return nil, nil
	case depth > MaxChainDepth:
		return nil, fmt.Errorf("transition: %s %q: the chain is deeper than %d steps: %w", t.m, t.name, MaxChainDepth, ErrCycle)
	}
	c.planned[key], c.path[key] = true, true
	defer delete(c.path, key)

	from := t.m.mgr.Get(model)
	step := t.m.object(model) + " (" + t.name + ")" // names this step in reasons and errors
	object := ""                                    // the root's reasons concern the object asked of
	if !root {
		object = step
		if t.rule(from) == nil && t.possibleTarget(from) {
			return nil, nil // already there
		}
	}
	ok := true
	if !root || !c.rootChecked {
		if ok, err = t.precheck(c.ctx, c.actor, model, &c.reasons, object); err != nil {
			return nil, err
		}
	}
	ev = &Event[M, T, A, I]{Transition: t, Model: model, From: from, Actor: c.actor, Input: in, At: c.at, Cause: cause}
	if ok && !(root && c.check) { // Check has no input, so no target either
		if err := t.validate(c.actor, model, &ev.Input); err != nil {
			var ie *InputError
			if root || !errors.As(err, &ie) {
				return nil, err
			}
			c.reasons = append(c.reasons, Reason{Err: ErrInvalidInput, Check: "input", Message: ie.Fields.Error(), Object: object})
		} else {
			if ev.To, err = t.target(c.actor, model, from, ev.Input); err != nil {
				return nil, err
			}
			c.steps = append(c.steps, &planned[M, T, A, I]{t: t, ev: ev})
		}
	}
	for _, cs := range t.cascades {
		if err := cs.plan(c, model, ev, depth+1, step); err != nil {
			return nil, err
		}
	}
	return ev, nil
}

// chainBlocked returns the *BlockedError of chain c, whose root is t on
// model, or nil if no step is blocked.
func chainBlocked[M any, T comparable, A any, I any](c *chain[A], t *Transition[M, T, A, I], model *M) error {
	if len(c.reasons) == 0 {
		return nil
	}
	return t.blockedError(c.actor, model, c.reasons)
}

// run applies the planned steps in order, then notifies the observers of
// every step in order. If any of it fails, the steps already applied are
// undone, last first.
func (c *chain[A]) run() error {
	for i, s := range c.steps {
		if err := s.apply(c.ctx); err != nil {
			c.undo(i)
			return err
		}
	}
	for _, s := range c.steps {
		if err := notify(c.ctx, s.observers(), s.record()); err != nil {
			c.undo(len(c.steps))
			return s.stepError("observe", err)
		}
	}
	return nil
}

// undo restores the objects of the first n steps, last first, and the
// object of step n (which may have half applied) too.
func (c *chain[A]) undo(n int) {
	if n < len(c.steps) {
		c.steps[n].undo()
	}
	for i := n - 1; i >= 0; i-- {
		c.steps[i].undo()
	}
}

// planned is a step of a chain: transition t on ev.Model.
type planned[M any, T comparable, A any, I any] struct {
	t    *Transition[M, T, A, I]
	ev   *Event[M, T, A, I]
	snap M
	took bool
}

func (p *planned[M, T, A, I]) apply(ctx context.Context) error {
	p.snap, p.took = p.t.m.snapshot(p.ev.Model), true
	return p.t.apply(ctx, p.ev)
}

func (p *planned[M, T, A, I]) undo() {
	if p.took {
		*p.ev.Model = p.snap
	}
}

func (p *planned[M, T, A, I]) record() Record        { return p.ev }
func (p *planned[M, T, A, I]) observers() []Observer { return p.t.m.observers }
func (p *planned[M, T, A, I]) stepError(step string, err error) *StepError {
	return p.t.stepError(p.ev.Actor, p.ev.Model, step, err)
}
