package transition

import (
	"fmt"
	"slices"
	"time"

	"github.com/statecraft/statecraft/internal/callsite"
	"github.com/statecraft/statecraft/internal/graph"
	"github.com/statecraft/statecraft/internal/stateinfo"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// Sources are the states a rule starts from, made by [From]. Complete the
// rule with To or Stay.
type Sources[T comparable] struct {
	sources []state.Source[T]
	pos     string
}

// From starts a rule: the transition is available when the model is in
// one of sources: a state or a group of the field's Type (use the Type's
// Any group for "any state", Except for "any state but"), or a conditional
// state or conditional group of the field's Manager, which the model must
// match as well:
//
//	transition.From(Draft, Withdrawn).To(Published)
//	transition.From(Recallable).To(Draft) // withdrawn, or published and starting in the future
func From[T comparable](sources ...state.Source[T]) Sources[T] {
	return Sources[T]{sources: sources, pos: callsite.Pos(0)}
}

// To completes the rule with its target state. Give several targets when
// the target depends on the input or the model, such as approve or reject;
// the transition then needs a Choose function, and may only move to one of
// the targets declared here.
func (s Sources[T]) To(target state.State[T], more ...state.State[T]) Rule[T] {
	return newRule(s, append([]state.State[T]{target}, more...), false)
}

// Stay completes the rule with no state change: the transition is an
// action allowed only in the source states, such as editing a draft.
func (s Sources[T]) Stay() Rule[T] {
	return newRule(s, nil, true)
}

// newRule makes the rule from s, sorting its sources into plain sets and
// conditional ones.
func newRule[T comparable](s Sources[T], targets []state.State[T], stay bool) Rule[T] {
	r := Rule[T]{sources: s.sources, targets: targets, stay: stay, pos: s.pos}
	for _, src := range s.sources {
		if set, ok := src.(state.Set[T]); ok {
			r.sets = append(r.sets, set)
		} else if src != nil {
			r.conds = append(r.conds, src)
		}
	}
	return r
}

// Create returns the rule of a creation transition: from no state (the
// zero State of a new model) to target. A transition with a Create rule
// creates its object: every state field of the model must be in no state,
// and the Store inserts the object rather than saving it. Move the model's
// other state fields to their first states with Also:
//
//	var Open = transition.New[OpenInput](Projects, "open", transition.Create(Draft)).
//		Also(transition.Field(Review, transition.Create(Pending)))
func Create[T comparable](target state.State[T]) Rule[T] {
	return Rule[T]{targets: []state.State[T]{target}, create: true, pos: callsite.Pos(0)}
}

// A Rule says from which states a transition is available and to which
// state it moves. Make one with From(...).To(...), From(...).Stay() or
// Create(...).
type Rule[T comparable] struct {
	sources []state.Source[T] // as given to From
	sets    []state.Set[T]    // the sources that are states and groups
	conds   []state.Source[T] // the conditional ones
	targets []state.State[T]
	refs    []StateRef // the targets as StateRefs, made when the machine is frozen
	// in lists the states of sets, once the machine is frozen (see
	// settle), so that from compares handles rather than asking each set.
	in      []state.State[T]
	settled bool
	stay    bool
	create  bool // from no state
	pos     string
}

// from reports whether s is in one of the rule's states and groups: the
// rule applies from s whatever else the model holds.
func (r *Rule[T]) from(s state.State[T]) bool {
	if r.create {
		return s.IsZero()
	}
	if r.settled {
		return slices.Contains(r.in, s)
	}
	for _, set := range r.sets {
		if set.Contains(s) {
			return true
		}
	}
	return false
}

// settle makes what the rule needs once its Type, of; is frozen: its
// targets as StateRefs (by ref) and the states it applies from.
func (r *Rule[T]) settle(of *state.Type[T], ref func(state.State[T]) StateRef) {
	r.refs = nil
	for _, s := range r.targets {
		r.refs = append(r.refs, ref(s))
	}
	r.in = nil
	for s := range of.States() {
		if r.from(s) {
			r.in = append(r.in, s)
		}
	}
	r.settled = true
}

// mayFrom reports whether the rule may apply from s: from reports it, or s
// is in the base of a conditional source.
func (r *Rule[T]) mayFrom(s state.State[T]) bool {
	if r.from(s) {
		return true
	}
	for _, c := range r.conds {
		if b, ok := c.(interface{ Base() state.Set[T] }); ok && b.Base().Contains(s) {
			return true
		}
	}
	return false
}

// applies reports whether the rule applies to model, whose state is s, at
// time now: s is in one of its states and groups, or the model matches one
// of its conditional sources.
func applies[M any, T comparable](r *Rule[T], model *M, s state.State[T], now time.Time) bool {
	if r.from(s) {
		return true
	}
	for _, c := range r.conds {
		if m, ok := c.(state.Condition[M]); ok && m.Match(model, now) {
			return true
		}
	}
	return false
}

// checkSources panics with a *DeclarationError if a source of r is not a
// state or group of mgr's Type, or a conditional state declared on mgr.
func checkSources[M any, T comparable](r *Rule[T], mgr *state.Manager[M, T], machine, name, pos string) {
	typ := mgr.Type()
	for _, src := range r.sources {
		switch s := src.(type) {
		case nil:
			panic(&DeclarationError{Machine: machine, Transition: name, At: pos, Msg: "a nil state, group or conditional state"})
		case state.Set[T]:
			if s.Type() != typ {
				panic(&DeclarationError{Machine: machine, Transition: name, At: pos, Err: state.ErrForeignState,
					Msg: fmt.Sprintf("%s is a state of %s, not of %s", s.Title(), s.Type().String(), typ.String())})
			}
		default:
			b, based := src.(interface{ Base() state.Set[T] })
			on, _ := stateinfo.ManagerOf(src)
			if _, ok := src.(state.Condition[M]); !ok || !based || b.Base().Type() != typ || on != any(mgr) {
				panic(&DeclarationError{Machine: machine, Transition: name, At: pos, Err: state.ErrForeignState,
					Msg: fmt.Sprintf("%s is a conditional state of another model or field, not of %s", src.Title(), machine)})
			}
		}
	}
}

func (r *Rule[T]) allows(target state.State[T]) bool {
	for _, t := range r.targets {
		if t == target {
			return true
		}
	}
	return false
}

// A FieldMove is another state field of the model that a transition moves
// along with its own (see Transition.Also), such as a project's review
// status going back to Pending when the project is withdrawn. Make one
// with Field.
type FieldMove[M any] interface {
	info() graph.Field
	sourceOK(model *M, now time.Time) bool
	conditional() bool // whether a source is a conditional state, tested at a time
	reason(model *M) Reason
	move(model *M) Move
	set(model *M) error
	write(model *M, to bool) any
	column() string
	freeze()                    // freezes the field's Type
	expr() (sqlexpr.Expr, bool) // its source states as SQL, and whether exactly (see Where)
}

// Field returns the move of the state field mgr binds by rule r, which
// must have one target: from any state in the rule's sources (use the
// Type's Any group for "whatever it is"), or from no state for a Create
// rule, to the target.
//
//	Withdraw.Also(transition.Field(Review, transition.From(ReviewState.Any()).To(Pending)))
//
// Field panics with a *DeclarationError if the rule has no sources, or
// does not have exactly one target.
func Field[M any, T comparable](mgr *state.Manager[M, T], r Rule[T]) FieldMove[M] {
	pos := callsite.Pos(0)
	if mgr == nil {
		panic(&DeclarationError{At: pos, Msg: "Field(nil, ...): a field move needs a state.Manager"})
	}
	if len(r.targets) != 1 {
		panic(&DeclarationError{Machine: mgr.String(), At: pos, Msg: "a field move needs a rule with exactly one target"})
	}
	if !r.create && len(r.sources) == 0 {
		panic(&DeclarationError{Machine: mgr.String(), At: pos, Msg: "a field move's rule has no source states"})
	}
	checkSources(&r, mgr, mgr.String(), "", pos)
	if s := r.targets[0]; s.Type() != mgr.Type() {
		panic(&DeclarationError{Machine: mgr.String(), At: pos, Err: state.ErrForeignState,
			Msg: "a field move's states must be of " + mgr.Type().String()})
	}
	f := &fieldMove[M, T]{mgr: mgr, rule: r, code: "wrong_state." + mgr.Name(), needs: "it must be no state (a new object)"}
	if !r.create {
		f.needs = "it must be " + setTitles(r.sources)
	}
	return f
}

type fieldMove[M any, T comparable] struct {
	mgr   *state.Manager[M, T]
	rule  Rule[T]
	code  string // the reason's Code: "wrong_state.review"
	needs string // "it must be Approved"
}

func (f *fieldMove[M, T]) info() graph.Field {
	return graph.Field{Machine: f.mgr.String(), Column: f.mgr.Name(), Rule: ruleInfo(f.mgr.Type(), f.rule)}
}

func (f *fieldMove[M, T]) sourceOK(model *M, now time.Time) bool {
	return applies(&f.rule, model, f.mgr.Get(model), now)
}

func (f *fieldMove[M, T]) conditional() bool { return len(f.rule.conds) > 0 }

func (f *fieldMove[M, T]) expr() (sqlexpr.Expr, bool) { return rulesExpr(f.mgr, []Rule[T]{f.rule}) }

func (f *fieldMove[M, T]) reason(model *M) Reason {
	return Reason{Err: ErrWrongState, Code: f.code, decl: f.mgr,
		msg: message{kind: msgState, text: f.mgr.Name(), state: f.mgr.Get(model).Title(), needs: f.needs}}
}

func (f *fieldMove[M, T]) move(model *M) Move {
	return Move{Field: f.mgr.Name(), From: stateRef(f.mgr.Get(model)), To: stateRef(f.rule.targets[0])}
}

func (f *fieldMove[M, T]) set(model *M) error { return f.mgr.Set(model, f.rule.targets[0]) }

// write returns the field's value as a database value: the target's if to,
// the current state's otherwise (nil for no state).
func (f *fieldMove[M, T]) write(model *M, to bool) any {
	s := f.mgr.Get(model)
	if to {
		s = f.rule.targets[0]
	}
	if s.IsZero() {
		return nil
	}
	v, _ := s.Value()
	return v
}

func (f *fieldMove[M, T]) column() string { return f.mgr.Name() }

func (f *fieldMove[M, T]) freeze() { f.mgr.Type().Freeze() }
