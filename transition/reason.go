package transition

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/statecraft/statecraft/state"
)

// A Reason says why one pre-validation check refused a transition. Reasons
// are data: a UI can show them next to a disabled button, a program can
// tell them apart by Code or by the declaration that produced them (see
// Of), and tests can compare them. A Reason is put into words only when
// its Message is read, so refusing allocates little.
type Reason struct {
	// Code identifies the check that failed, for programs and APIs: its
	// kind, a dot, and the name of what was declared, such as
	// "wrong_state.status", "forbidden.owner", "unmet.future",
	// "related.parent" or "invalid_input.delete". Codes derive from names
	// (columns, state values, the names of groups, conditionals, Allow
	// rules, relations and transitions), never from titles, so retitling
	// changes no code. The kinds are:
	//
	//	wrong_state.<column>      a state rule: the field is in no source state
	//	forbidden.<allow names>   no Allow rule lets the actor run it ("_or_" between names)
	//	forbidden.no_actor        the actor is nil
	//	forbidden.no_one          the transition declares no Allow
	//	unmet.<condition name>    a condition given to When does not hold
	//	related.<relation name>   a condition given to WhenRelated does not hold
	//	invalid_input.<name>      a cascaded step's input fails validation
	Code string
	// Err is the kind of refusal: ErrWrongState, ErrForbidden, ErrUnmet,
	// or ErrInvalidInput for a cascaded step whose input fails validation.
	Err error
	// Object names the object the check concerns when it is not the one
	// the transition was asked of: a cascaded step's object, such as
	// "main.Task 12 (delete)". Empty otherwise.
	Object string

	decl any // the declaration that produced it (see Of)
	msg  message
}

// Of reports whether the reason was produced by decl, as it was declared:
//   - a state rule by the field's *state.Manager;
//   - a permission by a name given to Allow;
//   - a condition by the state.Condition given to When (such as a
//     *state.Conditional, or what Manager.In returned);
//   - a related condition by the RelatedCondition given to WhenRelated;
//   - a cascaded step's invalid input by its *Transition.
func (r Reason) Of(decl any) (of bool) {
	if name, ok := decl.(string); ok && r.Err == ErrForbidden {
		if l, ok := r.decl.(interface{ allows(string) bool }); ok {
			return l.allows(name)
		}
		return false
	}
	defer func() {
		if recover() != nil { // decl cannot be compared
			of = false
		}
	}()
	return r.decl != nil && r.decl == decl
}

// MarshalJSON writes the reason as {"code", "message", "object"}, the
// object only when it is set.
func (r Reason) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Object  string `json:"object,omitempty"`
	}{r.Code, r.Message(), r.Object})
}

// message is a Reason's words, kept as the parts they are made of.
type message struct {
	kind   msgKind
	text   string // msgText: the message; msgState: the field
	state  string // msgState: the field's state, "" for none
	needs  string // msgState: what it needs, such as "publish needs Draft"
	action string // msgForbidden: the transition's title
	only   string // msgForbidden: who may run it
	who    namer  // msgForbidden: names the actor
}

type msgKind uint8

const (
	msgText      msgKind = iota // text as it is
	msgState                    // "status is Draft; publish needs Published"
	msgForbidden                // "bob may not publish: only the owner"
)

// namer names an actor, when a message is read.
type namer interface{ actorName() string }

// Message explains the refusal in words, such as
// "status is Withdrawn; publish needs Draft". A refusal of the actor names
// the actor in an error ("bob may not Publish: only owner"), not in an
// Availability, which is the actor's own ("only owner may Publish").
func (r Reason) Message() string {
	m := &r.msg
	switch m.kind {
	case msgState:
		if m.state == "" {
			return m.text + " holds no state; " + m.needs
		}
		return m.text + " is " + m.state + "; " + m.needs
	case msgForbidden:
		if m.who == nil { // a reason of an Availability, for the actor who asked
			return "only " + m.only + " may " + m.action
		}
		return m.who.actorName() + " may not " + m.action + ": only " + m.only
	}
	return m.text
}

// String returns the reason as a message, prefixed with its object if it
// has one.
func (r Reason) String() string {
	if r.Object != "" {
		return r.Object + ": " + r.Message()
	}
	return r.Message()
}

// GoString shows the reason with its message, for test failures.
func (r Reason) GoString() string {
	return fmt.Sprintf("transition.Reason{Code: %q, Err: %q, Object: %q, Message: %q}", r.Code, errText(r.Err), r.Object, r.Message())
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// reasonCache keeps the lists of reasons a transition's availabilities
// have given, so that listing availability allocates none once a list
// was seen. An availability's reasons name no actor and no object, so for
// a transition whose reasons depend on nothing else (see cacheable) a list
// is fixed by the model's state and the checks that failed, and there are
// few. Lists are shared, read-only.
type reasonCache[T comparable] struct {
	lists atomic.Pointer[[]reasonList[T]] // copied on write
	mu    sync.Mutex                      // held while adding a list
}

// reasonList is the list of reasons of a model in state cur when the
// checks whose bits failed has set failed (see checkState).
type reasonList[T comparable] struct {
	cur     state.State[T]
	failed  uint64
	reasons []Reason
}

// maxReasonLists bounds the lists a transition keeps.
const maxReasonLists = 256

// of returns the list kept for state cur and the checks failed, making
// and keeping it with build if there is none.
func (c *reasonCache[T]) of(cur state.State[T], failed uint64, build func() []Reason) []Reason {
	if p := c.lists.Load(); p != nil {
		if l := findReasons(*p, cur, failed); l != nil {
			return l
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var lists []reasonList[T]
	if p := c.lists.Load(); p != nil {
		if l := findReasons(*p, cur, failed); l != nil {
			return l
		}
		lists = *p
	}
	l := slices.Clip(build())
	if len(lists) < maxReasonLists {
		lists = append(slices.Clip(lists), reasonList[T]{cur: cur, failed: failed, reasons: l})
		c.lists.Store(&lists)
	}
	return l
}

func findReasons[T comparable](lists []reasonList[T], cur state.State[T], failed uint64) []Reason {
	for i := range lists {
		if l := &lists[i]; l.cur == cur && l.failed == failed {
			return l.reasons
		}
	}
	return nil
}

// blocked is a blocked *Error with what it names and room for its first
// reasons, so that a refusal is one allocation.
type blocked[M any, T comparable, A, U, I any] struct {
	err    Error
	t      *Transition[M, T, A, U, I]
	actor  A
	model  *M
	inline [4]Reason
}

func (b *blocked[M, T, A, U, I]) actorName() string  { return actorName(b.actor) }
func (b *blocked[M, T, A, U, I]) objectName() string { return b.t.m.object(b.model) }

// add appends r, naming the actor in its message.
func (b *blocked[M, T, A, U, I]) add(r Reason) {
	if r.msg.kind == msgForbidden && r.msg.who == nil {
		r.msg.who = b
	}
	b.err.Reasons = append(b.err.Reasons, r)
}

func (t *Transition[M, T, A, U, I]) newBlocked(actor A, model *M) *blocked[M, T, A, U, I] {
	b := &blocked[M, T, A, U, I]{t: t, actor: actor, model: model}
	b.err = Error{Machine: t.m.name, Transition: t.name, State: t.m.ref(t.m.mgr.Get(model)), kind: ErrBlocked, src: b}
	b.err.Reasons = b.inline[:0]
	return b
}

// blockedError is the blocked *Error of reasons, for a chain.
func (t *Transition[M, T, A, U, I]) blockedError(actor A, model *M, reasons []Reason) *Error {
	b := t.newBlocked(actor, model)
	for _, r := range reasons {
		b.add(r)
	}
	return &b.err
}
