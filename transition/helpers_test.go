package transition_test

import (
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/statecraft/statecraft/transition"
)

// cmpErrors compares the sentinel errors in Reasons by identity.
var cmpErrors = cmp.Options{cmpopts.EquateErrors()}

// reason is a transition.Reason as its words, for comparisons.
type reason struct {
	Err                    error
	Check, Message, Object string
}

// reasonsOf returns rs as reasons; nil for none.
func reasonsOf(rs []transition.Reason) []reason {
	if rs == nil {
		return nil
	}
	out := make([]reason, len(rs))
	for i, r := range rs {
		out[i] = reason{Err: r.Err, Check: r.Check, Message: r.Message(), Object: r.Object}
	}
	return out
}
