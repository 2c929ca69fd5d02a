package transition

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/statecraft/statecraft/state"
)

// Fire runs the transition on model for actor with input in, in a unit of
// work of store s: it begins the unit of work, plans (every check and
// validation of the transition and of its whole causal chain, with
// related models loaded through the unit of work), applies the plan (see
// Store for the order of the stages), commits, and runs the after-commit
// hooks. It returns nil once the transition is committed, or when a hook
// or effect stopped it with Abort (nothing changed); FireEvent is Fire
// returning the event, which says which.
//
// If anything refuses or fails, the unit of work is rolled back, model
// and every object of the chain are left exactly as they were, and the
// error says why: an *Error matching ErrBlocked (and ErrWrongState,
// ErrForbidden or ErrUnmet, by its reasons), ErrInvalidInput, ErrStep for
// user code that failed or panicked, ErrCanceled for a hook that called
// Cancel, or ErrCommit when the outcome is unknown; an error wrapping
// ErrConflict for a concurrent writer; ErrCycle; or the context's error.
// Once committed, the transition is done: an after-commit hook that fails
// is reported by an *Error matching ErrAfterCommit.
//
// In a Memory store, firing a transition that has no hooks, effects,
// causal chain, other fields to move or Table allocates nothing, and
// reads the clock only if a check tests a time (a conditional state or
// a When condition). Otherwise the event is built, once, for the hooks
// to receive.
func (t *Transition[M, T, A, U, I]) Fire(ctx context.Context, s Store[U], actor A, model *M, in I) error {
	t.m.use()
	if model == nil {
		return t.nilModel()
	}
	if mem, ok := s.(*MemoryStore[U]); ok && t.inMemory {
		_, err := t.fireMemory(ctx, mem, actor, model, in, false)
		return err
	}
	_, err := t.fire(ctx, s, actor, model, in, "")
	return err
}

// FireEvent is Fire returning the event of the transition asked for: when
// it ran, what it moved, the input as validated, and whether a hook
// aborted it (Aborted, with its Result) or the store replayed an earlier
// request with the same idempotency key (Replayed). It returns the event
// with an error matching ErrAfterCommit too, since the transition was
// committed; on any other error the event is nil.
func (t *Transition[M, T, A, U, I]) FireEvent(ctx context.Context, s Store[U], actor A, model *M, in I) (*Event[M, T, A, I], error) {
	t.m.use()
	if model == nil {
		return nil, t.nilModel()
	}
	if mem, ok := s.(*MemoryStore[U]); ok && t.inMemory {
		return t.fireMemory(ctx, mem, actor, model, in, true)
	}
	return t.fire(ctx, s, actor, model, in, "")
}

// fireMemory is Fire in a Memory store, for a transition of one step
// that moves one field of a model without a Table (see inMemory): there
// is no unit of work to begin, lock or commit and no history, so it runs
// the stages itself rather than plan. Without hooks or effects (see bare)
// nothing needs the event: it builds one only when keep is set, and reads
// the clock only for a check that tests a time or for that event.
func (t *Transition[M, T, A, U, I]) fireMemory(ctx context.Context, s *MemoryStore[U], actor A, model *M, in I, keep bool) (*Event[M, T, A, I], error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var now time.Time
	if t.checksTime() || !t.bare || keep {
		now = s.Now()
	}
	from := t.m.mgr.Get(model)
	r, err := t.prevalidate(ctx, s.unit, now, actor, model, from)
	if err != nil {
		return nil, err
	}
	f, err := t.fireChecked(ctx, s.unit, actor, model, in, from, r, now, keep)
	if err != nil && !errors.Is(err, ErrAfterCommit) {
		return nil, err
	}
	return f.ev, err
}

// fired is what fireChecked did.
type fired[M any, T comparable, A, I any] struct {
	ev      *Event[M, T, A, I] // nil for a bare transition unless kept
	input   I                  // the input as validated
	to      state.State[T]     // the target, as planned
	version int64              // the model's version before
}

// fireChecked is fireMemory once the checks passed (r is the rule that
// applies; now the time, if it was read).
func (t *Transition[M, T, A, U, I]) fireChecked(ctx context.Context, u U, actor A, model *M, in I, from state.State[T], r *Rule[T], now time.Time, keep bool) (fired[M, T, A, I], error) {
	if !t.bare {
		return t.fireHooked(ctx, u, actor, model, in, from, r, now)
	}
	var f fired[M, T, A, I]
	if t.validates() {
		v := new(I) // only a validated input is moved to the heap
		*v = in
		if err := t.validate(ctx, u, actor, model, v); err != nil {
			return f, err
		}
		in = *v
	}
	f.input = in
	to, err := t.targetOf(ctx, r, actor, model, from, in)
	if err != nil {
		return f, err
	}
	if err := ctx.Err(); err != nil { // a check or validation outlasted it
		return f, err
	}
	if err := t.m.mgr.Set(model, to); err != nil {
		return f, t.stepError(actor, model, "set state", err)
	}
	f.to = to
	if t.m.version != nil {
		v := t.m.version(model)
		f.version = *v
		*v = f.version + 1
	}
	if keep {
		f.ev = &Event[M, T, A, I]{Name: t.name, Model: model, From: from, To: to, Actor: actor, Input: in, At: now, Created: t.creates, m: t.m}
	}
	return f, nil
}

// eventBox is an event with room for the move of the Step a machine's
// After hooks receive: what fireHooked allocates for a machine with such
// hooks (the event alone otherwise).
type eventBox[M any, T comparable, A, I any] struct {
	ev    Event[M, T, A, I]
	moves [1]Move
}

// fireHooked is fireMemory for a transition with hooks or effects, from
// its checks on (they passed: r is the rule that applies): it runs the
// stages of Store's order on the event, and restores model if they fail.
func (t *Transition[M, T, A, U, I]) fireHooked(ctx context.Context, u U, actor A, model *M, in I, from state.State[T], r *Rule[T], now time.Time) (fired[M, T, A, I], error) {
	var f fired[M, T, A, I]
	var ev *Event[M, T, A, I]
	var moves []Move // room for the Step's move, when a machine's After hook receives one
	if len(t.m.after) > 0 {
		box := new(eventBox[M, T, A, I])
		ev, moves = &box.ev, box.moves[:0:1]
	} else {
		ev = new(Event[M, T, A, I])
	}
	*ev = Event[M, T, A, I]{Name: t.name, Model: model, From: from, Actor: actor, Input: in, At: now, Created: t.creates, m: t.m}
	f.ev = ev
	if t.validates() {
		if err := t.validate(ctx, u, actor, model, &ev.Input); err != nil {
			return f, err
		}
	}
	f.input = ev.Input
	to, err := t.targetOf(ctx, r, actor, model, from, ev.Input)
	if err != nil {
		return f, err
	}
	ev.To, f.to = to, to
	var snap M
	err = guard(func() error { snap = snapshot(t.m.copy, model); return nil })
	if err != nil {
		return f, fmt.Errorf("transition: taking a snapshot: %w", err)
	}
	if t.m.version != nil {
		f.version = *t.m.version(model)
	}
	read := f.version
	err = ctx.Err()
	if err == nil {
		err = t.runStages(ctx, u, ev, to, func() error { return t.m.mgr.Set(model, to) }, func() Step {
			st := t.stepOf(ev, -1, read)
			st.Moves = append(moves, t.move(from, to))
			return st
		})
	}
	if err == nil {
		if t.m.version != nil {
			*t.m.version(model) = read + 1
		}
		err = ctx.Err()
	}
	if err != nil {
		*model = snap
		if ab, ok := err.(*abortError); ok {
			aborted(ev, from, ab.result)
			return f, nil
		}
		t.failureHooks(ctx, ev, err)
		f.ev = nil
		return f, err
	}
	if err := t.commitHooks(ctx, ev); err != nil {
		e := &Error{kind: ErrAfterCommit, Err: err}
		t.nameError(e, ev)
		return f, e
	}
	return f, nil
}

// FireConfirmed is FireEvent for a plan a person confirmed: it plans again in
// the unit of work and applies the new plan only if its digest is the one
// confirmed (see Plan.Digest). Otherwise nothing changes and the error is
// a *ConflictError: the objects changed since the person saw the plan, or
// the plan would now do something else. An empty digest confirms nothing:
// it is a conflict too.
func (t *Transition[M, T, A, U, I]) FireConfirmed(ctx context.Context, s Store[U], actor A, model *M, in I, digest string) (*Event[M, T, A, I], error) {
	t.m.use()
	if model == nil {
		return nil, t.nilModel()
	}
	if digest == "" {
		return nil, t.unconfirmed(model)
	}
	return t.fire(ctx, s, actor, model, in, digest)
}

// unconfirmed is the conflict of a confirmation without a digest.
func (t *Transition[M, T, A, U, I]) unconfirmed(model *M) error {
	return &ConflictError{Object: t.m.object(model), Expected: "the digest of a confirmed plan", Found: "none"}
}

// fire is Fire; confirmed, if not "", is the digest the plan must have.
func (t *Transition[M, T, A, U, I]) fire(ctx context.Context, s Store[U], actor A, model *M, in I, confirmed string) (*Event[M, T, A, I], error) {
	for attempt := 1; ; attempt++ {
		tx, u, now, replay, err := t.open(ctx, s, attempt, confirmed == "", actor, model, func() ([]byte, error) { return t.inputJSON(in) })
		switch {
		case errors.Is(err, errRetry):
			continue
		case err != nil:
			return nil, err
		case replay != nil:
			return t.replayEvent(actor, model, in, replay), nil
		}
		st, _, err := t.fireIn(ctx, tx, u, now, actor, model, in, false, confirmed)
		if confirmed == "" && t.retry(ctx, s, attempt, err) {
			continue
		}
		if st == nil {
			return nil, err
		}
		return &st.ev, err
	}
}

// errRetry: open lost a conflict that the Store retries.
var errRetry = errors.New("retry")

// open begins attempt n of firing on model, in a unit of work of s: it
// claims the request's idempotency key (see Claimer; input gives the
// request's input as JSON), reloads the model for a retry, and locks it
// when the unit of work asks for it (see lockRoot). It returns the steps of
// the request this one repeats, if it does; errRetry if it lost a conflict
// and retry allows the Store to retry it; on any error, tx is rolled back.
func (t *Transition[M, T, A, U, I]) open(ctx context.Context, s Store[U], n int, retry bool, actor A, model *M, input func() ([]byte, error)) (tx Tx[U], u U, now time.Time, replay []Step, err error) {
	if tx, u, now, err = t.begin(ctx, s); err != nil {
		return nil, u, now, nil, err
	}
	if replay, err = t.claim(ctx, tx, actor, model, input); err != nil || replay != nil {
		return nil, u, now, replay, err
	}
	if n > 1 {
		if err := t.reload(ctx, tx, model); err != nil {
			return nil, u, now, nil, err
		}
	}
	if err := t.lockRoot(ctx, tx, model); err != nil {
		if retry && t.retry(ctx, s, n, err) {
			return nil, u, now, nil, errRetry
		}
		return nil, u, now, nil, err
	}
	return tx, u, now, nil, nil
}

// claim claims the idempotency key of tx for this request, when tx is a
// Claimer (see there). It returns the steps of the request this one
// repeats, if it does, having reloaded model and rolled tx back; on error
// it rolls tx back.
func (t *Transition[M, T, A, U, I]) claim(ctx context.Context, tx Tx[U], actor A, model *M, input func() ([]byte, error)) ([]Step, error) {
	c, ok := tx.(Claimer)
	if !ok {
		return nil, nil
	}
	in, err := input()
	if err != nil {
		rollback(ctx, tx)
		return nil, fmt.Errorf("transition: %s %q: the input as JSON, for its idempotency key: %w", t.m, t.name, err)
	}
	var replay []Step
	err = guard(func() (err error) {
		replay, err = c.Claim(ctx, Request{Machine: t.m.name, Transition: t.name, Object: t.m.identity(model), Actor: actorName(actor), Input: in})
		return err
	})
	if err == nil && replay != nil && t.m.table != nil {
		err = t.reload(ctx, tx, model) // rolls back on error
		if err != nil {
			return nil, err
		}
	}
	if err != nil || replay != nil {
		rollback(ctx, tx)
	}
	if err != nil {
		return nil, fmt.Errorf("transition: %s %q of %s by %s: %w", t.m, t.name, t.m.object(model), actorName(actor), err)
	}
	return replay, nil
}

// inputJSON is the input of a Fire as JSON, for its idempotency key.
func (t *Transition[M, T, A, U, I]) inputJSON(in I) ([]byte, error) {
	if t.input == nil {
		return nil, nil
	}
	return json.Marshal(in)
}

// replayEvent is the event of a request that repeats one applied before,
// whose steps were replay: as its history holds it.
func (t *Transition[M, T, A, U, I]) replayEvent(actor A, model *M, in I, replay []Step) *Event[M, T, A, I] {
	ev := &Event[M, T, A, I]{Name: t.name, Model: model, Actor: actor, Input: in, Replayed: true, m: t.m}
	if len(replay) == 0 {
		return ev
	}
	ev.At, ev.Created = replay[0].At, replay[0].Created
	for i, mv := range replay[0].Moves {
		if i == 0 {
			ev.From, ev.To = t.stateOf(mv.From), t.stateOf(mv.To)
			continue
		}
		ev.Also = append(ev.Also, mv)
	}
	return ev
}

// stateOf finds the state a StateRef read back from JSON names, or no
// state.
func (t *Transition[M, T, A, U, I]) stateOf(r StateRef) state.State[T] {
	if r.Value == nil {
		return state.State[T]{}
	}
	b, err := json.Marshal(r.Value)
	if err != nil {
		return state.State[T]{}
	}
	var v T
	if json.Unmarshal(b, &v) != nil {
		if s, ok := r.Value.(string); ok { // a value stored as its text
			st, _ := t.m.mgr.Type().Parse(s)
			return st
		}
		return state.State[T]{}
	}
	st, _ := t.m.mgr.Type().Lookup(v)
	return st
}

// retry reports whether to fire again after attempt failed with err: a
// conflict, in a Store that retries, on a machine whose Table can reload
// the model.
func (t *Transition[M, T, A, U, I]) retry(ctx context.Context, s Store[U], attempt int, err error) bool {
	if err == nil || t.m.table == nil || !errors.Is(err, ErrConflict) {
		return false
	}
	r, ok := s.(Retrier)
	if !ok {
		return false
	}
	var again bool
	perr := guard(func() error { again = r.Retry(ctx, attempt, err); return nil })
	if perr != nil {
		return false
	}
	return again && ctx.Err() == nil
}

// lockRoot locks the stored row of model, the object asked of, before
// anything reads it, when tx is a Locker that asks for it: so that the
// checks, and the loaders of causal chains, run while no one else can
// change it (deleting a project cannot miss a task created meanwhile). It
// fails with a *ConflictError if the row changed since model was read;
// on error it rolls tx back.
func (t *Transition[M, T, A, U, I]) lockRoot(ctx context.Context, tx Tx[U], model *M) error {
	if t.m.table == nil || t.creates || !locks(tx) {
		return nil
	}
	stored, err := t.loadRoot(ctx, tx, model, true)
	switch {
	case err != nil:
	case t.m.version != nil:
		if got, want := *t.m.version(stored), *t.m.version(model); got != want {
			err = &ConflictError{Object: t.m.object(model), Expected: fmt.Sprintf("version %d", want), Found: fmt.Sprintf("version %d", got)}
		}
	default:
		if got, want := t.m.mgr.Get(stored), t.m.mgr.Get(model); got != want {
			err = &ConflictError{Object: t.m.object(model), Expected: t.m.mgr.Name() + " " + want.String(), Found: t.m.mgr.Name() + " " + got.String()}
		}
	}
	if err != nil {
		rollback(ctx, tx)
	}
	return err
}

// reload replaces model with its stored row, read in tx, before a retry;
// on error it rolls tx back.
func (t *Transition[M, T, A, U, I]) reload(ctx context.Context, tx Tx[U], model *M) error {
	stored, err := t.loadRoot(ctx, tx, model, false)
	if err != nil {
		rollback(ctx, tx)
		return err
	}
	*model = *stored
	return nil
}

// loadRoot reads the stored row of model through its machine's Table, in
// tx, locking it if lock is set; a row that is gone is a *ConflictError.
func (t *Transition[M, T, A, U, I]) loadRoot(ctx context.Context, tx Tx[U], model *M, lock bool) (*M, error) {
	var stored []*M
	err := guard(func() (err error) { stored, err = t.m.table.Load(ctx, tx, []*M{model}, lock); return err })
	switch {
	case err != nil:
		what := "reloading %s to retry"
		if lock {
			what = "locking %s"
		}
		return nil, fmt.Errorf("transition: %s %q: "+what+": %w", t.m, t.name, t.m.object(model), err)
	case len(stored) != 1 || stored[0] == nil:
		return nil, &ConflictError{Object: t.m.object(model), Expected: "a stored row", Found: "none"}
	}
	return stored[0], nil
}

// begin begins a unit of work of s, and reads its unit and its time once.
func (t *Transition[M, T, A, U, I]) begin(ctx context.Context, s Store[U]) (tx Tx[U], u U, now time.Time, err error) {
	t.m.use()
	if err := ctx.Err(); err != nil {
		return nil, u, now, err
	}
	if s == nil {
		return nil, u, now, fmt.Errorf("transition: %s %q: no Store (use transition.Memory for none)", t.m, t.name)
	}
	err = guard(func() (err error) { tx, err = s.Begin(ctx); return err })
	if err != nil {
		return nil, u, now, fmt.Errorf("transition: %s %q: beginning a unit of work: %w", t.m, t.name, err)
	}
	if tx == nil {
		return nil, u, now, fmt.Errorf("transition: %s %q: the Store's Begin returned no unit of work", t.m, t.name)
	}
	err = guard(func() error { u, now = tx.Unit(), tx.Now(); return nil })
	if err != nil {
		rollback(ctx, tx)
		return nil, u, now, fmt.Errorf("transition: %s %q: the unit of work: %w", t.m, t.name, err)
	}
	return tx, u, now, nil
}

// fireIn fires the transition in tx, which it commits or rolls back.
// checked says the caller has already run, in tx, the pre-validation
// checks of the transition asked for (not those of its chain).
// now is the unit of work's time, read once.
// It returns the plan it applied when it made one (for a causal chain or a
// confirmed plan), nil otherwise.
func (t *Transition[M, T, A, U, I]) fireIn(ctx context.Context, tx Tx[U], u U, now time.Time, actor A, model *M, in I, checked bool, confirmed string) (*planned[M, T, A, U, I], *Plan[U], error) {
	if len(t.cascades) > 0 || confirmed != "" {
		p, err := t.planAt(ctx, u, now, actor, model, in, planFire, checked)
		if err == nil && confirmed != "" && p.digest != confirmed {
			err = &ConflictError{Object: t.m.object(model), Expected: "plan " + confirmed, Found: "plan " + p.digest}
		}
		if err != nil {
			rollback(ctx, tx)
			return nil, nil, err
		}
		p.applied.Store(true)
		lock := locks(tx)
		if lock {
			p.steps[0].(*planned[M, T, A, U, I]).obj.locked = true // by lockRoot
		}
		err = complete(ctx, tx, p.steps, p.objs, applySteps(ctx, tx, p.steps, p.objs, lock))
		st, err := result(p.steps[0].(*planned[M, T, A, U, I]), err)
		return st, p, err
	}

	// One step: the same stages, with the plan on the stack.
	if !checked {
		if _, err := t.prevalidate(ctx, u, now, actor, model, t.m.mgr.Get(model)); err != nil {
			rollback(ctx, tx)
			return nil, nil, err
		}
	}
	p := t.newStep(actor, model, in, now, nil)
	if err := t.prepare(ctx, u, p); err != nil {
		rollback(ctx, tx)
		return nil, nil, err
	}
	lock := locks(tx)
	p.obj.locked = lock // by lockRoot
	steps := [1]step[U]{p}
	objs := [1]object[U]{p.obj}
	err := complete(ctx, tx, steps[:], objs[:], applySteps(ctx, tx, steps[:], objs[:], lock))
	st, err := result(p, err)
	return st, nil, err
}

// locks reports whether tx asks that the objects a plan touches be locked
// before any step runs (see Locker).
func locks[U any](tx Tx[U]) bool {
	l, ok := tx.(Locker)
	return ok && l.Locks()
}

// rollback ends tx after a refusal, ignoring the store's error: nothing
// was written.
func rollback[U any](ctx context.Context, tx Tx[U]) {
	_ = guard(func() error { return tx.Rollback(ctx) })
}

// result is what fire returns for the step of the transition asked for:
// nothing unless it was committed.
func result[M any, T comparable, A, U, I any](p *planned[M, T, A, U, I], err error) (*planned[M, T, A, U, I], error) {
	if err != nil && !errors.Is(err, ErrAfterCommit) {
		return nil, err
	}
	return p, err
}

// FireJSON decodes payload into the transition's input (see Decode) and
// fires it: what an HTTP handler for POST /projects/7/transitions/publish
// does with the request body. It returns the plan it applied: its Steps
// say what changed, its JSON is ready for the response, and Aborted says
// whether a hook aborted the transition.
//
// The transition's own pre-validation checks (its state rules, who may run
// it, its conditions) run before the payload is decoded, so an actor who
// may not run it, or a model in the wrong state, costs no decoding: the
// error is then the blocked *Error, whatever the payload holds. A causal
// chain is planned, and its steps checked, once the input is decoded.
func (t *Transition[M, T, A, U, I]) FireJSON(ctx context.Context, s Store[U], actor A, model *M, payload []byte) (*Plan[U], error) {
	return t.fireJSON(ctx, s, actor, model, payload, nil, nil)
}

// fireJSON is FireJSON; check, when not nil, checks the payload against
// the rules of the input's schema once it has decoded; confirmed, if not
// nil, is the digest the plan must have (see FireConfirmed), and it is not
// retried.
func (t *Transition[M, T, A, U, I]) fireJSON(ctx context.Context, s Store[U], actor A, model *M, payload []byte, check func([]byte) []FieldError, confirmedDigest *string) (*Plan[U], error) {
	if model == nil {
		return nil, t.nilModel()
	}
	confirmed := ""
	if confirmedDigest != nil {
		if confirmed = *confirmedDigest; confirmed == "" {
			return nil, t.unconfirmed(model)
		}
	}
	if mem, ok := s.(*MemoryStore[U]); ok && t.inMemory && confirmedDigest == nil {
		return t.fireJSONMemory(ctx, mem, actor, model, payload, check)
	}
	var (
		in  I
		st  *planned[M, T, A, U, I]
		p   *Plan[U]
		err error
	)
	for attempt := 1; ; attempt++ {
		tx, u, now, replay, oerr := t.open(ctx, s, attempt, confirmed == "", actor, model, func() ([]byte, error) { return payload, nil })
		switch {
		case errors.Is(oerr, errRetry):
			continue
		case oerr != nil:
			return nil, oerr
		case replay != nil:
			p := &Plan[U]{Steps: replay, replayed: true}
			p.lazy = digestFunc(func() string { return digest(p.Steps, nil, json.RawMessage(payload)) })
			p.applied.Store(true)
			return p, nil
		}
		if attempt == 1 {
			if _, err := t.prevalidate(ctx, u, now, actor, model, t.m.mgr.Get(model)); err != nil {
				rollback(ctx, tx)
				return nil, err
			}
			if in, err = t.decode(payload, check); err != nil {
				rollback(ctx, tx)
				if e, ok := err.(*Error); ok {
					e.src = names{object: t.m.object(model), actor: actorName(actor)}
				}
				return nil, err
			}
		}
		st, p, err = t.fireIn(ctx, tx, u, now, actor, model, in, attempt == 1, confirmed)
		if confirmed == "" && t.retry(ctx, s, attempt, err) {
			continue
		}
		if st == nil {
			return nil, err
		}
		break
	}
	if p == nil {
		p = &Plan[U]{Steps: []Step{st.info()}, steps: []step[U]{st}, objs: []object[U]{st.obj}}
		p.lazy = digestFunc(func() string { return digest(p.Steps, versions(p.objs), in) })
		p.applied.Store(true)
	}
	p.aborted = st.ev.Aborted
	return p, err
}

// fireJSONMemory is fireJSON in a Memory store for a transition that
// fireMemory fires: it checks, decodes, fires and describes the step in
// a plan of one allocation (and the event's, if the transition has hooks).
func (t *Transition[M, T, A, U, I]) fireJSONMemory(ctx context.Context, s *MemoryStore[U], actor A, model *M, payload []byte, check func([]byte) []FieldError) (*Plan[U], error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := s.Now() // the step's time
	from := t.m.mgr.Get(model)
	r, err := t.prevalidate(ctx, s.unit, now, actor, model, from)
	if err != nil {
		return nil, err
	}
	in, err := t.decode(payload, check)
	if err != nil {
		if e, ok := err.(*Error); ok {
			e.src = names{object: t.m.object(model), actor: actorName(actor)}
		}
		return nil, err
	}
	f, err := t.fireChecked(ctx, s.unit, actor, model, in, from, r, now, false)
	if err != nil && !errors.Is(err, ErrAfterCommit) {
		return nil, err
	}
	o := &onePlan[A, U, I]{in: in, input: f.input, actor: actor, version: f.version}
	input := &o.input
	if f.ev != nil {
		input = &f.ev.Input // as the hooks left it
	}
	o.step[0] = t.stepFor(model, &o.actor, input, now, -1, f.version)
	o.step[0].Moves = append(o.move[:0:1], t.move(from, f.to))
	o.plan.Steps, o.plan.lazy = o.step[:], o
	o.plan.applied.Store(true)
	if f.ev != nil && f.ev.Aborted {
		o.plan.aborted, o.plan.result = true, f.ev.Result
	}
	return &o.plan, err
}

// target chooses the state the transition moves model to from state
// from, at time now.
func (t *Transition[M, T, A, U, I]) target(ctx context.Context, actor A, model *M, from state.State[T], in I, now time.Time) (state.State[T], error) {
	return t.targetOf(ctx, t.rule(model, from, now), actor, model, from, in)
}

// targetOf is target by rule r, the rule that applies to model.
func (t *Transition[M, T, A, U, I]) targetOf(ctx context.Context, r *Rule[T], actor A, model *M, from state.State[T], in I) (state.State[T], error) {
	switch {
	case r == nil: // cannot happen after precheck
		return from, fmt.Errorf("transition: %s of %s: %w: no rule from %s", t, t.m.object(model), ErrWrongState, from)
	case r.stay:
		return from, nil
	case len(r.targets) == 1:
		return r.targets[0], nil
	case t.choose == nil:
		return from, fmt.Errorf("transition: %s of %s: %w: the rule from %s has %d targets and the transition no Choose function", t, t.m.object(model), ErrDefinition, from, len(r.targets))
	}
	var to state.State[T]
	err := guard(func() error { to = t.choose(ctx, model, in); return nil })
	if err != nil {
		return from, t.stepError(actor, model, "choose the target", err)
	}
	if !r.allows(to) {
		return from, fmt.Errorf("transition: %s of %s: %w: Choose returned %s, which is not a target of the rule from %s", t, t.m.object(model), ErrDefinition, to, from)
	}
	return to, nil
}

// stepError reports that step failed with err (a *PanicError for a
// panic). Any other error, including the *Error of another transition
// fired from inside an effect, is wrapped, so that the error names this
// step and keeps the inner one.
func (t *Transition[M, T, A, U, I]) stepError(actor A, model *M, step string, err error) *Error {
	return &Error{Machine: t.m.name, Transition: t.name, Step: step, Err: err, kind: ErrStep,
		src: names{object: t.m.object(model), actor: actorName(actor)}}
}

// A PanicError is a panic in user code (a hook, an effect, a check, a
// loader, a store), recovered, with the stack where it happened. Errors
// wrap it: find it with errors.As.
type PanicError struct {
	Value any    // what the code panicked with
	Stack []byte // the goroutine's stack at the panic
}

// Error says what the code panicked with.
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

func panicked(v any) *PanicError { return &PanicError{Value: v, Stack: debug.Stack()} }

// guard runs fn, the one way user code is called: a panic in it becomes
// a *PanicError.
func guard(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicked(v)
		}
	}()
	return fn()
}

// Abort returns the error a before hook, effect or after hook returns to
// stop its transition without failing: nothing is changed, no history is
// written, no failure hook runs, and Fire returns no error (FireEvent
// returns the event with Aborted set and Result result). Use it for
// "nothing to do".
func Abort(result any) error { return &abortError{result: result} }

type abortError struct{ result any }

// Error says the transition was aborted (Fire reports no error for it).
func (e *abortError) Error() string { return "transition aborted" }

// Cancel returns the error a hook or effect returns to stop its
// transition for a reason, such as a rule the checks could not see: it
// fails like a failing step (nothing changes, failure hooks run) but is
// told apart from one: Fire returns an *Error matching ErrCanceled, not
// ErrStep, whose Err says reason.
func Cancel(reason string) error { return &cancelError{reason: reason} }

type cancelError struct{ reason string }

// Error returns the reason given to Cancel.
func (e *cancelError) Error() string { return e.reason }

// Is reports whether target is ErrCanceled, so that the value Cancel
// returns matches it too.
func (e *cancelError) Is(target error) bool { return target == ErrCanceled }

// planJSON decodes payload as FireJSON does (pre-validating first, so an
// actor who may not run the transition costs no decoding) and plans the
// transition and its causal chain in sc: what a person is shown to
// confirm, whose Digest FireConfirmed, or the registry's, then checks.
func (t *Transition[M, T, A, U, I]) planJSON(ctx context.Context, sc Scope[U], actor A, model *M, payload []byte, check func([]byte) []FieldError) (*Plan[U], error) {
	t.m.use()
	if model == nil {
		return nil, t.nilModel()
	}
	u, now := sc.Unit(), sc.Now()
	if _, err := t.prevalidate(ctx, u, now, actor, model, t.m.mgr.Get(model)); err != nil {
		return nil, err
	}
	in, err := t.decode(payload, check)
	if err != nil {
		if e, ok := err.(*Error); ok {
			e.src = names{object: t.m.object(model), actor: actorName(actor)}
		}
		return nil, err
	}
	return t.planAt(ctx, u, now, actor, model, in, planFire, true)
}
