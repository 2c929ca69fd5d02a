package state

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/statecraft/statecraft/internal/stateinfo"
)

// This file puts a State on its model's column: database/sql's Scanner and
// driver.Valuer, encoding/json's Marshaler and Unmarshaler, and encoding's
// TextMarshaler and TextUnmarshaler. Each reader accepts only values the
// Type declares. (Logs are not columns: log/slog writes a state by its
// LogValue, its title; see state.go.)

// typeOf returns the Type a State[T] reads into: the Type of the state it
// holds, else the one T names (see Typed), else nil.
func typeOf[T comparable](s State[T]) *Type[T] {
	if s.d != nil {
		return s.d.typ
	}
	var zero T
	if tt, ok := any(zero).(Typed[T]); ok {
		return tt.StateType()
	}
	return nil
}

// typeName names the Type of s for messages, even when s holds no state.
func typeName[T comparable](s State[T]) string {
	if t := typeOf(s); t != nil {
		return t.name
	}
	return "State[" + reflect.TypeFor[T]().String() + "]"
}

// unbound is the error for reading into a zero State whose T does not name
// its Type: there is no way to know which values are valid. v is only
// described, at most echoLimit bytes of it.
func unbound[T comparable](op string, v any) error {
	return fmt.Errorf("state: %s %s into a State[%s] that holds no state: %[3]s does not name its state type; "+
		"give %[3]s a StateType method (see state.Typed) or assign the field a state first",
		op, describeValue(v), reflect.TypeFor[T]())
}

// Scan implements database/sql's Scanner. It accepts the SQL value of a
// declared state (an integer or a string, as the driver returns it), or the
// state's text form. Anything else, including NULL, is an error and leaves s
// unchanged; database/sql adds the column's name to it. Scanning a known
// value allocates nothing.
func (s *State[T]) Scan(src any) error {
	t := typeOf(*s)
	if t == nil {
		return unbound[T]("scan", src)
	}
	if src == nil {
		return &ValueError{Type: t.name, op: "scan", known: t.known(), Err: ErrNoState}
	}
	d := t.fromSQL(src)
	if d == nil {
		if b, ok := src.([]byte); ok {
			src = bytes.Clone(b) // the driver may reuse b
		}
		return t.unknown("scan", src)
	}
	s.d = d
	return nil
}

func (t *Type[T]) fromSQL(src any) *decl[T] {
	switch v := src.(type) {
	case int64:
		if d := t.byInt[v]; d != nil {
			return d
		}
		if len(t.byStr) > 0 { // string states kept in a column with numeric affinity
			return t.byText[strconv.FormatInt(v, 10)]
		}
	case string:
		if d := t.byStr[v]; d != nil {
			return d
		}
		return t.byText[v]
	case []byte:
		if d := t.byStr[string(v)]; d != nil {
			return d
		}
		return t.byText[string(v)]
	case int: // not from a driver, but from a caller scanning by hand
		return t.fromSQL(int64(v))
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			if d := t.byInt[int64(v)]; d != nil {
				return d
			}
		}
		return t.byText[strconv.FormatFloat(v, 'g', -1, 64)]
	case bool:
		return t.byText[strconv.FormatBool(v)]
	case time.Time:
		return t.byText[v.Format(time.RFC3339Nano)]
	case T:
		return t.byValue[v]
	}
	return nil
}

// Value implements database/sql/driver's Valuer: it returns the state's
// value as the driver stores it (an int64 for integer types, a string for
// string types). The zero State is an error, never a silent zero or NULL.
func (s State[T]) Value() (driver.Value, error) {
	if s.d == nil {
		return nil, &ValueError{Type: typeName(s), op: "value", Err: ErrNoState}
	}
	if s.d.dvErr != nil {
		return nil, fmt.Errorf("state: %s %q cannot be stored in SQL: %w", s.d.typ.name, s.d.title, s.d.dvErr)
	}
	return s.d.dv, nil
}

// MarshalJSON writes the state's value as JSON (2, or "published"). The zero
// State is an error.
func (s State[T]) MarshalJSON() ([]byte, error) {
	if s.d == nil {
		return nil, &ValueError{Type: typeName(s), op: "encode JSON", Err: ErrNoState}
	}
	if s.d.json == nil {
		return nil, fmt.Errorf("state: %s %q has no JSON form", s.d.typ.name, s.d.title)
	}
	return bytes.Clone(s.d.json), nil
}

// UnmarshalJSON reads a state's value from JSON: the form MarshalJSON
// writes (2, or "published"), or the same value written another way (such
// as "\u0070ublished"). It also accepts a JSON string holding a state's
// exact text form (see MarshalText), such as "2" for the state whose value
// is 2, where that string is not already some state's JSON form: a State
// is a text key, so encoding/json writes a map keyed by states with the
// keys' MarshalText ({"2":1}), but decodes each key by passing it to
// UnmarshalJSON as the quoted string ("2"). Anything else, including null
// and text forms with any other spelling (such as "02" or " 2"), is an
// error that leaves s unchanged. The error is a *json.UnmarshalTypeError,
// which encoding/json completes with the name of the struct field being
// decoded; its Value says what was found (at most its first 64 bytes) and
// what the Type declares.
//
// Decoding a state's JSON form, or the quoted text form of an integer
// state, allocates nothing.
func (s *State[T]) UnmarshalJSON(data []byte) error {
	data = trimJSONSpace(data) // encoding/json trims, but direct callers may not
	t := typeOf(*s)
	if t == nil {
		return unbound[T]("decode JSON", data)
	}
	if d := t.fromJSON(data); d != nil {
		s.d = d
		return nil
	}
	if string(data) == "null" {
		return &json.UnmarshalTypeError{Value: "null (a " + t.name + " is required; use state.Null where there may be none)", Type: reflect.TypeFor[State[T]]()}
	}
	return &json.UnmarshalTypeError{
		Value: fmt.Sprintf("%s (not a %s; it declares %s)", echo(data), t.name, t.known()),
		Type:  reflect.TypeFor[State[T]](),
	}
}

// fromJSON returns the state data encodes, trimmed JSON, or nil.
func (t *Type[T]) fromJSON(data []byte) *decl[T] {
	if d := t.byJSON[string(data)]; d != nil {
		return d
	}
	if string(data) == "null" {
		return nil // which json.Unmarshal would decode as the zero T
	}
	if len(data) >= 2 && data[0] == '"' {
		// A quoted text form, as encoding/json passes a map key. Plain
		// text is looked up where it lies; text with escapes, unquoted.
		if text, ok := plainJSONString(data); ok {
			if d := t.byText[string(text)]; d != nil {
				return d
			}
		} else {
			var text string
			if json.Unmarshal(data, &text) == nil {
				if d := t.byText[text]; d != nil {
					return d
				}
			}
		}
	}
	// Not in canonical form, such as "\u0064raft": decode it as a T.
	var v T
	if json.Unmarshal(data, &v) == nil {
		return t.byValue[v]
	}
	return nil
}

// plainJSONString returns the contents of the JSON string data when they
// need no unquoting: no escapes, no control characters, valid UTF-8. It
// reports false for anything else, including data that is not one string.
func plainJSONString(data []byte) ([]byte, bool) {
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return nil, false
	}
	text := data[1 : len(data)-1]
	ascii := true
	for _, c := range text {
		if c < 0x20 || c == '"' || c == '\\' {
			return nil, false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(text) {
		return nil, false // encoding/json would read each bad byte as U+FFFD
	}
	return text, true
}

// trimJSONSpace trims the whitespace JSON allows around a value, so that a
// null with whitespace around it is seen as null, not decoded as the zero T.
func trimJSONSpace(b []byte) []byte {
	return bytes.Trim(b, " \t\r\n")
}

// MarshalText writes the state's text form: the decimal value for integer
// types, the value itself for string types, or the value's own MarshalText.
// The zero State is an error.
func (s State[T]) MarshalText() ([]byte, error) {
	if s.d == nil {
		return nil, &ValueError{Type: typeName(s), op: "encode text", Err: ErrNoState}
	}
	return []byte(s.d.text), nil
}

// UnmarshalText reads a state from its text form (see MarshalText). Text the
// Type does not declare is a *ValueError that leaves s unchanged.
func (s *State[T]) UnmarshalText(text []byte) error {
	t := typeOf(*s)
	if t == nil {
		return unbound[T]("decode text", text)
	}
	d := t.byText[string(text)]
	if d == nil {
		return t.unknown("decode text", string(text))
	}
	s.d = d
	return nil
}

// Null is a State field whose column may be NULL. The zero Null holds no
// state and reads and writes as SQL NULL, JSON null and empty text; any
// other value must be declared by the Type, as for State. State's methods,
// such as Get and IsZero, are promoted:
//
//	type Project struct {
//		Review state.Null[ReviewStatus] // NULL until a review starts
//	}
//
//	p.Review = state.Null[ReviewStatus]{Requested}
//	if Decided.Contains(p.Review.State) { ... }
type Null[T comparable] struct {
	State[T]
}

// Scan implements database/sql's Scanner; NULL makes n hold no state.
func (n *Null[T]) Scan(src any) error {
	if src == nil {
		n.State = State[T]{}
		return nil
	}
	return n.State.Scan(src)
}

// Value implements driver.Valuer; the zero Null is NULL.
func (n Null[T]) Value() (driver.Value, error) {
	if n.d == nil {
		return nil, nil
	}
	return n.State.Value()
}

// MarshalJSON writes null for the zero Null, and the state's value otherwise.
func (n Null[T]) MarshalJSON() ([]byte, error) {
	if n.d == nil {
		return []byte("null"), nil
	}
	return n.State.MarshalJSON()
}

// UnmarshalJSON reads null as no state, and anything else as
// State.UnmarshalJSON does. It also reads the empty string "" as no state,
// unless "" is the JSON form of a declared state: a Null is a text key
// whose zero value MarshalText writes as empty text, so encoding/json
// writes the zero key of a map keyed by Nulls as "", and decodes it by
// passing "" to UnmarshalJSON.
func (n *Null[T]) UnmarshalJSON(data []byte) error {
	switch string(trimJSONSpace(data)) {
	case "null":
		n.State = State[T]{}
		return nil
	case `""`:
		if t := typeOf(n.State); t != nil && t.byJSON[`""`] == nil {
			n.State = State[T]{}
			return nil
		}
	}
	return n.State.UnmarshalJSON(data)
}

// MarshalText writes empty text for the zero Null.
func (n Null[T]) MarshalText() ([]byte, error) {
	if n.d == nil {
		return nil, nil
	}
	return n.State.MarshalText()
}

// UnmarshalText reads empty text as no state. (So a Type that declares
// the empty string as a value cannot tell that state from no state in text
// form; SQL and JSON can.)
func (n *Null[T]) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		n.State = State[T]{}
		return nil
	}
	return n.State.UnmarshalText(text)
}

// String returns the state's title, or "(null)" when n holds no state.
func (n Null[T]) String() string {
	if n.d == nil {
		return "(null)"
	}
	return n.d.title
}

// stateInfoer is implemented by State and Null: what the internal
// package stateinfo reports of them.
type stateInfoer interface {
	stateInfo() stateinfo.Info
}

func init() {
	stateinfo.Register(func(v any) (stateinfo.Info, bool) {
		si, ok := v.(stateInfoer)
		if !ok || reflect.TypeOf(v).Kind() != reflect.Struct { // not a pointer, which may be nil
			return stateinfo.Info{}, false
		}
		return si.stateInfo(), true
	})
}

// stateInfo lists the values a field like s may hold, in declaration
// order: the states of the Type of the state s holds, or of the Type T
// names (see Typed). Its Choices are nil when neither is known.
func (s State[T]) stateInfo() stateinfo.Info {
	t := typeOf(s)
	if t == nil {
		return stateinfo.Info{}
	}
	cs := make([]stateinfo.Choice, 0, len(t.states))
	for _, d := range t.states {
		if d.json != nil {
			cs = append(cs, stateinfo.Choice{Value: bytes.Clone(d.json), Title: d.title})
		}
	}
	return stateinfo.Info{Choices: cs}
}

// stateInfo is State's, and nullable: a Null may hold no state, written as
// JSON null.
func (n Null[T]) stateInfo() stateinfo.Info {
	info := n.State.stateInfo()
	info.Nullable = true
	return info
}
