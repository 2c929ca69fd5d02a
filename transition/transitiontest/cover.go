package transitiontest

import (
	"strings"
	"sync"
	"testing"

	"github.com/statecraft/statecraft/transition"
)

// Cover fails t, when it ends, for each transition of m that the test
// (and its subtests) neither fired nor saw refused, so that a transition
// declared later cannot go untested. What counts: the transitions that
// Available, Blocked and Explore checked or tried, and those committed in
// the given stores.
//
//	func TestProjects(t *testing.T) {
//		store := transitiontest.NewStore(NewRepo, nil)
//		transitiontest.Cover(t, Projects, store)
//		...
//	}
func Cover[M any, T comparable, A, U any](t testing.TB, m *transition.Machine[M, T, A, U], stores ...*Store[U]) {
	t.Helper()
	c := &coverage{name: t.Name(), seen: map[string]bool{}}
	covers.Store(c, true)
	t.Cleanup(func() {
		covers.Delete(c)
		for _, s := range stores {
			s.mu.Lock()
			for k := range s.fired {
				c.add(k)
			}
			s.mu.Unlock()
		}
		var missing []string
		for _, name := range m.Names() {
			if !c.has(m.String() + " " + name) {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			t.Errorf("Cover: %s: %s never fired or refused in this test", m, strings.Join(missing, ", "))
		}
	})
}

// covers holds the coverage of the tests running Cover.
var covers sync.Map // *coverage -> true

type coverage struct {
	name string // the test's name: its subtests count too
	mu   sync.Mutex
	seen map[string]bool // "machine transition", as Transition.String
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
