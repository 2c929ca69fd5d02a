// Command projects is statecraft's main example. It declares the seed's
// ProjectState with its conditional states (Future, and the conditional
// group Recallable), a review as the project's second state field, and a
// project's transitions; it stores projects and their tasks in an
// embedded SQLite database, and shows:
//
//   - the same state questions asked of Go values and of SQL rows,
//     Recallable included;
//
//   - what each user may do to a project now, and why not the rest;
//
//   - transitions run by name from a JSON payload by a sqlstore.Store:
//     each in one SQL transaction whose unit of work, a *Repo, is what
//     loaders and hooks read through; every row is saved by comparing and
//     setting its version, and the history is written in the same
//     transaction, then read back as an object's timeline and as a log.
//     Publishing needs the review approved; withdrawing moves the review
//     back to Pending with the status; redrafting starts from Recallable;
//
//   - a causal chain (deleting a project deletes its tasks) that one
//     forbidden task blocks, so that nothing changes; then its plan, shown
//     before it runs and applied only with the digest the person saw;
//
//   - a writer holding a stale copy losing to the one that saved first,
//     even when the transition keeps the state;
//
//   - a request sent twice with one idempotency key, applied once;
//
//   - and, last, the state diagrams in Mermaid.
//
//     go run ./examples/projects
//     go run ./examples/projects -diagram=false   # without the diagrams
//
// It needs no server: SQLite runs in-process through the pure-Go
// modernc.org/sqlite driver, in a file that is removed when it ends (or in
// the file given with -db, which is kept).
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
	dbPath := flag.String("db", "", "SQLite database file to use (default: a temporary file)")
	diagram := flag.Bool("diagram", true, "end with the state diagrams, in Mermaid")
	flag.Parse()
	log.SetFlags(0)

	path := *dbPath
	if path == "" {
		dir, err := os.MkdirTemp("", "statecraft-example-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "projects.db")
	}
	// A fixed start, so that the output is the same on every run.
	clock = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	if err := run(context.Background(), os.Stdout, path, *diagram); err != nil {
		log.Fatal(err)
	}
}

var (
	alice = User{Name: "alice"}
	bob   = User{Name: "bob"}
	admin = User{Name: "admin", Admin: true}
)

func run(ctx context.Context, w io.Writer, path string, diagram bool) error {
	// The program's time starts at clock() and moves on a minute before
	// each request (tick), so that the history reads as a timeline, the
	// same on every run. The Store and Publish's validator both read it.
	start, minutes := clock(), 0
	clock = func() time.Time { return start.Add(time.Duration(minutes) * time.Minute) }
	tick := func() { minutes++ }

	db, err := sql.Open("sqlite", "file:"+path+"?_time_format=sqlite&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()

	// The Store runs each transition in a transaction of db, and builds a
	// *Repo on it; its clock stamps the transactions and the history.
	store, err := sqlstore.New(db, sqlexpr.SQLite, newRepo, &sqlstore.Options{Now: clock})
	if err != nil {
		return err
	}
	// The history's table is sqlstore's; the projects' and tasks' are ours.
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	if err := seed(ctx, db); err != nil {
		return err
	}

	// The registry checks the definitions at start-up.
	reg, err := registry.New[User, *Repo](&registry.Options{Schemas: schema.Compile}, Projects, Reviews, Tasks)
	if err != nil {
		return err
	}

	// Plain reads need no transaction: a Repo on the database itself.
	repo := newRepo(store.Querier())
	if err := queries(ctx, w, db, repo); err != nil {
		return err
	}

	// Checks run in a unit of work too, a read-only one: the cascade's
	// tasks load through it, and Future is tested at its time.
	heading(w, "what can each user do to project 1?")
	p, err := repo.Project(ctx, 1)
	if err != nil {
		return err
	}
	for _, u := range []User{alice, bob} {
		var avail []transition.Availability
		if err := store.View(ctx, func(sc transition.Scope[*Repo]) (err error) {
			avail, err = reg.Available(ctx, sc, u, p)
			return err
		}); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s:\n", u)
		for _, a := range avail {
			switch {
			case a.Available && a.NeedsInput:
				fmt.Fprintf(w, "  %-8s yes, with a form: %s\n", a.Name, a.Schema)
			case a.Available:
				fmt.Fprintf(w, "  %-8s yes\n", a.Name)
			default:
				fmt.Fprintf(w, "  %-8s no: %s\n", a.Name, reasons(a.Reasons))
			}
		}
	}

	// Run transitions by name with a JSON payload, as an HTTP handler for
	// POST /projects/{id}/transitions/{name} would: read the project, then
	// fire; the firing's own transaction checks the version it read.
	heading(w, "transitions, by name with a JSON payload")
	for _, step := range []struct {
		user    User
		project int64
		name    string
		payload string
	}{
		{alice, 1, "publish", `{"start_at": "2027-01-04T09:00:00Z"}`}, // not reviewed yet
		{admin, 1, "approve", ``},
		{alice, 1, "publish", `{"start_at": "2027-01-04T09:00:00Z"}`},
		{alice, 3, "redraft", ``}, // it started a month ago: not Recallable
		{alice, 2, "redraft", ``}, // it starts in three months: Future, so Recallable
		{bob, 3, "withdraw", `{"reason": "a typo"}`},
		{alice, 3, "withdraw", `{}`},
		{alice, 3, "withdraw", `{"reason": "out of budget", "urgent": true}`},
		{alice, 3, "withdraw", `{"reason": "out of budget"}`}, // its review goes back to Pending
		{alice, 3, "delete", ``},                              // bob's task blocks the chain
		{admin, 3, "archive", ``},                             // no such transition
	} {
		tick()
		p, err := repo.Project(ctx, step.project)
		if err == nil {
			_, err = reg.Fire(ctx, store, step.user, p, step.name, []byte(step.payload))
		}
		fmt.Fprintf(w, "%-5s %-8s project %d %-45s %s\n", step.user, step.name, step.project, step.payload, outcome(err))
	}

	// The admin may delete every task, so the chain is possible: a UI
	// shows the plan, every step of it, before it runs, and applies it
	// only if it is still the plan the person confirmed. Its digest names
	// its steps and the versions of the objects they read: bob finishing
	// task 2 in between changes both, and the confirmation is refused.
	heading(w, "deleting project 3: the plan shown first, then confirmed")
	p3, err := repo.Project(ctx, 3)
	if err != nil {
		return err
	}
	tick()
	plan, err := planDelete(ctx, store, admin, p3)
	if err != nil {
		return err
	}
	showPlan(w, admin, plan)
	t2, err := repo.Task(ctx, 2)
	if err != nil {
		return err
	}
	tick()
	_, err = reg.Fire(ctx, store, bob, t2, "finish", nil)
	fmt.Fprintf(w, "%-5s %-8s task 2    %-45s %s\n", bob, "finish", "(meanwhile)", outcome(err))
	for {
		tick()
		_, err = Delete.FireConfirmed(ctx, store, admin, p3, transition.NoInput{}, plan.Digest())
		fmt.Fprintf(w, "%-5s %-8s project 3 %-45s %s\n", admin, "delete", "(confirming plan "+plan.Digest()[:8]+")", outcome(err))
		if !errors.Is(err, transition.ErrConflict) {
			break
		}
		// Show the plan as it is now, and have it confirmed again.
		if plan, err = planDelete(ctx, store, admin, p3); err != nil {
			return err
		}
		showPlan(w, admin, plan)
	}

	// Bob and the admin both read task 4, then each hands it to someone.
	// Assigning keeps the task Open, so a compare-and-set on the status
	// would let the second silently overwrite the first: the version
	// column refuses it.
	heading(w, "two writers, one stale copy")
	var copies [2]*Task
	for i := range copies {
		if copies[i], err = repo.Task(ctx, 4); err != nil {
			return err
		}
	}
	for i, step := range []struct {
		user    User
		payload string
	}{{bob, `{"owner": "carol"}`}, {admin, `{"owner": "dave"}`}} {
		tick()
		_, err := reg.Fire(ctx, store, step.user, copies[i], "assign", []byte(step.payload))
		fmt.Fprintf(w, "%-5s %-8s task 4    %-45s %s\n", step.user, "assign", step.payload, outcome(err))
	}

	// A client that sends a request again (a retry after a timeout, a
	// double click) sends it with the same idempotency key: the first
	// applies, the repeat applies nothing and gets the first one's
	// outcome. Each reads the project afresh, as a handler would: without
	// the key, the repeat would be refused, project 1 being Withdrawn by then.
	heading(w, `the same request twice, with idempotency key "req-1"`)
	for range 2 {
		tick()
		payload := `{"reason": "wrong start date"}`
		p, err := repo.Project(ctx, 1)
		if err != nil {
			return err
		}
		plan, err := reg.Fire(ctx, store.Key("req-1"), alice, p, "withdraw", []byte(payload))
		result := outcome(err)
		if err == nil && plan.Replayed() {
			result = "replayed: nothing applied, the first outcome returned: " + plan.String()
		}
		fmt.Fprintf(w, "%-5s %-8s project 1 %-45s %s\n", alice, "withdraw", payload, result)
	}

	// The Store wrote a row of history per state field each step moved, in
	// the step's transaction: read back, it is an object's timeline, or
	// the whole log.
	for _, h := range []struct {
		heading string
		filter  sqlstore.Filter
	}{
		{"project 1's timeline, read back from the history", sqlstore.Filter{ObjectType: "main.Project", ObjectID: "1"}},
		{"the whole history", sqlstore.Filter{}},
	} {
		heading(w, h.heading)
		records, err := store.History(ctx, h.filter)
		if err != nil {
			return err
		}
		for _, r := range records {
			fmt.Fprintln(w, historyLine(r))
		}
	}

	heading(w, "projects and tasks now")
	all, err := repo.Projects(ctx, sqlexpr.True)
	if err != nil {
		return err
	}
	for _, p := range all {
		line := fmt.Sprintf("project %d %-14s %-9s %-8s v%d  starts %s", p.ID, p.Title, p.Status, p.Review, p.Version, p.StartAt.Format(time.DateOnly))
		if p.Reason != "" {
			line += ", withdrawn for " + p.Reason
		}
		fmt.Fprintln(w, line)
	}
	tasks, err := repo.Tasks(ctx, sqlexpr.True)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		fmt.Fprintf(w, "task    %d %-14s %-9s v%d  of project %d, owned by %s\n", t.ID, t.Title, t.Status, t.Version, t.ProjectID, t.Owner)
	}

	// Last, the machines as the registry draws them: the picture of what
	// ran above.
	if diagram {
		heading(w, "the state diagrams, in Mermaid")
		fmt.Fprintln(w, reg.Mermaid())
	}
	return nil
}

// planDelete plans the deletion of p by u, and its whole causal chain, in
// a read-only unit of work: nothing changes.
func planDelete(ctx context.Context, store *sqlstore.Store[*Repo], u User, p *Project) (plan *transition.Plan[*Repo], err error) {
	err = store.View(ctx, func(sc transition.Scope[*Repo]) error {
		plan, err = Delete.Plan(ctx, sc, u, p, transition.NoInput{})
		return err
	})
	return plan, err
}

// showPlan prints a plan as a person asked to confirm it would see it.
func showPlan(w io.Writer, u User, plan *transition.Plan[*Repo]) {
	fmt.Fprintf(w, "%s is shown the plan %s:\n", u, plan.Digest())
	for _, s := range plan.Steps {
		fmt.Fprintf(w, "  %s\n", s)
	}
}

// reasons lists the reasons of a refusal in a line.
func reasons(rs []transition.Reason) string {
	why := make([]string, len(rs))
	for i, r := range rs {
		why[i] = r.String()
	}
	return strings.Join(why, "; ")
}

// historyLine describes a row of the history: the step that read version
// v of the object wrote v+1.
func historyLine(r sqlstore.Record) string {
	line := fmt.Sprintf("%-3s %s  %-14s v%d->v%d  %-8s %s %-9s -> %-9s by %-5s", fmt.Sprintf("#%d", r.ID), r.At.Format(time.DateTime),
		r.ObjectType+" "+r.ObjectID, r.Version, r.Version+1, r.Transition, r.Field, title(r, r.From), title(r, r.To), r.Actor)
	if r.Input != nil {
		line += " " + string(r.Input)
	}
	if r.Cause != 0 {
		line += fmt.Sprintf(" (caused by #%d)", r.Cause)
	}
	if r.Key != "" {
		line += fmt.Sprintf(" (idempotency key %q)", r.Key)
	}
	return strings.TrimRight(line, " ")
}

// title returns the title of a state the history holds as text, its
// value ("2" for Published, "open" for Open), parsed with its field's type.
func title(r sqlstore.Record, text string) string {
	var s fmt.Stringer
	var err error
	switch r.ObjectType + "." + r.Field {
	case "main.Project.status":
		s, err = ProjectState.Parse(text)
	case "main.Project.review":
		s, err = ReviewState.Parse(text)
	case "main.Task.status":
		s, err = TaskState.Parse(text)
	}
	if s == nil || err != nil {
		return text
	}
	return s.String()
}

// outcome describes a transition's result in a line.
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

func heading(w io.Writer, s string) { fmt.Fprintf(w, "\n-- %s\n", s) }

// seed creates the tables and the first rows.
func seed(ctx context.Context, db *sql.DB) error {
	ddl, err := tables()
	if err != nil {
		return err
	}
	now := clock()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, s := range ddl {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	for _, p := range []Project{
		{ID: 1, Title: "Annual report", Owner: "alice", Status: Draft, Review: Pending, StartAt: now.AddDate(0, 1, 0)},
		{ID: 2, Title: "Spring launch", Owner: "alice", Status: Published, Review: Approved, StartAt: now.AddDate(0, 3, 0)},
		{ID: 3, Title: "Autumn sale", Owner: "alice", Status: Published, Review: Approved, StartAt: now.AddDate(0, -1, 0)},
		{ID: 4, Title: "Old campaign", Owner: "bob", Status: Withdrawn, Review: Pending, StartAt: now.AddDate(-1, 0, 0)},
		{ID: 5, Title: "Typo page", Owner: "bob", Status: Deleted, Review: Rejected, StartAt: now.AddDate(0, 0, -2)},
	} {
		// A State is a driver.Valuer: it is written as its value.
		if _, err := tx.ExecContext(ctx, `INSERT INTO projects (id, title, owner, status, review, start_at) VALUES (?, ?, ?, ?, ?, ?)`,
			p.ID, p.Title, p.Owner, p.Status, p.Review, p.StartAt); err != nil {
			return err
		}
	}
	for _, t := range []Task{
		{ID: 1, ProjectID: 3, Title: "Print flyers", Owner: "alice", Status: Done},
		{ID: 2, ProjectID: 3, Title: "Book the hall", Owner: "bob", Status: Open},
		{ID: 3, ProjectID: 3, Title: "Old draft", Owner: "alice", Status: TaskDeleted},
		{ID: 4, ProjectID: 2, Title: "Write the copy", Owner: "bob", Status: Open},
	} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tasks (id, project_id, title, owner, status) VALUES (?, ?, ?, ?, ?)`,
			t.ID, t.ProjectID, t.Title, t.Owner, t.Status); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// queries asks the same state questions of Go values and of SQL rows.
func queries(ctx context.Context, w io.Writer, db *sql.DB, repo *Repo) error {
	heading(w, "projects, read back into Go")
	all, err := repo.Projects(ctx, sqlexpr.True)
	if err != nil {
		return err
	}
	now := clock() // one time for Go and SQL
	for _, p := range all {
		fmt.Fprintf(w, "%d %-14s %-9s review %-8s gone=%-5v future=%-5v recallable=%v\n", p.ID, p.Title, p.Status, p.Review,
			Gone.Contains(p.Status), Future.Match(p, now), Recallable.Match(p, now))
	}

	for _, q := range []struct {
		name  string
		where sqlexpr.Expr
	}{
		{"Gone", Status.In(Gone).Expr()},
		{"Future", Future.Expr().At(now)},
		{"Recallable", Recallable.Expr().At(now)},
		{"Published but not Future", sqlexpr.And(Published.Expr("status"), sqlexpr.Not(Future.Expr())).At(now)},
	} {
		sqlText, args, err := q.where.Render(sqlexpr.SQLite)
		if err != nil {
			return err
		}
		rows, err := repo.Projects(ctx, q.where)
		if err != nil {
			return err
		}
		var ids []string
		for _, p := range rows {
			ids = append(ids, fmt.Sprint(p.ID))
		}
		heading(w, fmt.Sprintf("%s: WHERE %s %v -> projects %s", q.name, sqlText, formatArgs(args), strings.Join(ids, ", ")))
	}

	// Values the code does not know are refused on the way in and out.
	heading(w, "an unknown status")
	_, err = db.ExecContext(ctx, `INSERT INTO projects (id, title, owner, status, review, start_at) VALUES (6, 'Bad', 'bob', 9, 'pending', ?)`, clock())
	fmt.Fprintln(w, "insert status 9:", firstLine(err))
	var p Project
	fmt.Fprintln(w, "scan status 9:  ", p.Status.Scan(int64(9)))
	return nil
}

func formatArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			parts[i] = t.Format(time.DateTime)
		} else {
			parts[i] = fmt.Sprint(a)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func firstLine(err error) string {
	if err == nil {
		return "accepted (unexpected)"
	}
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
