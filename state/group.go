package state

import (
	"iter"
	"math/bits"
	"strings"

	"github.com/statecraft/statecraft/state/sqlexpr"
)

// A Source is a set of states, or a conditional state, that a transition
// may start from: a [State], a [Group] or a [Conditional]. Each has a Name,
// an identifier for codes such as reason codes, and a Title for people.
// Only this package implements Source.
//
// Every [Set] is a Source. A *Conditional is a Source but not a Set: whether
// a model is in it depends on the model and the time, not on its state
// alone, so it has no Contains and a bare state cannot be tested against
// it; use its Match.
type Source[T comparable] interface {
	// Name returns the source's name: a state's text form (see
	// State.Name), or the identifier a group or conditional state was
	// declared with, or the name an anonymous group derives from its
	// members' names.
	Name() string
	// Title returns the source's human title.
	Title() string
	// String returns the title, for messages and %v.
	String() string

	// declaredOn names what the source was declared on, for messages: the
	// Type of a state or group, the Manager of a conditional state.
	declaredOn() string
	// sourceOf mentions T, so that Go infers T from a Source argument, as
	// in transition.From(Draft, Withdrawn).
	sourceOf(T)
}

// Set is a State or a Group: something a state can be a member of. Group
// members and conditional bases are Sets; every Set is a [Source].
//
// Only this package implements Set; every Set belongs to exactly one Type.
type Set[T comparable] interface {
	Source[T]
	// Contains reports whether s is a member. It is O(1) and allocates
	// nothing.
	Contains(s State[T]) bool
	// Type returns the Type the set's states belong to.
	Type() *Type[T]
	// Or returns the anonymous group of this set and others.
	Or(others ...Set[T]) *Group[T]
	// Expr returns the SQL predicate that selects the rows whose column
	// holds one of the set's states, such as "status" IN (?, ?). The values
	// are bound as arguments. column is a name such as "status" or a
	// qualified name such as "p.status".
	Expr(column string) sqlexpr.Expr

	bits() bitset
}

// A Group is a named and titled set of states of one Type, such as Gone
// (Withdrawn or Deleted). Declare one with [Type.Group] to give it a name
// and a title and list it among the Type's groups; [State.Or], [Group.Or],
// [Type.Any] and [Type.Except] make anonymous groups, whose names and
// titles derive from their members'.
//
// Groups nest: a group made from other groups holds their states, flattened.
// Membership is a bit test: O(1), no allocation. A Group is immutable once
// declared and safe for concurrent use.
type Group[T comparable] struct {
	typ   *Type[T]
	name  string
	title string
	desc  string
	pos   string
	set   bitset
}

// Contains reports whether s is a member of g.
func (g *Group[T]) Contains(s State[T]) bool {
	return s.d != nil && s.d.typ == g.typ && g.set.has(s.d.index)
}

// Name returns the group's name: the identifier it was declared with, such
// as "gone". An anonymous group's name derives from its members' names:
//
//	Withdrawn.Or(Deleted)       "3_or_4" (the states' text forms)
//	Draft.Or(Gone)              "1_or_gone"
//	ProjectState.Any()          "any"
//	ProjectState.Except(Gone)   "except_gone"
//	ProjectState.Except(a, b)   "except_" + a's name + "_and_" + b's name
func (g *Group[T]) Name() string { return g.name }

// Title returns the group's title. An anonymous group is titled after its
// members, such as "Withdrawn or Deleted".
func (g *Group[T]) Title() string { return g.title }

// Description returns the group's description, if it was given one.
func (g *Group[T]) Description() string { return g.desc }

// Type returns the Type whose states g groups.
func (g *Group[T]) Type() *Type[T] { return g.typ }

// States returns the members of g in their declaration order (the order in
// which the Type declared them, not the order they were grouped in).
func (g *Group[T]) States() iter.Seq[State[T]] {
	return func(yield func(State[T]) bool) {
		for _, d := range g.typ.states {
			if g.set.has(d.index) && !yield(State[T]{d}) {
				return
			}
		}
	}
}

// Or returns the anonymous group of g's states and those of others.
func (g *Group[T]) Or(others ...Set[T]) *Group[T] {
	return union(g.typ, callerPos(1), append([]Set[T]{g}, others...))
}

// String returns the group's title.
func (g *Group[T]) String() string { return g.title }

func (g *Group[T]) bits() bitset { return g.set }

func (g *Group[T]) declaredOn() string { return g.typ.name }
func (g *Group[T]) sourceOf(T)         {}

// union builds the anonymous group of sets, which must all belong to t.
func union[T comparable](t *Type[T], pos string, sets []Set[T]) *Group[T] {
	set, names, titles := members(t, pos, "Or", sets)
	return &Group[T]{typ: t, name: strings.Join(names, "_or_"), title: strings.Join(titles, " or "), pos: pos, set: set}
}

// members returns the states of sets, which must all belong to t, and
// their names and titles; op names the declaring call in errors.
func members[T comparable](t *Type[T], pos, op string, sets []Set[T]) (set bitset, names, titles []string) {
	names = make([]string, 0, len(sets))
	titles = make([]string, 0, len(sets))
	for _, s := range sets {
		if s == nil {
			panic(&DeclarationError{Type: t.name, At: pos, Msg: op + " of a nil set"})
		}
		if s.Type() != t {
			panic(foreignSet(t, pos, s))
		}
		set = set.union(s.bits())
		names = append(names, s.Name())
		titles = append(titles, s.Title())
	}
	return set, names, titles
}

func foreignSet[T comparable](t *Type[T], pos string, s Set[T]) *DeclarationError {
	other := "no type (the zero State)"
	if o := s.Type(); o != nil {
		other = o.name
	}
	return &DeclarationError{Type: t.name, At: pos, Err: ErrForeignState,
		Msg: "cannot combine " + s.Title() + " of " + other + " with states of " + t.name}
}

// bitset holds one bit per state of a Type, indexed by declaration order.
type bitset []uint64

func (b bitset) has(i int) bool {
	w := i >> 6
	return w < len(b) && b[w]&(1<<(uint(i)&63)) != 0
}

func (b *bitset) set(i int) {
	for len(*b) <= i>>6 {
		*b = append(*b, 0)
	}
	(*b)[i>>6] |= 1 << (uint(i) & 63)
}

func (b bitset) union(o bitset) bitset {
	n := max(len(b), len(o))
	r := make(bitset, n)
	copy(r, b)
	for i, w := range o {
		r[i] |= w
	}
	return r
}

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}
