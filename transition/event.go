package transition

import (
	"log/slog"
	"time"

	"github.com/statecraft/statecraft/state"
)

// An Event is one applied transition: which object, which transition, from
// and to which state, by whom, when, with what input, and, for a step of a
// causal chain, the event that caused it. Fire returns it; observers
// receive it as a Record.
//
// Effects receive the pending event before the state is set, so they can
// use its time, actor and input.
type Event[M any, T comparable, A any, I any] struct {
	Transition *Transition[M, T, A, I]
	Model      *M
	From, To   state.State[T]
	Actor      A
	Input      I
	At         time.Time
	// Cause is the event whose causal chain this step belongs to; nil
	// for the transition that was asked for.
	Cause Record
}

// A Record is an Event seen without its types, as observers and audit logs
// receive it. Type-assert it to the *Event type to reach the typed fields.
type Record interface {
	// Entry describes the event as plain values.
	Entry() Entry
	// Caused returns the Record of the event that caused this one, or nil.
	Caused() Record
	// Subject returns the model the transition ran on, a *M, as it is now.
	Subject() any
}

// Entry is an event as plain values, ready to log, store or compare.
type Entry struct {
	Machine    string    // the model and column, such as "main.Project.status"
	Model      string    // the model type, such as "main.Project"
	Object     any       // the model's identity (see Machine.Identify), or nil
	StateType  string    // such as "ProjectState"
	Transition string    // such as "publish"
	From, To   StateRef  // the states before and after
	Actor      any       // the actor, as given to Fire
	Input      any       // the validated input
	At         time.Time // from the machine's clock
	Cause      *Entry    // the entry of the causing event, or nil
}

// StateRef names a state by value and title.
type StateRef struct {
	Value any
	Title string
}

func stateRef[T comparable](s state.State[T]) StateRef {
	if s.IsZero() {
		return StateRef{Title: s.String()}
	}
	return StateRef{Value: s.Get(), Title: s.Title()}
}

// Entry describes the event as plain values.
func (e *Event[M, T, A, I]) Entry() Entry {
	m := e.Transition.m
	en := Entry{
		Machine:    m.String(),
		Model:      m.mgr.Model(),
		StateType:  m.mgr.Type().Name(),
		Transition: e.Transition.name,
		From:       stateRef(e.From),
		To:         stateRef(e.To),
		Actor:      e.Actor,
		Input:      e.Input,
		At:         e.At,
	}
	if m.ident != nil {
		en.Object = m.ident(e.Model)
	}
	if e.Cause != nil {
		c := e.Cause.Entry()
		en.Cause = &c
	}
	return en
}

// Subject returns e.Model.
func (e *Event[M, T, A, I]) Subject() any { return e.Model }

// Caused returns the event that caused this one, or nil.
func (e *Event[M, T, A, I]) Caused() Record { return e.Cause }

// String describes the event, such as
// "main.Project 7: publish Draft -> Published".
func (e *Event[M, T, A, I]) String() string {
	return e.Transition.m.object(e.Model) + ": " + e.Transition.name + " " + e.From.String() + " -> " + e.To.String()
}

// LogValue logs the event's object, transition, states, actor and time.
func (e *Event[M, T, A, I]) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("object", e.Transition.m.object(e.Model)),
		slog.String("transition", e.Transition.name),
		slog.String("from", e.From.String()),
		slog.String("to", e.To.String()),
		slog.Any("actor", e.Actor),
		slog.Time("at", e.At),
	)
}
