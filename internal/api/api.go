// Package api lists the exported API of statecraft's public packages, one
// line per exported name, as go/types reads them from source. The list is
// kept in api.txt beside this file, and a test fails when the API changes
// without it, so every change to the surface shows in review:
//
//	go test ./internal/api -update   # after an intended change
package api

import (
	"fmt"
	"go/importer"
	"go/token"
	"go/types"
	"sort"
	"strings"
)

// Module is statecraft's module path.
const Module = "github.com/statecraft/statecraft"

// Packages are the public packages, relative to Module.
var Packages = []string{"state", "state/sqlexpr", "transition", "transition/schema", "registry"}

// An Entry is one exported name: a package-level object, or a method or
// field of an exported type.
type Entry struct {
	Package string // such as "transition"
	Line    string // such as "func For[A, U any, M any, T comparable](mgr *state.Manager[M, T]) *Machine[M, T, A, U]"
}

// List type-checks the public packages from source and lists their
// exported names, sorted.
func List() ([]Entry, error) {
	imp := importer.ForCompiler(token.NewFileSet(), "source", nil)
	var all []Entry
	for _, p := range Packages {
		pkg, err := imp.Import(Module + "/" + p)
		if err != nil {
			return nil, err
		}
		qual := func(other *types.Package) string {
			if other == pkg {
				return ""
			}
			return other.Name()
		}
		var lines []string
		scope := pkg.Scope()
		for _, name := range scope.Names() {
			obj := scope.Lookup(name)
			if !obj.Exported() {
				continue
			}
			lines = append(lines, types.ObjectString(obj, qual))
			tn, ok := obj.(*types.TypeName)
			if !ok {
				continue
			}
			named, ok := tn.Type().(*types.Named)
			if !ok {
				continue
			}
			for m := range named.Methods() {
				if m.Exported() {
					lines = append(lines, fmt.Sprintf("method (%s) %s%s", name, m.Name(), strings.TrimPrefix(types.TypeString(m.Type(), qual), "func")))
				}
			}
			switch u := named.Underlying().(type) {
			case *types.Struct:
				for f := range u.Fields() {
					if f.Exported() {
						lines = append(lines, fmt.Sprintf("field (%s) %s %s", name, f.Name(), types.TypeString(f.Type(), qual)))
					}
				}
			case *types.Interface:
				for m := range u.ExplicitMethods() {
					if m.Exported() {
						lines = append(lines, fmt.Sprintf("method (%s) %s%s", name, m.Name(), strings.TrimPrefix(types.TypeString(m.Type(), qual), "func")))
					}
				}
			}
		}
		sort.Strings(lines)
		for _, l := range lines {
			all = append(all, Entry{Package: p, Line: l})
		}
	}
	return all, nil
}

// Text renders entries as api.txt holds them: "package: line", one a line.
func Text(entries []Entry) string {
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(e.Package)
		b.WriteString(": ")
		b.WriteString(e.Line)
		b.WriteByte('\n')
	}
	return b.String()
}

// Count returns the number of entries of each package, in Packages order.
func Count(entries []Entry) map[string]int {
	n := map[string]int{}
	for _, e := range entries {
		n[e.Package]++
	}
	return n
}
