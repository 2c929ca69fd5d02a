package transition

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/statecraft/statecraft/internal/callsite"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// RelatedCondition is a condition on a model related to M, such as "the
// parent is published", loaded in a unit of work U. Make one with
// [Related]; give it to Transition.WhenRelated.
type RelatedCondition[M, U any] interface {
	// name names the relation, such as "parent".
	name() string
	// String describes the condition, such as "parent: status is Published".
	String() string
	// holds loads the related model through u and tests the condition
	// at time now. When it does not hold, why says so in words; err is the
	// load's own error.
	holds(ctx context.Context, u U, model *M, now time.Time) (ok bool, why string, err error)
	// expr is the condition's SQL form, if it has one (see Where).
	expr() (sqlexpr.Expr, bool)
}

// Related returns the condition that the model related to M by load
// satisfies cond:
//
//	transition.Related("parent", func(ctx context.Context, r *Repo, p *Project) (*Project, error) {
//		return r.Project(ctx, p.ParentID)
//	}, Status.In(Published))
//
// If load returns nil the relation is missing and the condition does not
// hold; use IfAny on the result to let a missing relation pass. An error
// from load is returned by the availability check, not reported as a
// reason. load reads through the unit of work the check runs in; on a
// database, read the related row with a shared lock (FOR SHARE, as
// sqlstore's Table.Select does with sqlstore.ForShare), so that the row
// that allowed the transition cannot change before it commits.
func Related[M, R, U any](name string, load func(ctx context.Context, u U, model *M) (*R, error), cond state.Condition[R]) *Relation[M, R, U] {
	if name == "" || load == nil || cond == nil {
		panic(&DeclarationError{At: callsite.Pos(0), Msg: "Related needs a name, a load function and a condition"})
	}
	return (&Relation[M, R, U]{rel: name, load: load, cond: cond}).described()
}

// Relation is the RelatedCondition made by [Related].
type Relation[M, R, U any] struct {
	rel      string // the relation's name
	load     func(context.Context, U, *M) (*R, error)
	cond     state.Condition[R]
	optional bool
	table    string       // the related model's table (see WithSQL), or ""
	join     sqlexpr.Expr // the join of a row of it to the model's row
	// Words, made once, so that a refusal builds none.
	title, missing, needs string
}

func (r *Relation[M, R, U]) described() *Relation[M, R, U] {
	r.title = r.rel + ": " + r.cond.String()
	if r.optional {
		r.title += " (if any)"
	}
	r.missing = "there is no " + r.rel
	r.needs = "needs " + r.title
	return r
}

// IfAny returns a copy of the condition that also holds when there is no
// related model, such as a project without a parent.
func (r *Relation[M, R, U]) IfAny() *Relation[M, R, U] {
	c := *r
	c.optional = true
	return c.described()
}

func (r *Relation[M, R, U]) name() string { return r.rel }

// String describes the condition, such as "parent: status is Published".
func (r *Relation[M, R, U]) String() string { return r.title }

// holds loads the related model and tests the condition.
func (r *Relation[M, R, U]) holds(ctx context.Context, u U, model *M, now time.Time) (bool, string, error) {
	rel, err := r.load(ctx, u, model)
	if err != nil {
		return false, "", err
	}
	if rel == nil {
		if r.optional {
			return true, "", nil
		}
		return false, r.missing, nil
	}
	if r.cond.Match(rel, now) {
		return true, "", nil
	}
	return false, r.needs, nil
}

// Can reports whether actor may run the transition on model now: the
// model's state (and that of every field it moves), the actor, and the
// conditions on the model and related models all allow it. Related models
// load through sc's unit of work. It stops at the first check that fails
// and, for a transition with no related conditions, allocates nothing. It
// does not plan causal chains; Check does. A nil model, or a check that
// fails or panics, is a no.
func (t *Transition[M, T, A, U, I]) Can(ctx context.Context, sc Scope[U], actor A, model *M) bool {
	t.m.use()
	if model == nil {
		return false
	}
	_, ok, err := t.precheck(ctx, sc.Unit(), t.now(sc), actor, model, t.m.mgr.Get(model), nil)
	return ok && err == nil
}

// Check runs every pre-validation check and returns nil if the transition
// is available, or an *Error matching ErrBlocked with every reason it is
// not. For a
// transition with causal chains it plans the whole chain and reports the
// reasons of every blocked step. It does not validate input, which it is
// not given. Other errors come from user code: an *Error matching ErrStep
// for a related model or cascade that failed to load, or a check that
// panicked.
//
// Without causal chains or related conditions, Check allocates nothing
// when the transition is available and only its error when it is not
// (with room for four reasons; more take one more allocation).
func (t *Transition[M, T, A, U, I]) Check(ctx context.Context, sc Scope[U], actor A, model *M) error {
	t.m.use()
	if model == nil {
		return t.nilModel()
	}
	return t.checkAt(ctx, sc.Unit(), t.now(sc), actor, model)
}

// checkAt is Check in unit of work u at time now, which must be the unit
// of work's time if the transition has causal chains.
func (t *Transition[M, T, A, U, I]) checkAt(ctx context.Context, u U, now time.Time, actor A, model *M) error {
	if len(t.cascades) == 0 {
		_, err := t.prevalidate(ctx, u, now, actor, model, t.m.mgr.Get(model))
		return err
	}
	var in I
	_, err := t.planAt(ctx, u, now, actor, model, in, planCheck, false)
	return err
}

// prevalidate runs every check on model, whose state is cur, once, and
// returns the rule that applies, or the blocked *Error with every reason,
// or an error from user code.
func (t *Transition[M, T, A, U, I]) prevalidate(ctx context.Context, u U, now time.Time, actor A, model *M, cur state.State[T]) (*Rule[T], error) {
	var b *blocked[M, T, A, U, I]
	r, ok, err := t.precheck(ctx, u, now, actor, model, cur, func(check int, why string) {
		if b == nil {
			b = t.newBlocked(actor, model)
		}
		b.add(t.reasonOf(check, why, actor, model, cur))
	})
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &b.err
	}
	return r, nil
}

// now reads sc's clock for the checks, if they have a condition to test at
// it or a causal chain to plan: so that checking a transition without any
// reads no clock.
func (t *Transition[M, T, A, U, I]) now(sc Scope[U]) time.Time {
	if !t.checksTime() {
		return time.Time{}
	}
	return sc.Now()
}

func (t *Transition[M, T, A, U, I]) nilModel() error {
	return fmt.Errorf("transition: %s %q: the model is a nil *%s: %w", t.m, t.name, t.m.modelName(), ErrNilModel)
}

// precheck runs the pre-validation checks on model, whose state is cur,
// and returns the rule that applies to it, if one does. With add nil it
// stops at the first failure; otherwise it runs every check and calls add
// with each failed check's number (see reasonOf) and, for a related
// condition, why it does not hold. Each check runs once. The reasons are
// made by reasonOf, their words when they are read.
func (t *Transition[M, T, A, U, I]) precheck(ctx context.Context, u U, now time.Time, actor A, model *M, cur state.State[T], add func(check int, why string)) (r *Rule[T], _ bool, err error) {
	check, related := "state", 0
	defer func() {
		if v := recover(); v != nil {
			if check == "related" {
				check += " " + t.related[related].name()
			}
			err = t.stepError(actor, model, "check "+check, panicked(v))
		}
	}()
	ok := true
	if r = t.rule(model, cur, now); r == nil {
		if add == nil {
			return nil, false, nil
		}
		ok = false
		add(checkState, "")
	}
	for j, mv := range t.also {
		if !mv.sourceOK(model, now) {
			if add == nil {
				return r, false, nil
			}
			ok = false
			add(checkState+1+j, "")
		}
	}
	check = "allow"
	if !t.allowed(ctx, actor, model) {
		if add == nil {
			return r, false, nil
		}
		ok = false
		if t.m.nilable && isNil(any(actor)) {
			add(t.checkAllow()+1, "")
		} else {
			add(t.checkAllow(), "")
		}
	}
	check = "when"
	for i, c := range t.when {
		if !c.Match(model, now) {
			if add == nil {
				return r, false, nil
			}
			ok = false
			add(t.checkAllow()+2+i, "")
		}
	}
	for i, rel := range t.related {
		check, related = "related", i
		holds, why, err := rel.holds(ctx, u, model, now)
		if err != nil {
			return r, false, t.stepError(actor, model, "load "+rel.name(), err)
		}
		if !holds {
			if add == nil {
				return r, false, nil
			}
			ok = false
			add(t.checkAllow()+2+len(t.when)+i, why)
		}
	}
	return r, ok, nil
}

// The checks of a transition are numbered in the order they run: its
// state rules (checkState), each other field it moves, who may run it
// (checkAllow, and the one after it for no actor), each When condition
// and each related condition.
const checkState = 0

// checkAllow is the number of the check of who may run the transition.
func (t *Transition[M, T, A, U, I]) checkAllow() int { return checkState + 1 + len(t.also) }

// reasonOf is the reason check (see checkState) failed on model, whose
// state is cur, for actor; why says why a related condition does not
// hold.
func (t *Transition[M, T, A, U, I]) reasonOf(check int, why string, actor A, model *M, cur state.State[T]) Reason {
	allow := t.checkAllow()
	if check == checkState {
		return Reason{Err: ErrWrongState, Code: t.stateCode, decl: t.m.mgr, msg: message{kind: msgState, text: t.m.mgr.Name(), state: cur.Title(), needs: t.needs}}
	}
	if check < allow {
		return t.also[check-checkState-1].reason(model)
	}
	if check == allow {
		return t.forbidden(false)
	}
	if check == allow+1 {
		return t.forbidden(true)
	}
	if check < allow+2+len(t.when) {
		i := check - allow - 2
		return Reason{Err: ErrUnmet, Code: t.whenCodes[i], decl: t.when[i], msg: message{text: t.whenNeeds[i]}}
	}
	rel := t.related[check-allow-2-len(t.when)]
	return Reason{Err: ErrUnmet, Code: "related." + rel.name(), decl: rel, msg: message{text: why}}
}

// allowed reports whether actor may run the transition on model. No actor
// (a nil pointer, interface, map, slice or function) may run any
// transition, not even one declared with AllowAnyone.
func (t *Transition[M, T, A, U, I]) allowed(ctx context.Context, actor A, model *M) bool {
	if t.m.nilable && isNil(any(actor)) {
		return false
	}
	if t.anyone {
		return true
	}
	for _, g := range t.allow {
		if g.fn(ctx, actor, model) {
			return true
		}
	}
	return false
}

// forbidden is the reason an actor may not run the transition; noActor
// says the actor is nil.
func (t *Transition[M, T, A, U, I]) forbidden(noActor bool) Reason {
	r := Reason{Err: ErrForbidden, Code: t.forbidCode, decl: t}
	switch {
	case noActor:
		r.Code, r.msg = "forbidden.no_actor", message{text: t.noActor}
	case len(t.allow) == 0 && !t.anyone:
		r.msg = message{text: "no actor may " + t.title + " (it declares no Allow)"}
	default:
		r.msg = message{kind: msgForbidden, action: t.title, only: t.only}
	}
	return r
}

// allows reports whether name was given to Allow, for Reason.Of.
func (t *Transition[M, T, A, U, I]) allows(name string) bool {
	for _, g := range t.allow {
		if g.title == name {
			return true
		}
	}
	return false
}

// inputReason is the reason a cascaded step is blocked by invalid input.
func (t *Transition[M, T, A, U, I]) inputReason(fe []FieldError, object string) Reason {
	parts := make([]string, len(fe))
	for i, f := range fe {
		parts[i] = f.Error()
	}
	return Reason{Err: ErrInvalidInput, Code: "invalid_input." + t.name, decl: t, Object: object,
		msg: message{text: t.title + " has invalid input: " + strings.Join(parts, "; ")}}
}

// conditionName names condition c, the i-th given to When, for reason
// codes: by its Name method (a state.Conditional's, or a Manager.In
// condition's), or by its position if it has none.
func conditionName[M any](c state.Condition[M], i int) string {
	if n, ok := c.(interface{ Name() string }); ok && n.Name() != "" {
		return n.Name()
	}
	return fmt.Sprintf("condition_%d", i+1)
}

// describe makes the words of the transition's refusals, once, as it is
// declared, so that a refusal builds none.
func (t *Transition[M, T, A, U, I]) describe() {
	t.stateCode = "wrong_state." + t.m.mgr.Name()
	if t.creates {
		t.needs = t.title + " creates a new object, which holds no state"
	} else {
		var from []state.Source[T]
		for _, r := range t.rules {
			from = append(from, r.sources...)
		}
		t.needs = t.title + " needs " + setTitles(from)
	}
	names := make([]string, len(t.allow))
	for i, g := range t.allow {
		names[i] = g.title
	}
	t.only = strings.Join(names, " or ")
	t.forbidCode = "forbidden." + strings.Join(names, "_or_")
	who := t.only
	switch {
	case t.anyone:
		who = "any actor"
	case len(t.allow) == 0:
		t.only, who = "no one", "no one"
		t.forbidCode = "forbidden.no_one"
	}
	t.noActor = "there is no actor (it is nil); " + t.title + " may be run by " + who
}

// actorName names an actor in messages: "no actor" if it is nil; by its
// String method if it has one; by value if it is a string or a number (an
// ID), of a named type or not; and otherwise by its type only, so that a
// struct's fields do not end up in error messages and logs. Give the actor
// type a String method to name it well. A String method that panics is
// named as such rather than let the panic escape.
func actorName[A any](actor A) string { return actorNameOf(&actor) }

// actorNameOf is actorName for the actor p points to: given a pointer into
// a value already on the heap, it allocates nothing for an actor with a
// String method that does not.
func actorNameOf[A any](p *A) (name string) {
	if isNil(any(*p)) {
		return "no actor"
	}
	defer func() {
		if r := recover(); r != nil {
			name = fmt.Sprintf("a %T (its String method panicked: %s)", *p, clip(fmt.Sprint(r), maxEcho))
		}
	}()
	switch a := any(p).(type) {
	case fmt.Stringer: // A or *A has the method
		return a.String()
	case *string:
		return *a
	}
	if k := reflect.TypeFor[A]().Kind(); k == reflect.Pointer || k == reflect.Interface {
		if a, ok := any(*p).(fmt.Stringer); ok { // boxing a pointer allocates nothing
			return a.String()
		}
	}
	rv := reflect.ValueOf(p).Elem()
	switch rv.Kind() {
	case reflect.String:
		return rv.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return fmt.Sprint(rv.Interface())
	}
	return fmt.Sprintf("a %T", *p)
}

// isNil reports whether v is nil, or holds a nil pointer, map, slice,
// function, channel or interface.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.UnsafePointer, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// nilable reports whether values of type t can be nil.
func nilable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.UnsafePointer, reflect.Interface:
		return true
	}
	return false
}

// setTitles joins the titles of sets with "or".
func setTitles[T comparable](sets []state.Source[T]) string {
	titles := make([]string, len(sets))
	for i, s := range sets {
		titles[i] = s.Title()
	}
	return strings.Join(titles, " or ")
}

// Availability says whether the transition is available to actor on
// model, with every reason it is not, and what input it needs.
//
// Its Reasons, Targets and Required are shared with other availabilities
// of the transition: read them, do not modify them. For a transition
// without causal chains, related conditions or other fields to move, it
// allocates nothing once each list of reasons it gives has been given
// before.
func (t *Transition[M, T, A, U, I]) Availability(ctx context.Context, sc Scope[U], actor A, model *M) (Availability, error) {
	var av Availability
	err := t.availability(ctx, &av, sc, actor, model)
	return av, err
}

// availability fills in av, the transition's Availability.
func (t *Transition[M, T, A, U, I]) availability(ctx context.Context, av *Availability, sc Scope[U], actor A, model *M) error {
	t.m.use()
	*av = Availability{Name: t.name, Title: t.title, NeedsInput: t.input != nil, Required: t.required}
	if model == nil {
		return t.nilModel()
	}
	now := t.now(sc) // read once: the check and the targets see one time
	reasons, r, err := t.availabilityReasons(ctx, sc.Unit(), now, actor, model, t.m.mgr.Get(model))
	if err != nil {
		return err
	}
	av.Reasons, av.Available = reasons, len(reasons) == 0
	if r != nil {
		av.Targets, av.Stays = r.refs, r.stay
	}
	return nil
}

// availabilityReasons runs every check, and plans the causal chain if
// there is one, and returns every reason the transition is not available,
// or an error from user code, and the rule that applies to model, whose
// state is cur. The reasons name no actor (see Reason.Message); those of
// its own checks come from t.reasons.
func (t *Transition[M, T, A, U, I]) availabilityReasons(ctx context.Context, u U, now time.Time, actor A, model *M, cur state.State[T]) ([]Reason, *Rule[T], error) {
	if len(t.cascades) > 0 || !t.cacheable {
		err := t.checkAt(ctx, u, now, actor, model)
		if b, ok := err.(*Error); ok && b.kind == ErrBlocked {
			for i := range b.Reasons {
				b.Reasons[i].msg.who = nil // the reasons are the error's own
			}
			return b.Reasons, t.rule(model, cur, now), nil
		}
		if err != nil {
			return nil, nil, err
		}
		return nil, t.rule(model, cur, now), nil
	}
	var failed uint64
	r, ok, err := t.precheck(ctx, u, now, actor, model, cur, func(check int, _ string) { failed |= 1 << check })
	if err != nil || ok {
		return nil, r, err
	}
	return t.reasons.of(cur, failed, func() []Reason {
		var rs []Reason
		for check := range 64 {
			if failed&(1<<check) != 0 {
				rs = append(rs, t.reasonOf(check, "", actor, model, cur))
			}
		}
		return rs
	}), r, nil
}

// Availability describes one transition for one actor and model, so that a
// UI can draw its button, why it is disabled, and its form. Its JSON form
// has stable snake_case keys, and states as {"value", "title"}.
type Availability struct {
	Name       string     `json:"name"`              // the transition's name, such as "publish"
	Title      string     `json:"title"`             // its human title
	Available  bool       `json:"available"`         // whether it can run now
	Reasons    []Reason   `json:"reasons,omitempty"` // every reason it cannot, when it cannot
	Targets    []StateRef `json:"targets,omitempty"` // the states it would move to from the current state
	Stays      bool       `json:"stays,omitzero"`    // whether it keeps the current state
	NeedsInput bool       `json:"needs_input"`       // whether it takes input, so a UI must show a form
	// Required lists the input's required fields by JSON name, which the
	// actor must supply.
	Required []string `json:"required,omitempty"`
	// Schema is the input's JSON Schema, when the registry was given
	// Options.Schemas.
	Schema json.RawMessage `json:"schema,omitempty"`
}
