package bench

import (
	"encoding/json"
	"errors"
	"sync"
	"time"
)

// The hand-written baselines: what a team writes without a library.
//
//   - SwitchOrder: a bare switch on the event, the guards called directly,
//     no lock;
//   - MutexOrder: the same switch behind a sync.Mutex, as the peers lock
//     their machines;
//   - SameWorkOrder: the switch doing the work statecraft does on every
//     transition: the guard called through a function value, the clock
//     read, an event built on the heap and handed to an observer, and
//     returned. It takes no lock, as statecraft takes none.

// SwitchStatus is a hand-written order's state.
type SwitchStatus uint8

// The hand-written states.
const (
	SDraft SwitchStatus = iota + 1
	SSubmitted
	SApproved
	SShipped
	SCancelled
)

var switchStatusNames = [...]string{SDraft: StDraft, SSubmitted: StSubmitted, SApproved: StApproved, SShipped: StShipped, SCancelled: StCancelled}

// String returns the state's name.
func (s SwitchStatus) String() string { return switchStatusNames[s] }

// SwitchStatusOf returns the state called name, or 0.
func SwitchStatusOf(name string) SwitchStatus {
	for s, n := range switchStatusNames {
		if n == name && n != "" {
			return SwitchStatus(s)
		}
	}
	return 0
}

// SwitchEvent is a hand-written transition.
type SwitchEvent uint8

// The hand-written transitions.
const (
	SSubmit SwitchEvent = iota + 1
	SApprove
	SShip
	SCancel
)

var switchEventNames = [...]string{SSubmit: EvSubmit, SApprove: EvApprove, SShip: EvShip, SCancel: EvCancel}

// String returns the transition's name.
func (e SwitchEvent) String() string { return switchEventNames[e] }

// SwitchEventOf returns the transition called name, or 0.
func SwitchEventOf(name string) SwitchEvent {
	switch name {
	case EvSubmit:
		return SSubmit
	case EvApprove:
		return SApprove
	case EvShip:
		return SShip
	case EvCancel:
		return SCancel
	}
	return 0
}

var errUnknownEvent = errors.New("no such transition")

// SwitchOrder is a hand-written order.
type SwitchOrder struct {
	ID       int64
	Amount   int64
	Status   SwitchStatus
	Tracking string
}

// Fire fires ev for u, with in for ship.
func (o *SwitchOrder) Fire(ev SwitchEvent, u User, in ShipInput) error {
	switch ev {
	case SSubmit:
		if o.Status != SDraft {
			return ErrWrongState
		}
		o.Status = SSubmitted
	case SApprove:
		if o.Status != SSubmitted {
			return ErrWrongState
		}
		if !MayApprove(u, o.Amount) {
			return ErrForbidden
		}
		o.Status = SApproved
	case SShip:
		if o.Status != SApproved {
			return ErrWrongState
		}
		if !MayShip(u) {
			return ErrForbidden
		}
		if in.Validate() != nil {
			return ErrInvalid
		}
		o.Status = SShipped
		o.Tracking = in.Tracking
	case SCancel:
		if o.Status != SDraft && o.Status != SSubmitted {
			return ErrWrongState
		}
		o.Status = SCancelled
	default:
		return errUnknownEvent
	}
	return nil
}

// Can reports whether ev may fire for u now.
func (o *SwitchOrder) Can(ev SwitchEvent, u User) bool {
	switch ev {
	case SSubmit:
		return o.Status == SDraft
	case SApprove:
		return o.Status == SSubmitted && MayApprove(u, o.Amount)
	case SShip:
		return o.Status == SApproved && MayShip(u)
	case SCancel:
		return o.Status == SDraft || o.Status == SSubmitted
	}
	return false
}

// AppendAvailable appends the names of the transitions that may fire for
// u now to dst.
func (o *SwitchOrder) AppendAvailable(dst []string, u User) []string {
	for ev := SSubmit; ev <= SCancel; ev++ {
		if o.Can(ev, u) {
			dst = append(dst, ev.String())
		}
	}
	return dst
}

// InOpen reports whether the order is draft or submitted.
func (o *SwitchOrder) InOpen() bool { return o.Status == SDraft || o.Status == SSubmitted }

// IsLarge reports whether the order is submitted for more than
// LargeAmount.
func (o *SwitchOrder) IsLarge() bool { return o.Status == SSubmitted && o.Amount > LargeAmount }

// decodeInput decodes body, an HTTP request's, into ev's input with
// encoding/json.
func decodeInput(ev SwitchEvent, body []byte) (ShipInput, error) {
	var in ShipInput
	if ev == SShip {
		return in, json.Unmarshal(body, &in)
	}
	var none struct{}
	return in, json.Unmarshal(body, &none)
}

// FireJSON fires the transition called name for u, with its input decoded
// from body.
func (o *SwitchOrder) FireJSON(name string, u User, body []byte) error {
	ev := SwitchEventOf(name)
	in, err := decodeInput(ev, body)
	if err != nil {
		return ErrInvalid
	}
	return o.Fire(ev, u, in)
}

// MutexOrder is a hand-written order behind a mutex.
type MutexOrder struct {
	mu sync.Mutex
	SwitchOrder
}

// Fire fires ev for u, with in for ship, holding the lock.
func (o *MutexOrder) Fire(ev SwitchEvent, u User, in ShipInput) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.SwitchOrder.Fire(ev, u, in)
}

// Can reports whether ev may fire for u now, holding the lock.
func (o *MutexOrder) Can(ev SwitchEvent, u User) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.SwitchOrder.Can(ev, u)
}

// AppendAvailable appends the names of the transitions that may fire for
// u now to dst, holding the lock.
func (o *MutexOrder) AppendAvailable(dst []string, u User) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.SwitchOrder.AppendAvailable(dst, u)
}

// FireJSON fires the transition called name for u, with its input decoded
// from body, holding the lock while it fires.
func (o *MutexOrder) FireJSON(name string, u User, body []byte) error {
	ev := SwitchEventOf(name)
	in, err := decodeInput(ev, body)
	if err != nil {
		return ErrInvalid
	}
	return o.Fire(ev, u, in)
}

// SameWorkOrder is a hand-written order doing what statecraft does.
type SameWorkOrder struct {
	SwitchOrder
	// Observe, if set, receives every event.
	Observe func(e *SwitchTransition)
}

// SwitchTransition is the event SameWorkOrder builds.
type SwitchTransition struct {
	Name     string
	Order    *SwitchOrder
	From, To SwitchStatus
	Actor    User
	Input    ShipInput
	At       time.Time
}

// sameWorkGuards are the guards, called through function values as
// statecraft calls its Allow functions.
var sameWorkGuards = [SCancel + 1]func(u User, o *SwitchOrder) bool{
	SApprove: func(u User, o *SwitchOrder) bool { return MayApprove(u, o.Amount) },
	SShip:    func(u User, _ *SwitchOrder) bool { return MayShip(u) },
}

// Fire fires ev for u, with in for ship, and returns its event.
func (o *SameWorkOrder) Fire(ev SwitchEvent, u User, in ShipInput) (*SwitchTransition, error) {
	from := o.Status
	var to SwitchStatus
	switch ev {
	case SSubmit:
		if from != SDraft {
			return nil, ErrWrongState
		}
		to = SSubmitted
	case SApprove:
		if from != SSubmitted {
			return nil, ErrWrongState
		}
		to = SApproved
	case SShip:
		if from != SApproved {
			return nil, ErrWrongState
		}
		to = SShipped
	case SCancel:
		if from != SDraft && from != SSubmitted {
			return nil, ErrWrongState
		}
		to = SCancelled
	default:
		return nil, errUnknownEvent
	}
	if g := sameWorkGuards[ev]; g != nil && !g(u, &o.SwitchOrder) {
		return nil, ErrForbidden
	}
	if ev == SShip && in.Validate() != nil {
		return nil, ErrInvalid
	}
	e := &SwitchTransition{Name: ev.String(), Order: &o.SwitchOrder, From: from, To: to, Actor: u, Input: in, At: time.Now()}
	if ev == SShip {
		o.Tracking = in.Tracking
	}
	o.Status = to
	if o.Observe != nil {
		o.Observe(e)
	}
	return e, nil
}

// ObserveWith returns the function for SameWorkOrder.Observe that reports
// to obs.
func ObserveWith(obs *Observer) func(e *SwitchTransition) {
	return func(e *SwitchTransition) { obs.Observe(e.Name, e.From.String(), e.To.String()) }
}
