// Package dbwrap wraps any database/sql driver so that tests and benchmarks
// can count the statements a piece of code sends to the database and inject
// faults into them.
//
// Open a database through a Wrapper with Open; every connection it makes is
// the driver's own, wrapped. The wrapped connections and statements keep the
// optional driver interfaces database/sql looks for (ConnBeginTx,
// ExecerContext, QueryerContext, NamedValueChecker, SessionResetter,
// Validator, Pinger, and ColumnConverter on statements) behaving as the
// driver's own do, so database/sql treats the wrapped driver exactly as it
// treats the driver itself. Rows and results are the driver's, unwrapped.
package dbwrap

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Kind says what an Op does.
type Kind int

// The kinds of operation a Wrapper sees.
const (
	Begin    Kind = iota + 1 // start a transaction
	Commit                   // commit a transaction
	Rollback                 // roll a transaction back
	Exec                     // run a statement that returns no rows, directly or through a prepared statement
	Query                    // run a statement that returns rows (Query, QueryRow), directly or through a prepared statement
	Prepare                  // prepare a statement, explicitly or because the driver runs statements no other way
	numKinds
)

var kindNames = [numKinds]string{Begin: "begin", Commit: "commit", Rollback: "rollback", Exec: "exec", Query: "query", Prepare: "prepare"}

// statements are the kinds Count counts when given none.
var statements = []Kind{Begin, Commit, Rollback, Exec, Query}

// String returns the kind's name in lower case, such as "begin".
func (k Kind) String() string {
	if k > 0 && k < numKinds {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Op is one operation on the database, as Wrapper.Fail and Wrapper.Log see it.
type Op struct {
	Kind  Kind
	Query string // the SQL text for Exec, Query and Prepare; "" otherwise
}

// String returns the kind followed by the query, if any: "exec INSERT ...".
func (o Op) String() string {
	if o.Query == "" {
		return o.Kind.String()
	}
	return o.Kind.String() + " " + o.Query
}

// A Wrapper counts, and may fail, the operations of the databases opened
// through it with Open. Set its fields before opening; its methods are safe
// for concurrent use. A Wrapper must not be copied after first use.
//
// What counts: each operation handed to the driver, whether the database then
// succeeds or fails: Begin, Commit and Rollback of a transaction; Exec and
// Query for each statement run, directly or through a prepared statement (one
// per run of the statement; a Query is one however many rows it reads); and
// Prepare for each statement prepared, including those database/sql prepares
// itself on a driver that cannot run statements directly. Not counted: an
// operation Fail refused (it never reached the driver); a statement the driver
// declined with driver.ErrSkip (database/sql then prepares and runs it, which
// counts); pings, session resets, closing statements and rows, and reading
// rows.
type Wrapper struct {
	// Fail, if set, is called before every operation with what it is about
	// to do; if it returns an error, the operation does not reach the
	// driver and the error is returned in its place. It is called from many
	// goroutines at once when the database is used so.
	//
	// An injected error is returned as it is, so database/sql does not retry
	// the operation, as it would on driver.ErrBadConn: to simulate a database
	// closed under the code, fail every operation from some point on. A
	// failed Commit or Rollback still rolls the driver's transaction back, as
	// a failed COMMIT does, so the connection returns to the pool clean. A
	// failed statement does not reach the database, so unlike a real error
	// on PostgreSQL it leaves the transaction able to commit.
	Fail func(op Op) error

	// Record, if set, keeps every counted operation for Log.
	Record bool

	counts [numKinds]atomic.Int64
	mu     sync.Mutex
	log    []Op
}

// Count returns how many operations of the given kinds were counted since
// the last Reset (see Wrapper for what counts). With no kinds it returns
// the statements sent to the database: Begin, Commit, Rollback, Exec and
// Query, but not Prepare, so that the total does not depend on whether a
// driver prepares statements it cannot run directly. Ask for Prepare by name.
func (w *Wrapper) Count(kinds ...Kind) int64 {
	if len(kinds) == 0 {
		kinds = statements
	}
	var n int64
	for _, k := range kinds {
		if k > 0 && k < numKinds {
			n += w.counts[k].Load()
		}
	}
	return n
}

// Reset sets every count to zero and empties the log.
func (w *Wrapper) Reset() {
	for i := range w.counts {
		w.counts[i].Store(0)
	}
	w.mu.Lock()
	w.log = nil
	w.mu.Unlock()
}

// Log returns the operations counted since the last Reset while Record was
// set, in the order they ended.
func (w *Wrapper) Log() []Op {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Op(nil), w.log...)
}

// FailAt returns a function for Wrapper.Fail that fails with err the nth
// operation (counting from 1) of the given kind whose query contains substr,
// and lets every other operation run. It is safe for concurrent use.
func FailAt(kind Kind, substr string, n int, err error) func(Op) error {
	var seen atomic.Int64
	return func(op Op) error {
		if op.Kind == kind && strings.Contains(op.Query, substr) && seen.Add(1) == int64(n) {
			return err
		}
		return nil
	}
}

// run passes op to Fail, unless approved, then runs it with f, and counts it
// unless Fail refused it or the driver declined it with driver.ErrSkip.
func (w *Wrapper) run(op Op, approved bool, f func() error) error {
	if w.Fail != nil && !approved {
		if err := w.Fail(op); err != nil {
			return err
		}
	}
	err := f()
	if err != driver.ErrSkip {
		w.counts[op.Kind].Add(1)
		if w.Record {
			w.mu.Lock()
			w.log = append(w.log, op)
			w.mu.Unlock()
		}
	}
	return err
}

// Open opens the database driverName (a registered database/sql driver, such
// as "sqlite" or "pgx") names by dsn, as sql.Open does, with every operation
// of every connection going through w, which must not be nil.
func Open(driverName, dsn string, w *Wrapper) (*sql.DB, error) {
	if w == nil {
		return nil, errors.New("dbwrap: Open with a nil *Wrapper")
	}
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		return nil, err
	}
	d := db.Driver()
	db.Close()
	var c driver.Connector = dsnConnector{d, dsn}
	if dc, ok := d.(driver.DriverContext); ok {
		if c, err = dc.OpenConnector(dsn); err != nil {
			return nil, err
		}
	}
	return sql.OpenDB(connector{c, w}), nil
}

// dsnConnector is the connector database/sql uses for a driver that has no
// DriverContext.
type dsnConnector struct {
	d   driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.d }

type connector struct {
	c driver.Connector
	w *Wrapper
}

func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	ci, err := c.c.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &conn{Conn: ci, w: c.w}, nil
}

func (c connector) Driver() driver.Driver { return wrappedDriver(c) }

// Close closes the driver's connector if it has a Close, as sql.DB.Close would.
func (c connector) Close() error {
	if cl, ok := c.c.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

// wrappedDriver is what the database's Driver method returns.
type wrappedDriver connector

func (d wrappedDriver) Open(name string) (driver.Conn, error) {
	ci, err := d.c.Driver().Open(name)
	if err != nil {
		return nil, err
	}
	return &conn{Conn: ci, w: d.w}, nil
}
