package state

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sentinel errors, for use with errors.Is.
var (
	// ErrUnknownValue: a value was read from SQL or text that the state
	// type does not declare. The error is a *ValueError. (Decoding JSON
	// reports a *json.UnmarshalTypeError instead, so that encoding/json can
	// name the struct field; see State.UnmarshalJSON.)
	ErrUnknownValue = errors.New("value not declared")
	// ErrNoState: a state was required but the field holds none (SQL NULL,
	// or a State that was never assigned, written to SQL, JSON or text).
	ErrNoState = errors.New("no state")
	// ErrForeignState: a state of one Type was used where a state of
	// another Type was wanted.
	ErrForeignState = errors.New("state of another type")
	// ErrDuplicate: a declaration repeats the value or title of an earlier
	// one. The error is a *DeclarationError.
	ErrDuplicate = errors.New("duplicate declaration")
	// ErrNoSQL: a conditional state was asked for SQL but has no SQL
	// expression (see Conditional.WithSQL).
	ErrNoSQL = errors.New("no SQL expression")
	// ErrFrozen: a declaration came after its Type was frozen (see
	// Type.Freeze). The error is a *DeclarationError.
	ErrFrozen = errors.New("declared after freezing")
)

// A DeclarationError reports a state, group, conditional state or manager
// that cannot be declared. Declarations happen at package initialisation,
// so the methods that declare panic with a *DeclarationError: a program
// with a broken declaration does not start.
type DeclarationError struct {
	Type string // the state type, e.g. "ProjectState"
	At   string // where the rejected declaration is, as file:line
	Msg  string // what is wrong, naming the earlier declaration if any
	Err  error  // ErrDuplicate, ErrForeignState or nil
}

// Error describes the problem in one line.
func (e *DeclarationError) Error() string {
	var b strings.Builder
	b.WriteString("state: ")
	if e.Type != "" {
		b.WriteString(e.Type)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.At != "" {
		b.WriteString(" (declared at ")
		b.WriteString(e.At)
		b.WriteByte(')')
	}
	return b.String()
}

// Unwrap returns the underlying sentinel or cause, for errors.Is and errors.As.
func (e *DeclarationError) Unwrap() error { return e.Err }

// A ValueError reports a value that a state type does not declare, or a
// missing state, met while reading or writing a state field.
//
// When a State is read with database/sql, the column is named by Rows.Scan's
// own wrapping of this error. JSON decoding reports a
// *json.UnmarshalTypeError instead, which encoding/json completes with the
// struct field's name (see State.UnmarshalJSON).
//
// Value holds the rejected value whole, as it was found, however long.
// Error, like every message of this package that shows a value read from
// outside, shows at most the first 64 bytes of it (of its %v form, for a
// value that is not a string or []byte), cut before a character that would
// not fit, then "..." and the full length in bytes, such as
// "aaaa"... (1048576 bytes): a huge value does not make a huge message.
type ValueError struct {
	Type  string // the state type, e.g. "ProjectState"
	Field string // the model field or column, when known
	Value any    // the rejected value as it was found, whole; nil for a missing state
	Err   error  // ErrUnknownValue, ErrNoState or ErrForeignState

	op    string // for the message: "scan", "value", "decode text", "encode text", "encode JSON", ...
	known string // for the message: the declared values
}

// Error describes the problem in one line, naming what was being done
// (such as "scan") and listing the declared values where they help.
func (e *ValueError) Error() string {
	var b strings.Builder
	b.WriteString("state: ")
	if e.op != "" || e.Field != "" {
		b.WriteString(e.op)
		if e.op != "" && e.Field != "" {
			b.WriteString(" ")
		}
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	switch {
	case errors.Is(e.Err, ErrNoState):
		fmt.Fprintf(&b, "%s is required but there is no state", e.Type)
	case errors.Is(e.Err, ErrForeignState):
		fmt.Fprintf(&b, "%s is not a %s", echo(fmt.Sprint(e.Value)), e.Type)
	default:
		fmt.Fprintf(&b, "%s does not declare %s", e.Type, describeValue(e.Value))
	}
	if e.known != "" {
		b.WriteString(" (declared: ")
		b.WriteString(e.known)
		b.WriteByte(')')
	}
	return b.String()
}

// Unwrap returns the underlying sentinel or cause, for errors.Is and errors.As.
func (e *ValueError) Unwrap() error { return e.Err }

// echoLimit is the most bytes of a value that a message shows; see
// ValueError.
const echoLimit = 64

// describeValue writes a rejected value for a message: strings and bytes
// quoted, anything else with its type, each cut to echoLimit bytes.
func describeValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		return echoQuoted(v)
	case []byte:
		return echoQuoted(v)
	default:
		return echo(fmt.Sprint(v)) + fmt.Sprintf(" (%T)", v)
	}
}

// echoQuoted quotes s, or its first echoLimit bytes followed by its length.
func echoQuoted[S string | []byte](s S) string {
	n, cut := echoCut(s)
	if !cut {
		return strconv.Quote(string(s))
	}
	return strconv.Quote(string(s[:n])) + "... (" + strconv.Itoa(len(s)) + " bytes)"
}

// echo returns s as it is, or its first echoLimit bytes followed by its
// length: for text that is readable as it stands, such as JSON.
func echo[S string | []byte](s S) string {
	n, cut := echoCut(s)
	if !cut {
		return string(s)
	}
	return string(s[:n]) + "... (" + strconv.Itoa(len(s)) + " bytes)"
}

// echoCut returns how many bytes of s a message shows, and whether that is
// fewer than all of them. The cut falls at the start of a UTF-8 sequence
// where one is near, so that a character is not split.
func echoCut[S string | []byte](s S) (int, bool) {
	if len(s) <= echoLimit {
		return len(s), false
	}
	n := echoLimit
	for i := n; i > n-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			return i, true
		}
	}
	return n, true
}

// An EnumMismatchError reports how a state type differs from the full list
// of an enum's values it was checked against with Type.MatchEnum.
type EnumMismatchError[T comparable] struct {
	Type       string
	Missing    []T // enum values no state declares
	Extra      []T // state values the enum does not list
	Duplicates []T // enum values listed more than once
}

// Error describes the problem in one line.
func (e *EnumMismatchError[T]) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, fmt.Sprintf("no state for enum values %v", e.Missing))
	}
	if len(e.Extra) > 0 {
		parts = append(parts, fmt.Sprintf("states %v are not in the enum", e.Extra))
	}
	if len(e.Duplicates) > 0 {
		parts = append(parts, fmt.Sprintf("enum values %v are listed more than once", e.Duplicates))
	}
	return "state: " + e.Type + " does not match its enum: " + strings.Join(parts, "; ")
}
