package transition_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/engine"
	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/transition"
)

// cmpErrors compares the sentinel errors in Reasons by identity.
var cmpErrors = cmp.Options{cmpopts.EquateErrors()}

// errorOf returns the first *transition.Error in err's chain, failing the
// test unless there is one and it was made as kind (ErrBlocked,
// ErrInvalidInput, ErrStep, ErrCanceled, ErrCommit or ErrAfterCommit).
func errorOf(t testing.TB, err error, kind error, msgAndArgs ...any) *transition.Error {
	t.Helper()
	var e *transition.Error
	require.ErrorAs(t, err, &e, msgAndArgs...)
	require.True(t, transition.KindOf(e) == kind, "%v is not of kind %v", e, kind)
	return e
}

// panicOfError returns the value the user code that failed with err
// panicked with, or nil if err holds no panic.
func panicOfError(err error) any {
	var pe *transition.PanicError
	if errors.As(err, &pe) {
		return pe.Value
	}
	return nil
}

// engineMachine is a Machine as package registry runs it.
type engineMachine = engine.Machine[User, transition.Scope[*DB], transition.Store[*DB], transition.Availability,
	*transition.Plan[*DB], func([]byte) []transition.FieldError]

// openRunner returns r as package registry runs it.
func openRunner(t testing.TB, r transition.Runner[User, *DB]) engineMachine {
	t.Helper()
	e, ok := engine.Open(r).(engineMachine)
	require.True(t, ok, "engine.Open(%v) is a %T", r, engine.Open(r))
	return e
}

// reasonCodes returns the codes of reasons, in order.
func reasonCodes(reasons []transition.Reason) []string {
	var cs []string
	for _, r := range reasons {
		cs = append(cs, r.Code)
	}
	return cs
}
