package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/statecraft/statecraft/transition"
)

// In returns a Store whose units of work run inside tx, the caller's own
// transaction, each in a SAVEPOINT: a transition that fails or loses a
// conflict rolls back to its savepoint, so the caller's transaction stays
// usable (on PostgreSQL a failed statement would otherwise abort it),
// and one that succeeds releases it. Nothing is committed until the
// caller commits tx.
//
// A *sql.Tx has no commit hook, so the after-commit hooks of the
// transitions fired through the returned Store wait in it: once tx has
// committed, call AfterCommit; if tx rolls back, drop the Store. Conflicts
// are never retried inside the caller's transaction: it has read what it
// read.
//
// On SQLite, begin tx so that it takes the write lock at once (a DSN with
// _txlock=immediate does, with modernc.org/sqlite), or have it write
// first: a transaction that reads and only later writes may find another
// writer committed in between, an error SQLite does not wait out.
func (s *Store[U]) In(tx *sql.Tx) *Nested[U] {
	return &Nested[U]{s: s, tx: tx, q: dbtx{tx, s.d}, unit: s.unit(dbtx{tx, s.d})}
}

// Nested is the Store In returns: its units of work are savepoints of
// the caller's transaction. It is not safe for concurrent use, as a
// *sql.Tx is not.
type Nested[U any] struct {
	s        *Store[U]
	tx       *sql.Tx
	q        dbtx
	unit     U
	n        int // savepoints begun, to name the next
	mu       sync.Mutex
	deferred []func(context.Context) error
}

// Begin begins a unit of work: a SAVEPOINT of the caller's transaction.
func (n *Nested[U]) Begin(ctx context.Context) (transition.Tx[U], error) {
	if n.tx == nil {
		return nil, errors.New("sqlstore: In(nil): no transaction")
	}
	n.n++
	sp := fmt.Sprintf("statecraft_%d", n.n)
	if _, err := n.tx.ExecContext(ctx, `SAVEPOINT `+sp); err != nil {
		return nil, classify(err)
	}
	return &nestedTx[U]{txn: &txn[U]{s: n.s, tx: n.tx, q: n.q, unit: n.unit, now: n.s.now(), sp: sp}, n: n}, nil
}

// View runs fn in the caller's transaction, for checks and lists of what
// an actor may do.
func (n *Nested[U]) View(ctx context.Context, fn func(sc transition.Scope[U]) error) error {
	return fn(&txn[U]{s: n.s, tx: n.tx, q: n.q, unit: n.unit, now: n.s.now()})
}

// AfterCommit runs the after-commit hooks of every transition fired
// through n since the last call, in order: call it once the caller's
// transaction has committed. Their failures are joined in the error
// (each an *transition.Error matching transition.ErrAfterCommit).
func (n *Nested[U]) AfterCommit(ctx context.Context) error {
	n.mu.Lock()
	hooks := n.deferred
	n.deferred = nil
	n.mu.Unlock()
	var errs []error
	for _, h := range hooks {
		if err := h(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// nestedTx is a unit of work of a Nested store: Enclosed, so the
// transition package hands it the after-commit hooks.
type nestedTx[U any] struct {
	*txn[U]
	n *Nested[U]
}

// Defer keeps the after-commit hooks of a transition for AfterCommit.
func (t *nestedTx[U]) Defer(fn func(context.Context) error) {
	t.n.mu.Lock()
	t.n.deferred = append(t.n.deferred, fn)
	t.n.mu.Unlock()
}
