package transition

import (
	"errors"
	"fmt"
	"strings"

	"github.com/statecraft/statecraft/state"
)

// Sentinel errors, for use with errors.Is. A *BlockedError matches every
// sentinel among its reasons, as well as ErrBlocked.
var (
	// ErrBlocked: pre-validation refused the transition. The error is a
	// *BlockedError listing every reason.
	ErrBlocked = errors.New("transition blocked")
	// ErrWrongState: the transition is not available from the model's
	// current state.
	ErrWrongState = errors.New("not available from the current state")
	// ErrForbidden: the actor may not run the transition.
	ErrForbidden = errors.New("actor not allowed")
	// ErrUnmet: a condition on the model, or on a related model, does not
	// hold.
	ErrUnmet = errors.New("condition not met")
	// ErrInvalidInput: the input was malformed or failed validation. The
	// error is an *InputError with field-level errors.
	ErrInvalidInput = errors.New("invalid input")
	// ErrStep: a step of user code failed or panicked (a hook, an effect,
	// a load, a check, a type's own decoding); nothing was changed, or
	// every change was restored. The error is a *StepError.
	ErrStep = errors.New("execution step failed")
	// ErrCycle: a causal chain reached an object again below itself (a
	// loop in the data), or grew deeper than MaxChainDepth.
	ErrCycle = errors.New("causal chain loops")
	// ErrDefinition: a transition's declaration is incomplete in a way
	// that is found when it runs, such as several possible targets and no
	// Choose function. Registry checks report these at start-up.
	ErrDefinition = errors.New("incomplete definition")
	// ErrNotFound: no transition has the name asked for.
	ErrNotFound = errors.New("no such transition")
	// ErrNilModel: a transition was asked of a nil model pointer.
	ErrNilModel = errors.New("nil model")
	// ErrFrozen: a declaration came after its machine was first used or
	// registered. It is state.ErrFrozen, which a Type declared after its
	// machine's first use reports too.
	ErrFrozen = state.ErrFrozen
)

// A DeclarationError reports a transition or machine that cannot be
// declared. The declaring functions panic with it.
type DeclarationError struct {
	Machine    string // the machine, such as "main.Project.status"
	Transition string // the transition's name, if it has one yet
	At         string // file:line of the declaration
	Msg        string
	Err        error // a state package error, or nil
}

// Error describes the problem in one line.
func (e *DeclarationError) Error() string {
	var b strings.Builder
	b.WriteString("transition: ")
	if e.Machine != "" {
		b.WriteString(e.Machine)
		b.WriteString(": ")
	}
	if e.Transition != "" {
		fmt.Fprintf(&b, "%q: ", e.Transition)
	}
	b.WriteString(e.Msg)
	if e.At != "" {
		b.WriteString(" (declared at ")
		b.WriteString(e.At)
		b.WriteByte(')')
	}
	return b.String()
}

// Unwrap returns the underlying sentinel or cause, for errors.Is and errors.As.
func (e *DeclarationError) Unwrap() error { return e.Err }

// A FieldError is a problem with one field of a transition's input, for a
// form to show next to that field.
//
// Field is a JSON Pointer (RFC 6901) to the field, such as "/address/city"
// or "/items/0"; it is empty for a problem with the input as a whole.
//
// Code says what kind of problem it is, for programs: "required" (a
// required field is missing), "unknown" (a field the input does not have),
// "type" (a value of the wrong JSON type or form, such as a bad date),
// "syntax" (the payload is not JSON), "too_many" (decoding stopped after
// too many problems), "invalid" (a Validate function rejected the input
// without a code of its own), the snake_case name of a JSON Schema keyword
// the value breaks (such as "min_length" or "pattern", when the registry
// is given schemas), or a code of the input's own, set by its Validate
// method or a transition's Validate function.
//
// Message says it in words a person can read, without the field's name.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error describes the problem in one line.
func (e FieldError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// FieldErrors is a list of field errors. Validate functions may return one
// (or a single FieldError) to say which fields are wrong; any other error
// becomes a FieldError for the input as a whole.
type FieldErrors []FieldError

// Error describes the problem in one line.
func (fe FieldErrors) Error() string {
	parts := make([]string, len(fe))
	for i, e := range fe {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// An InputError reports input that could not be decoded or failed
// validation. It matches ErrInvalidInput. For the transition asked for,
// Fire returns it; for a cascaded step, whose input is the zero value, the
// failure is a Reason (with Err ErrInvalidInput) of a *BlockedError.
type InputError struct {
	Machine    string
	Transition string
	Object     string // the object, when known (not from Decode alone)
	Actor      string // the actor, when known, named as in BlockedError
	Fields     FieldErrors
	Err        error // the decoding or validation error, if it was a single one
}

// Error describes the problem in one line.
func (e *InputError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "transition: %s %q", e.Machine, e.Transition)
	if e.Object != "" {
		fmt.Fprintf(&b, " of %s", e.Object)
	}
	if e.Actor != "" {
		fmt.Fprintf(&b, " by %s", e.Actor)
	}
	b.WriteString(": invalid input: ")
	b.WriteString(e.Fields.Error())
	return b.String()
}

// Is reports whether target is ErrInvalidInput.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

// Unwrap returns the underlying sentinel or cause, for errors.Is and errors.As.
func (e *InputError) Unwrap() error { return e.Err }

// A StepError reports a step of user code that failed or panicked: a
// hook or an effect, a Choose function, a pre-validation check (an Allow
// function, a condition, a related load) that panicked, or a type's own
// decoding that panicked. The models the transition (or its causal chain)
// had changed are restored to what they were before it began. A panic's
// value is in Panic, and its stack in the *PanicError that Err wraps.
type StepError struct {
	Machine    string
	Transition string
	Object     string // the object the step ran on
	Actor      string // the actor, named as in BlockedError
	// Step names the step: a hook's or an effect's title; "set state";
	// "choose the target"; "validate" (a validation that panicked);
	// "decode" (a type's own decoding that panicked); "plan" (planning a
	// chain panicked); "check state", "check allow", "check when" or
	// "check related <name>" (a check that panicked); "load <name>" (a
	// related model or cascade that failed to load).
	Step  string
	Panic any   // the panic value, if the step panicked
	Err   error // the step's error, or an error describing the panic
}

// Error describes the problem in one line.
func (e *StepError) Error() string {
	what := "failed"
	if e.Panic != nil {
		what = "panicked"
	}
	var b strings.Builder
	b.WriteString("transition: ")
	if e.Machine != "" {
		fmt.Fprintf(&b, "%s %q of ", e.Machine, e.Transition)
	}
	b.WriteString(e.Object)
	if e.Actor != "" {
		b.WriteString(" by ")
		b.WriteString(e.Actor)
	}
	fmt.Fprintf(&b, ": step %q %s: %v", e.Step, what, e.Err)
	return b.String()
}

// Is reports whether target is ErrStep.
func (e *StepError) Is(target error) bool { return target == ErrStep }

// Unwrap returns the underlying sentinel or cause, for errors.Is and errors.As.
func (e *StepError) Unwrap() error { return e.Err }
