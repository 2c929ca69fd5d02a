package state_test

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// declErr runs f, which must panic with a *state.DeclarationError, and
// returns it.
func declErr(t *testing.T, f func()) *state.DeclarationError {
	t.Helper()
	var got any
	func() {
		defer func() { got = recover() }()
		f()
	}()
	de, ok := got.(*state.DeclarationError)
	require.Truef(t, ok, "want a panic with *state.DeclarationError, got %T: %v", got, got)
	return de
}

// positions returns the file:line positions a message names.
func positions(msg string) []string {
	return regexp.MustCompile(`[\w.]+_test\.go:\d+`).FindAllString(msg, -1)
}

func TestTypeDeclaresStatesInOrder(t *testing.T) {
	var titles []string
	var values []ProjectStatus
	for s := range ProjectState.States() {
		titles = append(titles, s.Title())
		values = append(values, s.Get())
		assert.Same(t, ProjectState, s.Type())
	}
	assert.Equal(t, []string{"Draft", "Published", "Withdrawn", "Deleted"}, titles)
	assert.Equal(t, []ProjectStatus{1, 2, 3, 4}, values)
	assert.Equal(t, 4, typeLen(ProjectState))
	assert.Equal(t, "ProjectState", ProjectState.String())
	assert.Equal(t, "ProjectState", ProjectState.String())
	assert.Equal(t, "Taken down by its owner", Withdrawn.Description())
	assert.True(t, Deleted.Final())
	assert.False(t, Draft.Final())
}

func TestLookupAndParse(t *testing.T) {
	s, ok := ProjectState.Lookup(2)
	assert.True(t, ok)
	assert.Equal(t, Published, s)

	s, ok = ProjectState.Lookup(9)
	assert.False(t, ok)
	assert.True(t, s.IsZero())

	s, err := ProjectState.Parse("3")
	require.NoError(t, err)
	assert.Equal(t, Withdrawn, s)

	r, err := ReviewState.Parse("approved")
	require.NoError(t, err)
	assert.Equal(t, Approved, r)

	_, err = ProjectState.Parse("Draft") // titles are not values
	assert.ErrorIs(t, err, state.ErrUnknownValue)
	var ve *state.ValueError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "ProjectState", ve.Type)
	assert.Equal(t, "Draft", ve.Value)
	assert.Contains(t, err.Error(), `ProjectState does not declare "Draft"`)
	assert.Contains(t, err.Error(), `1 "Draft", 2 "Published", 3 "Withdrawn", 4 "Deleted"`)
}

func TestDuplicateValueNamesBothDeclarations(t *testing.T) {
	typ := state.NewType[int]("Dup")
	typ.State(1, "One")
	de := declErr(t, func() { typ.State(1, "Uno") })
	assert.ErrorIs(t, de, state.ErrDuplicate)
	assert.Equal(t, "Dup", de.Type)
	msg := de.Error()
	assert.Contains(t, msg, `value 1 of state "Uno" is already the value of state "One"`)
	pos := positions(msg)
	require.Len(t, pos, 2, msg)
	assert.NotEqual(t, pos[0], pos[1], "both declarations are named: %s", msg)
	assert.Equal(t, 1, typeLen(typ), "the rejected state is not declared")
}

func TestDuplicateTitleNamesBothDeclarations(t *testing.T) {
	typ := state.NewType[string]("Dup")
	one := typ.State("a", "Open")
	for name, declare := range map[string]func(){
		"state": func() { typ.State("b", "Open") },
		"group": func() { typ.Group("open", "Open", one) },
		"conditional": func() {
			state.Bind(typ, "s", func(m *struct{ S state.State[string] }) *state.State[string] { return &m.S }).Conditional("open", "Open", one, func(*struct{ S state.State[string] }, time.Time) bool { return true })
		},
	} {
		t.Run(name, func(t *testing.T) {
			de := declErr(t, declare)
			assert.ErrorIs(t, de, state.ErrDuplicate)
			assert.Contains(t, de.Error(), `"Open"`)
			require.Len(t, positions(de.Error()), 2, de.Error())
		})
	}
}

func TestDuplicateConditionalOnOneManager(t *testing.T) {
	type M struct{ S state.State[int] }
	typ := state.NewType[int]("T")
	a := typ.State(1, "A")
	m := state.Bind(typ, "s", func(m *M) *state.State[int] { return &m.S })
	m.Conditional("soon", "Soon", a, func(*M, time.Time) bool { return true })
	de := declErr(t, func() { m.Conditional("soon_again", "Soon", a, func(*M, time.Time) bool { return false }) })
	assert.ErrorIs(t, de, state.ErrDuplicate)
	require.Len(t, positions(de.Error()), 2, de.Error())
}

// byteCode is stored in SQL as bytes.
type byteCode string

func (c byteCode) Value() (driver.Value, error) { return []byte(c), nil }

// The text form of a state is its SQL value written out in full, whatever
// the kind of value, and Parse reads it back.
func TestTextFormOfEachValueKind(t *testing.T) {
	check := func(t *testing.T, text string, s interface {
		MarshalText() ([]byte, error)
		Name() string
	}, parse func(string) (any, error),
	) {
		t.Helper()
		b, err := s.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, text, string(b))
		assert.Equal(t, text, s.Name())
		back, err := parse(text)
		require.NoError(t, err)
		assert.Equal(t, s, back)
	}

	floats := state.NewType[float64]("Floats")
	for v, text := range map[float64]string{1.25: "1.25", -0.125: "-0.125", 1e21: "1e+21", 3: "3"} {
		check(t, text, floats.State(v, text), func(s string) (any, error) { return floats.Parse(s) })
	}
	bools := state.NewType[bool]("Bools")
	check(t, "true", bools.State(true, "Yes"), func(s string) (any, error) { return bools.Parse(s) })
	check(t, "false", bools.State(false, "No"), func(s string) (any, error) { return bools.Parse(s) })
	codes := state.NewType[byteCode]("Codes")
	check(t, "a-1", codes.State("a-1", "A1"), func(s string) (any, error) { return codes.Parse(s) })
}

func TestTextFormsMustBeDistinct(t *testing.T) {
	typ := state.NewType[float64]("F")
	typ.State(1, "One")
	de := declErr(t, func() { typ.State(math.NaN(), "NaN") })
	assert.Contains(t, de.Error(), "not equal to itself")
}

type color int

const (
	red color = iota + 1
	green
	blue
)

func (c color) String() string { return [...]string{"?", "Red", "Green", "Blue"}[c] }

func TestTitleFromStringer(t *testing.T) {
	colors := state.NewType[color]("Color")
	r := colors.State(red, "")
	assert.Equal(t, "Red", r.Title())
	de := declErr(t, func() { state.NewType[int]("T").State(1, "") })
	assert.Contains(t, de.Error(), "needs a title")
}

func TestMatchEnum(t *testing.T) {
	colors := state.NewType[color]("Color")
	colors.State(red, "")
	colors.State(green, "")
	require.NoError(t, colors.MatchEnum(red, green))

	err := colors.MatchEnum(red, blue, red)
	var me *state.EnumMismatchError[color]
	require.ErrorAs(t, err, &me)
	want := &state.EnumMismatchError[color]{Type: "Color", Missing: []color{blue}, Extra: []color{green}, Duplicates: []color{red}}
	if diff := cmp.Diff(want, me); diff != "" {
		t.Errorf("MatchEnum mismatch (-want +got):\n%s", diff)
	}
	assert.Equal(t, "state: Color does not match its enum: no state for enum values [Blue]; states [Green] are not in the enum; enum values [Red] are listed more than once", err.Error())

	// Any one kind of difference, or any two, is a mismatch.
	for _, tt := range []struct {
		values []color
		want   *state.EnumMismatchError[color]
	}{
		{[]color{red, green, red}, &state.EnumMismatchError[color]{Type: "Color", Duplicates: []color{red}}},
		{[]color{red}, &state.EnumMismatchError[color]{Type: "Color", Extra: []color{green}}},
		{[]color{red, green, blue}, &state.EnumMismatchError[color]{Type: "Color", Missing: []color{blue}}},
		{[]color{red, blue}, &state.EnumMismatchError[color]{Type: "Color", Missing: []color{blue}, Extra: []color{green}}},
		{[]color{red, red}, &state.EnumMismatchError[color]{Type: "Color", Extra: []color{green}, Duplicates: []color{red}}},
		{[]color{red, green, blue, blue}, &state.EnumMismatchError[color]{Type: "Color", Missing: []color{blue}, Duplicates: []color{blue}}},
	} {
		err := colors.MatchEnum(tt.values...)
		var me *state.EnumMismatchError[color]
		require.ErrorAs(t, err, &me, "%v", tt.values)
		if diff := cmp.Diff(tt.want, me); diff != "" {
			t.Errorf("MatchEnum(%v) mismatch (-want +got):\n%s", tt.values, diff)
		}
	}
}

func TestGroups(t *testing.T) {
	assert.Equal(t, "Gone", Gone.Title())
	assert.Equal(t, "gone", Gone.Name())
	assert.Len(t, slices.Collect(Gone.States()), 2)
	assert.True(t, Gone.Contains(Withdrawn))
	assert.True(t, Gone.Contains(Deleted))
	assert.False(t, Gone.Contains(Draft))
	assert.False(t, Gone.Contains(state.State[ProjectStatus]{}), "the zero State is in no group")
	assert.False(t, Gone.Contains(Published))

	anon := Deleted.Or(Draft)
	assert.Equal(t, "Deleted or Draft", anon.Title())
	assert.Equal(t, "4_or_1", anon.Name(), "named after its members")
	assert.Equal(t, "4_or_1_or_gone", anon.Or(Gone).Name())
	assert.Equal(t, "2_or_4_or_1", Published.Or(anon).Name(), "an anonymous member's name is its members'")
	assert.Equal(t, []State{Draft, Deleted}, slices.Collect(anon.States()), "members iterate in declaration order")

	assert.Equal(t, []State{Draft, Published, Withdrawn, Deleted}, slices.Collect(ProjectState.Any().States()))
	assert.Equal(t, "any ProjectState", ProjectState.Any().Title())

	var titles []string
	for g := range ProjectState.Groups() {
		titles = append(titles, g.Title())
	}
	assert.Equal(t, []string{"Gone", "Visible"}, titles, "declared groups only")

	// Groups nest, and are listed in declaration order. (On a Type of its
	// own, so that ProjectState keeps the fixture's groups whatever the
	// order the tests run in.)
	typ := state.NewType[int]("Nesting")
	draft, published, withdrawn, deleted := typ.State(1, "Draft"), typ.State(2, "Published"), typ.State(3, "Withdrawn"), typ.State(4, "Deleted")
	gone := typ.Group("gone", "Gone", withdrawn.Or(deleted))
	typ.Group("visible", "Visible", draft.Or(published))
	nested := typ.Group("everything_but_published", "Everything but published", gone.Or(draft))
	assert.Equal(t, []state.State[int]{draft, withdrawn, deleted}, slices.Collect(nested.States()), "nested groups flatten")
	assert.Equal(t, "everything_but_published", nested.Name())
	titles = nil
	for g := range typ.Groups() {
		titles = append(titles, g.Title())
	}
	assert.Equal(t, []string{"Gone", "Visible", "Everything but published"}, titles)
}

// typeLen counts the declared states of t.
func typeLen[T comparable](t *state.Type[T]) int { return len(slices.Collect(t.States())) }

// State is short for the fixture's state type in tables.
type State = state.State[ProjectStatus]

func TestGroupsRejectOtherTypes(t *testing.T) {
	a := state.NewType[int]("A")
	b := state.NewType[int]("B")
	a1 := a.State(1, "A1")
	b1 := b.State(1, "B1")

	de := declErr(t, func() { a1.Or(b1) })
	assert.ErrorIs(t, de, state.ErrForeignState)
	assert.Contains(t, de.Error(), "cannot combine B1 of B with states of A")

	de = declErr(t, func() { a.Group("mixed", "Mixed", b1) })
	assert.ErrorIs(t, de, state.ErrForeignState)

	de = declErr(t, func() { a1.Or(state.State[int]{}) })
	assert.ErrorIs(t, de, state.ErrForeignState)

	// Same value type, different Types: never members of each other's sets.
	assert.False(t, a.Any().Contains(b1))
	assert.False(t, a1.Contains(b1))
}

func TestManyStatesSpanSeveralWords(t *testing.T) {
	typ := state.NewType[int]("Many")
	var all []state.State[int]
	for i := range 200 {
		all = append(all, typ.State(i, fmt.Sprint("S", i)))
	}
	g := typ.Group("edges", "Edges", all[0].Or(all[63], all[64], all[199]))
	assert.Len(t, slices.Collect(g.States()), 4)
	for i, s := range all {
		want := i == 0 || i == 63 || i == 64 || i == 199
		assert.Equal(t, want, g.Contains(s), "state %d", i)
	}
	assert.Len(t, slices.Collect(typ.Any().States()), 200)
}

func TestStateStringAndZero(t *testing.T) {
	var zero State
	assert.True(t, zero.IsZero())
	assert.Equal(t, "(no state)", zero.String())
	assert.Equal(t, "", zero.Title())
	assert.Nil(t, zero.Type())
	assert.Equal(t, ProjectStatus(0), zero.Get())
	assert.Equal(t, "Published", Published.String())
	assert.Equal(t, "Published", fmt.Sprint(Published))
	assert.Equal(t, "2", Published.Name(), "a state's name is its text form")
	assert.Equal(t, "", zero.Name())
	assert.True(t, Published.Equal(Published))
	assert.False(t, Published.Equal(Draft))
	declErr(t, func() { zero.Or(Draft) })
}

func TestNewTypeNeedsAName(t *testing.T) {
	declErr(t, func() { state.NewType[int]("") })
	typ := state.NewType[int]("T")
	declErr(t, func() { typ.Group("a", "", typ.State(1, "A")) })
	declErr(t, func() { typ.Group("", "Nameless", typ.Any()) })
	declErr(t, func() { typ.Group("empty", "Empty", nil) })
	declErr(t, func() { typ.Group("final", "Final", typ.Any(), state.Final()) })
}

func TestDeclarationErrorFormat(t *testing.T) {
	err := &state.DeclarationError{Type: "T", At: "x.go:3", Msg: "broken", Err: state.ErrDuplicate}
	assert.Equal(t, "state: T: broken (declared at x.go:3)", err.Error())
	assert.True(t, errors.Is(err, state.ErrDuplicate))
}

// Every invalid UTF-8 byte is written to JSON as \ufffd, so two such
// strings can share a JSON form; one would then decode as the other.
func TestJSONFormsMustBeDistinct(t *testing.T) {
	typ := state.NewType[string]("Bytes")
	ff := typ.State("\xff", "FF")
	de := declErr(t, func() { typ.State("\xfe", "FE") })
	assert.ErrorIs(t, de, state.ErrDuplicate)
	assert.Equal(t, "Bytes", de.Type)
	msg := de.Error()
	assert.Contains(t, msg, `state "FE" is written to JSON as "\ufffd", like state "FF"`)
	pos := positions(msg)
	require.Len(t, pos, 2, msg)
	assert.NotEqual(t, pos[0], pos[1], "both declarations are named: %s", msg)
	assert.Equal(t, 1, typeLen(typ), "the rejected state is not declared")

	// The one that was declared reads back from its JSON form.
	b, err := ff.MarshalJSON()
	require.NoError(t, err)
	back := typ.State("ok", "OK")
	require.NoError(t, back.UnmarshalJSON(b))
	assert.Equal(t, ff, back)

	// Valid UTF-8, even U+FFFD itself, has a JSON form of its own.
	fffd := typ.State("\ufffd", "U+FFFD")
	b, err = fffd.MarshalJSON()
	require.NoError(t, err)
	require.NoError(t, back.UnmarshalJSON(b))
	assert.Equal(t, fffd, back)
}

// foldedValue is stored in SQL in lower case, but keeps its own case as
// text and JSON: two values can be one stored value.
type foldedValue string

func (v foldedValue) Value() (driver.Value, error) { return strings.ToLower(string(v)), nil }

func (v foldedValue) MarshalText() ([]byte, error) { return []byte(v), nil }

func TestSQLValuesMustBeDistinct(t *testing.T) {
	typ := state.NewType[foldedValue]("Folded")
	typ.State("open", "Open")
	de := declErr(t, func() { typ.State("OPEN", "Shouting") })
	assert.ErrorIs(t, de, state.ErrDuplicate)
	msg := de.Error()
	assert.Contains(t, msg, `state "Shouting" is stored in SQL as open, like state "Open"`)
	pos := positions(msg)
	require.Len(t, pos, 2, msg)
	assert.NotEqual(t, pos[0], pos[1], "both declarations are named: %s", msg)
	assert.Equal(t, 1, typeLen(typ), "the rejected state is not declared")
	typ.State("closed", "Closed")
	assert.Equal(t, 2, typeLen(typ))
}

func TestTextFormsOfDifferentValuesMustBeDistinct(t *testing.T) {
	typ := state.NewType[any]("Mixed")
	typ.State(1, "Number one")
	de := declErr(t, func() { typ.State("1", "String one") })
	assert.ErrorIs(t, de, state.ErrDuplicate)
	msg := de.Error()
	assert.Contains(t, msg, `state "String one" reads and writes as "1", like state "Number one"`)
	pos := positions(msg)
	require.Len(t, pos, 2, msg)
	assert.NotEqual(t, pos[0], pos[1], "both declarations are named: %s", msg)
	assert.Equal(t, 1, typeLen(typ), "the rejected state is not declared")
}

// The zero State holds no state, so it is a member of no set, itself
// included.
func TestZeroStateIsInNoSet(t *testing.T) {
	var zero State
	assert.False(t, zero.Contains(zero), "zero.Contains(zero)")
	assert.False(t, Gone.Contains(zero), "Gone.Contains(zero)")
	assert.False(t, ProjectState.Any().Contains(zero), "Any().Contains(zero)")
	assert.False(t, Withdrawn.Or(Deleted).Contains(zero), "zero in an anonymous group")
	assert.False(t, Published.Contains(zero), "Published.Contains(zero)")
	assert.False(t, Visible.Contains(state.Null[ProjectStatus]{}.State), "the zero Null")
	assert.False(t, Status.In(ProjectState.Any()).Match(&Project{}, now()), "a model with no state")
}

// Messages list the declared values, up to nine; beyond that the first
// eight and how many more.
func TestKnownValuesList(t *testing.T) {
	declare := func(n int) *state.Type[int] {
		typ := state.NewType[int](fmt.Sprint("T", n))
		for i := range n {
			typ.State(i+1, fmt.Sprint("S", i+1))
		}
		return typ
	}
	list := func(from, to int) string {
		var parts []string
		for i := from; i <= to; i++ {
			parts = append(parts, fmt.Sprintf(`%d "S%d"`, i, i))
		}
		return strings.Join(parts, ", ")
	}
	for _, tt := range []struct {
		n    int
		want string
	}{
		{1, list(1, 1)},
		{8, list(1, 8)},
		{9, list(1, 9)},
		{10, list(1, 8) + ", and 2 more"},
		{11, list(1, 8) + ", and 3 more"},
	} {
		_, err := declare(tt.n).Parse("0")
		assert.EqualError(t, err, fmt.Sprintf(`state: parse: T%d does not declare "0" (declared: %s)`, tt.n, tt.want), "%d states", tt.n)
	}
	_, err := state.NewType[int]("None").Parse("0")
	assert.EqualError(t, err, `state: parse: None does not declare "0"`)
}

// Except is "every state but these", and follows states declared after it.
func TestTypeExceptFollowsLaterStates(t *testing.T) {
	typ := state.NewType[int]("Doc")
	draft := typ.State(1, "Draft")
	live := typ.State(2, "Live")
	gone := typ.State(3, "Gone")
	notGone := typ.Except(gone)
	neither := typ.Except(gone, draft.Or(live))
	archived := typ.State(4, "Archived") // declared later

	assert.Equal(t, "any Doc except Gone", notGone.Title())
	assert.Equal(t, "any Doc except Gone or Draft or Live", neither.Title())
	for s, want := range map[state.State[int]]bool{draft: true, live: true, gone: false, archived: true} {
		assert.Equal(t, want, notGone.Contains(s), s.Title())
		assert.Equal(t, want, state.Set[int](notGone).Contains(s), s.Title())
	}
	assert.Equal(t, []state.State[int]{draft, live, archived}, slices.Collect(notGone.States()))
	assert.Equal(t, "except_3", notGone.Name())
	assert.Equal(t, "except_3_and_1_or_2", neither.Name())
	assert.Equal(t, "any", typ.Except().Name())
	assert.Equal(t, "any", typ.Any().Name())
	assert.Equal(t, []state.State[int]{archived}, slices.Collect(neither.States()))
	assert.False(t, notGone.Contains(state.State[int]{}), "the zero State is in no set")
	assert.True(t, typ.Except().Contains(gone), "Except of nothing is Any")

	sql, args, err := notGone.Expr("status").Render(sqlexpr.Postgres)
	require.NoError(t, err)
	assert.Equal(t, `"status" IN ($1, $2, $3)`, sql)
	assert.Equal(t, []any{int64(1), int64(2), int64(4)}, args)

	other := state.NewType[int]("Other").State(1, "Elsewhere")
	declErr(t, func() { typ.Except(nil) })
	declErr(t, func() { typ.Except(other) })
}
