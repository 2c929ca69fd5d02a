package transition_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/transition"
)

// Locking the object asked of, and reloading it to retry, on a Table that
// can fail, for a machine with and without a version.

// lockingRecorder is a recorder whose units of work ask for locking and
// whose conflicts are retried once.
type lockingRecorder struct{ *recorder }

func (l lockingRecorder) Begin(context.Context) (transition.Tx[*recorder], error) {
	l.note("begin")
	return l, nil
}
func (lockingRecorder) Locks() bool { return true }

// retryingRecorder is a recorder that retries one conflict.
type retryingRecorder struct{ *recorder }

func (r retryingRecorder) Retry(_ context.Context, attempt int, _ error) bool {
	r.note("retry after %d", attempt)
	return attempt == 1
}

// brokenDocs is the Docs' Table with a Load that fails with err.
type brokenDocs struct {
	docTable
	err error
}

func (b brokenDocs) Load(ctx context.Context, tx transition.Tx[*recorder], ds []*Doc, lock bool) ([]*Doc, error) {
	tx.Unit().note("load failed lock=%t", lock)
	return nil, b.err
}

func TestLockRootComparesTheState(t *testing.T) {
	// No Version: the stored row's state is compared.
	docs := transition.For[User, *recorder](DocStatus).Identify(func(d *Doc) any { return d.ID }).Table(docTable{})
	publish := transition.New[transition.NoInput](docs, "publish", transition.From(DocDraft).To(DocLive)).AllowAnyone()
	ctx := context.Background()

	r := newRecorder(Doc{ID: 1, Status: DocGone})
	d := &Doc{ID: 1, Status: DocDraft}
	err := publish.Fire(ctx, lockingRecorder{r}, Alice, d, transition.NoInput{})
	var ce *transition.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, transition.ConflictError{Object: "transition_test.Doc 1", Expected: "status Draft", Found: "status Gone"}, *ce)
	assert.Equal(t, []string{"begin", "load doc 1 lock=true", "rollback"}, r.log)
	assert.Equal(t, DocDraft, d.Status)

	r = newRecorder(Doc{ID: 1, Status: DocDraft})
	err = publish.Fire(ctx, lockingRecorder{r}, Alice, d, transition.NoInput{})
	require.NoError(t, err, "the same state: no conflict")
	assert.Equal(t, DocLive, d.Status)
	assert.Equal(t, DocLive, r.stored[1].Status)

	r = newRecorder()
	d = &Doc{ID: 1, Status: DocDraft}
	err = publish.Fire(ctx, lockingRecorder{r}, Alice, d, transition.NoInput{})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, transition.ConflictError{Object: "transition_test.Doc 1", Expected: "a stored row", Found: "none"}, *ce)
	assert.Equal(t, []string{"begin", "load doc 1 lock=true", "rollback"}, r.log)
}

func TestLoadRootFailureIsNamed(t *testing.T) {
	boom := errors.New("disk on fire")
	docs := transition.For[User, *recorder](DocStatus).Identify(func(d *Doc) any { return d.ID }).
		Version(func(d *Doc) *int64 { return &d.Version }).Table(brokenDocs{err: boom})
	publish := transition.New[transition.NoInput](docs, "publish", transition.From(DocDraft).To(DocLive)).AllowAnyone()
	ctx := context.Background()

	r := newRecorder(Doc{ID: 1, Status: DocDraft})
	err := publish.Fire(ctx, lockingRecorder{r}, Alice, &Doc{ID: 1, Status: DocDraft}, transition.NoInput{})
	require.ErrorIs(t, err, boom)
	assert.EqualError(t, err, `transition: transition_test.Doc.status "publish": locking transition_test.Doc 1: disk on fire`)
	assert.Equal(t, []string{"begin", "load failed lock=true", "rollback"}, r.log)

	// A conflict on save is retried after reloading the row, which fails.
	r = newRecorder(Doc{ID: 1, Version: 2, Status: DocDraft})
	d := &Doc{ID: 1, Version: 1, Status: DocDraft}
	err = publish.Fire(ctx, retryingRecorder{r}, Alice, d, transition.NoInput{})
	require.ErrorIs(t, err, boom)
	assert.EqualError(t, err, `transition: transition_test.Doc.status "publish": reloading transition_test.Doc 1 to retry: disk on fire`)
	assert.Equal(t, DocDraft, d.Status)
	assert.Equal(t, int64(1), d.Version)
}

// lockingRetrier asks for locks, as lockingRecorder does, and retries one
// conflict, as retryingRecorder does.
type lockingRetrier struct{ lockingRecorder }

func (l lockingRetrier) Retry(ctx context.Context, attempt int, err error) bool {
	return retryingRecorder(l.lockingRecorder).Retry(ctx, attempt, err)
}

// A stale model loses the lock's comparison: Fire reloads it and fires
// again, in a Store that retries; FireConfirmed never retries, since the
// person confirmed what they saw, and leaves the model as it was.
func TestLockRootConflictIsRetried(t *testing.T) {
	docs := transition.For[User, *recorder](DocStatus).Identify(func(d *Doc) any { return d.ID }).
		Version(func(d *Doc) *int64 { return &d.Version }).Table(docTable{})
	publish := transition.New[transition.NoInput](docs, "publish", transition.From(DocDraft).To(DocLive)).AllowAnyone()
	ctx := context.Background()

	r := newRecorder(Doc{ID: 1, Version: 2, Status: DocDraft})
	d := &Doc{ID: 1, Version: 1, Status: DocDraft}
	require.NoError(t, publish.Fire(ctx, lockingRetrier{lockingRecorder{r}}, Alice, d, transition.NoInput{}))
	assert.Equal(t, Doc{ID: 1, Version: 3, Status: DocLive}, *d)
	assert.Equal(t, Doc{ID: 1, Version: 3, Status: DocLive}, r.stored[1])
	require.GreaterOrEqual(t, len(r.log), 7, "log: %q", r.log)
	assert.Equal(t, []string{
		"begin", "load doc 1 lock=true", "rollback", "retry after 1",
		"begin", "load doc 1 lock=false", "load doc 1 lock=true",
	}, r.log[:7], "the first attempt lost the lock's comparison, the second reloaded the model")

	// FireJSON retries it alike.
	r = newRecorder(Doc{ID: 1, Version: 2, Status: DocDraft})
	d = &Doc{ID: 1, Version: 1, Status: DocDraft}
	_, err := publish.FireJSON(ctx, lockingRetrier{lockingRecorder{r}}, Alice, d, []byte(`{}`))
	require.NoError(t, err)
	assert.Equal(t, Doc{ID: 1, Version: 3, Status: DocLive}, *d)
	require.GreaterOrEqual(t, len(r.log), 7, "log: %q", r.log)
	assert.Equal(t, []string{
		"begin", "load doc 1 lock=true", "rollback", "retry after 1",
		"begin", "load doc 1 lock=false", "load doc 1 lock=true",
	}, r.log[:7])

	r = newRecorder(Doc{ID: 1, Version: 2, Status: DocDraft})
	d = &Doc{ID: 1, Version: 1, Status: DocDraft}
	_, err = publish.FireConfirmed(ctx, lockingRetrier{lockingRecorder{r}}, Alice, d, transition.NoInput{}, "some digest")
	var ce *transition.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, transition.ConflictError{Object: "transition_test.Doc 1", Expected: "version 1", Found: "version 2"}, *ce)
	assert.Equal(t, []string{"begin", "load doc 1 lock=true", "rollback"}, r.log, "not retried")
	assert.Equal(t, Doc{ID: 1, Version: 1, Status: DocDraft}, *d)
}
