package api

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
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

// TestTypeLine checks that a type's line leaves out what users cannot
// see, and says so.
func TestTypeLine(t *testing.T) {
	const src = `package p

type Open struct{ A int; B string "json:\"b\"" }
type Mixed struct{ A int; b string; Open; hidden }
type Closed struct{ a int }
type Empty struct{}
type hidden struct{}
type Gen[T comparable] struct{ V T; t T }
type Iface interface{ M() int; Open2 }
type Open2 interface{ N() }
type Sealed interface{ m(); Open2 }
type AllSealed interface{ m() }
type Name string
type Alias = Mixed
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := new(types.Config).Check("p", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	qual := func(*types.Package) string { return "" }
	for name, want := range map[string]string{
		"Open":      `type Open struct{A int; B string "json:\"b\""}`,
		"Mixed":     `type Mixed struct{A int; Open; /* unexported fields */}`,
		"Closed":    `type Closed struct{/* unexported fields */}`,
		"Empty":     `type Empty struct{}`,
		"Gen":       `type Gen[T comparable] struct{V T; /* unexported fields */}`,
		"Iface":     `type Iface interface{M() int; Open2}`,
		"Sealed":    `type Sealed interface{Open2; /* unexported methods */}`,
		"AllSealed": `type AllSealed interface{/* unexported methods */}`,
		"Name":      `type Name string`,
		"Alias":     `type Alias = Mixed`,
	} {
		tn := pkg.Scope().Lookup(name).(*types.TypeName)
		if got := typeLine(tn, qual); got != want {
			t.Errorf("typeLine(%s) = %s, want %s", name, got, want)
		}
	}
}
