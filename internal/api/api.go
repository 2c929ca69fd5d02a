// Package api lists the exported API of statecraft's public packages, one
// line per exported name, as go/types reads them from source. The list is
// kept in api.txt beside this file, and a test fails when the API changes
// without it, so every change to the surface shows in review. A type's
// line shows only what users can see of it: a struct's unexported fields
// and an interface's unexported methods are left out, and a marker says
// that there were some, so a private change is no API change:
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
			tn, ok := obj.(*types.TypeName)
			if !ok {
				lines = append(lines, types.ObjectString(obj, qual))
				continue
			}
			lines = append(lines, typeLine(tn, qual))
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

// Markers stand in a type's line for what it leaves out.
const (
	UnexportedFields  = "/* unexported fields */"
	UnexportedMethods = "/* unexported methods */"
)

// typeLine declares the type tn as its users see it: such as
//
//	type State[T comparable] struct{/* unexported fields */}
//	type Set[T comparable] interface{Contains(s State[T]) bool; Source[T]; /* unexported methods */}
//
// with the exported fields of a struct (embedded ones included, with their
// tags) and the exported methods and embedded types of an interface, in
// the order go/types writes them.
func typeLine(tn *types.TypeName, qual types.Qualifier) string {
	full := types.ObjectString(tn, qual)
	if tn.IsAlias() {
		return full
	}
	under := tn.Type().Underlying()
	head, ok := strings.CutSuffix(full, types.TypeString(under, qual))
	if !ok {
		return full
	}
	var body string
	switch u := under.(type) {
	case *types.Struct:
		body = structString(u, qual)
	case *types.Interface:
		body = interfaceString(u, qual)
	default:
		return full
	}
	return head + body
}

// structString writes s without its unexported fields.
func structString(s *types.Struct, qual types.Qualifier) string {
	var fields []*types.Var
	var tags []string
	hidden := false
	for i := range s.NumFields() {
		f := s.Field(i)
		if !f.Exported() {
			hidden = true
			continue
		}
		fields = append(fields, f)
		tags = append(tags, s.Tag(i))
	}
	str := types.TypeString(types.NewStruct(fields, tags), qual)
	if hidden {
		str = withMarker(str, UnexportedFields)
	}
	return str
}

// interfaceString writes it without its unexported methods.
func interfaceString(it *types.Interface, qual types.Qualifier) string {
	var methods []*types.Func
	hidden := false
	for m := range it.ExplicitMethods() {
		if !m.Exported() {
			hidden = true
			continue
		}
		methods = append(methods, m)
	}
	var embedded []types.Type
	for t := range it.EmbeddedTypes() {
		embedded = append(embedded, t)
	}
	str := types.TypeString(types.NewInterfaceType(methods, embedded), qual)
	if hidden {
		str = withMarker(str, UnexportedMethods)
	}
	return str
}

// withMarker puts marker last inside the braces of a struct or interface
// type: struct{A int} becomes struct{A int; marker}.
func withMarker(typ, marker string) string {
	body, ok := strings.CutSuffix(typ, "}")
	if !ok {
		return typ
	}
	if strings.HasSuffix(body, "{") {
		return body + marker + "}"
	}
	return body + "; " + marker + "}"
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
