package transition

import (
	"context"
	"errors"
	"fmt"
	"reflect"
)

// A Validator is an input type that validates itself. Transitions call it
// before their own Validate functions. It may return a FieldError or
// FieldErrors to say which fields are wrong.
type Validator interface {
	Validate() error
}

// validate runs the input's own Validate and the transition's validators.
// in points into the event, which is already on the heap, so calling the
// input's Validate method through an interface allocates nothing. A
// validation that panics is a bug, not bad input: it is a *StepError.
func (t *Transition[M, T, A, U, I]) validate(ctx context.Context, u U, actor A, model *M, in *I) error {
	var fe FieldErrors
	var first error
	add := func(err error) {
		if err == nil {
			return
		}
		if first == nil {
			first = err
		}
		var many FieldErrors
		var one FieldError
		switch {
		case errors.As(err, &many):
			fe = append(fe, many...)
		case errors.As(err, &one):
			fe = append(fe, one)
		default:
			fe = append(fe, FieldError{Message: err.Error()})
		}
	}
	run := func(what string, fn func() error) *StepError {
		err := guard(fn)
		if pe, ok := err.(*PanicError); ok { // guard returns it unwrapped
			return t.stepError(actor, model, "validate", fmt.Errorf("%s panicked: %w", what, pe))
		}
		add(err)
		return nil
	}
	if t.ptrInput && isNil(any(*in)) {
		return &InputError{Machine: t.m.String(), Transition: t.name, Object: t.m.object(model), Actor: actorName(actor),
			Fields: FieldErrors{{Message: "is required"}}}
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
		if se := run(fmt.Sprintf("Validate function %d", i+1), func() error { return fn(ctx, u, model, *in) }); se != nil {
			return se
		}
	}
	if len(fe) == 0 {
		return nil
	}
	ie := &InputError{Machine: t.m.String(), Transition: t.name, Object: t.m.object(model), Actor: actorName(actor), Fields: fe}
	if len(fe) == 1 {
		ie.Err = first
	}
	return ie
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
	switch t := reflect.TypeFor[I](); {
	case reflect.PointerTo(t).Implements(v):
		return selfByAddress
	case t.Kind() == reflect.Pointer && t.Implements(v):
		return selfByValue
	}
	return selfNone
}
