package state

import (
	"database/sql/driver"
	"log/slog"
	"strconv"
	"unicode"
)

// State is one declared state of a Type, such as Draft or Published.
//
// A State is a small comparable handle: compare states with ==, keep them in
// maps, and put one directly on a model as the field that holds the model's
// current state:
//
//	type Project struct {
//		ID     int64
//		Status state.State[ProjectStatus]
//	}
//
//	p.Status = Published
//	if p.Status == Published { ... }
//	if Gone.Contains(p.Status) { ... }
//
// As a field, a State reads and writes SQL (database/sql Scanner and
// Valuer), JSON and text, and rejects any value its Type does not declare;
// see the methods in column.go. The zero State holds no state: it is how a
// field looks before it is assigned, and writing it anywhere is an error.
// Use [Null] for a column where NULL is a legitimate value.
type State[T comparable] struct {
	d *decl[T]
}

// decl is what a State handle points to: everything declared about it,
// plus its encodings, computed once at declaration so that reading and
// writing a state allocate nothing.
type decl[T comparable] struct {
	typ   *Type[T]
	index int // declaration order within typ, and its bit in group masks
	value T
	title string
	desc  string
	final bool
	pos   string // file:line of the declaration

	dv    driver.Value // the value as written to SQL
	dvErr error        // why the value cannot be written to SQL, if it cannot
	text  string       // text form (MarshalText), unique within typ
	json  []byte       // JSON form
}

// Get returns the state's value, such as 2 for Published. It returns the zero
// T for the zero State.
//
// (The method is not called Value: that name belongs to database/sql's
// driver.Valuer, which State implements.)
func (s State[T]) Get() T {
	if s.d == nil {
		var zero T
		return zero
	}
	return s.d.value
}

// Name returns the state's name, its text form (see MarshalText), such as
// "2" or "published"; "" for the zero State. As a [Source], a state is
// named by the value that is stored, as groups and conditional states are
// by their declared names.
func (s State[T]) Name() string {
	if s.d == nil {
		return ""
	}
	return s.d.text
}

// Title returns the state's human title, such as "Published", or "" for the
// zero State.
func (s State[T]) Title() string {
	if s.d == nil {
		return ""
	}
	return s.d.title
}

// Description returns the state's description, if it was given one.
func (s State[T]) Description() string {
	if s.d == nil {
		return ""
	}
	return s.d.desc
}

// Final reports whether the state was declared final with [Final]: no
// transition needs to leave it.
func (s State[T]) Final() bool { return s.d != nil && s.d.final }

// Type returns the Type that declares s, or nil for the zero State.
func (s State[T]) Type() *Type[T] {
	if s.d == nil {
		return nil
	}
	return s.d.typ
}

// IsZero reports whether s is the zero State, which holds no state.
func (s State[T]) IsZero() bool { return s.d == nil }

// Equal reports whether s and other are the same state, like s == other.
// It lets github.com/google/go-cmp compare models holding states.
func (s State[T]) Equal(other State[T]) bool { return s == other }

// Contains reports whether other is s, so that a State is a [Set] of one.
// To test whether a state is in a group, ask the group:
// Gone.Contains(p.Status). The zero State is in no set, itself included.
func (s State[T]) Contains(other State[T]) bool { return s.d != nil && s == other }

// Or returns the anonymous group of s and others, named and titled after
// its members ("3_or_4", "Withdrawn or Deleted"). To give a group its own
// name and title and list it among the Type's groups, declare it with
// [Type.Group]. Or panics if a set belongs to another Type.
func (s State[T]) Or(others ...Set[T]) *Group[T] {
	s.mustBeDeclared("Or")
	return union(s.d.typ, callerPos(1), append([]Set[T]{s}, others...))
}

// String returns the state's title, or "(no state)" for the zero State.
func (s State[T]) String() string {
	if s.d == nil {
		return "(no state)"
	}
	return s.d.title
}

// LogValue implements log/slog's LogValuer: a state logs as String
// writes it, its title (status=Published), and the zero State as
// "(no state)", in text and in JSON alike. (Without it, slog would log a
// state by its text or JSON form, and the zero State, which has neither,
// as an error.) A Null logs the same way, by this method: "(no state)"
// when it holds none.
func (s State[T]) LogValue() slog.Value { return slog.StringValue(s.String()) }

// GoString returns the state as its Type, title and value, such as
// ProjectState.Draft(1), for %#v and test failures; "state.State{}" for the
// zero State. (A title that is not a Go identifier is quoted:
// ReviewState."In review"("review").)
func (s State[T]) GoString() string {
	if s.d == nil {
		return "state.State{}"
	}
	title := s.d.title
	if !isIdent(title) {
		title = strconv.Quote(title)
	}
	v := s.d.text
	if _, isStr := s.d.dv.(string); isStr {
		v = strconv.Quote(v)
	}
	return s.d.typ.name + "." + title + "(" + v + ")"
}

// isIdent reports whether s is a Go identifier.
func isIdent(s string) bool {
	for i, r := range s {
		if !unicode.IsLetter(r) && r != '_' && (i == 0 || !unicode.IsDigit(r)) {
			return false
		}
	}
	return s != ""
}

func (s State[T]) sourceOf(T) {}

func (s State[T]) declaredOn() string {
	if s.d == nil {
		return "no type (the zero State)"
	}
	return s.d.typ.name
}

func (s State[T]) bits() bitset {
	if s.d == nil {
		return nil
	}
	var b bitset
	b.set(s.d.index)
	return b
}

func (s State[T]) mustBeDeclared(op string) {
	if s.d == nil {
		panic(&DeclarationError{At: callerPos(2), Msg: op + " on the zero State, which is no declared state", Err: ErrNoState})
	}
}
