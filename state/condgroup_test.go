package state_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// Conditional groups (Manager.Group), and which sources a model is in
// (Manager.Current, Manager.Best), on the fixture: Recallable is Withdrawn
// or Future.

// A conditional state is a Source but not a Set: its membership needs the
// model, so a bare state cannot be tested against it (Recallable.Contains
// and Status.In(Recallable) do not compile).
func TestConditionalIsNotASet(t *testing.T) {
	source := reflect.TypeFor[state.Source[ProjectStatus]]()
	set := reflect.TypeFor[state.Set[ProjectStatus]]()
	cond := reflect.TypeFor[*state.Conditional[Project, ProjectStatus]]()
	assert.True(t, cond.Implements(source))
	assert.False(t, cond.Implements(set))
	assert.True(t, set.Implements(source), "every Set is a Source")
	for _, typ := range []reflect.Type{reflect.TypeFor[State](), reflect.TypeFor[*state.Group[ProjectStatus]]()} {
		assert.True(t, typ.Implements(set), typ.String())
	}
	_, hasContains := cond.MethodByName("Contains")
	assert.False(t, hasContains)
}

func TestManagerGroupAccessors(t *testing.T) {
	assert.Equal(t, "recallable", Recallable.Name())
	assert.Equal(t, "Recallable", Recallable.Title())
	assert.Equal(t, "Recallable", Recallable.String())
	assert.Equal(t, "", Recallable.Description())
	assert.Equal(t, []state.Source[ProjectStatus]{Withdrawn, Future}, Recallable.Members())

	base := Recallable.Base()
	assert.Equal(t, "Withdrawn or Published", base.Title(), "the members' states and bases")
	assert.Equal(t, "3_or_2", base.Name())
	for s := range ProjectState.States() {
		assert.Equal(t, s == Withdrawn || s == Published, base.Contains(s), s.Title())
	}

	// Members returns the caller's slice.
	ms := Recallable.Members()
	ms[0] = Draft
	assert.Equal(t, state.Source[ProjectStatus](Withdrawn), Recallable.Members()[0])

	assert.Nil(t, Future.Members(), "a plain conditional state has no members")
}

func TestConditionalGroupMatch(t *testing.T) {
	starts := map[string]time.Time{
		"next week":   now().Add(7 * 24 * time.Hour),
		"in a second": now().Add(time.Second),
		"now":         now(),
		"an hour ago": now().Add(-time.Hour),
		"60 days ago": now().AddDate(0, 0, -60),
		"zero time":   {},
	}
	future := map[string]bool{"next week": true, "in a second": true}
	for _, s := range []State{Draft, Published, Withdrawn, Deleted, {}} {
		for name, start := range starts {
			p := &Project{ID: 3, Status: s, StartAt: start}
			want := s == Withdrawn || (s == Published && future[name])
			assert.Equal(t, want, Recallable.Match(p, now()), "%v starting %s", s, name)
			assert.Equal(t, Withdrawn.Contains(p.Status) || Future.Match(p, now()), Recallable.Match(p, now()), "%v starting %s: the OR of its members", s, name)
		}
	}

	// Groups nest: members may be groups, and conditional groups; a
	// conditional member's test is only called for states in its base.
	p := mgrNewPhases()
	stalled := p.phase.Conditional("stalled", "Stalled", p.doing, func(t *mgrTask, _ time.Time) bool { return t.ID == 0 })
	attention := p.phase.Group("attention", "Needs attention", p.late, stalled)
	either := p.phase.Group("either", "Done or needs attention", p.done, attention)
	assert.Equal(t, "Done or Open or Doing", either.Base().Title(), "the members' states and bases")
	tests := []struct {
		task                  mgrTask
		attention, either     bool
		lateCalls, lateCalls2 int // calls of Late's test by attention, then by either
	}{
		{mgrTask{ID: 1, Phase: p.todo, Due: now().Add(-time.Hour)}, true, true, 1, 1},
		{mgrTask{ID: 1, Phase: p.todo, Due: now().Add(time.Hour)}, false, false, 1, 1},
		{mgrTask{ID: 0, Phase: p.doing, Due: now().Add(time.Hour)}, true, true, 1, 1},
		{mgrTask{ID: 1, Phase: p.doing, Due: now().Add(time.Hour)}, false, false, 1, 1},
		{mgrTask{ID: 0, Phase: p.done, Due: now().Add(-time.Hour)}, false, true, 0, 0},
		{mgrTask{ID: 0, Due: now().Add(-time.Hour)}, false, false, 0, 0},
	}
	for _, tt := range tests {
		before := p.calls
		assert.Equal(t, tt.attention, attention.Match(&tt.task, now()), "attention: %+v", tt.task)
		assert.Equal(t, tt.lateCalls, p.calls-before, "calls of Late's test by attention: %+v", tt.task)
		before = p.calls
		assert.Equal(t, tt.either, either.Match(&tt.task, now()), "either: %+v", tt.task)
		assert.Equal(t, tt.lateCalls2, p.calls-before, "calls of Late's test by either: %+v", tt.task)
	}

	// A group of plain sets only is a conditional that needs no test.
	parked := p.phase.Group("parked", "Parked", p.todo, p.done)
	for _, s := range []state.State[int]{p.todo, p.doing, p.done, {}} {
		assert.Equal(t, s == p.todo || s == p.done, parked.Match(&mgrTask{Phase: s}, now()), "%v", s)
	}
}

func TestConditionalGroupExpr(t *testing.T) {
	where, args, err := Recallable.Expr().At(now()).Render(sqlexpr.Postgres)
	require.NoError(t, err)
	assert.Equal(t, `"status" = $1 OR ("status" = $2 AND ("start_at" > $3))`, where)
	assert.Equal(t, []any{int64(3), int64(2), now()}, args)
	assert.True(t, mgrHasSQL(Recallable))

	// Set members go in one IN, then the conditional members, in order.
	p := mgrNewPhases()
	p.late.WithSQL(sqlexpr.Col("due").Lt(sqlexpr.Now()))
	soon := p.phase.Conditional("soon", "Soon", p.todo, func(*mgrTask, time.Time) bool { return true }).
		WithSQL(sqlexpr.Col("due").Lt(sqlexpr.NowPlus(time.Hour)))
	g := p.phase.Group("watch", "Watch", p.done, p.late, p.doing, soon)
	where, args, err = g.Expr().At(now()).Render(sqlexpr.SQLite)
	require.NoError(t, err)
	assert.Equal(t, `"phase" IN (?, ?) OR ("phase" IN (?, ?) AND "due" < ?) OR ("phase" = ? AND "due" < ?)`, where)
	assert.Equal(t, []any{int64(2), int64(3), int64(1), int64(2), now(), int64(1), now().Add(time.Hour)}, args)

	// On qualifies every member's columns, when they are built with Col.
	where, _, err = g.Expr().On("t").At(now()).Render(sqlexpr.Postgres)
	require.NoError(t, err)
	assert.Equal(t, `"t"."phase" IN ($1, $2) OR ("t"."phase" IN ($3, $4) AND "t"."due" < $5) OR ("t"."phase" = $6 AND "t"."due" < $7)`, where)
	// ... and fails, as Future's does, on raw SQL.
	_, _, err = Recallable.Expr().On("p").At(now()).Render(sqlexpr.Postgres)
	assert.ErrorIs(t, err, sqlexpr.ErrUnqualified)

	// A conditional member without SQL: the group has none either.
	blind := p.phase.Conditional("blind", "Blind", p.doing, func(*mgrTask, time.Time) bool { return true })
	nosql := p.phase.Group("nosql", "No SQL", p.done, blind)
	outer := p.phase.Group("outer", "Outer", p.todo, nosql)
	for _, c := range []*state.Conditional[mgrTask, int]{nosql, outer} {
		_, _, err := c.Expr().At(now()).Render(sqlexpr.Postgres)
		require.ErrorIs(t, err, state.ErrNoSQL, c.Title())
		assert.False(t, mgrHasSQL(c), c.Title())
	}
	_, _, err = nosql.Expr().Render(sqlexpr.Postgres)
	assert.EqualError(t, err, `state: conditional group "No SQL" of state_test.mgrTask.phase: member "Blind" has no SQL: no SQL expression`)
	_, _, err = outer.Expr().Render(sqlexpr.Postgres)
	assert.EqualError(t, err, `state: conditional group "Outer" of state_test.mgrTask.phase: member "No SQL" has no SQL: no SQL expression`)

	// WithSQL gives a group SQL of its own, ANDed with its base as any
	// conditional's is: it replaces the OR of the members'.
	nosql.WithSQL(sqlexpr.Col("flagged").Eq(true))
	where, args, err = nosql.Expr().Render(sqlexpr.Postgres)
	require.NoError(t, err)
	assert.Equal(t, `"phase" IN ($1, $2) AND "flagged" = $3`, where)
	assert.Equal(t, []any{int64(2), int64(3), true}, args)
	assert.True(t, mgrHasSQL(outer), "its member now has SQL")
}

func TestManagerGroupDeclarationPanics(t *testing.T) {
	p := mgrNewPhases()
	other := state.NewType[int]("Other")
	otherTodo := other.State(1, "To do")
	prev := state.Bind(p.typ, "prev", func(t *mgrTask) *state.State[int] { return &t.Prev })
	prevLate := prev.Conditional("prev_late", "Previously late", p.todo, func(*mgrTask, time.Time) bool { return true })
	type elsewhere struct{ S state.State[int] }
	onOther := state.Bind(p.typ, "s", func(e *elsewhere) *state.State[int] { return &e.S })
	otherModel := onOther.Conditional("elsewhere", "Elsewhere", p.todo, func(*elsewhere, time.Time) bool { return true })
	var nilCond *state.Conditional[mgrTask, int]

	tests := []struct {
		name    string
		declare func()
		err     error
		msg     string
	}{
		{"no members", func() { p.phase.Group("g", "G") },
			nil, `conditional group "G" of state_test.mgrTask.phase has no members`},
		{"nil member", func() { p.phase.Group("g", "G", p.todo, nil) },
			nil, `conditional group "G" of state_test.mgrTask.phase has a nil member`},
		{"nil conditional member", func() { p.phase.Group("g", "G", p.todo, nilCond) },
			nil, `conditional group "G" of state_test.mgrTask.phase has a nil member`},
		{"state of another Type", func() { p.phase.Group("g", "G", p.todo, otherTodo) },
			state.ErrForeignState, "cannot combine To do of Other with states of Phases"},
		{"group of another Type", func() { p.phase.Group("g", "G", other.Any()) },
			state.ErrForeignState, "cannot combine any Other of Other with states of Phases"},
		{"the zero State", func() { p.phase.Group("g", "G", state.State[int]{}) },
			state.ErrForeignState, "no type (the zero State)"},
		{"conditional of another field", func() { p.phase.Group("g", "G", p.late, prevLate) },
			state.ErrForeignState, `conditional group "G" of state_test.mgrTask.phase: member "Previously late" is a conditional state of state_test.mgrTask.prev, not of state_test.mgrTask.phase`},
		{"conditional of another model", func() { p.phase.Group("g", "G", otherModel) },
			state.ErrForeignState, `conditional group "G" of state_test.mgrTask.phase: member "Elsewhere" is a conditional state of state_test.elsewhere.s, not of state_test.mgrTask.phase`},
		{"empty title", func() { p.phase.Group("g", "", p.late) },
			nil, "a conditional group of state_test.mgrTask.phase needs a title"},
		{"title of a state", func() { p.phase.Group("g", "Done", p.late) },
			state.ErrDuplicate, `conditional group "Done" of state_test.mgrTask.phase has the title of a state or group declared at`},
		{"title of a conditional", func() { p.phase.Group("g", "Late", p.late) },
			state.ErrDuplicate, `conditional group "Late" of state_test.mgrTask.phase is already declared at`},
		{"empty name", func() { p.phase.Group("", "G", p.late) },
			nil, `conditional group "G" of state_test.mgrTask.phase needs a name`},
		{"bad name", func() { p.phase.Group("g!", "G", p.late) },
			nil, `conditional group "G" of state_test.mgrTask.phase: name "g!" is not an identifier`},
		{"name of a conditional", func() { p.phase.Group("late", "G", p.late) },
			state.ErrDuplicate, `name "late" is already the name of conditional state "Late" of state_test.mgrTask.phase`},
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
			assert.True(t, strings.HasPrefix(de.At, "state/condgroup_test.go:"), de.At)
		})
	}

	// Nothing was recorded: the name and title are free.
	assert.Len(t, p.phase.Conditionals(), 1)
	g := p.phase.Group("g", "G", p.late, p.done)
	assert.Equal(t, "g", g.Name())

	// After the Type is frozen, nothing more can be declared.
	p.typ.Freeze()
	de := declErr(t, func() { p.phase.Group("h", "H", p.late) })
	assert.ErrorIs(t, de, state.ErrFrozen)
}

// srcNames lists sources as "name (Title)", for messages.
func srcNames(srcs []state.Source[ProjectStatus]) []string {
	var ns []string
	for _, s := range srcs {
		ns = append(ns, fmt.Sprintf("%s (%s)", s.Name(), s.Title()))
	}
	return ns
}

// srcs is short for a list of sources in the table below.
func srcs(ss ...state.Source[ProjectStatus]) []state.Source[ProjectStatus] { return ss }

// For every state of the fixture, at starts around each conditional's
// boundaries: the exact list Current returns, and Best.
func TestManagerCurrentAndBest(t *testing.T) {
	future := now().AddDate(0, 0, 10)
	justPast := now()                  // not after now: Running, not Future
	recent := now().AddDate(0, 0, -10) // within RecentlyGone's 30 days
	old := now().AddDate(0, 0, -60)

	tests := []struct {
		name    string
		project Project
		current []state.Source[ProjectStatus]
		best    state.Source[ProjectStatus]
	}{
		{"draft, odd", Project{ID: 1, Status: Draft, StartAt: future},
			srcs(Draft, Visible), Draft},
		{"draft, even: unqueryable", Project{ID: 2, Status: Draft, StartAt: old},
			srcs(Draft, Visible, Unqueryable), Unqueryable},
		{"published, future", Project{ID: 1, Status: Published, StartAt: future},
			srcs(Published, Visible, Future, Recallable), Future},
		{"published, starting now", Project{ID: 2, Status: Published, StartAt: justPast},
			srcs(Published, Visible, Running), Running},
		{"published, started long ago", Project{ID: 1, Status: Published, StartAt: old},
			srcs(Published, Visible, Running), Running},
		{"withdrawn, future", Project{ID: 1, Status: Withdrawn, StartAt: future},
			srcs(Withdrawn, Gone, RecentlyGone, Recallable), RecentlyGone},
		{"withdrawn, recently", Project{ID: 2, Status: Withdrawn, StartAt: recent},
			srcs(Withdrawn, Gone, RecentlyGone, Recallable), RecentlyGone},
		{"withdrawn, long ago: a group is never best", Project{ID: 1, Status: Withdrawn, StartAt: old},
			srcs(Withdrawn, Gone, Recallable), Withdrawn},
		{"deleted, recently", Project{ID: 2, Status: Deleted, StartAt: recent},
			srcs(Deleted, Gone, RecentlyGone), RecentlyGone},
		{"deleted, long ago", Project{ID: 1, Status: Deleted, StartAt: old},
			srcs(Deleted, Gone), Deleted},
		{"no state", Project{ID: 2, StartAt: future},
			nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.project
			got := Status.Current(&p, now())
			if !assert.Equal(t, srcNames(tt.current), srcNames(got)) {
				return
			}
			for i := range got {
				assert.True(t, tt.current[i] == got[i], "source %d is %s itself", i, srcNames(tt.current)[i])
			}
			if tt.current == nil {
				assert.Nil(t, got)
			}
			best := Status.Best(&p, now())
			assert.True(t, tt.best == best, "best: want %v, got %v", tt.best, best)
			if best != nil {
				assert.Contains(t, got, best, "Best is one of Current")
			}
			assert.Equal(t, tt.project, p, "the model is left alone")
		})
	}

	// Every state and conditional of the fixture is met by the table.
	seen := map[state.Source[ProjectStatus]]bool{}
	for _, tt := range tests {
		for _, s := range tt.current {
			seen[s] = true
		}
	}
	for s := range ProjectState.States() {
		assert.True(t, seen[s], s.Title())
	}
	for _, c := range Status.Conditionals() {
		assert.True(t, seen[c], c.Title())
	}

	// A Manager without conditionals: the state, and its groups.
	r := &Project{Review: state.Null[ReviewStatus]{State: Approved}}
	assert.Equal(t, []string{"approved (Approved)", "decided (Decided)"}, func() []string {
		var ns []string
		for _, s := range Review.Current(r, now()) {
			ns = append(ns, s.Name()+" ("+s.Title()+")")
		}
		return ns
	}())
	assert.Equal(t, state.Source[ReviewStatus](Approved), Review.Best(r, now()))
	assert.Nil(t, Review.Current(&Project{}, now()), "a NULL review is in nothing")
	assert.Nil(t, Review.Best(&Project{}, now()))

	// A state of another Type (written through Field) is in nothing.
	other := state.NewType[ProjectStatus]("OtherProjectState").State(2, "Published")
	q := &Project{StartAt: future}
	*Status.Field(q) = other
	assert.Nil(t, Status.Current(q, now()))
	assert.Nil(t, Status.Best(q, now()))
}

func TestManagerBestAllocatesNothing(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation may allocate")
	}
	ps := []*Project{
		{ID: 1, Status: Published, StartAt: now().Add(time.Hour)},
		{ID: 1, Status: Withdrawn, StartAt: now().AddDate(-1, 0, 0)},
		{ID: 2, Status: Draft},
		{},
	}
	var best state.Source[ProjectStatus]
	var match bool
	for _, p := range ps {
		best = Status.Best(p, now())
		assert.Zero(t, testing.AllocsPerRun(200, func() { best = Status.Best(p, now()) }), "Best of %v", p.Status)
		assert.Zero(t, testing.AllocsPerRun(200, func() { match = Recallable.Match(p, now()) }), "Recallable.Match of %v", p.Status)
	}
	_, _ = best, match
}
