package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// This file moves the onboarding files into the database, as the seed's
// plan does for every file under uploads/: read the files, check them,
// backfill the table and its history, prove parity, and only then let the
// database refuse what the code does not know.

// uploads holds the legacy files, as the application kept them under its
// uploads/ directory: one per user, uploads/admin/onboarding/<user>.json.
//
//go:embed uploads
var uploads embed.FS

// legacyDir is where, under uploads/, the onboarding files are.
const legacyDir = "admin/onboarding"

// legacyFile is a file of the legacy store, field for field. Its status
// is read as text, to be checked against the declarations, never decoded
// into the nearest state.
type legacyFile struct {
	UserID         string    `json:"user_id"`
	Email          string    `json:"email"`
	Status         *string   `json:"status"` // nil when the file has none
	CompletedSteps []string  `json:"completed_steps"`
	BlockedReason  string    `json:"blocked_reason"`
	UpdatedAt      time.Time `json:"updated_at"`
	UpdatedBy      string    `json:"updated_by"`
}

// A legacy is one file, read and checked: the row it becomes if it
// checks, or every reason it does not.
type legacy struct {
	Path     string // such as "uploads/admin/onboarding/u-102.json"
	File     legacyFile
	Row      *Onboarding // nil if the file does not check
	Problems []string
}

// readLegacy reads and checks every onboarding file of uploads, in the
// order of their names.
func readLegacy(uploads fs.FS) ([]*legacy, error) {
	paths, err := fs.Glob(uploads, legacyDir+"/*.json")
	if err != nil {
		return nil, fmt.Errorf("listing the onboarding files: %w", err)
	}
	var all []*legacy
	for _, p := range paths {
		data, err := fs.ReadFile(uploads, p)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		all = append(all, check(path.Join("uploads", p), data))
	}
	return all, nil
}

// check decodes a file and checks it against the declarations: its status
// must be a state OnboardingState declares, spelt as it declares it; its
// steps, steps of the checklist, each once; and a completed onboarding
// must have done them all, for the machine never completes one that has
// not. Nothing is coerced: a file with a problem becomes no row, and every
// problem is listed, for a person to fix the file.
func check(p string, data []byte) *legacy {
	l := &legacy{Path: p}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a field the table has no column for would be lost
	if err := dec.Decode(&l.File); err != nil {
		l.Problems = append(l.Problems, "not a legacy onboarding file: "+err.Error())
		return l
	}
	f := &l.File
	if want := strings.TrimSuffix(path.Base(p), ".json"); f.UserID != want {
		l.Problems = append(l.Problems, fmt.Sprintf("user_id %q is not the file's name", f.UserID))
	}
	row := &Onboarding{UserID: f.UserID, Email: f.Email, Steps: steps(f.CompletedSteps), Reason: f.BlockedReason}
	if f.Status == nil {
		l.Problems = append(l.Problems, "no status")
	} else if s, err := OnboardingState.Parse(*f.Status); err != nil {
		l.Problems = append(l.Problems, fmt.Sprintf("status %q is not declared (%s declares %s)", *f.Status, OnboardingState, declared()))
	} else {
		row.Status = s
	}
	for i, s := range f.CompletedSteps {
		switch {
		case !slices.Contains(Checklist, s):
			l.Problems = append(l.Problems, fmt.Sprintf("step %q is not on the checklist (%s)", s, strings.Join(Checklist, ", ")))
		case slices.Contains(f.CompletedSteps[:i], s):
			l.Problems = append(l.Problems, fmt.Sprintf("step %q is listed twice", s))
		}
	}
	if todo := row.Unfinished(); row.Status == Completed && len(todo) > 0 {
		l.Problems = append(l.Problems, fmt.Sprintf("completed, with %s not done", strings.Join(todo, ", ")))
	}
	if len(l.Problems) == 0 {
		l.Row = row
	}
	return l
}

// declared lists the values OnboardingState declares.
func declared() string {
	var values []string
	for s := range OnboardingState.States() {
		values = append(values, string(s.Get()))
	}
	return strings.Join(values, ", ")
}

// importTransition and importActor name the history rows of the import,
// which are marked Imported: what the files said, at the time the import
// read them, not transitions anyone ran. The name is no transition's of
// the machine (TestImportIsNoTransition keeps it so), and the actor no
// user's.
const (
	importTransition = "import"
	importActor      = "import"
)

// importInput is the input of an import's history row: where it came
// from, and who the file says changed it last, and when.
type importInput struct {
	File      string    `json:"file"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

// importStep is the history of a file's import at time at: a step that
// created the row in the file's state, read at version 0, named and made
// by the import, with the file as its input.
func importStep(l *legacy, at time.Time) transition.Step {
	return transition.Step{
		Machine: Onboardings.String(), Object: l.Row.UserID, Transition: importTransition,
		Moves: []transition.Move{{Field: Status.Name(), To: transition.StateRef{Value: l.Row.Status.Get(), Title: l.Row.Status.Title()}}},
		Actor: importActor, Input: importInput{File: l.Path, UpdatedAt: l.File.UpdatedAt, UpdatedBy: l.File.UpdatedBy},
		At: at, Cause: -1, Created: true, Imported: true,
	}
}

// backfill creates onboarding_progress as the files were kept, with no
// CHECK constraint, and writes a row and a history row for each file that
// checked, in one unit of work of store: all of it, or nothing. Each row
// is at version 1, and its history row, read at version 0, says it was
// created by the import.
func backfill(ctx context.Context, store *sqlstore.Store[*Repo], files []*legacy) (err error) {
	tx, err := store.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, tx.Rollback(ctx))
		}
	}()
	if _, err := tx.Unit().q.ExecContext(ctx, progressTable("onboarding_progress", "")); err != nil {
		return fmt.Errorf("creating onboarding_progress: %w", err)
	}
	var history []transition.Step
	for _, l := range files {
		if l.Row == nil {
			continue
		}
		row := *l.Row
		row.Version = 1
		if err := progressRows.Insert(ctx, tx, &row); err != nil {
			return fmt.Errorf("importing %s: %w", l.Path, err)
		}
		history = append(history, importStep(l, tx.Now()))
	}
	// Append writes a unit of work's history: the import's steps, marked
	// Imported, are the Store's rows, read back by History and Feed like
	// any other, and told apart from transitions by their mark.
	if err := tx.Append(ctx, history); err != nil {
		return fmt.Errorf("writing the import's history: %w", err)
	}
	return tx.Commit(ctx)
}

// parity compares the files that checked with the table, row by row,
// with the import's history, and with a survey of the table, state by
// state: every file that checked is a row holding the same, created by
// one history row of the import that names the file; every file refused
// is no row; no row is anything else. It returns a line per user, then
// the counts, and whether all of it agrees.
func parity(ctx context.Context, repo *Repo, files []*legacy, imported []sqlstore.Record, survey *sqlstore.Report) (lines []string, ok bool, err error) {
	rows, err := repo.Onboardings(ctx, sqlexpr.True)
	if err != nil {
		return nil, false, err
	}
	byID := map[string]*Onboarding{}
	for _, r := range rows {
		byID[r.UserID] = r
	}
	history := map[string][]sqlstore.Record{}
	for _, r := range imported {
		history[r.ObjectID] = append(history[r.ObjectID], r)
	}
	ok = true
	perState := map[string]int64{} // rows each state should have, by the files
	format := "%-6s %-12s %-12s %-22s %s"
	lines = append(lines, fmt.Sprintf(format, "user", "file", "table", "steps done", "parity"))
	for _, l := range files {
		id := strings.TrimSuffix(path.Base(l.Path), ".json")
		row, h, verdict := byID[id], history[id], "ok"
		delete(byID, id)
		file, table, done := "(refused)", "(no row)", ""
		if l.Row != nil {
			file, done = string(l.Row.Status.Get()), l.Row.Steps
			perState[file]++
		}
		if row != nil {
			table = string(row.Status.Get())
		}
		switch {
		case l.Row == nil && (row != nil || len(h) > 0):
			verdict = "DIFFERS: a refused file has a row, or history"
		case l.Row == nil:
		case row == nil:
			verdict = "DIFFERS: no row"
		case !same(l.Row, row):
			verdict = fmt.Sprintf("DIFFERS: the row holds %+v", *row)
		case len(h) != 1 || h[0].To != file || !strings.Contains(string(h[0].Input), fmt.Sprintf(`"file":%q`, l.Path)):
			verdict = fmt.Sprintf("DIFFERS: the import's history holds %d rows for it, not one from its file", len(h))
		}
		ok = ok && verdict == "ok"
		lines = append(lines, fmt.Sprintf(format, id, file, table, done, verdict))
	}
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		ok = false
		lines = append(lines, fmt.Sprintf(format, id, "(no file)", byID[id].Status.Get(), byID[id].Steps, "DIFFERS: a row with no file"))
	}
	var counts []string
	for _, c := range survey.Counts {
		want := perState[fmt.Sprint(c.Value)]
		counts = append(counts, fmt.Sprintf("%s %d/%d", c.Value, want, c.Rows))
		ok = ok && want == c.Rows
	}
	ok = ok && survey.OK() && len(imported) == len(rows)
	lines = append(lines, "files/rows per state: "+strings.Join(counts, ", "),
		fmt.Sprintf("rows/history rows of the import: %d/%d", len(rows), len(imported)))
	return lines, ok, nil
}

// same reports whether a file's row and a table's hold the same, their
// versions aside.
func same(file, table *Onboarding) bool {
	t := *table
	t.Version = file.Version
	return *file == t
}

// rebuild adds OnboardingState's CHECK constraint to onboarding_progress.
// SQLite cannot add a constraint to a table, so the table is rebuilt with
// it, as sqlstore.Constraint's documentation says: a new table with the
// constraint, every row copied into it (each checked on the way), the
// old one dropped and the new one renamed to its name. All of it is one
// unit of work of store, a transaction that takes the write lock first
// (BEGIN IMMEDIATE), so that no writer comes in between. It returns the
// statements it ran.
func rebuild(ctx context.Context, store *sqlstore.Store[*Repo]) (stmts []string, err error) {
	constraint, err := OnboardingState.CheckConstraint(sqlexpr.SQLite, "status")
	if err != nil {
		return nil, err
	}
	tx, err := store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, tx.Rollback(ctx))
		}
	}()
	q := tx.Unit().q
	// Dropping the table drops its indexes and triggers: this table has
	// none to create again, nor views that use it, and the rebuild makes
	// sure.
	var others int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema
		WHERE type <> 'table' AND sql IS NOT NULL AND (tbl_name = 'onboarding_progress' OR type = 'view')`).Scan(&others); err != nil {
		return nil, err
	}
	if others > 0 {
		return nil, fmt.Errorf("onboarding_progress has %d indexes, triggers or views: create them again after the rebuild", others)
	}
	stmts = []string{
		progressTable("onboarding_progress_new", constraint),
		`INSERT INTO onboarding_progress_new (user_id, email, status, steps, reason, version)
		SELECT user_id, email, status, steps, reason, version FROM onboarding_progress`,
		`DROP TABLE onboarding_progress`,
		`ALTER TABLE onboarding_progress_new RENAME TO onboarding_progress`,
	}
	for _, s := range stmts {
		if _, err := q.ExecContext(ctx, s); err != nil {
			return nil, fmt.Errorf("rebuilding onboarding_progress: %w", err)
		}
	}
	return stmts, tx.Commit(ctx)
}
