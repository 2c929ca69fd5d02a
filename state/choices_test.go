package state_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/statecraft/statecraft/state"
)

func TestChoices(t *testing.T) {
	var p Project // zero fields: the Types come from Typed
	want := []state.Choice{
		{Value: json.RawMessage(`1`), Title: "Draft"},
		{Value: json.RawMessage(`2`), Title: "Published"},
		{Value: json.RawMessage(`3`), Title: "Withdrawn"},
		{Value: json.RawMessage(`4`), Title: "Deleted"},
	}
	assert.Equal(t, want, p.Status.Choices())
	assert.Len(t, p.Review.Choices(), 3)
	assert.Equal(t, json.RawMessage(`"requested"`), p.Review.Choices()[0].Value)
	assert.True(t, p.Review.Nullable())

	// A State whose value type does not name its Type knows nothing until
	// it holds a state.
	plain := state.NewType[int]("Plain")
	one := plain.State(1, "One")
	assert.Nil(t, state.State[int]{}.Choices())
	assert.Equal(t, []state.Choice{{Value: json.RawMessage(`1`), Title: "One"}}, one.Choices())
}
