package api

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite api.txt from the source")

// TestAPIFileIsCurrent fails when the exported API differs from api.txt:
// review the change, then run go test ./internal/api -update.
func TestAPIFileIsCurrent(t *testing.T) {
	entries, err := List()
	if err != nil {
		t.Fatal(err)
	}
	got := Text(entries)
	if *update {
		if err := os.WriteFile("api.txt", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile("api.txt")
	if err != nil {
		t.Fatalf("%v (run go test ./internal/api -update)", err)
	}
	if got == string(want) {
		return
	}
	wantLines := map[string]bool{}
	for _, l := range strings.Split(string(want), "\n") {
		wantLines[l] = true
	}
	gotLines := map[string]bool{}
	for _, l := range strings.Split(got, "\n") {
		gotLines[l] = true
		if !wantLines[l] {
			t.Errorf("added:   %s", l)
		}
	}
	for _, l := range strings.Split(string(want), "\n") {
		if !gotLines[l] {
			t.Errorf("removed: %s", l)
		}
	}
	t.Log("the exported API changed: review it, then run go test ./internal/api -update")
}
