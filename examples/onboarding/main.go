// Command onboarding is statecraft's example of moving state out of files
// and into the database, after a plan that moved the onboarding progress
// an application kept in JSON files (uploads/admin/onboarding/*.json,
// with no locking and no audit) into a table, and a hard cutover preceded
// by a rehearsal and parity checks. In the order a cutover runs, it shows:
//
//   - the files read, and every state in them checked against the
//     declarations: an unknown value is reported with its file and what is
//     declared, never coerced into the nearest state, and its file is not
//     imported;
//
//   - the table created as the files were kept, with no constraint, and
//     its rows and their history backfilled in one transaction: the
//     history rows marked Imported (and named transition "import", by
//     "import", with the file as input), not as transitions anyone ran;
//
//   - a survey of the table (sqlstore.Survey), then a parity report that
//     compares the files with the table, user by user and state by state:
//     the cutover goes on only if they agree;
//
//   - the CHECK constraint added last: on SQLite by rebuilding the table
//     with it, in one transaction; then the database itself refusing a
//     value the code does not know;
//
//   - the state machine run on the table by a sqlstore.Store: a user
//     working through their checklist, a refusal and its reasons, an
//     admin's block, unblock and offboarding, and the timeline, where the
//     imported rows stand apart from the transitions run;
//
//   - and, last, the state diagram in Mermaid.
//
//     go run ./examples/onboarding
//     go run ./examples/onboarding -db onboarding.db   # keep the database
//
// The legacy files are the example's own, under uploads/admin/onboarding,
// embedded in the program; four of the nine do not check. It needs no
// server: SQLite runs in-process through the pure-Go modernc.org/sqlite
// driver, in a file that is removed when it ends (or in the file given
// with -db, which is kept).
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite"

	"github.com/statecraft/statecraft/registry"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/schema"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

func main() {
	dbPath := flag.String("db", "", "SQLite database file to create (default: a temporary file)")
	flag.Parse()
	log.SetFlags(0)

	files, err := fs.Sub(uploads, "uploads")
	if err != nil {
		log.Fatal(err)
	}
	path, tmp := *dbPath, ""
	if path == "" {
		if tmp, err = os.MkdirTemp("", "statecraft-onboarding-"); err != nil {
			log.Fatal(err)
		}
		path = filepath.Join(tmp, "onboarding.db")
	} else if _, err := os.Stat(path); err == nil {
		log.Fatalf("%s exists: the example builds its database from scratch, so name a new file", path)
	}
	err = run(context.Background(), os.Stdout, path, files)
	if tmp != "" {
		os.RemoveAll(tmp)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// The users of the files: each works through their own onboarding.
var (
	ana   = User{ID: "u-101", Name: "ana"}
	ben   = User{ID: "u-102", Name: "ben"}
	cho   = User{ID: "u-103", Name: "cho"}
	dev   = User{ID: "u-104", Name: "dev"}
	eli   = User{ID: "u-105", Name: "eli"}
	admin = User{ID: "u-001", Name: "admin", Admin: true}
)

// A request is a transition run by name on a user's onboarding with a
// JSON payload, as POST /onboarding/{user}/transitions/{name} would run it.
type request struct {
	user          User
	onboarding    string
	name, payload string
}

// run imports the onboarding files of uploads into a new SQLite database
// at path, then runs the machine on it, and writes what happened to w.
// Its time starts at a fixed date and moves on a minute per request, so
// that the transcript is the same on every run.
func run(ctx context.Context, w io.Writer, path string, uploads fs.FS) error {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	db, err := sql.Open("sqlite", "file:"+path+"?_time_format=sqlite&_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	defer db.Close()
	// The Store runs each unit of work in a transaction of db, and builds
	// a *Repo on it; its clock stamps the transactions and the history.
	store, err := sqlstore.New(db, sqlexpr.SQLite, newRepo, &sqlstore.Options{Now: func() time.Time { return now }})
	if err != nil {
		return fmt.Errorf("opening the store: %w", err)
	}
	if err := store.Migrate(ctx); err != nil { // the history's table, and the idempotency keys'
		return err
	}
	// The registry checks the definitions, and describes each input as
	// JSON Schema, whose rules it then enforces on every payload.
	reg, err := registry.New[User, *Repo](&registry.Options{Schemas: schema.Compile}, Onboardings)
	if err != nil {
		return fmt.Errorf("checking the definitions: %w", err)
	}
	repo := newRepo(store.Querier()) // plain reads need no transaction

	heading(w, "1. read the legacy files, uploads/"+legacyDir+"/*.json")
	files, err := readLegacy(uploads)
	if err != nil {
		return fmt.Errorf("reading the legacy files: %w", err)
	}
	names := make([]string, len(files))
	for i, l := range files {
		names[i] = filepath.Base(l.Path)
	}
	fmt.Fprintf(w, "%d files: %s\n", len(files), strings.Join(names, ", "))

	heading(w, "2. the rehearsal, writing nothing: check every state against the declarations; nothing is coerced, and a file with a problem is not imported")
	refused := 0
	for _, l := range files {
		if l.Row == nil {
			refused++
			fmt.Fprintf(w, "%-10s refused: %s\n", filepath.Base(l.Path), strings.Join(l.Problems, "; "))
			continue
		}
		fmt.Fprintf(w, "%-10s ok: %-11s steps done: %s\n", filepath.Base(l.Path), l.Row.Status, orNone(l.Row.Steps))
	}
	fmt.Fprintf(w, "%d files check; %d are refused, and stay where they are for a person to fix\n", len(files)-refused, refused)

	heading(w, "3. create the table as the files were kept, with no CHECK on status; backfill the rows and their history in one transaction")
	fmt.Fprintln(w, oneLine(progressTable("onboarding_progress", "")))
	if err := backfill(ctx, store, files); err != nil {
		return fmt.Errorf("backfilling onboarding_progress: %w", err)
	}
	history, err := store.History(ctx, sqlstore.Filter{})
	if err != nil {
		return fmt.Errorf("reading the import's history: %w", err)
	}
	var imported []sqlstore.Record
	for _, r := range history {
		if r.Imported {
			imported = append(imported, r)
		}
	}
	fmt.Fprintf(w, "imported %d rows, each with a history row marked imported (transition %q by %q): what its file said, not a transition anyone ran\n",
		len(imported), importTransition, importActor)

	heading(w, "4. survey the table: the rows in each declared state, undeclared values, NULLs")
	survey, err := sqlstore.Survey(ctx, store.Querier(), "onboarding_progress", "user_id", "status", OnboardingState)
	if err != nil {
		return fmt.Errorf("surveying onboarding_progress: %w", err)
	}
	fmt.Fprint(w, survey)

	heading(w, "5. parity: the files against the table and the import's history, user by user and state by state")
	lines, ok, err := parity(ctx, repo, files, imported, survey)
	if err != nil {
		return fmt.Errorf("comparing the files with the table: %w", err)
	}
	fmt.Fprintln(w, strings.Join(lines, "\n"))
	if !ok {
		return errors.New("the files and the table differ: the cutover stops here, before the constraint")
	}
	fmt.Fprintln(w, "the files and the table agree: the cutover goes on")

	heading(w, "6. only now add the CHECK constraint")
	pg, err := sqlstore.Constraint(sqlexpr.Postgres, "onboarding_progress", "status", "", OnboardingState)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "on PostgreSQL, two migrations:\n  %s\n", strings.Join(pg, "\n  "))
	_, err = sqlstore.Constraint(sqlexpr.SQLite, "onboarding_progress", "status", "", OnboardingState)
	fmt.Fprintf(w, "on SQLite: %v\n", err)
	stmts, err := rebuild(ctx, store)
	if err != nil {
		return fmt.Errorf("adding the CHECK constraint: %w", err)
	}
	fmt.Fprintln(w, "so the table is rebuilt, in one transaction:")
	for _, s := range stmts {
		fmt.Fprintf(w, "  %s\n", oneLine(s))
	}
	if survey, err = sqlstore.Survey(ctx, store.Querier(), "onboarding_progress", "user_id", "status", OnboardingState); err != nil {
		return fmt.Errorf("surveying the rebuilt onboarding_progress: %w", err)
	}
	fmt.Fprintf(w, "%d rows in the rebuilt table, every one in a declared state: %v\n", survey.Rows, survey.OK())
	_, err = db.ExecContext(ctx, `INSERT INTO onboarding_progress (user_id, email, status, steps, reason, version)
		VALUES ('u-106', 'fay@example.com', 'in-progress', 'profile', '', 1)`)
	if err == nil {
		return errors.New("the rebuilt table took a status OnboardingState does not declare")
	}
	fmt.Fprintf(w, "insert u-106 with status 'in-progress' (the file refused in step 2): refused: %v\n", err)

	heading(w, "7. run the state machine on the table")
	s := &script{ctx: ctx, w: w, reg: reg, store: store, repo: repo, now: &now}
	s.available(ben)
	s.requests(
		request{ana, "u-101", "start", ``},
		request{ben, "u-102", "complete_step", `{"step": "payroll"}`},
		request{ben, "u-102", "complete_step", `{"step": "profile"}`},
		request{ben, "u-102", "complete_step", `{"step": "team"}`},
		request{ben, "u-102", "complete", ``},
		request{cho, "u-103", "complete", ``},
		request{dev, "u-104", "unblock", ``},
		request{admin, "u-104", "unblock", ``},
		request{dev, "u-104", "complete_step", `{"step": "billing"}`},
		request{dev, "u-104", "complete", ``},
		request{admin, "u-102", "block", `{"reason": ""}`},
		request{admin, "u-102", "block", `{"reason": "waiting for a seat licence"}`},
		request{admin, "u-105", "offboard", ``},
		request{eli, "u-105", "start", ``},
	)
	if s.err != nil {
		return s.err
	}

	heading(w, "the history: the imported rows, then the transitions run")
	records, err := store.History(ctx, sqlstore.Filter{})
	if err != nil {
		return fmt.Errorf("reading the history: %w", err)
	}
	for _, r := range records {
		fmt.Fprintln(w, historyLine(r))
	}

	heading(w, "onboarding_progress now")
	all, err := repo.Onboardings(ctx, sqlexpr.True)
	if err != nil {
		return fmt.Errorf("reading onboarding_progress: %w", err)
	}
	for _, o := range all {
		line := fmt.Sprintf("%s v%d  %-16s %-11s steps done: %s", o.UserID, o.Version, o.Email, o.Status, orNone(o.Steps))
		if o.Reason != "" {
			line += ", blocked for " + o.Reason
		}
		fmt.Fprintln(w, line)
	}

	heading(w, "the state diagram, as the registry draws it")
	fmt.Fprint(w, reg.Mermaid())
	return nil
}

// script runs requests on the database: where it writes, the registry,
// the Store, a Repo for reads, and the clock, which it moves on a minute
// before each request. Its first error stops it (its methods do nothing
// once err is set).
type script struct {
	ctx   context.Context
	w     io.Writer
	reg   *registry.Registry[User, *Repo]
	store *sqlstore.Store[*Repo]
	repo  *Repo
	now   *time.Time
	err   error
}

// onboarding reads a user's onboarding outside any transaction, as a
// handler would before it fires: the firing's own transaction compares
// the version read.
func (s *script) onboarding(id string) *Onboarding {
	o, err := s.repo.Onboarding(s.ctx, id)
	if err == nil && o == nil {
		err = fmt.Errorf("no onboarding of %s", id)
	}
	if s.err == nil {
		s.err = err
	}
	return o
}

// requests reads each request's onboarding and fires the transition it
// names, and says what came of it.
func (s *script) requests(rs ...request) {
	for _, r := range rs {
		*s.now = s.now.Add(time.Minute)
		o := s.onboarding(r.onboarding)
		if s.err != nil {
			return
		}
		_, err := s.reg.Fire(s.ctx, s.store, r.user, o, r.name, []byte(r.payload))
		result := outcome(err)
		if err == nil {
			result += fmt.Sprintf(": %s, steps done: %s", o.Status, orNone(o.Steps))
		}
		fmt.Fprintf(s.w, "%s\n      -> %s\n", strings.TrimSpace(fmt.Sprintf("%-5s %-13s %s %s", r.user, r.name, r.onboarding, r.payload)), result)
	}
}

// available lists what u may do to their own onboarding now, with what
// input, and if not, every reason; it asks the registry in a read-only
// unit of work.
func (s *script) available(u User) {
	o := s.onboarding(u.ID)
	if s.err != nil {
		return
	}
	var avail []transition.Availability
	s.err = s.store.View(s.ctx, func(sc transition.Scope[*Repo]) (err error) {
		avail, err = s.reg.Available(s.ctx, sc, u, o)
		return err
	})
	fmt.Fprintf(s.w, "%s's onboarding is %s, steps done: %s; %s may:\n", u, o.Status, orNone(o.Steps), u)
	for _, a := range avail {
		switch {
		case a.Available && len(a.Required) > 0:
			fmt.Fprintf(s.w, "  %-13s yes, with %s\n", a.Name, strings.Join(a.Required, ", "))
		case a.Available:
			fmt.Fprintf(s.w, "  %-13s yes\n", a.Name)
		default:
			fmt.Fprintf(s.w, "  %-13s no: %s\n", a.Name, reasons(a.Reasons))
		}
	}
}

// historyLine describes a row of the history: an imported row says which
// file it came from, and who that file says changed it last; a row of a
// transition says who ran it, and with what input.
func historyLine(r sqlstore.Record) string {
	move := "status (new) -> " + title(r.To)
	if r.From != "" {
		move = "status " + title(r.From) + " -> " + title(r.To)
	}
	line := fmt.Sprintf("%-3s %s  %s v%d  %-13s %-34s", fmt.Sprintf("#%d", r.ID), r.At.Format("Jan 02 15:04"), r.ObjectID, r.Version, r.Transition, move)
	if r.Imported {
		var in importInput
		if err := json.Unmarshal(r.Input, &in); err != nil {
			return line + " imported, from an input that does not read: " + err.Error()
		}
		return fmt.Sprintf("%s imported from %s, last changed %s by %s", line, in.File, in.UpdatedAt.Format("Jan 02 15:04"), in.UpdatedBy)
	}
	line += " by " + r.Actor
	if r.Input != nil {
		line += " " + string(r.Input)
	}
	return line
}

// title returns the title of a state the history holds as its value.
func title(value string) string {
	if s, err := OnboardingState.Parse(value); err == nil {
		return s.Title()
	}
	return value
}

// outcome describes a transition's result.
func outcome(err error) string {
	var e *transition.Error
	switch {
	case err == nil:
		return "done"
	case errors.As(err, &e) && errors.Is(err, transition.ErrBlocked):
		return "blocked: " + reasons(e.Reasons)
	case errors.As(err, &e) && errors.Is(err, transition.ErrInvalidInput):
		var why []string
		for _, f := range e.Fields {
			why = append(why, f.Error())
		}
		return "invalid: " + strings.Join(why, "; ")
	}
	return "error: " + err.Error()
}

func reasons(rs []transition.Reason) string {
	why := make([]string, len(rs))
	for i, r := range rs {
		why[i] = r.String()
	}
	return strings.Join(why, "; ")
}

func orNone(steps string) string {
	if steps == "" {
		return "none"
	}
	return steps
}

// oneLine writes a statement on one line.
func oneLine(stmt string) string { return strings.Join(strings.Fields(stmt), " ") }

func heading(w io.Writer, text string) { fmt.Fprintf(w, "\n-- %s\n", text) }
