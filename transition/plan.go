package transition

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/statecraft/statecraft/state"
)

// MaxChainDepth bounds how deep a causal chain may go before it is taken
// for a loop.
const MaxChainDepth = 32

// A Plan is a transition and its whole causal chain, pre-validated and
// ready to apply: every step in the order it will run. Plan one with
// Transition.Plan, show it to a person (its Steps, or its JSON), and apply
// it once with Apply; or let Fire plan and apply in one unit of work.
//
// A plan is never applied from what a client sends back: to apply what a
// person confirmed, plan again and compare digests (see
// Transition.FireConfirmed).
type Plan[U any] struct {
	// Steps are the steps in run order, parents before children.
	Steps []Step

	steps  []step[U]
	objs   []object[U]
	digest string
	// lazy, when set, computes digest the first time it is asked for: a
	// plan FireJSON made of one step, whose digest is seldom read.
	lazy     digester
	lazyOnce sync.Once
	applied  atomic.Bool
	aborted  bool
	result   any // what Abort was given, for a plan without steps
	replayed bool
}

// Replayed reports whether the plan is the outcome of a request applied
// before under the same idempotency key (see Claimer): its Steps are the
// first request's, read back, and nothing was applied again.
func (p *Plan[U]) Replayed() bool { return p.replayed }

// A Step is one transition applied to one object, as plain values: a
// step of a Plan, what a Tx appends to the history, and what a machine's
// After hooks receive. It is the one untyped shape of an event, ready to
// log, store, compare and send as JSON.
type Step struct {
	Machine    string    `json:"machine"`          // such as "main.Task.status"
	Object     any       `json:"object"`           // the object's identity (see Machine.Identify), or nil
	Transition string    `json:"transition"`       // the transition's name, such as "delete"
	Moves      []Move    `json:"moves"`            // every state field it moves, its own first
	Actor      string    `json:"actor"`            // the actor, named as in Error.Actor
	Input      any       `json:"input,omitempty"`  // a pointer to the validated input; nil for NoInput and for a cascaded step
	At         time.Time `json:"at"`               // the unit of work's time (see Scope.Now)
	Cause      int       `json:"cause"`            // the index of the step that caused this one, or -1
	Version    int64     `json:"version,omitzero"` // the object's version when planned, or 0
	Created    bool      `json:"created,omitzero"` // whether the step creates its object
	// Imported marks a step no transition ran: a record of the state an
	// import found an object in, which it appends to the history itself
	// (see Tx.Append). The transition package never sets it.
	Imported bool `json:"imported,omitzero"`
}

// MarshalJSON writes the plan as {"digest": ..., "steps": [...]}, with
// stable snake_case keys, for a confirmation page.
func (p *Plan[U]) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Digest string `json:"digest"`
		Steps  []Step `json:"steps"`
	}{p.Digest(), p.Steps})
}

// Digest identifies what the plan would do and what it read: its steps,
// the versions of their objects and the input. Two plans with the same
// digest apply the same changes to the same stored objects.
func (p *Plan[U]) Digest() string {
	if p.lazy != nil {
		p.lazyOnce.Do(func() { p.digest = p.lazy.digest() })
	}
	return p.digest
}

// String lists the steps, one a line, such as
// "main.Task 12: delete Open -> Deleted".
func (p *Plan[U]) String() string {
	var b []byte
	for i, s := range p.Steps {
		if i > 0 {
			b = append(b, '\n')
		}
		b = append(b, s.String()...)
	}
	return string(b)
}

// String describes the step, such as "main.Task 12: delete Open -> Deleted".
func (s Step) String() string {
	b := []byte(s.Machine)
	if s.Object != nil {
		b = fmt.Appendf(b, " %v", s.Object)
	}
	b = append(b, ": "...)
	b = append(b, s.Transition...)
	for i, mv := range s.Moves {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, " %s %s -> %s", mv.Field, mv.From.Title, mv.To.Title)
	}
	return string(b)
}

// step is one planned transition on one object, its types erased.
type step[U any] interface {
	info() Step
	object() object[U]
	run(ctx context.Context, u U) error
	afterCommit(ctx context.Context) error
	failed(ctx context.Context, err error)
	abort(result any)
	aborted() (bool, any)
	name(e *Error) // names the step's machine, transition, object and actor in e
	verify() error
}

// object is one model a plan touches, its type erased. Its load and save
// take the batch of objects of its model at its depth, itself included,
// or nil for itself alone.
type object[U any] interface {
	load(ctx context.Context, tx Tx[U], batch []object[U]) error
	snapshot()
	restore()
	save(ctx context.Context, tx Tx[U], batch []object[U]) error
	version() int64
	depth() int              // the depth of the chain it was planned at
	modelType() reflect.Type // its model's type: objects of one model are loaded and saved together
}

type planMode uint8

const (
	planFire  planMode = iota // for Fire: the root has its input
	planCheck                 // for Check: the root has no input, so no target
)

// chain is a plan being made.
type chain[A, U any] struct {
	ctx     context.Context
	u       U
	actor   A
	at      time.Time
	mode    planMode
	checked bool // the caller already ran the root's pre-validation checks
	plan    *Plan[U]
	byObj   map[objKey]object[U] // every object, by pointer and by identity, for steps that touch one again
	moved   map[moveKey]string   // the fields the plan moves, and which transition moves each
	planned map[stepKey]bool     // every (machine, object) planned, for diamonds
	path    map[stepKey]bool     // the objects from the root to the current one, for loops
	reasons []Reason
}

type stepKey struct {
	machine any // the *Machine
	object  any // the model's identity, or its pointer
}

type objKey struct {
	model  reflect.Type
	object any
}

// moveKey is one field of one object.
type moveKey struct {
	obj    any // the *objectOf
	column string
}

// key identifies model for the chain: by its identity (see
// Machine.Identify) when it has a comparable, non-zero one, and by its
// pointer otherwise.
func (m *Machine[M, T, A, U]) key(model *M) any {
	if m.ident != nil {
		if id := m.ident(model); id != nil {
			if v := reflect.ValueOf(id); v.Comparable() && !v.IsZero() {
				return id
			}
		}
	}
	return model
}

// plan plans t on model with input in, and its whole causal chain.
func (t *Transition[M, T, A, U, I]) plan(ctx context.Context, sc Scope[U], actor A, model *M, in I, mode planMode) (*Plan[U], error) {
	return t.planAt(ctx, sc.Unit(), sc.Now(), actor, model, in, mode, false)
}

// planAt plans in unit of work u at time at; checked says the caller has
// already run the root's pre-validation checks.
func (t *Transition[M, T, A, U, I]) planAt(ctx context.Context, u U, at time.Time, actor A, model *M, in I, mode planMode, checked bool) (*Plan[U], error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := &chain[A, U]{ctx: ctx, u: u, actor: actor, at: at, mode: mode, checked: checked, plan: &Plan[U]{},
		byObj: map[objKey]object[U]{}, moved: map[moveKey]string{}, planned: map[stepKey]bool{}, path: map[stepKey]bool{}}
	if err := planStep(c, t, model, in, nil, -1, 0, true); err != nil {
		return nil, err
	}
	if len(c.reasons) > 0 {
		return nil, t.blockedError(actor, model, c.reasons)
	}
	c.plan.digest = digest(c.plan.Steps, versions(c.plan.objs), in)
	return c.plan, nil
}

// planStep pre-validates t on model and plans its cascades, depth first.
// Blocked steps add their reasons to c; the returned error is for what
// cannot be planned at all (a failing load, a panic, a loop, invalid root
// input). root is the transition that was asked for, whose input is
// validated with an invalid-input *Error rather than a reason. An object a chain
// reaches twice by different paths (a diamond) is planned once; one it
// reaches again below itself is a loop.
func planStep[M any, T comparable, A, U, I any](c *chain[A, U], t *Transition[M, T, A, U, I], model *M, in I, cause *Step, causeIdx, depth int, root bool) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = t.stepError(c.actor, model, "plan", panicked(p))
		}
	}()
	if err := c.ctx.Err(); err != nil {
		return err
	}
	// One object, one model: a step on an object the plan already holds
	// (reached by its pointer or its identity, through another field's
	// machine or a loader's fresh copy) runs on the model the plan holds.
	pkey := objKey{model: reflect.TypeFor[M](), object: model}
	ikey := objKey{model: pkey.model, object: t.m.key(model)}
	known, seen := c.byObj[pkey]
	if !seen {
		known, seen = c.byObj[ikey]
	}
	var obj *objectOf[M, U]
	if seen {
		obj = known.(*objectOf[M, U])
		model = obj.model
	}
	key := stepKey{machine: t.m, object: t.m.key(model)}
	if c.path[key] {
		return fmt.Errorf("transition: %s %q reaches %s again below itself: %w", t.m, t.name, t.m.object(model), ErrCycle)
	}
	if c.planned[key] {
		return nil
	}
	if depth > MaxChainDepth {
		return fmt.Errorf("transition: %s %q: the chain is deeper than %d steps: %w", t.m, t.name, MaxChainDepth, ErrCycle)
	}
	c.planned[key], c.path[key] = true, true
	defer delete(c.path, key)

	from := t.m.mgr.Get(model)
	name := t.m.object(model) + " (" + t.name + ")" // names this step in reasons and errors
	object := ""                                    // the root's reasons concern the object asked of
	if !root {
		object = name
		if t.rule(model, from, c.at) == nil && t.possibleTarget(from) {
			return nil // already there
		}
	}
	ok := true
	if !root || !c.checked {
		add := func(check int, why string) {
			r := t.reasonOf(check, why, c.actor, model, from)
			r.Object = object
			c.reasons = append(c.reasons, r) // blockedError names the actor in them
		}
		if _, ok, err = t.precheck(c.ctx, c.u, c.at, c.actor, model, from, add); err != nil {
			return err
		}
	}
	p := t.newStep(c.actor, model, in, c.at, cause)
	idx := -1
	if ok && !(root && c.mode == planCheck) { // Check has no input, so no target either
		if err := t.prepare(c.ctx, c.u, p); err != nil {
			var ie *Error
			if root || !errors.As(err, &ie) || ie.kind != ErrInvalidInput {
				return err
			}
			c.reasons = append(c.reasons, t.inputReason(ie.Fields, object))
		} else {
			if obj != nil {
				obj.adopt(&p.own) // another field of an object already in the plan
				p.obj = obj
			} else {
				p.obj.level = int32(depth)
				c.byObj[pkey], c.byObj[ikey] = p.obj, p.obj
				c.plan.objs = append(c.plan.objs, p.obj)
			}
			for _, col := range p.moves() {
				mk := moveKey{obj: p.obj, column: col}
				if prev, ok := c.moved[mk]; ok {
					return fmt.Errorf("transition: %s: %s and %s %q both move its %s in one plan: %w",
						t.m.object(model), prev, t.m, t.name, col, ErrDefinition)
				}
				c.moved[mk] = fmt.Sprintf("%s %q", t.m, t.name)
			}
			idx = len(c.plan.steps)
			p.cause = causeIdx
			c.plan.steps = append(c.plan.steps, p)
			c.plan.Steps = append(c.plan.Steps, p.info())
		}
	}
	var st *Step // the cause of the cascaded steps, copied for the first (a step with none copies nothing)
	for i, cs := range t.cascades {
		if i == 0 && idx >= 0 {
			s := c.plan.Steps[idx]
			st = &s
		}
		if err := cs.plan(c, model, st, idx, depth+1, name); err != nil {
			return err
		}
	}
	return nil
}

// digest hashes the steps, the versions their objects had, and the input
// of the transition asked for.
func digest(steps []Step, versions []int64, in any) string {
	h := sha256.New()
	if b, err := json.Marshal(in); err == nil {
		h.Write(b)
	} else {
		fmt.Fprintf(h, "%#v", in)
	}
	h.Write([]byte{0})
	for _, s := range steps {
		fmt.Fprintf(h, "%s\x00%v\x00%s\x00%s\x00%d\x00%d\x00%t\x00", s.Machine, s.Object, s.Transition, s.Actor, s.Cause, s.Version, s.Created)
		for _, mv := range s.Moves {
			fmt.Fprintf(h, "%s\x00%v\x00%v\x00", mv.Field, mv.From.Value, mv.To.Value)
		}
	}
	for _, v := range versions {
		h.Write(strconv.AppendInt(nil, v, 10))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// versions lists the versions of objs as read (see digest).
func versions[U any](objs []object[U]) []int64 {
	vs := make([]int64, len(objs))
	for i, o := range objs {
		vs[i] = o.version()
	}
	return vs
}

// A digester computes a plan's digest when it is first asked for.
type digester interface{ digest() string }

// digestFunc is a digester.
type digestFunc func() string

func (f digestFunc) digest() string { return f() }

// onePlan is the plan of one step that FireJSON applied in a Memory store
// (see fireJSONMemory), with room for its step and move: one allocation.
type onePlan[A, U, I any] struct {
	plan    Plan[U]
	step    [1]Step
	move    [1]Move
	in      I // as decoded, for the digest (as planning digests it)
	input   I // as validated, for the step
	actor   A // named through a pointer, which a parameter cannot give without escaping
	version int64
}

func (o *onePlan[A, U, I]) digest() string { return digest(o.plan.Steps, []int64{o.version}, o.in) }

// Plan pre-validates the transition on model with input in, and plans its
// whole causal chain, in the unit of work sc: it runs every check and
// every validation of every step and returns the plan, or a blocked
// *Error with every reason of every blocked step, or an invalid-input
// *Error. It changes nothing.
func (t *Transition[M, T, A, U, I]) Plan(ctx context.Context, sc Scope[U], actor A, model *M, in I) (*Plan[U], error) {
	t.m.use()
	if model == nil {
		return nil, t.nilModel()
	}
	return t.plan(ctx, sc, actor, model, in, planFire)
}

// ErrApplied: a plan was applied a second time.
var ErrApplied = errors.New("plan already applied")

// Apply applies the plan in tx, which it neither begins nor commits, as a
// caller that owns the transaction does: it loads every object the plan
// touches (locked, if lock is set) and fails with ErrConflict if one
// changed since it was planned, runs every step's hooks and effects and
// sets their states, saves every object and appends the history.
//
// On error every object is restored and the failure hooks have run; the
// caller rolls tx back. If a hook aborts, Apply restores every object and
// returns nil: see Aborted (the caller rolls back, or commits nothing).
// Once the caller has committed tx, it runs the after-commit hooks with
// AfterCommit. A plan applies once: again, it is ErrApplied. Its events
// carry the time it was planned at.
func (p *Plan[U]) Apply(ctx context.Context, tx Tx[U], lock bool) error {
	if !p.applied.CompareAndSwap(false, true) {
		return ErrApplied
	}
	if tx == nil {
		return errors.New("transition: Apply needs a unit of work (a nil Tx)")
	}
	err := applySteps(ctx, tx, p.steps, p.objs, lock)
	if err != nil {
		err = failed(ctx, p.steps, p.objs, err)
		if err == nil {
			p.aborted = true
		}
	}
	return err
}

// Aborted reports whether a hook stopped the plan's application with
// Abort, and the result it gave.
func (p *Plan[U]) Aborted() (bool, any) {
	if !p.aborted {
		return false, nil
	}
	if len(p.steps) == 0 { // a plan of fireJSONMemory
		return true, p.result
	}
	return p.steps[0].aborted()
}

// AfterCommit runs the after-commit hooks of every step of an applied
// plan, in order: call it once the unit of work the plan was applied in
// has committed. Their failures come back in an *Error matching
// ErrAfterCommit.
func (p *Plan[U]) AfterCommit(ctx context.Context) error {
	if !p.applied.Load() || p.aborted {
		return nil
	}
	return afterCommit(ctx, p.steps)
}

// restore puts every object back as it was snapshotted, last first.
func restore[U any](objs []object[U]) {
	for i := len(objs) - 1; i >= 0; i-- {
		objs[i].restore()
	}
}

// failed ends an application that failed with err: it restores objs and,
// unless a hook aborted, runs the failure hooks and returns err. For an
// abort it marks the event asked for and returns nil.
func failed[U any](ctx context.Context, steps []step[U], objs []object[U], err error) error {
	restore(objs)
	if ab, ok := err.(*abortError); ok { // only a step's hook aborts, so there is a step
		steps[0].abort(ab.result)
		return nil
	}
	for _, s := range steps {
		s.failed(ctx, err)
	}
	return err
}

// afterCommit runs the after-commit hooks of steps.
func afterCommit[U any](ctx context.Context, steps []step[U]) error {
	var errs []error
	for _, s := range steps {
		if err := s.afterCommit(ctx); err != nil {
			errs = append(errs, err.(interface{ Unwrap() []error }).Unwrap()...) // each hook's, from errors.Join
		}
	}
	if len(errs) > 0 {
		e := &Error{kind: ErrAfterCommit, Err: errors.Join(errs...)}
		steps[0].name(e)
		return e
	}
	return nil
}

// applySteps runs the stages of steps on objs inside tx, up to the
// history. On error the caller restores objs.
func applySteps[U any](ctx context.Context, tx Tx[U], steps []step[U], objs []object[U], lock bool) (err error) {
	for _, o := range objs {
		err := guard(func() error { o.snapshot(); return nil })
		if err != nil {
			return fmt.Errorf("transition: taking a snapshot: %w", err)
		}
	}
	var order []object[U] // objs by depth, when there are several (see byDepth)
	if len(objs) > 1 {
		order = byDepth(objs)
	}
	if lock {
		err := inBatches(objs, order, func(b object[U], batch []object[U]) error { return b.load(ctx, tx, batch) })
		if err != nil {
			return err
		}
	}
	for _, s := range steps {
		if err := s.verify(); err != nil {
			return err
		}
	}
	var u U
	err = guard(func() error { u = tx.Unit(); return nil })
	if err != nil {
		return fmt.Errorf("transition: the unit of work: %w", err)
	}
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.run(ctx, u); err != nil {
			return err
		}
	}
	if len(objs) == 1 { // no batch: objs, often on the stack, is not passed on
		if err := objs[0].save(ctx, tx, nil); err != nil {
			return err
		}
	} else {
		for i, j := 0, 0; i < len(order); i = j {
			j = batchEnd(order, i)
			if err := order[i].save(ctx, tx, order[i:j]); err != nil {
				return err
			}
		}
	}
	if _, memory := tx.(*MemoryStore[U]); !memory { // a Memory store keeps no history
		history := make([]Step, len(steps))
		for i, s := range steps {
			history[i] = s.info()
		}
		err := guard(func() error { return tx.Append(ctx, history) })
		if err != nil {
			return fmt.Errorf("transition: appending the history: %w", err)
		}
	}
	return ctx.Err()
}

// byDepth returns objs ordered for loading and saving: parents before
// children (by the depth of the chain they were planned at), then the
// objects of one model together, in the order the plan met them.
func byDepth[U any](objs []object[U]) []object[U] {
	first := map[reflect.Type]int{}
	for i, o := range objs {
		if _, ok := first[o.modelType()]; !ok {
			first[o.modelType()] = i
		}
	}
	order := slices.Clone(objs)
	slices.SortStableFunc(order, func(a, b object[U]) int {
		if c := cmp.Compare(a.depth(), b.depth()); c != 0 {
			return c
		}
		return cmp.Compare(first[a.modelType()], first[b.modelType()])
	})
	return order
}

// inBatches calls fn for each batch of objs, as ordered by order (nil
// for a single object, whose batch is nil: see object).
func inBatches[U any](objs, order []object[U], fn func(first object[U], batch []object[U]) error) error {
	if len(objs) == 1 {
		return fn(objs[0], nil)
	}
	for i, j := 0, 0; i < len(order); i = j {
		j = batchEnd(order, i)
		if err := fn(order[i], order[i:j]); err != nil {
			return err
		}
	}
	return nil
}

// batchEnd returns the end of the run of order starting at i that one
// Table call loads or saves: the objects of one model at one depth.
func batchEnd[U any](order []object[U], i int) int {
	j := i + 1
	for j < len(order) && order[j].depth() == order[i].depth() && order[j].modelType() == order[i].modelType() {
		j++
	}
	return j
}

// complete commits tx after steps were applied to objs and runs the
// after-commit hooks (or hands them to an Enclosed tx); or, if err (from
// applying) is not nil, or the commit fails, rolls tx back, restores objs
// and runs the failure hooks. A commit that fails with ErrConflict (the
// store vouches that nothing was committed) is a conflict; any other
// commit error leaves the outcome unknown (ErrCommit).
func complete[U any](ctx context.Context, tx Tx[U], steps []step[U], objs []object[U], err error) error {
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		cerr := guard(func() error { return tx.Commit(ctx) })
		if cerr != nil {
			if errors.Is(cerr, ErrConflict) {
				err = cerr
			} else {
				e := &Error{kind: ErrCommit, Err: cerr}
				steps[0].name(e)
				err = e
			}
		}
	}
	if err != nil {
		if !errors.Is(err, ErrCommit) {
			rollback(ctx, tx)
		}
		return failed(ctx, steps, objs, err)
	}
	if enc, ok := tx.(Enclosed); ok {
		kept := slices.Clone(steps)
		enc.Defer(func(ctx context.Context) error { return afterCommit(ctx, kept) })
		return nil
	}
	return afterCommit(ctx, steps)
}

// objectOf is one model of type M that a plan touches.
type objectOf[M, U any] struct {
	model    *M
	table    Table[M, U]
	vfield   func(*M) *int64
	copy     func(*M) M
	ident    func(*M) any
	typeName string // the model type's name, for messages
	snap     M
	read     int64        // the version when planned
	fields   []FieldWrite // the state fields moved, for Save
	level    int32        // the depth of the chain the object was first planned at
	took     bool         // whether snap holds a snapshot
	created  bool
	changed  bool
	locked   bool // already locked and compared, as the root of a Fire that locks (see lockRoot)
}

// name names the object for messages, such as "main.Project 7".
func (o *objectOf[M, U]) name() (name string) {
	if o.ident == nil {
		return o.typeName
	}
	defer func() {
		if recover() != nil {
			name = o.typeName + " (its Identify panicked)"
		}
	}()
	return fmt.Sprintf("%s %v", o.typeName, o.ident(o.model))
}

// adopt takes what other declares and o does not: two machines of one
// model share its object, its identity, version and table.
func (o *objectOf[M, U]) adopt(other *objectOf[M, U]) {
	if o.table == nil {
		o.table = other.table
	}
	if o.ident == nil {
		o.ident = other.ident
	}
	if o.vfield == nil && other.vfield != nil {
		o.vfield, o.read = other.vfield, other.read
	}
	if o.copy == nil {
		o.copy = other.copy
	}
}

// version is the object's version when the plan read it (0 without one).
func (o *objectOf[M, U]) version() int64 { return o.read }

func (o *objectOf[M, U]) snapshot() {
	o.snap = snapshot(o.copy, o.model)
	o.took = true
}

// snapshot copies model, by copy if the machine declared one (see
// Machine.Snapshot).
func snapshot[M any](copy func(*M) M, model *M) M {
	if copy != nil {
		return copy(model)
	}
	return *model
}

func (o *objectOf[M, U]) restore() {
	if o.took {
		*o.model = o.snap
	}
}

// load loads and locks the objects of batch (o among them, all of
// o's model) and checks that each stored one is still as planned.
func (o *objectOf[M, U]) load(ctx context.Context, tx Tx[U], batch []object[U]) error {
	if o.table == nil {
		return nil
	}
	if batch == nil {
		batch = []object[U]{o}
	}
	objs := make([]*objectOf[M, U], 0, len(batch))
	ms := make([]*M, 0, len(batch))
	for _, b := range batch {
		if b := b.(*objectOf[M, U]); !b.created && !b.locked {
			objs = append(objs, b)
			ms = append(ms, b.model)
		}
	}
	if len(ms) == 0 {
		return nil
	}
	var stored []*M
	err := guard(func() (err error) { stored, err = o.table.Load(ctx, tx, ms, true); return err })
	if err != nil {
		return fmt.Errorf("transition: loading %s: %w", o.names(objs), err)
	}
	if len(stored) != len(ms) {
		return fmt.Errorf("transition: loading %s: the Table returned %d rows for %d objects", o.names(objs), len(stored), len(ms))
	}
	for i, b := range objs {
		if stored[i] == nil {
			return &ConflictError{Object: b.name(), Expected: "a stored row", Found: "none"}
		}
		if b.vfield != nil {
			if got := *b.vfield(stored[i]); got != b.read {
				return &ConflictError{Object: b.name(), Expected: fmt.Sprintf("version %d", b.read), Found: fmt.Sprintf("version %d", got)}
			}
		}
	}
	return nil
}

// names names objs for messages: the first, and how many more.
func (o *objectOf[M, U]) names(objs []*objectOf[M, U]) string {
	if len(objs) == 1 {
		return objs[0].name()
	}
	return fmt.Sprintf("%s and %d more", objs[0].name(), len(objs)-1)
}

// save writes the objects of batch (o among them, all of o's model; nil
// for o alone) that a step changed, bumping each one's version once: new
// objects one by one (each gets its identity), the others in one call of
// the Table.
func (o *objectOf[M, U]) save(ctx context.Context, tx Tx[U], batch []object[U]) error {
	if batch == nil {
		if write, err := o.prepareSave(ctx, tx); !write || err != nil {
			return err
		}
		return o.saveError(guard(func() error {
			return o.table.Save(ctx, tx, []Write[M]{{Model: o.model, Read: &o.snap, Version: o.read, Fields: o.fields}})
		}))
	}
	var ws []Write[M]
	var objs []*objectOf[M, U]
	for _, b := range batch {
		b := b.(*objectOf[M, U])
		if write, err := b.prepareSave(ctx, tx); err != nil {
			return err
		} else if write {
			ws = append(ws, Write[M]{Model: b.model, Read: &b.snap, Version: b.read, Fields: b.fields})
			objs = append(objs, b)
		}
	}
	switch len(ws) {
	case 0:
		return nil
	case 1:
		return objs[0].saveError(guard(func() error { return objs[0].table.Save(ctx, tx, ws) }))
	}
	err := guard(func() error { return objs[0].table.Save(ctx, tx, ws) })
	if err == nil || errors.Is(err, ErrConflict) {
		return err // the Table names the object that lost
	}
	return fmt.Errorf("transition: saving %s: %w", o.names(objs), err)
}

// prepareSave bumps the version of a changed object and inserts a new one;
// it reports whether the object is left for the Table's Save.
func (o *objectOf[M, U]) prepareSave(ctx context.Context, tx Tx[U]) (write bool, err error) {
	if !o.changed {
		return false, nil
	}
	if o.vfield != nil {
		*o.vfield(o.model) = o.read + 1
	}
	if o.table == nil {
		return false, nil
	}
	if !o.created {
		return true, nil
	}
	ins, ok := o.table.(Inserter[M, U])
	if !ok {
		return false, fmt.Errorf("transition: creating %s: its Table has no Insert method (see Inserter)", o.typeName)
	}
	return false, o.saveError(guard(func() error { return ins.Insert(ctx, tx, o.model) }))
}

// saveError says which object failed to save, filling in a
// *ConflictError's Object when the Table left it empty.
func (o *objectOf[M, U]) saveError(err error) error {
	if err == nil {
		return nil
	}
	var ce *ConflictError
	if errors.As(err, &ce) {
		c := *ce // the Table's error may be shared
		if c.Object == "" {
			c.Object = o.name()
		}
		return &c
	}
	return fmt.Errorf("transition: saving %s: %w", o.name(), err)
}

func (o *objectOf[M, U]) depth() int              { return int(o.level) }
func (o *objectOf[M, U]) modelType() reflect.Type { return reflect.TypeFor[M]() }

// planned is one step: transition t on ev.Model. In a plan of one step it
// also holds its object, so firing it allocates one value. What it will
// move is kept apart from the event, which hooks may change: the history
// and the writes say what the plan does.
type planned[M any, T comparable, A, U, I any] struct {
	t        *Transition[M, T, A, U, I]
	ev       Event[M, T, A, I]
	from     state.State[T] // the state it moves from, as planned
	to       state.State[T] // the planned target, which effects cannot change
	also     []Move         // the other fields' moves, as planned
	alsoFrom []any          // their values before, as the database holds them
	cause    int            // the index of the step that caused this one, or -1
	obj      *objectOf[M, U]
	own      objectOf[M, U]
	moveBuf  [1]Move // room for the move of hookInfo, so a step of one field allocates none for it
}

func (t *Transition[M, T, A, U, I]) newStep(actor A, model *M, in I, at time.Time, cause *Step) *planned[M, T, A, U, I] {
	p := &planned[M, T, A, U, I]{t: t, cause: -1}
	p.from = t.m.mgr.Get(model)
	p.ev = Event[M, T, A, I]{Name: t.name, Model: model, From: p.from, Actor: actor, Input: in, At: at, Cause: cause, Created: t.creates, m: t.m}
	p.own = objectOf[M, U]{model: model, table: t.m.table, vfield: t.m.version, copy: t.m.copy, ident: t.m.ident, typeName: t.m.modelName(), created: t.creates}
	if p.own.vfield != nil {
		p.own.read = *p.own.vfield(model)
	}
	p.obj = &p.own
	return p
}

// prepare validates the step's input and chooses its target.
func (t *Transition[M, T, A, U, I]) prepare(ctx context.Context, u U, p *planned[M, T, A, U, I]) error {
	if t.creates && t.m.table != nil {
		if _, ok := t.m.table.(Inserter[M, U]); !ok {
			return fmt.Errorf("transition: %s %q creates a %s, but its Table has no Insert method (see Inserter): %w", t.m, t.name, t.m.modelName(), ErrDefinition)
		}
	}
	if err := t.validate(ctx, u, p.ev.Actor, p.ev.Model, &p.ev.Input); err != nil {
		return err
	}
	to, err := t.target(ctx, p.ev.Actor, p.ev.Model, p.from, p.ev.Input, p.ev.At)
	if err != nil {
		return err
	}
	p.ev.To, p.to = to, to
	// With no other fields, these are empty and allocate nothing, and
	// the event's Also stays nil.
	p.also = make([]Move, len(t.also))
	p.alsoFrom = make([]any, len(t.also))
	for i, mv := range t.also {
		p.also[i] = mv.move(p.ev.Model)
		p.alsoFrom[i] = mv.write(p.ev.Model, false)
	}
	p.ev.Also = append([]Move(nil), p.also...)
	return nil
}

// moves lists the columns the step moves.
func (p *planned[M, T, A, U, I]) moves() []string {
	var cols []string
	if p.to != p.from {
		cols = append(cols, p.t.m.mgr.Name())
	}
	for _, mv := range p.also {
		cols = append(cols, mv.Field)
	}
	return cols
}

// info describes the step, with Moves of its own.
func (p *planned[M, T, A, U, I]) info() Step {
	st := p.info0()
	st.Moves = p.appendMoves(make([]Move, 0, 1+len(p.also)))
	return st
}

// hookInfo is info for the machine's After hooks, its Moves in the step's
// own buffer, so that an audit hook of a step of one field costs no
// allocation for them; a step that moves more outgrows it, in one
// allocation. No other Step shares that buffer.
func (p *planned[M, T, A, U, I]) hookInfo() Step {
	st := p.info0()
	st.Moves = p.appendMoves(p.moveBuf[:0:len(p.moveBuf)])
	return st
}

// info0 is info without Moves.
func (p *planned[M, T, A, U, I]) info0() Step { return p.t.stepOf(&p.ev, p.cause, p.obj.read) }

// stepOf describes the step of ev, without Moves: cause is the index of
// the step that caused it, or -1; version the object's version as read.
func (t *Transition[M, T, A, U, I]) stepOf(ev *Event[M, T, A, I], cause int, version int64) Step {
	input := &ev.Input
	if ev.Cause != nil { // a cascaded step's input is its cause's business
		input = nil
	}
	return t.stepFor(ev.Model, &ev.Actor, input, ev.At, cause, version)
}

// stepFor describes a step of the transition on model, without Moves:
// actor and input point to values that stay put (they are named and kept
// by pointer); input is nil for none.
func (t *Transition[M, T, A, U, I]) stepFor(model *M, actor *A, input *I, at time.Time, cause int, version int64) Step {
	st := Step{Machine: t.m.name, Object: t.m.identity(model), Transition: t.name, Actor: actorNameOf(actor),
		At: at, Cause: cause, Version: version, Created: t.creates}
	if input != nil && t.input != nil {
		st.Input = input
	}
	return st
}

// move is the move of the transition's own field from state from to to.
func (t *Transition[M, T, A, U, I]) move(from, to state.State[T]) Move {
	return Move{Field: t.m.mgr.Name(), From: t.m.ref(from), To: t.m.ref(to)}
}

// appendMoves appends the fields the step moves to dst, its own first.
func (p *planned[M, T, A, U, I]) appendMoves(dst []Move) []Move {
	dst = append(dst, p.t.move(p.from, p.to))
	return append(dst, p.also...)
}

func (p *planned[M, T, A, U, I]) object() object[U]    { return p.obj }
func (p *planned[M, T, A, U, I]) aborted() (bool, any) { return p.ev.Aborted, p.ev.Result }

func (p *planned[M, T, A, U, I]) name(e *Error) { p.t.nameError(e, &p.ev) }

// nameError names the transition of ev, its object and actor in e.
func (t *Transition[M, T, A, U, I]) nameError(e *Error, ev *Event[M, T, A, I]) {
	e.Machine, e.Transition = t.m.name, t.name
	e.src = names{object: t.m.object(ev.Model), actor: actorName(ev.Actor)}
}

// verify checks that the fields the step moves are still as planned, so
// that a plan applied later cannot move an object that changed since.
func (p *planned[M, T, A, U, I]) verify() error {
	t, model := p.t, p.ev.Model
	if cur := t.m.mgr.Get(model); cur != p.from {
		return &ConflictError{Object: t.m.object(model), Expected: t.m.mgr.Name() + " " + p.from.String(), Found: t.m.mgr.Name() + " " + cur.String()}
	}
	for i, mv := range t.also {
		if cur := mv.move(model).From; cur != p.also[i].From {
			return &ConflictError{Object: t.m.object(model), Expected: mv.column() + " " + p.also[i].From.Title, Found: mv.column() + " " + cur.Title}
		}
	}
	return nil
}

// run runs the step's before hooks and effects, sets its states and runs
// its after hooks and its machine's.
func (p *planned[M, T, A, U, I]) run(ctx context.Context, u U) error {
	t := p.t
	return t.runStages(ctx, u, &p.ev, p.to, func() error {
		p.obj.changed = true
		if p.obj.table != nil {
			p.obj.fields = append(p.obj.fields, FieldWrite{Column: t.m.mgr.Name(), From: dbValue(p.from), To: dbValue(p.to)})
			for i, mv := range t.also {
				p.obj.fields = append(p.obj.fields, FieldWrite{Column: mv.column(), From: p.alsoFrom[i], To: mv.write(p.ev.Model, true)})
			}
		}
		if err := t.m.mgr.Set(p.ev.Model, p.to); err != nil {
			return err
		}
		for _, mv := range t.also {
			if err := mv.set(p.ev.Model); err != nil {
				return err
			}
		}
		return nil
	}, p.hookInfo)
}

// runStages runs the stages of one step on ev, planned to move to state
// to: its before hooks and effects, set (which sets the states), its after
// hooks, and its machine's After hooks, which receive step().
func (t *Transition[M, T, A, U, I]) runStages(ctx context.Context, u U, ev *Event[M, T, A, I], to state.State[T], set func() error, step func() Step) error {
	for i := range t.before {
		if err := t.runHook(ctx, u, ev, &t.before[i]); err != nil {
			return err
		}
	}
	for i := range t.effects {
		if err := t.runHook(ctx, u, ev, &t.effects[i]); err != nil {
			return err
		}
	}
	if ev.To != to {
		return t.stepError(ev.Actor, ev.Model, "set state",
			fmt.Errorf("an effect changed the target from %s to %s: a transition moves only to its planned target", to, ev.To))
	}
	if err := set(); err != nil {
		return t.stepError(ev.Actor, ev.Model, "set state", err)
	}
	for i := range t.after {
		if err := t.runHook(ctx, u, ev, &t.after[i]); err != nil {
			return err
		}
	}
	if len(t.m.after) > 0 {
		st := step()
		for _, h := range t.m.after {
			err := guard(func() error { return h.fn(ctx, u, ev.Model, st) })
			if err != nil {
				return t.hookError(ev, h.title, err)
			}
		}
	}
	return nil
}

func (t *Transition[M, T, A, U, I]) runHook(ctx context.Context, u U, ev *Event[M, T, A, I], h *hook[M, T, A, U, I]) error {
	err := guard(func() error { return h.fn(ctx, u, ev) })
	if err != nil {
		return t.hookError(ev, h.title, err)
	}
	return nil
}

// hookError turns what a hook returned into the step's error: an abort
// as it is, a cancel as a copy naming the step (the hook's error may be a
// shared value), anything else as a step that failed.
func (t *Transition[M, T, A, U, I]) hookError(ev *Event[M, T, A, I], title string, err error) error {
	var ab *abortError
	var ce *cancelError
	var e *Error
	switch {
	case errors.As(err, &ab):
		return ab
	case errors.As(err, &e) && e.kind == ErrCanceled:
		return e // a transition fired inside a hook was canceled: it names itself
	case errors.As(err, &ce):
		e := &Error{Step: title, Err: ce, kind: ErrCanceled}
		t.nameError(e, ev)
		return e
	}
	return t.stepError(ev.Actor, ev.Model, title, err)
}

func (p *planned[M, T, A, U, I]) afterCommit(ctx context.Context) error {
	return p.t.commitHooks(ctx, &p.ev)
}

// commitHooks runs the after-commit hooks on ev and joins their errors.
func (t *Transition[M, T, A, U, I]) commitHooks(ctx context.Context, ev *Event[M, T, A, I]) error {
	var errs []error
	for _, h := range t.afterCommit {
		err := guard(func() error { return h.fn(ctx, ev) })
		if err != nil {
			errs = append(errs, &hookFailed{hook: h.title, object: t.m.object(ev.Model), err: err})
		}
	}
	return errors.Join(errs...)
}

// hookFailed is an after-commit hook that failed: the transition was
// committed, so it is neither a step that failed (ErrStep) nor a cancel.
type hookFailed struct {
	hook, object string
	err          error
}

func (e *hookFailed) Error() string {
	return fmt.Sprintf("%s: %q: %v", e.object, e.hook, e.err)
}

// Unwrap returns the hook's error, for errors.As (a *PanicError, say),
// unless it is an abort or a cancel, which mean nothing once committed.
func (e *hookFailed) Unwrap() error {
	switch e.err.(type) {
	case *abortError, *cancelError:
		return nil
	}
	return e.err
}

func (p *planned[M, T, A, U, I]) failed(ctx context.Context, err error) {
	p.t.failureHooks(ctx, &p.ev, err)
}

// failureHooks runs the failure hooks on ev, which failed with err.
func (t *Transition[M, T, A, U, I]) failureHooks(ctx context.Context, ev *Event[M, T, A, I], err error) {
	for _, h := range t.onFailure {
		_ = guard(func() error { h.fn(ctx, ev, err); return nil })
	}
}

func (p *planned[M, T, A, U, I]) abort(result any) { aborted(&p.ev, p.from, result) }

// aborted marks ev, which moved from state from, aborted with result.
func aborted[M any, T comparable, A, I any](ev *Event[M, T, A, I], from state.State[T], result any) {
	ev.Aborted, ev.Result, ev.To, ev.Also = true, result, from, nil
}

// dbValue is a state's value as a database value, nil for no state.
func dbValue[T comparable](s state.State[T]) any {
	if s.IsZero() {
		return nil
	}
	v, _ := s.Value()
	return v
}
