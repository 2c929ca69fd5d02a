package state_test

import (
	"bytes"
	"database/sql"
	"database/sql/driver"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/state"
)

// The field types implement the interfaces database/sql, encoding/json and
// encoding look for.
var (
	_ sql.Scanner              = (*state.State[ProjectStatus])(nil)
	_ driver.Valuer            = state.State[ProjectStatus]{}
	_ json.Marshaler           = state.State[ProjectStatus]{}
	_ json.Unmarshaler         = (*state.State[ProjectStatus])(nil)
	_ encoding.TextMarshaler   = state.State[ProjectStatus]{}
	_ encoding.TextUnmarshaler = (*state.State[ProjectStatus])(nil)
	_ fmt.Stringer             = state.State[ProjectStatus]{}

	_ sql.Scanner              = (*state.Null[ReviewStatus])(nil)
	_ driver.Valuer            = state.Null[ReviewStatus]{}
	_ json.Marshaler           = state.Null[ReviewStatus]{}
	_ json.Unmarshaler         = (*state.Null[ReviewStatus])(nil)
	_ encoding.TextMarshaler   = state.Null[ReviewStatus]{}
	_ encoding.TextUnmarshaler = (*state.Null[ReviewStatus])(nil)
	_ fmt.Stringer             = state.Null[ReviewStatus]{}
)

// colPlainStatus does not implement state.Typed: a zero State of it cannot
// know which values are valid.
type colPlainStatus int

var colPlainState = state.NewType[colPlainStatus]("PlainState")

var (
	colPlainOn  = colPlainState.State(1, "On")
	colPlainOff = colPlainState.State(2, "Off")
)

// colCode is a string state type whose values look like numbers, as a
// string column with numeric affinity (SQLite) may return them as integers
// or reals.
type colCode string

func (colCode) StateType() *state.Type[colCode] { return colCodes }

var colCodes = state.NewType[colCode]("Code")

var (
	colTen = colCodes.State("10", "Ten")
	colX   = colCodes.State("x", "Ex")
)

// assertState asserts that got is want, printing titles rather than the
// states' internals when it is not.
func assertState[T comparable](t *testing.T, want, got state.State[T], msgAndArgs ...any) bool {
	t.Helper()
	if want == got {
		return true
	}
	return assert.Fail(t, fmt.Sprintf("want state %v (%v), got %v (%v)", want, want.Type(), got, got.Type()), msgAndArgs...)
}

// colReview is short for the fixture's review state.
type colReview = state.State[ReviewStatus]

// projectKnown lists the fixture's ProjectState values as messages show them.
const projectKnown = `1 "Draft", 2 "Published", 3 "Withdrawn", 4 "Deleted"`

// colCmp compares models and fields holding states: a State is equal to
// another exactly when it is the same state.
var colCmp = cmp.Options{
	cmp.Comparer(func(a, b state.State[ProjectStatus]) bool { return a == b }),
	cmp.Comparer(func(a, b state.State[ReviewStatus]) bool { return a == b }),
}

func TestColumnScanProjectState(t *testing.T) {
	tests := []struct {
		name string
		src  any
		want State // zero: an error is expected
		err  error // the sentinel the error wraps
		msg  string
	}{
		{name: "int64", src: int64(2), want: Published},
		{name: "int64 other", src: int64(4), want: Deleted},
		{name: "string", src: "3", want: Withdrawn},
		{name: "bytes", src: []byte("1"), want: Draft},
		{name: "float64 integral", src: float64(2), want: Published},
		{name: "float64 negative zero is not a state", src: math.Copysign(0, -1), err: state.ErrUnknownValue},
		{name: "T itself", src: ProjectStatus(3), want: Withdrawn},
		{name: "unknown int64", src: int64(9), err: state.ErrUnknownValue,
			msg: `state: scan: ProjectState does not declare 9 (int64) (declared: ` + projectKnown + `)`},
		{name: "unknown T", src: ProjectStatus(0), err: state.ErrUnknownValue, msg: "ProjectState does not declare 0 (state_test.ProjectStatus)"},
		{name: "negative", src: int64(-2), err: state.ErrUnknownValue},
		{name: "huge", src: int64(math.MaxInt64), err: state.ErrUnknownValue},
		{name: "title is not a value", src: "Published", err: state.ErrUnknownValue,
			msg: `ProjectState does not declare "Published"`},
		{name: "padded string", src: " 2", err: state.ErrUnknownValue},
		{name: "empty string", src: "", err: state.ErrUnknownValue},
		{name: "decimal text", src: "2.0", err: state.ErrUnknownValue},
		{name: "unknown bytes", src: []byte("22"), err: state.ErrUnknownValue, msg: `ProjectState does not declare "22"`},
		{name: "fractional float64", src: 2.5, err: state.ErrUnknownValue, msg: "does not declare 2.5 (float64)"},
		{name: "float64 beyond 2^53", src: float64(1 << 60), err: state.ErrUnknownValue},
		{name: "NaN", src: math.NaN(), err: state.ErrUnknownValue},
		{name: "infinity", src: math.Inf(1), err: state.ErrUnknownValue},
		{name: "bool", src: true, err: state.ErrUnknownValue},
		{name: "time", src: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), err: state.ErrUnknownValue},
		{name: "NULL", src: nil, err: state.ErrNoState,
			msg: `state: scan: ProjectState is required but there is no state (declared: ` + projectKnown + `)`},
	}
	for _, tt := range tests {
		// Scan into a zero field (a freshly declared model) and into fields
		// already holding a state (a reused model).
		for _, start := range []State{{}, Published, Draft} {
			t.Run(fmt.Sprintf("%s/into %v", tt.name, start), func(t *testing.T) {
				field := start
				err := field.Scan(tt.src)
				if tt.err == nil {
					require.NoError(t, err)
					assertState(t, tt.want, field)
					return
				}
				require.Error(t, err)
				assert.ErrorIs(t, err, tt.err)
				var ve *state.ValueError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, "ProjectState", ve.Type)
				assert.True(t, strings.HasPrefix(err.Error(), "state: scan: "), "the error says what was done: %v", err)
				assert.Contains(t, err.Error(), " (declared: "+projectKnown+")", "the error lists the declared values")
				if f, ok := tt.src.(float64); ok && math.IsNaN(f) {
					assert.True(t, math.IsNaN(ve.Value.(float64)), "the error holds the rejected value")
				} else if tt.err == state.ErrUnknownValue {
					assert.Equal(t, tt.src, ve.Value, "the error holds the rejected value")
				}
				assert.Contains(t, err.Error(), "ProjectState")
				if tt.msg != "" {
					assert.Contains(t, err.Error(), tt.msg)
				}
				assertState(t, start, field, "a failed Scan leaves the field as it was")
			})
		}
	}
}

func TestColumnScanReviewState(t *testing.T) {
	tests := []struct {
		name string
		src  any
		want colReview
		err  error
	}{
		{name: "string", src: "approved", want: Approved},
		{name: "bytes", src: []byte("rejected"), want: Rejected},
		{name: "T itself", src: ReviewStatus("requested"), want: Requested},
		{name: "case matters", src: "Approved", err: state.ErrUnknownValue},
		{name: "title is not a value", src: "Review requested", err: state.ErrUnknownValue},
		{name: "int64", src: int64(2), err: state.ErrUnknownValue},
		{name: "float64", src: 1.5, err: state.ErrUnknownValue},
		{name: "empty", src: "", err: state.ErrUnknownValue},
		{name: "unknown T", src: ReviewStatus("maybe"), err: state.ErrUnknownValue},
		{name: "NULL", src: nil, err: state.ErrNoState},
	}
	for _, tt := range tests {
		for _, start := range []colReview{{}, Approved} {
			t.Run(fmt.Sprintf("%s/into %v", tt.name, start), func(t *testing.T) {
				field := start
				err := field.Scan(tt.src)
				if tt.err == nil {
					require.NoError(t, err)
					assertState(t, tt.want, field)
					return
				}
				assert.ErrorIs(t, err, tt.err)
				assert.Contains(t, err.Error(), "ReviewState")
				assert.Contains(t, err.Error(), `requested "Review requested", approved "Approved", rejected "Rejected"`)
				assertState(t, start, field, "a failed Scan leaves the field as it was")
			})
		}
	}
}

// A string state type whose values look like numbers scans from the
// integers and reals a column with numeric affinity returns.
func TestColumnScanNumericText(t *testing.T) {
	for _, src := range []any{"10", []byte("10"), int64(10), float64(10), colCode("10")} {
		var c state.State[colCode]
		require.NoError(t, c.Scan(src), "%T %v", src, src)
		assertState(t, colTen, c, "%T %v", src, src)
	}
	for _, src := range []any{int64(11), float64(10.5), "010", int64(0)} {
		c := colX
		err := c.Scan(src)
		assert.ErrorIs(t, err, state.ErrUnknownValue, "%T %v", src, src)
		assertState(t, colX, c)
	}
	v, err := colTen.Value()
	require.NoError(t, err)
	assert.Equal(t, "10", v, "a string state is written as a string, even when it looks like a number")
}

func TestColumnScanBytesErrorDoesNotAliasBuffer(t *testing.T) {
	buf := []byte("nope")
	field := Published
	err := field.Scan(buf)
	require.ErrorIs(t, err, state.ErrUnknownValue)

	copy(buf, "XXXX") // the driver reuses its buffer for the next row
	var ve *state.ValueError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, []byte("nope"), ve.Value, "the error keeps its own copy of the value")
	assert.Contains(t, err.Error(), `ProjectState does not declare "nope"`)
	assert.NotContains(t, err.Error(), "XXXX")
	assertState(t, Published, field)
}

// A State whose T does not name its Type reads only into a field already
// holding a state; a zero field explains how to fix that.
func TestColumnUntypedState(t *testing.T) {
	t.Run("assigned field", func(t *testing.T) {
		s := colPlainOn
		require.NoError(t, s.Scan(int64(2)))
		assertState(t, colPlainOff, s)
		require.NoError(t, s.UnmarshalJSON([]byte("1")))
		assertState(t, colPlainOn, s)
		require.NoError(t, s.UnmarshalText([]byte("2")))
		assertState(t, colPlainOff, s)

		err := s.Scan(int64(3))
		assert.ErrorIs(t, err, state.ErrUnknownValue)
		assert.Contains(t, err.Error(), "PlainState does not declare 3")
		assertState(t, colPlainOff, s)
	})

	reads := map[string]func(*state.State[colPlainStatus]) error{
		"scan":        func(s *state.State[colPlainStatus]) error { return s.Scan(int64(1)) },
		"scan NULL":   func(s *state.State[colPlainStatus]) error { return s.Scan(nil) },
		"decode JSON": func(s *state.State[colPlainStatus]) error { return s.UnmarshalJSON([]byte("1")) },
		"decode text": func(s *state.State[colPlainStatus]) error { return s.UnmarshalText([]byte("1")) },
	}
	for op, read := range reads {
		t.Run("zero field "+op, func(t *testing.T) {
			var s state.State[colPlainStatus]
			err := read(&s)
			require.Error(t, err)
			msg := err.Error()
			assert.Contains(t, msg, strings.TrimSuffix(op, " NULL"))
			assert.Contains(t, msg, "State[state_test.colPlainStatus] that holds no state")
			assert.Contains(t, msg, "StateType", "the message says how to fix it")
			assert.Contains(t, msg, "state.Typed")
			assert.Contains(t, msg, "assign the field a state first")
			assert.True(t, s.IsZero(), "the field is left as it was")
		})
	}

	t.Run("zero field writes", func(t *testing.T) {
		var s state.State[colPlainStatus]
		_, err := s.Value()
		assert.ErrorIs(t, err, state.ErrNoState)
		assert.Equal(t, "state: value: State[state_test.colPlainStatus] is required but there is no state", err.Error())
		_, err = s.MarshalJSON()
		assert.ErrorIs(t, err, state.ErrNoState)
		_, err = s.MarshalText()
		assert.ErrorIs(t, err, state.ErrNoState)
	})

	t.Run("null", func(t *testing.T) {
		var n state.Null[colPlainStatus]
		require.NoError(t, n.Scan(nil), "NULL needs no Type")
		require.NoError(t, n.UnmarshalJSON([]byte("null")))
		require.NoError(t, n.UnmarshalText(nil))
		assert.True(t, n.IsZero())
		err := n.Scan(int64(1))
		assert.ErrorContains(t, err, "StateType")
		assert.True(t, n.IsZero())
	})
}

func TestColumnValue(t *testing.T) {
	tests := []struct {
		name  string
		value driver.Valuer
		want  driver.Value
	}{
		{"int state", Published, int64(2)},
		{"another int state", Deleted, int64(4)},
		{"string state", Approved, "approved"},
		{"null int state", state.Null[ProjectStatus]{State: Draft}, int64(1)},
		{"null string state", state.Null[ReviewStatus]{State: Rejected}, "rejected"},
		{"zero null", state.Null[ReviewStatus]{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.value.Value()
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.True(t, got == nil || driver.IsValue(got), "%T is a driver.Value", got)
		})
	}

	var zero State
	v, err := zero.Value()
	assert.Nil(t, v)
	assert.ErrorIs(t, err, state.ErrNoState)
	var ve *state.ValueError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "ProjectState", ve.Type)
	assert.Nil(t, ve.Value)
	assert.Equal(t, "state: value: ProjectState is required but there is no state", err.Error())

	var zr colReview
	_, err = zr.Value()
	assert.ErrorIs(t, err, state.ErrNoState)
	assert.Contains(t, err.Error(), "ReviewState is required")
}

// Null reads and writes like database/sql's own nullable types: NULL is no
// state, and any other value must be declared.
func TestColumnNullSQL(t *testing.T) {
	for _, n := range []state.Null[ReviewStatus]{{}, {State: Requested}, {State: Approved}, {State: Rejected}} {
		t.Run(n.String(), func(t *testing.T) {
			v, err := n.Value()
			require.NoError(t, err)
			if n.IsZero() {
				assert.Nil(t, v)
			}
			for _, start := range []state.Null[ReviewStatus]{{}, {State: Rejected}, {State: Requested}} {
				back := start
				require.NoError(t, back.Scan(v))
				assertState(t, n.State, back.State, "Value then Scan round-trips")
			}
		})
	}

	n := state.Null[ReviewStatus]{State: Approved}
	require.NoError(t, n.Scan(nil))
	assert.True(t, n.IsZero(), "NULL clears the field")
	assert.Equal(t, "(null)", n.String())

	n = state.Null[ReviewStatus]{State: Approved}
	err := n.Scan("maybe")
	assert.ErrorIs(t, err, state.ErrUnknownValue)
	assert.Equal(t, state.Null[ReviewStatus]{State: Approved}, n, "a failed Scan leaves the field as it was")

	var np state.Null[ProjectStatus]
	require.NoError(t, np.Scan(int64(3)), "a zero Null of a Typed T scans")
	assert.True(t, Gone.Contains(np.State), "a Null's State is tested like any other")
	assert.Equal(t, "3", np.Name(), "State's methods are promoted")
	assertState(t, Withdrawn, np.State)
}

// database/sql's generic sql.Null wraps a State the way Null does: it
// hands non-NULL values to State.Scan and writes State.Value.
func TestColumnSQLNullWrapper(t *testing.T) {
	var n sql.Null[State]
	require.NoError(t, n.Scan(int64(2)))
	assert.True(t, n.Valid)
	assertState(t, Published, n.V)
	v, err := n.Value()
	require.NoError(t, err)
	assert.Equal(t, int64(2), v)

	require.NoError(t, n.Scan(nil))
	assert.False(t, n.Valid)

	n = sql.Null[State]{V: Draft, Valid: true}
	err = n.Scan(int64(7))
	assert.ErrorIs(t, err, state.ErrUnknownValue)
	assertState(t, Draft, n.V)

	_, err = sql.Null[State]{Valid: true}.Value()
	assert.ErrorIs(t, err, state.ErrNoState, "a valid sql.Null around the zero State is still an error")
}

func TestColumnJSONMarshalProject(t *testing.T) {
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	p := Project{ID: 7, Status: Published, Review: state.Null[ReviewStatus]{State: Approved}, StartAt: start}
	b, err := json.Marshal(p)
	require.NoError(t, err)
	assert.JSONEq(t, `{"ID":7,"Status":2,"Review":"approved","StartAt":"2026-12-01T09:00:00Z"}`, string(b))
	assert.Equal(t, `{"ID":7,"Status":2,"Review":"approved","StartAt":"2026-12-01T09:00:00Z"}`, string(b))

	var back Project
	require.NoError(t, json.Unmarshal(b, &back), "a zero model decodes: its state types are Typed")
	if diff := cmp.Diff(p, back, colCmp); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}

	p.Review = state.Null[ReviewStatus]{}
	b, err = json.Marshal(p)
	require.NoError(t, err)
	assert.Equal(t, `{"ID":7,"Status":2,"Review":null,"StartAt":"2026-12-01T09:00:00Z"}`, string(b))

	back = Project{Review: state.Null[ReviewStatus]{State: Rejected}}
	require.NoError(t, json.Unmarshal(b, &back))
	if diff := cmp.Diff(p, back, colCmp); diff != "" {
		t.Errorf("round trip with null review (-want +got):\n%s", diff)
	}
	assert.True(t, back.Review.IsZero(), "null clears a Null")

	_, err = json.Marshal(Project{ID: 8})
	require.Error(t, err, "a model whose State was never assigned cannot be written")
	assert.ErrorIs(t, err, state.ErrNoState)
	var me *json.MarshalerError
	assert.ErrorAs(t, err, &me)
	assert.Contains(t, err.Error(), "ProjectState is required but there is no state")
}

func TestColumnJSONUnknownValueNamesField(t *testing.T) {
	stateType := "state.State[github.com/statecraft/statecraft/state_test.ProjectStatus]"
	reviewType := "state.State[github.com/statecraft/statecraft/state_test.ReviewStatus]"
	tests := []struct {
		name  string
		json  string
		field string
		typ   string
		want  []string // in the message besides the field and type
	}{
		{"unknown int", `{"Status":9}`, "Status", stateType, []string{"9", "not a ProjectState", projectKnown}},
		// A string holding a text form is read (see TestColumnJSONQuotedTextForm),
		// but only the exact text form.
		{"string for an int", `{"Status":"02"}`, "Status", stateType, []string{`"02"`, "not a ProjectState"}},
		{"padded string for an int", `{"Status":" 2"}`, "Status", stateType, []string{`" 2"`, "not a ProjectState"}},
		{"escaped string for an int", `{"Status":"2\u0020"}`, "Status", stateType, []string{`"2\u0020"`, "not a ProjectState"}},
		{"real for an int", `{"Status":2.0}`, "Status", stateType, []string{"2.0", "not a ProjectState"}},
		{"title", `{"Status":"Published"}`, "Status", stateType, []string{`"Published"`}},
		{"bool", `{"Status":true}`, "Status", stateType, []string{"true"}},
		{"object", `{"Status":{"v":2}}`, "Status", stateType, []string{`{"v":2}`}},
		{"huge", `{"Status":123456789012345678901234567890}`, "Status", stateType, []string{"123456789012345678901234567890"}},
		{"null state", `{"Status":null}`, "Status", stateType, []string{"null", "a ProjectState is required", "state.Null"}},
		{"unknown review", `{"Review":"maybe"}`, "Review", reviewType, []string{`"maybe"`, "not a ReviewState", `approved "Approved"`}},
		{"int for a string", `{"Review":2}`, "Review", reviewType, []string{"2", "not a ReviewState"}},
		{"long value is truncated", `{"Review":"` + strings.Repeat("a", 100) + `"}`, "Review", reviewType,
			[]string{`"` + strings.Repeat("a", 63) + `...`, "... (102 bytes)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Project{ID: 1, Status: Published, Review: state.Null[ReviewStatus]{State: Requested}}
			err := json.Unmarshal([]byte(tt.json), &p)
			require.Error(t, err)
			var ute *json.UnmarshalTypeError
			require.ErrorAs(t, err, &ute)
			assert.Equal(t, "Project", ute.Struct)
			assert.Equal(t, tt.field, ute.Field)
			assert.Equal(t, tt.typ, ute.Type.String())
			msg := err.Error()
			assert.Contains(t, msg, "Go struct field Project."+tt.field+" ", "the message names the field")
			assert.Contains(t, msg, tt.typ)
			for _, w := range tt.want {
				assert.Contains(t, msg, w)
			}
			assertState(t, Published, p.Status, "a rejected value leaves the field as it was")
			assertState(t, Requested, p.Review.State, "a rejected value leaves the field as it was")
		})
	}

	t.Run("among other fields", func(t *testing.T) {
		p := Project{Status: Published}
		err := json.Unmarshal([]byte(`{"ID":5,"Status":9,"Review":"approved"}`), &p)
		assert.ErrorContains(t, err, "Project.Status")
		assert.Equal(t, int64(5), p.ID, "fields before the bad one are decoded")
		assertState(t, Published, p.Status)
	})
}

func TestColumnJSONDirect(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		want  State // zero: an error is expected
		msgIn string
	}{
		{name: "canonical", data: "2", want: Published},
		{name: "leading space", data: " 2", want: Published},
		{name: "surrounding whitespace", data: "\t4\r\n", want: Deleted},
		{name: "exponent", data: "3e0", msgIn: "not a ProjectState"},
		{name: "real", data: "2.0", msgIn: "not a ProjectState"},
		{name: "unknown", data: "5", msgIn: "5 (not a ProjectState; it declares " + projectKnown + ")"},
		{name: "null", data: "null", msgIn: "null (a ProjectState is required"},
		{name: "padded null", data: " null ", msgIn: "null (a ProjectState is required"},
		{name: "empty", data: "", msgIn: "not a ProjectState"},
		{name: "two values", data: "2 3", msgIn: "not a ProjectState"},
		{name: "garbage", data: "\xff", msgIn: "not a ProjectState"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, start := range []State{{}, Draft} {
				s := start
				err := s.UnmarshalJSON([]byte(tt.data))
				if !tt.want.IsZero() {
					require.NoError(t, err)
					assertState(t, tt.want, s)
					continue
				}
				require.Error(t, err)
				var ute *json.UnmarshalTypeError
				require.ErrorAs(t, err, &ute)
				assert.Contains(t, err.Error(), tt.msgIn)
				assertState(t, start, s, "a rejected value leaves the field as it was")
			}
		})
	}
}

func TestColumnJSONNonCanonical(t *testing.T) {
	var r colReview
	require.NoError(t, r.UnmarshalJSON([]byte(`"\u0061pproved"`)))
	assertState(t, Approved, r)

	var p Project
	require.NoError(t, json.Unmarshal([]byte(`{"Status":2,"Review":"\u0072ejected"}`), &p))
	assertState(t, Rejected, p.Review.State)

	r = Requested
	err := r.UnmarshalJSON([]byte(`"\u0041pproved"`))
	assert.ErrorContains(t, err, "not a ReviewState", "escapes are decoded, but values are still case-sensitive")
	assertState(t, Requested, r)

	err = r.UnmarshalJSON([]byte(`"approved\u0000"`))
	assert.Error(t, err)
	assertState(t, Requested, r)
}

// A JSON string holding a byte that is not UTF-8 reads as encoding/json
// reads it, with U+FFFD in the byte's place: not as the state whose value
// is that byte.
func TestColumnJSONInvalidUTF8(t *testing.T) {
	typ := state.NewType[string]("Bytes")
	bad := typ.State("\x80", "Bad")
	fffd := typ.State("\ufffd", "U+FFFD")
	data := []byte("\"\x80\"")
	var want string
	require.NoError(t, json.Unmarshal(data, &want))
	require.Equal(t, "\ufffd", want)

	s := bad
	require.NoError(t, s.UnmarshalJSON(data))
	assert.Equal(t, fffd, s)

	other := state.NewType[string]("OnlyBad")
	onlyBad := other.State("\x80", "Bad")
	s = onlyBad
	var ute *json.UnmarshalTypeError
	assert.ErrorAs(t, s.UnmarshalJSON(data), &ute)
	assert.Equal(t, onlyBad, s)
}

// JSON null is the absence of a state: an error for a State, and no state
// for a Null, whatever whitespace surrounds it and even when the Type
// declares a state whose value is the zero value.
func TestColumnJSONNull(t *testing.T) {
	n := state.Null[ReviewStatus]{State: Approved}
	require.NoError(t, n.UnmarshalJSON([]byte("null")))
	assert.True(t, n.IsZero())

	n = state.Null[ReviewStatus]{State: Approved}
	require.NoError(t, n.UnmarshalJSON([]byte(" null\n")))
	assert.True(t, n.IsZero(), "padded null is null")

	n = state.Null[ReviewStatus]{State: Approved}
	require.NoError(t, n.UnmarshalJSON([]byte(`"rejected"`)))
	assertState(t, Rejected, n.State)
	err := n.UnmarshalJSON([]byte(`"nope"`))
	assert.ErrorContains(t, err, "not a ReviewState")
	assertState(t, Rejected, n.State)

	b, err := state.Null[ReviewStatus]{}.MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, "null", string(b))

	// A Type that declares the zero value: null must not decode as it.
	type level int
	levels := state.NewType[level]("Level")
	unset := levels.State(0, "Unset")
	high := levels.State(1, "High")
	for _, data := range []string{"null", " null", "null\t", "\r\nnull "} {
		s := high
		err := s.UnmarshalJSON([]byte(data))
		assert.ErrorContains(t, err, "a Level is required", "%q", data)
		assertState(t, high, s, "%q", data)

		ln := state.Null[level]{State: high}
		require.NoError(t, ln.UnmarshalJSON([]byte(data)), "%q", data)
		assert.True(t, ln.IsZero(), "%q", data)
	}
	s := high
	require.NoError(t, s.UnmarshalJSON([]byte("0")))
	assertState(t, unset, s, "the zero value itself decodes")
}

func TestColumnMarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		m    json.Marshaler
		want string
	}{
		{"int", Published, "2"},
		{"string", Approved, `"approved"`},
		{"null int", state.Null[ProjectStatus]{State: Deleted}, "4"},
		{"null string", state.Null[ReviewStatus]{State: Requested}, `"requested"`},
		{"zero null", state.Null[ReviewStatus]{}, "null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.m.MarshalJSON()
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(b))

			for i := range b { // the caller owns the result
				b[i] = 'X'
			}
			again, err := tt.m.MarshalJSON()
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(again), "mutating one result does not affect the next")
		})
	}

	var zero State
	b, err := zero.MarshalJSON()
	assert.Nil(t, b)
	assert.ErrorIs(t, err, state.ErrNoState)
	var ve *state.ValueError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "ProjectState", ve.Type)
	assert.Nil(t, ve.Value)
	assert.Equal(t, "state: encode JSON: ProjectState is required but there is no state", err.Error())
}

func TestColumnText(t *testing.T) {
	b, err := Published.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "2", string(b))
	b, err = Approved.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "approved", string(b))

	b, err = Deleted.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "4", string(b))
	b[0] = 'x' // the bytes are the caller's
	assert.Equal(t, "4", Deleted.Name())

	var zero State
	b, err = zero.MarshalText()
	assert.ErrorIs(t, err, state.ErrNoState)
	assert.Nil(t, b, "no text for the zero State")
	assert.EqualError(t, err, "state: encode text: ProjectState is required but there is no state")

	for _, s := range []State{Draft, Published, Withdrawn, Deleted} {
		text, err := s.MarshalText()
		require.NoError(t, err)
		var back State
		require.NoError(t, back.UnmarshalText(text))
		assertState(t, s, back)
		parsed, err := ProjectState.Parse(string(text))
		require.NoError(t, err)
		assertState(t, s, parsed)
	}

	for _, text := range []string{"", "0", "02", " 2", "2.0", "Published", "published"} {
		s := Published
		err := s.UnmarshalText([]byte(text))
		assert.ErrorIs(t, err, state.ErrUnknownValue, "%q", text)
		var ve *state.ValueError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "ProjectState", ve.Type)
		assert.Equal(t, text, ve.Value)
		assert.Equal(t, fmt.Sprintf("state: decode text: ProjectState does not declare %q (declared: %s)", text, projectKnown), err.Error())
		assertState(t, Published, s, "a rejected value leaves the field as it was")

		_, err = ProjectState.Parse(text)
		assert.ErrorIs(t, err, state.ErrUnknownValue)
	}

	var r colReview
	require.NoError(t, r.UnmarshalText([]byte("rejected")))
	assertState(t, Rejected, r)
}

func TestColumnNullText(t *testing.T) {
	var n state.Null[ReviewStatus]
	b, err := n.MarshalText()
	require.NoError(t, err)
	assert.Empty(t, b, "no state is empty text")

	require.NoError(t, n.UnmarshalText([]byte("approved")))
	assertState(t, Approved, n.State)
	b, err = n.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "approved", string(b))

	err = n.UnmarshalText([]byte("Approved"))
	assert.ErrorIs(t, err, state.ErrUnknownValue)
	assertState(t, Approved, n.State)

	require.NoError(t, n.UnmarshalText([]byte{}))
	assert.True(t, n.IsZero(), "empty text clears the field")
}

// A State is a text key: maps keyed by state encode as JSON objects, keyed
// by the states' text forms.
//
// (encoding/json decodes a map key with UnmarshalJSON when the key type has
// one, passing the quoted key, so UnmarshalJSON reads the quoted text form
// "2" as Published, though Published's JSON form is 2.)
func TestColumnTextMapKeys(t *testing.T) {
	counts := map[State]int{Published: 3, Deleted: 1}
	b, err := json.Marshal(counts)
	require.NoError(t, err)
	assert.Equal(t, `{"2":3,"4":1}`, string(b))
	var backCounts map[State]int
	require.NoError(t, json.Unmarshal(b, &backCounts), "integer states decode as keys")
	assert.Equal(t, counts, backCounts)

	reviews := map[colReview]int{Approved: 2, Rejected: 1}
	b, err = json.Marshal(reviews)
	require.NoError(t, err)
	assert.Equal(t, `{"approved":2,"rejected":1}`, string(b))
	var back map[colReview]int
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, reviews, back)

	err = json.Unmarshal([]byte(`{"maybe":1}`), &back)
	assert.ErrorContains(t, err, "not a ReviewState")

	// Keys are as strict as values: the exact text form only.
	for _, key := range []string{"02", " 2", "2 ", "2.0", "Published", "", "9", `\u0032\u0032`} {
		var m map[State]int
		err := json.Unmarshal([]byte(`{"`+key+`":1}`), &m)
		assert.ErrorContains(t, err, "not a ProjectState", "key %q", key)
	}
	var m map[State]int
	require.NoError(t, json.Unmarshal([]byte(`{"\u0032":1}`), &m), "an escaped key is read unescaped")
	assert.Equal(t, map[State]int{Published: 1}, m)
}

// A Null is a text key too, whose zero value writes as the empty key "".
func TestColumnNullMapKeys(t *testing.T) {
	statuses := map[state.Null[ProjectStatus]]string{{}: "none", {State: Draft}: "draft", {State: Deleted}: "deleted"}
	b, err := json.Marshal(statuses)
	require.NoError(t, err)
	assert.Equal(t, `{"":"none","1":"draft","4":"deleted"}`, string(b))
	var backStatuses map[state.Null[ProjectStatus]]string
	require.NoError(t, json.Unmarshal(b, &backStatuses))
	assert.Equal(t, statuses, backStatuses)

	reviews := map[state.Null[ReviewStatus]]int{{}: 3, {State: Approved}: 1}
	b, err = json.Marshal(reviews)
	require.NoError(t, err)
	assert.Equal(t, `{"":3,"approved":1}`, string(b))
	var backReviews map[state.Null[ReviewStatus]]int
	require.NoError(t, json.Unmarshal(b, &backReviews))
	assert.Equal(t, reviews, backReviews)

	var m map[state.Null[ReviewStatus]]int
	err = json.Unmarshal([]byte(`{"Approved":1}`), &m)
	assert.ErrorContains(t, err, "not a ReviewState")

	// A Type that declares the empty string: "" is that state's JSON form,
	// so it reads as the state, not as no state.
	var mm map[state.Null[colMark]]int
	require.NoError(t, json.Unmarshal([]byte(`{"":1,"x":2}`), &mm))
	assert.Equal(t, map[state.Null[colMark]]int{{State: colBlank}: 1, {State: colMarkX}: 2}, mm)
	n := state.Null[colMark]{State: colMarkX}
	require.NoError(t, n.UnmarshalJSON([]byte(`""`)))
	assertState(t, colBlank, n.State)
}

// colMark is a string state type that declares the empty string.
type colMark string

func (colMark) StateType() *state.Type[colMark] { return colMarks }

var colMarks = state.NewType[colMark]("Mark")

var (
	colBlank = colMarks.State("", "Blank")
	colMarkX = colMarks.State("x", "Ex")
)

// UnmarshalJSON reads a JSON string holding a state's exact text form,
// which is how encoding/json passes it a map key, wherever it meets one.
func TestColumnJSONQuotedTextForm(t *testing.T) {
	for _, tt := range []struct {
		data string
		want State
	}{
		{`"2"`, Published},
		{` "4"` + "\n", Deleted},
		{`"\u0031"`, Draft},
	} {
		for _, start := range []State{{}, Withdrawn} {
			s := start
			require.NoError(t, s.UnmarshalJSON([]byte(tt.data)), "%s", tt.data)
			assertState(t, tt.want, s, "%s", tt.data)
			n := state.Null[ProjectStatus]{State: start}
			require.NoError(t, n.UnmarshalJSON([]byte(tt.data)), "%s", tt.data)
			assertState(t, tt.want, n.State, "%s", tt.data)
		}
	}
	var p Project
	require.NoError(t, json.Unmarshal([]byte(`{"Status":"3"}`), &p))
	assertState(t, Withdrawn, p.Status)

	for _, data := range []string{`""`, `"02"`, `"+2"`, `"2"x`, `"2" "3"`, `"\"2\""`, `"2`, `"Published"`, `"5"`} {
		s := Withdrawn
		err := s.UnmarshalJSON([]byte(data))
		var ute *json.UnmarshalTypeError
		assert.ErrorAs(t, err, &ute, "%s", data)
		assertState(t, Withdrawn, s, "%s", data)
	}

	// The empty string is no state for a Null, unless it is a state's JSON
	// form; for a State it is an error.
	for _, start := range []state.State[ReviewStatus]{{}, Approved} {
		n := state.Null[ReviewStatus]{State: start}
		require.NoError(t, n.UnmarshalJSON([]byte(` "" `)))
		assert.True(t, n.IsZero())
		s := start
		assert.ErrorContains(t, s.UnmarshalJSON([]byte(`""`)), "not a ReviewState")
		assertState(t, start, s)
	}
	var plain state.Null[colPlainStatus]
	assert.ErrorContains(t, plain.UnmarshalJSON([]byte(`""`)), "does not name its state type",
		"without its Type, a Null cannot know whether \"\" is a state")

	// A mixed Type: "1" is no state's JSON form, so it reads as the state
	// whose text form it is; "2" is the JSON form of the string state.
	mixed := state.NewType[any]("Mixed")
	one := mixed.State(1, "One")
	two := mixed.State("2", "Two")
	for data, want := range map[string]state.State[any]{`1`: one, `"1"`: one, `"2"`: two} {
		s := two
		if want == two {
			s = one
		}
		require.NoError(t, s.UnmarshalJSON([]byte(data)), data)
		assert.Equal(t, want, s, data)
	}
	b, err := json.Marshal(map[state.State[any]]int{one: 1, two: 2})
	require.NoError(t, err)
	assert.Equal(t, `{"1":1,"2":2}`, string(b), "each key is its state's text form")
}

func TestColumnFmt(t *testing.T) {
	assert.Equal(t, "Published", fmt.Sprint(Published))
	assert.Equal(t, "Review requested", fmt.Sprintf("%s", Requested))
	assert.Equal(t, `"Published"`, fmt.Sprintf("%q", Published))
	assert.Equal(t, "(no state)", fmt.Sprint(State{}))
	assert.Equal(t, "(null)", fmt.Sprint(state.Null[ReviewStatus]{}))
	assert.Equal(t, "Approved", fmt.Sprint(state.Null[ReviewStatus]{State: Approved}))

	p := Project{ID: 1, Status: Withdrawn, Review: state.Null[ReviewStatus]{State: Approved}, StartAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	assert.Equal(t, "{1 Withdrawn Approved 2026-01-02 03:04:05 +0000 UTC}", fmt.Sprint(p))
	p.Review = state.Null[ReviewStatus]{}
	p.Status = State{}
	assert.Equal(t, "{1 (no state) (null) 2026-01-02 03:04:05 +0000 UTC}", fmt.Sprint(p))

	// %#v is short and says what the state is.
	assert.Equal(t, "ProjectState.Published(2)", fmt.Sprintf("%#v", Published))
	assert.Equal(t, `ReviewState."Review requested"("requested")`, fmt.Sprintf("%#v", Requested))
	assert.Equal(t, "state.State{}", fmt.Sprintf("%#v", State{}))
	assert.Contains(t, fmt.Sprintf("%#v", []State{Draft, Deleted}), "{ProjectState.Draft(1), ProjectState.Deleted(4)}")

	// A title is quoted unless it is a Go identifier: letters, digits and
	// underscores, not starting with a digit.
	levels := state.NewType[int]("Level")
	for i, tt := range []struct{ title, want string }{
		{"Level2", "Level.Level2(1)"},
		{"_draft", "Level._draft(2)"},
		{"in_review", "Level.in_review(3)"},
		{"Été", "Level.Été(4)"},
		{"_", "Level._(5)"},
		{"2nd", `Level."2nd"(6)`},
		{"a-b", `Level."a-b"(7)`},
		{"a b", `Level."a b"(8)`},
	} {
		assert.Equal(t, tt.want, fmt.Sprintf("%#v", levels.State(i+1, tt.title)))
	}
}

// log/slog logs a state, and a Null, as String writes it (its LogValue):
// its title, and "(no state)" for the zero State and the zero Null, in
// text and in JSON, never an error. Groups and conditions have no
// LogValue: the text handler writes them with their String method, the
// JSON handler, which looks for a JSON form first, as empty objects.
func TestColumnSlog(t *testing.T) {
	noTime := func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	logAll := func(h slog.Handler) {
		slog.New(h).Info("loaded",
			"status", Published,
			"review", state.Null[ReviewStatus]{State: Requested},
			"noreview", state.Null[ReviewStatus]{},
			"unset", State{},
			"group", Gone,
			"anon", Withdrawn.Or(Draft),
			"cond", RecentlyGone,
			"in", Status.In(Gone),
		)
	}

	var text bytes.Buffer
	logAll(slog.NewTextHandler(&text, &slog.HandlerOptions{ReplaceAttr: noTime}))
	assert.Equal(t, `level=INFO msg=loaded`+
		` status=Published`+
		` review="Review requested"`+
		` noreview="(no state)"`+
		` unset="(no state)"`+
		` group=Gone`+
		` anon="Withdrawn or Draft"`+
		` cond="Recently gone"`+
		` in="status is Gone"`+"\n", text.String())

	var js bytes.Buffer
	logAll(slog.NewJSONHandler(&js, &slog.HandlerOptions{ReplaceAttr: noTime}))
	assert.Equal(t, `{"level":"INFO","msg":"loaded",`+
		`"status":"Published",`+
		`"review":"Review requested",`+
		`"noreview":"(no state)",`+
		`"unset":"(no state)",`+
		`"group":{},`+
		`"anon":{},`+
		`"cond":{},`+
		`"in":{}}`+"\n", js.String(),
		"the JSON handler writes values without a JSON form as JSON objects: log a group's or condition's String")
	assert.NotContains(t, text.String()+js.String(), "ERROR")

	// Every state logs as its String; a Type's zero State, whether or not
	// its T names the Type, logs as "(no state)".
	for s := range ProjectState.States() {
		assert.Equal(t, slog.StringValue(s.String()), s.LogValue())
		assert.Equal(t, slog.StringValue(s.String()), state.Null[ProjectStatus]{State: s}.LogValue())
	}
	assert.Equal(t, slog.StringValue("(no state)"), state.State[int]{}.LogValue())
	assert.Equal(t, slog.StringValue("(no state)"), state.Null[int]{}.LogValue())

	for _, v := range []any{Published, State{}, state.Null[ReviewStatus]{}} {
		_, ok := v.(slog.LogValuer)
		assert.True(t, ok, "%T has a LogValue", v)
	}
	for _, v := range []any{Gone, Future, Status.In(Gone)} {
		_, ok := v.(slog.LogValuer)
		assert.False(t, ok, "%T has no LogValue", v)
	}
}

func TestColumnManagerSetLeavesFieldUnchanged(t *testing.T) {
	p := Project{Status: Published, Review: state.Null[ReviewStatus]{State: Approved}}

	err := Status.Set(&p, State{})
	assert.ErrorIs(t, err, state.ErrNoState)
	assert.Contains(t, err.Error(), "set state_test.Project.status")
	assertState(t, Published, p.Status)

	// A state of another Type with the same value type and the same value.
	other := state.NewType[ProjectStatus]("OtherProjectState")
	otherPublished := other.State(2, "Other published")
	err = Status.Set(&p, otherPublished)
	assert.ErrorIs(t, err, state.ErrForeignState)
	assert.Contains(t, err.Error(), "OtherProjectState.Other published is not a ProjectState")
	assertState(t, Published, p.Status)
	assert.NotEqual(t, otherPublished, p.Status)

	err = Review.Set(&p, colReview{})
	assert.ErrorIs(t, err, state.ErrNoState)
	assertState(t, Approved, p.Review.State)

	require.NoError(t, Status.Set(&p, Withdrawn))
	assertState(t, Withdrawn, p.Status)
	require.NoError(t, Review.Set(&p, Rejected))
	assertState(t, Rejected, p.Review.State)
}

// Reading a known value, testing membership and naming a state allocate
// nothing.
func TestColumnAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation may allocate")
	}
	check := func(name string, f func()) {
		t.Helper()
		f() // warm up caches such as the runtime's itab cache
		assert.Zero(t, testing.AllocsPerRun(200, f), name)
	}

	var ps State
	var (
		srcInt   any = int64(2)
		srcStr   any = "3"
		srcBytes any = []byte("4")
		srcT     any = ProjectStatus(1)
	)
	var err error
	check("Scan int64 into a zero field", func() { ps = State{}; err = ps.Scan(srcInt) })
	require.NoError(t, err)
	assertState(t, Published, ps)
	check("Scan string into a zero int field", func() { ps = State{}; err = ps.Scan(srcStr) })
	require.NoError(t, err)
	assertState(t, Withdrawn, ps)
	check("Scan []byte into a zero field", func() { ps = State{}; err = ps.Scan(srcBytes) })
	require.NoError(t, err)
	assertState(t, Deleted, ps)
	check("Scan T into a zero field", func() { ps = State{}; err = ps.Scan(srcT) })
	require.NoError(t, err)
	assertState(t, Draft, ps)

	var rs colReview
	var rn state.Null[ReviewStatus]
	var srcApproved any = "approved"
	var srcRejected any = []byte("rejected")
	check("Scan string into a zero field", func() { rs = colReview{}; err = rs.Scan(srcApproved) })
	require.NoError(t, err)
	assertState(t, Approved, rs)
	check("Scan []byte into a zero string field", func() { rs = colReview{}; err = rs.Scan(srcRejected) })
	require.NoError(t, err)
	assertState(t, Rejected, rs)
	check("Scan string into a zero Null", func() { rn = state.Null[ReviewStatus]{}; err = rn.Scan(srcApproved) })
	require.NoError(t, err)
	assertState(t, Approved, rn.State)

	jsonKnown := []byte("2")
	check("UnmarshalJSON of a known value", func() { ps = State{}; err = ps.UnmarshalJSON(jsonKnown) })
	require.NoError(t, err)
	assertState(t, Published, ps)
	jsonKey := []byte(`"3"`)
	check("UnmarshalJSON of a quoted text form (a map key)", func() { ps = State{}; err = ps.UnmarshalJSON(jsonKey) })
	require.NoError(t, err)
	assertState(t, Withdrawn, ps)
	jsonEmpty := []byte(`""`)
	check("Null UnmarshalJSON of the empty key", func() { rn = state.Null[ReviewStatus]{State: Approved}; err = rn.UnmarshalJSON(jsonEmpty) })
	require.NoError(t, err)
	assert.True(t, rn.IsZero())
	textKnown := []byte("approved")
	check("UnmarshalText of a known value", func() { rs = colReview{}; err = rs.UnmarshalText(textKnown) })
	require.NoError(t, err)
	assertState(t, Approved, rs)

	var in, contains, match bool
	p := &Project{Status: Deleted}
	check("Group.Contains(state)", func() { in = Gone.Contains(p.Status) })
	assert.True(t, in)
	check("State.Contains(state)", func() { in = Deleted.Contains(p.Status) })
	assert.True(t, in)
	check("Group.Contains", func() { contains = Visible.Contains(p.Status) })
	assert.False(t, contains)
	check("Group.Contains(Manager.Get)", func() { match = Gone.Contains(Status.Get(p)) })
	assert.True(t, match)
	gone := Status.In(Gone)
	check("Membership.Match", func() { match = gone.Match(p, now()) })
	assert.True(t, match)

	var name string
	check("State.Name", func() { name = Published.Name() })
	assert.Equal(t, "2", name)
	check("Value", func() { _, err = Approved.Value() })
	require.NoError(t, err)
}

// The error types carry their sentinel through errors.Is and errors.As.
func TestColumnErrorsUnwrap(t *testing.T) {
	s := Published
	err := s.Scan(int64(9))
	wrapped := fmt.Errorf("row 3: %w", err)
	assert.True(t, errors.Is(wrapped, state.ErrUnknownValue))
	assert.False(t, errors.Is(wrapped, state.ErrNoState))
	var ve *state.ValueError
	require.True(t, errors.As(wrapped, &ve))
	assert.Equal(t, int64(9), ve.Value)
}

// Scan by hand with a plain int, which no driver passes but callers do.
func TestColumnScanPlainInt(t *testing.T) {
	var p Project
	require.NoError(t, p.Status.Scan(2))
	assertState(t, Published, p.Status)
	require.ErrorIs(t, p.Status.Scan(9), state.ErrUnknownValue)
	assertState(t, Published, p.Status)
}

// Equal lets go-cmp compare models that hold states.
func TestColumnEqualForCmp(t *testing.T) {
	a := Project{ID: 1, Status: Published, Review: state.Null[ReviewStatus]{State: Approved}}
	b := a
	assert.True(t, Published.Equal(Published))
	assert.False(t, Published.Equal(Draft))
	assert.Empty(t, cmp.Diff(a, b))
	b.Status = Draft
	assert.Contains(t, cmp.Diff(a, b), "Status")
}

// A huge value read from outside makes a short message: at most its first
// 64 bytes are shown, then its length. The ValueError keeps it whole.
func TestColumnLongValueMessages(t *testing.T) {
	const size = 1 << 20
	long := strings.Repeat("\x00", size) // %q would write each byte as 4
	const limit = 1024
	checkMsg := func(name string, err error) {
		t.Helper()
		require.Error(t, err, name)
		msg := err.Error()
		assert.Less(t, len(msg), limit, "%s: message of %d bytes", name, len(msg))
		assert.Contains(t, msg, fmt.Sprintf("... (%d bytes)", size), name)
	}
	checkValue := func(name string, err error, want any) {
		t.Helper()
		var ve *state.ValueError
		require.ErrorAs(t, err, &ve, name)
		assert.Equal(t, want, ve.Value, "%s: the error keeps the value whole", name)
		assert.ErrorIs(t, err, state.ErrUnknownValue, name)
	}

	s := Published
	err := s.Scan(long)
	checkMsg("Scan string", err)
	checkValue("Scan string", err, long)
	err = s.Scan([]byte(long))
	checkMsg("Scan []byte", err)
	checkValue("Scan []byte", err, []byte(long))
	var r colReview
	err = r.Scan(ReviewStatus(long))
	checkMsg("Scan T", err)
	checkValue("Scan T", err, ReviewStatus(long))
	n := state.Null[ReviewStatus]{State: Approved}
	checkMsg("Null Scan", n.Scan(long))
	err = s.UnmarshalText([]byte(long))
	checkMsg("UnmarshalText", err)
	checkValue("UnmarshalText", err, long)
	_, err = ProjectState.Parse(long)
	checkMsg("Parse", err)
	assertState(t, Published, s)

	jsonLong, err := json.Marshal(long)
	require.NoError(t, err)
	size2 := len(jsonLong)
	for name, err := range map[string]error{
		"UnmarshalJSON":      s.UnmarshalJSON(jsonLong),
		"Null UnmarshalJSON": n.UnmarshalJSON(jsonLong),
		"json.Unmarshal":     json.Unmarshal([]byte(`{"Status":`+string(jsonLong)+`}`), &Project{}),
	} {
		require.Error(t, err, name)
		assert.Less(t, len(err.Error()), limit, "%s: message of %d bytes", name, len(err.Error()))
		assert.Contains(t, err.Error(), fmt.Sprintf("... (%d bytes)", size2), name)
		var ute *json.UnmarshalTypeError
		require.ErrorAs(t, err, &ute, name)
		assert.Less(t, len(ute.Value), limit, name)
	}

	// Into a field whose Type is unknown, the message shows the value too.
	var plain state.State[colPlainStatus]
	checkMsg("unbound Scan", plain.Scan(long))
	checkMsg("unbound UnmarshalText", plain.UnmarshalText([]byte(long)))
	err = plain.UnmarshalJSON(jsonLong)
	require.Error(t, err)
	assert.Less(t, len(err.Error()), limit)
	assert.Contains(t, err.Error(), fmt.Sprintf("... (%d bytes)", size2))

	// A value of another kind, shown with %v, and a ValueError made by hand.
	type blob struct{ B string }
	err = s.Scan(blob{long})
	require.Error(t, err)
	assert.Less(t, len(err.Error()), limit)
	assert.Contains(t, err.Error(), fmt.Sprintf("... (%d bytes) (state_test.blob)", size+2))
	checkMsg("foreign state", &state.ValueError{Type: "ProjectState", Field: "Project.status", Value: long, Err: state.ErrForeignState})

	// The cut does not split a character.
	err = s.Scan(strings.Repeat("é", 100))
	assert.Contains(t, err.Error(), `"`+strings.Repeat("é", 32)+`"... (200 bytes)`)
	err = s.Scan("x" + strings.Repeat("é", 100))
	assert.Contains(t, err.Error(), `"x`+strings.Repeat("é", 31)+`"... (201 bytes)`)
	// A value of exactly 64 bytes is shown whole.
	err = s.Scan(strings.Repeat("b", 64))
	assert.Contains(t, err.Error(), `"`+strings.Repeat("b", 64)+`" (declared`)
}

// A ValueError made outside the package, with no operation, still reads as
// one line.
func TestColumnValueErrorByHand(t *testing.T) {
	assert.Equal(t, "state: ProjectState does not declare 9 (int)",
		(&state.ValueError{Type: "ProjectState", Value: 9, Err: state.ErrUnknownValue}).Error())
	assert.Equal(t, "state: Project.status: ProjectState is required but there is no state",
		(&state.ValueError{Type: "ProjectState", Field: "Project.status", Err: state.ErrNoState}).Error())
	assert.Equal(t, `state: Project.status: "Other.Draft" is not a ProjectState`,
		(&state.ValueError{Type: "ProjectState", Field: "Project.status", Value: `"Other.Draft"`, Err: state.ErrForeignState}).Error())
}
