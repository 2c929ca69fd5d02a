package sqlstore

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// Adopting an existing table: a column that already holds states (a
// legacy status column, say) is surveyed, its stray values fixed, and
// only then constrained, so that the database refuses what the code does
// not know. The plan, like any cutover, proves parity first:
//
//  1. Survey the column; fix the rows it lists (its sample keys say
//     where) until Report.OK.
//  2. Add the constraint with the statements of Constraint (PostgreSQL),
//     or rebuild the table with it (SQLite).
//
// A value met at run time that no state declares stays a clear error (a
// *state.ValueError naming the value, from the state field's Scan), and
// the unit of work that met it writes nothing.

// sampleKeys is how many keys Survey reports for each undeclared value,
// and for NULL.
const sampleKeys = 5

// A Report is what Survey found in a state column: how many rows hold
// each declared state, and every value no state declares.
type Report struct {
	Table  string // the table, as given to Survey
	Column string // the state column, as given to Survey
	Type   string // the state type, such as "ProjectState"
	Rows   int64  // every row of the table

	// Counts has one entry per declared state, in declaration order, with
	// a zero count for a state no row holds.
	Counts []Count
	// Unknown has one entry per value no state declares (per distinct
	// value, as the database groups them), the most frequent first (values found as often are in the order of their
	// types, then of their values).
	Unknown []Unknown
	// Nulls is how many rows hold NULL, which is no state: a State field
	// refuses it, and a CHECK constraint admits it. NullKeys are the
	// first keys of those rows, in key order (up to 5).
	Nulls    int64
	NullKeys []any
}

// A Count is how many rows of a surveyed column hold one declared state.
type Count struct {
	Value any    // the state's value as it is stored: an int64 or a string
	Title string // the state's title, such as "Published"
	Rows  int64
}

// An Unknown is a value found in a surveyed column that no state
// declares.
type Unknown struct {
	Value any   // the value as the driver returned it, such as a string or an int64
	Rows  int64 // how many rows hold it
	Keys  []any // the first keys of those rows, in key order (up to 5)
}

// Survey reads the state column of table, whose rows are identified by
// the column key, and reports how many rows hold each state t declares,
// how many hold NULL, and every value t does not declare, with the keys
// of up to 5 rows holding each (the first in key order), so that they can
// be fixed before a constraint is added (see [Constraint]).
//
// A value counts as declared when a state field reads it: Survey
// classifies each distinct value the way [state.State.Scan] does when a
// model is loaded, so a Report that is OK promises that every row loads.
//
// q is a Querier a Store gave: [Store.Querier], or a unit of work's. The
// counts are one GROUP BY query; the sample keys, a second query over the
// rows holding undeclared values or NULL. On a table being written to,
// run Survey in a unit of work (a transaction whose snapshot spans both
// queries, such as REPEATABLE READ on PostgreSQL) for keys that agree
// with the counts. Both read the whole table: survey a large one off
// peak, or on a replica. table may be qualified, as in
// "legacy.projects"; key and column are names of its columns.
func Survey[T comparable](ctx context.Context, q Querier, table, key, column string, t *state.Type[T]) (*Report, error) {
	d, err := dialectOf(q)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, errors.New("sqlstore: Survey of a nil state Type")
	}
	states := slices.Collect(t.States())
	if len(states) == 0 {
		return nil, fmt.Errorf("sqlstore: Survey: %s declares no states", t)
	}
	// The columns are qualified by the table's alias, s: SQLite reads a
	// double-quoted name that is no column as a string.
	tab, err := sqlexpr.ParseIdent(table).Quote(d)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: Survey: the table: %w", err)
	}
	tab += ` AS s`
	keyCol, err := sqlexpr.Col("s", key).Quote(d)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: Survey: the key column: %w", err)
	}
	col, err := sqlexpr.Col("s", column).Quote(d)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: Survey: the column: %w", err)
	}
	r := &Report{Table: table, Column: column, Type: t.String(), Counts: make([]Count, len(states))}
	index := make(map[state.State[T]]int, len(states))
	for i, s := range states {
		v, err := s.Value()
		if err != nil {
			return nil, fmt.Errorf("sqlstore: Survey: %w", err)
		}
		r.Counts[i] = Count{Value: v, Title: s.Title()}
		index[s] = i
	}
	fail := func(err error) (*Report, error) {
		return nil, fmt.Errorf("sqlstore: surveying %s.%s: %w", table, column, classify(err))
	}

	rows, err := q.QueryContext(ctx, `SELECT `+col+`, COUNT(*) FROM `+tab+` GROUP BY `+col)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	for rows.Next() {
		var v any
		var n int64
		if err := rows.Scan(&v, &n); err != nil {
			return fail(err)
		}
		r.Rows += n
		if v == nil {
			r.Nulls += n
			continue
		}
		s := states[0] // a State of t, which Scan reads t's values into
		if s.Scan(v) == nil {
			r.Counts[index[s]].Rows += n
			continue
		}
		r.Unknown = append(r.Unknown, Unknown{Value: v, Rows: n})
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	rows.Close()
	slices.SortStableFunc(r.Unknown, func(a, b Unknown) int {
		if c := cmp.Compare(b.Rows, a.Rows); c != 0 {
			return c
		}
		return compareValues(a.Value, b.Value)
	})
	if err := r.sample(ctx, q, d, tab, keyCol, col); err != nil {
		return fail(err)
	}
	return r, nil
}

// sample reads the first keys of the rows holding each undeclared value
// and NULL, in as few statements as the limit on arguments allows.
func (r *Report) sample(ctx context.Context, q Querier, d sqlexpr.Dialect, tab, key, col string) error {
	at := make(map[string]int, len(r.Unknown)) // a value, as appendValue writes it -> its index in r.Unknown
	for i, u := range r.Unknown {
		at[string(appendValue(nil, u.Value))] = i
	}
	nulls := r.Nulls > 0
	for lo := 0; lo < len(r.Unknown) || nulls; {
		hi := min(len(r.Unknown), lo+maxArgs(d))
		b := &stmt{d: d}
		b.s.WriteString(`SELECT statecraft_v, statecraft_k FROM (SELECT ` + col + ` AS statecraft_v, ` + key +
			` AS statecraft_k, ROW_NUMBER() OVER (PARTITION BY ` + col + ` ORDER BY ` + key +
			`) AS statecraft_n FROM ` + tab + ` WHERE `)
		if nulls {
			b.s.WriteString(col + ` IS NULL`)
			if lo < hi {
				b.s.WriteString(` OR `)
			}
		}
		if lo < hi {
			b.s.WriteString(col + ` IN (`)
			for j, u := range r.Unknown[lo:hi] {
				if j > 0 {
					b.s.WriteString(`, `)
				}
				b.arg(u.Value)
			}
			b.s.WriteString(`)`)
		}
		fmt.Fprintf(&b.s, `) AS statecraft_s WHERE statecraft_n <= %d ORDER BY statecraft_n`, sampleKeys)
		if err := r.readSample(ctx, q, b, at); err != nil {
			return err
		}
		nulls = false
		lo = hi
	}
	return nil
}

// readSample runs b and files each key it returns under its value.
func (r *Report) readSample(ctx context.Context, q Querier, b *stmt, at map[string]int) error {
	rows, err := q.QueryContext(ctx, b.s.String(), b.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var v, k any
		if err := rows.Scan(&v, &k); err != nil {
			return err
		}
		if v == nil {
			r.NullKeys = append(r.NullKeys, k)
			continue
		}
		// A value equal to an undeclared one but written differently
		// (as a case-insensitive type may return it) is not filed.
		if i, ok := at[string(appendValue(nil, v))]; ok {
			r.Unknown[i].Keys = append(r.Unknown[i].Keys, k)
		}
	}
	return rows.Err()
}

// OK reports whether every row holds a declared state: no value is
// undeclared and none is NULL. A column that a state.Null field maps may
// hold NULL: for it, check that r.Unknown is empty.
func (r *Report) OK() bool { return len(r.Unknown) == 0 && r.Nulls == 0 }

// String returns the report as a table for a migration's log, one line
// per declared state, undeclared value and NULL, then a verdict:
//
//	tickets.status (TicketState): 14 rows
//	  value       state       rows  first keys
//	  'open'      Open           3
//	  'pending'   Pending        0
//	  'archived'  undeclared     9  4, 7, 9, 12, 30
//	  NULL        no state       2  5, 16
//	not ok: 9 rows hold 1 undeclared value, 2 rows hold NULL
//
// Values and keys are written as SQL literals where they can be (a
// string that is not printable text is quoted as Go quotes it), and cut
// after 40 bytes.
func (r *Report) String() string {
	lines := [][4]string{{"value", "state", "rows", "first keys"}}
	for _, c := range r.Counts {
		lines = append(lines, [4]string{show(c.Value), c.Title, strconv.FormatInt(c.Rows, 10), ""})
	}
	var unknown int64
	for _, u := range r.Unknown {
		unknown += u.Rows
		lines = append(lines, [4]string{show(u.Value), "undeclared", strconv.FormatInt(u.Rows, 10), showAll(u.Keys)})
	}
	if r.Nulls > 0 {
		lines = append(lines, [4]string{"NULL", "no state", strconv.FormatInt(r.Nulls, 10), showAll(r.NullKeys)})
	}
	var w [3]int
	for _, l := range lines {
		for i := range w {
			w[i] = max(w[i], utf8.RuneCountInString(l[i]))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s.%s (%s): %s\n", r.Table, r.Column, r.Type, plural(r.Rows, "row"))
	for _, l := range lines {
		line := fmt.Sprintf("  %-*s  %-*s  %*s  %s", w[0], l[0], w[1], l[1], w[2], l[2], l[3])
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
	if r.OK() {
		b.WriteString("ok: every row holds a declared state\n")
		return b.String()
	}
	var why []string
	if len(r.Unknown) > 0 {
		why = append(why, fmt.Sprintf("%s %s %s", plural(unknown, "row"), verb(unknown), plural(int64(len(r.Unknown)), "undeclared value")))
	}
	if r.Nulls > 0 {
		why = append(why, fmt.Sprintf("%s %s NULL", plural(r.Nulls, "row"), verb(r.Nulls)))
	}
	b.WriteString("not ok: " + strings.Join(why, ", ") + "\n")
	return b.String()
}

func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.FormatInt(n, 10) + " " + noun + "s"
}

func verb(n int64) string {
	if n == 1 {
		return "holds"
	}
	return "hold"
}

// showLimit is how many bytes of a value String shows.
const showLimit = 40

// show writes a value found in a column for the report.
func show(v any) string {
	switch v := v.(type) {
	case string:
		return showText(v)
	case []byte:
		s := fmt.Sprintf("x'%x'", v)
		if len(s) > showLimit {
			s = s[:showLimit] + "..."
		}
		return s
	case time.Time:
		return "'" + v.Format(time.RFC3339Nano) + "'"
	}
	return display(v)
}

// showText writes s as a SQL string literal, or, if it is not printable
// text, as a Go one; cut after showLimit bytes.
func showText(s string) string {
	cut := ""
	if len(s) > showLimit {
		n := showLimit
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s, cut = s[:n], "..."
	}
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(c rune) bool { return !unicode.IsPrint(c) }) {
		return strconv.Quote(s) + cut
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'" + cut
}

func showAll(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = show(v)
	}
	return strings.Join(parts, ", ")
}

// compareValues orders values a driver returns: by type (booleans,
// integers, floats, strings, bytes, times, anything else), then by value.
func compareValues(a, b any) int {
	rank := func(v any) int {
		switch v.(type) {
		case bool:
			return 0
		case int64:
			return 1
		case float64:
			return 2
		case string:
			return 3
		case []byte:
			return 4
		case time.Time:
			return 5
		}
		return 6
	}
	if c := cmp.Compare(rank(a), rank(b)); c != 0 {
		return c
	}
	switch a := a.(type) {
	case bool:
		if a == b.(bool) {
			return 0
		}
		if a {
			return 1
		}
		return -1
	case int64:
		return cmp.Compare(a, b.(int64))
	case float64:
		return cmp.Compare(a, b.(float64))
	case string:
		return strings.Compare(a, b.(string))
	case []byte:
		return bytes.Compare(a, b.([]byte))
	case time.Time:
		return a.Compare(b.(time.Time))
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

// Constraint returns the statements that add a CHECK constraint named
// name to table, admitting in column only the values t declares (see
// [state.Type.CheckConstraint]), for PostgreSQL: the SQL to hand to a
// migration tool once [Survey] reports the column OK. An empty name is
// PostgreSQL's own default, table_column_check. The statements are
//
//	ALTER TABLE "tickets" ADD CONSTRAINT "tickets_status_check" CHECK ("status" IN ('open', 'closed')) NOT VALID
//	ALTER TABLE "tickets" VALIDATE CONSTRAINT "tickets_status_check"
//
// The first holds the table's ACCESS EXCLUSIVE lock only for a moment,
// for it reads no row; from then on every write is checked. The second
// reads every row under a lock that lets reads and writes go on. Run
// each in a transaction of its own (two migrations, if the tool wraps
// each in a transaction), for a lock taken by the first is held until
// its transaction ends; and set a lock_timeout for the first, so that it
// does not queue every query of the table behind a long transaction. If
// a row holds an undeclared value, VALIDATE fails (SQLSTATE 23514,
// naming the constraint) and leaves it NOT VALID but enforced: fix the
// rows Survey lists and run VALIDATE again. A CHECK admits NULL: declare
// the column NOT NULL as well unless a state.Null field maps it.
// (Changing the column to an enum type of [state.Type.CreateEnumType]
// instead rewrites the table under the exclusive lock.)
//
// SQLite cannot add a constraint to an existing table: for SQLite,
// Constraint returns an error, and the table must be rebuilt with the
// constraint, as SQLite's documentation of ALTER TABLE describes
// (https://www.sqlite.org/lang_altertable.html#otheralter):
//
//	PRAGMA foreign_keys = OFF; -- if they are on; it has no effect in a transaction
//	BEGIN;
//	-- note the table's indexes, triggers and views, to create them again:
//	SELECT type, sql FROM sqlite_schema WHERE tbl_name = 'tickets' AND sql IS NOT NULL;
//	-- the same definition, with the column's t.CheckConstraint(sqlexpr.SQLite, "status"):
//	CREATE TABLE new_tickets (id INTEGER PRIMARY KEY, status TEXT NOT NULL CHECK ("status" IN ('open', 'closed')));
//	-- the check of every row: fails with "CHECK constraint failed" on an undeclared value
//	INSERT INTO new_tickets (id, status) SELECT id, status FROM tickets;
//	DROP TABLE tickets;
//	ALTER TABLE new_tickets RENAME TO tickets;
//	-- create the indexes and triggers again; drop and create the views that use the table
//	PRAGMA foreign_key_check; -- if foreign keys were on: it must return no rows
//	COMMIT;
//	PRAGMA foreign_keys = ON;
//
// A failed statement leaves the old table as it was once the transaction
// is rolled back. Rename the new table to the old name, never the old
// table away, so that other tables' foreign keys, triggers and views keep
// referring to it.
func Constraint[T comparable](d sqlexpr.Dialect, table, column, name string, t *state.Type[T]) ([]string, error) {
	if t == nil {
		return nil, errors.New("sqlstore: Constraint of a nil state Type")
	}
	if d != sqlexpr.SQLite && d != sqlexpr.Postgres {
		return nil, fmt.Errorf("sqlstore: Constraint: dialect %q is not supported: use sqlexpr.SQLite or sqlexpr.Postgres", d)
	}
	check, err := t.CheckConstraint(d, column)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: Constraint: %w", err)
	}
	tab, err := sqlexpr.ParseIdent(table).Quote(d)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: Constraint: the table: %w", err)
	}
	if d == sqlexpr.SQLite {
		return nil, fmt.Errorf("sqlstore: SQLite cannot add a constraint to an existing table: "+
			"rebuild %s with %s on its column, as the documentation of sqlstore.Constraint shows", tab, check)
	}
	if name == "" {
		base := table
		if i := strings.LastIndexByte(base, '.'); i >= 0 {
			base = base[i+1:]
		}
		name = base + "_" + column + "_check"
	}
	cons, err := sqlexpr.Col(name).Quote(d)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: Constraint: the name: %w", err)
	}
	return []string{
		`ALTER TABLE ` + tab + ` ADD CONSTRAINT ` + cons + ` ` + check + ` NOT VALID`,
		`ALTER TABLE ` + tab + ` VALIDATE CONSTRAINT ` + cons,
	}, nil
}
