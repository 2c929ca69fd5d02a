package bench

import (
	"context"
	"errors"
	"time"

	"github.com/statecraft/statecraft/registry"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// The workload on statecraft, declared as its README declares projects:
// the states of one field, bound to the model, and transitions on a
// machine whose actor is a User. The unit of work is the *Observer that
// observing machines report to (nil for none); the store is
// transition.Memory, on the wall clock.

// OrderStatus is the value the status column stores.
type OrderStatus string

// StateType lets an Order's zero Status field be scanned and decoded.
func (OrderStatus) StateType() *state.Type[OrderStatus] { return OrderState }

// The states of an order, its group "open" and its conditional state
// "large".
var (
	OrderState = state.NewType[OrderStatus]("OrderState")

	Draft     = OrderState.State(StDraft, "Draft")
	Submitted = OrderState.State(StSubmitted, "Submitted")
	Approved  = OrderState.State(StApproved, "Approved")
	Shipped   = OrderState.State(StShipped, "Shipped", state.Final())
	Cancelled = OrderState.State(StCancelled, "Cancelled", state.Final())

	Open = OrderState.Group(StOpen, "Open", Draft.Or(Submitted))
)

// Order is the model: its state sits on its own field.
type Order struct {
	ID       int64
	Amount   int64
	Status   state.State[OrderStatus]
	Tracking string
	Version  int64
}

// Status binds OrderState to Order.Status; InOpen and Large test an order.
var (
	Status = state.Bind(OrderState, "status", func(o *Order) *state.State[OrderStatus] { return &o.Status })
	InOpen = Status.In(Open)
	Large  = Status.Conditional("large", "Large", Submitted,
		func(o *Order, _ time.Time) bool { return o.Amount > LargeAmount })
)

// OrderMachine is one declaration of the workload's machine and its four
// transitions.
type OrderMachine struct {
	*transition.Machine[Order, OrderStatus, User, *Observer]
	Submit, Approve, Cancel *transition.Transition[Order, OrderStatus, User, *Observer, transition.NoInput]
	Ship                    *transition.Transition[Order, OrderStatus, User, *Observer, ShipInput]
	// Registry holds the machine alone, to fire its transitions by name.
	Registry *registry.Registry[User, *Observer]
}

// Observing says how a machine reports its events.
type Observing int

// The ways a machine reports its events.
const (
	// Unobserved machines report nothing.
	Unobserved Observing = iota
	// MachineAfter machines report every event through one Machine.After
	// hook, which receives each step as plain values: the documented way
	// to see every transition of a machine.
	MachineAfter
	// TransitionAfter machines report through an After hook on each
	// transition, which receives the *transition.Event.
	TransitionAfter
)

// The machines the benchmarks run: the same declaration, observed three
// ways.
var (
	Orders         = declareOrders(Unobserved)
	ObservedOrders = declareOrders(MachineAfter)
	HookedOrders   = declareOrders(TransitionAfter)
)

// OrderEvent is the event statecraft hands the hooks of an order's
// transitions.
type OrderEvent[I any] = transition.Event[Order, OrderStatus, User, I]

// declareOrders declares the machine, observed as obs says, and registers
// it.
func declareOrders(obs Observing) *OrderMachine {
	m := transition.For[User, *Observer](Status).Identify(func(o *Order) any { return o.ID })
	if obs == MachineAfter {
		m.After("observe", func(_ context.Context, u *Observer, _ *Order, s transition.Step) error {
			u.Observe(s.Transition, string(s.Moves[0].From.Value.(OrderStatus)), string(s.Moves[0].To.Value.(OrderStatus)))
			return nil
		})
	}
	om := &OrderMachine{
		Machine: m,
		Submit:  transition.New[transition.NoInput](m, EvSubmit, transition.From(Draft).To(Submitted)).AllowAnyone(),
		Approve: transition.New[transition.NoInput](m, EvApprove, transition.From(Submitted).To(Approved)).
			Allow("manager", func(_ context.Context, u User, o *Order) bool { return MayApprove(u, o.Amount) }),
		Ship: transition.New[ShipInput](m, EvShip, transition.From(Approved).To(Shipped)).
			Allow("warehouse", func(_ context.Context, u User, _ *Order) bool { return MayShip(u) }).
			Effect("keep the tracking number", func(_ context.Context, _ *Observer, e *OrderEvent[ShipInput]) error {
				e.Model.Tracking = e.Input.Tracking
				return nil
			}),
		Cancel: transition.New[transition.NoInput](m, EvCancel, transition.From(Draft, Submitted).To(Cancelled)).AllowAnyone(),
	}
	if obs == TransitionAfter {
		observeNoInput := func(_ context.Context, u *Observer, e *OrderEvent[transition.NoInput]) error {
			u.Observe(e.Name, string(e.From.Get()), string(e.To.Get()))
			return nil
		}
		om.Submit.After("observe", observeNoInput)
		om.Approve.After("observe", observeNoInput)
		om.Cancel.After("observe", observeNoInput)
		om.Ship.After("observe", func(_ context.Context, u *Observer, e *OrderEvent[ShipInput]) error {
			u.Observe(e.Name, string(e.From.Get()), string(e.To.Get()))
			return nil
		})
	}
	reg, err := registry.New[User, *Observer](nil, m)
	if err != nil {
		panic(err)
	}
	om.Registry = reg
	return om
}

// Fire fires the transition called name, for TestSameAnswers.
func (om *OrderMachine) Fire(ctx context.Context, mem transition.Store[*Observer], u User, o *Order, name string, in ShipInput) error {
	var err error
	switch name {
	case EvSubmit:
		err = om.Submit.Fire(ctx, mem, u, o, transition.NoInput{})
	case EvApprove:
		err = om.Approve.Fire(ctx, mem, u, o, transition.NoInput{})
	case EvShip:
		err = om.Ship.Fire(ctx, mem, u, o, in)
	case EvCancel:
		err = om.Cancel.Fire(ctx, mem, u, o, transition.NoInput{})
	default:
		return transition.ErrNotFound
	}
	return statecraftKind(err)
}

// Can reports whether the transition called name may fire, for
// TestSameAnswers.
func (om *OrderMachine) Can(ctx context.Context, sc transition.Scope[*Observer], u User, o *Order, name string) bool {
	switch name {
	case EvSubmit:
		return om.Submit.Can(ctx, sc, u, o)
	case EvApprove:
		return om.Approve.Can(ctx, sc, u, o)
	case EvShip:
		return om.Ship.Can(ctx, sc, u, o)
	case EvCancel:
		return om.Cancel.Can(ctx, sc, u, o)
	}
	return false
}

// Namer is one transition's name and its Can, for a names-only list of
// what may fire: statecraft offers no such list, so a caller builds it
// from Can.
type Namer struct {
	Name string
	Can  func(ctx context.Context, sc transition.Scope[*Observer], u User, o *Order) bool
}

// Namers returns the machine's transitions as Namers, in declaration
// order.
func (om *OrderMachine) Namers() []Namer {
	return []Namer{{EvSubmit, om.Submit.Can}, {EvApprove, om.Approve.Can}, {EvShip, om.Ship.Can}, {EvCancel, om.Cancel.Can}}
}

// AppendAvailableNames appends the names of the transitions that may fire
// to dst, by asking each Namer's Can.
func AppendAvailableNames(ctx context.Context, dst []string, ns []Namer, sc transition.Scope[*Observer], u User, o *Order) []string {
	for _, n := range ns {
		if n.Can(ctx, sc, u, o) {
			dst = append(dst, n.Name)
		}
	}
	return dst
}

// statecraftKind maps a refusal to the workload's kinds of refusal.
func statecraftKind(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, transition.ErrWrongState):
		return ErrWrongState
	case errors.Is(err, transition.ErrForbidden):
		return ErrForbidden
	case errors.Is(err, transition.ErrInvalidInput):
		return ErrInvalid
	}
	return err
}
