package main

import (
	"bytes"
	"context"
	"database/sql"
	"flag"
	"os"
	"path/filepath"
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

// TestConcurrentWriterLoses: the save observer compares and sets, so a
// transition run on a stale copy fails, is undone in memory, and leaves
// the row as the other writer left it.
func TestConcurrentWriterLoses(t *testing.T) {
	clock = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	t.Cleanup(func() { clock = time.Now })
	ctx := transition.WithClock(context.Background(), clock)

	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "p.db")+"?_time_format=sqlite")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, seed(ctx, db))

	stale, err := project(ctx, db, 3) // Published
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, `UPDATE projects SET status = ? WHERE id = 3`, Withdrawn)
	require.NoError(t, err)

	err = inTx(ctx, db, func(ctx context.Context, _ *sql.Tx) error {
		_, err := Withdraw.Fire(transition.WithObservers(ctx, save), alice, stale, WithdrawInput{Reason: "late"})
		return err
	})
	require.ErrorIs(t, err, errConflict)
	require.ErrorIs(t, err, transition.ErrStep)
	assert.Equal(t, Published, stale.Status, "the transition is undone in memory")
	assert.Empty(t, stale.Reason)

	now, err := project(ctx, db, 3)
	require.NoError(t, err)
	assert.Equal(t, Withdrawn, now.Status, "the other writer's change stands")
	assert.Empty(t, now.Reason)
	lines, err := auditTrail(ctx, db)
	require.NoError(t, err)
	assert.Empty(t, lines, "nothing was audited")
}

// TestREADMEDiagram: the README shows the projects' diagram as the
// registry draws it, so the picture cannot drift from the code.
func TestREADMEDiagram(t *testing.T) {
	reg, err := registry.New[User](Projects, Tasks)
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	diagram := registry.Mermaid(reg.Graphs()[0])
	assert.Contains(t, string(readme), "```mermaid\n"+diagram+"```",
		"README.md's Mermaid block differs from what the registry draws; paste in the output of go run ./examples/projects -diagram")
}
