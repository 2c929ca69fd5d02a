package state

import (
	"iter"
	"log/slog"
	"math/bits"
	"strings"

	"github.com/statecraft/statecraft/state/sqlexpr"
)

// Set is a State or a Group: something a state can be a member of. Transition
// sources, group members and conditional bases are Sets.
//
// Only this package implements Set; every Set belongs to exactly one Type.
type Set[T comparable] interface {
	// Contains reports whether s is a member. It is O(1) and allocates
	// nothing.
	Contains(s State[T]) bool
	// Title returns the set's human title.
	Title() string
	// Type returns the Type the set's states belong to.
	Type() *Type[T]
	// Len returns how many states the set has.
	Len() int
	// Or returns the anonymous group of this set and others.
	Or(others ...Set[T]) *Group[T]
	// Expr returns the SQL predicate that selects the rows whose column
	// holds one of the set's states, such as "status" IN (?, ?). The values
	// are bound as arguments. column is a name such as "status" or a
	// qualified name such as "p.status".
	Expr(column string) sqlexpr.Expr

	bits() bitset
}

// A Group is a titled set of states of one Type, such as Gone (Withdrawn or
// Deleted). Declare one with [Type.Group] to give it a title and list it
// among the Type's groups; [State.Or] and [Group.Or] make anonymous groups.
//
// Groups nest: a group made from other groups holds their states, flattened.
// Membership is a bit test: O(1), no allocation. A Group is immutable once
// declared and safe for concurrent use.
type Group[T comparable] struct {
	typ   *Type[T]
	title string
	desc  string
	pos   string
	named bool // declared with Type.Group
	set   bitset
	n     int // number of members
}

// Contains reports whether s is a member of g.
func (g *Group[T]) Contains(s State[T]) bool {
	return s.d != nil && s.d.typ == g.typ && g.set.has(s.d.index)
}

// Title returns the group's title. An anonymous group is titled after its
// members, such as "Withdrawn or Deleted".
func (g *Group[T]) Title() string { return g.title }

// Description returns the group's description, if it was given one.
func (g *Group[T]) Description() string { return g.desc }

// Type returns the Type whose states g groups.
func (g *Group[T]) Type() *Type[T] { return g.typ }

// Len returns the number of states in g.
func (g *Group[T]) Len() int { return g.n }

// Named reports whether g was declared with [Type.Group], rather than made
// with Or.
func (g *Group[T]) Named() bool { return g.named }

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

// LogValue logs the group as its type, title and member titles.
func (g *Group[T]) LogValue() slog.Value {
	var titles []string
	for s := range g.States() {
		titles = append(titles, s.d.title)
	}
	return slog.GroupValue(
		slog.String("type", g.typ.name),
		slog.String("title", g.title),
		slog.Any("states", titles),
	)
}

func (g *Group[T]) bits() bitset { return g.set }

// union builds the anonymous group of sets, which must all belong to t.
func union[T comparable](t *Type[T], pos string, sets []Set[T]) *Group[T] {
	set, title := members(t, pos, "Or", sets)
	return &Group[T]{typ: t, title: title, pos: pos, set: set, n: set.count()}
}

// members returns the states of sets, which must all belong to t, and
// their titles joined with "or"; op names the declaring call in errors.
func members[T comparable](t *Type[T], pos, op string, sets []Set[T]) (bitset, string) {
	var set bitset
	titles := make([]string, 0, len(sets))
	for _, s := range sets {
		if s == nil {
			panic(&DeclarationError{Type: t.name, At: pos, Msg: op + " of a nil set"})
		}
		if s.Type() != t {
			panic(foreignSet(t, pos, s))
		}
		set = set.union(s.bits())
		titles = append(titles, s.Title())
	}
	return set, strings.Join(titles, " or ")
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
