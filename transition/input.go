package transition

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// A Validator is an input type that validates itself. Transitions call it
// before their own Validate functions. It may return a FieldError or
// FieldErrors to say which fields are wrong.
type Validator interface {
	Validate() error
}

// inputType returns I's type, nil for NoInput, and the JSON names of its
// required fields: those whose json tag has neither omitempty nor
// omitzero, or whose jsonschema tag says required, the same rule JSON
// Schema generators follow.
func inputType[I any]() (reflect.Type, []string) {
	t := reflect.TypeFor[I]()
	if t == reflect.TypeFor[NoInput]() {
		return nil, nil
	}
	var req []string
	if t.Kind() == reflect.Struct {
		for _, f := range jsonFields(t) {
			if f.required {
				req = append(req, f.name)
			}
		}
	}
	return t, req
}

type jsonField struct {
	name     string
	required bool
}

// jsonFields lists the JSON object keys of struct type t, following
// encoding/json's rules for names, "-" and embedded structs.
func jsonFields(t reflect.Type) []jsonField {
	var fs []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" && opts == "" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				fs = append(fs, jsonFields(ft)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		schema := strings.Split(f.Tag.Get("jsonschema"), ",")
		if schema[0] == "-" {
			continue
		}
		optional := slices.Contains(strings.Split(opts, ","), "omitempty") || slices.Contains(strings.Split(opts, ","), "omitzero")
		fs = append(fs, jsonField{name: name, required: !optional || slices.Contains(schema, "required")})
	}
	return fs
}

// Input returns the transition's input type, or nil if it takes NoInput.
func (t *Transition[M, T, A, I]) Input() reflect.Type { return t.input }

// Decode decodes a JSON payload into the transition's input, strictly:
// unknown fields, values of the wrong type, missing required fields and
// trailing data are errors. The error is an *InputError with one
// FieldError per problem, every problem rather than the first, for a form to
// show. An empty payload or null decodes as {}.
func (t *Transition[M, T, A, I]) Decode(payload []byte) (I, error) {
	in, fields := decodeInput[I](payload, t.input, t.required)
	if len(fields) > 0 {
		var zero I
		return zero, &InputError{Machine: t.m.String(), Transition: t.name, Fields: fields}
	}
	return in, nil
}

func decodeInput[I any](payload []byte, typ reflect.Type, required []string) (I, FieldErrors) {
	var in I
	payload = bytes.TrimSpace(payload)
	if len(payload) == 0 || string(payload) == "null" {
		payload = []byte("{}")
	}
	isStruct := typ == nil || typ.Kind() == reflect.Struct
	if !isStruct {
		if err := strictUnmarshal(payload, &in); err != nil {
			return in, FieldErrors{fieldError(err)}
		}
		return in, nil
	}

	var obj map[string]json.RawMessage
	if err := json.Unmarshal(payload, &obj); err != nil || obj == nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return in, FieldErrors{{Message: fmt.Sprintf("malformed JSON at offset %d: %v", se.Offset, se)}}
		}
		return in, FieldErrors{{Message: "the input must be a JSON object"}}
	}
	if err := strictUnmarshal(payload, &in); err == nil {
		var fe FieldErrors
		for _, name := range required {
			if _, ok := obj[name]; !ok {
				fe = append(fe, FieldError{Field: name, Message: "is required"})
			}
		}
		return in, fe
	}

	// Decoding stops at the first problem: decode each key on its own to
	// find them all, in a stable order.
	var fields []jsonField
	if typ != nil {
		fields = jsonFields(typ)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var fe FieldErrors
	for _, k := range keys {
		if !slices.ContainsFunc(fields, func(f jsonField) bool { return strings.EqualFold(f.name, k) }) {
			fe = append(fe, FieldError{Field: k, Message: "is not a field of this input"})
			continue
		}
		one, _ := json.Marshal(map[string]json.RawMessage{k: obj[k]})
		var probe I
		if err := strictUnmarshal(one, &probe); err != nil {
			f := fieldError(err)
			if f.Field == "" {
				f.Field = k
			}
			fe = append(fe, f)
		}
	}
	for _, name := range required {
		if _, ok := obj[name]; !ok {
			fe = append(fe, FieldError{Field: name, Message: "is required"})
		}
	}
	if len(fe) == 0 { // should not happen; report the decoder's own error
		fe = FieldErrors{fieldError(strictUnmarshal(payload, &in))}
	}
	return in, fe
}

func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

// fieldError turns a decoding error into a FieldError.
func fieldError(err error) FieldError {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return FieldError{Field: te.Field, Message: fmt.Sprintf("must be %s, not %s", jsonKind(te.Type), te.Value)}
	case errors.As(err, &se):
		return FieldError{Message: fmt.Sprintf("malformed JSON at offset %d: %v", se.Offset, se)}
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, `json: unknown field "`); ok {
		return FieldError{Field: strings.TrimSuffix(name, `"`), Message: "is not a field of this input"}
	}
	return FieldError{Message: strings.TrimPrefix(msg, "json: ")}
}

// jsonKind names what JSON a Go type wants, for messages.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.String()
}

// validate runs the input's own Validate and the transition's validators.
// in points into the event, which is already on the heap, so calling the
// input's Validate method through an interface allocates nothing. A
// validation that panics is a bug, not bad input: it is a *StepError.
func (t *Transition[M, T, A, I]) validate(actor A, model *M, in *I) error {
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
		var err error
		if p := catch(func() { err = fn() }); p != nil {
			se := t.stepError(actor, model, "validate", fmt.Errorf("%s panicked: %v", what, p))
			se.Panic = p
			return se
		}
		add(err)
		return nil
	}
	if t.self {
		// *I has the methods of I too, whichever receiver Validate has.
		if se := run("the input's Validate method", any(in).(Validator).Validate); se != nil {
			return se
		}
	}
	for i, fn := range t.validators {
		if se := run(fmt.Sprintf("Validate function %d", i+1), func() error { return fn(model, *in) }); se != nil {
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

// selfValidating reports whether I (or *I) implements Validator.
func selfValidating[I any]() bool {
	return reflect.TypeFor[*I]().Implements(reflect.TypeFor[Validator]())
}
