package registry_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/registry"
)

// transitionNames lists the names of a graph's transitions, those another
// machine's moves added included, in order.
func transitionNames[A, U any](reg *registry.Registry[A, U], machine string) []string {
	var names []string
	for _, g := range reg.Graphs() {
		if g.Machine != machine {
			continue
		}
		for _, t := range g.Transitions {
			names = append(names, t.Name)
		}
	}
	return names
}

// A field's machine sees the moves another machine's transitions make of
// it whatever their order of registration: registered before the machine
// that moves it, the review still starts where creation puts it, and
// withdraw's move still leaves Approved.
func TestMovesWhateverTheOrder(t *testing.T) {
	reg, err := registry.New[User, *world](nil, Reviews_, Projs, Jobs)
	require.NoError(t, err, "no false dead end at Approved")
	assert.Equal(t, []string{"approve", "reject", "reopen", "create", "withdraw"}, transitionNames(reg, "registry_test.Proj.review"))
	assert.Contains(t, reg.Mermaid(), "title: \"registry_test.Proj.review\"\n---\nstateDiagram-v2\n"+
		"    state \"Pending\" as s0\n    state \"Approved\" as s1\n    state \"Rejected\" as s2\n    [*] --> s0\n")
	assert.Contains(t, reg.Mermaid(), "    s1 --> s0 : Withdraw (with registry_test.Proj.status) (owner_or_admin)\n")
}

// The moves of a field whose machine is not registered are left out: no
// other machine's graph gets them.
func TestMovesOfAnUnregisteredField(t *testing.T) {
	reg, err := registry.New[User, *world](nil, Projs, Jobs)
	require.NoError(t, err)
	assert.Equal(t, []string{"create", "publish", "withdraw", "redraft", "delete"}, transitionNames(reg, "registry_test.Proj.status"))
	assert.Equal(t, []string{"delete"}, transitionNames(reg, "registry_test.Job.status"))

	reg, err = registry.New[User, *world](nil, Projs)
	var de *registry.DefinitionError
	require.ErrorAs(t, err, &de, "the cascade to the jobs' machine")
	require.Len(t, de.Problems, 1)
	assert.Equal(t, registry.UnknownMachine, de.Problems[0].Kind)
	assert.Equal(t, []string{"create", "publish", "withdraw", "redraft", "delete"}, transitionNames(reg, "registry_test.Proj.status"))
}
