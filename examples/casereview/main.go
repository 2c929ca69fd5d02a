// Command casereview is statecraft's example of a review queue, drawn
// from a workflow console: cases that reviewers take, ask the applicant
// about, and approve, and that a supervisor blocks, unblocks and closes;
// with an Overdue conditional state whose SQL lists the late cases. The
// cases live in an embedded SQLite database, moved by transitions that a
// sqlstore.Store runs, each with its row of history.
//
// Run as is, it plays a scripted session and prints its transcript:
//
//   - the queue, and its overdue cases selected by Overdue's SQL hook,
//     which agrees with its Go test at the same time;
//
//   - what each user may do with a case, and why not the rest, with the
//     JSON Schema of each transition's input;
//
//   - transitions run by name with a JSON payload, as the console posts
//     them: a note too short, a reviewer who is not the assignee, a
//     reviewer trying to close (a supervisor's job), each refused with
//     its reasons;
//
//   - a case's timeline, read back from the history, and last the state
//     diagram in Mermaid.
//
// With -http it serves a small web console instead: the queue filtered
// by state and by Overdue, a case page with its transitions as buttons
// (the disabled ones say why), forms generated from each input's JSON
// Schema, and the case's timeline; the JSON API of package
// registry/httpapi is under /api/. Sign in as rita or vic (reviewers) or
// sam (a supervisor).
//
//	go run ./examples/casereview                     # the transcript
//	go run ./examples/casereview -http :8080         # the console, on http://localhost:8080/
//	go run ./examples/casereview -http :8080 -db cases.db   # keep the database
//
// It needs no server: SQLite runs in-process through the pure-Go
// modernc.org/sqlite driver, in a temporary file removed when it ends, or
// in the file given with -db, which is kept (and seeded only when it
// holds no case).
package main

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	_ "modernc.org/sqlite"

	"github.com/statecraft/statecraft/registry"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/schema"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

func main() {
	dbPath := flag.String("db", "", "SQLite database file to use, seeded if it holds no case (default: a temporary file)")
	addr := flag.String("http", "", "serve the web console on this address, such as :8080, instead of printing the transcript")
	flag.Parse()
	log.SetFlags(0)

	path, dir := *dbPath, ""
	if path == "" {
		var err error
		if dir, err = os.MkdirTemp("", "statecraft-casereview-"); err != nil {
			log.Fatal(err)
		}
		path = filepath.Join(dir, "cases.db")
	}
	var err error
	if *addr != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err = serve(ctx, os.Stdout, *addr, path)
		stop()
	} else {
		err = run(context.Background(), os.Stdout, path)
	}
	if dir != "" {
		os.RemoveAll(dir)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// newRegistry checks the definitions, and describes each input as JSON
// Schema, whose rules it then enforces on every payload.
func newRegistry() (*registry.Registry[User, *Repo], error) {
	reg, err := registry.New[User, *Repo](&registry.Options{Schemas: schema.Compile}, Cases)
	if err != nil {
		return nil, fmt.Errorf("the registry: %w", err)
	}
	return reg, nil
}

// openStore opens the database at path and a Store on it whose clock is
// now, creates the tables it lacks (the history's, the idempotency keys'
// and the cases'), and seeds the cases if there are none. It reports
// whether it seeded them.
func openStore(ctx context.Context, path string, now func() time.Time) (*sql.DB, *sqlstore.Store[*Repo], bool, error) {
	db, err := openDB(path)
	if err != nil {
		return nil, nil, false, err
	}
	// The Store runs each transition in a transaction of db, and builds a
	// *Repo on it; its clock stamps the transactions and the history.
	store, err := sqlstore.New(db, sqlexpr.SQLite, newRepo, &sqlstore.Options{Now: now})
	if err == nil {
		err = store.Migrate(ctx)
	}
	var seeded bool
	if err == nil {
		seeded, err = seed(ctx, db, now())
	}
	if err != nil {
		db.Close()
		return nil, nil, false, fmt.Errorf("preparing %s: %w", path, err)
	}
	return db, store, seeded, nil
}

// seedCases are the cases a new database holds, due relative to now:
// one of each state, two of them overdue, and one with no due date.
func seedCases(now time.Time) []Case {
	now = now.UTC().Truncate(time.Minute)
	day := 24 * time.Hour
	return []Case{
		{ID: 1, Title: "Dr. Sarah Smith - CSF Application", Summary: "Application for controlled substance facilitation",
			Status: InReview, AssignedTo: "rita", DueAt: now.Add(day)},
		{ID: 2, Title: "Alice Brown - CSF Renewal", Summary: "Renewal of a practitioner's facilitation permit",
			Status: NewCase, DueAt: now.Add(2 * day)},
		{ID: 3, Title: "Northside Pharmacy - Facility License", Summary: "New facility license for a retail pharmacy",
			Status: InReview, AssignedTo: "vic", DueAt: now.Add(-6 * time.Hour)},
		{ID: 4, Title: "Dr. Omar Haddad - Practitioner Registration", Summary: "First registration of a practitioner",
			Status: NeedsInfo, AssignedTo: "rita", DueAt: now.Add(3 * day), Note: "Please send a copy of the DEA certificate"},
		{ID: 5, Title: "Lakeview Clinic - Controlled Substances Permit", Summary: "Permit for a clinic's dispensary",
			Status: Blocked, AssignedTo: "vic", DueAt: now.Add(-2 * day)},
		{ID: 6, Title: "Dr. Maria Lopez - CSF Application", Summary: "Application for controlled substance facilitation",
			Status: Approved, AssignedTo: "rita", DueAt: now.Add(-day)},
		{ID: 7, Title: "Greenfield Hospital - Annual Attestation", Summary: "Yearly attestation of a hospital pharmacy",
			Status: NewCase, DueAt: now.Add(-time.Hour)},
		{ID: 8, Title: "Dr. Ken Ito - Practitioner Renewal", Summary: "Renewal of a practitioner's registration",
			Status: Closed, AssignedTo: "vic", DueAt: now.Add(-10 * day)},
		{ID: 9, Title: "Riverside Dental - Address Change", Summary: "A change of address, with no deadline",
			Status: NewCase},
	}
}

// seed creates the cases table if the database has none, and seeds it if
// it holds no case; it reports whether it seeded it.
func seed(ctx context.Context, db *sql.DB, now time.Time) (bool, error) {
	ddl, err := createTable()
	if err != nil {
		return false, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var tables, cases int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'cases'`).Scan(&tables); err != nil {
		return false, fmt.Errorf("looking for the cases table: %w", err)
	}
	if tables == 0 {
		if _, err := tx.ExecContext(ctx, ddl); err != nil {
			return false, fmt.Errorf("creating the cases table: %w", err)
		}
	} else if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM cases`).Scan(&cases); err != nil {
		return false, fmt.Errorf("counting the cases: %w", err)
	}
	if cases > 0 {
		return false, nil
	}
	for _, c := range seedCases(now) {
		// A State is a driver.Valuer: it is written as its value.
		if _, err := tx.ExecContext(ctx, `INSERT INTO cases (id, title, summary, status, assigned_to, due_at, note) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.Title, c.Summary, c.Status, c.AssignedTo, c.DueAt, c.Note); err != nil {
			return false, fmt.Errorf("seeding case %d: %w", c.ID, err)
		}
	}
	return true, tx.Commit()
}

// start is the time the scripted session starts at, so that its
// transcript is the same on every run.
var start = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// A request is a transition run by name on a case with a JSON payload, as
// the console posts it to /api/cases/{id}/transitions/{name}.
type request struct {
	user          User
	id            int64
	name, payload string
}

// run plays the scripted session on a new database at path, and writes
// its transcript to w.
func run(ctx context.Context, w io.Writer, path string) error {
	reg, err := newRegistry()
	if err != nil {
		return err
	}
	s := &script{ctx: ctx, w: w, reg: reg, now: start}
	db, store, seeded, err := openStore(ctx, path, func() time.Time { return s.now })
	if err != nil {
		return err
	}
	defer db.Close()
	if !seeded {
		return fmt.Errorf("%s already holds cases: the scripted session needs a new database (or run the console with -http)", path)
	}
	s.store = store

	s.heading("the queue, read back from the cases table")
	s.queue()
	s.heading("the overdue cases, as Overdue's SQL hook selects them")
	s.overdue()
	// The console's filters are one query: a state's predicate AND
	// Overdue's.
	s.heading("the console's queue filtered by state In review and overdue")
	s.query(queueWhere(InReview, true), func(c *Case) bool { return c.Status == InReview && Overdue.Match(c, s.now) })

	s.heading("case 1: what each user may do now, and why not the rest")
	s.available(1, rita, vic, sam)
	// Every transition comes with its input's schema, available or not:
	// the console draws its form from it, and the server enforces it.
	s.heading("the forms: the JSON Schema of each input")
	s.forms(1, RequestInfo.Name(), Block.Name())

	s.heading("the session: transitions by name with a JSON payload, as the console posts them")
	s.requests(time.Minute,
		request{rita, 2, "start_review", ``},
		request{rita, 2, "request_info", `{"note": "fee"}`},
		request{rita, 2, "request_info", `{"note": "     "}`},
		request{rita, 2, "request_info", `{}`},
		request{vic, 2, "request_info", `{"note": "Send the receipt of the renewal fee"}`},
		request{rita, 2, "request_info", `{"note": "Send the receipt of the renewal fee"}`},
		request{vic, 2, "provide_info", ``},
		request{rita, 2, "approve", ``},
		request{rita, 2, "close", ``},
		request{sam, 2, "close", ``},
		request{rita, 2, "start_review", ``},
		request{vic, 3, "block", `{"reason": "The license lapsed"}`},
		request{sam, 3, "block", `{"reason": "The license lapsed; waiting for the board"}`},
		request{vic, 3, "approve", ``},
		request{sam, 3, "unblock", ``},
		request{vic, 3, "approve", ``},
		request{sam, 7, "archive", ``},
	)

	// The same SQL, bound to a later time, selects other cases: case 3 is
	// approved, so no longer open, and case 1 is past its due date.
	s.now = s.now.Add(24 * time.Hour)
	s.heading("a day later: the overdue cases again")
	s.overdue()

	s.heading("case 2's timeline, read back from the history")
	s.timeline(2)
	s.heading("the queue now")
	s.queue()

	s.heading("the state diagram, as the registry draws it")
	fmt.Fprint(w, reg.Mermaid())
	return s.err
}

// script runs the session on one database: where it writes, the
// registry, the Store, and the clock, which the session moves on so that
// the transcript is the same on every run. Its first error stops it
// (every method does nothing once err is set) and is what run returns.
type script struct {
	ctx   context.Context
	w     io.Writer
	reg   *registry.Registry[User, *Repo]
	store *sqlstore.Store[*Repo]
	now   time.Time
	err   error
}

func (s *script) check(err error) {
	if s.err == nil {
		s.err = err
	}
}

func (s *script) heading(text string) { fmt.Fprintf(s.w, "\n-- %s\n", text) }

// repo reads outside any transaction, as a handler does before it fires:
// the firing's own transaction compares the version read.
func (s *script) repo() *Repo { return newRepo(s.store.Querier()) }

// get reads case id.
func (s *script) get(id int64) *Case {
	if s.err != nil {
		return nil
	}
	c, err := s.repo().Case(s.ctx, id)
	if err == nil && c == nil {
		err = fmt.Errorf("no case %d", id)
	}
	s.check(err)
	return c
}

// queue lists every case, as its row holds it.
func (s *script) queue() {
	if s.err != nil {
		return
	}
	all, err := s.repo().Cases(s.ctx, sqlexpr.True)
	s.check(err)
	fmt.Fprintf(s.w, "at %s\n", s.now.Format(timeFormat))
	for _, c := range all {
		fmt.Fprintln(s.w, caseLine(c, s.now))
	}
}

// caseLine describes a case in a line: its state, the overdue mark when
// Overdue's Go test holds at now, its reviewer and its due date.
func caseLine(c *Case, now time.Time) string {
	late := ""
	if Overdue.Match(c, now) {
		late = "overdue"
	}
	return strings.TrimSpace(fmt.Sprintf("case %d v%d  %-10s %-7s %-5s %-20s %s", c.ID, c.Version, c.Status, late,
		cmp.Or(c.AssignedTo, "-"), due(c.DueAt), c.Title))
}

// overdue selects the overdue cases with Overdue's SQL hook, bound to the
// script's time, and checks that its Go test accepts the same ones.
func (s *script) overdue() {
	s.query(Overdue.Expr(), func(c *Case) bool { return Overdue.Match(c, s.now) })
}

// query selects the cases where selects at the script's time, and checks
// that match, the same question in Go, accepts the same ones.
func (s *script) query(where sqlexpr.Expr, match func(*Case) bool) {
	if s.err != nil {
		return
	}
	where = where.At(s.now)
	text, args, err := where.Render(sqlexpr.SQLite)
	s.check(err)
	selected, err := s.repo().Cases(s.ctx, where)
	s.check(err)
	all, err := s.repo().Cases(s.ctx, sqlexpr.True)
	s.check(err)
	var inSQL, inGo []string
	for _, c := range selected {
		inSQL = append(inSQL, fmt.Sprint(c.ID))
	}
	for _, c := range all {
		if match(c) {
			inGo = append(inGo, fmt.Sprint(c.ID))
		}
	}
	fmt.Fprintf(s.w, "at %s: WHERE %s\n  %s\n", s.now.Format(timeFormat), text, formatArgs(args))
	for _, c := range selected {
		fmt.Fprintln(s.w, caseLine(c, s.now))
	}
	agree := "accepts the same cases"
	if strings.Join(inSQL, ",") != strings.Join(inGo, ",") {
		agree = "DISAGREES: it accepts " + strings.Join(inGo, ", ")
	}
	fmt.Fprintf(s.w, "(the same question in Go %s)\n", agree)
}

// available lists, for each user, every transition of case id: whether
// they may run it now, with what input, and if not, every reason.
func (s *script) available(id int64, users ...User) {
	c := s.get(id)
	if c == nil {
		return
	}
	fmt.Fprintln(s.w, caseLine(c, s.now))
	for _, u := range users {
		fmt.Fprintf(s.w, "%s (%s):\n", u, u.Role)
		for _, a := range s.availability(u, c) {
			switch {
			case a.Available && len(a.Required) > 0:
				fmt.Fprintf(s.w, "  %-12s yes, with %s\n", a.Name, strings.Join(a.Required, ", "))
			case a.Available:
				fmt.Fprintf(s.w, "  %-12s yes\n", a.Name)
			default:
				fmt.Fprintf(s.w, "  %-12s no: %s\n", a.Name, reasons(a.Reasons))
			}
		}
	}
}

// availability asks the registry in a read-only unit of work.
func (s *script) availability(u User, c *Case) (avail []transition.Availability) {
	if s.err != nil {
		return nil
	}
	s.check(s.store.View(s.ctx, func(sc transition.Scope[*Repo]) (err error) {
		avail, err = s.reg.Available(s.ctx, sc, u, c)
		return err
	}))
	return avail
}

// forms prints the JSON Schema of the named transitions' inputs.
func (s *script) forms(id int64, names ...string) {
	c := s.get(id)
	if c == nil {
		return
	}
	for _, a := range s.availability(rita, c) {
		for _, n := range names {
			if a.Name == n {
				fmt.Fprintf(s.w, "%-12s %s\n", a.Name, a.Schema)
			}
		}
	}
}

// requests reads each request's case and fires it, gap after the last.
func (s *script) requests(gap time.Duration, rs ...request) {
	for _, r := range rs {
		s.now = s.now.Add(gap)
		c := s.get(r.id)
		if c == nil {
			return
		}
		_, err := s.reg.Fire(s.ctx, s.store, r.user, c, r.name, []byte(r.payload))
		result := outcome(err)
		if err == nil {
			result += fmt.Sprintf(": case %d is %s", c.ID, c.Status)
			if c.AssignedTo != "" {
				result += ", assigned to " + c.AssignedTo
			}
		}
		line := fmt.Sprintf("%s %-5s %-12s case %d %s", s.now.Format("15:04"), r.user, r.name, r.id, r.payload)
		fmt.Fprintf(s.w, "%s\n      -> %s\n", strings.TrimSpace(line), result)
	}
}

// timeline prints case id's history: the Store wrote a row for each step,
// in the step's own transaction.
func (s *script) timeline(id int64) {
	if s.err != nil {
		return
	}
	records, err := s.store.History(s.ctx, sqlstore.Filter{ObjectType: "main.Case", ObjectID: fmt.Sprint(id)})
	s.check(err)
	for _, r := range records {
		line := fmt.Sprintf("#%-3d %s  v%d->v%d  %-12s %-10s -> %-10s by %-5s %s", r.ID, r.At.Format(timeFormat), r.Version, r.Version+1,
			r.Transition, stateTitle(r.From), stateTitle(r.To), r.Actor, r.Input)
		fmt.Fprintln(s.w, strings.TrimSpace(line))
	}
}

// timeFormat is how the transcript and the console show times, in UTC.
const timeFormat = "2006-01-02 15:04 MST"

// due describes a due date.
func due(t time.Time) string {
	if t.IsZero() {
		return "no due date"
	}
	return "due " + t.UTC().Format("2006-01-02 15:04")
}

// stateTitle returns the title of a state the history holds as text, its
// value ("IN_REVIEW" for In review).
func stateTitle(value string) string {
	if st, err := CaseState.Parse(value); err == nil {
		return st.Title()
	}
	if value == "" {
		return "(none)"
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
	case errors.Is(err, transition.ErrConflict):
		return "conflict: " + err.Error()
	case errors.Is(err, transition.ErrNotFound):
		return "not found: " + err.Error()
	}
	return "error: " + err.Error()
}

// reasons lists the reasons of a refusal in a line.
func reasons(rs []transition.Reason) string {
	why := make([]string, len(rs))
	for i, r := range rs {
		why[i] = r.String()
	}
	return strings.Join(why, "; ")
}

// formatArgs shows a query's arguments, times in UTC.
func formatArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			parts[i] = t.UTC().Format("2006-01-02 15:04:05")
		} else {
			parts[i] = fmt.Sprint(a)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
