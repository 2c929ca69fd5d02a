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
//	Load every object the plan touches, once each (locked, if asked)
//	for each step, parents first: before hooks, effects, set the states, after hooks
//	Save every object the plan changed, once each, compared with what the plan read
//	Append the history: every step applied
//	Commit
//	after-commit hooks
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
	// one row per Move) and the index of its cause. It is called once,
	// after every object is saved (so a created object has its identity).
	Append(ctx context.Context, steps []Step) error
	// Commit makes the unit of work durable. An error means the outcome
	// is unknown: no after-commit hook runs.
	Commit(ctx context.Context) error
	// Rollback discards the unit of work.
	Rollback(ctx context.Context) error
}

// A Table loads and saves models of type M in a unit of work of a Store
// whose unit is U. Declare it once per model with Machine.Table; a Table
// is typically stateless and reaches the database through tx.Unit(). It
// must not end the unit of work (Commit or Rollback): the transition
// package does. A Table of a model that creation transitions create (see
// Create) also implements Inserter.
type Table[M, U any] interface {
	// Load reads the stored row of the object m names (by its identity)
	// into a new M, locking it for the rest of the unit of work if lock
	// is set. It returns an error wrapping ErrConflict if the row is gone.
	Load(ctx context.Context, tx Tx[U], m *M, lock bool) (*M, error)
	// Save writes m, which the plan changed, if the stored row is still as
	// w says the plan read it (by version, or by its state fields): a
	// compare-and-set. It returns an error wrapping ErrConflict if not,
	// best a *ConflictError (whose Object the transition package fills in
	// when it is empty).
	Save(ctx context.Context, tx Tx[U], m *M, w Write) error
}

// An Inserter is a Table that stores new objects, for creation
// transitions.
type Inserter[M, U any] interface {
	// Insert stores m, a new object, and sets its identity on m.
	Insert(ctx context.Context, tx Tx[U], m *M) error
}

// Write says what a plan read of an object it saves, so that Save can
// compare and set.
type Write struct {
	// Version is the version the plan read, when the model has one (see
	// Machine.Version); the model already holds Version+1. It is 0
	// otherwise.
	Version int64
	// Fields lists the state fields the plan moved, with the values it
	// read and writes; Save compares the stored values with From when
	// there is no version.
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
}

// Error describes the conflict.
func (e *ConflictError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "transition: %s changed since it was read", e.Object)
	if e.Expected != "" || e.Found != "" {
		fmt.Fprintf(&b, ": expected %s, found %s", e.Expected, e.Found)
	}
	return b.String()
}

// Is reports whether target is ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

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
