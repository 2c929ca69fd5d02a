package bench

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/statecraft/statecraft/transition"
)

// The in-memory benchmarks. Each Benchmark<Operation> runs one operation
// of the workload on every implementation, as sub-benchmarks named after
// it, so that benchstat puts them side by side:
//
//	go test -run '^$' -bench . -benchmem -count 5
//
// statecraft is the library as its documentation uses it; statecraft-*
// are other ways the library offers to do the same; looplab and stateless
// are the peers; switch, switch-mutex and switch-samework the hand-written
// baselines (see switch.go). An iteration that fires a transition first
// puts the order back in the transition's source state by assigning its
// state: the field for all but looplab, whose FSM holds the state and is
// set with SetState (which takes its lock).

// Sinks keep the benchmarks' results alive.
var (
	sinkBool      bool
	sinkOrder     *Order
	sinkLooplab   *LooplabOrder
	sinkStateless *StatelessOrder
	sinkSwitch    *SwitchOrder
	sinkMutex     *MutexOrder
	sinkAvs       []transition.Availability
	sinkNames     []string
	sinkTriggers  []any
)

// The bodies fired from JSON.
var (
	emptyBody = []byte(`{}`)
	shipBody  = []byte(`{"tracking": "1Z999AA10123456784"}`)
	shipInput = ShipInput{Tracking: "1Z999AA10123456784"}
)

// amount is the amount of the orders the benchmarks fire: within Mia's
// limit, not large.
const amount = 500

// unobserved is the Memory store of the machines that observe nothing.
var unobserved = transition.Memory[*Observer](nil, nil)

// BenchmarkPrepare prepares one order in draft, ready to fire.
func BenchmarkPrepare(b *testing.B) {
	b.Run("statecraft", func(b *testing.B) {
		b.ReportAllocs()
		for i := int64(0); b.Loop(); i++ {
			sinkOrder = &Order{ID: i, Amount: amount, Status: Draft}
		}
	})
	b.Run("looplab", func(b *testing.B) {
		b.ReportAllocs()
		for i := int64(0); b.Loop(); i++ {
			sinkLooplab = NewLooplabOrder(i, amount, StDraft, nil)
		}
	})
	b.Run("stateless", func(b *testing.B) {
		b.ReportAllocs()
		for i := int64(0); b.Loop(); i++ {
			sinkStateless = NewStatelessOrder(i, amount, StDraft, nil)
		}
	})
	b.Run("switch", func(b *testing.B) {
		b.ReportAllocs()
		for i := int64(0); b.Loop(); i++ {
			sinkSwitch = &SwitchOrder{ID: i, Amount: amount, Status: SDraft}
		}
	})
	b.Run("switch-mutex", func(b *testing.B) {
		b.ReportAllocs()
		for i := int64(0); b.Loop(); i++ {
			sinkMutex = &MutexOrder{SwitchOrder: SwitchOrder{ID: i, Amount: amount, Status: SDraft}}
		}
	})
}

// BenchmarkCanAllowed asks whether Mia may approve a submitted order: the
// guard allows it.
func BenchmarkCanAllowed(b *testing.B) { benchCan(b, Mia, true) }

// BenchmarkCanRefused asks whether Carol may approve a submitted order:
// the guard refuses.
func BenchmarkCanRefused(b *testing.B) { benchCan(b, Carol, false) }

func benchCan(b *testing.B, u User, want bool) {
	ctx := context.Background()
	b.Run("statecraft", func(b *testing.B) {
		o := &Order{ID: 1, Amount: amount, Status: Submitted}
		b.ReportAllocs()
		for b.Loop() {
			if sinkBool = Orders.Approve.Can(ctx, unobserved, u, o); sinkBool != want {
				b.Fatal("Can =", sinkBool)
			}
		}
	})
	b.Run("looplab", func(b *testing.B) {
		o := NewLooplabOrder(1, amount, StSubmitted, nil)
		b.ReportAllocs()
		for b.Loop() {
			if sinkBool = o.Can(u, EvApprove); sinkBool != want {
				b.Fatal("Can =", sinkBool)
			}
		}
	})
	b.Run("stateless", func(b *testing.B) {
		o := NewStatelessOrder(1, amount, StSubmitted, nil)
		b.ReportAllocs()
		for b.Loop() {
			ok, err := o.SM.CanFireCtx(ctx, EvApprove, u)
			if sinkBool = ok; err != nil || ok != want {
				b.Fatal("CanFire =", ok, err)
			}
		}
	})
	b.Run("switch", func(b *testing.B) {
		o := &SwitchOrder{ID: 1, Amount: amount, Status: SSubmitted}
		b.ReportAllocs()
		for b.Loop() {
			if sinkBool = o.Can(SApprove, u); sinkBool != want {
				b.Fatal("Can =", sinkBool)
			}
		}
	})
	b.Run("switch-mutex", func(b *testing.B) {
		o := &MutexOrder{SwitchOrder: SwitchOrder{ID: 1, Amount: amount, Status: SSubmitted}}
		b.ReportAllocs()
		for b.Loop() {
			if sinkBool = o.Can(SApprove, u); sinkBool != want {
				b.Fatal("Can =", sinkBool)
			}
		}
	})
}

// BenchmarkAvailable lists what Carol may do to a submitted order: cancel
// it; not submit or ship it (the wrong state), nor approve it (the guard).
//
// statecraft lists every transition with every reason it is not
// available, appending to the caller's slice (Machine.AppendAvailable);
// statecraft-new is the same into a new slice (Machine.Available);
// statecraft-registry adds each transition's targets and form
// (Registry.Available). statecraft offers no names-only list:
// statecraft-names is one a caller builds from each transition's Can.
// looplab's list ignores guards, so the guards are applied to it
// (LooplabOrder.Available); stateless's PermittedTriggers runs them.
func BenchmarkAvailable(b *testing.B) {
	ctx := context.Background()
	b.Run("statecraft", func(b *testing.B) {
		o := &Order{ID: 1, Amount: amount, Status: Submitted}
		dst := make([]transition.Availability, 0, 8)
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if dst, err = Orders.AppendAvailable(ctx, dst[:0], unobserved, Carol, o); err != nil || len(dst) != 4 {
				b.Fatal(dst, err)
			}
		}
		sinkAvs = dst
	})
	b.Run("statecraft-new", func(b *testing.B) {
		o := &Order{ID: 1, Amount: amount, Status: Submitted}
		b.ReportAllocs()
		for b.Loop() {
			avs, err := Orders.Available(ctx, unobserved, Carol, o)
			if err != nil || len(avs) != 4 {
				b.Fatal(avs, err)
			}
			sinkAvs = avs
		}
	})
	b.Run("statecraft-registry", func(b *testing.B) {
		o := &Order{ID: 1, Amount: amount, Status: Submitted}
		b.ReportAllocs()
		for b.Loop() {
			avs, err := Orders.Registry.Available(ctx, unobserved, Carol, o)
			if err != nil || len(avs) != 4 {
				b.Fatal(avs, err)
			}
			sinkAvs = avs
		}
	})
	b.Run("statecraft-names", func(b *testing.B) {
		o := &Order{ID: 1, Amount: amount, Status: Submitted}
		namers := Orders.Namers()
		dst := make([]string, 0, 4)
		b.ReportAllocs()
		for b.Loop() {
			if dst = AppendAvailableNames(ctx, dst[:0], namers, unobserved, Carol, o); len(dst) != 1 {
				b.Fatal(dst)
			}
		}
		sinkNames = dst
	})
	b.Run("looplab", func(b *testing.B) {
		o := NewLooplabOrder(1, amount, StSubmitted, nil)
		b.ReportAllocs()
		for b.Loop() {
			if sinkNames = o.Available(Carol); len(sinkNames) != 1 {
				b.Fatal(sinkNames)
			}
		}
	})
	b.Run("stateless", func(b *testing.B) {
		o := NewStatelessOrder(1, amount, StSubmitted, nil)
		b.ReportAllocs()
		for b.Loop() {
			ts, err := o.SM.PermittedTriggersCtx(ctx, Carol)
			if err != nil || len(ts) != 1 {
				b.Fatal(ts, err)
			}
			sinkTriggers = ts
		}
	})
	b.Run("switch", func(b *testing.B) {
		o := &SwitchOrder{ID: 1, Amount: amount, Status: SSubmitted}
		dst := make([]string, 0, 4)
		b.ReportAllocs()
		for b.Loop() {
			if dst = o.AppendAvailable(dst[:0], Carol); len(dst) != 1 {
				b.Fatal(dst)
			}
		}
		sinkNames = dst
	})
	b.Run("switch-mutex", func(b *testing.B) {
		o := &MutexOrder{SwitchOrder: SwitchOrder{ID: 1, Amount: amount, Status: SSubmitted}}
		dst := make([]string, 0, 4)
		b.ReportAllocs()
		for b.Loop() {
			if dst = o.AppendAvailable(dst[:0], Carol); len(dst) != 1 {
				b.Fatal(dst)
			}
		}
		sinkNames = dst
	})
}

// BenchmarkFire has Mia approve a submitted order: a guarded transition
// without input, nothing observing it.
func BenchmarkFire(b *testing.B) {
	ctx := context.Background()
	b.Run("statecraft", func(b *testing.B) {
		o := &Order{ID: 1, Amount: amount}
		b.ReportAllocs()
		for b.Loop() {
			o.Status = Submitted
			if err := Orders.Approve.Fire(ctx, unobserved, Mia, o, transition.NoInput{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("looplab", func(b *testing.B) {
		o := NewLooplabOrder(1, amount, StSubmitted, nil)
		b.ReportAllocs()
		for b.Loop() {
			o.FSM.SetState(StSubmitted)
			if err := o.FSM.Event(ctx, EvApprove, Mia); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stateless", func(b *testing.B) {
		o := NewStatelessOrder(1, amount, StSubmitted, nil)
		b.ReportAllocs()
		for b.Loop() {
			o.State = StSubmitted
			if err := o.SM.FireCtx(ctx, EvApprove, Mia); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("switch", func(b *testing.B) {
		o := &SwitchOrder{ID: 1, Amount: amount}
		b.ReportAllocs()
		for b.Loop() {
			o.Status = SSubmitted
			if err := o.Fire(SApprove, Mia, ShipInput{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("switch-mutex", func(b *testing.B) {
		o := &MutexOrder{SwitchOrder: SwitchOrder{ID: 1, Amount: amount}}
		b.ReportAllocs()
		for b.Loop() {
			o.Status = SSubmitted
			if err := o.Fire(SApprove, Mia, ShipInput{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFireObserved has Walt ship an approved order with a tracking
// number, which the order keeps, an observer receiving the event: a
// guarded transition with an input and an observer.
//
// statecraft observes with a Machine.After hook, which sees every
// transition of the machine; statecraft-transition-after with an After
// hook on the transition, which receives its *Event; statecraft-unobserved
// and switch-mutex fire the same transition with nothing observing, for
// comparison. The baseline is switch-samework.
func BenchmarkFireObserved(b *testing.B) {
	ctx := context.Background()
	statecraft := func(om *OrderMachine, observed bool) func(b *testing.B) {
		return func(b *testing.B) {
			obs := &Observer{}
			mem := transition.Memory(obs, nil)
			o := &Order{ID: 1, Amount: amount}
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				n++
				o.Status, o.Tracking = Approved, ""
				if err := om.Ship.Fire(ctx, mem, Walt, o, shipInput); err != nil {
					b.Fatal(err)
				}
			}
			checkObserved(b, obs, n, observed, o.Tracking)
		}
	}
	b.Run("statecraft", statecraft(ObservedOrders, true))
	b.Run("statecraft-transition-after", statecraft(HookedOrders, true))
	b.Run("statecraft-unobserved", statecraft(Orders, false))
	b.Run("looplab", func(b *testing.B) {
		obs := &Observer{}
		o := NewLooplabOrder(1, amount, StApproved, obs)
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			n++
			o.FSM.SetState(StApproved)
			o.Tracking = ""
			if err := o.FSM.Event(ctx, EvShip, Walt, shipInput); err != nil {
				b.Fatal(err)
			}
		}
		checkObserved(b, obs, n, true, o.Tracking)
	})
	b.Run("stateless", func(b *testing.B) {
		obs := &Observer{}
		o := NewStatelessOrder(1, amount, StApproved, obs)
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			n++
			o.State, o.Tracking = StApproved, ""
			if err := o.Ship(ctx, Walt, shipInput); err != nil {
				b.Fatal(err)
			}
		}
		checkObserved(b, obs, n, true, o.Tracking)
	})
	b.Run("switch-samework", func(b *testing.B) {
		obs := &Observer{}
		o := &SameWorkOrder{SwitchOrder: SwitchOrder{ID: 1, Amount: amount}, Observe: ObserveWith(obs)}
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			n++
			o.Status, o.Tracking = SApproved, ""
			if _, err := o.Fire(SShip, Walt, shipInput); err != nil {
				b.Fatal(err)
			}
		}
		checkObserved(b, obs, n, true, o.Tracking)
	})
	b.Run("switch-mutex", func(b *testing.B) {
		o := &MutexOrder{SwitchOrder: SwitchOrder{ID: 1, Amount: amount}}
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			n++
			o.Status, o.Tracking = SApproved, ""
			if err := o.Fire(SShip, Walt, shipInput); err != nil {
				b.Fatal(err)
			}
		}
		checkObserved(b, &Observer{}, n, false, o.Tracking)
	})
}

// checkObserved checks, after a benchmark that fired ship n times, that
// obs saw every event if observed, and that the order kept the tracking
// number.
func checkObserved(b *testing.B, obs *Observer, n int, observed bool, tracking string) {
	b.Helper()
	if want := map[bool]int{true: n, false: 0}[observed]; obs.N != want {
		b.Fatalf("observed %d events of %d, want %d", obs.N, n, want)
	}
	if tracking != shipInput.Tracking {
		b.Fatalf("the order keeps tracking number %q, want %q", tracking, shipInput.Tracking)
	}
}

// BenchmarkFireJSONEmpty has Mia approve a submitted order by the
// transition's name, with the empty JSON body {} of a request that needs
// no input: what a handler of POST /orders/1/transitions/approve does.
// statecraft-registry finds the transition by name (Registry.Fire);
// statecraft is given it (Transition.FireJSON). Both decode strictly
// (unknown fields are errors); the others decode with json.Unmarshal.
func BenchmarkFireJSONEmpty(b *testing.B) { benchFireJSON(b, EvApprove, Mia, emptyBody) }

// BenchmarkFireJSON has Walt ship an approved order by the transition's
// name, with a tracking number in the JSON body.
func BenchmarkFireJSON(b *testing.B) { benchFireJSON(b, EvShip, Walt, shipBody) }

func benchFireJSON(b *testing.B, name string, u User, body []byte) {
	ctx := context.Background()
	from, sfrom := Submitted, SSubmitted
	if name == EvShip {
		from, sfrom = Approved, SApproved
	}
	b.Run("statecraft-registry", func(b *testing.B) {
		o := &Order{ID: 1, Amount: amount}
		b.ReportAllocs()
		for b.Loop() {
			o.Status = from
			if _, err := Orders.Registry.Fire(ctx, unobserved, u, o, name, body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("statecraft", func(b *testing.B) {
		o := &Order{ID: 1, Amount: amount}
		fire := Orders.Approve.FireJSON
		if name == EvShip {
			fire = Orders.Ship.FireJSON
		}
		b.ReportAllocs()
		for b.Loop() {
			o.Status = from
			if _, err := fire(ctx, unobserved, u, o, body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("looplab", func(b *testing.B) {
		o := NewLooplabOrder(1, amount, from.Name(), nil)
		b.ReportAllocs()
		for b.Loop() {
			o.FSM.SetState(from.Name())
			var err error
			if name == EvShip {
				var in ShipInput
				if err = json.Unmarshal(body, &in); err == nil {
					err = o.FSM.Event(ctx, name, u, in)
				}
			} else {
				var none struct{}
				if err = json.Unmarshal(body, &none); err == nil {
					err = o.FSM.Event(ctx, name, u)
				}
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stateless", func(b *testing.B) {
		o := NewStatelessOrder(1, amount, from.Name(), nil)
		b.ReportAllocs()
		for b.Loop() {
			o.State = from.Name()
			var err error
			if name == EvShip {
				var in ShipInput
				if err = json.Unmarshal(body, &in); err == nil {
					err = o.Ship(ctx, u, in)
				}
			} else {
				var none struct{}
				if err = json.Unmarshal(body, &none); err == nil {
					err = o.SM.FireCtx(ctx, name, u)
				}
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("switch", func(b *testing.B) {
		o := &SwitchOrder{ID: 1, Amount: amount}
		b.ReportAllocs()
		for b.Loop() {
			o.Status = sfrom
			if err := o.FireJSON(name, u, body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("switch-mutex", func(b *testing.B) {
		o := &MutexOrder{SwitchOrder: SwitchOrder{ID: 1, Amount: amount}}
		b.ReportAllocs()
		for b.Loop() {
			o.Status = sfrom
			if err := o.FireJSON(name, u, body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// testedOrders are the orders the membership benchmarks test in turn:
// each a state and an amount.
var testedOrders = []struct {
	state  string
	amount int64
}{{StDraft, 2000}, {StSubmitted, 2000}, {StSubmitted, 500}, {StApproved, 2000}}

// BenchmarkGroup asks whether an order is open (draft or submitted), of
// four orders in turn. statecraft tests the state against the group
// (Group.Contains), statecraft-in the order against the membership
// condition (Manager.In, Membership.Match); stateless asks whether the
// order is in the superstate open; looplab has no groups.
func BenchmarkGroup(b *testing.B) {
	benchTest(b, 3,
		func(o *Order, _ time.Time) bool { return Open.Contains(o.Status) },
		func(o *Order, now time.Time) bool { return InOpen.Match(o, now) },
		func(o *LooplabOrder) bool { s := o.FSM.Current(); return s == StDraft || s == StSubmitted },
		func(o *StatelessOrder) bool { ok, err := o.SM.IsInState(StOpen); return ok && err == nil },
		(*SwitchOrder).InOpen)
}

// BenchmarkConditional asks whether an order is large (submitted, for more
// than LargeAmount), of four orders in turn.
func BenchmarkConditional(b *testing.B) {
	benchTest(b, 1,
		func(o *Order, now time.Time) bool { return Large.Match(o, now) },
		nil,
		func(o *LooplabOrder) bool { return o.FSM.Current() == StSubmitted && o.Amount > LargeAmount },
		func(o *StatelessOrder) bool {
			ok, err := o.SM.IsInState(StSubmitted)
			return ok && err == nil && o.Amount > LargeAmount
		},
		(*SwitchOrder).IsLarge)
}

// benchTest runs a test of an order on each implementation, over
// testedOrders in turn, and checks that want of them pass. in, if not nil,
// is statecraft's other way to test.
func benchTest(b *testing.B, want int, sc, in func(*Order, time.Time) bool, ll func(*LooplabOrder) bool, sl func(*StatelessOrder) bool, sw func(*SwitchOrder) bool) {
	var (
		scs []*Order
		lls []*LooplabOrder
		sls []*StatelessOrder
		sws []*SwitchOrder
	)
	for i, t := range testedOrders {
		s, _ := OrderState.Parse(t.state)
		scs = append(scs, &Order{ID: int64(i), Amount: t.amount, Status: s})
		lls = append(lls, NewLooplabOrder(int64(i), t.amount, t.state, nil))
		sls = append(sls, NewStatelessOrder(int64(i), t.amount, t.state, nil))
		sws = append(sws, &SwitchOrder{ID: int64(i), Amount: t.amount, Status: SwitchStatusOf(t.state)})
	}
	now := time.Now()
	run := func(name string, test func(i int) bool) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			n, passed := 0, 0
			for i := 0; b.Loop(); i++ {
				if sinkBool = test(i & 3); sinkBool {
					passed++
				}
				n++
			}
			if n%4 == 0 && passed != n/4*want {
				b.Fatalf("%d of %d passed, want %d", passed, n, n/4*want)
			}
		})
	}
	run("statecraft", func(i int) bool { return sc(scs[i], now) })
	if in != nil {
		run("statecraft-in", func(i int) bool { return in(scs[i], now) })
	}
	run("looplab", func(i int) bool { return ll(lls[i]) })
	run("stateless", func(i int) bool { return sl(sls[i]) })
	run("switch", func(i int) bool { return sw(sws[i]) })
}

// BenchmarkFireParallel is BenchmarkFire on many goroutines, each
// approving an order of its own.
func BenchmarkFireParallel(b *testing.B) {
	ctx := context.Background()
	b.Run("statecraft", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			o := &Order{ID: 1, Amount: amount}
			for pb.Next() {
				o.Status = Submitted
				if err := Orders.Approve.Fire(ctx, unobserved, Mia, o, transition.NoInput{}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("looplab", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			o := NewLooplabOrder(1, amount, StSubmitted, nil)
			for pb.Next() {
				o.FSM.SetState(StSubmitted)
				if err := o.FSM.Event(ctx, EvApprove, Mia); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("stateless", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			o := NewStatelessOrder(1, amount, StSubmitted, nil)
			for pb.Next() {
				o.State = StSubmitted
				if err := o.SM.FireCtx(ctx, EvApprove, Mia); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("switch", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			o := &SwitchOrder{ID: 1, Amount: amount}
			for pb.Next() {
				o.Status = SSubmitted
				if err := o.Fire(SApprove, Mia, ShipInput{}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("switch-mutex", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			o := &MutexOrder{SwitchOrder: SwitchOrder{ID: 1, Amount: amount}}
			for pb.Next() {
				o.Status = SSubmitted
				if err := o.Fire(SApprove, Mia, ShipInput{}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkClockReads counts how often statecraft reads the clock, as the
// metric clock-reads/op: a Memory store's clock here counts its calls.
// Nothing in the workload's approve uses the time; the observer of ship
// does (it receives the step, which carries it).
func BenchmarkClockReads(b *testing.B) {
	ctx := context.Background()
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	run := func(name string, op func(mem *transition.MemoryStore[*Observer], o *Order) error) {
		b.Run(name, func(b *testing.B) {
			reads := 0
			mem := transition.Memory(&Observer{}, func() time.Time { reads++; return at })
			o := &Order{ID: 1, Amount: amount}
			b.ReportAllocs()
			for b.Loop() {
				if err := op(mem, o); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(reads)/float64(b.N), "clock-reads/op")
		})
	}
	run("can", func(mem *transition.MemoryStore[*Observer], o *Order) error {
		o.Status = Submitted
		if !Orders.Approve.Can(ctx, mem, Mia, o) {
			return transition.ErrForbidden
		}
		return nil
	})
	dst := make([]transition.Availability, 0, 8)
	run("available", func(mem *transition.MemoryStore[*Observer], o *Order) error {
		o.Status = Submitted
		var err error
		dst, err = Orders.AppendAvailable(ctx, dst[:0], mem, Carol, o)
		return err
	})
	run("fire", func(mem *transition.MemoryStore[*Observer], o *Order) error {
		o.Status = Submitted
		err := Orders.Approve.Fire(ctx, mem, Mia, o, transition.NoInput{})
		return err
	})
	run("fire-observed", func(mem *transition.MemoryStore[*Observer], o *Order) error {
		o.Status = Approved
		err := ObservedOrders.Ship.Fire(ctx, mem, Walt, o, shipInput)
		return err
	})
}
