package transition

import (
	"time"

	"github.com/statecraft/statecraft/state"
)

// An Event is one transition applied, or being applied, to one object:
// which transition, from and to which state (and the other fields it
// moved), by whom, when, with what input, and, for a step of a causal
// chain, the event that caused it. FireEvent returns it; hooks receive it.
//
// Before hooks and effects receive the pending event, before the state is
// set, so they can use its time, actor, input and target.
type Event[M any, T comparable, A any, I any] struct {
	Name     string // the transition's name, such as "publish"
	Model    *M
	From, To state.State[T]
	// Also lists the other state fields of the model the transition
	// moves, with their states before and after (see Transition.Also).
	Also    []Move
	Actor   A
	Input   I
	At      time.Time // the unit of work's time (see Scope.Now)
	Created bool      // whether the transition created the object
	// Cause is the step whose causal chain this one belongs to; nil for
	// the transition that was asked for.
	Cause *Step
	// Aborted is set when a hook or effect stopped the transition with
	// Abort: nothing was changed and no history was written. Result is
	// what Abort was given.
	Aborted bool
	// Replayed is set when the request repeated one already applied under
	// the same idempotency key (see Claimer): nothing was applied again.
	// The event is the first one's, as its history holds it: its time and
	// states; Model is reloaded as stored.
	Replayed bool
	Result   any // what Abort was given, when Aborted

	m machineInfo // the machine, for String
}

// Move is one state field moved by a transition, by value and title.
type Move struct {
	Field string   `json:"field"` // the field's column, such as "review"
	From  StateRef `json:"from"`
	To    StateRef `json:"to"`
}

// machineInfo is what an Event needs of its Machine, without its types.
type machineInfo interface {
	objectName(model any) string
}

// StateRef names a state by value and title: in JSON,
// {"value": "draft", "title": "Draft"}; the value is null for no state.
type StateRef struct {
	Value any    `json:"value"`
	Title string `json:"title"`
}

func stateRef[T comparable](s state.State[T]) StateRef {
	if s.IsZero() {
		return StateRef{Title: s.String()}
	}
	return StateRef{Value: s.Get(), Title: s.Title()}
}

// String describes the event, such as
// "main.Project 7: publish Draft -> Published".
func (e *Event[M, T, A, I]) String() string {
	s := e.m.objectName(e.Model) + ": " + e.Name + " " + e.From.String() + " -> " + e.To.String()
	for _, mv := range e.Also {
		s += ", " + mv.Field + " " + mv.From.Title + " -> " + mv.To.Title
	}
	if e.Aborted {
		s += " (aborted)"
	}
	return s
}
