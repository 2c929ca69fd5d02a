package transition_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// A machine with no hooks, effects, chains or Table: in a Memory store its
// transitions fire without building a plan (see Fire). These tests check
// that this path does exactly what the general one does.

type bareStatus string

var bareType = state.NewType[bareStatus]("BareTicket")

var (
	bareOpen    = bareType.State("open", "Open")
	bareReview  = bareType.State("review", "In review")
	bareDone    = bareType.State("done", "Done")
	bareShelved = bareType.State("shelved", "Shelved")
)

type bareTicket struct {
	ID      int64
	Status  state.State[bareStatus]
	Note    string
	Due     time.Time
	Version int64
}

type bareUser struct {
	Name string
	Lead bool
}

func (u bareUser) String() string { return u.Name }

// bareNote is an input whose Validate method trims it, so the validated
// input differs from the one given.
type bareNote struct {
	Note string `json:"note"`
}

func (n *bareNote) Validate() error {
	n.Note = strings.TrimSpace(n.Note)
	if n.Note == "" {
		return transition.FieldError{Field: "/note", Code: "required", Message: "is required"}
	}
	return nil
}

type bareVerdict struct {
	Accept bool `json:"accept"`
}

var (
	bareStatusOf = state.Bind(bareType, "status", func(t *bareTicket) *state.State[bareStatus] { return &t.Status })
	bareOverdue  = bareStatusOf.Conditional("overdue", "Overdue", bareReview,
		func(t *bareTicket, now time.Time) bool { return now.After(t.Due) })

	bareTickets = transition.For[bareUser, struct{}](bareStatusOf).
			Identify(func(t *bareTicket) any { return t.ID }).
			Version(func(t *bareTicket) *int64 { return &t.Version })

	bareSubmit = transition.New[bareNote](bareTickets, "submit", transition.From(bareOpen).To(bareReview)).AllowAnyone()
	bareDecide = transition.New[bareVerdict](bareTickets, "decide", transition.From(bareReview).To(bareDone, bareOpen)).
			Allow("lead", func(_ context.Context, u bareUser, _ *bareTicket) bool { return u.Lead }).
			Choose(func(_ context.Context, _ *bareTicket, in bareVerdict) state.State[bareStatus] {
			if in.Accept {
				return bareDone
			}
			return bareOpen
		})
	bareEscalate = transition.New[transition.NoInput](bareTickets, "escalate", transition.From(bareOverdue).To(bareShelved)).AllowAnyone()
	bareBoom     = transition.New[transition.NoInput](bareTickets, "boom", transition.From(bareShelved).To(bareOpen)).
			Allow("exploding", func(_ context.Context, u bareUser, _ *bareTicket) bool {
			if u.Name == "ann" {
				panic("boom")
			}
			return true
		})
	bareLying = transition.New[bareVerdict](bareTickets, "lying", transition.From(bareDone).To(bareOpen, bareReview)).AllowAnyone().
			Choose(func(context.Context, *bareTicket, bareVerdict) state.State[bareStatus] { return bareShelved })
)

// generalStore is a Memory store that Fire does not recognise as one, so
// that it takes the general path: a unit of work, a plan and its event.
type generalStore[U any] struct{ *transition.MemoryStore[U] }

// countingClock is a clock that counts its reads.
type countingClock struct {
	at    time.Time
	reads int
}

func (c *countingClock) now() time.Time { c.reads++; return c.at }

// TestBareFireAgreesWithThePlan fires each case twice, on the bare path
// and on the general one, and wants the same outcome from both: the
// error, the model and the event.
func TestBareFireAgreesWithThePlan(t *testing.T) {
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	lead, ann := bareUser{Name: "lea", Lead: true}, bareUser{Name: "ann"}
	type fire func(ctx context.Context, s transition.Store[struct{}], tk *bareTicket) (any, error)
	ev := func(e any, err error) (any, error) { return e, err }
	cases := []struct {
		name     string
		ticket   bareTicket
		fire     fire
		canceled bool
		want     bareTicket // the ticket afterwards
		wantErr  error      // what the error matches, or nil
		wantText string     // the error's text
	}{
		{
			name:   "submitted, its note trimmed by its Validate method",
			ticket: bareTicket{ID: 1, Status: bareOpen, Version: 3},
			fire: func(ctx context.Context, s transition.Store[struct{}], tk *bareTicket) (any, error) {
				return ev(bareSubmit.FireEvent(ctx, s, ann, tk, bareNote{Note: "  ready  "}))
			},
			want: bareTicket{ID: 1, Status: bareReview, Version: 4},
		},
		{
			name:   "an empty note is invalid",
			ticket: bareTicket{ID: 2, Status: bareOpen, Version: 3},
			fire: func(ctx context.Context, s transition.Store[struct{}], tk *bareTicket) (any, error) {
				return ev(bareSubmit.FireEvent(ctx, s, ann, tk, bareNote{Note: " "}))
			},
			want:     bareTicket{ID: 2, Status: bareOpen, Version: 3},
			wantErr:  transition.ErrInvalidInput,
			wantText: `transition: transition_test.bareTicket.status "submit" of transition_test.bareTicket 2 by ann: invalid input: /note: is required`,
		},
		{
			name:   "decided by Choose",
			ticket: bareTicket{ID: 3, Status: bareReview},
			fire: func(ctx context.Context, s transition.Store[struct{}], tk *bareTicket) (any, error) {
				return ev(bareDecide.FireEvent(ctx, s, lead, tk, bareVerdict{Accept: false}))
			},
			want: bareTicket{ID: 3, Status: bareOpen, Version: 1},
		},
		{
			name:   "forbidden and in the wrong state",
			ticket: bareTicket{ID: 4, Status: bareOpen},
			fire: func(ctx context.Context, s transition.Store[struct{}], tk *bareTicket) (any, error) {
				return ev(bareDecide.FireEvent(ctx, s, ann, tk, bareVerdict{Accept: true}))
			},
			want:     bareTicket{ID: 4, Status: bareOpen},
			wantErr:  transition.ErrForbidden,
			wantText: `transition: transition_test.bareTicket.status "decide" of transition_test.bareTicket 4 (Open) by ann is blocked: status is Open; Decide needs In review; ann may not Decide: only lead`,
		},
		{
			name:   "escalated when overdue, by the clock",
			ticket: bareTicket{ID: 5, Status: bareReview, Due: at.Add(-time.Hour)},
			fire: func(ctx context.Context, s transition.Store[struct{}], tk *bareTicket) (any, error) {
				return ev(bareEscalate.FireEvent(ctx, s, ann, tk, transition.NoInput{}))
			},
			want: bareTicket{ID: 5, Status: bareShelved, Due: at.Add(-time.Hour), Version: 1},
		},
		{
			name:   "not escalated before it is due",
			ticket: bareTicket{ID: 6, Status: bareReview, Due: at.Add(time.Hour)},
			fire: func(ctx context.Context, s transition.Store[struct{}], tk *bareTicket) (any, error) {
				return ev(bareEscalate.FireEvent(ctx, s, ann, tk, transition.NoInput{}))
			},
			want:     bareTicket{ID: 6, Status: bareReview, Due: at.Add(time.Hour)},
			wantErr:  transition.ErrWrongState,
			wantText: `transition: transition_test.bareTicket.status "escalate" of transition_test.bareTicket 6 (In review) by ann is blocked: status is In review; Escalate needs Overdue`,
		},
		{
			name:   "a check that panics",
			ticket: bareTicket{ID: 7, Status: bareShelved},
			fire: func(ctx context.Context, s transition.Store[struct{}], tk *bareTicket) (any, error) {
				return ev(bareBoom.FireEvent(ctx, s, ann, tk, transition.NoInput{}))
			},
			want:     bareTicket{ID: 7, Status: bareShelved},
			wantErr:  transition.ErrStep,
			wantText: `transition: transition_test.bareTicket.status "boom" of transition_test.bareTicket 7 by ann: step "check allow" panicked: panic: boom`,
		},
		{
			name:   "Choose returns a state that is no target",
			ticket: bareTicket{ID: 8, Status: bareDone},
			fire: func(ctx context.Context, s transition.Store[struct{}], tk *bareTicket) (any, error) {
				return ev(bareLying.FireEvent(ctx, s, ann, tk, bareVerdict{}))
			},
			want:     bareTicket{ID: 8, Status: bareDone},
			wantErr:  transition.ErrDefinition,
			wantText: `transition: transition_test.bareTicket.status lying of transition_test.bareTicket 8: incomplete definition: Choose returned Shelved, which is not a target of the rule from Done`,
		},
		{
			name:   "a canceled context",
			ticket: bareTicket{ID: 9, Status: bareOpen},
			fire: func(ctx context.Context, s transition.Store[struct{}], tk *bareTicket) (any, error) {
				return ev(bareSubmit.FireEvent(ctx, s, ann, tk, bareNote{Note: "x"}))
			},
			canceled: true,
			want:     bareTicket{ID: 9, Status: bareOpen},
			wantErr:  context.Canceled,
			wantText: "context canceled",
		},
	}
	ignore := cmp.Options{
		cmpopts.IgnoreUnexported(transition.Event[bareTicket, bareStatus, bareUser, bareNote]{}),
		cmpopts.IgnoreUnexported(transition.Event[bareTicket, bareStatus, bareUser, bareVerdict]{}),
		cmpopts.IgnoreUnexported(transition.Event[bareTicket, bareStatus, bareUser, transition.NoInput]{}),
		cmp.Comparer(func(a, b state.State[bareStatus]) bool { return a == b }),
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if c.canceled {
				cancel()
			}
			clock := func() time.Time { return at }
			bare, general := c.ticket, c.ticket
			bareEv, bareErr := c.fire(ctx, transition.Memory(struct{}{}, clock), &bare)
			genEv, genErr := c.fire(ctx, generalStore[struct{}]{transition.Memory(struct{}{}, clock)}, &general)

			if c.wantErr == nil {
				require.NoError(t, bareErr)
				require.NoError(t, genErr)
			} else {
				require.ErrorIs(t, bareErr, c.wantErr)
				require.ErrorIs(t, genErr, c.wantErr)
				assert.Equal(t, c.wantText, bareErr.Error())
				assert.Equal(t, genErr.Error(), bareErr.Error())
			}
			if diff := cmp.Diff(c.want, bare, ignore); diff != "" {
				t.Errorf("the ticket after the bare path (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(c.want, general, ignore); diff != "" {
				t.Errorf("the ticket after the general path (-want +got):\n%s", diff)
			}
			// The events agree but for the model each fired on.
			switch b := bareEv.(type) {
			case *transition.Event[bareTicket, bareStatus, bareUser, bareNote]:
				g := genEv.(*transition.Event[bareTicket, bareStatus, bareUser, bareNote])
				checkBareEvent(t, c.wantErr == nil, b, g, &bare, &general, ignore)
			case *transition.Event[bareTicket, bareStatus, bareUser, bareVerdict]:
				g := genEv.(*transition.Event[bareTicket, bareStatus, bareUser, bareVerdict])
				checkBareEvent(t, c.wantErr == nil, b, g, &bare, &general, ignore)
			case *transition.Event[bareTicket, bareStatus, bareUser, transition.NoInput]:
				g := genEv.(*transition.Event[bareTicket, bareStatus, bareUser, transition.NoInput])
				checkBareEvent(t, c.wantErr == nil, b, g, &bare, &general, ignore)
			default:
				t.Fatalf("event of type %T", bareEv)
			}
		})
	}
}

func checkBareEvent[I any](t *testing.T, ok bool, bare, general *transition.Event[bareTicket, bareStatus, bareUser, I], bareModel, generalModel *bareTicket, ignore cmp.Options) {
	t.Helper()
	if !ok {
		assert.Nil(t, bare, "the bare path's event on error")
		assert.Nil(t, general, "the general path's event on error")
		return
	}
	require.NotNil(t, bare)
	require.NotNil(t, general)
	assert.Same(t, bareModel, bare.Model)
	assert.Same(t, generalModel, general.Model)
	b, g := *bare, *general
	b.Model, g.Model = nil, nil
	if diff := cmp.Diff(g, b, ignore); diff != "" {
		t.Errorf("the events (-general +bare):\n%s", diff)
	}
	assert.False(t, b.At.IsZero(), "the event has its time")
}

// TestBareFireReadsNoClock: firing in a Memory store reads the clock only
// for what uses the time: a check of a conditional state, or an event
// the caller asks for. Fire with hooks builds the event for them, and
// reads it once.
func TestBareFireReadsNoClock(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	ann := bareUser{Name: "ann"}
	for _, c := range []struct {
		name  string
		fire  func(s transition.Store[struct{}]) error
		reads int
	}{
		{"Fire, no check of a time", func(s transition.Store[struct{}]) error {
			return bareSubmit.Fire(ctx, s, ann, &bareTicket{Status: bareOpen}, bareNote{Note: "n"})
		}, 0},
		{"Fire, refused", func(s transition.Store[struct{}]) error {
			err := bareSubmit.Fire(ctx, s, ann, &bareTicket{Status: bareDone}, bareNote{Note: "n"})
			if !errors.Is(err, transition.ErrWrongState) {
				return errors.New("not refused")
			}
			return nil
		}, 0},
		{"Fire, a conditional source state", func(s transition.Store[struct{}]) error {
			return bareEscalate.Fire(ctx, s, ann, &bareTicket{Status: bareReview}, transition.NoInput{})
		}, 1},
		{"FireEvent", func(s transition.Store[struct{}]) error {
			_, err := bareSubmit.FireEvent(ctx, s, ann, &bareTicket{Status: bareOpen}, bareNote{Note: "n"})
			return err
		}, 1},
		{"FireEvent, a conditional source state: read once", func(s transition.Store[struct{}]) error {
			_, err := bareEscalate.FireEvent(ctx, s, ann, &bareTicket{Status: bareReview}, transition.NoInput{})
			return err
		}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			clock := &countingClock{at: at}
			require.NoError(t, c.fire(transition.Memory(struct{}{}, clock.now)))
			assert.Equal(t, c.reads, clock.reads, "clock reads")
		})
	}
}

// TestAvailabilityReasonsAreKept lists availability from many goroutines
// at once, for every state and several actors, while the lists of reasons
// are being kept: each must give the reasons Check gives, by code.
func TestAvailabilityReasonsAreKept(t *testing.T) {
	ctx := context.Background()
	mem := transition.Memory(struct{}{}, func() time.Time { return time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC) })
	actors := []bareUser{{Name: "lea", Lead: true}, {Name: "bob"}, {Name: "cy"}}
	states := []state.State[bareStatus]{bareOpen, bareReview, bareDone, bareShelved}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				u, s := actors[(g+i)%len(actors)], states[i%len(states)]
				tk := &bareTicket{ID: int64(i), Status: s}
				avs, err := bareTickets.Available(ctx, mem, u, tk)
				if !assert.NoError(t, err) {
					return
				}
				for j, tr := range []interface {
					Check(context.Context, transition.Scope[struct{}], bareUser, *bareTicket) error
				}{bareSubmit, bareDecide, bareEscalate, bareBoom, bareLying} {
					var e *transition.Error
					var want []string
					if err := tr.Check(ctx, mem, u, tk); errors.As(err, &e) {
						want = reasonCodes(e.Reasons)
					}
					assert.Equal(t, want, reasonCodes(avs[j].Reasons), "%s for %s in %s", avs[j].Name, u, s)
					assert.Equal(t, want == nil, avs[j].Available)
				}
			}
		})
	}
	wg.Wait()
}

// A machine whose transitions have hooks and effects: in a Memory store
// they run their stages on the event alone, without a plan.
var (
	hookedTickets = transition.For[bareUser, *[]string](bareStatusOf).
			Identify(func(t *bareTicket) any { return t.ID }).
			Version(func(t *bareTicket) *int64 { return &t.Version }).
			After("audit", func(_ context.Context, log *[]string, tk *bareTicket, s transition.Step) error {
			*log = append(*log, s.String())
			if tk.Note == "audit fails" {
				return errors.New("the audit is down")
			}
			return nil
		})

	hookedSubmit = transition.New[bareNote](hookedTickets, "submit", transition.From(bareOpen).To(bareReview)).AllowAnyone().
			Effect("keep the note", func(_ context.Context, _ *[]string, e *transition.Event[bareTicket, bareStatus, bareUser, bareNote]) error {
			switch e.Input.Note {
			case "nothing to do":
				return transition.Abort("no-op")
			case "cancel":
				return transition.Cancel("not today")
			}
			e.Model.Note = e.Input.Note
			return nil
		}).
		OnFailure("count the failure", func(context.Context, *transition.Event[bareTicket, bareStatus, bareUser, bareNote], error) {
			hookedFailures.Add(1)
		}).
		AfterCommit("notify", func(_ context.Context, e *transition.Event[bareTicket, bareStatus, bareUser, bareNote]) error {
			if e.Input.Note == "notify fails" {
				return errors.New("no mail server")
			}
			return nil
		})
)

// hookedFailures counts the failures hookedSubmit's OnFailure hook saw.
var hookedFailures atomic.Int32

// TestHookedFireAgreesWithThePlan is TestBareFireAgreesWithThePlan for
// transitions with hooks: the Memory store's path and the general one
// give the same error, model, event and audit log.
func TestHookedFireAgreesWithThePlan(t *testing.T) {
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	ann := bareUser{Name: "ann"}
	for _, c := range []struct {
		note     string
		want     bareTicket
		wantErr  error
		aborted  bool
		wantLogs int
		failures int32 // the failure hook's calls, on both paths
	}{
		{note: "ready", want: bareTicket{ID: 1, Status: bareReview, Note: "ready", Version: 1}, wantLogs: 1},
		{note: "nothing to do", want: bareTicket{ID: 1, Status: bareOpen}, aborted: true},
		{note: "cancel", want: bareTicket{ID: 1, Status: bareOpen}, wantErr: transition.ErrCanceled, failures: 2},
		{note: "audit fails", want: bareTicket{ID: 1, Status: bareOpen}, wantErr: transition.ErrStep, wantLogs: 1, failures: 2},
		{note: "notify fails", want: bareTicket{ID: 1, Status: bareReview, Note: "notify fails", Version: 1}, wantErr: transition.ErrAfterCommit, wantLogs: 1},
	} {
		t.Run(c.note, func(t *testing.T) {
			clock := func() time.Time { return at }
			var memLog, genLog []string
			failures := hookedFailures.Load()
			mine, theirs := bareTicket{ID: 1, Status: bareOpen}, bareTicket{ID: 1, Status: bareOpen}
			memEv, memErr := hookedSubmit.FireEvent(context.Background(), transition.Memory(&memLog, clock), ann, &mine, bareNote{Note: c.note})
			genEv, genErr := hookedSubmit.FireEvent(context.Background(), generalStore[*[]string]{transition.Memory(&genLog, clock)}, ann, &theirs, bareNote{Note: c.note})
			if c.wantErr == nil {
				require.NoError(t, memErr)
				require.NoError(t, genErr)
			} else {
				require.ErrorIs(t, memErr, c.wantErr)
				require.ErrorIs(t, genErr, c.wantErr)
				assert.Equal(t, genErr.Error(), memErr.Error())
			}
			assert.Equal(t, c.want, mine, "the ticket after the Memory store's path")
			assert.Equal(t, c.want, theirs, "the ticket after the general path")
			assert.Equal(t, c.failures, hookedFailures.Load()-failures, "failure hook calls")
			assert.Len(t, memLog, c.wantLogs)
			assert.Equal(t, genLog, memLog)
			if memEv == nil || genEv == nil {
				assert.Equal(t, genEv == nil, memEv == nil, "an event from one path only")
				return
			}
			assert.Equal(t, c.aborted, memEv.Aborted)
			m, g := *memEv, *genEv
			m.Model, g.Model = nil, nil
			if diff := cmp.Diff(g, m, cmpopts.IgnoreUnexported(m), cmp.Comparer(func(a, b state.State[bareStatus]) bool { return a == b })); diff != "" {
				t.Errorf("the events (-general +memory):\n%s", diff)
			}
		})
	}
}

// TestFireJSONInMemoryAgreesWithThePlan: FireJSON in a Memory store
// returns the plan the general path returns, digest included, for a
// transition with hooks and one without.
func TestFireJSONInMemoryAgreesWithThePlan(t *testing.T) {
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return at }
	ann := bareUser{Name: "ann"}
	for _, c := range []struct {
		name    string
		fire    func(s transition.Store[*[]string], tk *bareTicket) (*transition.Plan[*[]string], error)
		want    bareTicket
		wantErr error
	}{
		{"with hooks", func(s transition.Store[*[]string], tk *bareTicket) (*transition.Plan[*[]string], error) {
			return hookedSubmit.FireJSON(context.Background(), s, ann, tk, []byte(`{"note": " ready "}`))
		}, bareTicket{ID: 1, Status: bareReview, Note: "ready", Version: 1}, nil},
		{"aborted", func(s transition.Store[*[]string], tk *bareTicket) (*transition.Plan[*[]string], error) {
			return hookedSubmit.FireJSON(context.Background(), s, ann, tk, []byte(`{"note": "nothing to do"}`))
		}, bareTicket{ID: 1, Status: bareOpen}, nil},
		{"invalid", func(s transition.Store[*[]string], tk *bareTicket) (*transition.Plan[*[]string], error) {
			return hookedSubmit.FireJSON(context.Background(), s, ann, tk, []byte(`{"note": 7}`))
		}, bareTicket{ID: 1, Status: bareOpen}, transition.ErrInvalidInput},
	} {
		t.Run(c.name, func(t *testing.T) {
			var memLog, genLog []string
			mine, theirs := bareTicket{ID: 1, Status: bareOpen}, bareTicket{ID: 1, Status: bareOpen}
			memPlan, memErr := c.fire(transition.Memory(&memLog, clock), &mine)
			genPlan, genErr := c.fire(generalStore[*[]string]{transition.Memory(&genLog, clock)}, &theirs)
			assert.Equal(t, c.want, mine)
			assert.Equal(t, c.want, theirs)
			if c.wantErr != nil {
				require.ErrorIs(t, memErr, c.wantErr)
				require.ErrorIs(t, genErr, c.wantErr)
				assert.Equal(t, genErr.Error(), memErr.Error())
				assert.Nil(t, memPlan)
				return
			}
			require.NoError(t, memErr)
			require.NoError(t, genErr)
			memJSON, err := json.Marshal(memPlan)
			require.NoError(t, err)
			genJSON, err := json.Marshal(genPlan)
			require.NoError(t, err)
			assert.JSONEq(t, string(genJSON), string(memJSON))
			memAborted, memResult := memPlan.Aborted()
			genAborted, genResult := genPlan.Aborted()
			assert.Equal(t, genAborted, memAborted)
			assert.Equal(t, genResult, memResult)
			assert.Equal(t, genLog, memLog)
		})
	}
	// Without hooks, in the registry's way: by a plan of one allocation.
	var memTk, genTk = bareTicket{ID: 2, Status: bareReview}, bareTicket{ID: 2, Status: bareReview}
	lead := bareUser{Name: "lea", Lead: true}
	memPlan, err := bareDecide.FireJSON(context.Background(), transition.Memory(struct{}{}, clock), lead, &memTk, []byte(`{"accept": true}`))
	require.NoError(t, err)
	genPlan, err := bareDecide.FireJSON(context.Background(), generalStore[struct{}]{transition.Memory(struct{}{}, clock)}, lead, &genTk, []byte(`{"accept": true}`))
	require.NoError(t, err)
	assert.Equal(t, genTk, memTk)
	assert.Equal(t, bareDone, memTk.Status)
	assert.Equal(t, genPlan.Digest(), memPlan.Digest())
	assert.Equal(t, genPlan.String(), memPlan.String())
	assert.Equal(t, genPlan.Steps, memPlan.Steps)
}
