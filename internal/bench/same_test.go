package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/statecraft/statecraft/transition"
)

// entity is one order of one implementation, as the script drives it.
type entity interface {
	fire(u User, name string, in ShipInput) error
	can(u User, name string) bool
	available(u User) []string // in any order
	state() string
	tracking() string
	inOpen() bool
	isLarge() bool
}

// subject is an implementation: how to prepare an order in it, and
// whether it reports to an observer.
type subject struct {
	name     string
	observes bool
	prepare  func(id, amount int64, obs *Observer) entity
	// guardAsState is set for an implementation that may report a refusal
	// by a guard as the wrong state: the refusal is the same, its kind
	// is not.
	guardAsState bool
}

var ctx = context.Background()

// subjects are every implementation the benchmarks run, and the ways
// statecraft is driven (by name from JSON, through the registry).
func subjects() []subject {
	sc := func(om *OrderMachine, viaJSON bool) func(id, amount int64, obs *Observer) entity {
		return func(id, amount int64, obs *Observer) entity {
			return &statecraftEntity{om: om, mem: transition.Memory(obs, nil), o: &Order{ID: id, Amount: amount, Status: Draft}, viaJSON: viaJSON}
		}
	}
	return []subject{
		{"statecraft", false, sc(Orders, false), false},
		{"statecraft-registry-json", false, sc(Orders, true), false},
		{"statecraft-machine-after", true, sc(ObservedOrders, false), false},
		{"statecraft-transition-after", true, sc(HookedOrders, false), false},
		{"looplab", true, func(id, amount int64, obs *Observer) entity {
			return looplabEntity{NewLooplabOrder(id, amount, StDraft, obs)}
		}, false},
		// stateless looks for a trigger's handler in the superstate when
		// the state's own guards refuse it, and so forgets them: in
		// submitted, a substate of open, a refused approve is reported to
		// OnUnhandledTrigger with no unmet guards.
		{"stateless", true, func(id, amount int64, obs *Observer) entity {
			return statelessEntity{NewStatelessOrder(id, amount, StDraft, obs)}
		}, true},
		{"switch", false, func(id, amount int64, _ *Observer) entity {
			return switchEntity{&SwitchOrder{ID: id, Amount: amount, Status: SDraft}}
		}, false},
		{"switch-mutex", false, func(id, amount int64, _ *Observer) entity {
			return &mutexEntity{o: &MutexOrder{SwitchOrder: SwitchOrder{ID: id, Amount: amount, Status: SDraft}}}
		}, false},
		{"switch-mutex-json", false, func(id, amount int64, _ *Observer) entity {
			return &mutexEntity{o: &MutexOrder{SwitchOrder: SwitchOrder{ID: id, Amount: amount, Status: SDraft}}, viaJSON: true}
		}, false},
		{"switch-samework", true, func(id, amount int64, obs *Observer) entity {
			return sameWorkEntity{&SameWorkOrder{SwitchOrder: SwitchOrder{ID: id, Amount: amount, Status: SDraft}, Observe: ObserveWith(obs)}}
		}, false},
	}
}

// step is one transition the script fires, and the outcome every
// implementation must give.
type step struct {
	order int // which of the script's orders
	actor User
	name  string
	in    ShipInput
	want  error // nil, ErrWrongState, ErrForbidden or ErrInvalid
}

// The script: three orders, two within Mia's limit (one not large, one
// just large) and one above it, taken
// through every transition, with refusals of every kind (the wrong state,
// a guard, an invalid input; never an invalid input to a transition
// refused anyway, whose order of checks differs between libraries).
var (
	scriptAmounts = []int64{LargeAmount, 9000, LargeAmount + 1}
	script        = []step{
		{0, Mia, EvApprove, ShipInput{}, ErrWrongState},
		{0, Walt, EvShip, ShipInput{"1Z"}, ErrWrongState},
		{0, Carol, EvSubmit, ShipInput{}, nil},
		{0, Carol, EvSubmit, ShipInput{}, ErrWrongState},
		{0, Carol, EvApprove, ShipInput{}, ErrForbidden},
		{0, Walt, EvApprove, ShipInput{}, ErrForbidden},
		{0, Mia, EvApprove, ShipInput{}, nil},
		{0, Carol, EvCancel, ShipInput{}, ErrWrongState},
		{0, Carol, EvShip, ShipInput{"1Z"}, ErrForbidden},
		{0, Mia, EvShip, ShipInput{"1Z"}, ErrForbidden},
		{0, Walt, EvShip, ShipInput{}, ErrInvalid},
		{0, Walt, EvShip, ShipInput{"1Z999AA10123456784"}, nil},
		{0, Walt, EvShip, ShipInput{"1Z"}, ErrWrongState},
		{0, Carol, EvCancel, ShipInput{}, ErrWrongState},
		{1, Carol, EvSubmit, ShipInput{}, nil},
		{1, Mia, EvApprove, ShipInput{}, ErrForbidden},
		{1, Carol, EvCancel, ShipInput{}, nil},
		{1, Mia, EvApprove, ShipInput{}, ErrWrongState},
		{1, Carol, EvSubmit, ShipInput{}, ErrWrongState},
		{2, Walt, EvSubmit, ShipInput{}, nil},
		{2, Mia, EvApprove, ShipInput{}, nil},
		{2, Mia, EvCancel, ShipInput{}, ErrWrongState},
	}
	scriptActors = []User{Carol, Mia, Walt}
)

// TestSameAnswers drives every implementation through the script and
// checks, after every step, that each gives the answers the bare switch
// gives: the outcome of the step, the state, the tracking number, whether
// each transition may fire for each actor, which transitions are available
// (as sets), membership of "open" and "large"; and, at the end, that those
// with an observer saw the same events. The switch's own answers are
// checked against the script.
func TestSameAnswers(t *testing.T) {
	type run struct {
		subject
		obs    *Observer
		orders []entity
	}
	var runs []*run
	for _, s := range subjects() {
		r := &run{subject: s, obs: &Observer{Record: true}}
		for i, amount := range scriptAmounts {
			r.orders = append(r.orders, s.prepare(int64(i+1), amount, r.obs))
		}
		runs = append(runs, r)
	}
	named := func(name string) *run {
		return runs[slices.IndexFunc(runs, func(r *run) bool { return r.name == name })]
	}
	ref := named("switch")

	for i, st := range script {
		where := fmt.Sprintf("step %d (%s by %s on order %d)", i, st.name, st.actor, st.order)
		for _, r := range runs {
			err := r.orders[st.order].fire(st.actor, st.name, st.in)
			if r.guardAsState && st.want == ErrForbidden && errors.Is(err, ErrWrongState) {
				continue
			}
			if !errors.Is(err, st.want) || (err == nil) != (st.want == nil) {
				t.Errorf("%s: %s: fire = %v, want %v", where, r.name, err, st.want)
			}
		}
		for k := range scriptAmounts {
			want := probe(ref.orders[k])
			for _, r := range runs {
				if got := probe(r.orders[k]); got != want {
					t.Errorf("%s: %s: order %d:\n got %s\nwant %s (the switch's)", where, r.name, k, got, want)
				}
			}
		}
	}

	// The switch's final answers, against the script.
	if got, want := ref.orders[0].state()+" "+ref.orders[0].tracking(), StShipped+" 1Z999AA10123456784"; got != want {
		t.Errorf("switch: order 0 ends %q, want %q", got, want)
	}
	if got := ref.orders[1].state(); got != StCancelled {
		t.Errorf("switch: order 1 ends %q, want %q", got, StCancelled)
	}

	var wantLog []Observed
	for _, st := range script {
		if st.want == nil {
			wantLog = append(wantLog, Observed{Name: st.name})
		}
	}
	for _, r := range runs {
		if !r.observes {
			continue
		}
		if len(r.obs.Log) != len(wantLog) {
			t.Errorf("%s observed %d events, want %d: %v", r.name, len(r.obs.Log), len(wantLog), r.obs.Log)
			continue
		}
		for i, e := range r.obs.Log {
			if e.Name != wantLog[i].Name || e.From == "" || e.To == "" || e.From == e.To {
				t.Errorf("%s: event %d = %+v, want %s between two states", r.name, i, e, wantLog[i].Name)
			}
		}
		if r.name != "switch-samework" {
			if got, want := fmt.Sprint(r.obs.Log), fmt.Sprint(named("switch-samework").obs.Log); got != want {
				t.Errorf("%s observed\n %s\nwant\n %s (switch-samework's)", r.name, got, want)
			}
		}
	}
}

// probe describes everything the script checks of an order but the
// outcome of a step.
func probe(e entity) string {
	s := fmt.Sprintf("state=%s tracking=%q open=%v large=%v", e.state(), e.tracking(), e.inOpen(), e.isLarge())
	for _, u := range scriptActors {
		var can []string
		for _, ev := range Events {
			if e.can(u, ev) {
				can = append(can, ev)
			}
		}
		avail := slices.Clone(e.available(u))
		slices.Sort(avail)
		slices.Sort(can)
		s += fmt.Sprintf(" %s:can=%v,available=%v", u, can, avail)
	}
	return s
}

// statecraftEntity drives an Order through an OrderMachine: by calling its
// transitions, or by name with a JSON body through its registry.
type statecraftEntity struct {
	om      *OrderMachine
	mem     *transition.MemoryStore[*Observer]
	o       *Order
	viaJSON bool
}

func (e *statecraftEntity) fire(u User, name string, in ShipInput) error {
	if !e.viaJSON {
		return e.om.Fire(ctx, e.mem, u, e.o, name, in)
	}
	body := []byte(`{}`)
	if name == EvShip {
		body, _ = json.Marshal(in)
	}
	_, err := e.om.Registry.Fire(ctx, e.mem, u, e.o, name, body)
	return statecraftKind(err)
}

func (e *statecraftEntity) can(u User, name string) bool { return e.om.Can(ctx, e.mem, u, e.o, name) }

// available lists the available transitions three ways, and fails the
// answer (with a name no one else gives) unless they agree.
func (e *statecraftEntity) available(u User) []string {
	avs, err := e.om.Available(ctx, e.mem, u, e.o)
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	var names []string
	for _, av := range avs {
		if av.Available != (len(av.Reasons) == 0) {
			return []string{"reasons disagree with available: " + av.Name}
		}
		if av.Available {
			names = append(names, av.Name)
		}
	}
	viaCan := AppendAvailableNames(ctx, nil, e.om.Namers(), e.mem, u, e.o)
	regAvs, err := e.om.Registry.Available(ctx, e.mem, u, e.o)
	if err != nil {
		return []string{"registry error: " + err.Error()}
	}
	var viaRegistry []string
	for _, av := range regAvs {
		if av.Available {
			viaRegistry = append(viaRegistry, av.Name)
		}
	}
	if !slices.Equal(names, viaCan) || !slices.Equal(names, viaRegistry) {
		return []string{fmt.Sprintf("Available %v, Can %v and the registry %v disagree", names, viaCan, viaRegistry)}
	}
	return names
}

func (e *statecraftEntity) state() string    { return string(e.o.Status.Get()) }
func (e *statecraftEntity) tracking() string { return e.o.Tracking }

func (e *statecraftEntity) inOpen() bool {
	if a, b := Open.Contains(e.o.Status), InOpen.Match(e.o, time.Now()); a != b {
		panic("Open.Contains and Status.In(Open) disagree")
	}
	return Open.Contains(e.o.Status)
}

func (e *statecraftEntity) isLarge() bool { return Large.Match(e.o, time.Now()) }

type looplabEntity struct{ o *LooplabOrder }

func (e looplabEntity) fire(u User, name string, in ShipInput) error {
	return e.o.Fire(ctx, u, name, in)
}
func (e looplabEntity) can(u User, name string) bool { return e.o.Can(u, name) }
func (e looplabEntity) available(u User) []string    { return e.o.Available(u) }
func (e looplabEntity) state() string                { return e.o.FSM.Current() }
func (e looplabEntity) tracking() string             { return e.o.Tracking }
func (e looplabEntity) inOpen() bool                 { return e.o.FSM.Is(StDraft) || e.o.FSM.Is(StSubmitted) }
func (e looplabEntity) isLarge() bool                { return e.o.FSM.Is(StSubmitted) && e.o.Amount > LargeAmount }

type statelessEntity struct{ o *StatelessOrder }

func (e statelessEntity) fire(u User, name string, in ShipInput) error {
	return e.o.Fire(ctx, u, name, in)
}
func (e statelessEntity) can(u User, name string) bool { return e.o.Can(u, name) }
func (e statelessEntity) available(u User) []string    { return e.o.Available(u) }
func (e statelessEntity) state() string                { return e.o.State }
func (e statelessEntity) tracking() string             { return e.o.Tracking }

func (e statelessEntity) inOpen() bool {
	ok, err := e.o.SM.IsInState(StOpen)
	return ok && err == nil
}

func (e statelessEntity) isLarge() bool {
	ok, err := e.o.SM.IsInState(StSubmitted)
	return ok && err == nil && e.o.Amount > LargeAmount
}

type switchEntity struct{ o *SwitchOrder }

func (e switchEntity) fire(u User, name string, in ShipInput) error {
	return e.o.Fire(SwitchEventOf(name), u, in)
}
func (e switchEntity) can(u User, name string) bool { return e.o.Can(SwitchEventOf(name), u) }
func (e switchEntity) available(u User) []string    { return e.o.AppendAvailable(nil, u) }
func (e switchEntity) state() string                { return e.o.Status.String() }
func (e switchEntity) tracking() string             { return e.o.Tracking }
func (e switchEntity) inOpen() bool                 { return e.o.InOpen() }
func (e switchEntity) isLarge() bool                { return e.o.IsLarge() }

type mutexEntity struct {
	o       *MutexOrder
	viaJSON bool
}

func (e *mutexEntity) fire(u User, name string, in ShipInput) error {
	if !e.viaJSON {
		return e.o.Fire(SwitchEventOf(name), u, in)
	}
	body := []byte(`{}`)
	if name == EvShip {
		body, _ = json.Marshal(in)
	}
	return e.o.FireJSON(name, u, body)
}
func (e *mutexEntity) can(u User, name string) bool { return e.o.Can(SwitchEventOf(name), u) }
func (e *mutexEntity) available(u User) []string    { return e.o.AppendAvailable(nil, u) }
func (e *mutexEntity) state() string                { return e.o.Status.String() }
func (e *mutexEntity) tracking() string             { return e.o.Tracking }
func (e *mutexEntity) inOpen() bool                 { return e.o.InOpen() }
func (e *mutexEntity) isLarge() bool                { return e.o.IsLarge() }

type sameWorkEntity struct{ o *SameWorkOrder }

func (e sameWorkEntity) fire(u User, name string, in ShipInput) error {
	_, err := e.o.Fire(SwitchEventOf(name), u, in)
	return err
}
func (e sameWorkEntity) can(u User, name string) bool { return e.o.Can(SwitchEventOf(name), u) }
func (e sameWorkEntity) available(u User) []string    { return e.o.AppendAvailable(nil, u) }
func (e sameWorkEntity) state() string                { return e.o.Status.String() }
func (e sameWorkEntity) tracking() string             { return e.o.Tracking }
func (e sameWorkEntity) inOpen() bool                 { return e.o.InOpen() }
func (e sameWorkEntity) isLarge() bool                { return e.o.IsLarge() }
