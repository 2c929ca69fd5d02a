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
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
	"github.com/statecraft/statecraft/transition/transitiontest"
)

var update = flag.Bool("update", false, "rewrite testdata/output.golden and testdata/projects.matrix")

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

// open returns a seeded database's Store, on a fixed clock.
func open(t *testing.T) (context.Context, *sqlstore.Store[*Repo]) {
	clock = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	t.Cleanup(func() { clock = time.Now })
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "p.db")+"?_time_format=sqlite&_pragma=busy_timeout(10000)")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	st, err := sqlstore.New(db, sqlexpr.SQLite, newRepo, &sqlstore.Options{Now: clock})
	require.NoError(t, err)
	require.NoError(t, st.Migrate(ctx))
	require.NoError(t, seed(ctx, db))
	return ctx, st
}

// TestSaveComparesVersions: the library reloads each row before a
// transition runs and refuses a stale one, but on PostgreSQL another
// connection may still write between that load and the save. The table's
// UPDATE ... WHERE version = ? is what catches that writer. (On SQLite a
// unit of work holds the write lock, so here the other writer writes in
// the same transaction.)
func TestSaveComparesVersions(t *testing.T) {
	ctx, st := open(t)
	tx, err := st.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	read, err := tx.Unit().Task(ctx, 4)
	require.NoError(t, err)
	_, err = tx.Unit().q.ExecContext(ctx, `UPDATE tasks SET owner = 'carol', version = version + 1 WHERE id = 4`) // the other writer
	require.NoError(t, err)

	next := *read
	next.Owner, next.Version = "dave", 1 // as the library hands it over: the next version
	err = taskRows.Save(ctx, tx, []transition.Write[Task]{{Model: &next, Read: read, Version: 0}})
	require.ErrorIs(t, err, transition.ErrConflict)
	var conflict *transition.ConflictError
	require.ErrorAs(t, err, &conflict)
	assert.Equal(t, "main.Task 4", conflict.Object)
	assert.Equal(t, "version 0", conflict.Expected)
	assert.Equal(t, "version 1", conflict.Found)
	now, err := tx.Unit().Task(ctx, 4)
	require.NoError(t, err)
	assert.Equal(t, "carol", now.Owner)
}

// TestREADMEDiagram: the README shows the projects' diagram as the
// registry draws it, so the picture cannot drift from the code.
func TestREADMEDiagram(t *testing.T) {
	reg, err := registry.New[User, *Repo](nil, Projects, Reviews, Tasks)
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	diagram, _, _ := strings.Cut(reg.Mermaid(), "\n\n") // the projects' diagram, the first
	diagram += "\n"
	if block := "```mermaid\n" + diagram + "```"; !strings.Contains(string(readme), block) {
		t.Errorf("README.md's Mermaid block differs from what the registry draws; put in the projects' diagram, the first go run ./examples/projects ends with:\n%s", block)
	}
}

// TestAgree: on SQLite, every state, group and conditional state of a
// project's status (Future and Recallable included) and of its review
// selects in SQL exactly the rows its Go test accepts: projects in every
// state, starting long before, just before, exactly at, just after and
// long after now, and at the zero time; all in UTC, as the program writes
// them. (start_at is NOT NULL: there is no NULL start to try.)
func TestAgree(t *testing.T) {
	ctx, st := open(t)
	now := clock()
	tx, err := st.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	id := int64(100)
	reviews := []state.State[ReviewStatus]{Pending, Approved, Rejected}
	for s := range ProjectState.States() {
		for _, startAt := range []time.Time{
			now.AddDate(-1, 0, 0), now.Add(-time.Millisecond), now, now.Add(time.Millisecond),
			now.Add(time.Second), now.AddDate(1, 0, 0), {},
		} {
			id++
			p := &Project{ID: id, Title: "agree", Owner: "alice", Status: s, Review: reviews[id%3], StartAt: startAt.UTC()}
			require.NoError(t, projectRows.Insert(ctx, tx, p))
		}
	}
	require.NoError(t, tx.Commit(ctx))
	transitiontest.Agree(t, st.Querier(), projectRows, Status, now)
	transitiontest.Agree(t, st.Querier(), projectRows, Review, now)
}
