package transition_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/statecraft/statecraft/transition"
)

// FuzzDecode feeds arbitrary payloads to the input decoders of three
// transitions: a required string field, an optional time, and NoInput.
// Decoding never panics; it either returns an input that survives a round
// trip, or an *InputError with at least one field error and the zero input.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		``, `null`, `{}`, `{"reason":"x"}`, `{"reason":1}`, `{"Reason":"x"}`, `{"reason":"x","reason":"y"}`,
		`{"reason":"x"} trailing`, `{"start_at":"2027-01-02T03:04:05Z"}`, `{"start_at":"soon"}`,
		`{"approve":true}`, `{"approve":"yes"}`, `[`, `"\u0000"`, `{"a":{"b":[1,2,{"c":null}]}}`, "\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		checkDecode(t, Withdraw, payload)
		checkDecode(t, Publish, payload)
		checkDecode(t, Decide, payload)
		checkDecode(t, Delete, payload)
	})
}

type decoder[I any] interface {
	Decode([]byte) (I, error)
}

func checkDecode[I any](t *testing.T, d decoder[I], payload []byte) {
	in, err := d.Decode(payload)
	if err != nil {
		var ie *transition.InputError
		if !errors.As(err, &ie) || !errors.Is(err, transition.ErrInvalidInput) {
			t.Fatalf("Decode(%q): error %T %v is not an *InputError", payload, err, err)
		}
		if len(ie.Fields) == 0 {
			t.Fatalf("Decode(%q): an InputError without field errors", payload)
		}
		var zero I
		if diff := cmp.Diff(zero, in); diff != "" {
			t.Fatalf("Decode(%q) failed but returned a value:\n%s", payload, diff)
		}
		return
	}
	again, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("Decode(%q) = %+v, which does not encode: %v", payload, in, err)
	}
	back, err := d.Decode(again)
	if err != nil {
		t.Fatalf("Decode(%q) = %+v, whose encoding %s does not decode: %v", payload, in, again, err)
	}
	if diff := cmp.Diff(in, back); diff != "" {
		t.Fatalf("round trip of %q differs:\n%s", payload, diff)
	}
}
