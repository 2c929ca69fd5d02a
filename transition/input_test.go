package transition_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/transition"
)

func TestDecodeRejectsWithFieldErrors(t *testing.T) {
	cases := []struct {
		name    string
		payload string
		want    []transition.FieldError
	}{
		{"missing required", `{}`, []transition.FieldError{{Field: "/reason", Code: "required", Message: "is required"}}},
		{"empty body", ``, []transition.FieldError{{Field: "/reason", Code: "required", Message: "is required"}}},
		{"null", `null`, []transition.FieldError{{Field: "/reason", Code: "required", Message: "is required"}}},
		{"wrong type", `{"reason": 42}`, []transition.FieldError{{Field: "/reason", Code: "type", Message: "must be a string, not number"}}},
		{"unknown field", `{"reason": "x", "urgent": true}`, []transition.FieldError{{Field: "/urgent", Code: "unknown", Message: "is not a field of this input"}}},
		{"every problem", `{"reason": [], "b": 1, "a": 2}`, []transition.FieldError{
			{Field: "/reason", Code: "type", Message: "must be a string, not array"},
			{Field: "/b", Code: "unknown", Message: "is not a field of this input"},
			{Field: "/a", Code: "unknown", Message: "is not a field of this input"},
		}},
		{"null for a required string", `{"reason": null}`, []transition.FieldError{{Field: "/reason", Code: "required", Message: "is required and may not be null"}}},
		{"mis-cased name", `{"Reason": "x"}`, []transition.FieldError{
			{Field: "/Reason", Code: "unknown", Message: `is not a field of this input (did you mean "reason"?)`},
			{Field: "/reason", Code: "required", Message: "is required"},
		}},
		{"given twice", `{"reason": "a", "reason": "b"}`, []transition.FieldError{{Field: "/reason", Code: "duplicate", Message: "is given more than once"}}},
		{"not an object", `"reason"`, []transition.FieldError{{Code: "type", Message: "must be a JSON object"}}},
		{"array", `[1]`, []transition.FieldError{{Code: "type", Message: "must be a JSON object"}}},
		{"malformed", `{"reason": `, []transition.FieldError{{Code: "syntax", Message: "is malformed JSON: it ends too soon"}}},
		{"bad syntax", `{"reason": x}`, []transition.FieldError{{Code: "syntax", Message: "is malformed JSON at offset 11: invalid character 'x' looking for beginning of value"}}},
		{"trailing data", `{"reason": "x"} {}`, []transition.FieldError{{Code: "syntax", Message: "has data after the JSON object"}}},
		{"trailing brace", `{"reason": "x"}}`, []transition.FieldError{{Code: "syntax", Message: "has data after the JSON object"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, err := Withdraw.Decode([]byte(c.payload))
			ie := errorOf(t, err, transition.ErrInvalidInput)
			require.ErrorIs(t, err, transition.ErrInvalidInput)
			if diff := cmp.Diff(c.want, ie.Fields); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
			assert.Equal(t, WithdrawInput{}, in, "a failed decode returns the zero input")
			assert.Equal(t, "withdraw", ie.Transition)
		})
	}
}

func TestDecodeAccepts(t *testing.T) {
	in, err := Withdraw.Decode([]byte(` {"reason": "budget"} `))
	require.NoError(t, err)
	assert.Equal(t, WithdrawInput{Reason: "budget"}, in)

	// encoding/json would accept "Reason" for "reason"; the schema does
	// not, so neither does Decode.
	_, err = Withdraw.Decode([]byte(`{"Reason": "budget"}`))
	errorOf(t, err, transition.ErrInvalidInput)

	p, err := Publish.Decode([]byte(`{"start_at": "2027-01-02T03:04:05Z"}`))
	require.NoError(t, err)
	assert.Equal(t, time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC), p.StartAt)

	_, err = Publish.Decode([]byte(`{"start_at": "next tuesday"}`))
	ie := errorOf(t, err, transition.ErrInvalidInput)
	require.Len(t, ie.Fields, 1)
	assert.Equal(t, "/start_at", ie.Fields[0].Field, "a field's own decoding error is placed on the field")

	_, err = Delete.Decode(nil)
	require.NoError(t, err)
	_, err = Delete.Decode([]byte(`{"force": true}`))
	ie = errorOf(t, err, transition.ErrInvalidInput)
	assert.Equal(t, []transition.FieldError{{Field: "/force", Code: "unknown", Message: "is not a field of this input"}}, ie.Fields)
}

func TestFireJSON(t *testing.T) {
	ctx, mem := ContextOf(&DB{})
	p := &Project{ID: 1, Owner: "alice", Status: Published}

	_, err := Withdraw.FireJSON(ctx, mem, Alice, p, []byte(`{"reason": ""}`))
	require.ErrorIs(t, err, transition.ErrInvalidInput, "the input's own Validate runs")
	assert.Equal(t, Published, p.Status)

	r, err := Withdraw.FireJSON(ctx, mem, Alice, p, []byte(`{"reason": "done"}`))
	require.NoError(t, err)
	require.Len(t, r.Steps, 1)
	assert.Equal(t, &WithdrawInput{Reason: "done"}, r.Steps[0].Input)
	aborted, _ := r.Aborted()
	assert.False(t, aborted)
	assert.Equal(t, Withdrawn, p.Status)

	_, err = Withdraw.FireJSON(ctx, mem, Alice, p, []byte(`{"reason": "again"}`))
	assert.ErrorIs(t, err, transition.ErrWrongState)
}

func TestValidateAgainstTheModel(t *testing.T) {
	ctx, mem := ContextOf(&DB{})
	p := &Project{ID: 1, Owner: "alice", Status: Draft, Review: Approved, StartAt: Clock()}
	err := Publish.Fire(ctx, mem, Alice, p, PublishInput{StartAt: Clock().Add(-time.Hour)})
	ie := errorOf(t, err, transition.ErrInvalidInput)
	assert.Equal(t, []transition.FieldError{{Field: "/start_at", Code: "invalid", Message: "must not move the start earlier"}}, ie.Fields)
	var fe transition.FieldError
	require.True(t, errors.As(err, &fe), "a single validation error is kept for errors.As")
	assert.Equal(t, Draft, p.Status)
}

func TestValidationErrorsCombine(t *testing.T) {
	doors := transition.For[User, *DB](DoorStatus)
	lock := transition.New[lockInput](doors, "lock", transition.From(Closed).To(Locked)).AllowAnyone().
		Validate(func(context.Context, *DB, *Door, lockInput) error {
			return errors.Join(transition.FieldError{Field: "/code", Message: "is too short"}, transition.FieldError{Field: "/code", Message: "must be digits"})
		}).
		Validate(func(context.Context, *DB, *Door, lockInput) error { return errors.New("the door is jammed") })
	d := &Door{Status: Closed}
	err := lock.Fire(context.Background(), MemOf(&DB{}), Alice, d, lockInput{Code: "x"})
	ie := errorOf(t, err, transition.ErrInvalidInput)
	assert.Equal(t, []transition.FieldError{
		{Field: "/code", Code: "invalid", Message: "must be set"}, // from the pointer-receiver Validate
		{Field: "/code", Code: "invalid", Message: "is too short"},
		{Field: "/code", Code: "invalid", Message: "must be digits"},
		{Code: "invalid", Message: "the door is jammed"},
	}, ie.Fields)
	assert.Nil(t, ie.Err, "three validations failed: no one of them is the cause")
	assert.Equal(t, "alice", ie.Actor())
	assert.Equal(t, "transition_test.Door", ie.Object())
	assert.Equal(t, Closed, d.Status)
}

// A validation that panics is a bug in the program, not bad input.
func TestPanickingValidatorIsAStepError(t *testing.T) {
	doors := transition.For[User, *DB](DoorStatus)
	lock := transition.New[transition.NoInput](doors, "lock", transition.From(Closed).To(Locked)).AllowAnyone().
		Validate(func(context.Context, *DB, *Door, transition.NoInput) error { return nil }).
		Validate(func(context.Context, *DB, *Door, transition.NoInput) error { panic("validator bug") })
	d := &Door{Status: Closed}
	err := lock.Fire(context.Background(), MemOf(&DB{}), Alice, d, transition.NoInput{})
	se := errorOf(t, err, transition.ErrStep)
	assert.NotErrorIs(t, err, transition.ErrInvalidInput)
	assert.Equal(t, "validate", se.Step)
	assert.Equal(t, "validator bug", panicOfError(se))
	assert.Contains(t, se.Error(), "Validate function 2 panicked")
	assert.Equal(t, Closed, d.Status)
}

type lockInput struct {
	Code string `json:"code"`
}

func (in *lockInput) Validate() error {
	if len(in.Code) < 4 {
		return transition.FieldError{Field: "/code", Message: "must be set"}
	}
	return nil
}
