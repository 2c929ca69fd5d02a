package transition_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// Declarations freeze when a machine is first used (or registered):
// declaring afterwards panics with a message that says so, on the machine,
// its transitions, and the Types of the fields it moves.

func panicOf(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

func TestDeclaringAfterFirstUsePanics(t *testing.T) {
	typ := state.NewType[int]("Frozen")
	a := typ.State(1, "A")
	b := typ.State(2, "B")
	other := state.NewType[string]("FrozenToo")
	x := other.State("x", "X")
	type box struct {
		S state.State[int]
		O state.State[string]
	}
	field := state.Bind(typ, "s", func(m *box) *state.State[int] { return &m.S })
	otherField := state.Bind(other, "o", func(m *box) *state.State[string] { return &m.O })
	m := transition.For[User, struct{}](field)
	go1 := transition.New[transition.NoInput](m, "go", transition.From(a).To(b)).AllowAnyone().
		Also(transition.Field(otherField, transition.From(other.Any()).To(x)))

	// Before any use, declaring is fine.
	go1.Titled("Go")

	assert.True(t, go1.Can(context.Background(), transition.Memory(struct{}{}, nil), Alice, &box{S: a, O: x}))

	for name, declare := range map[string]func(){
		"a transition": func() { transition.New[transition.NoInput](m, "back", transition.From(b).To(a)).AllowAnyone() },
		"a guard":      func() { go1.Allow("admins", func(context.Context, User, *box) bool { return true }) },
		"an effect": func() {
			go1.Effect("e", func(context.Context, struct{}, *transition.Event[box, int, User, transition.NoInput]) error {
				return nil
			})
		},
		"the machine's identity":      func() { m.Identify(func(*box) any { return 1 }) },
		"a state":                     func() { typ.State(3, "C") },
		"a group":                     func() { typ.Group("both", "Both", a.Or(b)) },
		"a state of a field it moves": func() { other.State("y", "Y") },
		"a conditional state":         func() { field.Conditional("odd", "Odd", a, func(*box, time.Time) bool { return true }) },
	} {
		v := panicOf(declare)
		err, ok := v.(error)
		require.True(t, ok, "%s: declaring after first use must panic with an error, got %v", name, v)
		assert.ErrorIs(t, err, state.ErrFrozen, name)
		assert.ErrorIs(t, err, state.ErrFrozen, name)
		assert.Contains(t, err.Error(), "declared after", name)
	}
}

// Declaring and using one machine from many goroutines at once ends each
// declaration in success or a clear panic, never in a corrupted map (run
// with -race).
func TestConcurrentDeclarationIsSafe(t *testing.T) {
	typ := state.NewType[int]("Busy")
	a := typ.State(1, "A")
	b := typ.State(2, "B")
	type box struct{ S state.State[int] }
	field := state.Bind(typ, "s", func(m *box) *state.State[int] { return &m.S })
	m := transition.For[User, struct{}](field)
	transition.New[transition.NoInput](m, "go", transition.From(a).To(b)).AllowAnyone()
	mem := transition.Memory(struct{}{}, nil)

	var wg sync.WaitGroup
	var mu sync.Mutex
	var declared, refused int
	for i := range 16 {
		wg.Go(func() {
			v := panicOf(func() {
				transition.New[transition.NoInput](m, fmt.Sprintf("t%d", i), transition.From(b).To(a)).AllowAnyone()
			})
			mu.Lock()
			defer mu.Unlock()
			switch err, _ := v.(error); {
			case v == nil:
				declared++
			case errors.Is(err, state.ErrFrozen):
				refused++
			default:
				t.Errorf("goroutine %d: %v", i, v)
			}
		})
		wg.Go(func() { _, _ = m.Available(context.Background(), mem, Alice, &box{S: a}) })
	}
	wg.Wait()
	assert.Equal(t, 16, declared+refused)
	assert.Len(t, m.Names(), 1+declared, "every declaration that returned is in the machine")
}
