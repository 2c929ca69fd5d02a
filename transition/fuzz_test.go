package transition_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
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
		`{"reason":null}`, `{"REASON":"x"}`, `{"reason":"x"}}`, `{"approve":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		checkDecode(t, Withdraw, payload, []string{"reason"}, []string{"reason"})
		checkDecode(t, Publish, payload, []string{"start_at"}, nil)
		checkDecode(t, Decide, payload, []string{"approve"}, []string{"approve"})
		checkDecode(t, Delete, payload, nil, nil)
	})
}

// wellFormed is the fuzz test's own account of what the decoders accept:
// a JSON object (or nothing, or null), whose keys are among allowed, each
// given once, with every required key present and not null.
func wellFormed(payload []byte, allowed, required []string) bool {
	payload = bytes.TrimSpace(payload)
	if len(payload) == 0 || string(payload) == "null" {
		return len(required) == 0
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		key := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil || seen[key] || !slices.Contains(allowed, key) {
			return false
		}
		if slices.Contains(required, key) && string(raw) == "null" {
			return false
		}
		seen[key] = true
	}
	if _, err := dec.Token(); err != nil {
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		return false
	}
	for _, k := range required {
		if !seen[k] {
			return false
		}
	}
	return true
}

type decoder[I any] interface {
	Decode([]byte) (I, error)
}

func checkDecode[I any](t *testing.T, d decoder[I], payload []byte, allowed, required []string) {
	in, err := d.Decode(payload)
	if err == nil && !wellFormed(payload, allowed, required) {
		t.Fatalf("Decode(%q) accepted a payload with unknown, repeated, missing or null keys", payload)
	}
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
