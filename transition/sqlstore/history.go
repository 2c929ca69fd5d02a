package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
)

// The history is an append-only table, a row per state field each step
// moved, written in the transaction of the transition. It is the record
// of who changed what and why, and the outbox other services follow (see
// Feed): after-commit hooks are in-process conveniences, the history is
// the at-least-once path.

// A Record is one row of the history: one state field one step moved.
type Record struct {
	ID         int64           `json:"id"`                       // the row's global id: the feed's cursor
	ObjectType string          `json:"object_type"`              // the model's type, such as "main.Project"
	ObjectID   string          `json:"object_id"`                // its identity (see transition.Machine.Identify), as text
	Version    int64           `json:"version"`                  // the object's version the step read (it wrote Version+1), or 0
	Field      string          `json:"field"`                    // the state field's column, such as "status"
	Transition string          `json:"transition"`               // the transition's name, such as "publish"
	From       string          `json:"from"`                     // the state's value before, as text; "" for a created object
	To         string          `json:"to"`                       // the state's value after, as text
	Actor      string          `json:"actor"`                    // the actor, named as in transition.Error.Actor
	At         time.Time       `json:"at"`                       // the unit of work's time
	Input      json.RawMessage `json:"input,omitempty"`          // the validated input as JSON, for the transition asked for
	Seq        int             `json:"seq"`                      // the row's place in its unit of work, from 0
	Cause      int64           `json:"cause,omitzero"`           // the id of the row of the step that caused this one, or 0
	Key        string          `json:"idempotency_key,omitzero"` // the idempotency key of the request, if any
	Imported   bool            `json:"imported,omitzero"`        // whether an import wrote it, not a transition (see transition.Step.Imported)
}

// historyColumns are the columns a Record reads, in its order.
const historyColumns = `id, object_type, object_id, version, field, transition, from_state, to_state, actor, at, input, seq, cause, idempotency_key, imported`

// Schema returns the statements that create the history table and its
// indexes, and the table of idempotency keys (see Store.Key), if they do
// not exist, in the Store's dialect: the SQL to hand
// to a migration tool. Migrate runs them.
//
// On PostgreSQL each row also records the transaction that wrote it
// (column tx, pg_current_xact_id()), so that Feed never skips a row whose
// transaction commits after one with a higher id.
func (s *Store[U]) Schema() []string {
	schema, base := "", s.opts.History
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		schema, base = base[:i+1], base[i+1:]
	}
	quote := func(name string) string {
		q, _ := sqlexpr.ParseIdent(name).Quote(s.d) // New checked the History name
		return q
	}
	idx := func(suffix string) string { return quote(base + "_" + suffix) }
	if s.d == sqlexpr.Postgres {
		return []string{
			`CREATE TABLE IF NOT EXISTS ` + s.history + ` (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	object_type TEXT NOT NULL,
	object_id TEXT NOT NULL,
	version BIGINT NOT NULL,
	field TEXT NOT NULL,
	transition TEXT NOT NULL,
	from_state TEXT,
	to_state TEXT NOT NULL,
	actor TEXT NOT NULL,
	at TIMESTAMPTZ NOT NULL,
	input JSONB,
	seq INTEGER NOT NULL,
	cause BIGINT REFERENCES ` + s.history + ` (id),
	idempotency_key TEXT,
	imported BOOLEAN NOT NULL DEFAULT FALSE,
	tx XID8 NOT NULL DEFAULT pg_current_xact_id()
)`,
			`CREATE INDEX IF NOT EXISTS ` + idx("object") + ` ON ` + s.history + ` (object_type, object_id, id)`,
			`CREATE INDEX IF NOT EXISTS ` + idx("feed") + ` ON ` + s.history + ` (tx, id)`,
			`CREATE TABLE IF NOT EXISTS ` + s.keys + ` (
	actor TEXT NOT NULL,
	idempotency_key TEXT NOT NULL,
	request TEXT NOT NULL,
	outcome JSONB,
	at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (actor, idempotency_key)
)`,
		}
	}
	return []string{
		`CREATE TABLE IF NOT EXISTS ` + s.history + ` (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	object_type TEXT NOT NULL,
	object_id TEXT NOT NULL,
	version INTEGER NOT NULL,
	field TEXT NOT NULL,
	transition TEXT NOT NULL,
	from_state TEXT,
	to_state TEXT NOT NULL,
	actor TEXT NOT NULL,
	at TEXT NOT NULL,
	input TEXT,
	seq INTEGER NOT NULL,
	cause INTEGER REFERENCES ` + quote(base) + ` (id),
	idempotency_key TEXT,
	imported INTEGER NOT NULL DEFAULT 0 CHECK (imported IN (0, 1))
)`,
		// SQLite names the schema of an index on the index, and a
		// foreign key's table in no schema but its own.
		`CREATE INDEX IF NOT EXISTS ` + quote(schema+base+"_object") + ` ON ` + quote(base) + ` (object_type, object_id, id)`,
		`CREATE TABLE IF NOT EXISTS ` + s.keys + ` (
	actor TEXT NOT NULL,
	idempotency_key TEXT NOT NULL,
	request TEXT NOT NULL,
	outcome TEXT,
	at TEXT NOT NULL,
	PRIMARY KEY (actor, idempotency_key)
)`,
	}
}

// Migrate runs the statements of Schema: it creates the history table
// and the table of idempotency keys if they do not exist: for tests, examples and programs without a migration tool.
func (s *Store[U]) Migrate(ctx context.Context) error {
	for _, q := range s.Schema() {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("sqlstore: creating the history and idempotency tables: %w", err)
		}
	}
	return nil
}

// Records returns the history rows of steps, as a Store writes them: a
// row per state field each step moved, in order, under the idempotency
// key key (if any). Row i gets the id firstID+i, and a cascaded step's rows
// point at the id of the first row of the step that caused them. An
// in-memory store (see package transitiontest) keeps these rows; a Store
// writes them, with the ids its database hands out.
func Records(steps []transition.Step, key string, firstID int64) ([]Record, error) {
	var out []Record
	first := make([]int64, len(steps)) // the id of each step's first row
	for i, st := range steps {
		if len(st.Moves) == 0 {
			continue
		}
		first[i] = firstID + int64(len(out))
		in, err := inputJSON(st.Input)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: the input of %s %q: %w", st.Machine, st.Transition, err)
		}
		var cause int64
		if st.Cause >= 0 && st.Cause < i {
			cause = first[st.Cause]
		}
		typ := strings.TrimSuffix(st.Machine, "."+st.Moves[0].Field)
		for _, mv := range st.Moves {
			r := Record{ID: firstID + int64(len(out)), ObjectType: typ, ObjectID: fmt.Sprint(st.Object), Version: st.Version,
				Field: mv.Field, Transition: st.Transition, From: stateText(mv.From), To: stateText(mv.To), Actor: st.Actor,
				At: st.At, Seq: len(out), Cause: cause, Key: key, Imported: st.Imported}
			if in != nil {
				r.Input = json.RawMessage(in)
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// Append writes the history of the unit of work (see Records): a depth of
// the causal chain per statement (as few as the database's limit on
// arguments allows), so that each row can point at the row of the step
// that caused it, by the id the database gave it.
func (t *txn[U]) Append(ctx context.Context, steps []transition.Step) error {
	recs, err := Records(steps, t.key, 1) // ids 1..n stand for the database's
	if err != nil {
		return err
	}
	depth := make([]int, len(recs))
	deepest := 0
	for i, r := range recs {
		if r.Cause > 0 {
			depth[i] = depth[r.Cause-1] + 1
			deepest = max(deepest, depth[i])
		}
	}
	ids := make(map[int]int64, len(recs)) // the database's id of each row a deeper one points at, by seq
	const width = 14
	per := maxArgs(t.s.d) / width
	for level := 0; level <= deepest; level++ {
		b := &stmt{d: t.s.d}
		n := 0
		flush := func() error {
			if n == 0 {
				return nil
			}
			var err error
			if level < deepest { // the next depth's rows point at these
				b.s.WriteString(` RETURNING id, seq`)
				err = t.insertHistory(ctx, b, ids)
			} else {
				_, err = t.q.ExecContext(ctx, b.s.String(), b.args...)
				err = classify(err)
			}
			b, n = &stmt{d: t.s.d}, 0
			return err
		}
		for i, r := range recs {
			if depth[i] != level {
				continue
			}
			if n+1 > per {
				if err := flush(); err != nil {
					return err
				}
			}
			if n == 0 {
				b.s.WriteString(`INSERT INTO ` + t.s.history + ` (object_type, object_id, version, field, transition, from_state, to_state, actor, at, input, seq, cause, idempotency_key, imported) VALUES `)
			} else {
				b.s.WriteString(", ")
			}
			var cause, from, input, key any
			if r.Cause > 0 {
				cause = ids[int(r.Cause-1)]
			}
			if r.From != "" {
				from = r.From
			}
			if r.Input != nil {
				input = string(r.Input)
			}
			if r.Key != "" {
				key = r.Key
			}
			b.s.WriteString("(")
			for j, v := range []any{r.ObjectType, r.ObjectID, r.Version, r.Field, r.Transition, from, r.To,
				r.Actor, t.s.timeArg(r.At), input, r.Seq, cause, key, r.Imported} {
				if j > 0 {
					b.s.WriteString(", ")
				}
				b.arg(v)
			}
			b.s.WriteString(")")
			n++
		}
		if err := flush(); err != nil {
			return err
		}
	}
	if t.key != "" {
		return t.recordOutcome(ctx, steps)
	}
	return nil
}

// insertHistory runs an INSERT of history rows, and notes the id the
// database gave each, by its seq.
func (t *txn[U]) insertHistory(ctx context.Context, b *stmt, ids map[int]int64) error {
	rows, err := t.q.QueryContext(ctx, b.s.String(), b.args...)
	if err != nil {
		return classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var seq int
		if err := rows.Scan(&id, &seq); err != nil {
			return err
		}
		ids[seq] = id
	}
	return classify(rows.Err())
}

func inputJSON(in any) ([]byte, error) {
	if in == nil {
		return nil, nil
	}
	return json.Marshal(in)
}

// stateText is a state's value as the history holds it: its text, or ""
// for no state (NULL in the table).
func stateText(r transition.StateRef) string {
	if r.Value == nil {
		return ""
	}
	return fmt.Sprint(r.Value)
}

// sqliteTime is how times are written in SQLite's history: fixed width,
// in UTC, so that text order is time order.
const sqliteTime = "2006-01-02T15:04:05.000000000Z"

func (s *Store[U]) timeArg(t time.Time) any {
	if s.d == sqlexpr.SQLite {
		return t.UTC().Format(sqliteTime)
	}
	return t
}

// A Filter selects rows of the history. Its zero fields select all.
type Filter struct {
	ObjectType string    // such as "main.Project"
	ObjectID   string    // such as "7": with ObjectType, an object's timeline
	Actor      string    // rows of this actor
	Transition string    // rows of this transition
	Since      time.Time // rows at or after this time
	Until      time.Time // rows before this time
	After      int64     // rows whose id is greater: the page after the last one read
	Limit      int       // at most this many rows (all if 0)
}

// History returns the rows of the history f selects, in the order they
// were written (by id): with f's ObjectType and ObjectID, an object's
// timeline.
func (s *Store[U]) History(ctx context.Context, f Filter) ([]Record, error) {
	var conds []sqlexpr.Expr
	add := func(col, v string) {
		if v != "" {
			conds = append(conds, sqlexpr.Col(col).Eq(v))
		}
	}
	add("object_type", f.ObjectType)
	add("object_id", f.ObjectID)
	add("actor", f.Actor)
	add("transition", f.Transition)
	if !f.Since.IsZero() {
		conds = append(conds, sqlexpr.Col("at").Ge(s.timeArg(f.Since)))
	}
	if !f.Until.IsZero() {
		conds = append(conds, sqlexpr.Col("at").Lt(s.timeArg(f.Until)))
	}
	if f.After > 0 {
		conds = append(conds, sqlexpr.Col("id").Gt(f.After))
	}
	b := &stmt{d: s.d}
	b.s.WriteString(`SELECT ` + historyColumns + ` FROM ` + s.history)
	if len(conds) > 0 {
		b.s.WriteString(` WHERE `)
		if err := b.expr(sqlexpr.And(conds...)); err != nil {
			return nil, err
		}
	}
	b.s.WriteString(` ORDER BY id`)
	if f.Limit > 0 {
		b.s.WriteString(` LIMIT `)
		b.arg(f.Limit)
	}
	return s.records(ctx, b)
}

// ErrCursor: Feed was given a cursor that is no row of the history.
var ErrCursor = errors.New("sqlstore: the feed's cursor is no row of the history")

// Feed returns up to limit rows of the history written after the row
// whose id is after (0 for the first), in the order their transactions
// committed, for another service to follow: it stores the id of the
// last row it handled and asks again from there. A row is never skipped,
// and never served before every row that precedes it in the feed.
//
// On PostgreSQL ids are handed out before commit, so a row with a lower
// id may commit after one with a higher id; Feed serves only rows whose
// transactions are older than the oldest one still running, ordered by
// transaction, then id. (A long-running transaction therefore holds the
// feed back until it ends.) On SQLite writers commit one at a time, in
// the order of their ids.
func (s *Store[U]) Feed(ctx context.Context, after int64, limit int) ([]Record, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("sqlstore: Feed needs a limit above 0, not %d", limit)
	}
	if after > 0 {
		b := &stmt{d: s.d}
		b.s.WriteString(`SELECT count(*) FROM ` + s.history + ` WHERE id = `)
		b.arg(after)
		var n int
		if err := s.db.QueryRowContext(ctx, b.s.String(), b.args...).Scan(&n); err != nil {
			return nil, fmt.Errorf("sqlstore: reading the history: %w", err)
		}
		if n == 0 {
			return nil, fmt.Errorf("%w: %d", ErrCursor, after)
		}
	}
	b := &stmt{d: s.d}
	b.s.WriteString(`SELECT ` + historyColumns + ` FROM ` + s.history)
	if s.d == sqlexpr.Postgres {
		b.s.WriteString(` WHERE tx < pg_snapshot_xmin(pg_current_snapshot())`)
		if after > 0 {
			b.s.WriteString(` AND (tx, id) > (SELECT tx, id FROM ` + s.history + ` WHERE id = `)
			b.arg(after)
			b.s.WriteString(`)`)
		}
		b.s.WriteString(` ORDER BY tx, id LIMIT `)
	} else {
		b.s.WriteString(` WHERE id > `)
		b.arg(after)
		b.s.WriteString(` ORDER BY id LIMIT `)
	}
	b.arg(limit)
	return s.records(ctx, b)
}

// records runs b, a query of historyColumns, and scans its rows.
func (s *Store[U]) records(ctx context.Context, b *stmt) ([]Record, error) {
	rows, err := s.db.QueryContext(ctx, b.s.String(), b.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: reading the history: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		var from, input, key sql.NullString
		var cause sql.NullInt64
		var at any
		if err := rows.Scan(&r.ID, &r.ObjectType, &r.ObjectID, &r.Version, &r.Field, &r.Transition, &from, &r.To,
			&r.Actor, &at, &input, &r.Seq, &cause, &key, &r.Imported); err != nil {
			return nil, fmt.Errorf("sqlstore: reading the history: %w", err)
		}
		switch at := at.(type) {
		case time.Time:
			r.At = at
		case string:
			if r.At, err = time.Parse(sqliteTime, at); err != nil {
				return nil, fmt.Errorf("sqlstore: reading the history: row %d: %w", r.ID, err)
			}
		case []byte:
			if r.At, err = time.Parse(sqliteTime, string(at)); err != nil {
				return nil, fmt.Errorf("sqlstore: reading the history: row %d: %w", r.ID, err)
			}
		default:
			return nil, fmt.Errorf("sqlstore: reading the history: row %d: a time of type %T", r.ID, at)
		}
		r.From, r.Key, r.Cause = from.String, key.String, cause.Int64
		if input.Valid {
			r.Input = json.RawMessage(input.String)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: reading the history: %w", err)
	}
	return out, nil
}
