package registry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/internal/graph"
	"github.com/statecraft/statecraft/registry"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// TestNewFixtureHasNoProblems: the fixture's machines pass every check.
func TestNewFixtureHasNoProblems(t *testing.T) {
	reg, err := registry.New[User, *DB](nil, Projects, Reviews, Tasks)
	require.NoError(t, err)
	assert.Empty(t, reg.Problems())
	assert.Equal(t, []string{Projects.String(), Reviews.String(), Tasks.String()}, machineNames(reg))
}

// TestCheck triggers each kind of problem with machines built for it, and
// compares every problem found.
func TestCheck(t *testing.T) {
	const (
		article = "registry_test.Article.status"
		ticket  = "registry_test.Ticket.status"
		ballot  = "registry_test.Ballot.status"
		intake  = "registry_test.Intake.status"
	)
	tests := []struct {
		name     string
		machines []any
		want     []registry.Problem
	}{{
		name:     "unreachable and dead end",
		machines: []any{TicketStatuses},
		want: []registry.Problem{
			{Machine: ticket, Kind: registry.Unreachable, Message: "no transition leads to Orphan from the initial state New"},
			{Machine: ticket, Kind: registry.DeadEnd, Message: "no transition leaves Stuck, and it is not declared Final"},
		},
	}, {
		name:     "unreachable from several initial states",
		machines: []any{Intakes},
		want: []registry.Problem{
			{Machine: intake, Kind: registry.Unreachable, Message: "no transition leads to Stuck from the initial states New, Triaged"},
			{Machine: intake, Kind: registry.Unreachable, Message: "no transition leads to Orphan from the initial states New, Triaged"},
		},
	}, {
		name:     "one name in two machines of a model",
		machines: []any{ArticleStatuses, ArticleReviews},
		want: []registry.Problem{{
			Machine: "registry_test.Article.review", Transition: "finish", Kind: registry.Duplicate,
			Message: `registry_test.Article.status also has a transition "finish": Fire by name would be ambiguous`,
		}},
	}, {
		name:     "the same machine twice",
		machines: []any{ArticleStatuses, ArticleReviews, ArticleStatuses},
		want: []registry.Problem{{
			Machine: article, Kind: registry.Duplicate,
			Message: "the same machine is registered twice (machines 1 and 3 given to New)",
		}, {
			Machine: "registry_test.Article.review", Transition: "finish", Kind: registry.Duplicate,
			Message: `registry_test.Article.status also has a transition "finish": Fire by name would be ambiguous`,
		}},
	}, {
		name:     "two machines on one column",
		machines: []any{ArticleStatuses, ArticleStatusesAgain},
		want: []registry.Problem{{
			Machine: article, Kind: registry.Duplicate,
			Message: "machines 1 and 2 given to New both run on registry_test.Article.status; register one machine per column",
		}},
	}, {
		name:     "several targets without Choose, and no Allow",
		machines: []any{Ballots},
		want: []registry.Problem{{
			Machine: ballot, Transition: "count", Kind: registry.Incomplete,
			Message: "the rule from Voting has 2 targets (Passed, Failed) and the transition no Choose function",
		}, {
			Machine: ballot, Transition: "cancel", Kind: registry.Incomplete,
			Message: "no actor may run it: it has neither Allow nor AllowAnyone",
		}},
	}, {
		name:     "two transitions with one title",
		machines: []any{Notes},
		want: []registry.Problem{{
			Machine: "registry_test.Note.status", Transition: "delete", Kind: registry.Conflict,
			Message: `it has the title "Delete", as registry_test.Note.status "remove" does: their buttons cannot be told apart`,
		}},
	}, {
		name:     "cascade loop",
		machines: []any{Folders, Docs},
		want: []registry.Problem{{
			Machine: "registry_test.Folder.status", Transition: "delete", Kind: registry.CascadeLoop,
			Message: "registry_test.Folder.status delete -> registry_test.Doc.status delete -> registry_test.Folder.status delete",
		}},
	}, {
		name:     "cascade loop found from the machine registered first",
		machines: []any{Docs, Folders},
		want: []registry.Problem{{
			Machine: "registry_test.Doc.status", Transition: "delete", Kind: registry.CascadeLoop,
			Message: "registry_test.Doc.status delete -> registry_test.Folder.status delete -> registry_test.Doc.status delete",
		}},
	}, {
		name:     "cascade into an unregistered machine",
		machines: []any{Projects, Reviews},
		want: []registry.Problem{{
			Machine: "fixture.Project.status", Transition: "delete", Kind: registry.UnknownMachine,
			Message: `cascade "tasks" runs fixture.Task.status "delete", but no machine fixture.Task.status is registered`,
		}},
	}, {
		name: "cascade into a transition the machine does not have",
		machines: []any{Tasks, &fakeRunner{graph.Graph{
			Machine: "fake.status", Model: "fake", Column: "status",
			Transitions: []graph.Transition{{Name: "archive", Title: "Archive", Anyone: true,
				Cascades: []graph.Cascade{{Name: "tasks", Machine: "fixture.Task.status", Transition: "archive"}}}},
		}}},
		want: []registry.Problem{{
			Machine: "fake.status", Transition: "archive", Kind: registry.UnknownMachine,
			Message: `cascade "tasks" runs fixture.Task.status "archive", but fixture.Task.status has no transition "archive"`,
		}},
	}, {
		name:     "nil machines",
		machines: []any{Tasks, nil, (*transition.Machine[Task, TaskStatus, User, *DB])(nil)},
		want: []registry.Problem{
			{Kind: registry.UnknownMachine, Message: "machine 2 given to New is nil"},
			{Kind: registry.UnknownMachine, Message: "machine 3 given to New is nil"},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, err := registry.Build[User, *DB](nil, tt.machines...)
			require.NotNil(t, reg, "New returns the registry even with problems")
			var ce *registry.DefinitionError
			require.ErrorAs(t, err, &ce)
			assert.ErrorIs(t, err, transition.ErrDefinition)
			if diff := cmp.Diff(tt.want, ce.Problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, reg.Problems()); diff != "" {
				t.Errorf("Check (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCheckSelfCascade: a transition that cascades into itself, as
// deleting a folder deletes its sub-folders, walks a tree. It is no loop
// of declarations; a loop in the data is caught when the chain is planned.
func TestCheckSelfCascade(t *testing.T) {
	reg, err := registry.New[User, *DB](nil, treeNodes)
	require.NoError(t, err)
	assert.Empty(t, reg.Problems())

	// And it runs: the whole tree goes.
	leaf := &treeNode{ID: 3, Status: treeLive}
	root := &treeNode{ID: 1, Status: treeLive, Children: []*treeNode{{ID: 2, Status: treeLive, Children: []*treeNode{leaf}}}}
	_, err = reg.Fire(context.Background(), MemOf(nil), User{Name: "ann"}, root, "remove", nil)
	require.NoError(t, err)
	assert.Equal(t, treeGone, leaf.Status)
}

type treeNode struct {
	ID       int64
	Status   state.State[int]
	Children []*treeNode
}

var (
	treeState  = state.NewType[int]("TreeState")
	treeLive   = treeState.State(1, "Live")
	treeGone   = treeState.State(2, "Gone", state.Final())
	treeStatus = state.Bind(treeState, "status", func(n *treeNode) *state.State[int] { return &n.Status })
	treeNodes  = transition.For[User, *DB](treeStatus).Identify(func(n *treeNode) any { return n.ID })
	treeRemove = transition.New[transition.NoInput](treeNodes, "remove", transition.From(treeLive).To(treeGone)).AllowAnyone()
)

func init() {
	treeRemove.Cascade(transition.Each("children", func(_ context.Context, _ *DB, n *treeNode) ([]*treeNode, error) { return n.Children, nil }, treeRemove))
}

// TestCheckOrder: problems come in a fixed order, whatever the run.
func TestCheckOrder(t *testing.T) {
	machines := []transition.Runner[User, *DB]{nil, Notes, Ballots, TicketStatuses, Folders, Docs, ArticleStatuses, ArticleReviews}
	reg, err := registry.New(nil, machines...)
	require.Error(t, err)
	first := reg.Problems()
	var kinds []registry.Kind
	for _, p := range first {
		kinds = append(kinds, p.Kind)
	}
	assert.Equal(t, []registry.Kind{
		registry.UnknownMachine, // New's arguments first
		registry.Conflict,       // then each machine's, in registration order
		registry.Incomplete, registry.Incomplete,
		registry.Unreachable, registry.DeadEnd,
		registry.Duplicate,
		registry.CascadeLoop, // loops last
	}, kinds)
	for range 20 {
		again, _ := registry.New(nil, machines...)
		require.Equal(t, first, again.Problems())
	}
}

func TestCheckErrorMessage(t *testing.T) {
	_, err := registry.New[User, *DB](nil, Ballots)
	require.Error(t, err)
	assert.Equal(t, strings.Join([]string{
		"registry: 2 problems in the machines' definitions:",
		`	registry_test.Ballot.status "count": incomplete: the rule from Voting has 2 targets (Passed, Failed) and the transition no Choose function`,
		`	registry_test.Ballot.status "cancel": incomplete: no actor may run it: it has neither Allow nor AllowAnyone`,
	}, "\n"), err.Error())

	_, err = registry.New[User, *DB](nil, Notes)
	assert.Equal(t, `registry: 1 problem in the machines' definitions:
	registry_test.Note.status "delete": conflict: it has the title "Delete", as registry_test.Note.status "remove" does: their buttons cannot be told apart`, err.Error())
	assert.False(t, errors.Is(err, transition.ErrNotFound))
}

// TestCascadeIntoAnUnregisteredTwin: a cascade names the very machine it
// runs on, so a machine of the same name that is not registered is found
// out.
func TestCascadeIntoAnUnregisteredTwin(t *testing.T) {
	registered := transition.For[User, *DB](treeStatus)
	transition.New[transition.NoInput](registered, "remove", transition.From(treeLive).To(treeGone)).AllowAnyone()
	twin := transition.For[User, *DB](treeStatus) // same model, same column, same name
	removeTwin := transition.New[transition.NoInput](twin, "remove", transition.From(treeLive).To(treeGone)).AllowAnyone()

	parents := transition.For[User, *DB](treeStatus2)
	transition.New[transition.NoInput](parents, "clear", transition.From(treeLive2).To(treeGone2)).AllowAnyone().
		Cascade(transition.Each("children", func(context.Context, *DB, *treeParent) ([]*treeNode, error) { return nil, nil }, removeTwin))

	_, err := registry.New[User, *DB](nil, parents, registered)
	var ce *registry.DefinitionError
	require.ErrorAs(t, err, &ce)
	require.Len(t, ce.Problems, 1)
	assert.Equal(t, registry.UnknownMachine, ce.Problems[0].Kind)
	assert.Equal(t, "clear", ce.Problems[0].Transition)
}

type treeParent struct{ Status state.State[int] }

var (
	treeState2  = state.NewType[int]("TreeParentState")
	treeLive2   = treeState2.State(1, "Live")
	treeGone2   = treeState2.State(2, "Gone", state.Final())
	treeStatus2 = state.Bind(treeState2, "status", func(p *treeParent) *state.State[int] { return &p.Status })
)

// machineNames names the registered machines, in registration order.
func machineNames[A, U any](reg *registry.Registry[A, U]) []string {
	var names []string
	for _, g := range reg.Graphs() {
		names = append(names, g.Machine)
	}
	return names
}
