package transition

import (
	"github.com/statecraft/statecraft/internal/callsite"
	"github.com/statecraft/statecraft/state"
)

// Sources are the states a rule starts from, made by [From]. Complete the
// rule with To or Stay.
type Sources[T comparable] struct {
	sets []state.Set[T]
	pos  string
}

// From starts a rule: the transition is available when the model's state
// is in one of sets (states or groups).
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

// A Rule says from which states a transition is available and to which
// state it moves. Make one with From(...).To(...) or From(...).Stay().
type Rule[T comparable] struct {
	sources []state.Set[T]
	targets []state.State[T]
	stay    bool
	pos     string
}

// Sources returns the states and groups the rule starts from.
func (r Rule[T]) Sources() []state.Set[T] { return append([]state.Set[T](nil), r.sources...) }

// Targets returns the states the rule may move to; none for Stay.
func (r Rule[T]) Targets() []state.State[T] { return append([]state.State[T](nil), r.targets...) }

// Stays reports whether the rule keeps the state as it is.
func (r Rule[T]) Stays() bool { return r.stay }

// from reports whether s is one of the rule's sources.
func (r *Rule[T]) from(s state.State[T]) bool {
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
