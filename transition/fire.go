package transition

import (
	"context"
	"fmt"

	"github.com/statecraft/statecraft/state"
)

// Fire runs the transition on model for actor with input in: it
// pre-validates (state, actor, conditions, related models), validates the
// input, plans and pre-validates any causal chain, runs the effects, sets
// the state, and hands the events to the observers. It returns the event of
// the transition asked for.
//
// If anything refuses or fails, model and every object of the chain are
// left exactly as they were, and the error says why: a *BlockedError
// (errors.Is ErrBlocked, ErrWrongState, ErrForbidden, ErrUnmet), an
// *InputError (ErrInvalidInput), a *StepError (ErrStep) for an effect or
// observer that failed or panicked, or an error wrapping ErrCycle.
//
// Without causal chains or related conditions, Fire allocates only the
// event.
func (t *Transition[M, T, A, I]) Fire(ctx context.Context, actor A, model *M, in I) (*Event[M, T, A, I], error) {
	if model == nil {
		return nil, t.nilModel()
	}
	return t.fire(ctx, actor, model, in, false)
}

// fire is Fire; checked says the caller has already run the pre-validation
// checks of the transition asked for (not those of its chain).
func (t *Transition[M, T, A, I]) fire(ctx context.Context, actor A, model *M, in I, checked bool) (*Event[M, T, A, I], error) {
	if len(t.cascades) > 0 {
		c := newChain(ctx, actor, t.m.now(ctx), false)
		c.rootChecked = checked
		ev, err := planStep(c, t, model, in, nil, 0, true)
		if err != nil {
			return nil, err
		}
		if err := chainBlocked(c, t, model); err != nil {
			return nil, err
		}
		if err := c.run(); err != nil {
			return nil, err
		}
		return ev, nil
	}

	if !checked {
		if err := t.prevalidate(ctx, actor, model); err != nil {
			return nil, err
		}
	}
	from := t.m.mgr.Get(model)
	ev := &Event[M, T, A, I]{Transition: t, Model: model, From: from, Actor: actor, Input: in, At: t.m.now(ctx)}
	if err := t.validate(actor, model, &ev.Input); err != nil {
		return nil, err
	}
	var err error
	if ev.To, err = t.target(actor, model, from, ev.Input); err != nil {
		return nil, err
	}
	snap := t.m.snapshot(model)
	if err := t.apply(ctx, ev); err != nil {
		*model = snap
		return nil, err
	}
	if err := notify(ctx, t.m.observers, ev); err != nil {
		*model = snap
		return nil, t.stepError(actor, model, "observe", err)
	}
	return ev, nil
}

// FireJSON decodes payload into the transition's input (see Decode) and
// fires it: what an HTTP handler for POST /projects/7/transitions/publish
// does with the request body.
//
// The transition's own pre-validation checks (its state rules, who may run
// it, its conditions) run before the payload is decoded, so an actor who
// may not run it, or a model in the wrong state, costs no decoding: the
// error is then the *BlockedError, whatever the payload holds. A causal
// chain is planned, and its steps checked, once the input is decoded.
func (t *Transition[M, T, A, I]) FireJSON(ctx context.Context, actor A, model *M, payload []byte) (Record, error) {
	if model == nil {
		return nil, t.nilModel()
	}
	if err := t.prevalidate(ctx, actor, model); err != nil {
		return nil, err
	}
	in, err := t.Decode(payload)
	if err != nil {
		if ie, ok := err.(*InputError); ok {
			ie.Object, ie.Actor = t.m.object(model), actorName(actor)
		}
		return nil, err
	}
	ev, err := t.fire(ctx, actor, model, in, true)
	if err != nil {
		return nil, err
	}
	return ev, nil
}

func (t *Transition[M, T, A, I]) blockedError(actor A, model *M, reasons []Reason) *BlockedError {
	return &BlockedError{
		Machine:    t.m.String(),
		Transition: t.name,
		Object:     t.m.object(model),
		Actor:      actorName(actor),
		State:      t.m.mgr.Get(model).String(),
		Reasons:    reasons,
	}
}

// target returns the state the transition moves the model to from from.
func (t *Transition[M, T, A, I]) target(actor A, model *M, from state.State[T], in I) (state.State[T], error) {
	r := t.rule(from)
	switch {
	case r == nil: // cannot happen after precheck
		return from, fmt.Errorf("transition: %s of %s: %w: no rule from %s", t, t.m.object(model), ErrWrongState, from)
	case r.stay:
		return from, nil
	case len(r.targets) == 1:
		return r.targets[0], nil
	case t.choose == nil:
		return from, fmt.Errorf("transition: %s of %s: %w: the rule from %s has %d targets and the transition no Choose function", t, t.m.object(model), ErrDefinition, from, len(r.targets))
	}
	var to state.State[T]
	if p := catch(func() { to = t.choose(model, in) }); p != nil {
		se := t.stepError(actor, model, "choose the target", fmt.Errorf("panic: %v", p))
		se.Panic = p
		return from, se
	}
	if !r.allows(to) {
		return from, fmt.Errorf("transition: %s of %s: %w: Choose returned %s, which is not a target of the rule from %s", t, t.m.object(model), ErrDefinition, to, from)
	}
	return to, nil
}

// apply runs the effects and sets the state. The caller restores the model
// if it fails.
func (t *Transition[M, T, A, I]) apply(ctx context.Context, ev *Event[M, T, A, I]) error {
	for i := range t.effects {
		if err := t.runEffect(ctx, &t.effects[i], ev); err != nil {
			return err
		}
	}
	if err := t.m.mgr.Set(ev.Model, ev.To); err != nil {
		return t.stepError(ev.Actor, ev.Model, "set state", err)
	}
	return nil
}

func (t *Transition[M, T, A, I]) runEffect(ctx context.Context, e *effect[M, T, A, I], ev *Event[M, T, A, I]) (err error) {
	defer func() {
		if v := recover(); v != nil {
			se := t.stepError(ev.Actor, ev.Model, e.title, fmt.Errorf("panic: %v", v))
			se.Panic = v
			err = se
		}
	}()
	if err := e.fn(ctx, ev); err != nil {
		return t.stepError(ev.Actor, ev.Model, e.title, err)
	}
	return nil
}

// stepError reports that step failed with err. An error from an observer
// that is already a *StepError without a transition (a panic caught by
// observe) is completed; any other error, including a *StepError of
// another transition fired from inside an effect, is wrapped, so that the
// error names this step and keeps the inner one.
func (t *Transition[M, T, A, I]) stepError(actor A, model *M, step string, err error) *StepError {
	if se, ok := err.(*StepError); ok && se.Machine == "" {
		se.Machine, se.Transition, se.Object, se.Actor = t.m.String(), t.name, t.m.object(model), actorName(actor)
		return se
	}
	return &StepError{Machine: t.m.String(), Transition: t.name, Object: t.m.object(model), Actor: actorName(actor), Step: step, Err: err}
}

// catch runs f and returns what it panicked with, if it did.
func catch(f func()) (p any) {
	defer func() { p = recover() }()
	f()
	return nil
}

// notify hands r to the observers, then to those in ctx; the first error
// or panic stops it.
func notify(ctx context.Context, obs []Observer, r Record) error {
	for _, o := range obs {
		if err := observe(ctx, o, r); err != nil {
			return err
		}
	}
	if extra, ok := ctx.Value(observersKey{}).([]Observer); ok {
		for _, o := range extra {
			if err := observe(ctx, o, r); err != nil {
				return err
			}
		}
	}
	return nil
}

func observe(ctx context.Context, o Observer, r Record) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &StepError{Step: "observe", Panic: v, Err: fmt.Errorf("observer panicked: %v", v)}
		}
	}()
	return o(ctx, r)
}

type observersKey struct{}

// WithObservers returns a context whose transitions are also handed to
// obs, after the machine's own observers: for a request's audit log, or a
// test that records events.
func WithObservers(ctx context.Context, obs ...Observer) context.Context {
	if prev, ok := ctx.Value(observersKey{}).([]Observer); ok {
		obs = append(append([]Observer(nil), prev...), obs...)
	}
	return context.WithValue(ctx, observersKey{}, obs)
}
