package transition_test

import (
	"bytes"
	"errors"
	"log/slog"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

func TestDeclarationAccessors(t *testing.T) {
	m := newArticleMachine()
	tr := transition.New[transition.NoInput](m, "go-live", transition.From(ADraft).To(ALive), transition.From(ALive).Stay()).
		Titled("Go live now").Describe("Makes the article public.").AllowAnyone()

	assert.Equal(t, "go-live", tr.Name())
	assert.Equal(t, "Go live now", tr.Title())
	assert.Same(t, m, tr.Machine())
	assert.Equal(t, "transition_test.Article.status go-live", tr.String())
	assert.Equal(t, "Makes the article public.", tr.Info().Description)
	assert.Nil(t, tr.Input())

	rules := tr.Rules()
	require.Len(t, rules, 2)
	assert.Equal(t, []state.State[int]{ALive}, rules[0].Targets())
	assert.False(t, rules[0].Stays())
	assert.True(t, rules[1].Stays())
	assert.Empty(t, rules[1].Targets())
	assert.Equal(t, "Draft", rules[0].Sources()[0].Title())

	assert.Equal(t, "Withdraw", Withdraw.Title(), "a default title comes from the name")
	assert.Equal(t, "Go live", transition.New[transition.NoInput](m, "go_live", transition.From(ADraft).To(ALive)).Title())

	assert.Same(t, AStatus, m.Manager())
	assert.Equal(t, reflect.TypeFor[*Article](), m.Model())
	assert.Equal(t, []state.State[int]{ADraft}, m.InitialStates(), "without Initial, the Type's first state")
	assert.Equal(t, []state.State[ProjectStatus]{Draft}, Projects.InitialStates())
	names := []string{}
	for _, a := range m.Actions() {
		names = append(names, a.Name())
	}
	assert.Equal(t, m.Names(), names)
	_, ok := m.Action("nope")
	assert.False(t, ok)
}

func TestRecordsAndLogging(t *testing.T) {
	p := &Project{ID: 1, Owner: "alice", Status: Draft}
	tasks := []*Task{{ID: 5, Owner: "alice", Status: Open}}
	var records []transition.Record
	ctx, mem := testContext(&store{tasks: map[int64][]*Task{1: tasks},
		observe: func(r transition.Record) error { records = append(records, r); return nil }})
	ev, err := Delete.Fire(ctx, mem, alice, p, transition.NoInput{})
	require.NoError(t, err)
	require.Len(t, records, 2)

	assert.Same(t, p, records[0].Subject())
	assert.Nil(t, records[0].Caused())
	assert.Same(t, tasks[0], records[1].Subject())
	assert.Same(t, ev, records[1].Caused(), "the task's event names the project's as its cause")
	child := records[1].Entry()
	require.NotNil(t, child.Cause)
	assert.Equal(t, "delete", child.Cause.Transition)
	assert.Equal(t, int64(1), child.Cause.Object)

	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}})).Info("applied", "event", ev)
	assert.Equal(t, `level=INFO msg=applied event.object="transition_test.Project 1" event.transition=delete event.from=Draft event.to=Deleted event.actor=alice event.at=2026-11-25T12:00:00.000Z`+"\n", buf.String())
}

// An observer that fails after a whole chain has run undoes every step.
func TestChainObserverVetoUndoesEveryStep(t *testing.T) {
	p := &Project{ID: 1, Owner: "alice", Status: Draft}
	tasks := []*Task{{ID: 5, Owner: "alice", Status: Open}, {ID: 6, Owner: "alice", Status: Done}}
	seen := 0
	ctx, mem := testContext(&store{tasks: map[int64][]*Task{1: tasks},
		observe: func(r transition.Record) error {
			seen++
			if r.Entry().Model == "transition_test.Task" && r.Entry().Object == int64(6) {
				return errors.New("audit log full")
			}
			return nil
		}})
	_, err := Delete.Fire(ctx, mem, alice, p, transition.NoInput{})
	var se *transition.StepError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "observe", se.Step)
	assert.Equal(t, "transition_test.Task 6", se.Object)
	assert.Equal(t, 3, seen)
	assert.Equal(t, Draft, p.Status)
	assert.Equal(t, Open, tasks[0].Status)
	assert.Equal(t, Done, tasks[1].Status)
}

func TestRunnerMethodsCheckTheModelType(t *testing.T) {
	ctx, mem := testContext(&store{})
	var r transition.Runner[User, *store] = Projects
	_, err := r.AppendAvailableAny(ctx, nil, mem, alice, &Task{})
	assert.ErrorContains(t, err, "runs on a *transition_test.Project, not on *transition_test.Task")
	_, err = r.FireJSONAny(ctx, mem, alice, (*Project)(nil), "edit", nil)
	assert.Error(t, err)
	_, err = r.FireJSONAny(ctx, mem, alice, &Project{Status: Draft}, "archive", nil)
	assert.ErrorIs(t, err, transition.ErrNotFound)

	p := &Project{Status: Draft}
	rec, err := r.FireJSONAny(ctx, mem, alice, p, "edit", []byte(`{}`))
	require.NoError(t, err)
	assert.Same(t, p, rec.Subject())
	avs, err := r.AppendAvailableAny(ctx, nil, mem, alice, p)
	require.NoError(t, err)
	assert.Len(t, avs, len(Projects.Names()))
}
