package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/registry"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
)

// The seed's Project workflow (shared/seeds/002), end to end in memory:
// a review status as a second field that withdraw moves back to Pending,
// creation as a transition, and a delete that cascades to the project's
// tasks and sub-projects, planned and shown before it runs.

type Proj struct {
	ID, Parent int64
	Owner      string
	Status     state.State[int]
	Review     state.State[string]
	StartAt    time.Time
}

type Job struct {
	ID, Proj int64
	Owner    string
	Status   state.State[int]
}

var (
	PState     = state.NewType[int]("PState")
	PDraft     = PState.State(1, "Draft")
	PPublished = PState.State(2, "Published")
	PWithdrawn = PState.State(3, "Withdrawn")
	PDeleted   = PState.State(4, "Deleted", state.Final())

	RState    = state.NewType[string]("RState")
	RPending  = RState.State("pending", "Pending")
	RApproved = RState.State("approved", "Approved") // not final: only withdraw leaves it
	RRejected = RState.State("rejected", "Rejected")

	JState   = state.NewType[int]("JState")
	JOpen    = JState.State(1, "Open")
	JDeleted = JState.State(2, "Deleted", state.Final())

	PStatus = state.Bind(PState, "status", func(p *Proj) *state.State[int] { return &p.Status })
	PReview = state.Bind(RState, "review", func(p *Proj) *state.State[string] { return &p.Review })
	JStatus = state.Bind(JState, "status", func(j *Job) *state.State[int] { return &j.Status })

	// Future: published, starting after now. Recallable: withdrawn, or
	// published and not started yet: what redraft starts from.
	PFuture = PStatus.Conditional("future", "Future", PPublished,
		func(p *Proj, now time.Time) bool { return p.StartAt.After(now) },
	).WithSQL(sqlexpr.Col("start_at").Gt(sqlexpr.Now()))
	PRecallable = PStatus.Group("recallable", "Recallable", PWithdrawn, PFuture)
)

// world is the seed's database in memory, the unit of work its loaders
// read through, and a Store that keeps the history.
type world struct {
	projs   map[int64]*Proj
	jobs    map[int64][]*Job
	history []transition.Step
	nextID  int64
}

func (w *world) Begin(context.Context) (transition.Tx[*world], error) { return w, nil }
func (w *world) Unit() *world                                         { return w }
func (w *world) Now() time.Time                                       { return Clock() }
func (w *world) Commit(context.Context) error                         { return nil }
func (w *world) Rollback(context.Context) error                       { return nil }
func (w *world) Append(_ context.Context, steps []transition.Step) error {
	w.history = append(w.history, steps...)
	return nil
}

func (w *world) children(_ context.Context, _ *world, p *Proj) ([]*Proj, error) {
	var kids []*Proj
	for _, q := range w.projs {
		if q.Parent == p.ID {
			kids = append(kids, q)
		}
	}
	// Maps have no order: plan the children by ID.
	for i := range kids {
		for j := i + 1; j < len(kids); j++ {
			if kids[j].ID < kids[i].ID {
				kids[i], kids[j] = kids[j], kids[i]
			}
		}
	}
	return kids, nil
}

func ownerOrAdmin(_ context.Context, u User, p *Proj) bool { return u.Admin || u.Name == p.Owner }

var (
	Projs    = transition.For[User, *world](PStatus).Identify(func(p *Proj) any { return p.ID })
	Reviews_ = transition.For[User, *world](PReview).Identify(func(p *Proj) any { return p.ID })
	Jobs     = transition.For[User, *world](JStatus).Identify(func(j *Job) any { return j.ID })

	CreateProj = transition.New[transition.NoInput](Projs, "create", transition.Create(PDraft)).
			Also(transition.Field(PReview, transition.Create(RPending))).
			AllowAnyone().
			Effect("take an ID", func(_ context.Context, w *world, e *transition.Event[Proj, int, User, transition.NoInput]) error {
			w.nextID++
			e.Model.ID, e.Model.Owner = w.nextID, e.Actor.Name
			return nil
		})
	PublishProj = transition.New[transition.NoInput](Projs, "publish", transition.From(PDraft, PWithdrawn).To(PPublished)).
			Allow("owner_or_admin", ownerOrAdmin).When(PReview.In(RApproved))
	WithdrawProj = transition.New[transition.NoInput](Projs, "withdraw", transition.From(PPublished).To(PWithdrawn)).
			Also(transition.Field(PReview, transition.From(RState.Any()).To(RPending))).
			Allow("owner_or_admin", ownerOrAdmin)
	RedraftProj = transition.New[transition.NoInput](Projs, "redraft", transition.From(PRecallable).To(PDraft)).
			Allow("owner_or_admin", ownerOrAdmin)
	DeleteJob = transition.New[transition.NoInput](Jobs, "delete", transition.From(JOpen).To(JDeleted)).
			Allow("job_owner_or_admin", func(_ context.Context, u User, j *Job) bool { return u.Admin || u.Name == j.Owner })
	DeleteProj = transition.New[transition.NoInput](Projs, "delete", transition.From(PDraft, PWithdrawn).To(PDeleted)).
			Allow("owner_or_admin", ownerOrAdmin).
			Cascade(transition.Each("jobs", func(_ context.Context, w *world, p *Proj) ([]*Job, error) { return w.jobs[p.ID], nil }, DeleteJob)).
			CascadeSelf("sub-projects", func(ctx context.Context, w *world, p *Proj) ([]*Proj, error) { return w.children(ctx, w, p) }) // deleting a project deletes its sub-projects too
	Approve = transition.New[transition.NoInput](Reviews_, "approve", transition.From(RPending).To(RApproved)).Allow("admin", isAdminOf)
	Reject  = transition.New[transition.NoInput](Reviews_, "reject", transition.From(RPending).To(RRejected)).Allow("admin", isAdminOf)
	Reopen  = transition.New[transition.NoInput](Reviews_, "reopen", transition.From(RRejected).To(RPending)).Allow("admin", isAdminOf)
)

func isAdminOf(_ context.Context, u User, _ *Proj) bool { return u.Admin }

// seedWorld: project 1 (alice) with jobs 10 (alice) and 11 (bob), and
// sub-project 2 (alice) with job 20 (alice).
func seedWorld() (*world, *Proj) {
	p1 := &Proj{ID: 1, Owner: "alice", Status: PDraft, Review: RPending}
	p2 := &Proj{ID: 2, Parent: 1, Owner: "alice", Status: PWithdrawn, Review: RPending}
	w := &world{projs: map[int64]*Proj{1: p1, 2: p2}, jobs: map[int64][]*Job{
		1: {{ID: 10, Proj: 1, Owner: "alice", Status: JOpen}, {ID: 11, Proj: 1, Owner: "bob", Status: JOpen}},
		2: {{ID: 20, Proj: 2, Owner: "alice", Status: JOpen}},
	}, nextID: 2}
	return w, p1
}

func TestSeedProjectDefinitionsHold(t *testing.T) {
	reg, err := registry.New[User, *world](nil, Projs, Reviews_, Jobs)
	require.NoError(t, err, "Approved is left by withdraw's move of the review: no false dead end")
	assert.Empty(t, reg.Problems())

	mmd := reg.Mermaid()
	assert.Contains(t, mmd, "s1 --> s0 : Withdraw (with registry_test.Proj.status) (owner_or_admin)",
		"the review's diagram shows withdraw's move of it")
	assert.Contains(t, mmd, "title: \"registry_test.Proj.review\"\n---\nstateDiagram-v2\n    state \"Pending\" as s0\n    state \"Approved\" as s1\n    state \"Rejected\" as s2\n    [*] --> s0\n", "the review starts at Pending")
	golden(t, "seed.mmd.golden", mmd)

	// Without the move, Approved would be a dead end.
	bare := transition.For[User, *world](PReview)
	transition.New[transition.NoInput](bare, "approve", transition.From(RPending).To(RApproved)).AllowAnyone()
	transition.New[transition.NoInput](bare, "reject", transition.From(RPending).To(RRejected)).AllowAnyone()
	transition.New[transition.NoInput](bare, "reopen", transition.From(RRejected).To(RPending)).AllowAnyone()
	_, err = registry.New[User, *world](nil, bare)
	var ce *registry.DefinitionError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, registry.DeadEnd, ce.Problems[0].Kind)
}

func TestSeedCreationIsRecorded(t *testing.T) {
	w, _ := seedWorld()
	p := &Proj{}
	ev, err := CreateProj.FireEvent(context.Background(), w, Alice, p, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, &Proj{ID: 3, Owner: "alice", Status: PDraft, Review: RPending}, p)
	assert.True(t, ev.Created)
	require.Len(t, w.history, 1)
	c := w.history[0]
	assert.Equal(t, "create", c.Transition)
	assert.Equal(t, "alice", c.Actor)
	assert.Equal(t, int64(3), c.Object)
	assert.True(t, c.Created)
	require.Len(t, c.Moves, 2)
	assert.Equal(t, []string{"status: (no state) -> Draft", "review: (no state) -> Pending"},
		[]string{c.Moves[0].Field + ": " + c.Moves[0].From.Title + " -> " + c.Moves[0].To.Title,
			c.Moves[1].Field + ": " + c.Moves[1].From.Title + " -> " + c.Moves[1].To.Title})
	assert.Nil(t, c.Moves[0].From.Value, "no state before creation")
}

func TestSeedWithdrawMovesBothFields(t *testing.T) {
	w, p := seedWorld()
	p.Status, p.Review = PPublished, RApproved
	ev, err := WithdrawProj.FireEvent(context.Background(), w, Alice, p, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, PWithdrawn, p.Status)
	assert.Equal(t, RPending, p.Review)
	assert.Equal(t, "registry_test.Proj 1: withdraw Published -> Withdrawn, review Approved -> Pending", ev.String())
	assert.Equal(t, []transition.Move{{Field: "review", From: transition.StateRef{Value: "approved", Title: "Approved"},
		To: transition.StateRef{Value: "pending", Title: "Pending"}}}, ev.Also)
	require.Len(t, w.history, 1, "the history records the step")
	require.Len(t, w.history[0].Moves, 2, "the step records both fields")
	assert.Equal(t, "status", w.history[0].Moves[0].Field)
	assert.Equal(t, "review", w.history[0].Moves[1].Field)

	// Either field in a state its rule does not start from refuses it.
	p.Status, p.Review = PDraft, RApproved
	err = WithdrawProj.Check(context.Background(), w, Alice, p)
	require.ErrorIs(t, err, transition.ErrWrongState)
}

func TestSeedDeletePlanIsShownThenApplied(t *testing.T) {
	w, p := seedWorld()
	ctx := context.Background()

	// Refused: bob may delete neither the projects nor alice's jobs;
	// every blocked step says why.
	_, err := DeleteProj.Plan(ctx, w, Bob, p, transition.NoInput{})
	var be *transition.Error
	require.ErrorAs(t, err, &be)
	require.ErrorIs(t, err, transition.ErrBlocked)
	var why []string
	for _, r := range be.Reasons {
		why = append(why, r.String())
	}
	assert.Equal(t, []string{
		"bob may not Delete: only owner_or_admin",
		"registry_test.Job 10 (delete): bob may not Delete: only job_owner_or_admin",
		"registry_test.Proj 2 (delete): bob may not Delete: only owner_or_admin",
		"registry_test.Job 20 (delete): bob may not Delete: only job_owner_or_admin",
	}, why)

	// alice may not delete bob's job: the whole plan is refused.
	_, err = DeleteProj.Plan(ctx, w, Alice, p, transition.NoInput{})
	require.ErrorAs(t, err, &be)
	require.Len(t, be.Reasons, 1)
	assert.Equal(t, "registry_test.Job 11 (delete)", be.Reasons[0].Object)

	// An admin's plan, listed step by step before it runs.
	plan, err := DeleteProj.Plan(ctx, w, Root, p, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, `registry_test.Proj.status 1: delete status Draft -> Deleted
registry_test.Job.status 10: delete status Open -> Deleted
registry_test.Job.status 11: delete status Open -> Deleted
registry_test.Proj.status 2: delete status Withdrawn -> Deleted
registry_test.Job.status 20: delete status Open -> Deleted`, plan.String())
	assert.Equal(t, []int{-1, 0, 0, 0, 3}, []int{plan.Steps[0].Cause, plan.Steps[1].Cause, plan.Steps[2].Cause, plan.Steps[3].Cause, plan.Steps[4].Cause})
	assert.Equal(t, PDraft, p.Status, "planning changes nothing")
	js, err := json.Marshal(plan)
	require.NoError(t, err)
	golden(t, "seed_plan.json.golden", string(js)+"\n")

	// Confirmed with a digest that no longer matches (a job changed in
	// between): a conflict, nothing applied.
	w.jobs[2][0].Owner = "carol"
	w.jobs[2][0].Status = JDeleted
	_, err = DeleteProj.FireConfirmed(ctx, w, Root, p, transition.NoInput{}, plan.Digest())
	require.ErrorIs(t, err, transition.ErrConflict)
	assert.Equal(t, PDraft, p.Status)
	w.jobs[2][0].Status = JOpen

	// Confirmed with the digest the person saw: applied.
	ev, err := DeleteProj.FireConfirmed(ctx, w, Root, p, transition.NoInput{}, plan.Digest())
	require.NoError(t, err)
	assert.Equal(t, PDeleted, p.Status)
	assert.Equal(t, PDeleted, w.projs[2].Status)
	for _, js := range w.jobs {
		for _, j := range js {
			assert.Equal(t, JDeleted, j.Status, "job %d", j.ID)
		}
	}
	assert.Nil(t, ev.Cause)
	require.Len(t, w.history, 5)
	var timeline []string
	for i, c := range w.history {
		cause := ""
		if c.Cause >= 0 {
			cause = fmt.Sprintf(" because of #%d", c.Cause)
		}
		timeline = append(timeline, fmt.Sprintf("#%d %s %v %s%s", i, c.Machine, c.Object, c.Transition, cause))
	}
	assert.Equal(t, []string{
		"#0 registry_test.Proj.status 1 delete",
		"#1 registry_test.Job.status 10 delete because of #0",
		"#2 registry_test.Job.status 11 delete because of #0",
		"#3 registry_test.Proj.status 2 delete because of #0",
		"#4 registry_test.Job.status 20 delete because of #3",
	}, timeline)

	// A plan applies once.
	w2, p2 := seedWorld()
	plan2, err := DeleteProj.Plan(ctx, w2, Root, p2, transition.NoInput{})
	require.NoError(t, err)
	require.NoError(t, plan2.Apply(ctx, w2, false))
	assert.Equal(t, PDeleted, p2.Status)
	require.True(t, errors.Is(plan2.Apply(ctx, w2, false), transition.ErrApplied))
}

// A creation transition must give every registered state field of its
// model a state.
func TestCreationMustSetEveryField(t *testing.T) {
	projs := transition.For[User, *world](PStatus)
	transition.New[transition.NoInput](projs, "create", transition.Create(PDraft)).AllowAnyone()
	transition.New[transition.NoInput](projs, "publish", transition.From(PDraft).To(PPublished)).AllowAnyone()
	transition.New[transition.NoInput](projs, "withdraw", transition.From(PPublished).To(PWithdrawn)).AllowAnyone()
	transition.New[transition.NoInput](projs, "delete", transition.From(PWithdrawn).To(PDeleted)).AllowAnyone()
	_, err := registry.New[User, *world](nil, projs, Reviews_)
	var ce *registry.DefinitionError
	require.ErrorAs(t, err, &ce)
	require.Len(t, ce.Problems, 2, "%v", err)
	assert.Equal(t, registry.DeadEnd, ce.Problems[1].Kind, "nothing here moves the review out of Approved")
	assert.Equal(t, registry.Problem{Machine: "registry_test.Proj.status", Transition: "create", Kind: registry.Incomplete,
		Message: "it creates the object but leaves review in no state: move it with Also(transition.Field(..., transition.Create(...)))"}, ce.Problems[0])
}

// A field that only another machine's creation moves starts where that
// creation puts it, not at its Type's first state: a state only the Type's
// order made initial is unreachable if nothing leads to it.
func TestCreationByAnotherMachineSetsTheInitialState(t *testing.T) {
	typ := state.NewType[string]("Gate")
	shut := typ.State("shut", "Shut") // first in the Type, but nothing creates or leads to it
	open := typ.State("open", "Open", state.Final())
	gate := state.Bind(typ, "gate", func(p *Proj) *state.State[string] { return &p.Review })
	_ = shut
	projs := transition.For[User, *world](PStatus)
	transition.New[transition.NoInput](projs, "create", transition.Create(PDraft)).AllowAnyone().
		Also(transition.Field(gate, transition.Create(open)))
	transition.New[transition.NoInput](projs, "publish", transition.From(PDraft).To(PPublished)).AllowAnyone()
	transition.New[transition.NoInput](projs, "withdraw", transition.From(PPublished).To(PWithdrawn)).AllowAnyone()
	transition.New[transition.NoInput](projs, "delete", transition.From(PWithdrawn).To(PDeleted)).AllowAnyone()
	gates := transition.For[User, *world](gate)
	_, err := registry.New[User, *world](nil, projs, gates)
	var ce *registry.DefinitionError
	require.ErrorAs(t, err, &ce)
	require.Len(t, ce.Problems, 1, "%v", err)
	assert.Equal(t, registry.Problem{Machine: "registry_test.Proj.gate", Kind: registry.Unreachable,
		Message: "no transition leads to Shut from the initial state Open"}, ce.Problems[0])
}

// Building the registry freezes its machines: what it checked and drew is
// what runs.
func TestRegistryFreezesItsMachines(t *testing.T) {
	_, err := registry.New[User, *world](nil, Projs, Reviews_, Jobs)
	require.NoError(t, err)
	v := func() (v any) {
		defer func() { v = recover() }()
		transition.New[transition.NoInput](Jobs, "reopen", transition.From(JDeleted).To(JOpen)).AllowAnyone()
		return nil
	}()
	err, ok := v.(error)
	require.True(t, ok, "declaring on a registered machine panics, got %v", v)
	assert.ErrorIs(t, err, state.ErrFrozen)
}

// TestSeedRecallable: a group holding a conditional state (Recallable =
// Withdrawn | Future) is a transition's source: redraft is available from
// it and only from it, it says so when it is not, and the diagram draws it.
func TestSeedRecallable(t *testing.T) {
	now := Clock()
	ctx := context.Background()
	reg, err := registry.New[User, *world](nil, Projs, Reviews_, Jobs)
	require.NoError(t, err)
	tests := []struct {
		name       string
		status     state.State[int]
		start      time.Time
		recallable bool
	}{
		{"draft", PDraft, time.Time{}, false},
		{"published, started", PPublished, now.Add(-time.Hour), false},
		{"published, starting now", PPublished, now, false},
		{"published, starting later", PPublished, now.Add(time.Hour), true},
		{"withdrawn", PWithdrawn, time.Time{}, true},
		{"deleted", PDeleted, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := seedWorld()
			p := &Proj{ID: 1, Owner: "alice", Status: tt.status, Review: RPending, StartAt: tt.start}
			assert.Equal(t, tt.recallable, PRecallable.Match(p, now))
			avs, err := reg.Available(ctx, w, Alice, p)
			require.NoError(t, err)
			var redraft *transition.Availability
			for i := range avs {
				if avs[i].Name == "redraft" {
					redraft = &avs[i]
				}
			}
			require.NotNil(t, redraft)
			assert.Equal(t, tt.recallable, redraft.Available)
			if tt.recallable {
				assert.Empty(t, redraft.Reasons)
				_, err := reg.Fire(ctx, w, Alice, p, "redraft", nil)
				require.NoError(t, err)
				assert.Equal(t, PDraft, p.Status)
				return
			}
			require.Len(t, redraft.Reasons, 1)
			r := redraft.Reasons[0]
			assert.Equal(t, "wrong_state.status", r.Code)
			assert.True(t, r.Of(PStatus), "the state rule of the status field")
			assert.Equal(t, "status is "+tt.status.Title()+"; Redraft needs Recallable", r.Message())
			_, err = reg.Fire(ctx, w, Alice, p, "redraft", nil)
			require.ErrorIs(t, err, transition.ErrWrongState)
			assert.Equal(t, tt.status, p.Status, "nothing changed")
		})
	}

	// The diagram draws redraft from Withdrawn, and from Published only
	// when the project is Recallable.
	mmd := reg.Mermaid()
	assert.Contains(t, mmd, "    s2 --> s0 : Redraft (owner_or_admin)\n")
	assert.Contains(t, mmd, "    s1 --> s0 : Redraft [if Recallable] (owner_or_admin)\n")
	assert.Contains(t, reg.DOT(), `"m0_s1" -> "m0_s0" [label="Redraft\n[if Recallable]\n(owner_or_admin)"];`)
}
