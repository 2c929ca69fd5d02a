// Command apicount counts the exported names of statecraft's packages: the
// exported types, functions, methods, fields, constants and variables a
// user can reach. Run it from the module's root:
//
//	go run ./internal/apicount
//
// It type-checks the packages from source with go/types, so it needs
// nothing beyond the standard library.
package main

import (
	"fmt"
	"go/importer"
	"go/token"
	"go/types"
	"os"
	"sort"
)

const module = "github.com/statecraft/statecraft"

// packages are the library's public packages.
var packages = []string{"state", "state/sqlexpr", "transition", "transition/schema", "registry"}

func main() {
	imp := importer.ForCompiler(token.NewFileSet(), "source", nil)
	total := 0
	for _, p := range packages {
		pkg, err := imp.Import(module + "/" + p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "apicount:", err)
			os.Exit(1)
		}
		n := count(pkg)
		total += n
		fmt.Printf("%-20s %4d\n", p, n)
	}
	fmt.Printf("%-20s %4d\n", "total", total)
}

// count counts pkg's exported names: each exported package-level object,
// and each exported method and struct field of its exported types.
func count(pkg *types.Package) int {
	scope := pkg.Scope()
	names := scope.Names()
	sort.Strings(names)
	n := 0
	for _, name := range names {
		obj := scope.Lookup(name)
		if !obj.Exported() {
			continue
		}
		n++
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
				n++
			}
		}
		switch u := named.Underlying().(type) {
		case *types.Struct:
			for f := range u.Fields() {
				if f.Exported() {
					n++
				}
			}
		case *types.Interface:
			for m := range u.ExplicitMethods() {
				if m.Exported() {
					n++
				}
			}
		}
	}
	return n
}
