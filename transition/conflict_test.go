package transition_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/statecraft/statecraft/transition"
)

// A ConflictError says what it knows: what the plan read and what is
// stored, when either is known, and the database's error, when there is
// one; it is ErrConflict, and unwraps to the database's error.
func TestConflictErrorSaysWhatItKnows(t *testing.T) {
	serialize := errors.New("could not serialize access (SQLSTATE 40001)")
	for _, c := range []struct {
		err  transition.ConflictError
		want string
	}{
		{transition.ConflictError{Object: "main.Project 7"}, "transition: main.Project 7 changed since it was read"},
		{transition.ConflictError{Object: "main.Project 7", Expected: "version 3", Found: "version 4"},
			"transition: main.Project 7 changed since it was read: expected version 3, found version 4"},
		{transition.ConflictError{Object: "main.Project 7", Expected: "a stored row"},
			"transition: main.Project 7 changed since it was read: expected a stored row"},
		{transition.ConflictError{Object: "main.Project 7", Found: "no row"},
			"transition: main.Project 7 changed since it was read: found no row"},
		{transition.ConflictError{Object: "main.Project 7", Err: serialize},
			"transition: main.Project 7 changed since it was read: could not serialize access (SQLSTATE 40001)"},
	} {
		err := &c.err
		assert.EqualError(t, err, c.want)
		assert.ErrorIs(t, err, transition.ErrConflict)
		assert.NotErrorIs(t, err, transition.ErrIdempotency)
		assert.Equal(t, c.err.Err, errors.Unwrap(err))
	}
	assert.ErrorIs(t, &transition.ConflictError{Err: serialize}, serialize)
}
