package transition_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/transition"
)

// TestConcurrentUse: declared transitions are read-only, so goroutines may
// check and fire them on their own models at once (run with -race).
func TestConcurrentUse(t *testing.T) {
	const n = 32
	var mu sync.Mutex
	var events int
	ctx, mem := ContextOf(&DB{Observe: func(any, transition.Step) error {
		mu.Lock()
		events++
		mu.Unlock()
		return nil
	}})
	projects := make([]*Project, n)
	for i := range projects {
		projects[i] = &Project{ID: int64(i), Owner: "alice", Status: Draft, Review: Approved}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*n)
	for _, p := range projects {
		wg.Go(func() {
			if _, err := Projects.Available(ctx, mem, Bob, p); err != nil {
				errs <- err
			}
			for _, step := range []func() error{
				func() error { err := Publish.Fire(ctx, mem, Alice, p, PublishInput{}); return err },
				func() error { err := Withdraw.Fire(ctx, mem, Alice, p, WithdrawInput{Reason: "r"}); return err },
				func() error { err := Delete.Fire(ctx, mem, Alice, p, transition.NoInput{}); return err },
			} {
				if err := step(); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for _, p := range projects {
		assert.Equal(t, Deleted, p.Status)
		assert.Equal(t, "r", p.Reason)
	}
	assert.Equal(t, 3*n, events)
}
