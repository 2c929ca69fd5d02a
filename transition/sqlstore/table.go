package sqlstore

import (
	"bytes"
	"context"
	"database/sql/driver"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/statecraft/statecraft/internal/callsite"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
)

// A Column maps one column of a table to a field of a model: see Key, Col
// and Version.
type Column struct {
	name  string
	field any // a pointer to the field
	role  role
}

type role uint8

const (
	plain role = iota
	key
	version
)

// Key maps the table's primary key column to field, a pointer to the
// model's field. A key left zero when a model is created is the
// database's to assign (an identity or autoincrement column).
func Key(name string, field any) Column { return Column{name, field, key} }

// Col maps a column to field, a pointer to the model's field, which
// scans from the column (a state field does, and rejects values it does
// not know) and is written as a query argument.
func Col(name string, field any) Column { return Column{name, field, plain} }

// Version maps the table's version column to field: every save compares
// it and increments it, so that a transition that keeps the state, or
// changes other columns, is protected from concurrent writers too.
// Declare the same field on the machine with transition.Machine.Version.
func Version(name string, field *int64) Column { return Column{name, field, version} }

// A Table maps model M to a table, for the Store whose units of work are
// U: it is the transition.Table a machine loads and saves through. Make
// one with Map, once per model.
type Table[U, M any] struct {
	name     string   // the table, quoted
	names    []string // the columns, quoted, in order
	columns  func(*M) []Column
	key, ver int  // the key's index; the version's, or -1
	binary   bool // whether the key is binary: keyOf gives it as a string, bound as bytes
	typeName string
}

// Map maps model M to table: columns returns, for a model, each of its
// columns with a pointer to its field (see Key, Col and Version). It must
// return the same columns, in the same order, for every model; exactly
// one of them is the Key. Columns not listed are neither read nor written.
// Map panics with a *transition.DeclarationError if the mapping is wrong.
func Map[U, M any](table string, columns func(m *M) []Column) *Table[U, M] {
	at := callsite.Pos(0)
	fail := func(format string, args ...any) {
		panic(&transition.DeclarationError{At: at, Msg: fmt.Sprintf("sqlstore.Map(%q): ", table) + fmt.Sprintf(format, args...)})
	}
	if columns == nil {
		fail("no columns function")
	}
	t := &Table[U, M]{columns: columns, key: -1, ver: -1, typeName: reflect.TypeFor[M]().String()}
	var err error
	if t.name, err = sqlexpr.ParseIdent(table).Quote(sqlexpr.Postgres); err != nil {
		fail("%v", err)
	}
	var m M
	seen := map[string]bool{}
	for i, c := range columns(&m) {
		q, err := sqlexpr.ParseIdent(c.name).Quote(sqlexpr.Postgres) // SQLite quotes the same way
		if err != nil {
			fail("column %d: %v", i, err)
		}
		if seen[c.name] {
			fail("column %q is mapped twice", c.name)
		}
		seen[c.name] = true
		if v := reflect.ValueOf(c.field); v.Kind() != reflect.Pointer || v.IsNil() {
			fail("column %q: the field must be a non-nil pointer to the model's field, not %T", c.name, c.field)
		}
		switch c.role {
		case key:
			if t.key >= 0 {
				fail("two Key columns (%s and %s): one key column is supported", t.names[t.key], q)
			}
			t.key = i
		case version:
			if t.ver >= 0 {
				fail("two Version columns")
			}
			t.ver = i
		}
		t.names = append(t.names, q)
	}
	if t.key < 0 {
		fail("no Key column")
	}
	if v, err := driver.DefaultParameterConverter.ConvertValue(columns(&m)[t.key].field); err == nil {
		_, t.binary = v.([]byte) // not value's: a zero model's key is NULL
	}
	return t
}

// String returns the table's name.
func (t *Table[U, M]) String() string { return t.name }

// Lock says how Select locks the rows it reads, on PostgreSQL. On SQLite
// a Store's write transaction holds the whole database, so Select reads
// without a lock clause.
type Lock uint8

const (
	NoLock    Lock = iota // read without locking
	ForShare              // FOR SHARE: others may read the rows, none may change them until the transaction ends
	ForUpdate             // FOR UPDATE: the rows are the transaction's until it ends
)

// Select reads the models whose rows match where, ordered by key, locked
// as lock says. q is the Querier the Store gave the unit of work: a
// related model's gate (transition.Related) reads with ForShare, so the
// row it allowed cannot change before the transition commits.
func (t *Table[U, M]) Select(ctx context.Context, q Querier, where sqlexpr.Expr, lock Lock) ([]*M, error) {
	if k, ok := q.(Keeper); ok {
		return t.keptSelect(k, where)
	}
	d, err := dialectOf(q)
	if err != nil {
		return nil, err
	}
	b := t.selectFrom(d)
	if !where.IsZero() {
		b.s.WriteString(` WHERE `)
		if err := b.expr(where); err != nil {
			return nil, err
		}
	}
	return t.query(ctx, q, b, lock)
}

// selectFrom starts a SELECT of every column.
func (t *Table[U, M]) selectFrom(d sqlexpr.Dialect) *stmt {
	b := &stmt{d: d}
	b.s.WriteString(`SELECT `)
	b.s.WriteString(strings.Join(t.names, ", "))
	b.s.WriteString(` FROM `)
	b.s.WriteString(t.name)
	return b
}

// query ends b with its order and lock, runs it and scans every row.
func (t *Table[U, M]) query(ctx context.Context, q Querier, b *stmt, lock Lock) ([]*M, error) {
	b.s.WriteString(` ORDER BY `)
	b.s.WriteString(t.names[t.key])
	if b.d == sqlexpr.Postgres {
		switch lock {
		case ForShare:
			b.s.WriteString(` FOR SHARE`)
		case ForUpdate:
			b.s.WriteString(` FOR UPDATE`)
		}
	}
	rows, err := q.QueryContext(ctx, b.s.String(), b.args...)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []*M
	for rows.Next() {
		m := new(M)
		if err := rows.Scan(fields(t.columns(m))...); err != nil {
			return nil, fmt.Errorf("sqlstore: reading a row of %s: %w", t.name, err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(err)
	}
	return out, nil
}

func fields(cs []Column) []any {
	out := make([]any, len(cs))
	for i, c := range cs {
		out[i] = c.field
	}
	return out
}

// keyOf returns m's key as a comparable value: a binary key as a string
// (see keyArg).
func (t *Table[U, M]) keyOf(m *M) (any, error) {
	v, err := value(t.columns(m)[t.key].field)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: the key of a %s: %w", t.typeName, err)
	}
	if b, ok := v.([]byte); ok {
		return string(b), nil
	}
	return v, nil
}

// keyArg is key k, from keyOf, as a statement binds it: a binary key as
// bytes, since SQLite never finds a BLOB equal to text.
func (t *Table[U, M]) keyArg(k any) any {
	if s, ok := k.(string); ok && t.binary {
		return []byte(s)
	}
	return k
}

// Key returns the value of m's key column, as the database holds it, but
// comparable: a binary key is given as a string.
func (t *Table[U, M]) Key(m *M) (any, error) { return t.keyOf(m) }

// object names m for errors, as the transition package does: "main.Project 7".
func (t *Table[U, M]) object(k any) string { return fmt.Sprintf("%s %v", t.typeName, k) }

// Load reads the rows of ms by key, in one statement per batch of keys
// (locked FOR UPDATE on PostgreSQL if lock is set, in the order of their
// keys), and returns them in the order of ms, nil for a row that is gone.
func (t *Table[U, M]) Load(ctx context.Context, tx transition.Tx[U], ms []*M, lock bool) ([]*M, error) {
	if k, ok := tx.(Keeper); ok {
		return t.keptLoad(k, ms)
	}
	x, err := of(tx)
	if err != nil {
		return nil, err
	}
	keys := make([]any, len(ms))
	for i, m := range ms {
		if keys[i], err = t.keyOf(m); err != nil {
			return nil, err
		}
	}
	l := NoLock
	if lock {
		l = ForUpdate
	}
	found := make(map[any]*M, len(ms))
	for lo := 0; lo < len(keys); {
		hi := min(len(keys), lo+maxArgs(x.s.d))
		b := t.selectFrom(x.s.d)
		b.s.WriteString(` WHERE `)
		b.s.WriteString(t.names[t.key])
		b.s.WriteString(` IN (`)
		for i, k := range keys[lo:hi] {
			if i > 0 {
				b.s.WriteString(", ")
			}
			b.arg(t.keyArg(k))
		}
		b.s.WriteString(`)`)
		rows, err := t.query(ctx, x.q, b, l)
		if err != nil {
			return nil, err
		}
		for _, m := range rows {
			k, err := t.keyOf(m)
			if err != nil {
				return nil, err
			}
			found[k] = m
		}
		lo = hi
	}
	out := make([]*M, len(ms))
	for i, k := range keys {
		out[i] = found[k]
	}
	return out, nil
}

// Insert stores m, a new object, and sets its key on m (from the
// database, when m's is zero).
func (t *Table[U, M]) Insert(ctx context.Context, tx transition.Tx[U], m *M) error {
	if k, ok := tx.(Keeper); ok {
		return t.keptInsert(k, m)
	}
	x, err := of(tx)
	if err != nil {
		return err
	}
	cols := t.columns(m)
	b := &stmt{d: x.s.d}
	b.s.WriteString(`INSERT INTO `)
	b.s.WriteString(t.name)
	b.s.WriteString(` (`)
	var vals []any
	n := 0
	for i, c := range cols {
		v, err := value(c.field)
		if err != nil {
			v = c.field // the driver may know the type
		}
		if i == t.key && isZero(v) {
			continue
		}
		if n > 0 {
			b.s.WriteString(", ")
		}
		b.s.WriteString(t.names[i])
		vals = append(vals, v)
		n++
	}
	b.s.WriteString(`) VALUES (`)
	for i, v := range vals {
		if i > 0 {
			b.s.WriteString(", ")
		}
		b.arg(v)
	}
	b.s.WriteString(`) RETURNING `)
	b.s.WriteString(t.names[t.key])
	if err := x.q.QueryRowContext(ctx, b.s.String(), b.args...).Scan(cols[t.key].field); err != nil {
		return fmt.Errorf("sqlstore: inserting into %s: %w", t.name, classify(err))
	}
	return nil
}

// change is one object a Save writes.
type change[M any] struct {
	w     *transition.Write[M]
	key   any
	set   []int // the columns it changes
	vals  []any // their new values
	cmp   []int // the columns compared: the version, or the changed columns
	was   []any // their values as read (nil for NULL)
	group string
}

// Save writes every object of ws that changed, comparing and setting:
// where the table has a version column, on the version the transition
// read (and incrementing it); otherwise on the values it read of the
// columns it changes. Objects that change the same columns to the same
// values (the children of a cascade) are written by one statement per
// batch, which returns the keys it changed; a key missing from them names
// the object that lost, in a *transition.ConflictError.
func (t *Table[U, M]) Save(ctx context.Context, tx transition.Tx[U], ws []transition.Write[M]) error {
	if k, ok := tx.(Keeper); ok {
		return t.keptSave(k, ws)
	}
	x, err := of(tx)
	if err != nil {
		return err
	}
	var groups []string
	byGroup := map[string][]*change[M]{}
	for i := range ws {
		c, err := t.change(&ws[i])
		if err != nil {
			return err
		}
		if c == nil {
			continue // nothing to write
		}
		if _, ok := byGroup[c.group]; !ok {
			groups = append(groups, c.group)
		}
		byGroup[c.group] = append(byGroup[c.group], c)
	}
	for _, g := range groups {
		if err := t.update(ctx, x, byGroup[g]); err != nil {
			return err
		}
	}
	return nil
}

// change works out what w writes, and what it compares.
func (t *Table[U, M]) change(w *transition.Write[M]) (*change[M], error) {
	if w.Model == nil || w.Read == nil {
		return nil, fmt.Errorf("sqlstore: saving a %s: a Write without its Model or Read", t.typeName)
	}
	now, was := t.columns(w.Model), t.columns(w.Read)
	if len(now) != len(t.names) || len(was) != len(t.names) {
		return nil, fmt.Errorf("sqlstore: %s: the columns function returned %d columns, then %d", t.name, len(t.names), len(now))
	}
	for _, f := range w.Fields {
		if !t.maps(f.Column) {
			return nil, fmt.Errorf("sqlstore: %s maps no column %q, the state field the transition moves", t.name, f.Column)
		}
	}
	k, err := t.keyOf(w.Model)
	if err != nil {
		return nil, err
	}
	c := &change[M]{w: w, key: k}
	var g []byte
	for i := range now {
		if i == t.key || i == t.ver {
			continue
		}
		nv, nerr := value(now[i].field)
		ov, oerr := value(was[i].field)
		if nerr == nil && oerr == nil && equal(nv, ov) {
			continue
		}
		c.set = append(c.set, i)
		if nerr != nil {
			nv = now[i].field // the driver may know the type; such a write is not batched
			g = fmt.Appendf(g, "%d=%p;", i, now[i].field)
		} else {
			g = appendValue(fmt.Appendf(g, "%d=", i), nv)
		}
		c.vals = append(c.vals, nv)
		if t.ver < 0 {
			if oerr != nil {
				return nil, fmt.Errorf("sqlstore: %s: column %s cannot be compared (%v): give the table a Version column", t.name, t.names[i], oerr)
			}
			c.cmp = append(c.cmp, i)
			c.was = append(c.was, ov)
			if ov == nil {
				g = fmt.Appendf(g, "%d null;", i)
			}
		}
	}
	if t.ver >= 0 {
		read := *was[t.ver].field.(*int64)
		if got := *now[t.ver].field.(*int64); got != read+1 || w.Version != read {
			return nil, fmt.Errorf("sqlstore: %s has a Version column (%s), but the machine of %s did not move it from %d to %d (it holds %d): declare the same field with transition.Machine.Version: %w",
				t.name, t.names[t.ver], t.object(k), read, read+1, got, transition.ErrDefinition)
		}
		c.cmp, c.was = []int{t.ver}, []any{read}
	} else if len(c.set) == 0 {
		return nil, nil // nothing changed, nothing to protect: no statement
	}
	c.group = string(g)
	return c, nil
}

func (t *Table[U, M]) maps(column string) bool {
	q, err := sqlexpr.ParseIdent(column).Quote(sqlexpr.Postgres)
	if err != nil {
		return false
	}
	for _, n := range t.names {
		if n == q {
			return true
		}
	}
	return false
}

// update writes cs, which change the same columns to the same values, in
// as few statements as the database's limit on arguments allows.
func (t *Table[U, M]) update(ctx context.Context, x *txn[U], cs []*change[M]) error {
	first := cs[0]
	var nulls, cmp []int // compared columns read as NULL (the same for every c), and the others
	for j, i := range first.cmp {
		if first.was[j] == nil {
			nulls = append(nulls, i)
		} else {
			cmp = append(cmp, i)
		}
	}
	width := 1 + len(cmp)
	per := min(max(1, (maxArgs(x.s.d)-len(first.vals))/width), maxRows)
	for lo := 0; lo < len(cs); lo += per {
		batch := cs[lo:min(len(cs), lo+per)]
		b := &stmt{d: x.s.d}
		b.s.WriteString(`UPDATE `)
		b.s.WriteString(t.name)
		b.s.WriteString(` SET `)
		for j, i := range first.set {
			if j > 0 {
				b.s.WriteString(", ")
			}
			b.s.WriteString(t.names[i])
			b.s.WriteString(` = `)
			b.arg(first.vals[j])
		}
		if t.ver >= 0 {
			if len(first.set) > 0 {
				b.s.WriteString(", ")
			}
			b.s.WriteString(t.names[t.ver])
			b.s.WriteString(` = `)
			b.s.WriteString(t.names[t.ver])
			b.s.WriteString(` + 1`)
		}
		b.s.WriteString(` WHERE `)
		for _, i := range nulls {
			b.s.WriteString(t.names[i])
			b.s.WriteString(` IS NULL AND `)
		}
		if len(batch) == 1 {
			// One row: plain equalities, and the count of rows it changed
			// (an Exec, which costs less than reading what it returns).
			c := batch[0]
			b.s.WriteString(t.names[t.key])
			b.s.WriteString(` = `)
			b.arg(t.keyArg(c.key))
			j := 0
			for _, v := range c.was {
				if v == nil { // compared with IS NULL, above
					continue
				}
				b.s.WriteString(` AND `)
				b.s.WriteString(t.names[cmp[j]])
				b.s.WriteString(` = `)
				b.arg(v)
				j++
			}
			res, err := x.q.ExecContext(ctx, b.s.String(), b.args...)
			if err != nil {
				return fmt.Errorf("sqlstore: saving %s: %w", t.name, classify(err))
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("sqlstore: saving %s: %w", t.name, err)
			} else if n != 1 {
				return t.conflict(ctx, x, c)
			}
			continue
		}
		b.s.WriteString(`(`)
		b.s.WriteString(t.names[t.key])
		for _, i := range cmp {
			b.s.WriteString(", ")
			b.s.WriteString(t.names[i])
		}
		b.s.WriteString(`) IN (`)
		for n, c := range batch {
			if n > 0 {
				b.s.WriteString(", ")
			}
			b.s.WriteString(`(`)
			b.arg(t.keyArg(c.key))
			for _, v := range c.was {
				if v != nil { // NULLs are compared with IS NULL, above
					b.s.WriteString(", ")
					b.arg(v)
				}
			}
			b.s.WriteString(`)`)
		}
		b.s.WriteString(`) RETURNING `)
		b.s.WriteString(t.names[t.key])
		changed, err := t.keys(ctx, x, b)
		if err != nil {
			return fmt.Errorf("sqlstore: saving %s: %w", t.name, err)
		}
		if len(changed) == len(batch) {
			continue
		}
		for _, c := range batch {
			if !changed[c.key] {
				return t.conflict(ctx, x, c)
			}
		}
		return fmt.Errorf("sqlstore: saving %s: %d rows changed for %d objects", t.name, len(changed), len(batch))
	}
	return nil
}

// keys runs b and returns the keys it returns.
func (t *Table[U, M]) keys(ctx context.Context, x *txn[U], b *stmt) (map[any]bool, error) {
	rows, err := x.q.QueryContext(ctx, b.s.String(), b.args...)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	out := map[any]bool{}
	var m M
	kf := t.columns(&m)[t.key].field
	for rows.Next() {
		if err := rows.Scan(kf); err != nil {
			return nil, err
		}
		k, err := t.keyOf(&m)
		if err != nil {
			return nil, err
		}
		out[k] = true
	}
	return out, classify(rows.Err())
}

// conflict reports that c lost: what it expected, and what is stored.
func (t *Table[U, M]) conflict(ctx context.Context, x *txn[U], c *change[M]) error {
	e := &transition.ConflictError{Object: t.object(c.key), Expected: t.describe(t.columns(c.w.Read), c.cmp), Found: "no row"}
	b := t.selectFrom(x.s.d)
	b.s.WriteString(` WHERE `)
	b.s.WriteString(t.names[t.key])
	b.s.WriteString(` = `)
	b.arg(t.keyArg(c.key))
	rows, err := t.query(ctx, x.q, b, NoLock)
	if err != nil {
		e.Found = "a row that cannot be read: " + err.Error()
	} else if len(rows) > 0 {
		e.Found = t.describe(t.columns(rows[0]), c.cmp)
	}
	return e
}

// describe says what the columns cols hold, such as "version 3" or
// "status Draft, reason \"late\"".
func (t *Table[U, M]) describe(cols []Column, idx []int) string {
	var parts []string
	for _, i := range idx {
		name := cols[i].name
		switch f := cols[i].field.(type) {
		case fmt.Stringer:
			parts = append(parts, name+" "+f.String())
		default:
			v, err := value(f)
			if err != nil {
				parts = append(parts, fmt.Sprintf("%s %v", name, reflect.ValueOf(f).Elem()))
			} else {
				parts = append(parts, name+" "+display(v))
			}
		}
	}
	return strings.Join(parts, ", ")
}

// display writes a database value for a message: strings quoted as SQL
// writes them, NULL as NULL.
func display(v driver.Value) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	case []byte:
		return fmt.Sprintf("x'%x'", v)
	case time.Time:
		return v.Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

// value returns the database value of field, a pointer to a model's
// field, as database/sql would send it: a nil []byte is NULL.
func value(field any) (driver.Value, error) {
	v, err := driver.DefaultParameterConverter.ConvertValue(field)
	if b, ok := v.([]byte); ok && b == nil {
		return nil, err
	}
	return v, err
}

func isZero(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case int64:
		return v == 0
	case string:
		return v == ""
	case []byte:
		return len(v) == 0
	}
	return false
}

// equal compares two database values.
func equal(a, b driver.Value) bool {
	switch a := a.(type) {
	case []byte:
		b, ok := b.([]byte)
		return ok && bytes.Equal(a, b) && (a == nil) == (b == nil)
	case time.Time:
		b, ok := b.(time.Time)
		return ok && a.Equal(b)
	}
	if _, ok := b.([]byte); ok {
		return false
	}
	return a == b
}

// appendValue writes v so that equal values, and only they, write alike.
func appendValue(dst []byte, v driver.Value) []byte {
	switch v := v.(type) {
	case nil:
		return append(dst, "NULL;"...)
	case []byte:
		return append(strconv.AppendQuote(append(dst, 'b'), string(v)), ';')
	case string:
		return append(strconv.AppendQuote(dst, v), ';')
	case time.Time:
		return append(v.UTC().AppendFormat(append(dst, 't'), time.RFC3339Nano), ';')
	}
	return fmt.Appendf(dst, "%T:%v;", v, v)
}

// stmt builds a statement and its arguments.
type stmt struct {
	s    strings.Builder
	args []any
	d    sqlexpr.Dialect
}

func (b *stmt) arg(v any) {
	if t, ok := v.(time.Time); ok && b.d == sqlexpr.SQLite {
		v = t.UTC() // as sqlexpr passes times to SQLite, which compares them as text
	}
	b.args = append(b.args, v)
	if b.d == sqlexpr.Postgres {
		b.s.WriteByte('$')
		b.s.WriteString(strconv.Itoa(len(b.args)))
	} else {
		b.s.WriteByte('?')
	}
}

// expr writes e, numbering its placeholders after b's.
func (b *stmt) expr(e sqlexpr.Expr) error {
	sql, args, err := e.AppendSQL(nil, b.args, b.d) // numbered after b's arguments
	if err != nil {
		return err
	}
	b.s.Write(sql)
	b.args = args
	return nil
}

// maxRows is how many rows one UPDATE compares, in a row-valued IN list.
// Neither parser takes long lists well: PostgreSQL's recurses once per
// row and runs out of stack past some 7,700 rows; SQLite's time per row
// grows with the list past some 2,000 rows (fourfold at 10,000; see
// BenchmarkRowValuedIn), so that one long statement costs more than a few
// short ones.
const maxRows = 1500

// maxArgs is how many arguments one statement may bind.
func maxArgs(d sqlexpr.Dialect) int {
	if d == sqlexpr.Postgres {
		return 65535
	}
	return 32766
}

// dialectOf returns the dialect of a Querier a Store gave.
func dialectOf(q Querier) (sqlexpr.Dialect, error) {
	if d, ok := q.(interface{ Dialect() sqlexpr.Dialect }); ok {
		return d.Dialect(), nil
	}
	return sqlexpr.Dialect{}, fmt.Errorf("sqlstore: a Querier of type %T, not one a Store gave", q)
}
