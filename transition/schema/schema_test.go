package schema_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/schema"
)

type withdrawInput struct {
	Reason  string    `json:"reason" jsonschema:"minLength=1,title=Reason"`
	Notify  bool      `json:"notify,omitempty"`
	Until   time.Time `json:"until,omitzero"`
	Comment string    `json:"comment,omitempty" jsonschema:"required"`
	secret  string
}

func TestReflectFollowsDecodingRules(t *testing.T) {
	s := schema.Reflect(reflect.TypeFor[withdrawInput]())
	require.Equal(t, "object", s.Type)
	require.ElementsMatch(t, []string{"reason", "comment"}, s.Required)

	b, err := json.Marshal(s)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	require.Equal(t, false, doc["additionalProperties"], "unknown fields are rejected by decoding, so the schema must say so")
	props := doc["properties"].(map[string]any)
	require.Len(t, props, 4, "unexported fields are not part of the input")
	want := map[string]any{"type": "string", "minLength": float64(1), "title": "Reason"}
	if diff := cmp.Diff(want, props["reason"]); diff != "" {
		t.Errorf("reason (-want +got):\n%s", diff)
	}
	require.Equal(t, "date-time", props["until"].(map[string]any)["format"])
}

func TestNoInputIsAnEmptyObject(t *testing.T) {
	b, err := schema.JSON(nil)
	require.NoError(t, err)
	require.JSONEq(t, `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{},"additionalProperties":false}`, string(b))

	b2, err := schema.JSON(reflect.TypeFor[transition.NoInput]())
	require.NoError(t, err)
	require.JSONEq(t, string(b), string(b2))
}

type verdict string

func (verdict) StateType() *state.Type[verdict] { return verdicts }

var (
	verdicts = state.NewType[verdict]("Verdict")
	_        = verdicts.State("approved", "Approved")
	_        = verdicts.State("rejected", "Rejected")
)

type decideInput struct {
	Outcome  state.State[verdict] `json:"outcome"`
	Previous state.Null[verdict]  `json:"previous,omitempty"`
}

func TestStateFieldsAreTheirDeclaredValues(t *testing.T) {
	b, err := schema.JSON(reflect.TypeFor[decideInput]())
	require.NoError(t, err)
	var doc struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Required   []string                   `json:"required"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	require.JSONEq(t, `{"oneOf":[{"const":"approved","title":"Approved"},{"const":"rejected","title":"Rejected"}]}`, string(doc.Properties["outcome"]))
	require.JSONEq(t, `{"oneOf":[{"const":"approved","title":"Approved"},{"const":"rejected","title":"Rejected"},{"type":"null"}]}`, string(doc.Properties["previous"]))
	require.Equal(t, []string{"outcome"}, doc.Required)
}

// TestReflectInputs: an input type's schema requires its required fields,
// and no input (a nil type, as for NoInput) is an object without
// properties.
func TestReflectInputs(t *testing.T) {
	s := schema.Reflect(reflect.TypeFor[withdrawInput]())
	require.ElementsMatch(t, []string{"reason", "comment"}, s.Required)

	none := schema.Reflect(nil)
	require.Equal(t, "object", none.Type)
	require.Nil(t, none.Properties.Oldest(), "no input has no properties")
}
