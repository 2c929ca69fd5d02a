package registry

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/statecraft/statecraft/internal/graph"
)

// Mermaid draws every registered machine, one diagram per machine in
// registration order, separated by blank lines (put each in its own code
// block to render them). Each draws a machine as a Mermaid state diagram (stateDiagram-v2),
// titled with the machine's name: every state, [*] arrows into the initial
// states and out of the final ones, and one arrow for each source state and
// target of each rule (a loop for a Stay rule), labelled with the
// transition's title, its conditions in brackets, who may run it in
// parentheses, and its cascades:
//
//	s0 --> s1 : Publish [review is Approved] (the owner or an admin)
//
// Named groups are noted on their first member; conditional states, on
// the first state. Characters Mermaid's parser would take for syntax
// (such as : and ;) are written as entity codes (#58;), which Mermaid
// renders as the characters.
func (r *Registry[A, U]) Mermaid() string {
	var b strings.Builder
	for i, g := range r.graphs {
		if i > 0 {
			b.WriteByte('\n')
		}
		writeMermaid(&b, g)
	}
	return b.String()
}

func writeMermaid(b *strings.Builder, g graph.Graph) {
	fmt.Fprintf(b, "---\ntitle: %s\n---\nstateDiagram-v2\n", strconv.Quote(g.Machine))
	id := stateIDs(g, "s")
	for _, s := range g.States {
		fmt.Fprintf(b, "    state \"%s\" as %s\n", mermaidText(s.Title), id[s.Title])
		if s.Description != "" {
			fmt.Fprintf(b, "    %s : %s\n", id[s.Title], mermaidText(s.Description))
		}
	}
	for _, s := range g.States {
		if s.Initial {
			fmt.Fprintf(b, "    [*] --> %s\n", id[s.Title])
		}
	}
	for _, e := range edges(g) {
		fmt.Fprintf(b, "    %s --> %s : %s\n", id[e.from], id[e.to], mermaidText(strings.Join(e.label, " ")))
	}
	for _, s := range g.States {
		if s.Final {
			fmt.Fprintf(b, "    %s --> [*]\n", id[s.Title])
		}
	}

	// Notes: the groups on their first members, the conditional states on
	// the first state. Mermaid keeps one note per state, so a state's
	// notes are written as one, a line each.
	var noted []string // state IDs, in order
	notes := map[string][]string{}
	addNote := func(state, line string) {
		if notes[state] == nil {
			noted = append(noted, state)
		}
		notes[state] = append(notes[state], line)
	}
	for _, gr := range g.Groups {
		if len(gr.Members) > 0 {
			addNote(id[gr.Members[0]], groupText(gr))
		}
	}
	for _, c := range g.Conditionals {
		if len(c.BaseStates) > 0 {
			addNote(id[c.BaseStates[0]], conditionalText(c))
		}
	}
	for _, state := range noted {
		lines := notes[state]
		if len(lines) == 1 {
			fmt.Fprintf(b, "    note right of %s : %s\n", state, mermaidText(lines[0]))
			continue
		}
		fmt.Fprintf(b, "    note right of %s\n", state)
		for _, l := range lines {
			fmt.Fprintf(b, "        %s\n", mermaidText(l))
		}
		b.WriteString("    end note\n")
	}
}

// mermaidEscaper writes the characters Mermaid's state diagram parser
// takes for syntax, or its renderer for HTML, as Mermaid entity codes, and
// line breaks as spaces.
var mermaidEscaper = strings.NewReplacer(
	"#", "#35;", // first, so that the codes below stay codes
	":", "#58;", // ends a label, in all but the newest Mermaid
	";", "#59;", // ends a statement
	"%", "#37;", // %% starts a comment
	`"`, "#quot;",
	"<", "#lt;",
	">", "#gt;",
	"&", "#amp;",
	"\r\n", " ", "\n", " ", "\r", " ",
)

func mermaidText(s string) string { return mermaidEscaper.Replace(s) }

// DOT draws every registered machine as a Graphviz digraph, with a
// cluster per machine in registration order. Each shows every state (final states
// with a double border), a point with arrows into the initial states, and
// one arrow for each source state and target of each rule, labelled as in
// Mermaid. Named groups and conditional states are note-shaped nodes.
//
//	dot -Tsvg -o project.svg project.dot
func (r *Registry[A, U]) DOT() string {
	var b strings.Builder
	b.WriteString("digraph \"machines\" {\n")
	b.WriteString("\trankdir=LR;\n")
	b.WriteString("\tnode [shape=box, style=rounded];\n")
	for i, g := range r.graphs {
		fmt.Fprintf(&b, "\tsubgraph \"cluster_%d\" {\n", i)
		writeDOT(&b, g, fmt.Sprintf("m%d_", i), "\t\t")
		b.WriteString("\t}\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// writeDOT writes the statements that draw g, with node IDs starting with
// prefix, each line starting with indent.
func writeDOT(b *strings.Builder, g graph.Graph, prefix, indent string) {
	line := func(format string, args ...any) {
		b.WriteString(indent)
		fmt.Fprintf(b, format, args...)
		b.WriteString(";\n")
	}
	line("label=%s", dotQuote(g.Machine+" ("+g.Type+")"))
	line("labelloc=t")
	id := stateIDs(g, prefix+"s")
	for k, v := range id {
		id[k] = dotQuote(v)
	}
	start := dotQuote(prefix + "start")
	line("%s [shape=point, label=\"\"]", start)
	for _, s := range g.States {
		attrs := "label=" + dotQuote(s.Title)
		if s.Final {
			attrs += ", peripheries=2"
		}
		if s.Description != "" {
			attrs += ", tooltip=" + dotQuote(s.Description)
		}
		line("%s [%s]", id[s.Title], attrs)
	}
	for _, s := range g.States {
		if s.Initial {
			line("%s -> %s", start, id[s.Title])
		}
	}
	for _, e := range edges(g) {
		line("%s -> %s [label=%s]", id[e.from], id[e.to], dotQuote(strings.Join(e.label, "\n")))
	}
	for i, gr := range g.Groups {
		n := dotQuote(fmt.Sprintf("%sg%d", prefix, i))
		line("%s [shape=note, style=\"\", label=%s]", n, dotQuote(groupText(gr)))
		for _, m := range gr.Members {
			line("%s -> %s [style=dotted, arrowhead=none]", n, id[m])
		}
	}
	for i, c := range g.Conditionals {
		n := dotQuote(fmt.Sprintf("%sc%d", prefix, i))
		line("%s [shape=note, style=\"\", label=%s]", n, dotQuote(conditionalText(c)))
		for _, m := range c.BaseStates {
			line("%s -> %s [style=dotted, arrowhead=none]", n, id[m])
		}
	}
}

// dotQuote returns s as a DOT quoted string. Backslashes are escaped, so
// that Graphviz's label escapes (\N, \G, ...) do not apply, and so are
// ampersands, as Graphviz decodes HTML entities (&amp;) in strings; line
// breaks become \n, which Graphviz draws as centred line breaks.
func dotQuote(s string) string {
	return `"` + dotEscaper.Replace(s) + `"`
}

var dotEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "&", "&amp;", "\r\n", `\n`, "\n", `\n`, "\r", `\n`)

// stateIDs gives each state of g an ID safe in any diagram syntax: prefix
// and its position, such as s0.
func stateIDs(g graph.Graph, prefix string) map[string]string {
	id := make(map[string]string, len(g.States))
	for i, s := range g.States {
		id[s.Title] = prefix + strconv.Itoa(i)
	}
	return id
}

// edge is an arrow of a diagram: from a source state to a target, by a
// rule of a transition, with the lines of its label.
type edge struct {
	from, to string
	label    []string
}

// edges lists the arrows of g's rules: for each transition in declaration
// order, for each rule, each source state (groups expanded, conditional
// sources by their base states, labelled "[if ...]") to each target, or to
// itself for a Stay rule.
func edges(g graph.Graph) []edge {
	var es []edge
	for _, t := range g.Transitions {
		label := transitionLabel(t)
		for _, r := range t.Rules {
			for _, from := range r.FromStates {
				label := label
				if slices.Contains(r.FromIf, from) { // only when the model matches a conditional source
					label = slices.Insert(slices.Clone(label), 1, "[if "+strings.Join(r.Conditions, " or ")+"]")
				}
				if r.Stay {
					es = append(es, edge{from, from, label})
				}
				for _, to := range r.To {
					es = append(es, edge{from, to, label})
				}
			}
		}
	}
	return es
}

// transitionLabel describes a transition for an arrow: its title, its
// conditions in brackets, who may run it in parentheses, and its cascades,
// one per line.
func transitionLabel(t graph.Transition) []string {
	label := []string{t.Title}
	if t.Via != "" {
		label = append(label, "(with "+t.Via+")")
	}
	if conds := append(append([]string(nil), t.When...), t.Related...); len(conds) > 0 {
		label = append(label, "["+strings.Join(conds, ", ")+"]")
	}
	switch {
	case t.Anyone:
		label = append(label, "(anyone)")
	case len(t.Allow) > 0:
		label = append(label, "("+strings.Join(t.Allow, " or ")+")")
	default:
		label = append(label, "(no one)")
	}
	for _, c := range t.Cascades {
		label = append(label, "then "+c.Name+": "+c.Transition)
	}
	return label
}

// groupText describes a named group, such as "Gone = Withdrawn, Deleted".
func groupText(g graph.Group) string {
	return g.Title + " = " + strings.Join(g.Members, ", ")
}

// conditionalText describes a conditional state for a note, such as
// "Future: a conditional state of Published", or a conditional group, such
// as "Recallable = Withdrawn or Future".
func conditionalText(c graph.Conditional) string {
	if len(c.Members) > 0 {
		return c.Title + " = " + strings.Join(c.Members, " or ")
	}
	return c.Title + ": a conditional state of " + c.Base
}
