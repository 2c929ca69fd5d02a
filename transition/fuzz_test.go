package transition_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/internal/stateinfo"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// FuzzDecode feeds arbitrary payloads to the input decoders of three
// transitions: a required string field, an optional time, and NoInput.
// Decoding never panics; it either returns an input that survives a round
// trip, or an *Error of ErrInvalidInput with at least one field error and
// the zero input.
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
		var ie *transition.Error
		if !errors.As(err, &ie) || transition.KindOf(ie) != transition.ErrInvalidInput {
			t.Fatalf("Decode(%q): error %T %v is not an *Error of ErrInvalidInput", payload, err, err)
		}
		if len(ie.Fields) == 0 {
			t.Fatalf("Decode(%q): invalid input without field errors", payload)
		}
		checkFieldErrors(t, payload, ie.Fields)
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

// decodeCodes are the codes of the problems decoding reports.
var decodeCodes = []string{"required", "unknown", "type", "syntax", "too_many", "duplicate", "too_deep"}

// checkFieldErrors checks that every field error of a refused payload
// names its field as a JSON Pointer ("" for the whole input) and has one
// of the decoding codes.
func checkFieldErrors(t *testing.T, payload []byte, fes []transition.FieldError) {
	t.Helper()
	for _, fe := range fes {
		if fe.Field != "" && !strings.HasPrefix(fe.Field, "/") {
			t.Fatalf("Decode(%q): field %q is not a JSON Pointer", payload, fe.Field)
		}
		if !slices.Contains(decodeCodes, fe.Code) {
			t.Fatalf("Decode(%q): field error %v has the code %q", payload, fe, fe.Code)
		}
	}
}

// fuzzInput has a field of every shape decoding knows: scalars, a pointer
// to a struct, slices of structs, maps, states, a recursive type and an
// interface.
type fuzzInput struct {
	Name   string                      `json:"name"`
	Age    int8                        `json:"age,omitempty"`
	Ratio  float32                     `json:"ratio,omitempty"`
	OK     bool                        `json:"ok,omitempty"`
	Home   *address                    `json:"home"`
	Stops  []address                   `json:"stops,omitempty"`
	Tags   map[string]string           `json:"tags,omitempty"`
	Counts map[int]uint8               `json:"counts,omitempty"`
	Review state.Null[ReviewStatus]    `json:"review,omitempty"`
	Phase  *state.State[ProjectStatus] `json:"phase,omitempty"`
	Kids   []comment                   `json:"kids,omitempty"`
	Any    any                         `json:"any,omitempty"`
}

// FuzzDecodeNested checks decoding of nested inputs against an account of
// the rules written another way: over the tree encoding/json decodes into
// any. Decode never panics; what it accepts, encoding/json accepts (with
// unknown fields disallowed) as the same value, the oracle accepts, and a
// round trip keeps; what it refuses is an *Error of ErrInvalidInput with a bounded list
// of short field errors; and what the oracle, encoding/json and a check
// for repeated keys all accept, it accepts.
func FuzzDecodeNested(f *testing.F) {
	for _, s := range []string{
		`{"name":"a","home":null}`,
		`{"name":"a","home":{"city":"x"},"stops":[{"city":"y","zip":"1"}],"tags":{"k":"v"},"counts":{"1":2}}`,
		`{"name":"a","home":{}}`, `{"name":"a","home":{"City":"x"}}`, `{"name":"a","home":null,"stops":[null]}`,
		`{"name":"a","home":null,"stops":[{"city":"y","zap":1}]}`, `{"name":"a","home":null,"age":128}`,
		`{"name":"a","home":null,"counts":{"x":1}}`, `{"name":"a","home":null,"counts":{"1":256}}`,
		`{"name":"a","home":null,"review":"approved","phase":2}`, `{"name":"a","home":null,"review":"nope"}`,
		`{"name":"a","home":null,"phase":null}`, `{"name":"a","home":null,"review":null}`,
		`{"name":"a","home":null,"kids":[{"text":"t","replies":[{"text":"u"}]}]}`,
		`{"name":"a","home":null,"kids":[{"text":"t","replies":[{}]}]}`,
		`{"name":"a","home":null,"any":{"x":[1,{"y":null}],"x":2}}`, `{"name":"a","home":null,"tags":{"k":"v","k":"w"}}`,
		`{"name":"a","home":null,"ratio":1e39}`, `{"name":"a","home":null,"ok":"true"}`, `{"name":null,"home":null}`,
	} {
		f.Add([]byte(s))
	}
	doors := transition.For[User, *DB](DoorStatus)
	tr := transition.New[fuzzInput](doors, "fuzz", transition.From(Closed).Stay()).AllowAnyone()
	typ := reflect.TypeFor[fuzzInput]()
	f.Fuzz(func(t *testing.T, payload []byte) {
		in, err := tr.Decode(payload)
		var tree any
		dec := json.NewDecoder(bytes.NewReader(payload))
		dec.UseNumber()
		parsed := dec.Decode(&tree) == nil && dec.More() == false
		if parsed {
			_, err := dec.Token()
			parsed = err == io.EOF
		}
		var strict fuzzInput
		sdec := json.NewDecoder(bytes.NewReader(payload))
		sdec.DisallowUnknownFields()
		strictOK := sdec.Decode(&strict) == nil
		if strictOK {
			_, err := sdec.Token()
			strictOK = err == io.EOF
		}
		oracleOK := parsed && obeys(tree, typ, true)

		if err != nil {
			var ie *transition.Error
			if !errors.As(err, &ie) || transition.KindOf(ie) != transition.ErrInvalidInput || len(ie.Fields) == 0 || len(ie.Fields) > 51 {
				t.Fatalf("Decode(%q): want an *Error of ErrInvalidInput with 1 to 51 field errors, got %v", payload, err)
			}
			for _, fe := range ie.Fields {
				if len(fe.Error()) > 600 {
					t.Fatalf("Decode(%q): a field error of %d bytes: %.200s", payload, len(fe.Error()), fe.Error())
				}
			}
			checkFieldErrors(t, payload, ie.Fields)
			if diff := cmp.Diff(fuzzInput{}, in); diff != "" {
				t.Fatalf("Decode(%q) failed but returned a value:\n%s", payload, diff)
			}
			if oracleOK && strictOK && !repeatsKeys(payload) {
				t.Fatalf("Decode(%q) refused a payload that follows every rule: %v", payload, err)
			}
			return
		}
		if !oracleOK {
			t.Fatalf("Decode(%q) accepted a payload that breaks the rules", payload)
		}
		if !strictOK {
			t.Fatalf("Decode(%q) accepted a payload encoding/json refuses", payload)
		}
		if diff := cmp.Diff(strict, in); diff != "" {
			t.Fatalf("Decode(%q) differs from encoding/json:\n%s", payload, diff)
		}
		again, err := json.Marshal(in)
		if err != nil {
			t.Fatalf("Decode(%q) = %+v, which does not encode: %v", payload, in, err)
		}
		back, err := tr.Decode(again)
		if err != nil {
			t.Fatalf("Decode(%q) = %+v, whose encoding %s does not decode: %v", payload, in, again, err)
		}
		// omitempty drops empty slices and maps: nil and empty are one.
		if diff := cmp.Diff(in, back, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip of %q differs:\n%s", payload, diff)
		}
	})
}

// obeys reports whether v, as encoding/json decodes JSON into any (with
// numbers as json.Number), follows the decoding rules for Go type t: keys
// named exactly as fields, required fields present and, unless their type
// holds null, not null; elements and map values not null unless their type
// holds null; scalars of the right kind and range.
func obeys(v any, t reflect.Type, required bool) bool {
	if v == nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
			return true
		}
		if info, ok := stateinfo.Of(reflect.Zero(t).Interface()); ok && info.Nullable {
			return true
		}
		if !required && reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
			return json.Unmarshal([]byte("null"), reflect.New(t).Interface()) == nil
		}
		return !required
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		raw, _ := json.Marshal(v)
		return json.Unmarshal(raw, reflect.New(t).Interface()) == nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		return obeys(v, t.Elem(), true)
	case reflect.Interface:
		return true
	case reflect.String:
		_, ok := v.(string)
		return ok
	case reflect.Bool:
		_, ok := v.(bool)
		return ok
	case reflect.Int8, reflect.Int:
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		_, err := strconv.ParseInt(string(n), 10, t.Bits())
		return err == nil
	case reflect.Uint8:
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		_, err := strconv.ParseUint(string(n), 10, t.Bits())
		return err == nil
	case reflect.Float32:
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		_, err := strconv.ParseFloat(string(n), 32)
		return err == nil
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			return false
		}
		for _, e := range list {
			if !obeys(e, t.Elem(), true) {
				return false
			}
		}
		return true
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return false
		}
		for k, e := range obj {
			if t.Key().Kind() == reflect.Int {
				if _, err := strconv.ParseInt(k, 10, 64); err != nil {
					return false
				}
			}
			if !obeys(e, t.Elem(), true) {
				return false
			}
		}
		return true
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return false
		}
		known := map[string]bool{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			known[name] = true
			optional := strings.Contains(opts, "omitempty")
			e, present := obj[name]
			if !present {
				if !optional {
					return false
				}
				continue
			}
			if !obeys(e, f.Type, !optional) {
				return false
			}
		}
		for k := range obj {
			if !known[k] {
				return false
			}
		}
		return true
	}
	panic("obeys: no rule for " + t.String())
}

// repeatsKeys reports whether any object in payload, at any depth, has a
// key twice. It assumes payload is well-formed.
func repeatsKeys(payload []byte) bool {
	type frame struct {
		object, atKey bool
		seen          map[string]bool
	}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(payload))
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].atKey {
			if tok == json.Delim('}') {
				stack = stack[:n-1]
				if n > 1 && stack[n-2].object {
					stack[n-2].atKey = true
				}
				continue
			}
			key := tok.(string)
			if stack[n-1].seen[key] {
				return true
			}
			stack[n-1].seen[key] = true
			stack[n-1].atKey = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, atKey: true, seen: map[string]bool{}})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value ended: the enclosing object wants a key next.
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].atKey = true
		}
	}
}
