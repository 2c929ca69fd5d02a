package sqlstore_test

import (
	"testing"

	"github.com/statecraft/statecraft/internal/conformance"
	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// The conformance suite, each test on a new database: SQLite, and
// PostgreSQL when one is configured (see dbtest).
func TestConformance(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			open := dbtest.SQLite
			if name == "postgres" {
				open = dbtest.Postgres
				open(t) // skips, saying how to run it, when no server is configured
			}
			conformance.Run(t, func(t *testing.T, opts *sqlstore.Options, concurrent bool) conformance.Store {
				db := open(t)
				if concurrent {
					db.SetMaxOpenConns(32)
				}
				return setup(t, db, opts).store
			})
		})
	}
}
