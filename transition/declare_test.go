package transition_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/internal/graph"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// declPanic runs f and returns the *transition.DeclarationError it panics
// with.
func declPanic(t *testing.T, f func()) *transition.DeclarationError {
	t.Helper()
	var got any
	func() {
		defer func() { got = recover() }()
		f()
	}()
	require.NotNil(t, got, "the declaration was accepted")
	de, ok := got.(*transition.DeclarationError)
	require.True(t, ok, "panicked with %T: %v", got, got)
	return de
}

// A little machine of its own, so these tests declare freely.
type Door struct{ Status state.State[int] }

var (
	DoorState = state.NewType[int]("DoorState")
	Closed    = DoorState.State(1, "Closed")
	Opened    = DoorState.State(2, "Opened")
	Locked    = DoorState.State(3, "Locked")

	OtherType = state.NewType[int]("OtherType")
	Elsewhere = OtherType.State(1, "Elsewhere")

	DoorStatus = state.Bind(DoorState, "status", func(d *Door) *state.State[int] { return &d.Status })
)

func TestDeclarationsAreChecked(t *testing.T) {
	doors := transition.For[User, *DB](DoorStatus)
	transition.New[transition.NoInput](doors, "open", transition.From(Closed).To(Opened))

	shuts := 0
	shut := func() *transition.Transition[Door, int, User, *DB, transition.NoInput] { // a fresh transition to misdeclare
		shuts++
		return transition.New[transition.NoInput](doors, fmt.Sprint("shut", shuts), transition.From(Opened).To(Closed))
	}
	cases := []struct {
		name string
		f    func()
		msg  string
	}{
		{"no rules", func() { transition.New[transition.NoInput](doors, "close") }, "needs at least one rule"},
		{"no sources", func() { transition.New[transition.NoInput](doors, "close", transition.From[int]().To(Closed)) }, "rule 1 has no source states"},
		{"foreign source", func() { transition.New[transition.NoInput](doors, "close", transition.From(Elsewhere).To(Closed)) }, "Elsewhere is a state of OtherType, not of DoorState"},
		{"foreign target", func() { transition.New[transition.NoInput](doors, "close", transition.From(Opened).To(Elsewhere)) }, "Elsewhere is a state of OtherType, not of DoorState"},
		{"zero target", func() {
			transition.New[transition.NoInput](doors, "close", transition.From(Locked).To(Opened), transition.From(Opened).To(state.State[int]{}))
		}, "rule 2 has the zero State as a target"},
		{"duplicate name", func() { transition.New[transition.NoInput](doors, "open", transition.From(Locked).To(Opened)) }, "already taken by the transition declared at transition/declare_test.go"},
		{"empty name", func() { transition.New[transition.NoInput](doors, "", transition.From(Locked).To(Opened)) }, "needs a name"},
		{"name with space", func() { transition.New[transition.NoInput](doors, "slam shut", transition.From(Opened).To(Closed)) }, "no spaces or slashes"},
		{"overlapping rules", func() {
			transition.New[transition.NoInput](doors, "toggle", transition.From(Closed, Opened).To(Locked), transition.From(Opened).To(Closed))
		}, "rules 1 and 2 both start from Opened"},
		{"nil allow", func() {
			transition.New[transition.NoInput](doors, "a1", transition.From(Opened).To(Closed)).Allow("x", nil)
		}, "Allow needs a name and a function"},
		{"nil effect", func() {
			transition.New[transition.NoInput](doors, "a2", transition.From(Opened).To(Closed)).Effect("", func(context.Context, *DB, *transition.Event[Door, int, User, transition.NoInput]) error {
				return nil
			})
		}, "Effect needs a title and a function"},
		{"allow named with words", func() {
			transition.New[transition.NoInput](doors, "a3", transition.From(Opened).To(Closed)).Allow("the owner", func(context.Context, User, *Door) bool { return true })
		}, `Allow's name "the owner" is an identifier, used in reason codes: use no spaces or dots`},
		{"foreign initial", func() { doors.Initial(Elsewhere) }, "Elsewhere is a state of OtherType"},
		{"nil source", func() { transition.New[transition.NoInput](doors, "close", transition.From[int](nil).To(Closed)) }, "a nil state, group or conditional state"},
		{"creation among other rules", func() {
			transition.New[transition.NoInput](doors, "make", transition.Create(Closed), transition.From(Opened).To(Closed))
		}, "a creation transition has one rule"},
		{"empty title", func() { shut().Titled("") }, `Titled("")`},
		{"nil condition", func() { shut().When(nil) }, "When(nil)"},
		{"nil related condition", func() { shut().WhenRelated(nil) }, "WhenRelated(nil)"},
		{"nil validation", func() { shut().Validate(nil) }, "Validate(nil)"},
		{"nil choice", func() { shut().Choose(nil) }, "Choose(nil)"},
		{"untitled after-commit hook", func() {
			shut().AfterCommit("", func(context.Context, *transition.Event[Door, int, User, transition.NoInput]) error { return nil })
		}, "AfterCommit needs a title and a function"},
		{"nil after-commit hook", func() { shut().AfterCommit("notify", nil) }, "AfterCommit needs a title and a function"},
		{"untitled failure hook", func() {
			shut().OnFailure("", func(context.Context, *transition.Event[Door, int, User, transition.NoInput], error) {})
		}, "OnFailure needs a title and a function"},
		{"nil failure hook", func() { shut().OnFailure("alert", nil) }, "OnFailure needs a title and a function"},
		{"nil cascade", func() { shut().Cascade(nil) }, "Cascade(nil)"},
		{"unnamed self cascade", func() {
			shut().CascadeSelf("", func(context.Context, *DB, *Door) ([]*Door, error) { return nil, nil })
		}, "CascadeSelf needs a name and a load function"},
		{"self cascade loading nothing", func() { shut().CascadeSelf("inner", nil) }, "CascadeSelf needs a name and a load function"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			de := declPanic(t, c.f)
			assert.Contains(t, de.Error(), c.msg)
			assert.Contains(t, de.Error(), "declare_test.go:", "the error points at the declaration")
			assert.Equal(t, "transition_test.Door.status", de.Machine)
		})
	}
	assert.ErrorIs(t, declPanic(t, func() {
		transition.New[transition.NoInput](doors, "close", transition.From(Elsewhere).To(Closed))
	}), state.ErrForeignState)
	// A refused New leaves nothing behind; a refused Allow, Effect, Titled
	// and so on comes after its New, which stands. Names lists them by
	// line: shut's New comes before the a1-a3 of the table.
	assert.Equal(t, []string{"open", "shut1", "shut2", "shut3", "shut4", "shut5", "shut6", "shut7", "shut8", "shut9", "shut10", "shut11", "shut12", "a1", "a2", "a3"}, doors.Names())

	de := declPanic(t, func() {
		transition.New[transition.NoInput]((*transition.Machine[Door, int, User, *DB])(nil), "open", transition.From(Closed).To(Opened))
	})
	assert.Equal(t, "New on a nil Machine", de.Msg)
	assert.Equal(t, "open", de.Transition)
	assert.Contains(t, de.At, "declare_test.go:", "the error points at the declaration")
}

func TestInfoDescribesTheDeclaration(t *testing.T) {
	in := transition.InfoOf(Publish)
	assert.Equal(t, "publish", in.Name)
	assert.Equal(t, "Publish", in.Title)
	assert.Equal(t, []graph.Rule{{From: []string{"Draft", "Withdrawn"}, FromStates: []string{"Draft", "Withdrawn"}, To: []string{"Published"}}}, in.Rules)
	assert.Equal(t, []string{"owner", "admin"}, in.Allow)
	assert.Equal(t, []string{"review is Approved"}, in.When)
	assert.Equal(t, []string{"parent: status is Published (if any)"}, in.Related)
	assert.Equal(t, []string{"set the start date", "stamp the publication"}, in.Effects)
	assert.Equal(t, 1, in.Validators)
	assert.Empty(t, in.Required, "start_at is omitzero")

	d := transition.InfoOf(Delete)
	assert.Equal(t, []graph.Cascade{{Name: "tasks", Machine: "fixture.Task.status", Transition: "delete", Target: Tasks}}, d.Cascades)
	assert.Nil(t, d.Input)

	assert.Equal(t, []string{"reason"}, transition.InfoOf(Withdraw).Required)
	assert.True(t, transition.InfoOf(Decide).Chooses)
	assert.Equal(t, []graph.Rule{{From: []string{"Draft"}, FromStates: []string{"Draft"}, Stay: true}}, transition.InfoOf(Edit).Rules)

	g := transition.GraphOf(Projects)
	assert.Equal(t, "ProjectState", g.Type)
	assert.Equal(t, "status", g.Column)
	assert.True(t, g.States[0].Initial)
	assert.True(t, g.States[3].Final)
	assert.Equal(t, []graph.Group{{Title: "Gone", Members: []string{"Withdrawn", "Deleted"}}}, g.Groups)
	assert.Len(t, g.Transitions, 4)
}
