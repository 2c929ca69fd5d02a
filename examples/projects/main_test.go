package main

import (
	"bytes"
	"context"
	"database/sql"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/registry"
	"github.com/statecraft/statecraft/transition"
)

var update = flag.Bool("update", false, "rewrite testdata/output.golden")

// TestRun runs the example against a fresh SQLite file and compares its
// output with testdata/output.golden, which the README quotes.
func TestRun(t *testing.T) {
	clock = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	t.Cleanup(func() { clock = time.Now })

	var out bytes.Buffer
	if err := run(context.Background(), &out, filepath.Join(t.TempDir(), "projects.db"), true); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "output.golden")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), out.String()); diff != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", golden, diff)
	}
}

// open returns a seeded database and the Store over it, on a fixed clock.
func open(t *testing.T) (context.Context, *Store) {
	clock = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	t.Cleanup(func() { clock = time.Now })
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "p.db")+"?_time_format=sqlite")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	require.NoError(t, seed(ctx, db))
	return ctx, &Store{db: db, now: clock}
}

func readProject(t *testing.T, ctx context.Context, st *Store, id int64) *Project {
	p, err := read(ctx, st, func(tx *sqlTx) (*Project, error) { return tx.Project(ctx, id) })
	require.NoError(t, err)
	return p
}

func readTask(t *testing.T, ctx context.Context, st *Store, id int64) *Task {
	task, err := read(ctx, st, func(tx *sqlTx) (*Task, error) { return tx.Task(ctx, id) })
	require.NoError(t, err)
	return task
}

func auditTrail(t *testing.T, ctx context.Context, st *Store) []string {
	lines, err := read(ctx, st, func(tx *sqlTx) ([]string, error) { return tx.AuditTrail(ctx) })
	require.NoError(t, err)
	return lines
}

// TestConcurrentWriterLoses: a transition run on a stale copy, after
// another writer saved the row, fails with a conflict, is undone in
// memory, and leaves the row and the audit trail as the other writer left
// them.
func TestConcurrentWriterLoses(t *testing.T) {
	ctx, st := open(t)
	stale := readProject(t, ctx, st, 3) // Published, version 0
	_, err := Withdraw.Fire(ctx, st, alice, readProject(t, ctx, st, 3), WithdrawInput{Reason: "out of budget"})
	require.NoError(t, err)

	_, err = Withdraw.Fire(ctx, st, alice, stale, WithdrawInput{Reason: "late"})
	require.ErrorIs(t, err, transition.ErrConflict)
	var conflict *transition.ConflictError
	require.ErrorAs(t, err, &conflict)
	assert.Equal(t, "main.Project 3", conflict.Object)
	assert.Equal(t, Published, stale.Status, "the transition is undone in memory")
	assert.Empty(t, stale.Reason)
	assert.Zero(t, stale.Version)

	now := readProject(t, ctx, st, 3)
	assert.Equal(t, Withdrawn, now.Status, "the other writer's change stands")
	assert.Equal(t, "out of budget", now.Reason)
	assert.Equal(t, int64(1), now.Version)
	lines := auditTrail(t, ctx, st)
	require.Len(t, lines, 1, "only the winner is audited")
	assert.Contains(t, lines[0], `{"reason":"out of budget"}`)
}

// TestStaleCopyKeepingTheState: two writers read task 4 and each runs a
// transition that keeps its state. Comparing the status, as this example
// once did (UPDATE ... WHERE id = ? AND status = ?), let the second write
// over the first without a word; comparing the version refuses it, and
// nothing of it is written.
func TestStaleCopyKeepingTheState(t *testing.T) {
	ctx, st := open(t)
	first, second := readTask(t, ctx, st, 4), readTask(t, ctx, st, 4)

	ev, err := Assign.Fire(ctx, st, bob, first, AssignInput{Owner: "carol"})
	require.NoError(t, err)
	assert.Equal(t, Open, ev.To, "assign keeps the state")
	assert.Equal(t, int64(1), first.Version)

	_, err = Assign.Fire(ctx, st, admin, second, AssignInput{Owner: "dave"})
	require.ErrorIs(t, err, transition.ErrConflict)
	assert.Equal(t, "bob", second.Owner, "the stale copy is restored")
	assert.Zero(t, second.Version)

	now := readTask(t, ctx, st, 4)
	assert.Equal(t, "carol", now.Owner, "the first writer's change stands")
	assert.Equal(t, Open, now.Status)
	assert.Equal(t, int64(1), now.Version)
	lines := auditTrail(t, ctx, st)
	require.Len(t, lines, 1, "the second writer is not audited")
	assert.Contains(t, lines[0], `{"owner":"carol"}`)
}

// TestSaveComparesVersions: the library reloads each row before a
// transition runs and refuses a stale one, but another connection may
// still write between that load and the save. The tables' UPDATE ...
// WHERE version = ? is what catches that writer.
func TestSaveComparesVersions(t *testing.T) {
	ctx, st := open(t)
	tx, err := st.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	task, err := tx.Unit().Task(ctx, 4)
	require.NoError(t, err)
	_, err = tx.Unit().tx.ExecContext(ctx, `UPDATE tasks SET owner = 'carol', version = version + 1 WHERE id = 4`) // the other writer
	require.NoError(t, err)

	task.Owner, task.Version = "dave", 1 // as the library hands it over: the next version
	err = taskTable{}.Save(ctx, tx, []transition.Write[Task]{{Model: task, Version: 0}})
	require.ErrorIs(t, err, transition.ErrConflict)
	var conflict *transition.ConflictError
	require.ErrorAs(t, err, &conflict)
	assert.Equal(t, "version 0", conflict.Expected)
	now, err := tx.Unit().Task(ctx, 4)
	require.NoError(t, err)
	assert.Equal(t, "carol", now.Owner)
}

// TestREADMEDiagram: the README shows the projects' diagram as the
// registry draws it, so the picture cannot drift from the code.
func TestREADMEDiagram(t *testing.T) {
	reg, err := registry.New[User, *Repo](nil, Projects, Tasks)
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	diagram, _, _ := strings.Cut(reg.Mermaid(), "\n\n") // the projects' diagram, the first
	diagram += "\n"
	assert.Contains(t, string(readme), "```mermaid\n"+diagram+"```",
		"README.md's Mermaid block differs from what the registry draws; paste in the output of go run ./examples/projects -diagram")
}
