// Package sqlstore runs transitions durably on a database through
// database/sql: each transition, with its whole causal chain and its
// history, is one transaction that commits or leaves nothing behind.
//
// A Store is a [transition.Store]. Its units of work are database
// transactions; the application's own unit of work (its repository) is
// built on each one by a function it gives:
//
//	store, err := sqlstore.New(db, sqlexpr.Postgres, NewRepo, nil)
//	...
//	err = Publish.Fire(ctx, store, user, project, in)
//
// Each model is mapped once to its table, with a [Table] (see [Map]); the
// machine then loads and saves through it:
//
//	var projectRows = sqlstore.Map[*Repo]("projects", func(p *Project) []sqlstore.Column {
//		return []sqlstore.Column{
//			sqlstore.Key("id", &p.ID),
//			sqlstore.Col("title", &p.Title),
//			sqlstore.Col("status", &p.Status),
//			sqlstore.Version("version", &p.Version),
//		}
//	})
//	var Projects = transition.For[User, *Repo](Status).Version(...).Table(projectRows)
//
// Saves compare and set: on the version column where the table has one,
// else on the columns the transition changes; the loser of two concurrent
// writers gets a [transition.ConflictError] and nothing of its work is
// written. A cascade over many children is a few batched statements. The
// history of every step is appended in the same transaction (see
// [Store.History] and [Store.Feed]).
//
// Beyond one transition in one transaction:
//
//   - Store.In runs transitions inside the caller's own *sql.Tx, each in a
//     SAVEPOINT, and keeps their after-commit hooks until the caller has
//     committed;
//   - Store.Key runs a request under its client's idempotency key, so that
//     a repeat applies once and returns the first outcome;
//   - Options.Lock locks rows before the checks run, Options.Retries retries
//     conflicts;
//   - transition.Transition.Where renders who may run a transition on which
//     rows as one SQL predicate, for lists paginated by the database;
//   - Survey and Constraint adopt an existing table (see adopt.go).
//
// The package imports no driver: open the database with the driver of
// your choice. It is tested with SQLite through modernc.org/sqlite and
// with PostgreSQL through github.com/jackc/pgx/v5/stdlib.
//
// # SQLite
//
// SQLite allows one writer at a time. A Store puts the database in WAL
// mode (readers then never block the writer), and begins every unit of
// work with BEGIN IMMEDIATE, so that writers queue for the write lock up
// front rather than fail when they first write: a busy database is waited
// out (set a busy timeout in the DSN, such as
// _pragma=busy_timeout(10000), to let the driver wait; the Store waits
// too), never reported as a conflict. Every connection to an in-memory
// database (:memory:) is a database of its own: use a file.
//
// # PostgreSQL
//
// Units of work are READ COMMITTED transactions; the compare-and-set makes
// them safe. Serialization failures and deadlocks (SQLSTATE 40001 and
// 40P01) are conflicts, like a lost compare-and-set.
package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
)

// Querier is what a unit of work reads and writes through: a *sql.Tx, or
// a *sql.Conn in a transaction. Its methods are those of the DBTX
// interface that sqlc generates, so generated queries take it as is.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Options configure a Store. The zero Options, or nil, are the defaults.
type Options struct {
	// History names the history table, "statecraft_history" by default.
	// See Store.Schema for its definition.
	History string
	// Keys names the table of idempotency keys (see Store.Key),
	// "statecraft_idempotency" by default.
	Keys string
	// Retries is how many times a transition that lost a conflict is
	// tried again: its object reloaded, planned again on the stored row,
	// applied. Zero, the default, never retries: the conflict is returned.
	// Retrying suits transitions whose checks are cheap and whose
	// outcome does not depend on what the person saw.
	Retries int
	// Lock has every transition lock the rows of the objects it touches
	// before any of its steps runs (SELECT ... FOR UPDATE on PostgreSQL,
	// parents before children, each table's rows by key, so that
	// cascades cannot deadlock each other), and fail with a conflict if
	// one changed since it was read. On SQLite a unit of work holds the
	// database's write lock from its first statement, so Lock only
	// compares. Use it when effects read other rows and must not see them
	// change.
	Lock bool
	// Now is the clock of units of work (time.Now by default): it stamps
	// events and history rows, and conditional states are tested at it.
	Now func() time.Time
}

// A Store runs transitions in transactions of one database. It is safe
// for concurrent use; the transactions of concurrent transitions are
// independent.
type Store[U any] struct {
	db      *sql.DB
	d       sqlexpr.Dialect
	unit    func(q Querier) U
	opts    Options
	history string // the history table, quoted
	keys    string // the table of idempotency keys, quoted
}

// New returns the Store of database db, whose SQL dialect is d
// (sqlexpr.SQLite or sqlexpr.Postgres). Each unit of work is a
// transaction; unit builds the application's unit of work on it. On
// SQLite, New puts the database in WAL mode.
func New[U any](db *sql.DB, d sqlexpr.Dialect, unit func(q Querier) U, opts *Options) (*Store[U], error) {
	if db == nil || unit == nil {
		return nil, errors.New("sqlstore: New needs a database and a function that builds the unit of work")
	}
	if d != sqlexpr.SQLite && d != sqlexpr.Postgres {
		return nil, fmt.Errorf("sqlstore: dialect %q is not supported: use sqlexpr.SQLite or sqlexpr.Postgres", d)
	}
	s := &Store[U]{db: db, d: d, unit: unit}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.History == "" {
		s.opts.History = "statecraft_history"
	}
	if s.opts.Retries < 0 {
		return nil, fmt.Errorf("sqlstore: Options.Retries is %d, want 0 or more", s.opts.Retries)
	}
	if s.opts.Keys == "" {
		s.opts.Keys = "statecraft_idempotency"
	}
	var err error
	if s.history, err = sqlexpr.ParseIdent(s.opts.History).Quote(d); err != nil {
		return nil, fmt.Errorf("sqlstore: Options.History: %w", err)
	}
	if s.keys, err = sqlexpr.ParseIdent(s.opts.Keys).Quote(d); err != nil {
		return nil, fmt.Errorf("sqlstore: Options.Keys: %w", err)
	}
	if d == sqlexpr.SQLite {
		var mode string
		if err := db.QueryRow(`PRAGMA journal_mode = WAL`).Scan(&mode); err != nil {
			return nil, fmt.Errorf("sqlstore: setting SQLite's WAL mode: %w", err)
		}
	}
	return s, nil
}

// Querier returns the database as a Querier, outside any unit of work:
// for reads such as Table.Select that need no transaction.
func (s *Store[U]) Querier() Querier { return dbtx{s.db, s.d} }

// Dialect returns the SQL dialect of the Store's database.
func (s *Store[U]) Dialect() sqlexpr.Dialect { return s.d }

// now returns the time by the Store's clock.
func (s *Store[U]) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// Begin begins a unit of work: a transaction (BEGIN IMMEDIATE on SQLite,
// waiting while another writer holds the database).
func (s *Store[U]) Begin(ctx context.Context) (transition.Tx[U], error) {
	return s.begin(ctx, true)
}

func (s *Store[U]) begin(ctx context.Context, write bool) (*txn[U], error) {
	t := &txn[U]{s: s, now: s.now()}
	if s.d == sqlexpr.SQLite {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		begin := "BEGIN"
		if write {
			begin = "BEGIN IMMEDIATE"
		}
		err = waitBusy(ctx, func() error { _, err := conn.ExecContext(ctx, begin); return err })
		if err != nil {
			conn.Close()
			return nil, err
		}
		t.conn, t.q = conn, dbtx{conn, s.d}
	} else {
		tx, err := s.db.BeginTx(ctx, nil) // not READ ONLY: a View may read related rows FOR SHARE
		if err != nil {
			return nil, classify(err)
		}
		t.tx, t.q = tx, dbtx{tx, s.d}
	}
	if err := t.build(); err != nil {
		t.Rollback(ctx)
		return nil, err
	}
	return t, nil
}

// build builds the application's unit of work on the transaction; a panic
// in the function that builds it is an error.
func (t *txn[U]) build() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlstore: building the unit of work panicked: %v", p)
		}
	}()
	t.unit = t.s.unit(t.q)
	return nil
}

// View runs fn in a unit of work that it then rolls back: for checks and
// lists of what an actor may do (transition.Machine.Available and the
// like) outside a transition.
func (s *Store[U]) View(ctx context.Context, fn func(sc transition.Scope[U]) error) error {
	t, err := s.begin(ctx, false)
	if err != nil {
		return err
	}
	defer t.Rollback(ctx)
	return fn(t)
}

// Retry reports whether a transition that lost a conflict is tried again
// (see Options.Retries), after a short, growing, random wait. It makes a
// Store a transition.Retrier.
func (s *Store[U]) Retry(ctx context.Context, attempt int, err error) bool {
	if attempt > s.opts.Retries {
		return false
	}
	return sleep(ctx, backoff(attempt)) == nil
}

// backoff is the wait before retry n: up to 1ms, 2ms, 4ms ... 64ms, at random.
func backoff(n int) time.Duration {
	limit := time.Millisecond << min(n-1, 6)
	return time.Duration(rand.Int64N(int64(limit))) + limit/4
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// waitBusy runs fn until SQLite is no longer busy, or ctx is done.
func waitBusy(ctx context.Context, fn func() error) error {
	for n := 1; ; n++ {
		err := fn()
		if err == nil || !isBusy(err) {
			return err
		}
		if err := sleep(ctx, backoff(n)); err != nil {
			return fmt.Errorf("sqlstore: waiting for SQLite's write lock: %w", err)
		}
	}
}

// dbtx is the Querier a Store gives units of work: the transaction, and
// its dialect (see Table.Select).
type dbtx struct {
	Querier
	d sqlexpr.Dialect
}

// Dialect returns the dialect of the database.
func (q dbtx) Dialect() sqlexpr.Dialect { return q.d }

// txn is a unit of work of a Store: a transaction.
type txn[U any] struct {
	s     *Store[U]
	conn  *sql.Conn // SQLite: the connection in BEGIN IMMEDIATE
	tx    *sql.Tx   // PostgreSQL, or the caller's transaction
	q     Querier
	unit  U
	now   time.Time
	sp    string // the savepoint, inside a caller's transaction
	key   string // the idempotency key, if any (see Store.Key)
	actor string // the actor who claimed it
	done  bool
}

func (t *txn[U]) Unit() U        { return t.unit }
func (t *txn[U]) Now() time.Time { return t.now }
func (t *txn[U]) base() *txn[U]  { return t }

// Locks reports whether the Store's Options ask for locking: it makes a
// unit of work a transition.Locker.
func (t *txn[U]) Locks() bool { return t.s.opts.Lock }

// Commit commits the transaction. A serialization failure or deadlock is
// a conflict: nothing was committed. Any other error leaves the outcome
// unknown.
func (t *txn[U]) Commit(ctx context.Context) error {
	if t.done {
		return errors.New("sqlstore: the unit of work has ended")
	}
	t.done = true
	var err error
	if t.sp != "" {
		_, err = t.q.ExecContext(ctx, `RELEASE SAVEPOINT `+t.sp)
		if err != nil {
			t.rollbackTo(ctx)
		}
	} else if t.conn != nil {
		// Not cancelled half-way: a COMMIT interrupted is an unknown outcome.
		_, err = t.conn.ExecContext(context.WithoutCancel(ctx), `COMMIT`)
		if err != nil {
			t.endConn(ctx)
		} else {
			t.conn.Close()
		}
	} else {
		err = t.tx.Commit()
	}
	return classify(err)
}

// Rollback rolls the transaction back.
func (t *txn[U]) Rollback(ctx context.Context) error {
	if t.done {
		return nil
	}
	t.done = true
	if t.sp != "" {
		return t.rollbackTo(ctx)
	}
	if t.conn != nil {
		return t.endConn(ctx)
	}
	return t.tx.Rollback()
}

// rollbackTo rolls back to the savepoint and releases it.
func (t *txn[U]) rollbackTo(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	if _, err := t.q.ExecContext(ctx, `ROLLBACK TO SAVEPOINT `+t.sp); err != nil {
		return err
	}
	_, err := t.q.ExecContext(ctx, `RELEASE SAVEPOINT `+t.sp)
	return err
}

// endConn rolls back SQLite's transaction and returns the connection to
// the pool; or, if the rollback fails, discards the connection.
func (t *txn[U]) endConn(ctx context.Context) error {
	_, err := t.conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
	if err != nil {
		_ = t.conn.Raw(func(any) error { return driver.ErrBadConn }) // never reuse a connection left in a transaction
	}
	t.conn.Close()
	return err
}

// of returns the sqlstore unit of work behind tx.
func of[U any](tx transition.Tx[U]) (*txn[U], error) {
	if b, ok := tx.(interface{ base() *txn[U] }); ok {
		return b.base(), nil
	}
	return nil, fmt.Errorf("sqlstore: a unit of work of type %T, not of a sqlstore.Store", tx)
}

// classify turns a serialization failure or a deadlock into a conflict.
func classify(err error) error {
	if err != nil && isConflict(err) {
		return &transition.ConflictError{Expected: "a transaction that commits", Found: "a concurrent one it conflicts with", Err: err}
	}
	return err
}

// isConflict reports whether err is PostgreSQL's serialization failure
// (SQLSTATE 40001) or deadlock (40P01). It reads the SQLSTATE through the
// method pgx's and lib/pq's errors have, so no driver is imported.
func isConflict(err error) bool {
	var se interface{ SQLState() string }
	if errors.As(err, &se) {
		switch se.SQLState() {
		case "40001", "40P01":
			return true
		}
	}
	return false
}

// isBusy reports whether err is SQLite's SQLITE_BUSY or SQLITE_LOCKED,
// read through the Code method of modernc.org/sqlite's errors.
func isBusy(err error) bool {
	var ce interface{ Code() int }
	if errors.As(err, &ce) {
		switch ce.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return true
		}
	}
	return false
}
