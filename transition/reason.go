package transition

import (
	"fmt"
	"strings"
)

// A Reason says why one pre-validation check refused a transition. Reasons
// are data: a UI can show them next to a disabled button, and tests can
// compare them. A Reason refers to the declarations that produced it and
// is put into words only when its Message is read, so refusing allocates
// little.
type Reason struct {
	// Err is the kind of refusal: ErrWrongState, ErrForbidden, ErrUnmet,
	// or ErrInvalidInput for a cascaded step whose input fails validation.
	Err error
	// Check names the check that failed, as declared: "state" (or "state
	// of review" for another field the transition moves), the titles given
	// to Allow, a condition such as "review is Approved", or a related
	// condition such as "parent: status is Published".
	Check string
	// Object names the object the check concerns when it is not the one
	// the transition was asked of: a cascaded step's object, such as
	// "main.Task 12 (delete)". Empty otherwise.
	Object string

	msg message
}

// message is a Reason's words, kept as the parts they are made of.
type message struct {
	kind   msgKind
	text   string // msgText: the message; msgState: the field
	state  string // msgState: the field's state, "" for none
	needs  string // msgState: what it needs, such as "publish needs Draft"
	action string // msgForbidden: the transition's name
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
// "status is Withdrawn; publish needs Draft".
func (r Reason) Message() string {
	m := &r.msg
	switch m.kind {
	case msgState:
		if m.state == "" {
			return m.text + " holds no state; " + m.needs
		}
		return m.text + " is " + m.state + "; " + m.needs
	case msgForbidden:
		who := "the actor"
		if m.who != nil {
			who = m.who.actorName()
		}
		return who + " may not " + m.action + ": only " + m.only
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
	return fmt.Sprintf("transition.Reason{Err: %q, Check: %q, Object: %q, Message: %q}", errText(r.Err), r.Check, r.Object, r.Message())
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// A BlockedError reports that pre-validation refused a transition, with
// every reason, not only the first. For a causal chain, it lists the
// reasons of every blocked step; none of the chain ran. Its Object and
// Actor are put into words when they are read.
type BlockedError struct {
	Machine    string // such as "main.Project.status"
	Transition string
	State      string // the object's state when it was refused
	Reasons    []Reason

	src blockedSource
}

// blockedSource names the object and the actor of a BlockedError.
type blockedSource interface {
	namer
	objectName() string
}

// Object names the object refused, such as "main.Project 7".
func (e *BlockedError) Object() string {
	if e.src == nil {
		return ""
	}
	return e.src.objectName()
}

// Actor names the actor refused: by its String method, or its value for a
// string or number ID, or its type; "no actor" for a nil one.
func (e *BlockedError) Actor() string {
	if e.src == nil {
		return ""
	}
	return e.src.actorName()
}

// Error describes the problem in one line.
func (e *BlockedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "transition: %s %q of %s (%s) by %s is blocked: ", e.Machine, e.Transition, e.Object(), e.State, e.Actor())
	for i, r := range e.Reasons {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(r.String())
	}
	return b.String()
}

// Is reports whether target is ErrBlocked or the kind of one of the
// reasons.
func (e *BlockedError) Is(target error) bool {
	if target == ErrBlocked {
		return true
	}
	for _, r := range e.Reasons {
		if r.Err == target {
			return true
		}
	}
	return false
}

// blocked is a BlockedError with what it names and room for its first
// reasons, so that a refusal is one allocation.
type blocked[M any, T comparable, A, U, I any] struct {
	err    BlockedError
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
	b.err = BlockedError{Machine: t.m.name, Transition: t.name, State: t.m.mgr.Get(model).String(), src: b}
	b.err.Reasons = b.inline[:0]
	return b
}

// blockedError is the BlockedError of reasons, for a chain.
func (t *Transition[M, T, A, U, I]) blockedError(actor A, model *M, reasons []Reason) *BlockedError {
	b := t.newBlocked(actor, model)
	for _, r := range reasons {
		b.add(r)
	}
	return &b.err
}

// actorOf names an actor for the reasons of a chain.
type actorOf[A any] struct{ actor A }

func (a *actorOf[A]) actorName() string { return actorName(a.actor) }
