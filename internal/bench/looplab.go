package bench

import (
	"context"
	"errors"

	"github.com/looplab/fsm"
)

// The workload on github.com/looplab/fsm, as its README builds a machine:
// fsm.NewFSM with the events and a map of callbacks. An FSM holds its
// current state, so each order has its own. Its actor and input travel as
// the event's arguments (actor first, then ship's input). The guards run
// in before_<event> callbacks, which cancel the event; the observer is an
// after_event callback.
//
// looplab's Can and AvailableTransitions only know the states, not the
// guards, which run when the event fires: for the same answers as the
// others, LooplabOrder's Can and Available apply the guards themselves, as
// an application would.

// LooplabOrder is an order whose state is held by its FSM.
type LooplabOrder struct {
	ID       int64
	Amount   int64
	Tracking string
	FSM      *fsm.FSM
}

// looplabEvents is the workflow, shared by every order's FSM.
var looplabEvents = fsm.Events{
	{Name: EvSubmit, Src: []string{StDraft}, Dst: StSubmitted},
	{Name: EvApprove, Src: []string{StSubmitted}, Dst: StApproved},
	{Name: EvShip, Src: []string{StApproved}, Dst: StShipped},
	{Name: EvCancel, Src: []string{StDraft, StSubmitted}, Dst: StCancelled},
}

// NewLooplabOrder prepares an order in state, reporting to obs if it is not
// nil.
func NewLooplabOrder(id, amount int64, state string, obs *Observer) *LooplabOrder {
	o := &LooplabOrder{ID: id, Amount: amount}
	callbacks := fsm.Callbacks{
		"before_" + EvApprove: func(_ context.Context, e *fsm.Event) {
			if !MayApprove(e.Args[0].(User), o.Amount) {
				e.Cancel(ErrForbidden)
			}
		},
		"before_" + EvShip: func(_ context.Context, e *fsm.Event) {
			if !MayShip(e.Args[0].(User)) {
				e.Cancel(ErrForbidden)
			} else if err := e.Args[1].(ShipInput).Validate(); err != nil {
				e.Cancel(ErrInvalid)
			}
		},
		"after_" + EvShip: func(_ context.Context, e *fsm.Event) {
			o.Tracking = e.Args[1].(ShipInput).Tracking
		},
	}
	if obs != nil {
		callbacks["after_event"] = func(_ context.Context, e *fsm.Event) {
			obs.Observe(e.Event, e.Src, e.Dst)
		}
	}
	o.FSM = fsm.NewFSM(state, looplabEvents, callbacks)
	return o
}

// Fire fires the event called name, for TestSameAnswers.
func (o *LooplabOrder) Fire(ctx context.Context, u User, name string, in ShipInput) error {
	var err error
	if name == EvShip {
		err = o.FSM.Event(ctx, name, u, in)
	} else {
		err = o.FSM.Event(ctx, name, u)
	}
	var invalid fsm.InvalidEventError
	switch {
	case errors.As(err, &invalid):
		return ErrWrongState
	case errors.Is(err, ErrForbidden):
		return ErrForbidden
	case errors.Is(err, ErrInvalid):
		return ErrInvalid
	}
	return err
}

// Can reports whether the event called name may fire now: looplab's Can,
// which knows the states, and the guard, which it does not.
func (o *LooplabOrder) Can(u User, name string) bool {
	return o.FSM.Can(name) && o.guard(u, name)
}

// guard runs the event's guard, as its before_ callback does.
func (o *LooplabOrder) guard(u User, name string) bool {
	switch name {
	case EvApprove:
		return MayApprove(u, o.Amount)
	case EvShip:
		return MayShip(u)
	}
	return true
}

// Available lists the events that may fire now, in no particular order:
// looplab's AvailableTransitions, less those whose guard refuses.
func (o *LooplabOrder) Available(u User) []string {
	names := o.FSM.AvailableTransitions()
	kept := names[:0]
	for _, n := range names {
		if o.guard(u, n) {
			kept = append(kept, n)
		}
	}
	return kept
}
