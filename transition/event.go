package transition

import (
	"log/slog"
	"time"

	"github.com/statecraft/statecraft/state"
)

// An Event is one transition applied, or being applied, to one object:
// which transition, from and to which state (and the other fields it
// moved), by whom, when, with what input, and, for a step of a causal
// chain, the event that caused it. Fire returns it; hooks receive it.
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
	// Cause is the event whose causal chain this step belongs to; nil
	// for the transition that was asked for.
	Cause Record
	// Aborted is set when a hook or effect stopped the transition with
	// Abort: nothing was changed and no history was written. Result is
	// what Abort was given.
	Aborted bool
	Result  any

	m machineInfo // the machine, for Entry and String
}

// Move is one state field moved by a transition, by value and title.
type Move struct {
	Field    string // the field's column, such as "review"
	From, To StateRef
}

// machineInfo is what an Event needs of its Machine, without its types.
type machineInfo interface {
	String() string
	modelName() string
	typeName() string
	column() string
	identity(model any) any
	objectName(model any) string
}

// A Record is an Event seen without its types, as machine-level hooks and
// audit logs receive it. Type-assert it to the *Event type to reach the
// typed fields.
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
	Also       []Move    // the other fields moved
	Actor      any       // the actor, as given to Fire
	Input      any       // the validated input
	At         time.Time // the unit of work's time
	Created    bool      // whether the transition created the object
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
	en := Entry{
		Machine:    e.m.String(),
		Model:      e.m.modelName(),
		Object:     e.m.identity(e.Model),
		StateType:  e.m.typeName(),
		Transition: e.Name,
		From:       stateRef(e.From),
		To:         stateRef(e.To),
		Also:       e.Also,
		Actor:      e.Actor,
		Input:      e.Input,
		At:         e.At,
		Created:    e.Created,
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
	s := e.m.objectName(e.Model) + ": " + e.Name + " " + e.From.String() + " -> " + e.To.String()
	for _, mv := range e.Also {
		s += ", " + mv.Field + " " + mv.From.Title + " -> " + mv.To.Title
	}
	if e.Aborted {
		s += " (aborted)"
	}
	return s
}

// LogValue logs the event's object, transition, states, actor and time.
func (e *Event[M, T, A, I]) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("object", e.m.objectName(e.Model)),
		slog.String("transition", e.Name),
		slog.String("from", e.From.String()),
		slog.String("to", e.To.String()),
		slog.Any("actor", e.Actor),
		slog.Time("at", e.At),
	}
	for _, mv := range e.Also {
		attrs = append(attrs, slog.String(mv.Field, mv.From.Title+" -> "+mv.To.Title))
	}
	return slog.GroupValue(attrs...)
}

func (e *Event[M, T, A, I]) abortResult() any { return e.Result }
