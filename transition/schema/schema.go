// Package schema describes transition inputs as JSON Schema, for forms,
// and checks payloads against the rules those schemas publish, so that a
// form and the server apply the same rules.
//
// It generates the schema from the Go input type with
// github.com/invopop/jsonschema, following the same rules as the
// transition package's decoding: field names from json tags, a field is
// required unless its json tag says omitempty or omitzero (or its
// jsonschema tag says required), and no other properties are allowed.
// Tags such as `jsonschema:"minLength=1,title=Reason"` add constraints and
// titles.
//
// Compile also compiles the schema, with
// github.com/santhosh-tekuri/jsonschema/v6, into a check that enforces
// those constraints (lengths, patterns, enums, bounds, item counts,
// formats such as "date-time") on a payload after the transition
// package's strict decoding has accepted it, and reports each broken rule
// as a transition.FieldError with a code, keyed by JSON Pointer.
//
// It is a package of its own so that programs that neither draw forms nor
// check payloads against schemas do not link the generator or the
// validator. The registry is handed Compile:
//
//	registry.Options{Schemas: schema.Compile}
package schema

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/invopop/jsonschema"

	"github.com/statecraft/statecraft/internal/stateinfo"
	"github.com/statecraft/statecraft/transition"
)

// Reflect returns the JSON Schema of input type t, with its definitions
// inlined, so a form renderer needs no reference resolution. A nil t (a
// transition that takes NoInput) has the schema of an empty object.
func Reflect(t reflect.Type) *jsonschema.Schema {
	r := &jsonschema.Reflector{
		Anonymous:      true,
		DoNotReference: true,
		ExpandedStruct: true,
		Mapper:         mapType,
	}
	if t == nil {
		t = reflect.TypeFor[transition.NoInput]()
	}
	return r.ReflectFromType(t)
}

// mapType describes the types whose JSON is not their Go fields: state
// fields by their declared values, and types that decode themselves (other
// than time.Time, which the generator knows) by what they accept, so that
// the schema asks for what decoding accepts.
func mapType(t reflect.Type) *jsonschema.Schema {
	if s := stateField(t); s != nil {
		return s
	}
	return selfDecoding(t)
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	schemaMethod    = reflect.TypeFor[interface{ JSONSchema() *jsonschema.Schema }]()
)

// selfDecoding describes a type with its own UnmarshalJSON as any JSON
// value (its own decoding says what it accepts), and one with its own
// UnmarshalText as a string; nil for other types, time.Time and types that
// describe themselves with a JSONSchema method.
func selfDecoding(t reflect.Type) *jsonschema.Schema {
	if t == reflect.TypeFor[time.Time]() || t.Implements(schemaMethod) || reflect.PointerTo(t).Implements(schemaMethod) {
		return nil
	}
	switch {
	case t.Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(jsonUnmarshaler):
		return &jsonschema.Schema{}
	case t.Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler):
		return &jsonschema.Schema{Type: "string"}
	}
	return nil
}

// stateField describes a state.State or state.Null field as the values its
// Type declares, each with its title, rather than as an opaque struct.
func stateField(t reflect.Type) *jsonschema.Schema {
	info, ok := stateinfo.Of(reflect.Zero(t).Interface())
	if !ok || info.Choices == nil {
		return nil // not a state field, or a State whose value type does not name its Type
	}
	s := &jsonschema.Schema{}
	for _, ch := range info.Choices {
		var v any
		if err := json.Unmarshal(ch.Value, &v); err != nil {
			continue
		}
		s.OneOf = append(s.OneOf, &jsonschema.Schema{Const: v, Title: ch.Title})
	}
	if info.Nullable {
		s.OneOf = append(s.OneOf, &jsonschema.Schema{Type: "null"})
	}
	return s
}

// JSON returns the JSON Schema of input type t as JSON: the schema that
// Compile returns, without the check.
func JSON(t reflect.Type) (json.RawMessage, error) {
	b, err := json.Marshal(Reflect(t))
	if err != nil {
		return nil, fmt.Errorf("schema: %v: %w", t, err)
	}
	return b, nil
}
