package transition

import (
	"context"
	"errors"
	"fmt"
	"reflect"
)

// A Validator is an input type that validates itself. Transitions call it
// before their own Validate functions. It may return a FieldError, or
// several joined with errors.Join, to say which fields are wrong.
type Validator interface {
	Validate() error
}

// validate runs the input's own Validate and the transition's validators.
// in points into the event, which is already on the heap, so calling the
// input's Validate method through an interface allocates nothing. A
// validation that panics is a bug, not bad input: it is a step that
// failed (ErrStep).
func (t *Transition[M, T, A, U, I]) validate(ctx context.Context, u U, actor A, model *M, in *I) error {
	var fe []FieldError
	var first error
	n := 0
	run := func(what string, fn func() error) *Error {
		err := guard(fn)
		if pe, ok := err.(*PanicError); ok { // guard returns it unwrapped
			return t.stepError(actor, model, "validate", fmt.Errorf("%s panicked: %w", what, pe))
		}
		if err != nil {
			n++
			first = err
			fe = fieldErrors(fe, err)
		}
		return nil
	}
	if t.ptrInput && isNil(any(*in)) {
		return t.inputError(actor, model, []FieldError{{Code: "required", Message: "is required"}}, nil)
	}
	switch t.self {
	case selfByAddress:
		// *I has the methods of I too, whichever receiver Validate has;
		// in points into the event, so this allocates nothing.
		if se := run("the input's Validate method", any(in).(Validator).Validate); se != nil {
			return se
		}
	case selfByValue:
		// I is a pointer to a type with Validate: call it on what I
		// points to.
		if se := run("the input's Validate method", any(*in).(Validator).Validate); se != nil {
			return se
		}
	}
	for i, fn := range t.validators {
		se := run(fmt.Sprintf("Validate function %d", i+1), func() error { return fn(ctx, u, model, *in) })
		if se != nil {
			return se
		}
	}
	if len(fe) == 0 {
		return nil
	}
	if n > 1 {
		first = nil
	}
	return t.inputError(actor, model, fe, first)
}

// fieldErrors appends the field errors err holds to fe: each FieldError
// in it (errors.Join may join several), with the code "invalid" if it has
// none; any other error becomes a FieldError for the input as a whole.
func fieldErrors(fe []FieldError, err error) []FieldError {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if e != nil {
				fe = fieldErrors(fe, e)
			}
		}
		return fe
	}
	var one FieldError
	if !errors.As(err, &one) {
		one = FieldError{Message: err.Error()}
	}
	if one.Code == "" {
		one.Code = "invalid"
	}
	return append(fe, one)
}

// inputError reports invalid input; cause is the one error a validation
// returned, if there was one.
func (t *Transition[M, T, A, U, I]) inputError(actor A, model *M, fe []FieldError, cause error) *Error {
	e := &Error{Machine: t.m.name, Transition: t.name, Fields: fe, Err: cause, kind: ErrInvalidInput}
	if model != nil {
		e.src = names{object: t.m.object(model), actor: actorName(actor)}
	}
	return e
}

// selfCheck says how an input's own Validate method is reached.
type selfCheck uint8

const (
	selfNone      selfCheck = iota // I has no Validate method
	selfByAddress                  // *I implements Validator (I is a struct, say)
	selfByValue                    // I is a pointer that implements Validator (I is *WithdrawInput)
)

// selfValidating reports how I implements Validator, if it does.
func selfValidating[I any]() selfCheck {
	v := reflect.TypeFor[Validator]()
	t := reflect.TypeFor[I]()
	if reflect.PointerTo(t).Implements(v) {
		return selfByAddress
	}
	if t.Kind() == reflect.Pointer && t.Implements(v) {
		return selfByValue
	}
	return selfNone
}
