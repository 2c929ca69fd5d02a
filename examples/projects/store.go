package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
)

// tables returns the statements that create the tables. The CHECK constraints come from the state
// declarations, so the database itself refuses values the code does not
// know.
func tables() ([]string, error) {
	projectCheck, err := ProjectState.CheckConstraint(sqlexpr.SQLite, "status")
	if err != nil {
		return nil, err
	}
	taskCheck, err := TaskState.CheckConstraint(sqlexpr.SQLite, "status")
	if err != nil {
		return nil, err
	}
	return []string{
		`CREATE TABLE projects (id INTEGER PRIMARY KEY, title TEXT NOT NULL, owner TEXT NOT NULL, status INTEGER NOT NULL ` + projectCheck + `, start_at TIMESTAMP NOT NULL, reason TEXT NOT NULL DEFAULT '')`,
		`CREATE TABLE tasks (id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects, title TEXT NOT NULL, owner TEXT NOT NULL, status TEXT NOT NULL ` + taskCheck + `)`,
		`CREATE TABLE audit (seq INTEGER PRIMARY KEY, machine TEXT NOT NULL, object TEXT NOT NULL, transition TEXT NOT NULL, from_state TEXT NOT NULL, to_state TEXT NOT NULL, actor TEXT NOT NULL, input TEXT NOT NULL, at TIMESTAMP NOT NULL, cause INTEGER)`,
	}, nil
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// txKey carries the transaction a transition runs in, for the load
// functions of its related models and for the observer that saves it.
type txKey struct{}

func txFrom(ctx context.Context) querier {
	if tx, ok := ctx.Value(txKey{}).(querier); ok {
		return tx
	}
	panic("no transaction in the context")
}

// projects selects the projects matching where.
func projects(ctx context.Context, q querier, where sqlexpr.Expr) ([]Project, error) {
	cond, args, err := where.Render(sqlexpr.SQLite)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, title, owner, status, start_at, reason FROM projects WHERE `+cond+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ps []Project
	for rows.Next() {
		var p Project
		// Status scans straight from the column, and rejects unknown values.
		if err := rows.Scan(&p.ID, &p.Title, &p.Owner, &p.Status, &p.StartAt, &p.Reason); err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, rows.Err()
}

func project(ctx context.Context, q querier, id int64) (*Project, error) {
	ps, err := projects(ctx, q, sqlexpr.Col("id").Eq(id))
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("no project %d", id)
	}
	return &ps[0], nil
}

// loadTasks is the relation Delete cascades over.
func loadTasks(ctx context.Context, p *Project) ([]*Task, error) {
	rows, err := txFrom(ctx).QueryContext(ctx, `SELECT id, project_id, title, owner, status FROM tasks WHERE project_id = ? ORDER BY id`, p.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ts []*Task
	for rows.Next() {
		t := new(Task)
		if err := rows.Scan(&t.ID, &t.ProjectID, &t.Title, &t.Owner, &t.Status); err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// errConflict reports that another writer changed a row first.
var errConflict = errors.New("the row changed under us")

// save is the observer that writes every step of a transition, and its
// audit row, in the transaction. Each UPDATE compares and sets: it only
// applies if the row still holds the state the transition started from.
// If it fails, the transition is undone in memory and the transaction is
// rolled back.
func save(ctx context.Context, r transition.Record) error {
	q := txFrom(ctx)
	e := r.Entry()
	var res sql.Result
	var err error
	switch m := r.Subject().(type) {
	case *Project:
		res, err = q.ExecContext(ctx, `UPDATE projects SET status = ?, start_at = ?, reason = ? WHERE id = ? AND status = ?`,
			m.Status, m.StartAt, m.Reason, m.ID, e.From.Value)
	case *Task:
		res, err = q.ExecContext(ctx, `UPDATE tasks SET status = ? WHERE id = ? AND status = ?`, m.Status, m.ID, e.From.Value)
	default:
		return fmt.Errorf("no table for %T", m)
	}
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("%s %v: %w", e.Model, e.Object, errConflict)
	}
	input, err := json.Marshal(e.Input)
	if err != nil {
		return err
	}
	var cause any
	if e.Cause != nil {
		cause = fmt.Sprintf("%s %v %s", e.Cause.Model, e.Cause.Object, e.Cause.Transition)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO audit (machine, object, transition, from_state, to_state, actor, input, at, cause) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Machine, fmt.Sprintf("%s %v", e.Model, e.Object), e.Transition, e.From.Title, e.To.Title, fmt.Sprint(e.Actor), string(input), e.At, cause)
	return err
}

// inTx runs f in a transaction whose context carries it, committing if f
// succeeds.
func inTx(ctx context.Context, db *sql.DB, f func(ctx context.Context, tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(context.WithValue(ctx, txKey{}, tx), tx); err != nil {
		return err
	}
	return tx.Commit()
}

// auditTrail prints the audit table.
func auditTrail(ctx context.Context, q querier) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT object, transition, from_state, to_state, actor, input, at, coalesce(cause, '') FROM audit ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var object, name, from, to, actor, input, cause string
		var at time.Time
		if err := rows.Scan(&object, &name, &from, &to, &actor, &input, &at, &cause); err != nil {
			return nil, err
		}
		line := fmt.Sprintf("%s  %-14s %-8s %-9s -> %-9s by %-5s %s", at.Format(time.DateTime), object, name, from, to, actor, input)
		if cause != "" {
			line += " (caused by " + cause + ")"
		}
		lines = append(lines, line)
	}
	return lines, rows.Err()
}
