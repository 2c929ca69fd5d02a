package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/statecraft/statecraft/state/sqlexpr"
)

// This file is the application's side of the database: its schema, and the
// *Repo that loaders, hooks and the program read through. store.go plugs
// it into package transition.

// tables returns the statements that create the tables. The CHECK
// constraints come from the state declarations, so the database itself
// refuses values the code does not know.
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
		`CREATE TABLE projects (id INTEGER PRIMARY KEY, title TEXT NOT NULL, owner TEXT NOT NULL, status INTEGER NOT NULL ` + projectCheck + `, start_at TIMESTAMP NOT NULL, reason TEXT NOT NULL DEFAULT '', version INTEGER NOT NULL DEFAULT 0)`,
		`CREATE TABLE tasks (id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects, title TEXT NOT NULL, owner TEXT NOT NULL, status TEXT NOT NULL ` + taskCheck + `, version INTEGER NOT NULL DEFAULT 0)`,
		`CREATE TABLE audit (seq INTEGER PRIMARY KEY, machine TEXT NOT NULL, object INTEGER NOT NULL, version INTEGER NOT NULL, field TEXT NOT NULL, transition TEXT NOT NULL, from_state TEXT NOT NULL, to_state TEXT NOT NULL, actor TEXT NOT NULL, input TEXT NOT NULL, at TIMESTAMP NOT NULL, cause INTEGER REFERENCES audit)`,
	}, nil
}

// Repo is the unit of work: the database seen through one transaction. It
// is what loaders, validators and hooks receive.
type Repo struct{ tx *sql.Tx }

// Projects selects the projects matching where. Status scans straight from
// its column, and rejects values the code does not know.
func (r *Repo) Projects(ctx context.Context, where sqlexpr.Expr) ([]*Project, error) {
	return selectAll(ctx, r, `SELECT id, title, owner, status, start_at, reason, version FROM projects`, where,
		func(p *Project) []any {
			return []any{&p.ID, &p.Title, &p.Owner, &p.Status, &p.StartAt, &p.Reason, &p.Version}
		})
}

// Tasks selects the tasks matching where.
func (r *Repo) Tasks(ctx context.Context, where sqlexpr.Expr) ([]*Task, error) {
	return selectAll(ctx, r, `SELECT id, project_id, title, owner, status, version FROM tasks`, where,
		func(t *Task) []any { return []any{&t.ID, &t.ProjectID, &t.Title, &t.Owner, &t.Status, &t.Version} })
}

// Project and Task read one row, or nil if there is none.
func (r *Repo) Project(ctx context.Context, id int64) (*Project, error) {
	return first(r.Projects(ctx, sqlexpr.Col("id").Eq(id)))
}

func (r *Repo) Task(ctx context.Context, id int64) (*Task, error) {
	return first(r.Tasks(ctx, sqlexpr.Col("id").Eq(id)))
}

// read runs fn in a unit of work of s that it then rolls back: reads and
// checks outside a transition.
func read[T any](ctx context.Context, s *Store, fn func(tx *sqlTx) (T, error)) (T, error) {
	var zero T
	tx, err := s.Begin(ctx)
	if err != nil {
		return zero, err
	}
	defer tx.Rollback(ctx)
	return fn(tx.(*sqlTx))
}

// selectAll runs query with the condition where, and scans each row into a
// new M through the pointers fields returns.
func selectAll[M any](ctx context.Context, r *Repo, query string, where sqlexpr.Expr, fields func(*M) []any) ([]*M, error) {
	cond, args, err := where.Render(sqlexpr.SQLite)
	if err != nil {
		return nil, err
	}
	rows, err := r.tx.QueryContext(ctx, query+` WHERE `+cond+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ms []*M
	for rows.Next() {
		m := new(M)
		if err := rows.Scan(fields(m)...); err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, rows.Err()
}

func first[M any](ms []*M, err error) (*M, error) {
	if len(ms) == 0 {
		return nil, err
	}
	return ms[0], err
}

// AuditTrail prints the audit table, a line per row.
func (r *Repo) AuditTrail(ctx context.Context) ([]string, error) {
	rows, err := r.tx.QueryContext(ctx, `SELECT seq, machine, object, version, field, transition, from_state, to_state, actor, input, at, coalesce(cause, 0) FROM audit ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var seq, object, version, cause int64
		var machine, field, name, from, to, actor, input string
		var at time.Time
		if err := rows.Scan(&seq, &machine, &object, &version, &field, &name, &from, &to, &actor, &input, &at, &cause); err != nil {
			return nil, err
		}
		line := fmt.Sprintf("#%d %s  %-14s v%d  %-8s %s %-9s -> %-9s by %-5s %s", seq, at.Format(time.DateTime),
			fmt.Sprint(strings.TrimSuffix(machine, "."+field), " ", object), version, name, field, from, to, actor, input)
		if cause != 0 {
			line += fmt.Sprintf(" (caused by #%d)", cause)
		}
		lines = append(lines, line)
	}
	return lines, rows.Err()
}
