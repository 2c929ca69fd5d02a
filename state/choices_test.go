package state_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/statecraft/statecraft/internal/stateinfo"
	"github.com/statecraft/statecraft/state"
)

// Package state tells the library (through the internal package
// stateinfo) what a state field declares, from a zero value of its type.
func TestChoices(t *testing.T) {
	var p Project // zero fields: the Types come from Typed
	want := []stateinfo.Choice{
		{Value: json.RawMessage(`1`), Title: "Draft"},
		{Value: json.RawMessage(`2`), Title: "Published"},
		{Value: json.RawMessage(`3`), Title: "Withdrawn"},
		{Value: json.RawMessage(`4`), Title: "Deleted"},
	}
	info, ok := stateinfo.Of(p.Status)
	assert.True(t, ok)
	assert.Equal(t, stateinfo.Info{Choices: want}, info)

	info, ok = stateinfo.Of(p.Review)
	assert.True(t, ok)
	assert.Len(t, info.Choices, 3)
	assert.Equal(t, json.RawMessage(`"requested"`), info.Choices[0].Value)
	assert.True(t, info.Nullable)

	// A State whose value type does not name its Type knows nothing until
	// it holds a state; a Null of it is still nullable.
	plain := state.NewType[int]("Plain")
	one := plain.State(1, "One")
	info, ok = stateinfo.Of(state.State[int]{})
	assert.True(t, ok)
	assert.Nil(t, info.Choices)
	assert.False(t, info.Nullable)
	info, ok = stateinfo.Of(state.Null[int]{})
	assert.True(t, ok)
	assert.Equal(t, stateinfo.Info{Nullable: true}, info)
	info, ok = stateinfo.Of(one)
	assert.True(t, ok)
	assert.Equal(t, []stateinfo.Choice{{Value: json.RawMessage(`1`), Title: "One"}}, info.Choices)

	// A Type that declares no states has no choices, but is known.
	empty := state.NewType[emptyStatus]("Empty")
	emptyType = empty
	info, ok = stateinfo.Of(state.State[emptyStatus]{})
	assert.True(t, ok)
	assert.NotNil(t, info.Choices)
	assert.Empty(t, info.Choices)

	// The choices are copies: changing them changes nothing.
	info, _ = stateinfo.Of(p.Status)
	info.Choices[0].Value[0] = '9'
	info, _ = stateinfo.Of(p.Status)
	assert.Equal(t, json.RawMessage(`1`), info.Choices[0].Value)

	// Anything else, pointers to states included, is no state field.
	for _, v := range []any{nil, 1, "x", Project{}, &p.Status, (*state.State[ProjectStatus])(nil), &p.Review, Gone, Future, Status.In(Gone)} {
		_, ok := stateinfo.Of(v)
		assert.False(t, ok, "%T", v)
	}
}

type emptyStatus int

var emptyType *state.Type[emptyStatus]

func (emptyStatus) StateType() *state.Type[emptyStatus] { return emptyType }
