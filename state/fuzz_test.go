package state_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
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
		if ve.Type != typ.Name() {
			t.Fatalf("Scan(%#v): error names type %q, not %q", src, ve.Type, typ.Name())
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
	if isNull := string(bytes.Trim(data, " \t\r\n")) == "null"; isNull != n.IsZero() {
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
