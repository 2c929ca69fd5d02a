package state_test

import (
	"errors"
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

// Both kinds of Condition implement the interface, conditional groups
// included. States, groups and conditional states are Sources; only states
// and groups are Sets (see TestConditionalIsNotASet).
var (
	_ state.Condition[Project]    = Status.In(Gone)
	_ state.Condition[Project]    = Future
	_ state.Condition[Project]    = Recallable
	_ state.Source[ProjectStatus] = Published
	_ state.Source[ProjectStatus] = Gone
	_ state.Source[ProjectStatus] = Future
	_ state.Source[ProjectStatus] = Recallable
	_ state.Set[ProjectStatus]    = Published
	_ state.Set[ProjectStatus]    = Gone
)

// mgrTask is a model of the tests' own, so that the conditional states they
// declare go on Types of their own and the fixture's ProjectState keeps
// exactly its four.
type mgrTask struct {
	ID    int
	Phase state.State[int]
	Prev  state.State[int]
	Due   time.Time
}

// mgrPhases is a fresh Type with a Manager on mgrTask.Phase and one
// conditional state, Late, whose test counts its calls.
type mgrPhases struct {
	typ               *state.Type[int]
	todo, doing, done state.State[int]
	open              *state.Group[int]
	phase             *state.Manager[mgrTask, int]
	late              *state.Conditional[mgrTask, int]
	calls             int // calls of Late's test
}

func mgrNewPhases() *mgrPhases {
	p := &mgrPhases{typ: state.NewType[int]("Phases")}
	p.todo = p.typ.State(1, "To do")
	p.doing = p.typ.State(2, "Doing")
	p.done = p.typ.State(3, "Done", state.Final())
	p.open = p.typ.Group("open", "Open", p.todo.Or(p.doing))
	p.phase = state.Bind(p.typ, "phase", func(t *mgrTask) *state.State[int] { return &t.Phase })
	p.late = p.phase.Conditional("late", "Late", p.open, func(t *mgrTask, _ time.Time) bool {
		p.calls++
		return t.Due.Before(now())
	}, state.Description("Open and past its due date"))
	return p
}

// mgrHasSQL reports whether c renders as SQL of its own: whether its Expr
// fails with ErrNoSQL.
func mgrHasSQL[M any, T comparable](c *state.Conditional[M, T]) bool {
	_, _, err := c.Expr().Render(sqlexpr.Postgres)
	return !errors.Is(err, state.ErrNoSQL)
}

func TestManagerBindPanics(t *testing.T) {
	field := func(p *Project) *state.State[ProjectStatus] { return &p.Status }
	tests := []struct {
		name string
		bind func()
		typ  string
		msg  string
	}{
		{"nil type", func() { state.Bind[Project, ProjectStatus](nil, "status", field) },
			"", "Bind of a nil Type to state_test.Project"},
		{"empty column", func() { state.Bind(ProjectState, "", field) },
			"ProjectState", "Bind to state_test.Project needs a column name"},
		{"nil field function", func() { state.Bind[Project](ProjectState, "status", nil) },
			"ProjectState", "Bind to state_test.Project.status needs a field function"},
		{"field function returns nil", func() {
			state.Bind(ProjectState, "status", func(*Project) *state.State[ProjectStatus] { return nil })
		}, "ProjectState", "the field function of state_test.Project.status returned nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			de := declErr(t, tt.bind)
			assert.Equal(t, tt.typ, de.Type)
			assert.Equal(t, tt.msg, de.Msg)
			assert.Nil(t, de.Err)
			assert.True(t, strings.HasPrefix(de.At, "state/manager_test.go:"), "the panic names the Bind call: %s", de.At)
			assert.Contains(t, de.Error(), "(declared at state/manager_test.go:")
		})
	}
}

func TestManagerAccessors(t *testing.T) {
	assert.Same(t, ProjectState, Status.Type())
	assert.Same(t, ReviewState, Review.Type())
	assert.Equal(t, `"status"`, Status.Column().String())
	assert.Equal(t, `"review"`, Review.Column().String())
	assert.Equal(t, "state_test.Project.status", Status.String())
	assert.Equal(t, "state_test.Project.review", Review.String())

	q := state.Bind(ProjectState, "p.status", func(p *Project) *state.State[ProjectStatus] { return &p.Status })
	assert.Equal(t, `"p"."status"`, q.Column().String(), "two parts, each quoted")
	quoted, err := q.Column().Quote(sqlexpr.MySQL)
	require.NoError(t, err)
	assert.Equal(t, "`p`.`status`", quoted)
	assert.Equal(t, "state_test.Project.p.status", q.String())
	assert.Empty(t, q.Conditionals(), "conditionals belong to the Manager they were declared on")

	var p Project
	assert.Same(t, &p.Status, Status.Field(&p))
	assert.Same(t, &p.Review.State, Review.Field(&p))
}

func TestManagerGetAndSet(t *testing.T) {
	var p Project
	assert.True(t, Status.Get(&p).IsZero())
	assert.True(t, Review.Get(&p).IsZero())

	require.NoError(t, Status.Set(&p, Published))
	assert.Equal(t, Published, p.Status)
	assert.Equal(t, Published, Status.Get(&p))
	require.NoError(t, Review.Set(&p, Requested))
	assert.Equal(t, Requested, p.Review.State)
	assert.Equal(t, Requested, Review.Get(&p))

	// Writing through Field is seen by Get.
	*Status.Field(&p) = Withdrawn
	assert.Equal(t, Withdrawn, Status.Get(&p))

	t.Run("zero state", func(t *testing.T) {
		err := Status.Set(&p, State{})
		require.Error(t, err)
		assert.ErrorIs(t, err, state.ErrNoState)
		var ve *state.ValueError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "ProjectState", ve.Type)
		assert.Equal(t, "state_test.Project.status", ve.Field)
		assert.Nil(t, ve.Value)
		assert.Equal(t, state.ErrNoState, ve.Err)
		assert.Equal(t, "state: set state_test.Project.status: ProjectState is required but there is no state", err.Error())
		assert.Equal(t, Withdrawn, p.Status, "the field is left as it was")

		err = Review.Set(&p, state.State[ReviewStatus]{})
		assert.ErrorIs(t, err, state.ErrNoState)
		assert.Equal(t, Requested, p.Review.State, "the field is left as it was")
	})

	t.Run("foreign state", func(t *testing.T) {
		other := state.NewType[ProjectStatus]("OtherProjectState")
		published := other.State(2, "Published")
		err := Status.Set(&p, published)
		require.Error(t, err)
		assert.ErrorIs(t, err, state.ErrForeignState)
		assert.NotErrorIs(t, err, state.ErrNoState)
		var ve *state.ValueError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "state_test.Project.status", ve.Field)
		assert.Equal(t, "OtherProjectState.Published", ve.Value)
		assert.Equal(t, "state: set state_test.Project.status: OtherProjectState.Published is not a ProjectState", err.Error())
		assert.Equal(t, Withdrawn, p.Status, "the field is left as it was, though the value 2 is Published's")
	})
}

func TestManagerGetAndIn(t *testing.T) {
	sets := []state.Set[ProjectStatus]{Draft, Published, Withdrawn, Deleted, Gone, Visible, Withdrawn.Or(Draft), ProjectState.Any()}
	for s := range ProjectState.States() {
		p := &Project{Status: s}
		for _, set := range sets {
			want := false
			for m := range ProjectState.States() {
				if m == s && set.Contains(m) {
					want = true
				}
			}
			assert.Equal(t, want, set.Contains(Status.Get(p)), "%s is %s", s, set.Title())
			assert.Equal(t, want, Status.In(set).Match(p, now()), "%s in %s", s, set.Title())
		}
	}

	assert.True(t, Status.In(Gone).Match(&Project{Status: Deleted}, now()))
	assert.False(t, Status.In(Gone).Match(&Project{Status: Published}, now()))

	// A model without a state is in no set, not even all of them.
	var zero Project
	for _, set := range sets {
		assert.False(t, set.Contains(Status.Get(&zero)), set.Title())
		assert.False(t, Status.In(set).Match(&zero, now()), set.Title())
	}
	assert.False(t, Review.In(ReviewState.Any()).Match(&zero, now()), "a NULL review is in no set")
}

func TestManagerMembership(t *testing.T) {
	gone := Status.In(Gone)
	assert.Equal(t, "status is Gone", gone.String())
	assert.Equal(t, Gone.Expr("status").String(), gone.Expr().String(), "Gone, on the Manager's column")
	assert.Equal(t, "status is Published", Status.In(Published).String())
	assert.Equal(t, "status is Withdrawn or Draft", Status.In(Withdrawn.Or(Draft)).String())
	assert.Equal(t, "review is Decided", Review.In(Decided).String())
	assert.Equal(t, "review is Approved", Review.In(Approved).String())

	q := state.Bind(ProjectState, "p.status", func(p *Project) *state.State[ProjectStatus] { return &p.Status })
	assert.Equal(t, "p.status is Gone", q.In(Gone).String(), "the column as given")

	// Memberships are values: two of the same set are equal.
	assert.Equal(t, Status.In(Gone), Status.In(Gone))
}

// A membership is named after the Manager and the set, never their titles,
// for codes (the transition package finds the name with an interface
// check).
func TestManagerMembershipName(t *testing.T) {
	var c state.Condition[Project] = Review.In(Approved)
	named, ok := c.(interface{ Name() string })
	require.True(t, ok, "a membership has a Name")
	assert.Equal(t, "review_approved", named.Name())

	for _, tt := range []struct {
		name string
		want string
	}{
		{Status.In(Gone).Name(), "status_gone"},
		{Status.In(Published).Name(), "status_2"},
		{Status.In(Withdrawn.Or(Draft)).Name(), "status_3_or_1"},
		{Status.In(ProjectState.Any()).Name(), "status_any"},
		{Status.In(ProjectState.Except(Gone)).Name(), "status_except_gone"},
		{Review.In(Decided).Name(), "review_decided"},
		{Review.In(Requested).Name(), "review_requested"},
	} {
		assert.Equal(t, tt.want, tt.name)
	}

	q := state.Bind(ProjectState, "p.status", func(p *Project) *state.State[ProjectStatus] { return &p.Status })
	assert.Equal(t, "p.status_gone", q.In(Gone).Name(), "the Manager's Name, the column as given")
}

func TestManagerInRejectsForeignSets(t *testing.T) {
	other := state.NewType[ProjectStatus]("OtherProjectState")
	published := other.State(2, "Published")
	gone := other.Group("gone", "Gone", other.State(3, "Withdrawn"))

	for name, set := range map[string]state.Set[ProjectStatus]{"state": published, "group": gone, "zero state": State{}} {
		t.Run(name, func(t *testing.T) {
			de := declErr(t, func() { Status.In(set) })
			assert.ErrorIs(t, de, state.ErrForeignState)
			assert.Equal(t, "ProjectState", de.Type)
			assert.Contains(t, de.Error(), "with states of ProjectState")
			assert.True(t, strings.HasPrefix(de.At, "state/manager_test.go:"), de.At)
		})
	}
	de := declErr(t, func() { Status.In(published) })
	assert.Contains(t, de.Msg, "cannot combine Published of OtherProjectState with states of ProjectState")
	de = declErr(t, func() { Status.In(State{}) })
	assert.Contains(t, de.Msg, "no type (the zero State)")

	de = declErr(t, func() { Status.In(nil) })
	assert.Equal(t, "state_test.Project.status.In(nil)", de.Msg)
	assert.Nil(t, de.Err)
}

func TestManagerTwoManagersAreIndependent(t *testing.T) {
	p := &Project{ID: 1}
	require.NoError(t, Status.Set(p, Published))
	assert.True(t, Review.Get(p).IsZero(), "setting the status leaves the review")
	require.NoError(t, Review.Set(p, Approved))
	assert.Equal(t, Published, Status.Get(p), "setting the review leaves the status")

	assert.True(t, Status.In(Published).Match(p, now()))
	assert.True(t, Review.In(Decided).Match(p, now()))
	assert.False(t, Review.In(Requested).Match(p, now()))
	require.NoError(t, Review.Set(p, Requested))
	assert.True(t, Status.In(Published).Match(p, now()))
	assert.False(t, Review.In(Decided).Match(p, now()))

	assert.Len(t, Status.Conditionals(), 5)
	assert.Empty(t, Review.Conditionals())

	// Two fields of one model, bound to one Type, hold their states apart.
	phases := mgrNewPhases()
	prev := state.Bind(phases.typ, "prev", func(t *mgrTask) *state.State[int] { return &t.Prev })
	var task mgrTask
	require.NoError(t, phases.phase.Set(&task, phases.doing))
	require.NoError(t, prev.Set(&task, phases.todo))
	assert.Equal(t, phases.doing, task.Phase)
	assert.Equal(t, phases.todo, task.Prev)
	assert.False(t, phases.phase.In(phases.todo).Match(&task, now()))
	assert.True(t, prev.In(phases.todo).Match(&task, now()))
	assert.Len(t, phases.phase.Conditionals(), 1)
	assert.Empty(t, prev.Conditionals())
}

func TestConditionalMatchTruthTable(t *testing.T) {
	starts := map[string]time.Time{
		"next week":      now().Add(7 * 24 * time.Hour),
		"in a second":    now().Add(time.Second),
		"now":            now(),
		"a second ago":   now().Add(-time.Second),
		"10 days ago":    now().AddDate(0, 0, -10),
		"30 days ago":    now().AddDate(0, 0, -30),
		"60 days ago":    now().AddDate(0, 0, -60),
		"zero time":      {},
		"now, in Berlin": now().In(time.FixedZone("CET", 3600)),
	}
	// want[conditional][state] lists the starts for which Match is true.
	future := []string{"next week", "in a second"}
	running := []string{"now", "a second ago", "10 days ago", "30 days ago", "60 days ago", "zero time", "now, in Berlin"}
	recent := []string{"next week", "in a second", "now", "a second ago", "10 days ago", "now, in Berlin"}
	want := map[*state.Conditional[Project, ProjectStatus]]map[State][]string{
		Future:       {Published: future},
		Running:      {Published: running},
		RecentlyGone: {Withdrawn: recent, Deleted: recent},
	}
	for c, byState := range want {
		for _, s := range append(slices.Collect(ProjectState.States()), State{}) {
			for name, start := range starts {
				p := &Project{ID: 7, Status: s, StartAt: start}
				assert.Equal(t, slices.Contains(byState[s], name), c.Match(p, now()), "%s: %s starting %s", c, s, name)
			}
		}
	}

	// Unqueryable tests the ID instead.
	for s := range ProjectState.States() {
		for id := range int64(4) {
			p := &Project{ID: id, Status: s}
			assert.Equal(t, s == Draft && id%2 == 0, Unqueryable.Match(p, now()), "%s #%d", s, id)
		}
	}
}

func TestConditionalTestIsNotCalledOutsideItsBase(t *testing.T) {
	p := mgrNewPhases()
	past := now().Add(-time.Hour)
	tests := []struct {
		phase state.State[int]
		due   time.Time
		match bool
		calls int
	}{
		{p.todo, past, true, 1},
		{p.todo, now().Add(time.Hour), false, 1},
		{p.doing, past, true, 1},
		{p.done, past, false, 0},
		{state.State[int]{}, past, false, 0},
	}
	for _, tt := range tests {
		before := p.calls
		task := &mgrTask{Phase: tt.phase, Due: tt.due}
		assert.Equal(t, tt.match, p.late.Match(task, now()), "%s due %s", tt.phase, tt.due)
		assert.Equal(t, tt.calls, p.calls-before, "calls of the test for %s", tt.phase)
		assert.Equal(t, tt.phase, task.Phase, "Match leaves the model alone")
	}
}

func TestConditionalDeclarationPanics(t *testing.T) {
	p := mgrNewPhases()
	other := state.NewType[int]("Other")
	foreign := other.State(1, "To do")
	test := func(*mgrTask, time.Time) bool { return true }

	tests := []struct {
		name    string
		declare func()
		err     error
		msg     string
		twoPos  bool // the message names the earlier declaration too
	}{
		{"empty title", func() { p.phase.Conditional("stuck", "", p.todo, test) },
			nil, "a conditional state of state_test.mgrTask.phase needs a title", false},
		{"title of a state", func() { p.phase.Conditional("stuck", "Doing", p.todo, test) },
			state.ErrDuplicate, `conditional state "Doing" of state_test.mgrTask.phase has the title of a state or group declared at state/manager_test.go:`, true},
		{"title of a group", func() { p.phase.Conditional("stuck", "Open", p.todo, test) },
			state.ErrDuplicate, `conditional state "Open" of state_test.mgrTask.phase has the title of a state or group declared at state/manager_test.go:`, true},
		{"title of a conditional", func() { p.phase.Conditional("stuck", "Late", p.doing, test) },
			state.ErrDuplicate, `conditional state "Late" of state_test.mgrTask.phase is already declared at state/manager_test.go:`, true},
		{"empty name", func() { p.phase.Conditional("", "Stuck", p.todo, test) },
			nil, `conditional state "Stuck" of state_test.mgrTask.phase needs a name`, false},
		{"name with a space", func() { p.phase.Conditional("is stuck", "Stuck", p.todo, test) },
			nil, `conditional state "Stuck" of state_test.mgrTask.phase: name "is stuck" is not an identifier (letters, digits and underscores, not starting with a digit)`, false},
		{"name starting with a digit", func() { p.phase.Conditional("2late", "Stuck", p.todo, test) },
			nil, `name "2late" is not an identifier`, false},
		{"name with a dash", func() { p.phase.Conditional("too-late", "Stuck", p.todo, test) },
			nil, `name "too-late" is not an identifier`, false},
		{"name of a group", func() { p.phase.Conditional("open", "Stuck", p.todo, test) },
			state.ErrDuplicate, `conditional state "Stuck" of state_test.mgrTask.phase: name "open" is already the name of group "Open", declared at state/manager_test.go:`, true},
		{"name of a conditional", func() { p.phase.Conditional("late", "Stuck", p.todo, test) },
			state.ErrDuplicate, `name "late" is already the name of conditional state "Late" of state_test.mgrTask.phase, declared at state/manager_test.go:`, true},
		{"name of Any", func() { p.phase.Conditional("any", "Stuck", p.todo, test) },
			state.ErrDuplicate, `name "any" is already the name of the group of all Phases's states (see Type.Any), declared at state/manager_test.go:`, true},
		{"nil base", func() { p.phase.Conditional("stuck", "Stuck", nil, test) },
			nil, `conditional state "Stuck" has no base state`, false},
		{"foreign base", func() { p.phase.Conditional("stuck", "Stuck", foreign, test) },
			state.ErrForeignState, "cannot combine To do of Other with states of Phases", false},
		{"foreign group base", func() { p.phase.Conditional("stuck", "Stuck", other.Any(), test) },
			state.ErrForeignState, "cannot combine any Other of Other with states of Phases", false},
		{"zero state base", func() { p.phase.Conditional("stuck", "Stuck", state.State[int]{}, test) },
			state.ErrForeignState, "no type (the zero State)", false},
		{"nil test", func() { p.phase.Conditional("stuck", "Stuck", p.todo, nil) },
			nil, `conditional state "Stuck" has no test`, false},
		{"final", func() { p.phase.Conditional("stuck", "Stuck", p.todo, test, state.Final()) },
			nil, `conditional state "Stuck": only states can be final`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			de := declErr(t, tt.declare)
			assert.Equal(t, "Phases", de.Type)
			if tt.err == nil {
				assert.Nil(t, de.Err)
			} else {
				assert.ErrorIs(t, de, tt.err)
			}
			assert.Contains(t, de.Msg, tt.msg)
			assert.True(t, strings.HasPrefix(de.At, "state/manager_test.go:"), de.At)
			pos := positions(de.Error())
			if tt.twoPos {
				require.Len(t, pos, 2, de.Error())
				assert.NotEqual(t, pos[0], pos[1], de.Error())
			} else {
				assert.Len(t, pos, 1, de.Error())
			}
		})
	}

	// None of the rejected declarations was recorded.
	cs := p.phase.Conditionals()
	require.Len(t, cs, 1)
	assert.Same(t, p.late, cs[0])
	// ... so their names and titles are still free.
	stuck := p.phase.Conditional("stuck", "Stuck", p.todo, test)
	assert.Equal(t, "Stuck", stuck.Title())
	assert.Equal(t, "stuck", stuck.Name())
	assert.Equal(t, "under_score_2", p.phase.Conditional("under_score_2", "Underscores", p.todo, test).Name())
	assert.Equal(t, "_x", p.phase.Conditional("_x", "Leading underscore", p.todo, test).Name())
}

func TestConditionalTitlesAreTheTypes(t *testing.T) {
	// A conditional state's title is taken for the whole Type, whatever the
	// order of the declarations: a state or group declared after it cannot
	// reuse it, and neither can a conditional state of another field.
	p := mgrNewPhases()

	de := declErr(t, func() { p.typ.Group("late_group", "Late", p.doing) })
	assert.ErrorIs(t, de, state.ErrDuplicate)
	assert.Contains(t, de.Msg, `title "Late" is already declared at state/manager_test.go:`)
	require.Len(t, positions(de.Error()), 2, de.Error())

	de = declErr(t, func() { p.typ.State(9, "Late") })
	assert.ErrorIs(t, de, state.ErrDuplicate)
	require.Len(t, positions(de.Error()), 2, de.Error())
	assert.Len(t, slices.Collect(p.typ.States()), 3, "the rejected state is not declared")

	prev := state.Bind(p.typ, "prev", func(t *mgrTask) *state.State[int] { return &t.Prev })
	de = declErr(t, func() { prev.Conditional("late_prev", "Late", p.todo, func(*mgrTask, time.Time) bool { return true }) })
	assert.ErrorIs(t, de, state.ErrDuplicate)
	assert.Contains(t, de.Msg, `conditional state "Late" of state_test.mgrTask.prev has the title of a conditional state of state_test.mgrTask.phase declared at`)
	require.Len(t, positions(de.Error()), 2, de.Error())

	// Other Types are unaffected: titles are per Type.
	q := mgrNewPhases()
	assert.Equal(t, "Late", q.late.Title())
}

func TestConditionalNamesAreTheTypes(t *testing.T) {
	// A name is taken for the whole Type, whatever the order of the
	// declarations and whichever kind of declaration took it: a group, a
	// conditional state of any Manager of the Type, or a conditional group.
	p := mgrNewPhases()
	test := func(*mgrTask, time.Time) bool { return true }
	prev := state.Bind(p.typ, "prev", func(t *mgrTask) *state.State[int] { return &t.Prev })

	de := declErr(t, func() { p.typ.Group("late", "Late tasks", p.doing) })
	assert.ErrorIs(t, de, state.ErrDuplicate)
	assert.Contains(t, de.Msg, `group "Late tasks": name "late" is already the name of conditional state "Late" of state_test.mgrTask.phase, declared at state/manager_test.go:`)
	require.Len(t, positions(de.Error()), 2, de.Error())

	de = declErr(t, func() { prev.Conditional("late", "Late before", p.todo, test) })
	assert.ErrorIs(t, de, state.ErrDuplicate)
	assert.Contains(t, de.Msg, `conditional state "Late before" of state_test.mgrTask.prev: name "late" is already the name of conditional state "Late" of state_test.mgrTask.phase`)

	de = declErr(t, func() { p.phase.Group("open", "Open or late", p.open, p.late) })
	assert.ErrorIs(t, de, state.ErrDuplicate)
	assert.Contains(t, de.Msg, `conditional group "Open or late" of state_test.mgrTask.phase: name "open" is already the name of group "Open"`)

	attention := p.phase.Group("attention", "Needs attention", p.doing, p.late)
	de = declErr(t, func() { p.typ.Group("attention", "Attention", p.todo) })
	assert.ErrorIs(t, de, state.ErrDuplicate)
	assert.Contains(t, de.Msg, `name "attention" is already the name of conditional group "Needs attention" of state_test.mgrTask.phase`)
	require.Len(t, positions(de.Error()), 2, de.Error())
	assert.Equal(t, "attention", attention.Name())

	// A group's name is checked as a conditional state's is.
	de = declErr(t, func() { p.typ.Group("", "Nameless", p.todo) })
	assert.Equal(t, `group "Nameless" needs a name`, de.Msg)
	de = declErr(t, func() { p.typ.Group("any", "All", p.todo) })
	assert.ErrorIs(t, de, state.ErrDuplicate)
	de = declErr(t, func() { p.typ.Group("not done", "Not done", p.todo) })
	assert.Contains(t, de.Msg, `name "not done" is not an identifier`)

	// Names are per Type: another Type may use them.
	q := mgrNewPhases()
	assert.Equal(t, "late", q.late.Name())
	assert.Equal(t, "open", q.open.Name())
}

func TestConditionalAccessors(t *testing.T) {
	assert.Equal(t, "future", Future.Name())
	assert.Equal(t, "Future", Future.Title())
	assert.Equal(t, "Future", Future.String())
	assert.Equal(t, "", Future.Description())
	assert.Equal(t, state.Set[ProjectStatus](Published), Future.Base())
	assert.Contains(t, Status.Conditionals(), Future, "declared on its Manager")
	assert.Nil(t, Future.Members(), "a plain conditional state has no members")
	assert.True(t, mgrHasSQL(Future))

	assert.Equal(t, "recently_gone", RecentlyGone.Name())
	assert.Equal(t, "Recently gone", RecentlyGone.Title())
	assert.Equal(t, "Recently gone", RecentlyGone.String())
	assert.Same(t, Gone, RecentlyGone.Base())
	assert.True(t, mgrHasSQL(RecentlyGone))

	assert.Equal(t, state.Set[ProjectStatus](Draft), Unqueryable.Base())
	assert.False(t, mgrHasSQL(Unqueryable))

	p := mgrNewPhases()
	assert.Equal(t, "late", p.late.Name())
	assert.Equal(t, "Late", p.late.Title())
	assert.Equal(t, "Open and past its due date", p.late.Description())
	assert.Same(t, p.open, p.late.Base())
	assert.Equal(t, []*state.Conditional[mgrTask, int]{p.late}, p.phase.Conditionals(), "declared on its Manager")
	assert.False(t, mgrHasSQL(p.late))
	assert.Same(t, p.late, p.late.WithSQL(sqlexpr.Col("due").Lt(now())), "WithSQL returns its receiver")
	assert.True(t, mgrHasSQL(p.late))
	where, args, err := p.late.Expr().Render(sqlexpr.Postgres)
	require.NoError(t, err)
	assert.Equal(t, `"phase" IN ($1, $2) AND "due" < $3`, where)
	assert.Equal(t, []any{int64(1), int64(2), now()}, args)
}

func TestManagerConditionalsInDeclarationOrder(t *testing.T) {
	cs := Status.Conditionals()
	want := []*state.Conditional[Project, ProjectStatus]{Future, Running, RecentlyGone, Unqueryable, Recallable}
	require.Len(t, cs, len(want))
	for i := range want {
		assert.Same(t, want[i], cs[i], "conditional %d", i)
	}

	// The slice is the caller's: changing it changes nothing in the Manager.
	cs[0] = nil
	cs[1] = Unqueryable
	_ = append(cs[:2], Future)
	slices.Reverse(cs)
	again := Status.Conditionals()
	require.Len(t, again, len(want))
	for i := range want {
		assert.Same(t, want[i], again[i], "conditional %d", i)
	}

	p := mgrNewPhases()
	soon := p.phase.Conditional("soon", "Soon", p.todo, func(*mgrTask, time.Time) bool { return true })
	idle := p.phase.Conditional("idle", "Idle", p.doing, func(*mgrTask, time.Time) bool { return true })
	got := p.phase.Conditionals()
	require.Len(t, got, 3)
	assert.Same(t, p.late, got[0])
	assert.Same(t, soon, got[1])
	assert.Same(t, idle, got[2])
	_ = append(got[:0], idle) // writes into the returned slice's storage
	assert.Same(t, p.late, p.phase.Conditionals()[0])
}

// mgrCondInfo is what a description of a conditional state shows.
type mgrCondInfo[T comparable] struct {
	Name, Title, Description string
	Base                     state.Set[T]
	HasSQL                   bool
}

func mgrDescribe[M any, T comparable](cs []*state.Conditional[M, T]) []mgrCondInfo[T] {
	var is []mgrCondInfo[T]
	for _, c := range cs {
		is = append(is, mgrCondInfo[T]{Name: c.Name(), Title: c.Title(), Description: c.Description(), Base: c.Base(), HasSQL: mgrHasSQL(c)})
	}
	return is
}

// mgrSameSet compares the Base of mgrCondInfos: the same state, or the
// same group.
func mgrSameSet[T comparable]() cmp.Option {
	return cmp.Comparer(func(a, b state.Set[T]) bool { return a == b })
}

// Each Manager's Conditionals describe its conditional states: names,
// titles, descriptions, bases and whether they have SQL.
func TestManagerConditionalsDescribeThemselves(t *testing.T) {
	want := []mgrCondInfo[ProjectStatus]{
		{Name: "future", Title: "Future", Base: Published, HasSQL: true},
		{Name: "running", Title: "Running", Base: Published, HasSQL: true},
		{Name: "recently_gone", Title: "Recently gone", Base: Gone, HasSQL: true},
		{Name: "unqueryable", Title: "Unqueryable", Base: Draft, HasSQL: false},
		{Name: "recallable", Title: "Recallable", Base: Recallable.Base(), HasSQL: true},
	}
	got := mgrDescribe(Status.Conditionals())
	if diff := cmp.Diff(want, got, mgrSameSet[ProjectStatus]()); diff != "" {
		t.Errorf("Status.Conditionals() mismatch (-want +got):\n%s", diff)
	}

	// The comparison is strict: another set with the same title differs.
	wrong := slices.Clone(want)
	wrong[2].Base = Withdrawn.Or(Deleted)
	assert.NotEmpty(t, cmp.Diff(wrong, got, mgrSameSet[ProjectStatus]()))

	// Conditionals of two Managers of one Type are each their own Manager's,
	// in declaration order, with their descriptions and whether they have
	// SQL.
	p := mgrNewPhases()
	prev := state.Bind(p.typ, "prev", func(t *mgrTask) *state.State[int] { return &t.Prev })
	was := prev.Conditional("was_started", "Was started", p.doing, func(*mgrTask, time.Time) bool { return true }).
		WithSQL(sqlexpr.Raw(`"started"`))
	p.phase.Conditional("overdue", "Overdue", p.todo.Or(p.doing), func(*mgrTask, time.Time) bool { return true }, state.Description("Long overdue"))
	wantPhase := []mgrCondInfo[int]{
		{Name: "late", Title: "Late", Description: "Open and past its due date", Base: p.open},
		{Name: "overdue", Title: "Overdue", Description: "Long overdue", Base: p.todo.Or(p.doing)},
	}
	// Or makes a new anonymous group each time, so compare that base by
	// name, title and members.
	bySetContent := cmp.Comparer(func(a, b state.Set[int]) bool {
		return a.Type() == b.Type() && a.Name() == b.Name() && a.Title() == b.Title() && a.Contains(p.todo) == b.Contains(p.todo) &&
			a.Contains(p.doing) == b.Contains(p.doing) && a.Contains(p.done) == b.Contains(p.done)
	})
	if diff := cmp.Diff(wantPhase, mgrDescribe(p.phase.Conditionals()), bySetContent); diff != "" {
		t.Errorf("phase.Conditionals() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]mgrCondInfo[int]{{Name: "was_started", Title: "Was started", Base: p.doing, HasSQL: true}}, mgrDescribe(prev.Conditionals()), bySetContent); diff != "" {
		t.Errorf("prev.Conditionals() mismatch (-want +got):\n%s", diff)
	}
	assert.Same(t, was, prev.Conditionals()[0])

	// Adding conditionals to another Type left Status's alone.
	if diff := cmp.Diff(want, mgrDescribe(Status.Conditionals()), mgrSameSet[ProjectStatus]()); diff != "" {
		t.Errorf("Status.Conditionals() changed (-want +got):\n%s", diff)
	}
}
