package transitiontest_test

import (
	"testing"

	"github.com/statecraft/statecraft/internal/conformance"
	"github.com/statecraft/statecraft/transition/sqlstore"
	"github.com/statecraft/statecraft/transition/transitiontest"
)

// The in-memory Store passes the durable Store's conformance suite: the
// same transitions, conflicts, retries, history, feed, idempotency keys,
// cascades and after-commit hooks, with the same results and errors.
// (What only a database does, such as SQL, savepoints, row locks and
// constraints, is tested in package sqlstore.)
func TestConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T, opts *sqlstore.Options, _ bool) conformance.Store {
		return transitiontest.NewStore(conformance.NewRepo, opts)
	})
}
