package transitiontest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/statecraft/statecraft/internal/claim"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// Store is an in-memory stand-in for a sqlstore.Store, for tests: the
// machines keep their Tables (made with sqlstore.Map), and a test swaps
// the database out by changing one line:
//
//	store := transitiontest.NewStore(NewRepo, &sqlstore.Options{Now: clock.Now})
//	// rather than sqlstore.New(db, sqlexpr.SQLite, NewRepo, &sqlstore.Options{Now: clock.Now})
//
// It behaves as a sqlstore.Store does: units of work that commit or leave
// nothing behind (cascades included), compare-and-set saves with the same
// conflicts, retries (Options.Retries), the history with its reader and
// feed, idempotency keys, after-commit hooks only after a commit. Its units
// of work run one at a time, as SQLite's writers do. Loaders read through
// Table.Select, whose predicates are evaluated in Go (see
// sqlexpr.Expr.Match); raw SQL has no database to run on and fails.
type Store[U any] struct {
	unit func(q sqlstore.Querier) U
	opts sqlstore.Options
	turn chan struct{} // held by the unit of work that runs

	mu      sync.Mutex // guards what follows, which units of work replace when they commit
	tables  map[string]map[any]any
	history []sqlstore.Record
	keys    map[[2]string]keyClaim
	fired   map[string]bool // every transition committed, "machine name" (see Cover)
}

// keyClaim is an idempotency key taken by a request: the request, and
// its outcome once committed (see package internal/claim).
type keyClaim struct {
	request string
	outcome []byte
}

// NewStore returns an empty in-memory Store whose units of work are built
// by unit, configured by opts as a sqlstore.Store is (Now and Retries
// apply; the tables' names do not).
func NewStore[U any](unit func(q sqlstore.Querier) U, opts *sqlstore.Options) *Store[U] {
	s := &Store[U]{unit: unit, turn: make(chan struct{}, 1), tables: map[string]map[any]any{}, keys: map[[2]string]keyClaim{}, fired: map[string]bool{}}
	if opts != nil {
		s.opts = *opts
	}
	watched(s)
	return s
}

// committed lists the transitions committed in s, named as Cover counts
// them.
func (s *Store[U]) committed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.fired))
	for k := range s.fired {
		out = append(out, k)
	}
	return out
}

func (s *Store[U]) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// Begin begins a unit of work, once the one running has ended.
func (s *Store[U]) Begin(ctx context.Context) (transition.Tx[U], error) {
	return s.begin(ctx, "")
}

func (s *Store[U]) begin(ctx context.Context, key string) (*tx[U], error) {
	select {
	case s.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	t := &tx[U]{s: s, now: s.now(), key: key, work: map[string]map[any]any{}}
	if err := t.build(); err != nil {
		<-s.turn
		return nil, err
	}
	return t, nil
}

// Unit returns a unit of work that reads what has been committed: a Store
// is also a transition.Scope, so that checks run on it directly
// (transitiontest.Available(t, Publish, store, alice, p)).
func (s *Store[U]) Unit() U { return s.unit(s.Querier()) }

// Now returns the time by the Store's clock (Options.Now).
func (s *Store[U]) Now() time.Time { return s.now() }

// Retry retries a conflict as Options.Retries says.
func (s *Store[U]) Retry(ctx context.Context, attempt int, err error) bool {
	return attempt <= s.opts.Retries && ctx.Err() == nil
}

// Key returns the Store under an idempotency key, as sqlstore.Store.Key.
func (s *Store[U]) Key(key string) transition.Store[U] {
	if key == "" {
		return s
	}
	return &keyed[U]{s, key}
}

// View runs fn in a unit of work that it then discards.
func (s *Store[U]) View(ctx context.Context, fn func(sc transition.Scope[U]) error) error {
	t, err := s.begin(ctx, "")
	if err != nil {
		return err
	}
	defer t.Rollback(ctx)
	return fn(t)
}

// Update runs fn in a unit of work, and commits it if fn returns nil: to
// put a test's rows in place, with Table.Insert.
func (s *Store[U]) Update(ctx context.Context, fn func(tx transition.Tx[U]) error) error {
	t, err := s.begin(ctx, "")
	if err != nil {
		return err
	}
	if err := fn(t); err != nil {
		t.Rollback(ctx)
		return err
	}
	return t.Commit(ctx)
}

// History returns the rows of the history f selects, as
// sqlstore.Store.History does.
func (s *Store[U]) History(_ context.Context, f sqlstore.Filter) ([]sqlstore.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sqlstore.Record
	for _, r := range s.history {
		if f.ObjectType != "" && r.ObjectType != f.ObjectType ||
			f.ObjectID != "" && r.ObjectID != f.ObjectID ||
			f.Actor != "" && r.Actor != f.Actor ||
			f.Transition != "" && r.Transition != f.Transition ||
			!f.Since.IsZero() && r.At.Before(f.Since) ||
			!f.Until.IsZero() && !r.At.Before(f.Until) ||
			r.ID <= f.After {
			continue // f leaves r out
		}
		out = append(out, r)
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	return out, nil
}

// Feed returns up to limit rows of the history after the row whose id is
// after, as sqlstore.Store.Feed does.
func (s *Store[U]) Feed(ctx context.Context, after int64, limit int) ([]sqlstore.Record, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("transitiontest: Feed needs a limit above 0, not %d", limit)
	}
	s.mu.Lock()
	n := int64(len(s.history))
	s.mu.Unlock()
	if after < 0 || after > n {
		return nil, fmt.Errorf("%w: %d", sqlstore.ErrCursor, after)
	}
	return s.History(ctx, sqlstore.Filter{After: after, Limit: limit})
}

// Querier returns a Querier for reads outside a unit of work, with
// Table.Select, of what has been committed.
func (s *Store[U]) Querier() sqlstore.Querier {
	return querier{keep: func(table string) map[any]any {
		s.mu.Lock()
		defer s.mu.Unlock()
		return maps.Clone(s.tables[table])
	}}
}

// tx is a unit of work of a Store: it works on copies of the tables it
// touches, and puts them in place when it commits.
type tx[U any] struct {
	s     *Store[U]
	now   time.Time
	unit  U
	key   string
	actor string
	work  map[string]map[any]any
	steps []transition.Step
	done  bool
}

func (t *tx[U]) build() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("transitiontest: building the unit of work panicked: %v", p)
		}
	}()
	t.unit = t.s.unit(querier{keep: t.Keep})
	return nil
}

func (t *tx[U]) Unit() U        { return t.unit }
func (t *tx[U]) Now() time.Time { return t.now }

// Keep returns the unit of work's copy of table (see sqlstore.Keeper).
func (t *tx[U]) Keep(table string) map[any]any {
	if w, ok := t.work[table]; ok {
		return w
	}
	t.s.mu.Lock()
	w := maps.Clone(t.s.tables[table])
	t.s.mu.Unlock()
	if w == nil {
		w = map[any]any{}
	}
	t.work[table] = w
	return w
}

// Append keeps the steps, for the history written when it commits.
func (t *tx[U]) Append(_ context.Context, steps []transition.Step) error {
	t.steps = append(t.steps, steps...)
	return nil
}

// Commit puts the unit of work's tables, history and key in place.
func (t *tx[U]) Commit(context.Context) error {
	if t.done {
		return errors.New("transitiontest: the unit of work has ended")
	}
	s := t.s
	s.mu.Lock()
	defer t.end()
	defer s.mu.Unlock()
	recs, err := sqlstore.Records(t.steps, t.key, int64(len(s.history))+1)
	var outcome []byte
	if err == nil && t.key != "" {
		outcome, err = claim.Encode(t.steps)
	}
	if err != nil {
		t.dropClaim() // nothing was committed
		return err
	}
	maps.Copy(s.tables, t.work)
	s.history = append(s.history, recs...)
	for _, st := range t.steps {
		s.fired[st.Machine+" "+st.Transition] = true
	}
	if t.key != "" {
		s.keys[[2]string{t.actor, t.key}] = keyClaim{request: s.keys[[2]string{t.actor, t.key}].request, outcome: outcome}
	}
	return nil
}

// Rollback discards the unit of work.
func (t *tx[U]) Rollback(context.Context) error {
	if !t.done {
		t.s.mu.Lock()
		t.dropClaim()
		t.s.mu.Unlock()
		t.end()
	}
	return nil
}

// dropClaim removes the idempotency key the unit of work claimed, if it
// claimed one: a request that fails leaves no key behind. s.mu is held.
func (t *tx[U]) dropClaim() {
	if t.key != "" && t.actor != "" {
		delete(t.s.keys, [2]string{t.actor, t.key})
	}
}

func (t *tx[U]) end() {
	t.done = true
	<-t.s.turn
}

// keyed is a Store under an idempotency key.
type keyed[U any] struct {
	s   *Store[U]
	key string
}

func (k *keyed[U]) Begin(ctx context.Context) (transition.Tx[U], error) {
	t, err := k.s.begin(ctx, k.key)
	if err != nil {
		return nil, err
	}
	return &keyedTx[U]{t}, nil
}

func (k *keyed[U]) Retry(ctx context.Context, attempt int, err error) bool {
	return k.s.Retry(ctx, attempt, err)
}

// keyedTx is a unit of work under an idempotency key: a
// transition.Claimer.
type keyedTx[U any] struct{ *tx[U] }

// Claim claims the key for r, or returns the steps of the request that
// claimed it first, as a sqlstore.Store does.
func (t *keyedTx[U]) Claim(_ context.Context, r transition.Request) ([]transition.Step, error) {
	request := claim.Request(r)
	id := [2]string{r.Actor, t.key}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	c, used := t.s.keys[id]
	if !used {
		t.actor = r.Actor
		t.s.keys[id] = keyClaim{request: request}
		return nil, nil
	}
	if c.request != request {
		return nil, claim.Refused(t.key, r.Actor, c.request, request)
	}
	return claim.Decode(c.outcome) // as the database returns it
}

// querier is the Querier of an in-memory unit of work: a sqlstore.Keeper
// for Table.Select, with no SQL to run.
type querier struct {
	keep func(table string) map[any]any
}

func (q querier) Keep(table string) map[any]any { return q.keep(table) }

func (querier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return noSQL.ExecContext(ctx, query, args...)
}
func (querier) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return noSQL.PrepareContext(ctx, query)
}
func (querier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return noSQL.QueryContext(ctx, query, args...)
}
func (querier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return noSQL.QueryRowContext(ctx, query, args...)
}

// ErrNoSQL: an in-memory Store was asked to run SQL.
var ErrNoSQL = errors.New("transitiontest: an in-memory Store runs no SQL: read with sqlstore.Table.Select")

// noSQL is a database whose every statement fails with ErrNoSQL.
var noSQL = sql.OpenDB(noConnector{})

type noConnector struct{}

func (noConnector) Connect(context.Context) (driver.Conn, error) { return nil, ErrNoSQL }
func (noConnector) Driver() driver.Driver                        { return noDriver{} }

type noDriver struct{}

func (noDriver) Open(string) (driver.Conn, error) { return nil, ErrNoSQL }

// snapshot is what a Store holds at one moment, for the explorer.
type snapshot struct {
	tables  map[string]map[any]any
	history []sqlstore.Record
	keys    map[[2]string]keyClaim
}

// snapshot returns what s holds now. Units of work replace tables and
// rows, never change them, so sharing them is safe.
func (s *Store[U]) snapshot() snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return snapshot{tables: maps.Clone(s.tables), history: slices.Clip(s.history), keys: maps.Clone(s.keys)}
}

// restore puts s back as sn was.
func (s *Store[U]) restore(sn snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tables, s.history, s.keys = maps.Clone(sn.tables), sn.history, maps.Clone(sn.keys)
}

// rows prints every row of every table, in order: what the store holds,
// as the explorer tells states apart.
func (s *Store[U]) rows() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(s.tables)) {
		rows := s.tables[name]
		keys := slices.Collect(maps.Keys(rows))
		slices.SortFunc(keys, func(a, b any) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		for _, k := range keys {
			fmt.Fprintf(&b, "%s %v: %+v\n", name, k, rows[k])
		}
	}
	return b.String()
}
