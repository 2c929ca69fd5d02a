package transition_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

func TestDeclarationAccessors(t *testing.T) {
	m := newArticleMachine()
	tr := transition.New[transition.NoInput](m, "go-live", transition.From(ADraft).To(ALive), transition.From(ALive).Stay()).
		Titled("Go live now").Describe("Makes the article public.").AllowAnyone()

	assert.Equal(t, "go-live", tr.Name())
	assert.Equal(t, "Go live now", tr.Title())
	assert.Same(t, m, transition.MachineOf(tr))
	assert.Equal(t, "transition_test.Article.status go-live", tr.String())
	assert.Equal(t, "Makes the article public.", transition.InfoOf(tr).Description)
	assert.Nil(t, transition.InputOf(tr))

	rules := transition.InfoOf(tr).Rules
	require.Len(t, rules, 2)
	assert.Equal(t, []string{"Live"}, rules[0].To)
	assert.False(t, rules[0].Stay)
	assert.True(t, rules[1].Stay)
	assert.Empty(t, rules[1].To)
	assert.Equal(t, []string{"Draft"}, rules[0].From)
	assert.Equal(t, []string{"Draft"}, rules[0].FromStates)
	assert.Empty(t, rules[0].Conditions, "no conditional sources")

	assert.Equal(t, "Withdraw", Withdraw.Title(), "a default title comes from the name")
	assert.Equal(t, "Go live", transition.New[transition.NoInput](m, "go_live", transition.From(ADraft).To(ALive)).Title())

	assert.Equal(t, AStatus.String(), m.String(), "the machine runs on the field AStatus binds")
	run := openRunner(t, m)
	assert.Equal(t, reflect.TypeFor[*Article](), run.Model())
	assert.Equal(t, []state.State[int]{ADraft}, transition.InitialStatesOf(m), "without Initial, the Type's first state")
	assert.Equal(t, []state.State[ProjectStatus]{Draft}, transition.InitialStatesOf(Projects))
	names := []string{}
	for _, a := range transition.GraphOf(m).Transitions {
		names = append(names, a.Name)
	}
	assert.Equal(t, m.Names(), names)
	assert.Equal(t, m.Names(), run.Names())
	ctx, mem := ContextOf(&DB{})
	_, err := run.Fire(ctx, mem, Alice, &Article{Status: ADraft}, "nope", nil, nil, nil)
	assert.ErrorIs(t, err, transition.ErrNotFound)
}

// observed is what the fixture machines' after hook receives.
type observed struct {
	model any
	step  transition.Step
}

func TestStepsAndLogging(t *testing.T) {
	p := &Project{ID: 1, Owner: "alice", Status: Draft}
	tasks := []*Task{{ID: 5, Owner: "alice", Status: Open}}
	var records []observed
	ctx, mem := ContextOf(&DB{Tasks: map[int64][]*Task{1: tasks},
		Observe: func(m any, s transition.Step) error { records = append(records, observed{m, s}); return nil }})
	ev, err := Delete.FireEvent(ctx, mem, Alice, p, transition.NoInput{})
	require.NoError(t, err)
	require.Len(t, records, 2)

	assert.Same(t, p, records[0].model)
	assert.Equal(t, -1, records[0].step.Cause, "the project's step has no cause")
	assert.Nil(t, ev.Cause)
	assert.Same(t, tasks[0], records[1].model)
	require.Equal(t, 0, records[1].step.Cause, "the task's step names the project's as its cause")
	assert.Nil(t, records[0].step.Input, "no input for NoInput")
	cause := records[records[1].step.Cause].step
	assert.Equal(t, "delete", cause.Transition)
	assert.Equal(t, int64(1), cause.Object)

	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}})).Info("applied", "step", records[0].step)
	assert.Equal(t, `{"level":"INFO","msg":"applied","step":{"machine":"fixture.Project.status","object":1,"transition":"delete",`+
		`"moves":[{"field":"status","from":{"value":1,"title":"Draft"},"to":{"value":4,"title":"Deleted"}}],`+
		`"actor":"alice","at":"2026-11-25T12:00:00Z","cause":-1}}`+"\n", buf.String())

	// A cascaded step's event names the step that caused it.
	var causes []*transition.Step
	tasksOf := transition.For[User, *DB](TaskField).Identify(func(t *Task) any { return t.ID })
	drop := transition.New[transition.NoInput](tasksOf, "drop", transition.From(Open).To(TaskDeleted)).AllowAnyone().
		Effect("note the cause", func(_ context.Context, _ *DB, e *transition.Event[Task, TaskStatus, User, transition.NoInput]) error {
			causes = append(causes, e.Cause)
			return nil
		})
	projects := transition.For[User, *DB](Status).Identify(func(p *Project) any { return p.ID })
	purge := transition.New[transition.NoInput](projects, "purge", transition.From(Draft).To(Deleted)).AllowAnyone().
		Cascade(transition.Each("tasks", LoadTasks, drop))
	p = &Project{ID: 2, Status: Draft}
	tasks = []*Task{{ID: 6, Status: Open}}
	ev, err = purge.FireEvent(ctx, MemOf(&DB{Tasks: map[int64][]*Task{2: tasks}}), Alice, p, transition.NoInput{})
	require.NoError(t, err)
	assert.Nil(t, ev.Cause)
	require.Len(t, causes, 1)
	require.NotNil(t, causes[0], "the task's event names the project's step as its cause")
	assert.Equal(t, "purge", causes[0].Transition)
	assert.Equal(t, int64(2), causes[0].Object)
	assert.Equal(t, -1, causes[0].Cause)
}

// An observer that fails after a whole chain has run undoes every step.
func TestChainObserverVetoUndoesEveryStep(t *testing.T) {
	p := &Project{ID: 1, Owner: "alice", Status: Draft}
	tasks := []*Task{{ID: 5, Owner: "alice", Status: Open}, {ID: 6, Owner: "alice", Status: Done}}
	seen := 0
	ctx, mem := ContextOf(&DB{Tasks: map[int64][]*Task{1: tasks},
		Observe: func(m any, s transition.Step) error {
			seen++
			if _, isTask := m.(*Task); isTask && s.Machine == "fixture.Task.status" && s.Object == int64(6) {
				return errors.New("audit log full")
			}
			return nil
		}})
	err := Delete.Fire(ctx, mem, Alice, p, transition.NoInput{})
	se := errorOf(t, err, transition.ErrStep)
	assert.Equal(t, "observe", se.Step)
	assert.Equal(t, "fixture.Task 6", se.Object())
	assert.Equal(t, 3, seen)
	assert.Equal(t, Draft, p.Status)
	assert.Equal(t, Open, tasks[0].Status)
	assert.Equal(t, Done, tasks[1].Status)
}

func TestRunnerMethodsCheckTheModelType(t *testing.T) {
	ctx, mem := ContextOf(&DB{})
	var r transition.Runner[User, *DB] = Projects
	run := openRunner(t, r)
	_, err := run.AppendAvailable(ctx, nil, mem, Alice, &Task{})
	assert.ErrorContains(t, err, "runs on a *fixture.Project, not on *fixture.Task")
	_, err = run.Fire(ctx, mem, Alice, (*Project)(nil), "edit", nil, nil, nil)
	assert.Error(t, err)
	_, err = run.Fire(ctx, mem, Alice, &Project{Status: Draft}, "archive", nil, nil, nil)
	assert.ErrorIs(t, err, transition.ErrNotFound)

	p := &Project{ID: 9, Status: Draft}
	plan, err := run.Fire(ctx, mem, Alice, p, "edit", []byte(`{}`), nil, nil)
	require.NoError(t, err)
	require.Len(t, plan.Steps, 1)
	assert.Equal(t, int64(9), plan.Steps[0].Object, "the step ran on the model given")
	assert.Equal(t, "edit", plan.Steps[0].Transition)
	avs, err := run.AppendAvailable(ctx, nil, mem, Alice, p)
	require.NoError(t, err)
	assert.Len(t, avs, len(Projects.Names()))
}

// A machine's graph says when its initial state is the Type's first state
// only because nothing said otherwise.
func TestGraphSaysWhenTheInitialStateIsByDefault(t *testing.T) {
	g := transition.GraphOf(newArticleMachine())
	assert.True(t, g.InitialByDefault, "no Initial, no creation")
	assert.True(t, g.States[0].Initial)
	assert.False(t, transition.GraphOf(Projects).InitialByDefault, "Initial(Draft)")

	created := newArticleMachine()
	transition.New[transition.NoInput](created, "write", transition.Create(ALive)).AllowAnyone()
	g = transition.GraphOf(created)
	assert.False(t, g.InitialByDefault, "a creation says where it starts")
	assert.False(t, g.States[0].Initial)
	assert.True(t, g.States[1].Initial)
}
