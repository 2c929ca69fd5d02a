package transition

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors, for use with errors.Is. An *Error matches the sentinel
// of its kind (ErrBlocked, ErrInvalidInput, ErrStep, ErrCanceled,
// ErrCommit or ErrAfterCommit); a blocked one also matches every kind among
// its reasons.
var (
	// ErrBlocked: pre-validation refused the transition. The error is an
	// *Error listing every reason.
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
	// error is an *Error whose Fields say what is wrong with it.
	ErrInvalidInput = errors.New("invalid input")
	// ErrStep: a step of user code failed or panicked (a hook, an effect,
	// a load, a check, a type's own decoding); nothing was changed, or
	// every change was restored. The error is an *Error naming the Step,
	// wrapping the step's error (a *PanicError for a panic).
	ErrStep = errors.New("execution step failed")
	// ErrCanceled: a hook canceled the transition with Cancel. The error
	// is an *Error naming the hook as its Step.
	ErrCanceled = errors.New("transition canceled")
	// ErrCommit: committing the unit of work failed, so the outcome is
	// unknown (the commit may have happened) and no after-commit hook ran.
	// The models were restored: read the objects again to know. The error
	// is an *Error wrapping the store's.
	ErrCommit = errors.New("commit failed, the outcome is unknown")
	// ErrAfterCommit: the transition was committed, but an after-commit
	// hook failed or panicked. The error is an *Error wrapping each hook's
	// error; FireEvent returns the event with it.
	ErrAfterCommit = errors.New("committed, but an after-commit hook failed")
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

// An Error reports a transition that was refused or that failed: which
// transition, of which object, by which actor, what kind of failure it is
// (the sentinel it matches with errors.Is: ErrBlocked, ErrInvalidInput,
// ErrStep, ErrCanceled, ErrCommit or ErrAfterCommit) and its details. Find
// it with errors.As.
//
// Whatever the kind, the models the transition and its causal chain
// touched are as they were before it began, except after ErrAfterCommit,
// which is reported once the transition is committed.
type Error struct {
	Machine    string // such as "main.Project.status"
	Transition string // the transition's name, such as "publish"
	// State is the object's state when the transition was refused
	// (ErrBlocked).
	State StateRef
	// Step names the step of user code that failed (ErrStep) or canceled
	// the transition (ErrCanceled): a hook's or an effect's title; "set
	// state"; "choose the target"; "validate"; "decode" (a type's own
	// decoding panicked); "check the schema" (a schema check panicked);
	// "plan"; "check state", "check allow", "check
	// when" or "check related <name>" (a check panicked); "load <name>"
	// (a related model or a cascade failed to load).
	Step string
	// Reasons lists every reason pre-validation refused the transition
	// (ErrBlocked), for every blocked step of its causal chain.
	Reasons []Reason
	// Fields lists every problem with the input (ErrInvalidInput).
	Fields []FieldError
	// Err is the cause: the error of the user code that failed (a
	// *PanicError for a panic), the store's commit error, or the
	// after-commit hooks' errors joined. Nil for the other kinds.
	Err error

	kind error
	src  errSource
}

// errSource names an Error's object and actor, when they are read.
type errSource interface {
	namer
	objectName() string
}

// names is an errSource of names already known.
type names struct{ object, actor string }

func (n names) objectName() string { return n.object }
func (n names) actorName() string  { return n.actor }

// Object names the object of the transition, such as "main.Project 7";
// "" when the error came from decoding alone.
func (e *Error) Object() string {
	if e.src == nil {
		return ""
	}
	return e.src.objectName()
}

// Actor names the actor: by its String method, or its value for a string
// or number ID, or its type; "no actor" for a nil one. It is "" when the
// error came from decoding alone.
func (e *Error) Actor() string {
	if e.src == nil {
		return ""
	}
	return e.src.actorName()
}

// Error describes the problem in one line, such as
// `transition: main.Project.status "publish" of main.Project 7 (Withdrawn) by bob is blocked: status is Withdrawn; Publish needs Draft`.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("transition: ")
	if e.Machine != "" {
		fmt.Fprintf(&b, "%s %q", e.Machine, e.Transition)
	}
	if o := e.Object(); o != "" {
		if e.Machine != "" {
			b.WriteString(" of ")
		}
		b.WriteString(o)
	}
	if e.kind == ErrBlocked {
		if e.State.Value == nil {
			b.WriteString(" (no state)")
		} else {
			fmt.Fprintf(&b, " (%s)", e.State.Title)
		}
	}
	if a := e.Actor(); a != "" {
		b.WriteString(" by ")
		b.WriteString(a)
	}
	switch e.kind {
	case ErrBlocked:
		b.WriteString(" is blocked: ")
		for i, r := range e.Reasons {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(r.String())
		}
	case ErrInvalidInput:
		b.WriteString(": invalid input: ")
		for i, f := range e.Fields {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(f.Error())
		}
	case ErrStep:
		what := "failed"
		var pe *PanicError
		if errors.As(e.Err, &pe) {
			what = "panicked"
		}
		fmt.Fprintf(&b, ": step %q %s: %v", e.Step, what, e.Err)
	case ErrCanceled:
		fmt.Fprintf(&b, ": canceled by %q: %v", e.Step, e.Err)
	default:
		fmt.Fprintf(&b, ": %v: %v", e.kind, e.Err)
	}
	return b.String()
}

// Is reports whether target is the error's kind or, for a blocked
// transition, the kind of one of its reasons.
func (e *Error) Is(target error) bool {
	if target == e.kind {
		return true
	}
	for _, r := range e.Reasons {
		if r.Err == target {
			return true
		}
	}
	return false
}

// Unwrap returns the cause, Err.
func (e *Error) Unwrap() error { return e.Err }

// errorKinds are the stable codes of the kinds of Error, for JSON.
var errorKinds = map[error]string{
	ErrBlocked:      "blocked",
	ErrInvalidInput: "invalid_input",
	ErrStep:         "step_failed",
	ErrCanceled:     "canceled",
	ErrCommit:       "commit_unknown",
	ErrAfterCommit:  "after_commit_failed",
}

// MarshalJSON writes the error for an API, with stable snake_case keys:
// its kind ("blocked", "invalid_input", "step_failed", "canceled",
// "commit_unknown" or "after_commit_failed"), machine, transition, object,
// actor, state, step, reasons and fields (those that apply), and the
// message.
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Kind       string       `json:"kind"`
		Machine    string       `json:"machine,omitempty"`
		Transition string       `json:"transition,omitempty"`
		Object     string       `json:"object,omitempty"`
		Actor      string       `json:"actor,omitempty"`
		State      *StateRef    `json:"state,omitempty"`
		Step       string       `json:"step,omitempty"`
		Reasons    []Reason     `json:"reasons,omitempty"`
		Fields     []FieldError `json:"fields,omitempty"`
		Message    string       `json:"message"`
	}{errorKinds[e.kind], e.Machine, e.Transition, e.Object(), e.Actor(), e.stateRef(), e.Step, e.Reasons, e.Fields, e.Error()})
}

// stateRef is the error's state for JSON, nil when it has none.
func (e *Error) stateRef() *StateRef {
	if e.kind != ErrBlocked {
		return nil
	}
	return &e.State
}
