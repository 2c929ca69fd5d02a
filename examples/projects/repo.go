package main

import (
	"context"

	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// This file is the application's side of the database: its schema, how
// each model maps to its table, and the *Repo that loaders, hooks and the
// program read through. Package sqlstore does the rest: transactions,
// compare-and-set saves, the history.

// tables returns the statements that create the tables. The CHECK
// constraints come from the state declarations, so the database itself
// refuses values the code does not know. (The history's table is
// sqlstore's: Store.Migrate creates it.)
func tables() ([]string, error) {
	projectCheck, err := ProjectState.CheckConstraint(sqlexpr.SQLite, "status")
	if err != nil {
		return nil, err
	}
	reviewCheck, err := ReviewState.CheckConstraint(sqlexpr.SQLite, "review")
	if err != nil {
		return nil, err
	}
	taskCheck, err := TaskState.CheckConstraint(sqlexpr.SQLite, "status")
	if err != nil {
		return nil, err
	}
	return []string{
		`CREATE TABLE projects (id INTEGER PRIMARY KEY, title TEXT NOT NULL, owner TEXT NOT NULL, status INTEGER NOT NULL ` + projectCheck +
			`, review TEXT NOT NULL ` + reviewCheck + `, start_at TIMESTAMP NOT NULL, reason TEXT NOT NULL DEFAULT '', version INTEGER NOT NULL DEFAULT 0)`,
		`CREATE TABLE tasks (id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects, title TEXT NOT NULL, owner TEXT NOT NULL, status TEXT NOT NULL ` + taskCheck + `, version INTEGER NOT NULL DEFAULT 0)`,
	}, nil
}

// projectRows and taskRows map the models to their tables, a column per
// field. The machines load and save through them (see transitions.go):
// every save compares the version the transition read, and increments it.
var (
	projectRows = sqlstore.Map[*Repo]("projects", func(p *Project) []sqlstore.Column {
		return []sqlstore.Column{
			sqlstore.Key("id", &p.ID),
			sqlstore.Col("title", &p.Title),
			sqlstore.Col("owner", &p.Owner),
			sqlstore.Col("status", &p.Status), // a State scans and writes as its value
			sqlstore.Col("review", &p.Review),
			sqlstore.Col("start_at", &p.StartAt),
			sqlstore.Col("reason", &p.Reason),
			sqlstore.Version("version", &p.Version),
		}
	})
	taskRows = sqlstore.Map[*Repo]("tasks", func(t *Task) []sqlstore.Column {
		return []sqlstore.Column{
			sqlstore.Key("id", &t.ID),
			sqlstore.Col("project_id", &t.ProjectID),
			sqlstore.Col("title", &t.Title),
			sqlstore.Col("owner", &t.Owner),
			sqlstore.Col("status", &t.Status),
			sqlstore.Version("version", &t.Version),
		}
	})
)

// Repo is the unit of work: the database seen through one transaction, as
// the Store gives it. It is what loaders, validators and hooks receive.
type Repo struct{ q sqlstore.Querier }

// newRepo builds a Repo on a transaction: sqlstore.New calls it for each
// unit of work.
func newRepo(q sqlstore.Querier) *Repo { return &Repo{q} }

// Projects selects the projects matching where, by id.
func (r *Repo) Projects(ctx context.Context, where sqlexpr.Expr) ([]*Project, error) {
	return projectRows.Select(ctx, r.q, where, sqlstore.NoLock)
}

// Tasks selects the tasks matching where, by id.
func (r *Repo) Tasks(ctx context.Context, where sqlexpr.Expr) ([]*Task, error) {
	return taskRows.Select(ctx, r.q, where, sqlstore.NoLock)
}

// Project and Task read one row, or nil if there is none.
func (r *Repo) Project(ctx context.Context, id int64) (*Project, error) {
	return first(r.Projects(ctx, sqlexpr.Col("id").Eq(id)))
}

func (r *Repo) Task(ctx context.Context, id int64) (*Task, error) {
	return first(r.Tasks(ctx, sqlexpr.Col("id").Eq(id)))
}

func first[M any](ms []*M, err error) (*M, error) {
	if len(ms) == 0 {
		return nil, err
	}
	return ms[0], err
}
