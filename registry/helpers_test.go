package registry_test

import (
	"encoding/json"
	"reflect"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// cmpOpts compares Availabilities: sentinel errors by identity, input
// types by identity.
var cmpOpts = cmp.Options{
	cmpopts.EquateErrors(),
	cmp.Comparer(func(a, b reflect.Type) bool { return a == b }),
}

// avail is a transition.Availability with its reasons as words.
type avail struct {
	Name, Title string
	Available   bool
	Reasons     []ReasonText
	Targets     []transition.StateRef
	Stays       bool
	NeedsInput  bool
	Required    []string
	Schema      json.RawMessage
}

func availOf(avs []transition.Availability) []avail {
	out := make([]avail, len(avs))
	for i, a := range avs {
		out[i] = avail{Name: a.Name, Title: a.Title, Available: a.Available, Reasons: ReasonsOf(a.Reasons), Targets: a.Targets,
			Stays: a.Stays, NeedsInput: a.NeedsInput, Required: a.Required, Schema: a.Schema}
	}
	return out
}

// refs are states as an Availability's Targets list them.
func refs[T comparable](ss ...state.State[T]) []transition.StateRef {
	out := make([]transition.StateRef, len(ss))
	for i, s := range ss {
		out[i] = transition.StateRef{Value: s.Get(), Title: s.Title()}
	}
	return out
}
