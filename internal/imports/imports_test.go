// Package imports holds a test that keeps the core packages on the
// standard library: state, state/sqlexpr, transition, transition/sqlstore,
// registry and registry/httpapi import nothing from outside it but each other, so a
// program that uses them links no database driver, schema generator or
// other dependency.
package imports

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/statecraft/statecraft"

// core lists the packages that must depend on the standard library only.
var core = []string{"state", "state/sqlexpr", "transition", "transition/sqlstore", "registry", "registry/httpapi"}

func goTool(t *testing.T) string {
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the test runs go list: no go command on PATH: %v", err)
	}
	return p
}

func TestCorePackagesImportOnlyTheStandardLibrary(t *testing.T) {
	args := []string{"list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}} {{.Module}}{{end}}"}
	for _, p := range core {
		args = append(args, module+"/"+p)
	}
	cmd := exec.Command(goTool(t), args...)
	cmd.Dir = "../.."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	var deps []string
	for line := range strings.Lines(string(out)) {
		if path, _, _ := strings.Cut(strings.TrimSpace(line), " "); path != "" {
			deps = append(deps, path)
		}
	}
	if len(deps) < len(core) {
		t.Fatalf("go list found %d packages, fewer than the %d it was asked about:\n%s", len(deps), len(core), out)
	}
	for _, d := range deps {
		switch {
		case strings.HasPrefix(d, module+"/internal/dbtest"):
			t.Errorf("a core package depends on %s, which opens databases", d)
		case d == module || strings.HasPrefix(d, module+"/"):
			// the module's own packages are fine
		default:
			t.Errorf("a core package (%s) depends on %s, outside the standard library", strings.Join(core, ", "), d)
		}
	}
}
