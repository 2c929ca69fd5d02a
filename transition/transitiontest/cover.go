package transitiontest

import (
	"flag"
	"strings"
	"sync"
	"testing"

	"github.com/statecraft/statecraft/transition"
)

// Cover fails t, when it ends, for each transition of m that the test
// (and its subtests) neither fired nor saw refused, so that a transition
// declared later cannot go untested. What counts: the transitions that
// Available, Blocked and Explore checked or tried, and those committed in
// an in-memory Store: the given stores, and every Store made with NewStore
// while t runs (so a subtest's own store counts; one made by a test running
// in parallel with t counts too). When go test's -run or -skip selects
// subtests (a pattern with a slash), what is missing is logged, not failed.
//
//	func TestProjects(t *testing.T) {
//		transitiontest.Cover(t, Projects)
//		t.Run("publish", func(t *testing.T) {
//			store := transitiontest.NewStore(NewRepo, nil)
//			...
//		})
//		...
//	}
func Cover[M any, T comparable, A, U any](t testing.TB, m *transition.Machine[M, T, A, U], stores ...*Store[U]) {
	t.Helper()
	c := &coverage{name: t.Name(), seen: map[string]bool{}}
	for _, s := range stores {
		c.watch(s)
	}
	covers.Store(c, true)
	t.Cleanup(func() {
		covers.Delete(c)
		c.mu.Lock()
		fired := c.fired
		c.mu.Unlock()
		for _, f := range fired {
			for _, k := range f() {
				c.add(k)
			}
		}
		var missing []string
		for _, name := range m.Names() {
			if !c.has(m.String() + " " + name) {
				missing = append(missing, name)
			}
		}
		if len(missing) == 0 {
			return
		}
		if subtestsFiltered() {
			t.Logf("Cover: %s: %s never fired or refused, but -run or -skip may have left out the subtests that do", m, strings.Join(missing, ", "))
			return
		}
		t.Errorf("Cover: %s: %s never fired or refused in this test", m, strings.Join(missing, ", "))
	})
}

// subtestsFiltered reports whether go test's -run or -skip pattern
// selects subtests (it has a slash), so that a test may not have run all
// of its own.
func subtestsFiltered() bool {
	for _, name := range []string{"test.run", "test.skip"} {
		if f := flag.Lookup(name); f != nil && strings.Contains(f.Value.String(), "/") {
			return true
		}
	}
	return false
}

// covers holds the coverage of the tests running Cover.
var covers sync.Map // *coverage -> true

type coverage struct {
	name  string // the test's name: its subtests count too
	mu    sync.Mutex
	seen  map[string]bool   // "machine transition", as Transition.String
	fired []func() []string // what each watched Store committed
}

// watch counts the transitions s commits.
func (c *coverage) watch(s interface{ committed() []string }) {
	c.mu.Lock()
	c.fired = append(c.fired, s.committed)
	c.mu.Unlock()
}

// watched has every running Cover count the transitions s commits.
func watched(s interface{ committed() []string }) {
	covers.Range(func(k, _ any) bool {
		k.(*coverage).watch(s)
		return true
	})
}

func (c *coverage) add(k string) {
	c.mu.Lock()
	c.seen[k] = true
	c.mu.Unlock()
}

func (c *coverage) has(k string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[k]
}

// note records that test t exercised transition tr (named as
// Transition.String names it), for the Cover of t or of a test it is a
// subtest of.
func note(t testing.TB, tr string) {
	name := t.Name()
	covers.Range(func(k, _ any) bool {
		c := k.(*coverage)
		if name == c.name || strings.HasPrefix(name, c.name+"/") {
			c.add(tr)
		}
		return true
	})
}
