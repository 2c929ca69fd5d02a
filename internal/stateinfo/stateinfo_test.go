package stateinfo

import (
	"testing"
)

// Without package state, nothing is a state field; with it, Of asks the
// function state registered. (Package state's own tests check what it
// reports of State and Null.)
func TestOf(t *testing.T) {
	if _, ok := Of(1); ok {
		t.Fatal("Of reported a state field with nothing registered")
	}
	defer Register(nil)
	Register(func(v any) (Info, bool) {
		if v == "state" {
			return Info{Nullable: true}, true
		}
		return Info{}, false
	})
	if info, ok := Of("state"); !ok || !info.Nullable {
		t.Errorf(`Of("state") = %+v, %v; want the registered answer`, info, ok)
	}
	if _, ok := Of(1); ok {
		t.Error("Of(1) reported a state field")
	}
}
