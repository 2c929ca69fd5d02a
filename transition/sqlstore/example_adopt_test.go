package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // the "sqlite" driver

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// A legacy tickets table, whose status column no constraint guards, is
// surveyed before the states are declared to the database: the report
// lists what must be fixed first.
func ExampleSurvey() {
	type TicketStatus string
	ticketState := state.NewType[TicketStatus]("TicketState")
	ticketState.State("open", "Open")
	ticketState.State("closed", "Closed")

	dir, err := os.MkdirTemp("", "survey")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "legacy.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`CREATE TABLE tickets (id INTEGER PRIMARY KEY, status TEXT)`,
		`INSERT INTO tickets (id, status) VALUES (1, 'open'), (2, 'closed'), (3, 'wontfix'), (4, 'open'), (5, NULL), (6, 'wontfix'), (7, 'Closed')`,
	} {
		if _, err := db.Exec(q); err != nil {
			log.Fatal(err)
		}
	}
	store, err := sqlstore.New(db, sqlexpr.SQLite, func(q sqlstore.Querier) sqlstore.Querier { return q }, nil)
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	report, err := sqlstore.Survey(ctx, store.Querier(), "tickets", "id", "status", ticketState)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(report)
	for _, u := range report.Unknown {
		fmt.Printf("fix %q in rows %v\n", u.Value, u.Keys)
	}
	// Output:
	// tickets.status (TicketState): 7 rows
	//   value      state       rows  first keys
	//   'open'     Open           2
	//   'closed'   Closed         1
	//   'wontfix'  undeclared     2  3, 6
	//   'Closed'   undeclared     1  7
	//   NULL       no state       1  5
	// not ok: 3 rows hold 2 undeclared values, 1 row holds NULL
	// fix "wontfix" in rows [3 6]
	// fix "Closed" in rows [7]
}

// Once the survey is OK, the constraint is added in two steps on
// PostgreSQL, each in a transaction of its own. SQLite cannot add one: the
// table is rebuilt with it instead (see Constraint).
func ExampleConstraint() {
	type TicketStatus string
	ticketState := state.NewType[TicketStatus]("TicketState")
	ticketState.State("open", "Open")
	ticketState.State("closed", "Closed")

	stmts, err := sqlstore.Constraint(sqlexpr.Postgres, "tickets", "status", "", ticketState)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range stmts {
		fmt.Println(s)
	}

	_, err = sqlstore.Constraint(sqlexpr.SQLite, "tickets", "status", "", ticketState)
	fmt.Println(err)
	// Output:
	// ALTER TABLE "tickets" ADD CONSTRAINT "tickets_status_check" CHECK ("status" IN ('open', 'closed')) NOT VALID
	// ALTER TABLE "tickets" VALIDATE CONSTRAINT "tickets_status_check"
	// sqlstore: SQLite cannot add a constraint to an existing table: rebuild "tickets" with CHECK ("status" IN ('open', 'closed')) on its column, as the documentation of sqlstore.Constraint shows
}
