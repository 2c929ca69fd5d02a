package transition

import (
	"context"
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
	plan(c *chain[A], parent *M, cause Record, depth int) error
}

// CascadeInfo describes a cascade as data.
type CascadeInfo struct {
	Name       string // the relation, such as "tasks"
	Machine    string // the related machine, such as "main.Task.status"
	Transition string // the transition run on each related object
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
	return CascadeInfo{Name: e.name, Machine: e.t.m.String(), Transition: e.t.name}
}

func (e *each[M, R, RT, A, RI]) plan(c *chain[A], parent *M, cause Record, depth int) error {
	rs, err := e.load(c.ctx, parent)
	if err != nil {
		return fmt.Errorf("transition: load %s: %w", e.name, err)
	}
	var zero RI
	for _, r := range rs {
		if r == nil {
			return fmt.Errorf("transition: load %s returned a nil %s", e.name, e.t.m.mgr.Model())
		}
		if _, err := planStep(c, e.t, r, zero, cause, depth, false); err != nil {
			return err
		}
	}
	return nil
}

// chain is a causal chain being planned and run.
type chain[A any] struct {
	ctx     context.Context
	actor   A
	at      time.Time
	steps   []step
	seen    map[stepKey]bool
	reasons []Reason
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
}

func newChain[A any](ctx context.Context, actor A, at time.Time) *chain[A] {
	return &chain[A]{ctx: ctx, actor: actor, at: at, seen: map[stepKey]bool{}}
}

// planStep pre-validates t on model and plans its cascades, depth first.
// Blocked steps add their reasons to c; the returned error is for what
// cannot be planned at all (a failing load, a loop, invalid root input).
// root is the transition that was asked for, whose input is validated
// with an *InputError rather than a reason.
func planStep[M any, T comparable, A any, I any](c *chain[A], t *Transition[M, T, A, I], model *M, in I, cause Record, depth int, root bool) (*Event[M, T, A, I], error) {
	return planStepInput(c, t, model, in, cause, depth, root, true)
}

// planStepInput is planStep; with validate false, the root's input is not
// validated (for Check, which has none).
func planStepInput[M any, T comparable, A any, I any](c *chain[A], t *Transition[M, T, A, I], model *M, in I, cause Record, depth int, root, validate bool) (*Event[M, T, A, I], error) {
	key := stepKey{machine: t.m, object: model}
	if t.m.ident != nil {
		if id := t.m.ident(model); id != nil && reflect.TypeOf(id).Comparable() {
			key.object = id
		}
	}
	if c.seen[key] {
		return nil, fmt.Errorf("transition: %s %q reaches %s a second time: %w", t.m, t.name, t.m.object(model), ErrCycle)
	}
	if depth > MaxChainDepth {
		return nil, fmt.Errorf("transition: %s %q: the chain is deeper than %d steps: %w", t.m, t.name, MaxChainDepth, ErrCycle)
	}
	c.seen[key] = true

	from := t.m.mgr.Get(model)
	object := ""
	if !root {
		object = t.m.object(model) + " (" + t.name + ")"
		if t.rule(from) == nil && t.possibleTarget(from) {
			return nil, nil // already there
		}
	}
	ok, err := t.precheck(c.ctx, c.actor, model, &c.reasons, object)
	if err != nil {
		return nil, err
	}
	ev := &Event[M, T, A, I]{Transition: t, Model: model, From: from, Actor: c.actor, Input: in, At: c.at, Cause: cause}
	if ok && (validate || !root) {
		if err := t.validate(model, &ev.Input); err != nil {
			if root {
				return nil, err
			}
			c.reasons = append(c.reasons, Reason{Err: ErrInvalidInput, Check: "input", Message: err.Error(), Object: object})
			ok = false
		}
	}
	if ok {
		to, err := t.target(model, from, in)
		if err != nil {
			return nil, err
		}
		ev.To = to
		c.steps = append(c.steps, &planned[M, T, A, I]{t: t, ev: ev})
	}
	for _, cs := range t.cascades {
		if err := cs.plan(c, model, ev, depth+1); err != nil {
			return nil, err
		}
	}
	return ev, nil
}

// blockedError returns the chain's *BlockedError for the root transition
// t on model, or nil if no step is blocked.
func (c *chain[A]) blockedError(t interface {
	blockedFor(actor any, model any, reasons []Reason) error
}, model any) error {
	if len(c.reasons) == 0 {
		return nil
	}
	return t.blockedFor(c.actor, model, c.reasons)
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
			p := s.(interface {
				stepError(string, error) *StepError
			})
			return p.stepError("observe", err)
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
	p.snap, p.took = *p.ev.Model, true
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
	return p.t.stepError(p.ev.Model, step, err)
}

func (t *Transition[M, T, A, I]) blockedFor(actor any, model any, reasons []Reason) error {
	return t.blockedError(actor.(A), model.(*M), reasons)
}
