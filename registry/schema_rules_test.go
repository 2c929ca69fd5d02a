package registry_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/registry"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/schema"
)

// RulesInput publishes one rule of each kind a schema can publish through
// struct tags.
type RulesInput struct {
	Short    string   `json:"short,omitempty" jsonschema:"minLength=2"`
	Long     string   `json:"long,omitempty" jsonschema:"maxLength=5"`
	Slug     string   `json:"slug,omitempty" jsonschema:"pattern=^[a-z]+$"`
	Priority string   `json:"priority,omitempty" jsonschema:"enum=low,enum=high"`
	Min      int      `json:"min,omitempty" jsonschema:"minimum=3"`
	Max      float64  `json:"max,omitempty" jsonschema:"maximum=10.5"`
	Above    int      `json:"above,omitempty" jsonschema:"exclusiveMinimum=0"`
	Below    int      `json:"below,omitempty" jsonschema:"exclusiveMaximum=100"`
	Step     int      `json:"step,omitempty" jsonschema:"multipleOf=5"`
	Some     []string `json:"some,omitempty" jsonschema:"minItems=1"`
	Few      []int    `json:"few,omitempty" jsonschema:"maxItems=2"`
	Distinct []string `json:"distinct,omitempty" jsonschema:"uniqueItems=true"`
	Email    string   `json:"email,omitempty" jsonschema:"format=email"`
}

// BadPatternInput's pattern is not a Go regular expression.
type BadPatternInput struct {
	Code string `json:"code" jsonschema:"pattern=(["`
}

type Ruled struct{ Status state.State[string] }

var (
	RuledState  = state.NewType[string]("RuledState")
	RuledOpen   = RuledState.State("open", "Open", state.Final())
	RuledStatus = state.Bind(RuledState, "status", func(r *Ruled) *state.State[string] { return &r.Status })
	Ruleds      = transition.For[User, *DB](RuledStatus)
	Touch       = transition.New[RulesInput](Ruleds, "touch", transition.From(RuledOpen).Stay()).AllowAnyone()

	BadRuleds = transition.For[User, *DB](state.Bind(RuledState, "status", func(r *Ruled) *state.State[string] { return &r.Status }))
	BadTouch  = transition.New[BadPatternInput](BadRuleds, "touch", transition.From(RuledOpen).Stay()).AllowAnyone()
)

// TestSchemaRulesThroughTheRegistry: for each rule a schema publishes, a
// payload that breaks it is refused by the registry's JSON path with a
// coded field error, and one that keeps it is accepted.
func TestSchemaRulesThroughTheRegistry(t *testing.T) {
	reg, err := registry.New[User, *DB](&registry.Options{Schemas: schema.Compile}, Ruleds)
	require.NoError(t, err)
	ctx, mem := ContextOf(fixtureStore())
	for _, tc := range []struct {
		rule, breaks, keeps, code string
	}{
		{"minLength", `{"short":"a"}`, `{"short":"ab"}`, "min_length"},
		{"maxLength", `{"long":"abcdef"}`, `{"long":"abcde"}`, "max_length"},
		{"pattern", `{"slug":"A1"}`, `{"slug":"abc"}`, "pattern"},
		{"enum", `{"priority":"mid"}`, `{"priority":"low"}`, "enum"},
		{"minimum", `{"min":2}`, `{"min":3}`, "minimum"},
		{"maximum", `{"max":10.6}`, `{"max":10.5}`, "maximum"},
		{"exclusiveMinimum", `{"above":0}`, `{"above":1}`, "exclusive_minimum"},
		{"exclusiveMaximum", `{"below":100}`, `{"below":99}`, "exclusive_maximum"},
		{"multipleOf", `{"step":7}`, `{"step":10}`, "multiple_of"},
		{"minItems", `{"some":[]}`, `{"some":["x"]}`, "min_items"},
		{"maxItems", `{"few":[1,2,3]}`, `{"few":[1,2]}`, "max_items"},
		{"uniqueItems", `{"distinct":["a","a"]}`, `{"distinct":["a","b"]}`, "unique_items"},
		{"format", `{"email":"nobody"}`, `{"email":"a@example.com"}`, "format"},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			_, err := reg.Fire(ctx, mem, Alice, &Ruled{Status: RuledOpen}, "touch", []byte(tc.breaks))
			var e *transition.Error
			require.True(t, errors.As(err, &e), "%v", err)
			require.ErrorIs(t, err, transition.ErrInvalidInput)
			require.Len(t, e.Fields, 1, "%v", e.Fields)
			assert.Equal(t, tc.code, e.Fields[0].Code)
			_, err = reg.Fire(ctx, mem, Alice, &Ruled{Status: RuledOpen}, "touch", []byte(tc.keeps))
			assert.NoError(t, err)
		})
	}
}

// TestBadPatternFailsNew: a pattern Go's regexp cannot compile fails the
// registry when it is built, not on the first request.
func TestBadPatternFailsNew(t *testing.T) {
	_, err := registry.New[User, *DB](&registry.Options{Schemas: schema.Compile}, BadRuleds)
	var de *registry.DefinitionError
	require.ErrorAs(t, err, &de)
	require.Len(t, de.Problems, 1)
	assert.Equal(t, registry.InvalidSchema, de.Problems[0].Kind)
	assert.Equal(t, "touch", de.Problems[0].Transition)
	assert.Contains(t, de.Problems[0].Message, `pattern "(["`)
	_ = BadTouch
}
