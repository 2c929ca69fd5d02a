package main

import (
	"context"

	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// This file is the application's side of the database: the table that
// takes the place of the files, how an Onboarding maps to it, and the
// *Repo that loaders, hooks and the program read through. Package
// sqlstore does the rest: transactions, compare-and-set saves, the
// history.

// progressTable returns the statement that creates a table named name
// with onboarding_progress's columns. check is the CHECK constraint of its
// status column, or "" for none: the import creates the table as the
// files were kept, with no constraint, and the cutover rebuilds it with
// OnboardingState's (see migrate.go). (The history's table is sqlstore's:
// Store.Migrate creates it.)
func progressTable(name, check string) string {
	if check != "" {
		check = " " + check
	}
	return `CREATE TABLE ` + name + ` (user_id TEXT PRIMARY KEY, email TEXT NOT NULL, status TEXT NOT NULL` + check + `,
		steps TEXT NOT NULL, reason TEXT NOT NULL, version INTEGER NOT NULL)`
}

// progressRows maps an Onboarding to onboarding_progress, a column per
// field. The machine loads and saves onboardings through it.
var progressRows = sqlstore.Map[*Repo]("onboarding_progress", func(o *Onboarding) []sqlstore.Column {
	return []sqlstore.Column{
		sqlstore.Key("user_id", &o.UserID),
		sqlstore.Col("email", &o.Email),
		sqlstore.Col("status", &o.Status), // a State scans and writes as its value
		sqlstore.Col("steps", &o.Steps),
		sqlstore.Col("reason", &o.Reason),
		sqlstore.Version("version", &o.Version),
	}
})

// Repo is the unit of work: the database seen through one transaction, as
// the Store gives it (or, in tests, the in-memory Store's rows).
type Repo struct{ q sqlstore.Querier }

// newRepo builds a Repo: the Store calls it for each unit of work.
func newRepo(q sqlstore.Querier) *Repo { return &Repo{q} }

// Onboardings selects the onboardings matching where, by user id.
func (r *Repo) Onboardings(ctx context.Context, where sqlexpr.Expr) ([]*Onboarding, error) {
	return progressRows.Select(ctx, r.q, where, sqlstore.NoLock)
}

// Onboarding reads one user's onboarding, or nil if there is none.
func (r *Repo) Onboarding(ctx context.Context, userID string) (*Onboarding, error) {
	all, err := r.Onboardings(ctx, sqlexpr.Col("user_id").Eq(userID))
	if len(all) == 0 {
		return nil, err
	}
	return all[0], err
}
