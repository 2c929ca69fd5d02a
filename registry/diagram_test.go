package registry_test

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/internal/graph"
	"github.com/statecraft/statecraft/registry"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create the golden files")
	assert.Equal(t, string(want), got, "%s differs; run go test -update and review the diff", path)
}

// awkward is a graph whose titles hold every character the diagram
// syntaxes treat specially.
var awkward = graph.Graph{
	Machine: `odd."quoted".status`, Model: `odd."quoted"`, Column: "status", Type: "Odd",
	States: []graph.State{
		{Title: `A: "one"`, Initial: true, Description: "first; then\nsecond"},
		{Title: "B; #1 <b>&amp;", Final: true},
		{Title: `C \N 100%`},
	},
	Groups:       []graph.Group{{Title: "G: all", Members: []string{`A: "one"`, "B; #1 <b>&amp;"}}, {Title: "H", Members: []string{`A: "one"`}}},
	Conditionals: []graph.Conditional{{Title: "Soon: maybe", Base: "G: all", BaseStates: []string{`A: "one"`, "B; #1 <b>&amp;"}}},
	Transitions: []graph.Transition{{
		Name: "go", Title: "Go: now;\nplease %% #58;", Allow: []string{`the "boss"`, "a <admin>"},
		When:     []string{"x is Y: z"},
		Rules:    []graph.Rule{{From: []string{"G: all"}, FromStates: []string{`A: "one"`}, To: []string{"B; #1 <b>&amp;", `C \N 100%`}}},
		Cascades: []graph.Cascade{{Name: "kids", Machine: "kid.status", Transition: "go"}},
	}, {
		Name: "stay", Title: "Stay", Anyone: true,
		Rules: []graph.Rule{{From: []string{`C \N 100%`}, FromStates: []string{`C \N 100%`}, Stay: true}},
	}, {
		Name: "nobody", Title: "Nobody",
		Rules: []graph.Rule{{From: []string{`C \N 100%`}, FromStates: []string{`C \N 100%`}, To: []string{`A: "one"`}}},
	}},
}

func TestMermaid(t *testing.T) {
	reg := newRegistry(t)
	for name, got := range map[string]string{
		"project_status.mmd.golden": registry.MermaidOf(projectGraph(t)),
		"registry.mmd.golden":       reg.Mermaid(),
		"awkward.mmd.golden":        registry.MermaidOf(awkward),
	} {
		t.Run(name, func(t *testing.T) {
			golden(t, name, got)
			checkMermaid(t, got)
		})
	}
	assert.Equal(t, 3, strings.Count(reg.Mermaid(), "stateDiagram-v2\n"), "a diagram per machine")
}

func TestDOT(t *testing.T) {
	reg := newRegistry(t)
	for name, got := range map[string]string{
		"project_status.dot.golden": registry.DOTOf(projectGraph(t)),
		"registry.dot.golden":       reg.DOT(),
		"awkward.dot.golden":        registry.DOTOf(awkward),
	} {
		t.Run(name, func(t *testing.T) {
			golden(t, name, got)
			checkDOT(t, got)
			runDOT(t, got)
		})
	}
	assert.Equal(t, 3, strings.Count(reg.DOT(), "subgraph \"cluster_"), "a cluster per machine")
}

// The statements the Mermaid writer may emit, per line.
var mermaidLines = []*regexp.Regexp{
	regexp.MustCompile(`^stateDiagram-v2$`),
	regexp.MustCompile(`^    state "[^"\n]*" as s\d+$`),
	regexp.MustCompile(`^    s\d+ : (?P<text>.+)$`),
	regexp.MustCompile(`^    \[\*\] --> s\d+$`),
	regexp.MustCompile(`^    s\d+ --> \[\*\]$`),
	regexp.MustCompile(`^    s\d+ --> s\d+ : (?P<text>.+)$`),
	regexp.MustCompile(`^    note (left|right) of s\d+ : (?P<text>.+)$`),
	regexp.MustCompile(`^    note (left|right) of s\d+$`),
	regexp.MustCompile(`^        (?P<text>.+)$`), // a line of a note
	regexp.MustCompile(`^    end note$`),
}

// entity matches Mermaid's entity codes, such as #58; and #quot;.
var entity = regexp.MustCompile(`#\w+;`)

// checkMermaid checks that every line of the diagrams is a statement the
// writer means to emit, and that no text holds a character Mermaid's state
// diagram parser would take for syntax.
func checkMermaid(t *testing.T, src string) {
	t.Helper()
	for d, diagram := range strings.Split(src, "\n\n") {
		front, body, ok := strings.Cut(diagram, "\n---\n")
		require.True(t, ok, "diagram %d has front matter", d)
		assert.Regexp(t, `^---\ntitle: "[^\n]*"$`, front)
		body = strings.TrimSuffix(body, "\n")
		inNote := false
		for _, line := range strings.Split(body, "\n") {
			matched := false
			for _, re := range mermaidLines {
				m := re.FindStringSubmatch(line)
				if m == nil {
					continue
				}
				if inNote != (strings.HasPrefix(line, "        ") || line == "    end note") {
					continue // inside a note, only its lines and its end
				}
				matched = true
				if i := re.SubexpIndex("text"); i >= 0 {
					text := entity.ReplaceAllString(m[i], "")
					assert.NotContains(t, text, ":", "line %q", line)
					assert.NotContains(t, text, ";", "line %q", line)
					assert.NotContains(t, text, "#", "line %q", line)
					assert.NotContains(t, text, "%%", "line %q", line)
					assert.NotContains(t, text, "<", "line %q", line)
				}
				switch {
				case strings.HasPrefix(line, "    note ") && !strings.Contains(line, " : "):
					inNote = true
				case line == "    end note":
					inNote = false
				}
				break
			}
			assert.True(t, matched, "unexpected Mermaid line %q", line)
		}
		assert.False(t, inNote, "a note is left open")
	}
}

// checkDOT checks the DOT source's structure: quoted strings closed, with
// only \" and \\ and \n escapes written; braces and brackets balanced
// outside them; every statement ended.
func checkDOT(t *testing.T, src string) {
	t.Helper()
	require.True(t, strings.HasPrefix(src, "digraph \""), "starts with a digraph")
	var stack []byte
	inString := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inString {
			switch c {
			case '\\':
				i++
				require.Less(t, i, len(src))
				assert.Contains(t, `"\n`, string(src[i]), "escape \\%c at %d", src[i], i)
			case '"':
				inString = false
			case '\n':
				t.Fatalf("raw line break in a quoted string at %d", i)
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			stack = append(stack, c)
		case '}', ']':
			open := byte('{')
			if c == ']' {
				open = '['
			}
			require.NotEmpty(t, stack, "unbalanced %c at %d", c, i)
			require.Equal(t, string(open), string(stack[len(stack)-1]), "mismatched %c at %d", c, i)
			stack = stack[:len(stack)-1]
		}
	}
	assert.False(t, inString, "a quoted string is left open")
	assert.Empty(t, stack, "unclosed braces or brackets")
	for _, line := range strings.Split(strings.TrimSuffix(src, "\n"), "\n") {
		assert.Regexp(t, `(;|\{|\})$`, line, "every statement ends")
	}
}

// runDOT lays out the source with Graphviz's dot, where it is installed.
func runDOT(t *testing.T, src string) {
	t.Helper()
	dot, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("Graphviz's dot is not installed")
	}
	cmd := exec.Command(dot, "-Tsvg")
	cmd.Stdin = strings.NewReader(src)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "dot: %s", stderr.String())
	assert.Empty(t, stderr.String(), "dot's warnings")
	assert.Contains(t, string(out), "<svg")
}

// projectGraph is the graph of the Projects machine alone, as New reads it
// (the checks' complaints about the machines it cascades into, which are
// not registered here, do not matter).
func projectGraph(t *testing.T) graph.Graph {
	reg, _ := registry.New[User, *DB](nil, Projects)
	require.NotNil(t, reg)
	return reg.Graphs()[0]
}
