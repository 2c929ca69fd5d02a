package transitiontest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/statecraft/statecraft/transition"
)

// A Sample is a model in a state the matrix covers, named for the reader:
// give one for every state, and one for each conditional state (a model
// whose fields make it hold, such as a published project starting in the
// future).
type Sample[M any] struct {
	Name  string
	Model *M
}

// A Role is an actor the matrix covers, named for the reader, such as
// "owner" or "stranger".
type Role[A any] struct {
	Name  string
	Actor A
}

// Matrix returns the availability matrix of machine m: for every sample,
// every transition for every role, "yes" or the codes of the reasons it is
// blocked. Checks run in sc at its time; a sample's heading says what its
// model is in at that time, conditional states included. Compare it with a
// golden file with Golden: a change in who may do what then fails with a
// diff.
//
// Every state of the machine's Type, and every conditional state of its
// field, must be covered by a sample: Matrix reports those that are not,
// with t.Errorf, so that a new state cannot go unsnapshotted.
func Matrix[M any, T comparable, A, U any](t testing.TB, m *transition.Machine[M, T, A, U], sc transition.Scope[U], samples []Sample[M], roles []Role[A]) string {
	t.Helper()
	mgr := m.Manager()
	ctx := context.Background()
	now := sc.Now()
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s at %s\n", m, now.Format(time.RFC3339))
	covered := map[string]bool{}
	for _, s := range samples {
		cur := mgr.Current(s.Model, now)
		for _, c := range cur {
			covered[c.Name()] = true
		}
		fmt.Fprintf(&b, "\n## %s: %s\n", s.Name, describe(cur))
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		for _, r := range roles {
			fmt.Fprintf(tw, "\t%s", r.Name)
		}
		fmt.Fprintln(tw)
		rows := map[string][]string{}
		var order []string
		for _, r := range roles {
			avail, err := m.Available(ctx, sc, r.Actor, s.Model)
			if err != nil {
				t.Errorf("Matrix: %s for %s: %v", s.Name, r.Name, err)
				return ""
			}
			for _, a := range avail {
				if _, ok := rows[a.Name]; !ok {
					order = append(order, a.Name)
				}
				cell := "yes"
				if !a.Available {
					codes := make([]string, len(a.Reasons))
					for i, reason := range a.Reasons {
						codes[i] = reason.Code
					}
					cell = strings.Join(codes, " ")
				}
				rows[a.Name] = append(rows[a.Name], cell)
			}
		}
		for _, name := range order {
			fmt.Fprintf(tw, "%s\t%s\n", name, strings.Join(rows[name], "\t"))
		}
		tw.Flush()
	}
	var missing []string
	for st := range mgr.Type().States() {
		if !covered[st.Name()] {
			missing = append(missing, st.Title())
		}
	}
	for _, c := range mgr.Conditionals() {
		if !covered[c.Name()] {
			missing = append(missing, c.Title())
		}
	}
	if len(missing) > 0 {
		t.Errorf("Matrix of %s: no sample is in %s: give one a model in each", m, strings.Join(missing, ", "))
	}
	return b.String()
}

// Golden checks that got equals the golden file at path; if update is
// set, it writes got to path instead (creating its directory). Tests
// typically pass a flag of their own:
//
//	var update = flag.Bool("update", false, "rewrite the golden files")
//	...
//	transitiontest.Golden(t, "testdata/projects.matrix", transitiontest.Matrix(...), *update)
//
// A difference fails with a line diff and says how to accept it.
func Golden(t testing.TB, path, got string, update bool) bool {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Errorf("Golden: %v", err)
			return false
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Errorf("Golden: %v", err)
			return false
		}
		return true
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("Golden: %v (run the test with -update to write it)", err)
		return false
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s\nif the change is intended, run the test with -update", path, diff)
		return false
	}
	return true
}
