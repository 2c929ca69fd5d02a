package transition

import (
	"reflect"

	"github.com/statecraft/statecraft/internal/graph"
	"github.com/statecraft/statecraft/state"
)

// What the package's external tests inspect of declarations that are no
// longer exported.

// InfoOf describes t's declaration.
func InfoOf[M any, T comparable, A, U, I any](t *Transition[M, T, A, U, I]) graph.Transition {
	return t.info()
}

// GraphOf describes m.
func GraphOf[M any, T comparable, A, U any](m *Machine[M, T, A, U]) graph.Graph { return m.graph() }

// InitialStatesOf returns the states new models of m start in.
func InitialStatesOf[M any, T comparable, A, U any](m *Machine[M, T, A, U]) []state.State[T] {
	return m.initialStates()
}

// InputOf returns t's input type, nil for NoInput.
func InputOf[M any, T comparable, A, U, I any](t *Transition[M, T, A, U, I]) reflect.Type {
	return t.inputType()
}

// MachineOf returns the machine t belongs to.
func MachineOf[M any, T comparable, A, U, I any](t *Transition[M, T, A, U, I]) *Machine[M, T, A, U] {
	return t.m
}

// KindOf returns e's kind: the one sentinel it was made as (ErrBlocked,
// ErrInvalidInput, ErrStep, ErrCanceled, ErrCommit or ErrAfterCommit),
// which errors.Is alone cannot tell from the kinds of its reasons or of
// the errors it wraps.
func KindOf(e *Error) error { return e.kind }

// NewError makes an *Error of kind from e, naming object and actor when
// either is set, as the package makes them: for testing how an Error
// reads when it knows more or less.
func NewError(kind error, e Error, object, actor string) *Error {
	e.kind = kind
	if object != "" || actor != "" {
		e.src = names{object: object, actor: actor}
	}
	return &e
}

// ReasonListsOf returns how many lists of reasons t keeps for its
// availabilities.
func ReasonListsOf[M any, T comparable, A, U, I any](t *Transition[M, T, A, U, I]) int {
	if p := t.reasons.lists.Load(); p != nil {
		return len(*p)
	}
	return 0
}
