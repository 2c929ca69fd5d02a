package dbwrap

import (
	"context"
	"database/sql/driver"
	"errors"
)

// conn wraps a driver's connection. Every optional interface database/sql
// looks for is implemented, and behaves as database/sql does when the
// driver's connection lacks it, so wrapping changes nothing but counting.
// database/sql uses a connection from one goroutine at a time.
type conn struct {
	driver.Conn
	w *Wrapper

	// declined is the Exec or Query the driver last declined with
	// driver.ErrSkip. database/sql then prepares its query and runs the
	// statement once, and Fail, having seen it already, does not see that
	// run again.
	declined Op
}

var (
	_ driver.ConnBeginTx         = (*conn)(nil)
	_ driver.ConnPrepareContext  = (*conn)(nil)
	_ driver.ExecerContext       = (*conn)(nil)
	_ driver.QueryerContext      = (*conn)(nil)
	_ driver.NamedValueChecker   = (*conn)(nil)
	_ driver.SessionResetter     = (*conn)(nil)
	_ driver.Validator           = (*conn)(nil)
	_ driver.Pinger              = (*conn)(nil)
	_ driver.StmtExecContext     = (*stmt)(nil)
	_ driver.StmtQueryContext    = (*stmt)(nil)
	_ driver.NamedValueChecker   = (*stmt)(nil)
	_ driver.ColumnConverter     = stmtCC{}
	_ driver.Tx                  = (*tx)(nil)
	_ driver.Connector           = connector{}
	_ driver.Driver              = wrappedDriver{}
	_ interface{ Close() error } = connector{}
)

// run runs a statement through the Wrapper, remembering it if the driver
// declines it.
func (c *conn) run(op Op, f func() error) error {
	c.declined = Op{}
	err := c.w.run(op, false, f)
	if err == driver.ErrSkip {
		c.declined = op
	}
	return err
}

func (c *conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	b, ok := c.Conn.(driver.ConnBeginTx)
	if !ok && opts.Isolation != 0 {
		return nil, errors.New("sql: driver does not support non-default isolation level")
	}
	if !ok && opts.ReadOnly {
		return nil, errors.New("sql: driver does not support read-only transactions")
	}
	var ti driver.Tx
	err := c.run(Op{Kind: Begin}, func() (err error) {
		if ok {
			ti, err = b.BeginTx(ctx, opts)
			return err
		}
		if ti, err = c.Conn.Begin(); err == nil && ctx.Err() != nil {
			ti.Rollback()
			return ctx.Err()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &tx{Tx: ti, w: c.w}, nil
}

func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var approved Kind
	if c.declined.Kind != 0 && c.declined.Query == query {
		approved = c.declined.Kind
	}
	var si driver.Stmt
	err := c.run(Op{Kind: Prepare, Query: query}, func() (err error) {
		if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
			si, err = p.PrepareContext(ctx, query)
			return err
		}
		if si, err = c.Conn.Prepare(query); err == nil && ctx.Err() != nil {
			si.Close()
			return ctx.Err()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	s := &stmt{Stmt: si, c: c, query: query, approved: approved}
	if _, ok := si.(driver.ColumnConverter); ok {
		return stmtCC{s}, nil
	}
	return s, nil
}

// ExecContext runs the statement through the driver's ExecerContext. Without
// one it returns driver.ErrSkip, and database/sql prepares the statement and
// runs that, counting a Prepare and an Exec. (So does a driver with only the
// deprecated Execer: it costs a Prepare, and saves wrapping that too.)
func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	ec, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		c.declined = Op{}
		return nil, driver.ErrSkip
	}
	var res driver.Result
	err := c.run(Op{Kind: Exec, Query: query}, func() (err error) {
		res, err = ec.ExecContext(ctx, query, args)
		return err
	})
	return res, err
}

// QueryContext is to queries what ExecContext is to other statements.
func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	qc, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		c.declined = Op{}
		return nil, driver.ErrSkip
	}
	var rows driver.Rows
	err := c.run(Op{Kind: Query, Query: query}, func() (err error) {
		rows, err = qc.QueryContext(ctx, query, args)
		return err
	})
	return rows, err
}

// CheckNamedValue passes arguments to the driver's own check, which drivers
// such as pgx use to accept types database/sql's default converter rejects.
// Without one it returns driver.ErrSkip, which tells database/sql to use the
// default converter, as it would for the driver itself.
func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c *conn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *conn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *conn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// legacyStmt gives a driver's statement without context methods those
// methods, as database/sql calls it.
type legacyStmt struct{ driver.Stmt }

func (l legacyStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	vals, err := values(ctx, args)
	if err != nil {
		return nil, err
	}
	return l.Stmt.Exec(vals)
}

func (l legacyStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	vals, err := values(ctx, args)
	if err != nil {
		return nil, err
	}
	return l.Stmt.Query(vals)
}

// values converts arguments for a driver without context methods, as
// database/sql does.
func values(ctx context.Context, args []driver.NamedValue) ([]driver.Value, error) {
	vals := make([]driver.Value, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, errors.New("sql: driver does not support the use of Named Parameters")
		}
		vals[i] = a.Value
	}
	return vals, ctx.Err()
}

// named converts arguments the other way, for callers of a Stmt's own Exec.
func named(vals []driver.Value) []driver.NamedValue {
	args := make([]driver.NamedValue, len(vals))
	for i, v := range vals {
		args[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return args
}

// tx wraps a driver's transaction.
type tx struct {
	driver.Tx
	w *Wrapper
}

func (t *tx) Commit() error   { return t.end(Commit, t.Tx.Commit) }
func (t *tx) Rollback() error { return t.end(Rollback, t.Tx.Rollback) }

// end runs Commit or Rollback. When Fail refuses it, the driver's
// transaction is rolled back all the same, uncounted, as database/sql
// returns the connection to its pool whatever the error.
func (t *tx) end(kind Kind, f func() error) error {
	op := Op{Kind: kind}
	if t.w.Fail != nil {
		if err := t.w.Fail(op); err != nil {
			t.Tx.Rollback()
			return err
		}
	}
	return t.w.run(op, true, f)
}

// stmt wraps a driver's prepared statement.
type stmt struct {
	driver.Stmt
	c     *conn
	query string

	// approved is the kind of the statement's first run if it is the run
	// of a statement the driver declined, which Fail has seen.
	approved Kind
}

func (s *stmt) run(kind Kind, f func() error) error {
	approved := s.approved == kind
	s.approved = 0
	return s.c.w.run(Op{Kind: kind, Query: s.query}, approved, f)
}

func (s *stmt) Exec(vals []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(vals))
}

func (s *stmt) Query(vals []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(vals))
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	se, ok := s.Stmt.(driver.StmtExecContext)
	if !ok {
		se = legacyStmt{s.Stmt}
	}
	var res driver.Result
	err := s.run(Exec, func() (err error) {
		res, err = se.ExecContext(ctx, args)
		return err
	})
	return res, err
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	sq, ok := s.Stmt.(driver.StmtQueryContext)
	if !ok {
		sq = legacyStmt{s.Stmt}
	}
	var rows driver.Rows
	err := s.run(Query, func() (err error) {
		rows, err = sq.QueryContext(ctx, args)
		return err
	})
	return rows, err
}

// CheckNamedValue uses the statement's own check, else its connection's, as
// database/sql does: pgx checks on the connection only.
func (s *stmt) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return s.c.CheckNamedValue(nv)
}

// stmtCC is a stmt whose driver statement has a ColumnConverter, which
// database/sql consults only if it is there.
type stmtCC struct{ *stmt }

func (s stmtCC) ColumnConverter(idx int) driver.ValueConverter {
	return s.Stmt.(driver.ColumnConverter).ColumnConverter(idx)
}
