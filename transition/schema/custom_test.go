package schema_test

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/invopop/jsonschema"
)

// The rules that no struct tag publishes come from types that describe
// themselves with a JSONSchema method; a check enforces them too, and
// says what each one wants.

// pair publishes dependentRequired: a "from" needs a "to".
type pair map[string]string

func (pair) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "object", DependentRequired: map[string][]string{"from": {"to"}}}
}

// tags publishes minContains and maxContains: two or three strings, among
// any other items.
type tags []any

func (tags) JSONSchema() *jsonschema.Schema {
	two, three := uint64(2), uint64(3)
	return &jsonschema.Schema{Type: "array", Contains: &jsonschema.Schema{Type: "string"}, MinContains: &two, MaxContains: &three}
}

// codes publishes propertyNames: keys of at most three characters.
type codes map[string]int

func (codes) JSONSchema() *jsonschema.Schema {
	three := uint64(3)
	return &jsonschema.Schema{Type: "object", PropertyNames: &jsonschema.Schema{MaxLength: &three}}
}

// limit is "none" or an integer: a oneOf of a value and a type.
type limit struct{}

func (limit) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{OneOf: []*jsonschema.Schema{{Const: "none"}, {Type: "integer"}}}
}

// sizeOrName is a string or an integer: a oneOf of two types.
type sizeOrName struct{}

func (sizeOrName) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{OneOf: []*jsonschema.Schema{{Type: "string"}, {Type: "integer"}}}
}

// loop refers to itself, so that checking any value against it never
// ends; the library stops at the cycle.
type loop struct{}

func (loop) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Anchor: "loop", Ref: "#loop"}
}

// legacyPair publishes draft-07's dependencies, in a resource of its own
// that declares that draft.
type legacyPair map[string]string

func (legacyPair) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{ID: "mem:///legacy-pair.json", Version: "http://json-schema.org/draft-07/schema#", Type: "object",
		Extras: map[string]any{"dependencies": map[string]any{"from": []string{"to", "via"}}}}
}

// legacyTuple publishes draft 2019-09's additionalItems: one string and
// nothing more.
type legacyTuple []any

func (legacyTuple) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{ID: "mem:///legacy-tuple.json", Version: "https://json-schema.org/draft/2019-09/schema", Type: "array",
		Extras: map[string]any{"items": []any{map[string]any{"type": "string"}}, "additionalItems": false}}
}

type customInput struct {
	Pair    pair        `json:"pair,omitempty"`
	Tags    tags        `json:"tags,omitempty"`
	Codes   codes       `json:"codes,omitempty"`
	Limit   *limit      `json:"limit,omitempty"`
	Size    *sizeOrName `json:"size,omitempty"`
	Only    string      `json:"only,omitempty" jsonschema:"enum=only"`
	Ref     string      `json:"ref,omitempty" jsonschema:"format=relative-json-pointer"`
	Tally   int         `json:"tally,omitempty" jsonschema:"minimum=3,multipleOf=5"`
	Loop    *loop       `json:"loop,omitempty"`
	Legacy  legacyPair  `json:"legacy,omitempty"`
	Tuple   legacyTuple `json:"tuple,omitempty"`
	Comment string      `json:"comment,omitempty"`
}

func TestCheckEnforcesCustomRules(t *testing.T) {
	check := compile(t, reflect.TypeFor[customInput]())
	checkRules(t, check, []ruleCase{
		{"dependentRequired", `{"pair":{"from":"a"}}`, fes{fe("/pair/to", "dependent_required", `is required when "from" is given`)}, `{"pair":{"from":"a","to":"b"}}`},
		{"minContains", `{"tags":["a"]}`, fes{fe("/tags", "min_contains", "must contain at least 2 items of the kind it needs")}, `{"tags":["a",1,"b"]}`},
		{"minContains, of none", `{"tags":[]}`, fes{fe("/tags", "min_contains", "must contain at least 2 items of the kind it needs")}, `{"tags":["a","b"]}`},
		{"maxContains", `{"tags":["a","b","c","d"]}`, fes{fe("/tags", "max_contains", "must contain at most 3 items of the kind it needs")}, `{"tags":["a","b","c",4]}`},
		{"propertyNames", `{"codes":{"abcd":1}}`, fes{fe("/codes", "property_names", `may not have the key "abcd"`)}, `{"codes":{"abc":1}}`},
		{"oneOf a value or a type", `{"limit":"some"}`, fes{fe("/limit", "enum", `must be "none" or an integer`)}, `{"limit":"none"}`},
		{"oneOf a value or a type, of the type", `{"limit":true}`, fes{fe("/limit", "enum", `must be "none" or an integer`)}, `{"limit":7}`},
		{"oneOf two types", `{"size":true}`, fes{fe("/size", "type", "must be a string or an integer, not a boolean")}, `{"size":"large"}`},
		{"oneOf two types, a fraction", `{"size":1.5}`, fes{fe("/size", "type", "must be a string or an integer")}, `{"size":2}`},
		{"enum of one value", `{"only":"other"}`, fes{fe("/only", "enum", `must be "only"`)}, `{"only":"only"}`},
		{"a format without words of its own", `{"ref":"/a"}`, fes{fe("/ref", "format", "must be in the relative-json-pointer format")}, `{"ref":"0/a"}`},
		{"two rules of one field, by code", `{"tally":2}`, fes{fe("/tally", "minimum", "must be at least 3"), fe("/tally", "multiple_of", "must be a multiple of 5")}, `{"tally":10}`},
		{"draft-07 dependencies", `{"legacy":{"from":"a"}}`, fes{fe("/legacy/to", "dependencies", `is required when "from" is given`), fe("/legacy/via", "dependencies", `is required when "from" is given`)}, `{"legacy":{"from":"a","to":"b","via":"c"}}`},
		{"draft 2019-09 additionalItems", `{"tuple":["a",1,2]}`, fes{fe("/tuple", "additional_items", "has 2 items too many")}, `{"tuple":["a"]}`},
		{"draft 2019-09 additionalItems, one", `{"tuple":["a",1]}`, fes{fe("/tuple", "additional_items", "has 1 item too many")}, `{"tuple":[]}`},
	})
}

// A schema that refers to itself in a loop cannot judge a value; the
// check says the value is not valid rather than looping.
func TestCheckSelfReferringSchema(t *testing.T) {
	check := compile(t, reflect.TypeFor[customInput]())
	if diff := cmp.Diff(fes{fe("/loop", "invalid", "is not valid")}, check([]byte(`{"loop":1}`))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(fes(nil), check([]byte(`{"loop":null}`))); diff != "" {
		t.Errorf("null is left to decoding (-want +got):\n%s", diff)
	}
}

// Bad patterns where only a schema of its own can put them: in the schema
// of a pattern property, in a definition, in a dependent schema, and (in a
// draft-04 resource, whose metaschema does not check the names of pattern
// properties) as the name of a pattern property.

type badPatternProperty map[string]string

func (badPatternProperty) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "object", PatternProperties: map[string]*jsonschema.Schema{"^x": {Pattern: "(["}}}
}

type badDefinition map[string]string

func (badDefinition) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "object", Definitions: jsonschema.Definitions{"d": {Pattern: "(["}}}
}

type badDependentSchema map[string]string

func (badDependentSchema) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "object", DependentSchemas: map[string]*jsonschema.Schema{"d": {Pattern: "(["}}}
}

type badPatternName map[string]any

func (badPatternName) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Version: "http://json-schema.org/draft-04/schema#", Type: "object", Extras: map[string]any{
		"id":         "mem:///legacy.json",
		"properties": map[string]any{"a b/c": map[string]any{"patternProperties": map[string]any{"([": map[string]any{}}}},
	}}
}
