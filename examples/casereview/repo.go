package main

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// This file is the application's side of the database: its schema, how a
// Case maps to its table, and the *Repo that loaders, hooks, the program
// and the console read through. Package sqlstore does the rest:
// transactions, compare-and-set saves, the history.

// openDB opens the SQLite database at path (creating the file if need
// be). SQLite compares times as text, where "10:00+02:00" sorts after
// "09:00+00:00" though it is the earlier instant; the Table writes times,
// and sqlexpr passes them, in UTC, where text order is time order, so
// that Overdue's SQL agrees with its Go test whatever zone a time was
// given in.
func openDB(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_time_format=sqlite&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	return db, nil
}

// createTable returns the statement that creates the cases table. Its
// CHECK constraint comes from the state declarations, so the database
// itself refuses a status the code does not know. (The history's table
// is sqlstore's: Store.Migrate creates it.)
func createTable() (string, error) {
	check, err := CaseState.CheckConstraint(sqlexpr.SQLite, "status")
	if err != nil {
		return "", fmt.Errorf("the status constraint: %w", err)
	}
	return `CREATE TABLE cases (
	id INTEGER PRIMARY KEY,
	title TEXT NOT NULL,
	summary TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL ` + check + `,
	assigned_to TEXT NOT NULL DEFAULT '',
	due_at TIMESTAMP NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL DEFAULT 0
)`, nil
}

// caseRows maps a Case to its table, a column per field. The machine
// loads and saves through it (see transitions.go): every save compares
// the version the transition read, and increments it.
var caseRows = sqlstore.Map[*Repo]("cases", func(c *Case) []sqlstore.Column {
	return []sqlstore.Column{
		sqlstore.Key("id", &c.ID),
		sqlstore.Col("title", &c.Title),
		sqlstore.Col("summary", &c.Summary),
		sqlstore.Col("status", &c.Status), // a State scans and writes as its value
		sqlstore.Col("assigned_to", &c.AssignedTo),
		sqlstore.Col("due_at", &c.DueAt),
		sqlstore.Col("note", &c.Note),
		sqlstore.Version("version", &c.Version),
	}
})

// Repo is the unit of work: the database seen through one transaction, as
// the Store gives it, or through the database itself for plain reads. It
// is what loaders, validators and hooks receive.
type Repo struct{ q sqlstore.Querier }

// newRepo builds a Repo on a transaction: sqlstore.New calls it for each
// unit of work.
func newRepo(q sqlstore.Querier) *Repo { return &Repo{q} }

// Cases selects the cases matching where, by id.
func (r *Repo) Cases(ctx context.Context, where sqlexpr.Expr) ([]*Case, error) {
	cs, err := caseRows.Select(ctx, r.q, where, sqlstore.NoLock)
	if err != nil {
		return nil, fmt.Errorf("reading cases: %w", err)
	}
	return cs, nil
}

// Case reads case id, or returns nil if there is none.
func (r *Repo) Case(ctx context.Context, id int64) (*Case, error) {
	cs, err := r.Cases(ctx, sqlexpr.Col("id").Eq(id))
	if len(cs) == 0 || err != nil {
		return nil, err
	}
	return cs[0], nil
}

// queueWhere is the queue's filter: the cases in status, when it is not
// the zero State, and overdue, when asked, at the time the caller binds
// with At.
func queueWhere(status state.State[CaseStatus], overdue bool) sqlexpr.Expr {
	var where []sqlexpr.Expr
	if !status.IsZero() {
		where = append(where, Status.In(status).Expr())
	}
	if overdue {
		where = append(where, Overdue.Expr())
	}
	if len(where) == 0 {
		return sqlexpr.True
	}
	return sqlexpr.And(where...)
}
