package transition

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// This file is the seam a database plugs into: a Store begins a unit of
// work (a Tx) in which a plan is applied; each model type says through a
// Table how it is loaded and saved in it.
//
// Applying a plan in a Tx runs, in order:
//
//	Begin
//	plan: every check and validation of every step (loaders read through Unit)
//	if locking: Load every object the plan touches, once each, locked, parents first
//	for each step, parents first: before hooks, effects, set the states, after hooks
//	Save every object the plan changed, once each, compared with what the plan read
//	Append the history: every step applied
//	Commit
//	after-commit hooks (or, for an Enclosed Tx, Defer them)
//
// If anything from the loads to the commit fails, the Tx is rolled back,
// every model the caller gave or a loader returned is restored exactly
// (its version included), and the failure hooks run.

// Scope is what checks and planning read: the unit of work that loaders,
// validators and hooks receive, and the time. Every Tx is a Scope.
type Scope[U any] interface {
	// Unit returns the unit of work, such as the application's repository
	// bound to a database transaction.
	Unit() U
	// Now returns the time of the unit of work: it stamps events and
	// history, and it is the "now" conditional states are tested at, so a
	// test fixes time in one place.
	Now() time.Time
}

// A Store applies plans durably. Begin starts a unit of work; the
// transition package drives it (see the order above) and ends it with
// Commit or Rollback.
type Store[U any] interface {
	Begin(ctx context.Context) (Tx[U], error)
}

// A Tx is one unit of work of a Store, such as a database transaction.
type Tx[U any] interface {
	Scope[U]
	// Append records the history of the unit of work: every step applied,
	// in order, each with the fields it moved (a store typically writes
	// one row per Move) and the index of its cause. A transition calls it
	// once, after every object is saved (so a created object has its
	// identity). An import that backfills objects' history calls it with
	// steps marked Imported, so that the history tells them apart from
	// transitions anyone ran.
	Append(ctx context.Context, steps []Step) error
	// Commit makes the unit of work durable. An error means the outcome
	// is unknown: no after-commit hook runs.
	Commit(ctx context.Context) error
	// Rollback discards the unit of work.
	Rollback(ctx context.Context) error
}

// A Table loads and saves models of type M in a unit of work of a Store
// whose unit is U. Declare it once per model with Machine.Table; a Table
// is typically stateless and reaches the database through tx.Unit() (or,
// for a Store of its own package, through its Tx). It must not end the
// unit of work (Commit or Rollback): the transition package does. A Table
// of a model that creation transitions create (see Create) also
// implements Inserter.
//
// Both methods take every object of the model a plan touches at one depth
// of its causal chain at once, so that a cascade over a thousand children
// is a few statements, not a thousand: parents are loaded and saved before
// their children.
type Table[M, U any] interface {
	// Load reads the stored rows of the objects ms name (by identity) into
	// new Ms, returned in the order of ms, with nil for a row that is gone.
	// If lock is set it locks them for the rest of the unit of work, in
	// one order (by key), so that writers locking the same rows cannot
	// deadlock. The transition package calls it when a plan is applied
	// with locking (see Plan.Apply), and to reload the object asked of
	// before a Store retries a conflict (see Retrier).
	Load(ctx context.Context, tx Tx[U], ms []*M, lock bool) ([]*M, error)
	// Save writes the objects the plan changed, each only if its stored
	// row is still as the plan read it (by version, or by the columns it
	// changes): a compare-and-set. If one is not, it returns an error
	// wrapping ErrConflict, best a *ConflictError naming that object, and
	// the unit of work is rolled back.
	Save(ctx context.Context, tx Tx[U], ws []Write[M]) error
}

// An Inserter is a Table that stores new objects, for creation
// transitions.
type Inserter[M, U any] interface {
	// Insert stores m, a new object, and sets its identity on m.
	Insert(ctx context.Context, tx Tx[U], m *M) error
}

// Write is one object a plan saves: what it writes, and what it read, so
// that Save can compare and set.
type Write[M any] struct {
	// Model is the object as the plan left it: what to write. It already
	// holds its next version (Version+1) when it has one.
	Model *M
	// Read is the object as the plan read it, before any step ran. Save
	// must not change it.
	Read *M
	// Version is the version the plan read, when the model has one (see
	// Machine.Version); 0 otherwise.
	Version int64
	// Fields lists the state fields the plan moved, with the values it
	// read and writes.
	Fields []FieldWrite
}

// FieldWrite is one state field a plan moves, as database values.
type FieldWrite struct {
	Column   string // the field's column, such as "status"
	From, To any    // the values read and written (From is nil for a created object)
}

// ErrConflict: the stored object changed after the plan read it (another
// writer won), or is gone. Every Store returns it, wrapped in a
// *ConflictError where it can say more.
var ErrConflict = errors.New("conflict: the object changed since it was read")

// ErrIdempotency: a request repeated an idempotency key with a different
// transition or input. Stores that take idempotency keys return it.
var ErrIdempotency = errors.New("idempotency key reused for a different request")

// A ConflictError reports an object that changed after a plan read it.
type ConflictError struct {
	Object   string // such as "main.Project 7"
	Expected string // what the plan read, such as "version 3" or "status Draft"
	Found    string // what is stored now, such as "version 4", or "no row"
	Err      error  // the database's error, when it reported the conflict (a serialization failure, a deadlock), or nil
}

// Error describes the conflict, with what was expected and what was
// found when they are known.
func (e *ConflictError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "transition: %s changed since it was read", e.Object)
	sep := ": "
	if e.Expected != "" {
		b.WriteString(": expected " + e.Expected)
		sep = ", "
	}
	if e.Found != "" {
		b.WriteString(sep + "found " + e.Found)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Is reports whether target is ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Unwrap returns the database's error, if any.
func (e *ConflictError) Unwrap() error { return e.Err }

// A Retrier is a Store that retries conflicts: when applying a plan fails
// with ErrConflict (another writer won), Fire rolls back, begins again,
// reloads the object asked of through its machine's Table, plans again on
// the stored row and applies, as long as Retry says so. The model then
// holds the row as reloaded. A conflict Retry declines is returned.
type Retrier interface {
	// Retry reports whether to try again after attempt (1 for the first)
	// failed with err, a conflict. It may wait before returning, and
	// should give up when ctx is done.
	Retry(ctx context.Context, attempt int, err error) bool
}

// A Locker Tx asks that every object a plan touches be loaded and locked
// (see Table.Load) before any of its steps runs, as Plan.Apply does when
// asked to lock: for units of work whose effects read other rows, and
// must not see them change. Fire and FireJSON lock when their Tx is a
// Locker whose Locks reports true.
type Locker interface {
	Locks() bool
}

// A Claimer Tx takes an idempotency key for its unit of work, so that a
// request a client repeats (after a timeout, say) applies once. Fire,
// FireJSON and FireConfirmed call Claim first in the unit of work, before
// any check, with what the request asks:
//
//   - if the key is new, Claim claims it in the unit of work (so a failure
//     leaves no key behind) and returns nil; the Tx records the steps
//     applied with it when it appends the history;
//   - if the same request used it and committed, Claim returns the steps it
//     applied: nothing is applied again, and the caller gets the first
//     outcome, marked Replayed (the model is reloaded through its Table);
//   - if another request (another transition, object or input) used it,
//     Claim returns an error wrapping ErrIdempotency.
//
// A duplicate that arrives while the first is in flight waits for it.
type Claimer interface {
	Claim(ctx context.Context, r Request) (replay []Step, err error)
}

// Request is what a Claimer compares to tell a repeated request from
// another one under the same key.
type Request struct {
	Machine    string // such as "main.Project.status"
	Transition string // such as "publish"
	Object     any    // the object's identity (see Machine.Identify)
	Actor      string // the actor, named as in Error.Actor
	// Input is the input as JSON: the payload given to FireJSON, or the
	// input given to Fire, marshalled (nil for NoInput). A request repeats
	// another only through the same method.
	Input []byte
}

// An Enclosed Tx is part of a transaction it does not end, such as a
// SAVEPOINT in the caller's own database transaction: its Commit only
// ends its part, so the after-commit hooks must wait for the caller's
// commit. Instead of running them, the transition package hands them to
// Defer, and the Store's owner runs them once the enclosing transaction
// has committed (and drops them if it rolls back).
type Enclosed interface {
	Defer(afterCommit func(ctx context.Context) error)
}

// Memory returns the Store that keeps models where they are: in memory, as
// the caller holds them. Its units of work are unit, its clock now
// (time.Now when nil). Commit keeps every change; a failure restores the
// models (the transition package does that for every Store). It suits
// unit tests and programs without a database; it is safe for concurrent
// use.
//
// A Memory store is also a Tx and a Scope, so checks can be run with it
// directly:
//
//	mem := transition.Memory(repo, nil)
//	ok := Publish.Can(ctx, mem, user, project)
func Memory[U any](unit U, now func() time.Time) *MemoryStore[U] {
	return &MemoryStore[U]{unit: unit, now: now}
}

// MemoryStore is the Store made by Memory.
type MemoryStore[U any] struct {
	unit U
	now  func() time.Time
}

// Begin returns s: its units of work share nothing but the unit.
func (s *MemoryStore[U]) Begin(context.Context) (Tx[U], error) { return s, nil }

// Unit returns the unit of work s was made with.
func (s *MemoryStore[U]) Unit() U { return s.unit }

// Now returns the time by s's clock.
func (s *MemoryStore[U]) Now() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// Append keeps nothing: a Memory store has no history.
func (s *MemoryStore[U]) Append(context.Context, []Step) error { return nil }

// Commit keeps the models as the transitions left them.
func (s *MemoryStore[U]) Commit(context.Context) error { return nil }

// Rollback does nothing: the transition package restores the models.
func (s *MemoryStore[U]) Rollback(context.Context) error { return nil }
