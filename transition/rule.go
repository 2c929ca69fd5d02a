package transition

import (
	"github.com/statecraft/statecraft/internal/callsite"
	"github.com/statecraft/statecraft/internal/graph"
	"github.com/statecraft/statecraft/state"
)

// Sources are the states a rule starts from, made by [From]. Complete the
// rule with To or Stay.
type Sources[T comparable] struct {
	sets []state.Set[T]
	pos  string
}

// From starts a rule: the transition is available when the model's state
// is in one of sets (states or groups). Use the Type's Any group for "any
// state".
//
//	transition.From(Draft, Withdrawn).To(Published)
func From[T comparable](sets ...state.Set[T]) Sources[T] {
	return Sources[T]{sets: sets, pos: callsite.Pos(0)}
}

// To completes the rule with its target state. Give several targets when
// the target depends on the input or the model, such as approve or reject;
// the transition then needs a Choose function, and may only move to one of
// the targets declared here.
func (s Sources[T]) To(target state.State[T], more ...state.State[T]) Rule[T] {
	return Rule[T]{sources: s.sets, targets: append([]state.State[T]{target}, more...), pos: s.pos}
}

// Stay completes the rule with no state change: the transition is an
// action allowed only in the source states, such as editing a draft.
func (s Sources[T]) Stay() Rule[T] {
	return Rule[T]{sources: s.sets, stay: true, pos: s.pos}
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
	sources []state.Set[T]
	targets []state.State[T]
	stay    bool
	create  bool // from no state
	pos     string
}

// Sources returns the states and groups the rule starts from; none for a
// Create rule.
func (r Rule[T]) Sources() []state.Set[T] { return append([]state.Set[T](nil), r.sources...) }

// Targets returns the states the rule may move to; none for Stay.
func (r Rule[T]) Targets() []state.State[T] { return append([]state.State[T](nil), r.targets...) }

// Stays reports whether the rule keeps the state as it is.
func (r Rule[T]) Stays() bool { return r.stay }

// Creates reports whether the rule starts from no state (see Create).
func (r Rule[T]) Creates() bool { return r.create }

// from reports whether s is one of the rule's sources.
func (r *Rule[T]) from(s state.State[T]) bool {
	if r.create {
		return s.IsZero()
	}
	for _, set := range r.sources {
		if set.Contains(s) {
			return true
		}
	}
	return false
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
	sourceOK(model *M) bool
	reason(model *M) Reason
	move(model *M) Move
	set(model *M) error
	write(model *M, to bool) any
	column() string
	freeze() // freezes the field's Type
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
	switch {
	case mgr == nil:
		panic(&DeclarationError{At: pos, Msg: "Field(nil, ...): a field move needs a state.Manager"})
	case len(r.targets) != 1:
		panic(&DeclarationError{Machine: mgr.String(), At: pos, Msg: "a field move needs a rule with exactly one target"})
	case !r.create && len(r.sources) == 0:
		panic(&DeclarationError{Machine: mgr.String(), At: pos, Msg: "a field move's rule has no source states"})
	}
	for _, s := range append(append([]state.Set[T](nil), r.sources...), r.targets[0]) {
		if s == nil || s.Type() != mgr.Type() {
			panic(&DeclarationError{Machine: mgr.String(), At: pos, Err: state.ErrForeignState,
				Msg: "a field move's states must be of " + mgr.Type().Name()})
		}
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

func (f *fieldMove[M, T]) sourceOK(model *M) bool { return f.rule.from(f.mgr.Get(model)) }

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
