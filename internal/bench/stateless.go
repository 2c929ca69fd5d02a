package bench

import (
	"context"
	"reflect"

	"github.com/qmuntal/stateless"
)

// The workload on github.com/qmuntal/stateless, as its README builds a
// machine: a StateMachine configured state by state with Permit and
// guards, in the recommended queued firing mode. The state is stored on
// the order (the README's external storage), so each order has its own
// StateMachine reading and writing its field. Every trigger takes the
// actor, and ship its input too, as typed parameters (SetTriggerParameters);
// the guards read them. The observer is an OnTransitioned callback; "open"
// is a superstate of draft and submitted, so IsInState answers the group.
//
// A refused trigger is reported by OnUnhandledTrigger: as refused by a
// guard when it names unmet guards, as the wrong state otherwise. Ship
// validates its input before the trigger fires (stateless does not roll
// back the state when an entry action fails), so it reports an invalid
// input before any refusal: TestSameAnswers never gives an invalid input
// to a ship that is refused anyway.

// StatelessOrder is an order whose state is kept on its own field by its
// StateMachine.
type StatelessOrder struct {
	ID       int64
	Amount   int64
	State    string
	Tracking string
	SM       *stateless.StateMachine
}

var (
	userType      = reflect.TypeFor[User]()
	shipInputType = reflect.TypeFor[ShipInput]()
)

// NewStatelessOrder prepares an order in state, reporting to obs if it is
// not nil.
func NewStatelessOrder(id, amount int64, state string, obs *Observer) *StatelessOrder {
	o := &StatelessOrder{ID: id, Amount: amount, State: state}
	sm := stateless.NewStateMachineWithExternalStorage(
		func(context.Context) (stateless.State, error) { return o.State, nil },
		func(_ context.Context, s stateless.State) error { o.State = s.(string); return nil },
		stateless.FiringQueued)
	sm.SetTriggerParameters(EvSubmit, userType)
	sm.SetTriggerParameters(EvApprove, userType)
	sm.SetTriggerParameters(EvShip, userType, shipInputType)
	sm.SetTriggerParameters(EvCancel, userType)
	sm.Configure(StOpen)
	sm.Configure(StDraft).SubstateOf(StOpen).
		Permit(EvSubmit, StSubmitted).
		Permit(EvCancel, StCancelled)
	sm.Configure(StSubmitted).SubstateOf(StOpen).
		Permit(EvApprove, StApproved, func(_ context.Context, args ...any) bool {
			return MayApprove(args[0].(User), o.Amount)
		}).
		Permit(EvCancel, StCancelled)
	sm.Configure(StApproved).
		Permit(EvShip, StShipped, func(_ context.Context, args ...any) bool {
			return MayShip(args[0].(User))
		})
	sm.Configure(StShipped).
		OnEntryFrom(EvShip, func(_ context.Context, args ...any) error {
			o.Tracking = args[1].(ShipInput).Tracking
			return nil
		})
	sm.Configure(StCancelled)
	sm.OnUnhandledTrigger(func(_ context.Context, _ stateless.State, _ stateless.Trigger, unmet []string) error {
		if len(unmet) > 0 {
			return ErrForbidden
		}
		return ErrWrongState
	})
	if obs != nil {
		sm.OnTransitioned(func(_ context.Context, t stateless.Transition) {
			obs.Observe(t.Trigger.(string), t.Source.(string), t.Destination.(string))
		})
	}
	o.SM = sm
	return o
}

// Ship validates the input, then fires ship.
func (o *StatelessOrder) Ship(ctx context.Context, u User, in ShipInput) error {
	if in.Validate() != nil {
		return ErrInvalid
	}
	return o.SM.FireCtx(ctx, EvShip, u, in)
}

// Fire fires the trigger called name, for TestSameAnswers.
func (o *StatelessOrder) Fire(ctx context.Context, u User, name string, in ShipInput) error {
	if name == EvShip {
		return o.Ship(ctx, u, in)
	}
	return o.SM.FireCtx(ctx, name, u)
}

// Can reports whether the trigger called name may fire now.
func (o *StatelessOrder) Can(u User, name string) bool {
	ok, err := o.SM.CanFire(name, u)
	return ok && err == nil
}

// Available lists the triggers that may fire now.
func (o *StatelessOrder) Available(u User) []string {
	ts, err := o.SM.PermittedTriggers(u)
	if err != nil {
		return nil
	}
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.(string)
	}
	return names
}
