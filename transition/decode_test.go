package transition_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

type address struct {
	City string `json:"city"`
	Zip  string `json:"zip,omitempty"`
}

type moveInput struct {
	To      address                    `json:"to"`
	Via     *address                   `json:"via"`     // required, but may be null
	Notes   []string                   `json:"notes"`   // required, but may be null
	Outcome state.State[ProjectStatus] `json:"outcome"` // a state field
	Review  state.Null[ReviewStatus]   `json:"review"`  // required, but may be null
}

func TestDecodeNestedAndNullable(t *testing.T) {
	doors := transition.For[User, *DB](DoorStatus)
	move := transition.New[moveInput](doors, "move", transition.From(Closed).Stay()).AllowAnyone()

	in, err := move.Decode([]byte(`{"to": {"city": "Oslo"}, "via": null, "notes": null, "outcome": 2, "review": null}`))
	require.NoError(t, err)
	assert.Equal(t, "Oslo", in.To.City)
	assert.Equal(t, Published, in.Outcome)
	assert.True(t, in.Review.IsZero())

	for _, c := range []struct {
		name, payload string
		want          []transition.FieldError
	}{
		{"nested required", `{"to": {}, "via": null, "notes": [], "outcome": 1, "review": null}`,
			[]transition.FieldError{{Field: "/to/city", Code: "required", Message: "is required"}}},
		{"nested unknown and mis-cased", `{"to": {"City": "x", "city": "y"}, "via": null, "notes": [], "outcome": 1, "review": null}`,
			[]transition.FieldError{{Field: "/to/City", Code: "unknown", Message: `is not a field of this input (did you mean "city"?)`}}},
		{"nested null", `{"to": {"city": null}, "via": null, "notes": [], "outcome": 1, "review": null}`,
			[]transition.FieldError{{Field: "/to/city", Code: "required", Message: "is required and may not be null"}}},
		{"nested wrong type", `{"to": "Oslo", "via": null, "notes": [], "outcome": 1, "review": null}`,
			[]transition.FieldError{{Field: "/to", Code: "type", Message: "must be an object, not string"}}},
		{"undeclared state", `{"to": {"city": "x"}, "via": null, "notes": [], "outcome": 9, "review": "maybe"}`,
			[]transition.FieldError{
				{Field: "/outcome", Code: "type", Message: "must be one of 1 (Draft), 2 (Published), 3 (Withdrawn), 4 (Deleted), not 9"},
				{Field: "/review", Code: "type", Message: `must be one of "pending" (Pending), "approved" (Approved), "rejected" (Rejected), not "maybe"`},
			}},
		{"state may not be null", `{"to": {"city": "x"}, "via": null, "notes": [], "outcome": null, "review": null}`,
			[]transition.FieldError{{Field: "/outcome", Code: "required", Message: "is required and may not be null"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := move.Decode([]byte(c.payload))
			ie := errorOf(t, err, transition.ErrInvalidInput)
			if diff := cmp.Diff(c.want, ie.Fields); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeOtherInputKinds(t *testing.T) {
	doors := transition.For[User, *DB](DoorStatus)

	// A pointer to a struct follows the struct's rules.
	ptr := transition.New[*WithdrawInput](doors, "ptr", transition.From(Closed).Stay()).AllowAnyone()
	_, err := ptr.Decode([]byte(`{}`))
	require.ErrorContains(t, err, ": invalid input: /reason: is required")
	in, err := ptr.Decode([]byte(`{"reason": "x"}`))
	require.NoError(t, err)
	assert.Equal(t, "x", in.Reason)

	// A list.
	list := transition.New[[]string](doors, "list", transition.From(Closed).Stay()).AllowAnyone()
	// Only a struct input reads nothing as {}: an input of another type
	// must be given (issue 8, defect 9).
	for _, empty := range []string{``, `null`, ` null `} {
		_, err = list.Decode([]byte(empty))
		ie := errorOf(t, err, transition.ErrInvalidInput, "%q", empty)
		assert.Equal(t, []transition.FieldError{{Code: "required", Message: "is required"}}, ie.Fields, "%q", empty)
	}
	got, err := list.Decode([]byte(`["a", "b"]`))
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, got)
	for _, bad := range []string{`["a"]]`, `["a"] 1`, `{"a": 1}`, `[1]`} {
		_, err = list.Decode([]byte(bad))
		require.ErrorIs(t, err, transition.ErrInvalidInput, bad)
	}
}

// An input with no fields (NoInput) decodes an empty body, null, or an
// empty object (whitespace inside or around) without a decoder; anything
// else goes the whole way, and is refused as before.
func TestDecodeNoInput(t *testing.T) {
	doors := transition.For[User, *DB](DoorStatus)
	knock := transition.New[transition.NoInput](doors, "knock", transition.From(Closed).Stay()).AllowAnyone()
	for _, ok := range []string{``, ` `, `null`, `{}`, ` { } `, "{\n\t}"} {
		_, err := knock.Decode([]byte(ok))
		assert.NoError(t, err, "%q", ok)
	}
	for payload, code := range map[string]string{
		`{"x": 1}`: "unknown",
		`{} {}`:    "syntax",
		`{}}`:      "syntax",
		`[]`:       "type",
		`{`:        "syntax",
		`{ x }`:    "syntax",
	} {
		_, err := knock.Decode([]byte(payload))
		var te *transition.Error
		require.ErrorAs(t, err, &te, "%q", payload)
		require.NotEmpty(t, te.Fields, "%q", payload)
		assert.Equal(t, code, te.Fields[0].Code, "%q", payload)
	}
}
