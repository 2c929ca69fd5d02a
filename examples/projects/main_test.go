package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/output.golden")

// TestRun runs the example against a fresh SQLite file and compares its
// output with testdata/output.golden, which the README quotes.
func TestRun(t *testing.T) {
	clock = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	t.Cleanup(func() { clock = time.Now })

	var out bytes.Buffer
	if err := run(context.Background(), &out, filepath.Join(t.TempDir(), "projects.db")); err != nil {
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
