package state_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/statecraft/statecraft/state"
)

// The fuzz targets check the field readers (Scan, UnmarshalJSON,
// UnmarshalText) on arbitrary input: they never panic; what they accept is a
// declared state that writes back to a value reading as the same state;
// what they reject leaves the field exactly as it was. The seed corpus is in
// testdata/fuzz.

// fuzzDeclared fails unless s is a state that typ declares.
func fuzzDeclared[T comparable](t *testing.T, typ *state.Type[T], s state.State[T], input any) {
	t.Helper()
	if s.IsZero() {
		t.Fatalf("%#v read as the zero State without an error", input)
	}
	if s.Type() != typ {
		t.Fatalf("%#v read as %v of %v, not of %v", input, s, s.Type(), typ)
	}
	if got, ok := typ.Lookup(s.Get()); !ok || got != s {
		t.Fatalf("%#v read as %v, which %v does not declare by its value %v", input, s, typ, s.Get())
	}
}

// fuzzScanState scans src into a State[T] holding start.
func fuzzScanState[T comparable](t *testing.T, typ *state.Type[T], start state.State[T], src any) (state.State[T], error) {
	t.Helper()
	s := start
	err := s.Scan(src)
	if err != nil {
		if !errors.Is(err, state.ErrUnknownValue) && !errors.Is(err, state.ErrNoState) {
			t.Fatalf("Scan(%#v): error wraps neither ErrUnknownValue nor ErrNoState: %v", src, err)
		}
		var ve *state.ValueError
		if !errors.As(err, &ve) {
			t.Fatalf("Scan(%#v): error is %T, not *state.ValueError: %v", src, err, err)
		}
		if ve.Type != typ.String() {
			t.Fatalf("Scan(%#v): error names type %q, not %q", src, ve.Type, typ.String())
		}
		if s != start {
			t.Fatalf("Scan(%#v) failed but changed the field from %v to %v", src, start, s)
		}
		return s, err
	}
	fuzzDeclared(t, typ, s, src)

	// Value writes what Scan reads back as the same state, into a State and
	// into a Null.
	v, err := s.Value()
	if err != nil {
		t.Fatalf("Value of %v, scanned from %#v: %v", s, src, err)
	}
	var back state.State[T]
	if err := back.Scan(v); err != nil || back != s {
		t.Fatalf("%v scanned from %#v writes %#v, which scans back as %v, %v", s, src, v, back, err)
	}
	var null state.Null[T]
	if err := null.Scan(v); err != nil || null.State != s {
		t.Fatalf("%v scanned from %#v writes %#v, which scans into a Null as %v, %v", s, src, v, null, err)
	}
	return s, nil
}

// fuzzScanNull scans src into a Null[T] holding start.
func fuzzScanNull[T comparable](t *testing.T, typ *state.Type[T], start state.State[T], src any) {
	t.Helper()
	n := state.Null[T]{State: start}
	err := n.Scan(src)
	if err != nil {
		if !errors.Is(err, state.ErrUnknownValue) {
			t.Fatalf("Null Scan(%#v): error does not wrap ErrUnknownValue: %v", src, err)
		}
		if n.State != start {
			t.Fatalf("Null Scan(%#v) failed but changed the field from %v to %v", src, start, n)
		}
		return
	}
	if src == nil {
		if !n.IsZero() {
			t.Fatalf("Null Scan(nil) left %v", n)
		}
		return
	}
	fuzzDeclared(t, typ, n.State, src)
	v, err := n.Value()
	if err != nil {
		t.Fatalf("Null Value of %v: %v", n, err)
	}
	var back state.Null[T]
	if err := back.Scan(v); err != nil || back != n {
		t.Fatalf("Null %v scanned from %#v writes %#v, which scans back as %v, %v", n, src, v, back, err)
	}
}

// fuzzScanAll scans src into every kind of field the fixture has, empty and
// holding a state, and returns what the zero fields read.
func fuzzScanAll(t *testing.T, src any) (ps State, psErr error, rs colReview, rsErr error) {
	t.Helper()
	ps, psErr = fuzzScanState(t, ProjectState, State{}, src)
	fuzzScanState(t, ProjectState, Published, src)
	rs, rsErr = fuzzScanState(t, ReviewState, colReview{}, src)
	fuzzScanState(t, ReviewState, Requested, src)
	fuzzScanState(t, colCodes, state.State[colCode]{}, src)
	fuzzScanState(t, colCodes, colX, src)
	fuzzScanNull(t, ProjectState, State{}, src)
	fuzzScanNull(t, ProjectState, Published, src)
	fuzzScanNull(t, ReviewState, colReview{}, src)
	fuzzScanNull(t, ReviewState, Approved, src)
	return
}

func FuzzScan(f *testing.F) {
	f.Add(int64(2), "approved", []byte("rejected"))
	f.Add(int64(9), "3", []byte("4"))
	f.Add(int64(-1), "Published", []byte("\xff"))
	f.Fuzz(func(t *testing.T, i int64, s string, b []byte) {
		// The same value in the forms drivers return it.
		ps, psErr, rs, rsErr := fuzzScanAll(t, i)
		_, want := ProjectState.Lookup(ProjectStatus(i))
		if (psErr == nil) != want {
			t.Fatalf("Scan(int64(%d)) into ProjectState: error %v, but Lookup says declared=%v", i, psErr, want)
		}
		if rsErr == nil {
			t.Fatalf("Scan(int64(%d)) into ReviewState read %v, which has no numeric states", i, rs)
		}

		fuzzScanAll(t, float64(i))
		fuzzScanAll(t, math.Float64frombits(uint64(i)))
		fuzzScanAll(t, ProjectStatus(i))

		ps, psErr, rs, rsErr = fuzzScanAll(t, s)
		if p, err := ProjectState.Parse(s); (err == nil) != (psErr == nil) || p != ps {
			t.Fatalf("Scan(%q) into ProjectState = %v, %v; Parse = %v, %v", s, ps, psErr, p, err)
		}
		if r, ok := ReviewState.Lookup(ReviewStatus(s)); ok != (rsErr == nil) || r != rs {
			t.Fatalf("Scan(%q) into ReviewState = %v, %v; Lookup = %v, %v", s, rs, rsErr, r, ok)
		}
		fuzzScanAll(t, ReviewStatus(s))

		// []byte reads as the same string, and the error does not keep the
		// driver's buffer.
		buf := bytes.Clone(b)
		bps, bpsErr, brs, brsErr := fuzzScanAll(t, buf)
		sps, spsErr, srs, srsErr := fuzzScanAll(t, string(b))
		if bps != sps || (bpsErr == nil) != (spsErr == nil) || brs != srs || (brsErr == nil) != (srsErr == nil) {
			t.Fatalf("%q reads differently as []byte (%v, %v; %v, %v) and as string (%v, %v; %v, %v)",
				b, bps, bpsErr, brs, brsErr, sps, spsErr, srs, srsErr)
		}
		for _, err := range []error{bpsErr, brsErr} {
			var ve *state.ValueError
			if !errors.As(err, &ve) {
				continue
			}
			for j := range buf {
				buf[j] ^= 0xff
			}
			if got, ok := ve.Value.([]byte); !ok || !bytes.Equal(got, b) {
				t.Fatalf("the error for %q holds %#v after the driver reused its buffer", b, ve.Value)
			}
		}
	})
}

// fuzzJSONState decodes data into a State[T] holding start, directly.
func fuzzJSONState[T comparable](t *testing.T, typ *state.Type[T], start state.State[T], data []byte) (state.State[T], error) {
	t.Helper()
	s := start
	err := s.UnmarshalJSON(data)
	if err != nil {
		if s != start {
			t.Fatalf("UnmarshalJSON(%q) failed but changed the field from %v to %v", data, start, s)
		}
		return s, err
	}
	if !json.Valid(data) {
		t.Fatalf("UnmarshalJSON(%q), which is not valid JSON, read %v", data, s)
	}
	fuzzDeclared(t, typ, s, string(data))
	out, err := s.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON of %v, decoded from %q: %v", s, data, err)
	}
	var back state.State[T]
	if err := back.UnmarshalJSON(out); err != nil || back != s {
		t.Fatalf("%v decoded from %q encodes as %s, which decodes as %v, %v", s, data, out, back, err)
	}
	return s, nil
}

// fuzzJSONNull decodes data into a Null[T] holding start, directly.
func fuzzJSONNull[T comparable](t *testing.T, typ *state.Type[T], start state.State[T], data []byte) (state.Null[T], error) {
	t.Helper()
	n := state.Null[T]{State: start}
	err := n.UnmarshalJSON(data)
	if err != nil {
		if n.State != start {
			t.Fatalf("Null UnmarshalJSON(%q) failed but changed the field from %v to %v", data, start, n)
		}
		return n, err
	}
	if !json.Valid(data) {
		t.Fatalf("Null UnmarshalJSON(%q), which is not valid JSON, read %v", data, n)
	}
	// null is no state, and so is "", the zero Null as a map key, unless
	// it is a state's JSON form.
	trimmed := string(bytes.Trim(data, " \t\r\n"))
	none := trimmed == "null" || trimmed == `""` && !fuzzHasJSONForm(typ, trimmed)
	if none != n.IsZero() {
		t.Fatalf("Null UnmarshalJSON(%q) read %v", data, n)
	}
	if !n.IsZero() {
		fuzzDeclared(t, typ, n.State, string(data))
	}
	out, err := n.MarshalJSON()
	if err != nil {
		t.Fatalf("Null MarshalJSON of %v, decoded from %q: %v", n, data, err)
	}
	back := state.Null[T]{State: start}
	if err := back.UnmarshalJSON(out); err != nil || back != n {
		t.Fatalf("Null %v decoded from %q encodes as %s, which decodes as %v, %v", n, data, out, back, err)
	}
	return n, nil
}

// fuzzHasJSONForm reports whether data is the JSON form of a state of typ.
func fuzzHasJSONForm[T comparable](typ *state.Type[T], data string) bool {
	for s := range typ.States() {
		if j, err := s.MarshalJSON(); err == nil && string(j) == data {
			return true
		}
	}
	return false
}

// fuzzJSONField decodes data with encoding/json into a State[T] holding
// start, and checks it reads what UnmarshalJSON reads.
func fuzzJSONField[T comparable](t *testing.T, typ *state.Type[T], start state.State[T], data []byte) {
	t.Helper()
	direct, directErr := fuzzJSONState(t, typ, start, data)
	s := start
	err := json.Unmarshal(data, &s)
	if err != nil {
		if s != start {
			t.Fatalf("json.Unmarshal(%q) failed but changed the field from %v to %v", data, start, s)
		}
	} else {
		fuzzDeclared(t, typ, s, string(data))
	}
	if json.Valid(data) && (s != direct || (err == nil) != (directErr == nil)) {
		t.Fatalf("%q decodes as %v, %v with encoding/json but as %v, %v with UnmarshalJSON", data, s, err, direct, directErr)
	}

	n := state.Null[T]{State: start}
	directNull, directNullErr := fuzzJSONNull(t, typ, start, data)
	err = json.Unmarshal(data, &n)
	if err != nil && n.State != start {
		t.Fatalf("json.Unmarshal(%q) into a Null failed but changed the field from %v to %v", data, start, n)
	}
	if json.Valid(data) && (n != directNull || (err == nil) != (directNullErr == nil)) {
		t.Fatalf("%q decodes into a Null as %v, %v with encoding/json but as %v, %v with UnmarshalJSON", data, n, err, directNull, directNullErr)
	}
}

// fuzzJSONKeys decodes data with encoding/json into maps keyed by State[T]
// and by Null[T], which hands each key to UnmarshalJSON quoted: every key
// read is declared, and the map writes back to JSON that reads as the same
// map. A JSON string reads the same as a key as it does as a value.
func fuzzJSONKeys[T comparable](t *testing.T, typ *state.Type[T], data []byte) {
	t.Helper()
	var m map[state.State[T]]int
	if err := json.Unmarshal(data, &m); err == nil {
		for k := range m {
			fuzzDeclared(t, typ, k, string(data))
		}
		fuzzJSONRoundTrip(t, m, maps.Equal)
	}
	var nm map[state.Null[T]]int
	if err := json.Unmarshal(data, &nm); err == nil {
		for k := range nm {
			if !k.IsZero() {
				fuzzDeclared(t, typ, k.State, string(data))
			}
		}
		fuzzJSONRoundTrip(t, nm, maps.Equal)
	}

	trimmed := bytes.Trim(data, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '"' || !json.Valid(trimmed) {
		return
	}
	var direct state.Null[T]
	directErr := direct.UnmarshalJSON(trimmed)
	var km map[state.Null[T]]int
	err := json.Unmarshal([]byte("{"+string(trimmed)+":1}"), &km)
	if (err == nil) != (directErr == nil) || err == nil && (len(km) != 1 || km[direct] != 1) {
		t.Fatalf("%s reads as a value as %v, %v, but as a key as %v, %v", trimmed, direct, directErr, km, err)
	}
}

func FuzzUnmarshalJSON(f *testing.F) {
	f.Add([]byte("2"))
	f.Add([]byte(`"approved"`))
	f.Add([]byte("null"))
	f.Add([]byte(`{"ID":1,"Status":2,"Review":"approved"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, start := range []State{{}, Published} {
			fuzzJSONField(t, ProjectState, start, data)
		}
		for _, start := range []colReview{{}, Requested} {
			fuzzJSONField(t, ReviewState, start, data)
		}
		fuzzJSONKeys(t, ProjectState, data)
		fuzzJSONKeys(t, ReviewState, data)
		fuzzJSONKeys(t, colMarks, data)

		// The whole model.
		start := Project{ID: 1, Status: Published, Review: state.Null[ReviewStatus]{State: Requested}}
		p := start
		err := json.Unmarshal(data, &p)
		if p.Status.IsZero() {
			t.Fatalf("json.Unmarshal(%q) (error %v) cleared Status", data, err)
		}
		fuzzDeclared(t, ProjectState, p.Status, string(data))
		if !p.Review.IsZero() {
			fuzzDeclared(t, ReviewState, p.Review.State, string(data))
		}
		if err != nil {
			return
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("Marshal of %+v, decoded from %q: %v", p, data, err)
		}
		var q Project
		if err := json.Unmarshal(out, &q); err != nil {
			t.Fatalf("%q decodes, encodes as %s, which does not decode: %v", data, out, err)
		}
		if q.ID != p.ID || q.Status != p.Status || q.Review != p.Review {
			t.Fatalf("%q decodes as %+v, encodes as %s, which decodes as %+v", data, p, out, q)
		}
	})
}

// fuzzTextState decodes text into a State[T] holding start.
func fuzzTextState[T comparable](t *testing.T, typ *state.Type[T], start state.State[T], text []byte) {
	t.Helper()
	s := start
	err := s.UnmarshalText(text)
	parsed, parseErr := typ.Parse(string(text))
	if (err == nil) != (parseErr == nil) || (err == nil && parsed != s) {
		t.Fatalf("UnmarshalText(%q) = %v, %v; Parse = %v, %v", text, s, err, parsed, parseErr)
	}
	if err != nil {
		if !errors.Is(err, state.ErrUnknownValue) {
			t.Fatalf("UnmarshalText(%q): error does not wrap ErrUnknownValue: %v", text, err)
		}
		if s != start {
			t.Fatalf("UnmarshalText(%q) failed but changed the field from %v to %v", text, start, s)
		}
	} else {
		fuzzDeclared(t, typ, s, string(text))
		out, err := s.MarshalText()
		if err != nil || !bytes.Equal(out, text) {
			t.Fatalf("%v decoded from %q encodes as %q, %v: text forms are exact", s, text, out, err)
		}
	}

	n := state.Null[T]{State: start}
	err = n.UnmarshalText(text)
	switch {
	case err != nil:
		if !errors.Is(err, state.ErrUnknownValue) || n.State != start {
			t.Fatalf("Null UnmarshalText(%q) = %v, %v (from %v)", text, n, err, start)
		}
	case len(text) == 0:
		if !n.IsZero() {
			t.Fatalf("Null UnmarshalText of empty text read %v", n)
		}
	default:
		fuzzDeclared(t, typ, n.State, string(text))
		out, err := n.MarshalText()
		if err != nil || !bytes.Equal(out, text) {
			t.Fatalf("Null %v decoded from %q encodes as %q, %v", n, text, out, err)
		}
	}
}

func FuzzUnmarshalText(f *testing.F) {
	f.Add([]byte("2"))
	f.Add([]byte("approved"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, text []byte) {
		for _, start := range []State{{}, Published} {
			fuzzTextState(t, ProjectState, start, text)
		}
		for _, start := range []colReview{{}, Requested} {
			fuzzTextState(t, ReviewState, start, text)
		}
		for _, start := range []state.State[colCode]{{}, colTen} {
			fuzzTextState(t, colCodes, start, text)
		}
	})
}

// fuzzJSONRoundTrip checks that x, written with json.Marshal and read back
// with json.Unmarshal into a zero value, is x again.
func fuzzJSONRoundTrip[V any](t *testing.T, x V, equal func(a, b V) bool) {
	t.Helper()
	b, err := json.Marshal(x)
	if err != nil {
		t.Fatalf("Marshal(%#v): %v", x, err)
	}
	var back V
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("%#v marshals as %s, which does not unmarshal: %v", x, b, err)
	}
	if !equal(x, back) {
		t.Fatalf("%#v marshals as %s, which unmarshals as %#v", x, b, back)
	}
}

// fuzzRoundTripType builds values from the states of typ that picks choose
// (a pick past the last state is no state) and checks that each encodes to
// JSON and back unchanged: States, Nulls, maps keyed by either, and a
// slice of Nulls. T must name typ (see state.Typed).
func fuzzRoundTripType[T comparable](t *testing.T, typ *state.Type[T], picks []byte) {
	t.Helper()
	states := slices.Collect(typ.States())
	// The zero Null key and a state whose text form is empty are both
	// written as the key "": such a map cannot hold both.
	_, err := typ.Parse("")
	zeroKey := err != nil

	eqState := func(a, b state.State[T]) bool { return a == b }
	eqNull := func(a, b state.Null[T]) bool { return a == b }
	byState := map[state.State[T]]int{}
	byNull := map[state.Null[T]]int{}
	var nulls []state.Null[T]
	for i, p := range picks {
		var s state.State[T]
		if k := int(p) % (len(states) + 1); k < len(states) {
			s = states[k]
		}
		n := state.Null[T]{State: s}
		fuzzJSONRoundTrip(t, n, eqNull)
		nulls = append(nulls, n)
		if !s.IsZero() || zeroKey {
			byNull[n] = i
		}
		if s.IsZero() {
			continue
		}
		fuzzJSONRoundTrip(t, s, eqState)
		byState[s] = i

		text, err := s.MarshalText()
		if err != nil {
			t.Fatalf("MarshalText of %v: %v", s, err)
		}
		var back state.State[T]
		if err := back.UnmarshalText(text); err != nil || back != s {
			t.Fatalf("%v has text form %q, which reads as %v, %v", s, text, back, err)
		}
	}
	fuzzJSONRoundTrip(t, byState, maps.Equal)
	fuzzJSONRoundTrip(t, byNull, maps.Equal)
	fuzzJSONRoundTrip(t, nulls, slices.Equal)
}

// fuzzDyn is a string state type declared afresh from each fuzz input.
// FuzzRoundTrip sets fuzzDynType before using it; fuzz inputs run one at a
// time within a process.
type fuzzDyn string

var fuzzDynType *state.Type[fuzzDyn]

func (fuzzDyn) StateType() *state.Type[fuzzDyn] { return fuzzDynType }

// fuzzDeclare declares a state of value v on fuzzDynType, unless the Type
// refuses it, which it may do only because v's value or JSON form is an
// earlier state's.
func fuzzDeclare(t *testing.T, v fuzzDyn, title string) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		de, ok := r.(*state.DeclarationError)
		if !ok || !errors.Is(de, state.ErrDuplicate) {
			panic(r)
		}
		j, _ := json.Marshal(v)
		for s := range fuzzDynType.States() {
			if sj, _ := json.Marshal(s.Get()); s.Get() == v || bytes.Equal(sj, j) {
				return
			}
		}
		t.Fatalf("state %q, with JSON form %s, was refused though no state shares its value or JSON form: %v", v, j, de)
	}()
	fuzzDynType.State(v, title)
}

func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3}, "draft\x1fpublished")
	f.Add([]byte{4, 3, 2, 1, 0}, "")
	f.Add([]byte{0, 1, 2, 3}, "\xff\x1f\xfe\x1f\ufffd\x1f\x1fa\"b\\\x1f<&>\u2028")
	f.Fuzz(func(t *testing.T, picks []byte, values string) {
		if len(picks) > 64 {
			picks = picks[:64]
		}
		fuzzRoundTripType(t, ProjectState, picks)
		fuzzRoundTripType(t, ReviewState, picks)
		fuzzRoundTripType(t, colCodes, picks)
		fuzzRoundTripType(t, colMarks, picks)

		// A string Type whose values come from the input, split at \x1f.
		fuzzDynType = state.NewType[fuzzDyn]("Dyn")
		for i, v := range strings.Split(values, "\x1f") {
			fuzzDeclare(t, fuzzDyn(v), "S"+strconv.Itoa(i))
		}
		fuzzRoundTripType(t, fuzzDynType, picks)
	})
}
