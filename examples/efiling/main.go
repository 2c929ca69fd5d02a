// Command efiling is statecraft's example of a court e-filing workflow,
// after a change that moved filing drafts out of session blobs into
// durable models. A draft has a status (where it stands with the court)
// and a current step (where its filer is in the form): two columns of its
// row in an embedded SQLite database, moved by transitions that a
// sqlstore.Store runs. It shows:
//
//   - edits by the draft's owner only, decisions by a clerk of its court,
//     and the jurisdiction check: a draft moves only while its court takes
//     e-filings, as read through the unit of work (and as SQL);
//
//   - each step's requirements, as the JSON Schema of its input, and what
//     a bad payload is told;
//
//   - the program closing its database, opening it again and resuming the
//     draft where its filer stopped, with its timeline read back from the
//     history;
//
//   - two clerks deciding on one filing, the second on a stale copy, and a
//     submit sent twice with one idempotency key.
//
//     go run ./examples/efiling
//     go run ./examples/efiling -db efiling.db   # keep the database
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
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

	path, dir := *dbPath, ""
	if path == "" {
		var err error
		if dir, err = os.MkdirTemp("", "statecraft-efiling-"); err != nil {
			log.Fatal(err)
		}
		path = filepath.Join(dir, "efiling.db")
	} else if _, err := os.Stat(path); err == nil {
		log.Fatalf("%s exists: the example builds its database from scratch, so name a new file", path)
	}
	err := run(context.Background(), os.Stdout, path)
	if dir != "" {
		os.RemoveAll(dir)
	}
	if err != nil {
		log.Fatal(err)
	}
}

var (
	alice = User{Name: "alice"}
	bob   = User{Name: "bob"}
	carol = User{Name: "carol", ClerkOf: "illinois"}
	dave  = User{Name: "dave", ClerkOf: "illinois"}
)

// A request is a transition run by name on a draft with a JSON payload,
// as POST /drafts/{id}/transitions/{name} would run it.
type request struct {
	user          User
	draft         int64
	name, payload string
}

func run(ctx context.Context, w io.Writer, path string) error {
	// The registry checks the definitions, and describes each input as
	// JSON Schema, whose rules it then enforces on every payload.
	reg, err := registry.New[User, *Repo](&registry.Options{Schemas: schema.Compile}, Filings, Steps)
	if err != nil {
		return err
	}
	s := &script{ctx: ctx, w: w, reg: reg, now: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	if s.open(path, true); s.err != nil {
		return s.err
	}

	s.heading("alice and bob start a draft each, in the court of their jurisdiction")
	s.fire(s.store, alice, &FilingDraft{Court: "illinois"}, "start", "")
	s.fire(s.store, bob, &FilingDraft{Court: "massachusetts"}, "start", "")
	s.fire(s.store, bob, &FilingDraft{Court: "texas"}, "start", "")

	s.heading("draft 1: what each user may do now, and why not the rest")
	s.available(1, alice, bob)
	// Every transition comes with its input's schema, available or not:
	// the form of each step, which the client renders and the server
	// enforces.
	s.heading("the form of each step: the JSON Schema of its transition's input")
	s.forms(1, "attach", "describe", "pay", "submit")

	s.heading("alice fills in draft 1, a step at a time")
	s.requests(4*time.Minute,
		request{bob, 1, "attach", `{"file": "complaint.pdf", "pages": 3}`},
		request{alice, 1, "attach", `{"file": "complaint.docx", "pages": 0}`},
		request{alice, 1, "attach", `{"file": "complaint.pdf", "pages": 3, "urgent": true}`},
		request{alice, 1, "attach", `{"file": "complaint.pdf", "pages": 3}`},
		request{alice, 1, "pay", `{"account": "visa-4242"}`},
		request{alice, 1, "describe", `{"category": "small claims", "plaintiff": "", "defendant": "Bob's Garage"}`},
		request{alice, 1, "describe", `{"category": "small_claims", "plaintiff": "Alice Ames", "defendant": "Bob's Garage", "existing_case": "2026-SC-0042"}`},
	)

	// Nothing of a draft lives in the program's memory, or in a session:
	// its status and step are columns of its row.
	s.heading("the program stops, closing the database; the next morning it opens the same file again, with a new Store")
	s.check(s.db.Close())
	s.now = time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC)
	if s.open(path, false); s.err != nil {
		return s.err
	}
	_, err = s.db.ExecContext(ctx, `UPDATE courts SET efiling = ? WHERE code = 'massachusetts'`, Paused)
	s.check(err)
	fmt.Fprintln(w, "(meanwhile, the massachusetts court paused e-filing for maintenance)")
	s.drafts()
	s.heading("draft 1's timeline, read back from the history")
	s.timeline(sqlstore.Filter{ObjectType: "main.FilingDraft", ObjectID: "1"})

	s.heading("alice resumes draft 1 at its Payment step; bob resumes draft 2")
	s.available(1, alice)
	s.requests(3*time.Minute,
		request{alice, 1, "pay", `{"account": "visa-4242", "fee_waiver": true}`},
		request{alice, 1, "pay", `{"account": "visa-4242"}`},
		request{alice, 1, "submit", `{"signature": "Alice Ames"}`},
		request{alice, 1, "submit", `{"signature": "/s/ Alice Ames"}`},
		request{alice, 1, "back", ``},
		request{alice, 1, "describe", `{"category": "debt", "plaintiff": "Alice Ames", "defendant": "Bob's Garage"}`},
		request{bob, 2, "attach", `{"file": "answer.pdf", "pages": 1}`},
		request{bob, 2, "abandon", ``},
	)

	// Carol and Dave, clerks of Illinois, both open the submitted draft.
	// Carol returns it first; Dave's copy is stale, and the version column
	// refuses his decision.
	s.heading("two clerks, one stale copy")
	mine, theirs := s.draft(1), s.draft(1)
	s.now = s.now.Add(2 * time.Hour)
	s.fire(s.store, carol, mine, "reject", `{"reason": "the fee waiver form is missing"}`)
	s.fire(s.store, dave, theirs, "accept", `{"case_number": "2026-SC-0117"}`)

	// Alice asks for a fee waiver instead, and submits again: her browser
	// sends the submit twice, with one idempotency key, and it applies once.
	s.heading(`alice revises draft 1, and submits it twice with idempotency key "submit-2"`)
	s.requests(5*time.Minute,
		request{alice, 1, "revise", ``},
		request{alice, 1, "back", ``},
		request{alice, 1, "pay", `{"fee_waiver": true}`},
	)
	s.now = s.now.Add(time.Minute)
	for range 2 {
		s.fire(s.store.Key("submit-2"), alice, s.draft(1), "submit", `{"signature": "/s/ Alice Ames"}`)
	}
	s.requests(time.Hour, request{dave, 1, "accept", `{"case_number": "2026-SC-0117"}`})

	s.heading("the whole history, read back")
	s.timeline(sqlstore.Filter{})
	s.drafts()
	s.heading("the diagram, as the registry draws it")
	fmt.Fprint(w, reg.Mermaid())
	s.check(s.db.Close())
	return s.err
}

// script runs the story on one database: where it writes, the registry,
// the database open now, and the clock, which the story moves on so that
// the output is the same on every run. Its first error stops it (every
// method does nothing once err is set) and is what run returns.
type script struct {
	ctx   context.Context
	w     io.Writer
	reg   *registry.Registry[User, *Repo]
	db    *sql.DB
	store *sqlstore.Store[*Repo]
	now   time.Time
	err   error
}

func (s *script) check(err error) {
	if s.err == nil {
		s.err = err
	}
}

// open opens the database at path and a Store on it; if create is set, it
// creates the tables and the courts first.
func (s *script) open(path string, create bool) {
	db, err := sql.Open("sqlite", "file:"+path+"?_time_format=sqlite&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
	s.check(err)
	if s.err != nil {
		return
	}
	// The Store runs each transition in a transaction of db, and builds a
	// *Repo on it; its clock stamps the transactions and the history.
	s.db = db
	s.store, err = sqlstore.New(db, sqlexpr.SQLite, newRepo, &sqlstore.Options{Now: func() time.Time { return s.now }})
	s.check(err)
	if !create || s.err != nil {
		return
	}
	s.check(s.store.Migrate(s.ctx)) // the history's table, and the idempotency keys'
	s.check(createTables(s.ctx, db))
	_, err = db.ExecContext(s.ctx, `INSERT INTO courts (code, name, efiling) VALUES (?, ?, ?), (?, ?, ?)`,
		"illinois", "Illinois Courts", Open, "massachusetts", "Massachusetts Trial Court", Open)
	s.check(err)
}

// draft reads draft id outside any transaction, as a handler would before
// it fires: the firing's own transaction compares the version read.
func (s *script) draft(id int64) *FilingDraft {
	if s.err != nil {
		return nil
	}
	d, err := newRepo(s.store.Querier()).Draft(s.ctx, id)
	if err == nil && d == nil {
		err = fmt.Errorf("no draft %d", id)
	}
	s.check(err)
	return d
}

// requests reads each request's draft and fires it, gap after the last.
func (s *script) requests(gap time.Duration, rs ...request) {
	for _, r := range rs {
		s.now = s.now.Add(gap)
		if d := s.draft(r.draft); d != nil {
			s.fire(s.store, r.user, d, r.name, r.payload)
		}
	}
}

// fire runs the transition name on d by name with a JSON payload, in a
// transaction of st, and says what came of it.
func (s *script) fire(st transition.Store[*Repo], u User, d *FilingDraft, name, payload string) {
	if s.err != nil {
		return
	}
	plan, err := s.reg.Fire(s.ctx, st, u, d, name, []byte(payload))
	result := outcome(err)
	switch {
	case err == nil && plan.Replayed():
		result = "replayed: nothing applied, the first outcome returned"
	case err == nil:
		result += fmt.Sprintf(": draft %d is %s, at step %s", d.ID, d.Status, d.Step)
	}
	what := fmt.Sprintf("draft %d", d.ID)
	if name == Start.Name() {
		what = "in " + d.Court
	}
	fmt.Fprintf(s.w, "%s\n      -> %s\n", strings.TrimSpace(fmt.Sprintf("%-5s %-8s %-8s %s", u, name, what, payload)), result)
}

// available lists, for each user, every transition on draft id: whether
// they may run it now, with what input, and if not, every reason.
func (s *script) available(id int64, users ...User) {
	d := s.draft(id)
	if d == nil {
		return
	}
	fmt.Fprintf(s.w, "draft %d is %s, at step %s\n", id, d.Status, d.Step)
	for _, u := range users {
		fmt.Fprintf(s.w, "%s:\n", u)
		for _, a := range s.availability(u, d) {
			switch {
			case a.Name == Start.Name():
				continue // it creates drafts: never available on one
			case a.Available && len(a.Required) > 0:
				fmt.Fprintf(s.w, "  %-8s yes, with %s\n", a.Name, strings.Join(a.Required, ", "))
			case a.Available:
				fmt.Fprintf(s.w, "  %-8s yes\n", a.Name)
			default:
				fmt.Fprintf(s.w, "  %-8s no: %s\n", a.Name, reasons(a.Reasons))
			}
		}
	}
}

// availability asks the registry in a read-only unit of work, through
// which the draft's court loads.
func (s *script) availability(u User, d *FilingDraft) (avail []transition.Availability) {
	s.check(s.store.View(s.ctx, func(sc transition.Scope[*Repo]) (err error) {
		avail, err = s.reg.Available(s.ctx, sc, u, d)
		return err
	}))
	return avail
}

// forms prints the JSON Schema of the named transitions' inputs.
func (s *script) forms(id int64, names ...string) {
	for _, a := range s.availability(alice, s.draft(id)) {
		for _, n := range names {
			if a.Name == n {
				fmt.Fprintf(s.w, "%-8s %s\n", a.Name, a.Schema)
			}
		}
	}
}

// drafts lists every draft as its row holds it.
func (s *script) drafts() {
	s.heading("the drafts, read back from their rows")
	all, err := newRepo(s.store.Querier()).Drafts(s.ctx, sqlexpr.True)
	s.check(err)
	for _, d := range all {
		fmt.Fprintf(s.w, "draft %d v%-2d %-9s at step %-15s %s in %s\n", d.ID, d.Version, d.Status, d.Step, d.Owner, d.Court)
		for _, f := range [][2]string{{"document", d.Document}, {"case", d.Case}, {"paid by", d.Paid},
			{"signed", d.Signature}, {"returned for", d.Returned}, {"docketed as", d.CaseNumber}} {
			if f[1] != "" {
				fmt.Fprintf(s.w, "  %s %s\n", f[0], f[1])
			}
		}
	}
}

// timeline prints the history f selects: the Store wrote a row per state
// field each step moved, in the step's own transaction. The rows of one
// step are printed as one line.
func (s *script) timeline(f sqlstore.Filter) {
	records, err := s.store.History(s.ctx, f)
	s.check(err)
	for i := 0; i < len(records); {
		r := records[i]
		var moves []string
		for ; i < len(records) && records[i].ObjectID == r.ObjectID && records[i].Version == r.Version; i++ {
			moves = append(moves, move(records[i]))
		}
		line := fmt.Sprintf("%s  draft %s v%-2d %-8s %-46s by %-5s %s", r.At.Format("Jan 02 15:04"), r.ObjectID, r.Version,
			r.Transition, strings.Join(moves, ", "), r.Actor, r.Input)
		if r.Key != "" {
			line += fmt.Sprintf(" (key %q)", r.Key)
		}
		fmt.Fprintln(s.w, strings.TrimSpace(line))
	}
}

// move describes a row of the history: a field's move, its states shown
// by their titles (the history holds their values, such as "draft").
func move(r sqlstore.Record) string {
	title := func(value string) string {
		if st, err := FilingState.Parse(value); r.Field == "status" && err == nil {
			return st.Title()
		}
		if st, err := StepState.Parse(value); r.Field == "step" && err == nil {
			return st.Title()
		}
		return "(new)"
	}
	if r.From == r.To {
		return r.Field + " " + title(r.To)
	}
	return r.Field + " " + title(r.From) + " -> " + title(r.To)
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

func (s *script) heading(text string) { fmt.Fprintf(s.w, "\n-- %s\n", text) }
