package main

import (
	"context"
	"database/sql"

	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// This file is the application's side of the database: its schema, how
// drafts and courts map to their tables, and the *Repo that loaders, hooks
// and the program read through. Package sqlstore does the rest:
// transactions, compare-and-set saves, the history.

// createTables creates the tables, with CHECK constraints from the state
// declarations, so that the database refuses values the code does not
// know. (The history's table is sqlstore's: Store.Migrate creates it.)
func createTables(ctx context.Context, db *sql.DB) error {
	status, err := FilingState.CheckConstraint(sqlexpr.SQLite, "status")
	if err != nil {
		return err
	}
	step, err := StepState.CheckConstraint(sqlexpr.SQLite, "step")
	if err != nil {
		return err
	}
	efiling, err := CourtState.CheckConstraint(sqlexpr.SQLite, "efiling")
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `
		CREATE TABLE courts (code TEXT PRIMARY KEY, name TEXT NOT NULL, efiling TEXT NOT NULL `+efiling+`);
		CREATE TABLE drafts (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, court TEXT NOT NULL REFERENCES courts,
			status TEXT NOT NULL `+status+`, step TEXT NOT NULL `+step+`,
			document TEXT NOT NULL, case_details TEXT NOT NULL, paid TEXT NOT NULL, signature TEXT NOT NULL,
			case_number TEXT NOT NULL, returned TEXT NOT NULL, version INTEGER NOT NULL)`)
	return err
}

// draftRows and courtRows map the models to their tables, a column per
// field. The machines load and save drafts through draftRows.
var (
	draftRows = sqlstore.Map[*Repo]("drafts", func(d *FilingDraft) []sqlstore.Column {
		return []sqlstore.Column{
			sqlstore.Key("id", &d.ID),
			sqlstore.Col("owner", &d.Owner),
			sqlstore.Col("court", &d.Court),
			sqlstore.Col("status", &d.Status),
			sqlstore.Col("step", &d.Step),
			sqlstore.Col("document", &d.Document),
			sqlstore.Col("case_details", &d.Case),
			sqlstore.Col("paid", &d.Paid),
			sqlstore.Col("signature", &d.Signature),
			sqlstore.Col("case_number", &d.CaseNumber),
			sqlstore.Col("returned", &d.Returned),
			sqlstore.Version("version", &d.Version),
		}
	})
	courtRows = sqlstore.Map[*Repo]("courts", func(c *Court) []sqlstore.Column {
		return []sqlstore.Column{sqlstore.Key("code", &c.Code), sqlstore.Col("name", &c.Name), sqlstore.Col("efiling", &c.EFiling)}
	})
)

// Repo is the unit of work: the database seen through one transaction, as
// the Store gives it (or, in tests, the in-memory Store's rows).
type Repo struct{ q sqlstore.Querier }

// newRepo builds a Repo: the Store calls it for each unit of work.
func newRepo(q sqlstore.Querier) *Repo { return &Repo{q} }

// Drafts selects the drafts matching where, by id.
func (r *Repo) Drafts(ctx context.Context, where sqlexpr.Expr) ([]*FilingDraft, error) {
	return draftRows.Select(ctx, r.q, where, sqlstore.NoLock)
}

// Draft reads one draft, or nil if there is none.
func (r *Repo) Draft(ctx context.Context, id int64) (*FilingDraft, error) {
	ds, err := r.Drafts(ctx, sqlexpr.Col("id").Eq(id))
	if len(ds) == 0 {
		return nil, err
	}
	return ds[0], err
}

// Court reads the court a draft is filed in, or nil, with a shared lock
// (on PostgreSQL; a SQLite transaction holds the whole database): the
// jurisdiction check reads it, and it must not change before the
// transition that relied on it commits.
func (r *Repo) Court(ctx context.Context, code string) (*Court, error) {
	cs, err := courtRows.Select(ctx, r.q, sqlexpr.Col("code").Eq(code), sqlstore.ForShare)
	if len(cs) == 0 {
		return nil, err
	}
	return cs[0], err
}
