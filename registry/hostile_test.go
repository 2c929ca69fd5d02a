package registry_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/registry"
	"github.com/statecraft/statecraft/transition"
)

// Regressions for messages found wrong by attacking the library (issue 8,
// defect 10).

// A cascade into a machine that is not registered, while another machine
// of the same name is, says so rather than claim no machine of that name
// is registered.
func TestCascadeIntoAnotherMachineOfTheSameName(t *testing.T) {
	shadow := transition.For[User, *DB](TaskField) // a second machine on Task.status, never registered
	purge := transition.New[transition.NoInput](shadow, "purge", transition.From(Open, Done).To(TaskDeleted)).AllowAnyone()
	projects := transition.For[User, *DB](Status).Initial(Draft)
	transition.New[transition.NoInput](projects, "publish", transition.From(Draft).To(Published)).AllowAnyone()
	transition.New[transition.NoInput](projects, "purge", transition.From(Published).To(Deleted)).AllowAnyone().
		Cascade(transition.Each("tasks", func(context.Context, *DB, *Project) ([]*Task, error) { return nil, nil }, purge))
	transition.New[transition.NoInput](projects, "hide", transition.From(Published).To(Withdrawn)).AllowAnyone()
	transition.New[transition.NoInput](projects, "drop", transition.From(Withdrawn).To(Deleted)).AllowAnyone()

	_, err := registry.New[User, *DB](nil, projects, Tasks)
	var ce *registry.DefinitionError
	require.ErrorAs(t, err, &ce)
	require.Len(t, ce.Problems, 1, "%v", err)
	p := ce.Problems[0]
	assert.Equal(t, registry.UnknownMachine, p.Kind)
	assert.Equal(t, `cascade "tasks" runs fixture.Task.status "purge" on a machine that is not registered; `+
		`the registered fixture.Task.status is another machine of the same name (a second machine on that field, `+
		`or a model of the same name in another package): register the one the cascade names`, p.Message)
	assert.NotContains(t, p.Message, "no machine fixture.Task.status is registered")
}

// A NotFoundError lists each of the model's transition names once, even
// when two of its machines share a name (itself a Duplicate problem).
func TestNotFoundListsEachNameOnce(t *testing.T) {
	reg, err := registry.New[User, *DB](nil, ArticleStatuses, ArticleReviews)
	require.ErrorIs(t, err, transition.ErrDefinition, "the shared name is reported")
	_, err = reg.Fire(context.Background(), MemOf(nil), Alice, &Article{}, "nope", nil)
	var nf *registry.NotFoundError
	require.ErrorAs(t, err, &nf)
	seen := map[string]bool{}
	for _, n := range nf.Names {
		assert.False(t, seen[n], "%q is listed twice in %q", n, nf.Names)
		seen[n] = true
	}
	assert.True(t, seen["finish"])
}
