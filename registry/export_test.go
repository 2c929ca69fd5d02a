package registry

import (
	"strings"

	"github.com/statecraft/statecraft/internal/graph"
)

// Build is New for machines that may be the tests' own engine.Machines,
// for graphs no real machine can declare.
func Build[A, U any](opts *Options, machines ...any) (*Registry[A, U], error) {
	return build[A, U](opts, machines)
}

// MermaidOf and DOTOf draw one graph.
func MermaidOf(g graph.Graph) string {
	var b strings.Builder
	writeMermaid(&b, g)
	return b.String()
}

func DOTOf(g graph.Graph) string {
	var b strings.Builder
	b.WriteString("digraph " + dotQuote(g.Machine) + " {\n")
	b.WriteString("\trankdir=LR;\n")
	b.WriteString("\tnode [shape=box, style=rounded];\n")
	writeDOT(&b, g, "", "\t")
	b.WriteString("}\n")
	return b.String()
}

// Graphs returns the graphs the registry read.
func (r *Registry[A, U]) Graphs() []graph.Graph { return r.graphs }
