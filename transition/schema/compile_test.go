package schema_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/invopop/jsonschema"
	jsonschemav6 "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/schema"
)

// rulesInput has a field for each rule a schema can publish, all optional
// but ID, so that a payload can break one rule at a time.
type rulesInput struct {
	ID       string    `json:"id"`
	Short    string    `json:"short,omitempty" jsonschema:"minLength=2"`
	Long     string    `json:"long,omitempty" jsonschema:"maxLength=5"`
	Slug     string    `json:"slug,omitempty" jsonschema:"pattern=^[a-z]+$"`
	Priority string    `json:"priority,omitempty" jsonschema:"enum=low,enum=high"`
	Level    int       `json:"level,omitempty" jsonschema:"enum=1,enum=2,enum=3"`
	Kind     string    `json:"kind,omitempty" jsonschema_extras:"const=fixed"`
	Min      int       `json:"min,omitempty" jsonschema:"minimum=3"`
	Max      float64   `json:"max,omitempty" jsonschema:"maximum=10.5"`
	Above    int       `json:"above,omitempty" jsonschema:"exclusiveMinimum=0"`
	Below    int       `json:"below,omitempty" jsonschema:"exclusiveMaximum=100"`
	Step     int       `json:"step,omitempty" jsonschema:"multipleOf=5"`
	Some     []string  `json:"some,omitempty" jsonschema:"minItems=1"`
	Few      []int     `json:"few,omitempty" jsonschema:"maxItems=2"`
	Distinct []string  `json:"distinct,omitempty" jsonschema:"uniqueItems=true"`
	At       time.Time `json:"at,omitzero"`
	Email    string    `json:"email,omitempty" jsonschema:"format=email"`
	Lines    []line    `json:"lines,omitempty"`
	Address  *address  `json:"address,omitempty"`
	Slashed  string    `json:"a/b~c,omitempty" jsonschema:"minLength=1"`
	Labels   labels    `json:"labels,omitempty"`
	Scores   []float64 `json:"scores,omitempty" jsonschema:"maximum=100"`
}

type line struct {
	Name string `json:"name" jsonschema:"minLength=1"`
	Qty  int    `json:"qty,omitempty" jsonschema:"minimum=1"`
}

type address struct {
	City string `json:"city" jsonschema:"minLength=1"`
}

// labels publishes minProperties and maxProperties, which no struct tag
// can, through its own schema.
type labels map[string]string

func (labels) JSONSchema() *jsonschema.Schema {
	one, three := uint64(1), uint64(3)
	return &jsonschema.Schema{
		Type:                 "object",
		MinProperties:        &one,
		MaxProperties:        &three,
		AdditionalProperties: &jsonschema.Schema{Type: "string"},
	}
}

func compile(t testing.TB, typ reflect.Type) func([]byte) []transition.FieldError {
	t.Helper()
	_, check, err := schema.Compile(typ)
	require.NoError(t, err)
	return check
}

// fe is a FieldError, briefly.
func fe(field, code, message string) transition.FieldError {
	return transition.FieldError{Field: field, Code: code, Message: message}
}

type fes = []transition.FieldError

// A ruleCase is a payload that breaks a rule, the errors the check gives
// for it, and one that keeps the rule.
type ruleCase struct {
	rule string
	bad  string // breaks the rule
	want fes
	good string // keeps it
}

// checkRules runs each case through check, as a subtest named after its rule.
func checkRules(t *testing.T, check func([]byte) []transition.FieldError, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, check([]byte(tc.bad))); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.bad, diff)
			}
			if diff := cmp.Diff(fes(nil), check([]byte(tc.good))); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.good, diff)
			}
		})
	}
}

func TestCheckEnforcesEachRule(t *testing.T) {
	check := compile(t, reflect.TypeFor[rulesInput]())
	checkRules(t, check, []ruleCase{
		{"minLength", `{"id":"x","short":"a"}`, fes{fe("/short", "min_length", "must be at least 2 characters long")}, `{"id":"x","short":"ab"}`},
		{"minLength counts characters, not bytes", `{"id":"x","short":"é"}`, fes{fe("/short", "min_length", "must be at least 2 characters long")}, `{"id":"x","short":"éé"}`},
		{"maxLength", `{"id":"x","long":"abcdef"}`, fes{fe("/long", "max_length", "must be at most 5 characters long")}, `{"id":"x","long":"abcde"}`},
		{"pattern", `{"id":"x","slug":"Not a slug"}`, fes{fe("/slug", "pattern", "must match the pattern ^[a-z]+$")}, `{"id":"x","slug":"slug"}`},
		{"enum of strings", `{"id":"x","priority":"medium"}`, fes{fe("/priority", "enum", `must be one of: "low", "high"`)}, `{"id":"x","priority":"high"}`},
		{"enum of integers", `{"id":"x","level":4}`, fes{fe("/level", "enum", "must be one of: 1, 2, 3")}, `{"id":"x","level":2}`},
		{"const", `{"id":"x","kind":"other"}`, fes{fe("/kind", "const", `must be "fixed"`)}, `{"id":"x","kind":"fixed"}`},
		{"minimum", `{"id":"x","min":2}`, fes{fe("/min", "minimum", "must be at least 3")}, `{"id":"x","min":3}`},
		{"maximum", `{"id":"x","max":10.6}`, fes{fe("/max", "maximum", "must be at most 10.5")}, `{"id":"x","max":10.5}`},
		{"maximum, exactly", `{"id":"x","max":10.50000000000000000001}`, fes{fe("/max", "maximum", "must be at most 10.5")}, `{"id":"x","max":-100000000000000000000000}`},
		{"exclusiveMinimum", `{"id":"x","above":0}`, fes{fe("/above", "exclusive_minimum", "must be greater than 0")}, `{"id":"x","above":1}`},
		{"exclusiveMaximum", `{"id":"x","below":100}`, fes{fe("/below", "exclusive_maximum", "must be less than 100")}, `{"id":"x","below":99}`},
		{"multipleOf", `{"id":"x","step":7}`, fes{fe("/step", "multiple_of", "must be a multiple of 5")}, `{"id":"x","step":15}`},
		{"minItems", `{"id":"x","some":[]}`, fes{fe("/some", "min_items", "must have at least 1 item")}, `{"id":"x","some":["a"]}`},
		{"maxItems", `{"id":"x","few":[1,2,3]}`, fes{fe("/few", "max_items", "must have at most 2 items")}, `{"id":"x","few":[1,2]}`},
		{"uniqueItems", `{"id":"x","distinct":["a","b","a"]}`, fes{fe("/distinct", "unique_items", "must not repeat an item (items 0 and 2 are the same)")}, `{"id":"x","distinct":["a","b"]}`},
		{"format date-time", `{"id":"x","at":"28/11/2026 09:30"}`, fes{fe("/at", "format", "must be a date and time such as 2026-11-28T09:30:00Z")}, `{"id":"x","at":"2026-11-28T09:30:00+01:00"}`},
		{"format email", `{"id":"x","email":"nobody"}`, fes{fe("/email", "format", "must be an email address")}, `{"id":"x","email":"a@example.com"}`},
		{"required", `{"short":"ab"}`, fes{fe("/id", "required", "is required")}, `{"id":""}`},
		{"additionalProperties", `{"id":"x","extra":1}`, fes{fe("/extra", "unknown", "is not a field of this input")}, `{"id":"x"}`},
		{"type", `{"id":"x","min":"three"}`, fes{fe("/min", "type", "must be an integer, not a string")}, `{"id":"x","min":4}`},
		{"type, a fraction for an integer", `{"id":"x","min":3.5}`, fes{fe("/min", "type", "must be an integer")}, `{"id":"x","min":3.0}`},
		{"minProperties", `{"id":"x","labels":{}}`, fes{fe("/labels", "min_properties", "must have at least 1 entry")}, `{"id":"x","labels":{"a":"1"}}`},
		{"maxProperties", `{"id":"x","labels":{"a":"1","b":"2","c":"3","d":"4"}}`, fes{fe("/labels", "max_properties", "must have at most 3 entries")}, `{"id":"x","labels":{"a":"1","b":"2","c":"3"}}`},
		{"map value", `{"id":"x","labels":{"a/b":1}}`, fes{fe("/labels/a~1b", "type", "must be a string, not a number")}, `{"id":"x","labels":{"a/b":"1"}}`},
		{"nested object field", `{"id":"x","address":{"city":""}}`, fes{fe("/address/city", "min_length", "must be at least 1 character long")}, `{"id":"x","address":{"city":"Lyon"}}`},
		{"nested required", `{"id":"x","address":{}}`, fes{fe("/address/city", "required", "is required")}, `{"id":"x","address":{"city":"Lyon"}}`},
		{"nested unknown", `{"id":"x","address":{"city":"Lyon","zip":"69001"}}`, fes{fe("/address/zip", "unknown", "is not a field of this input")}, `{"id":"x","address":{"city":"Lyon"}}`},
		{"slice element field", `{"id":"x","lines":[{"name":"a"},{"name":""}]}`, fes{fe("/lines/1/name", "min_length", "must be at least 1 character long")}, `{"id":"x","lines":[{"name":"a"},{"name":"b"}]}`},
		{"slice element required", `{"id":"x","lines":[{"name":"a"},{"qty":1}]}`, fes{fe("/lines/1/name", "required", "is required")}, `{"id":"x","lines":[{"name":"a"},{"name":"b","qty":1}]}`},
		{"key escaped with ~0 and ~1", `{"id":"x","a/b~c":""}`, fes{fe("/a~1b~0c", "min_length", "must be at least 1 character long")}, `{"id":"x","a/b~c":"y"}`},
	})
}

func TestCheckAgreesWithDecoding(t *testing.T) {
	// The decoder runs first; a payload it accepts with every rule kept
	// passes the check too.
	type noteInput struct {
		Note string `json:"note" jsonschema:"minLength=1,maxLength=200"`
	}
	check := compile(t, reflect.TypeFor[noteInput]())
	type Memo struct{ Status state.State[verdict] }
	status := state.Bind(verdicts, "status", func(m *Memo) *state.State[verdict] { return &m.Status })
	approved, _ := verdicts.Lookup("approved")
	rejected, _ := verdicts.Lookup("rejected")
	memos := transition.For[string, struct{}](status)
	annotate := transition.New[noteInput](memos, "annotate", transition.From(approved).To(rejected)).AllowAnyone()
	decode := func(payload string) fes {
		_, err := annotate.Decode([]byte(payload))
		if err == nil {
			return nil
		}
		return err.(*transition.Error).Fields
	}
	require.Nil(t, decode(`{"note":""}`), "the decoder alone accepts an empty note")
	require.Equal(t, fes{fe("/note", "min_length", "must be at least 1 character long")}, check([]byte(`{"note":""}`)))
	require.Nil(t, decode(`{"note":"ok"}`))
	require.Nil(t, check([]byte(`{"note":"ok"}`)))
}

func TestCheckLeavesNullToDecoding(t *testing.T) {
	check := compile(t, reflect.TypeFor[rulesInput]())
	// Decoding accepts null in an optional field (it leaves the field as
	// it is) and in a field that holds null (a slice, a pointer), though
	// the schema gives these fields types that null is not.
	require.Nil(t, check([]byte(`{"id":"x","short":null,"some":null,"address":null,"lines":[null],"at":null}`)))
	// An empty payload and null read as {}, as decoding reads them.
	want := fes{fe("/id", "required", "is required")}
	require.Equal(t, want, check(nil))
	require.Equal(t, want, check([]byte(" null ")))
}

func TestCheckReadsNumbersExactlyAndCheaply(t *testing.T) {
	check := compile(t, reflect.TypeFor[rulesInput]())
	zeros := strings.Repeat("0", 1<<20)
	many := make([]string, 2000)
	for i := range many {
		many[i] = "1e-999999" // some 90ms each, read as a big.Rat
	}
	for _, tc := range []struct {
		payload string
		want    fes
	}{
		{`{"id":"x","max":1e-5000000}`, nil}, // the library panics on it as it is
		{`{"id":"x","max":-1e99999999999999999999}`, nil},
		{`{"id":"x","max":1e99999999999999999999}`, fes{fe("/max", "maximum", "must be at most 10.5")}},
		{`{"id":"x","max":0.` + zeros + `1}`, nil},
		{`{"id":"x","max":11.` + zeros + `1}`, fes{fe("/max", "maximum", "must be at most 10.5")}},
		{`{"id":"x","max":10.5` + zeros + `1}`, fes{fe("/max", "maximum", "must be at most 10.5")}},
		{`{"id":"x","max":10.5` + zeros + `}`, nil},
		{`{"id":"x","max":1050` + zeros + `e-1048578}`, nil},
		{`{"id":"x","max":11` + zeros + `e-99999999999999999999}`, nil},
		{`{"id":"x","max":0.` + zeros + `11e99999999999999999999}`, fes{fe("/max", "maximum", "must be at most 10.5")}},
		{`{"id":"x","step":15` + zeros + `}`, nil},
		{`{"id":"x","step":1` + strings.Repeat("0", 300) + `1}`, fes{fe("/step", "multiple_of", "must be a multiple of 5")}},
		{`{"id":"x","step":1` + zeros + `1}`, nil}, // beyond 10^400, it counts as 10^400
		{`{"id":"x","step":1e999999}`, nil},
		{`{"id":"x","min":-1e999999}`, fes{fe("/min", "minimum", "must be at least 3")}},
		{`{"id":"x","min":123456789012345678901234567890123456789}`, nil},
		{`{"id":"x","level":2.0000000000000000000000000000000000001}`, fes{fe("/level", "type", "must be an integer")}},
		{`{"id":"x","scores":[` + strings.Join(many, ",") + `]}`, nil},
		{`{"id":"x","scores":[1e-999999,100.000000000000000000000001]}`, fes{fe("/scores/1", "maximum", "must be at most 100")}},
	} {
		if diff := cmp.Diff(tc.want, check([]byte(tc.payload))); diff != "" {
			t.Errorf("%.60s (-want +got):\n%s", tc.payload, diff)
		}
	}
}

func TestCheckListsEveryProblemInOrder(t *testing.T) {
	check := compile(t, reflect.TypeFor[rulesInput]())
	lines := make([]string, 12)
	for i := range lines {
		lines[i] = `{"name":"ok"}`
	}
	lines[10] = `{"name":""}`
	lines[2] = `{"name":"","qty":0}`
	payload := `{"short":"a","slug":"A","zz":1,"lines":[` + strings.Join(lines, ",") + `]}`
	want := fes{
		fe("/id", "required", "is required"),
		fe("/lines/2/name", "min_length", "must be at least 1 character long"),
		fe("/lines/2/qty", "minimum", "must be at least 1"),
		fe("/lines/10/name", "min_length", "must be at least 1 character long"),
		fe("/short", "min_length", "must be at least 2 characters long"),
		fe("/slug", "pattern", "must match the pattern ^[a-z]+$"),
		fe("/zz", "unknown", "is not a field of this input"),
	}
	for range 5 { // the library walks maps in random order
		if diff := cmp.Diff(want, check([]byte(payload))); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
	}
}

func TestCheckStopsAfterFiftyErrors(t *testing.T) {
	check := compile(t, reflect.TypeFor[rulesInput]())
	var b strings.Builder
	b.WriteString(`{"id":"x"`)
	for i := range 80 {
		fmt.Fprintf(&b, `,"k%02d":1`, i)
	}
	b.WriteString("}")
	got := check([]byte(b.String()))
	require.Len(t, got, 51)
	require.Equal(t, fe("/k00", "unknown", "is not a field of this input"), got[0])
	require.Equal(t, fe("/k49", "unknown", "is not a field of this input"), got[49])
	require.Equal(t, fe("", "too_many", "has more problems; only the first 50 are listed"), got[50])
}

func TestCheckCutsLongKeysShort(t *testing.T) {
	check := compile(t, reflect.TypeFor[rulesInput]())
	key := strings.Repeat("k", 1000)
	got := check([]byte(`{"id":"x","` + key + `":1}`))
	require.Len(t, got, 1)
	require.Equal(t, "/"+strings.Repeat("k", 64)+"... (1000 bytes)", got[0].Field)
	require.Equal(t, "unknown", got[0].Code)

	// A key is cut at a character's boundary, never inside it: é takes
	// bytes 63 and 64, so the cut comes before it.
	key = strings.Repeat("k", 63) + "éé"
	got = check([]byte(`{"id":"x","` + key + `":1}`))
	require.Equal(t, fes{fe("/"+strings.Repeat("k", 63)+"... (67 bytes)", "unknown", "is not a field of this input")}, got)
}

func TestCheckMalformedPayload(t *testing.T) {
	check := compile(t, reflect.TypeFor[rulesInput]())
	for _, p := range []string{`{`, `{"id":"x"} {}`, `{"id":"x"} x`, `[1,`, "\xff", `{"id":}`} {
		got := check([]byte(p))
		require.Len(t, got, 1, p)
		require.Equal(t, "", got[0].Field, p)
		require.Equal(t, "syntax", got[0].Code, p)
		require.True(t, strings.HasPrefix(got[0].Message, "is malformed JSON"), got[0].Message)
	}
	require.Equal(t, fes{fe("", "syntax", "is malformed JSON: it ends too soon")}, check([]byte(`{"id":`)))
}

func TestCheckStateFieldsAgainstTheirValues(t *testing.T) {
	check := compile(t, reflect.TypeFor[decideInput]())
	require.Nil(t, check([]byte(`{"outcome":"approved"}`)))
	require.Nil(t, check([]byte(`{"outcome":"rejected","previous":"approved"}`)))
	require.Nil(t, check([]byte(`{"outcome":"rejected","previous":null}`)))
	want := fes{
		fe("/outcome", "enum", `must be one of: "approved", "rejected"`),
		fe("/previous", "enum", `must be one of: "approved", "rejected", null`),
	}
	if diff := cmp.Diff(want, check([]byte(`{"outcome":"maybe","previous":7}`))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCheckNullableField(t *testing.T) {
	// jsonschema:"nullable" makes a oneOf of the field's schema and null:
	// a string breaks the string's rules, not "must be null".
	type in struct {
		Note *string `json:"note" jsonschema:"nullable,minLength=2"`
	}
	check := compile(t, reflect.TypeFor[in]())
	require.Nil(t, check([]byte(`{"note":null}`)))
	require.Nil(t, check([]byte(`{"note":"ab"}`)))
	require.Equal(t, fes{fe("/note", "min_length", "must be at least 2 characters long")}, check([]byte(`{"note":"a"}`)))
	require.Equal(t, fes{fe("/note", "type", "must be a string or null, not a number")}, check([]byte(`{"note":1}`)))
}

func TestCompileReturnsTheSchema(t *testing.T) {
	for _, typ := range []reflect.Type{nil, reflect.TypeFor[rulesInput](), reflect.TypeFor[decideInput]()} {
		s, _, err := schema.Compile(typ)
		require.NoError(t, err)
		want, err := schema.JSON(typ)
		require.NoError(t, err)
		require.JSONEq(t, string(want), string(s))
	}
}

func TestCompileNoInput(t *testing.T) {
	s, check, err := schema.Compile(nil)
	require.NoError(t, err)
	require.JSONEq(t, `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{},"additionalProperties":false}`, string(s))
	require.Nil(t, check(nil))
	require.Nil(t, check([]byte(`{}`)))
	require.Nil(t, check([]byte(`null`)))
	require.Equal(t, fes{fe("/reason", "unknown", "is not a field of this input")}, check([]byte(`{"reason":"x"}`)))
	require.Equal(t, fes{fe("", "type", "must be an object, not an array")}, check([]byte(`[]`)))
}

func TestCompileRejectsABadPattern(t *testing.T) {
	type topLevel struct {
		Code string `json:"code" jsonschema:"pattern=(["`
	}
	type inItems struct {
		Tags []string `json:"tags" jsonschema:"pattern=a**"`
	}
	type nested struct {
		Lines []struct {
			Name string `json:"name" jsonschema:"pattern=(?<x)"`
		} `json:"lines"`
	}
	type nullable struct {
		Code *string `json:"code" jsonschema:"nullable,pattern=(["`
	}
	type inPatternProperty struct {
		P badPatternProperty `json:"p"`
	}
	type inDefinition struct {
		P badDefinition `json:"p"`
	}
	type inDependentSchema struct {
		P badDependentSchema `json:"p"`
	}
	type asPatternName struct {
		P badPatternName `json:"p"`
	}
	const bracket = `"([" is not a valid Go regular expression: error parsing regexp: missing closing ]: ` + "`[`"
	for _, tc := range []struct {
		typ  reflect.Type
		want string
	}{
		{reflect.TypeFor[nullable](), `schema: schema_test.nullable: field /code: pattern ` + bracket},
		{reflect.TypeFor[inPatternProperty](), `schema: schema_test.inPatternProperty: field /p/*: pattern ` + bracket},
		{reflect.TypeFor[inDefinition](), `schema: schema_test.inDefinition: field /p: pattern ` + bracket},
		{reflect.TypeFor[inDependentSchema](), `schema: schema_test.inDependentSchema: field /p: pattern ` + bracket},
		{reflect.TypeFor[asPatternName](), `schema: schema_test.asPatternName: field /p/a b~1c/*: pattern ` + bracket},
		{reflect.TypeFor[topLevel](), `schema: schema_test.topLevel: field /code: pattern "([" is not a valid Go regular expression: error parsing regexp: missing closing ]: ` + "`[`"},
		{reflect.TypeFor[inItems](), `schema: schema_test.inItems: field /tags/*: pattern "a**" is not a valid Go regular expression: error parsing regexp: invalid nested repetition operator: ` + "`**`"},
		{reflect.TypeFor[nested](), `schema: schema_test.nested: field /lines/*/name: pattern "(?<x)" is not a valid Go regular expression: `},
	} {
		s, check, err := schema.Compile(tc.typ)
		require.Error(t, err)
		require.Nil(t, s)
		require.Nil(t, check)
		require.True(t, strings.HasPrefix(err.Error(), tc.want), "got %v\nwant %v", err, tc.want)
	}
}

func TestCompileRejectsAnInvalidSchema(t *testing.T) {
	// jsonschema_extras writes numbers as strings; the schema is then not
	// valid JSON Schema, which Compile says when the registry is built.
	type in struct {
		Tags map[string]string `json:"tags" jsonschema_extras:"minProperties=1"`
	}
	_, _, err := schema.Compile(reflect.TypeFor[in]())
	require.EqualError(t, err, "schema: schema_test.in: the generated schema is not valid JSON Schema: at '/properties/tags/minProperties': got string, want integer")
	var sve *jsonschemav6.SchemaValidationError
	require.ErrorAs(t, err, &sve, "the library's error is wrapped")
}

func TestCompileReportsAGeneratorPanic(t *testing.T) {
	type in struct {
		Done func() `json:"done"`
	}
	s, check, err := schema.Compile(reflect.TypeFor[in]())
	require.EqualError(t, err, "schema: schema_test.in: generating the schema panicked: unsupported type func()")
	require.Nil(t, s)
	require.Nil(t, check)
}

func TestCheckIsSafeForConcurrentUse(t *testing.T) {
	check := compile(t, reflect.TypeFor[rulesInput]())
	bad := []byte(`{"short":"a","lines":[{"name":""}],"at":"x","priority":"no"}`)
	want := check(bad)
	require.Len(t, want, 5)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if got := check(bad); !cmp.Equal(want, got) {
					t.Errorf("got %v", got)
					return
				}
				if got := check([]byte(`{"id":"x","short":"ab"}`)); got != nil {
					t.Errorf("got %v", got)
					return
				}
			}
		})
	}
	wg.Wait()
}

// FuzzCheck feeds arbitrary payloads to the check of rulesInput. It never
// panics (nor does the library, whose panics it would recover); it returns the same errors each time, sorted, at most 51 of
// them, each with a code and a JSON Pointer, and none for a valid payload.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		``, `null`, `{}`, `{"id":"x"}`, `[`, "\xff", `{"id":"x"} {}`, `"x"`, `1e400`,
		`{"id":"x","short":"a","lines":[{"name":""},null,{"qty":0.5}],"a/b~c":"","labels":{"~":1}}`,
		`{"id":"x","max":10.50000000000000000001,"min":-1e-400,"step":1e300}`,
		`{"id":"x","at":"2026-02-30T25:00:00Z","email":"@","distinct":[{"a":1},{"a":1}]}`,
		`{"id":"x","priority":null,"level":2.0,"kind":"fixed","address":{"city":"","zip":[]}}`,
		`{"id":"x","max":1e-5000000,"step":-0.0e+99999999999999999999,"scores":[1E400,-0.00012e-400,100.0000000001]}`,
		`{"id":"x","labels":{"a":1e-999999},"lines":[{"name":"a","qty":1e1000001}],"few":[0.5e2,1,2]}`,
	} {
		f.Add([]byte(s))
	}
	check := compile(f, reflect.TypeFor[rulesInput]())
	f.Fuzz(func(t *testing.T, payload []byte) {
		got := check(payload)
		if !cmp.Equal(got, check(payload)) {
			t.Fatalf("two checks of %q differ", payload)
		}
		if len(got) > 51 {
			t.Fatalf("%d errors", len(got))
		}
		for i, e := range got {
			if e.Code == "invalid" {
				t.Fatalf("the library panicked: %+v", e)
			}
			if e.Code == "" || e.Message == "" {
				t.Fatalf("error without a code or message: %+v", e)
			}
			if e.Field != "" && !strings.HasPrefix(e.Field, "/") {
				t.Fatalf("field %q is not a JSON Pointer", e.Field)
			}
			if i > 0 && cmp.Equal(got[i-1], e) {
				t.Fatalf("error %+v repeated", e)
			}
		}
		if got == nil {
			var v map[string]any
			if len(payload) > 0 && string(payload) != "null" && json.Unmarshal(payload, &v) != nil {
				t.Fatalf("accepted %q, which is not a JSON object", payload)
			}
		}
	})
}

// BenchmarkCheck checks a small valid payload.
func BenchmarkCheck(b *testing.B) {
	check := compile(b, reflect.TypeFor[rulesInput]())
	payload := []byte(`{"id":"x","short":"ab","slug":"abc","priority":"low","min":4,"at":"2026-11-28T09:30:00Z","lines":[{"name":"a","qty":2}]}`)
	if errs := check(payload); errs != nil {
		b.Fatal(errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		check(payload)
	}
}
