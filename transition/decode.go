package transition

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/statecraft/statecraft/state"
)

// This file decodes a transition's input from JSON, strictly, and reports
// every problem as a FieldError a form can show next to its field.
//
// The rules follow the input type's JSON Schema (see package
// transition/schema): a field is required unless its json tag says
// omitempty or omitzero (or its jsonschema tag says required); a required
// field may not be null unless its type can hold null (a pointer, map,
// slice, interface or state.Null); no other keys are allowed, names match
// exactly (encoding/json would also accept "Reason" for "reason"), and a
// key may appear only once.

// field is what decoding knows of one JSON key of a struct input.
type field struct {
	name     string
	required bool
	nullable bool
	typ      reflect.Type
	nested   []field // the keys of a plain struct field, checked too
}

// inputType returns I's type (nil for NoInput) and its fields, if it is a
// struct or a pointer to one.
func inputType[I any]() (reflect.Type, []field) {
	t := reflect.TypeFor[I]()
	if t == reflect.TypeFor[NoInput]() {
		return nil, nil
	}
	if s := structOf(t); s != nil {
		return t, fieldsOf(s, 0)
	}
	return t, nil
}

// structOf returns t, or what t points to, if that is a struct decoded
// field by field (not one with its own UnmarshalJSON, such as time.Time).
func structOf(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == reflect.TypeFor[time.Time]() {
		return nil
	}
	pt := reflect.PointerTo(t)
	if pt.Implements(reflect.TypeFor[json.Unmarshaler]()) || pt.Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return nil
	}
	return t
}

// fieldsOf lists the JSON keys of struct type t, following encoding/json's
// rules for names, "-" and embedded structs.
func fieldsOf(t reflect.Type, depth int) []field {
	var fs []field
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" && opts == "" {
			continue
		}
		if f.Anonymous && name == "" {
			if s := structOf(f.Type); s != nil {
				fs = append(fs, fieldsOf(s, depth)...)
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
		o := strings.Split(opts, ",")
		optional := slices.Contains(o, "omitempty") || slices.Contains(o, "omitzero")
		fd := field{name: name, required: !optional || slices.Contains(schema, "required"), nullable: nullable(f.Type), typ: f.Type}
		if s := structOf(f.Type); s != nil && f.Type.Kind() == reflect.Struct && depth < 8 {
			fd.nested = fieldsOf(s, depth+1)
		}
		fs = append(fs, fd)
	}
	return fs
}

func nullable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		return true
	}
	_, ok := reflect.Zero(t).Interface().(interface{ Nullable() bool })
	return ok
}

// Input returns the transition's input type, or nil if it takes NoInput.
func (t *Transition[M, T, A, I]) Input() reflect.Type { return t.input }

// Decode decodes a JSON payload into the transition's input, strictly:
// unknown or mis-cased keys, keys given twice, values of the wrong type,
// missing or null required fields (nested ones too) and trailing data are
// errors. The error is an *InputError with one FieldError per problem,
// every problem rather than the first, for a form to show; the input
// returned with it is the zero value. An empty payload or null decodes as
// {} for a struct input.
func (t *Transition[M, T, A, I]) Decode(payload []byte) (I, error) {
	in, fe := decodeInput[I](payload, t.input, t.fields)
	if len(fe) > 0 {
		var zero I
		return zero, &InputError{Machine: t.m.String(), Transition: t.name, Fields: fe}
	}
	return in, nil
}

func decodeInput[I any](payload []byte, typ reflect.Type, fields []field) (I, FieldErrors) {
	var in I
	payload = bytes.TrimSpace(payload)
	if typ != nil && structOf(typ) == nil { // not an object: a list, a number, ...
		if len(payload) == 0 {
			return in, nil
		}
		if err := strictUnmarshal(payload, &in); err != nil {
			return in, FieldErrors{fieldError(err, "")}
		}
		return in, nil
	}
	if len(payload) == 0 || string(payload) == "null" {
		payload = []byte("{}")
	}

	fe, keys := checkObject(payload, fields, "")
	if keys == nil { // not an object at all
		return in, fe
	}
	if err := strictUnmarshal(payload, &in); err != nil {
		// Decoding stops at its first problem: decode each key on its own
		// to find them all.
		for _, kv := range keys {
			if !slices.ContainsFunc(fields, func(f field) bool { return f.name == kv.key }) ||
				slices.ContainsFunc(fe, func(e FieldError) bool { top, _, _ := strings.Cut(e.Field, "."); return top == kv.key }) {
				continue // reported by checkObject
			}
			one, _ := json.Marshal(map[string]json.RawMessage{kv.key: kv.raw})
			var probe I
			if err := strictUnmarshal(one, &probe); err != nil {
				fe = append(fe, fieldError(err, kv.key))
			}
		}
		if len(fe) == 0 {
			fe = FieldErrors{fieldError(err, "")}
		}
	}
	return in, inKeyOrder(dedupe(fe), keys)
}

// inKeyOrder sorts field errors by where their key is in the payload;
// errors about missing keys come last, in field order.
func inKeyOrder(fe FieldErrors, keys []keyValue) FieldErrors {
	pos := func(e FieldError) int {
		top, _, _ := strings.Cut(e.Field, ".")
		if i := slices.IndexFunc(keys, func(kv keyValue) bool { return kv.key == top }); i >= 0 {
			return i
		}
		return len(keys)
	}
	slices.SortStableFunc(fe, func(a, b FieldError) int { return pos(a) - pos(b) })
	return fe
}

type keyValue struct {
	key string
	raw json.RawMessage
}

// checkObject checks the keys of the JSON object data against fields,
// recursing into nested plain structs, and returns the problems and the
// object's keys in order; keys is nil if data is not a JSON object.
func checkObject(data []byte, fields []field, path string) (FieldErrors, []keyValue) {
	keys, err := objectKeys(data)
	if err != nil {
		return FieldErrors{{Field: strings.TrimSuffix(path, "."), Message: err.Error()}}, nil
	}
	var fe FieldErrors
	seen := make(map[string]bool, len(keys))
	for _, kv := range keys {
		if seen[kv.key] {
			fe = append(fe, FieldError{Field: path + kv.key, Message: "is given more than once"})
			continue
		}
		seen[kv.key] = true
		i := slices.IndexFunc(fields, func(f field) bool { return f.name == kv.key })
		if i < 0 {
			msg := "is not a field of this input"
			if j := slices.IndexFunc(fields, func(f field) bool { return strings.EqualFold(f.name, kv.key) }); j >= 0 {
				msg += fmt.Sprintf(" (did you mean %q?)", fields[j].name)
			}
			fe = append(fe, FieldError{Field: path + kv.key, Message: msg})
			continue
		}
		f := fields[i]
		isNull := string(bytes.TrimSpace(kv.raw)) == "null"
		switch {
		case isNull && f.required && !f.nullable:
			fe = append(fe, FieldError{Field: path + f.name, Message: "is required and may not be null"})
		case !isNull && f.nested != nil:
			sub, subKeys := checkObject(kv.raw, f.nested, path+f.name+".")
			if subKeys != nil { // a non-object is a type error, found by decoding
				fe = append(fe, sub...)
			}
		}
	}
	for _, f := range fields {
		if f.required && !seen[f.name] {
			fe = append(fe, FieldError{Field: path + f.name, Message: "is required"})
		}
	}
	return fe, keys
}

// objectKeys returns the keys and raw values of the JSON object data, in
// order, duplicates included. Anything else is an error: a malformed
// document, a value that is not an object, or data after the object.
func objectKeys(data []byte) ([]keyValue, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError(err)
	}
	if tok != json.Delim('{') {
		return nil, errors.New("must be a JSON object")
	}
	keys := []keyValue{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxError(err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, syntaxError(err)
		}
		keys = append(keys, keyValue{key: tok.(string), raw: raw})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, syntaxError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("has data after the JSON object")
	}
	return keys, nil
}

func syntaxError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("is malformed JSON at offset %d: %v", se.Offset, se)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("is malformed JSON: it ends too soon")
	}
	return fmt.Errorf("is malformed JSON: %v", err)
}

// strictUnmarshal decodes data into v, rejecting unknown fields and any
// data after the value.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

// fieldError turns a decoding error into a FieldError; key is the field
// being decoded, if known.
func fieldError(err error, key string) FieldError {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		f := te.Field
		if f == "" {
			f = key
		}
		found, _, _ := strings.Cut(te.Value, " (")
		return FieldError{Field: f, Message: fmt.Sprintf("must be %s, not %s", jsonKind(te.Type), found)}
	case errors.As(err, &se):
		return FieldError{Field: key, Message: fmt.Sprintf("is malformed JSON at offset %d: %v", se.Offset, se)}
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, `json: unknown field "`); ok {
		return FieldError{Field: strings.TrimSuffix(name, `"`), Message: "is not a field of this input"}
	}
	return FieldError{Field: key, Message: strings.TrimPrefix(msg, "json: ")}
}

// jsonKind names what JSON a Go type wants, for messages. For a state
// field, it lists the declared values.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	if s := choices(t); s != "" {
		return "one of " + s
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

// choices lists the values a state field declares, such as
// `1 (Draft), 2 (Published)`, or "" if t is no state field.
func choices(t reflect.Type) string {
	c, ok := reflect.Zero(t).Interface().(interface{ Choices() []state.Choice })
	if !ok {
		return ""
	}
	var parts []string
	for _, ch := range c.Choices() {
		parts = append(parts, string(ch.Value)+" ("+ch.Title+")")
	}
	return strings.Join(parts, ", ")
}

// dedupe drops repeated field errors, keeping the first of each.
func dedupe(fe FieldErrors) FieldErrors {
	out := fe[:0]
	for i, e := range fe {
		if !slices.Contains(fe[:i], e) {
			out = append(out, e)
		}
	}
	return out
}
