package transition_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// Regressions for what a critical review of the plan/apply seam found.

var DocGoneReview = DocReviews.State("archived", "Archived", state.Final())

func docMachines(withIdent, withTable bool) (*transition.Machine[Doc, string, User, *recorder], *transition.Machine[Doc, string, User, *recorder]) {
	ident := func(d *Doc) any { return d.ID }
	version := func(d *Doc) *int64 { return &d.Version }
	docs := transition.For[User, *recorder](DocStatus).Identify(ident).Version(version).Table(docTable{})
	reviews := transition.For[User, *recorder](DocReview)
	if withIdent {
		reviews.Identify(ident).Version(version)
	}
	if withTable {
		reviews.Table(docTable{})
	}
	return docs, reviews
}

// A loader's fresh copy of an object the plan already holds is the same
// object: the step runs on the plan's model, which is saved with both
// fields, whatever the other machine declares.
func TestFreshCopyIsTheSameObject(t *testing.T) {
	for _, c := range []struct {
		name             string
		ident, withTable bool
	}{{"alike", true, true}, {"no Identify on the second machine", false, true}, {"no Table on the second machine", true, false}} {
		t.Run(c.name, func(t *testing.T) {
			docs, reviews := docMachines(c.ident, c.withTable)
			archive := transition.New[transition.NoInput](reviews, "archive", transition.From(DocPending).To(DocGoneReview)).AllowAnyone()
			var copies []*Doc
			publish := transition.New[transition.NoInput](docs, "publish", transition.From(DocDraft).To(DocLive)).AllowAnyone().
				Cascade(transition.Each("itself", func(_ context.Context, r *recorder, d *Doc) ([]*Doc, error) {
					if !c.ident {
						return []*Doc{d}, nil // without an identity, only the pointer tells
					}
					fresh := r.stored[d.ID]
					copies = append(copies, &fresh)
					return []*Doc{&fresh}, nil
				}, archive))
			stored := Doc{ID: 1, Version: 3, Status: DocDraft, Review: DocPending}
			r := newRecorder(stored)
			d := stored
			err := publish.Fire(context.Background(), r, Alice, &d, transition.NoInput{})
			require.NoError(t, err)
			assert.Equal(t, Doc{ID: 1, Version: 4, Status: DocLive, Review: DocGoneReview}, d)
			assert.Equal(t, d, r.stored[1], "saved once, both fields")
			assert.Equal(t, []string{"begin", "save doc 1 version 3->4 status draft->live review pending->archived", "save", "history 2", "commit"}, r.log)
			for _, cp := range copies {
				assert.Equal(t, stored, *cp, "the loader's copy is left alone")
			}
		})
	}
}

// A plan applied after its object changed is a conflict, in memory too.
func TestStalePlanInMemoryConflicts(t *testing.T) {
	docs := transition.For[User, *recorder](DocStatus)
	publish := transition.New[transition.NoInput](docs, "publish", transition.From(DocDraft).To(DocLive)).AllowAnyone()
	remove := transition.New[transition.NoInput](docs, "remove", transition.From(DocDraft).To(DocGone)).AllowAnyone()
	r := newRecorder()
	d := &Doc{ID: 1, Status: DocDraft}
	plan, err := publish.Plan(context.Background(), r, Alice, d, transition.NoInput{})
	require.NoError(t, err)
	err = remove.Fire(context.Background(), r, Alice, d, transition.NoInput{})
	require.NoError(t, err)
	err = plan.Apply(context.Background(), r, false)
	require.ErrorIs(t, err, transition.ErrConflict)
	assert.Equal(t, DocGone, d.Status, "a final state is not left by a stale plan")
}

// Plan.Apply runs the failure hooks, reports an abort, and leaves the
// after-commit hooks to the caller who commits.
func TestPlanApplyHooks(t *testing.T) {
	var seen []string
	docs := transition.For[User, *recorder](DocStatus)
	type ev = transition.Event[Doc, string, User, transition.NoInput]
	publish := transition.New[transition.NoInput](docs, "publish", transition.From(DocDraft).To(DocLive)).AllowAnyone().
		Effect("maybe", func(_ context.Context, r *recorder, _ *ev) error { return r.at("effect") }).
		AfterCommit("mail", func(context.Context, *ev) error { seen = append(seen, "mail"); return nil }).
		OnFailure("alert", func(_ context.Context, _ *ev, err error) { seen = append(seen, "alert: "+err.Error()) })
	ctx := context.Background()
	apply := func(r *recorder) (*transition.Plan[*recorder], error) {
		p, err := publish.Plan(ctx, r, Alice, &Doc{ID: 1, Status: DocDraft}, transition.NoInput{})
		require.NoError(t, err)
		return p, p.Apply(ctx, r, false)
	}

	p, err := apply(newRecorder())
	require.NoError(t, err)
	assert.Empty(t, seen, "nothing after commit until the caller commits")
	require.NoError(t, p.AfterCommit(ctx))
	assert.Equal(t, []string{"mail"}, seen)

	seen = nil
	r := newRecorder()
	r.fail = "effect"
	_, err = apply(r)
	require.ErrorIs(t, err, transition.ErrStep)
	require.Len(t, seen, 1)
	assert.Contains(t, seen[0], "alert: ")

	seen = nil
	r = newRecorder()
	r.verdict = func(step string) error {
		if step == "effect" {
			return transition.Abort(42)
		}
		return nil
	}
	p, err = apply(r)
	require.NoError(t, err, "an abort is no error")
	aborted, result := p.Aborted()
	assert.True(t, aborted)
	assert.Equal(t, 42, result)
	require.NoError(t, p.AfterCommit(ctx))
	assert.Empty(t, seen, "no hook after an abort")
}

// A hook's Cancel error may be a shared value: it is never changed.
var errHold = transition.Cancel("legal hold")

func TestSharedCancelIsNotChanged(t *testing.T) {
	docs := transition.For[User, *recorder](DocStatus).Identify(func(d *Doc) any { return d.ID })
	publish := transition.New[transition.NoInput](docs, "publish", transition.From(DocDraft).To(DocLive)).AllowAnyone().
		Before("hold", func(context.Context, *recorder, *transition.Event[Doc, string, User, transition.NoInput]) error {
			return errHold
		})
	err1 := publish.Fire(context.Background(), newRecorder(), Alice, &Doc{ID: 1, Status: DocDraft}, transition.NoInput{})
	err2 := publish.Fire(context.Background(), newRecorder(), Alice, &Doc{ID: 2, Status: DocDraft}, transition.NoInput{})
	assert.Equal(t, `transition: transition_test.Doc.status "publish" of transition_test.Doc 1 by alice: canceled by "hold": legal hold`, err1.Error())
	assert.Equal(t, `transition: transition_test.Doc.status "publish" of transition_test.Doc 2 by alice: canceled by "hold": legal hold`, err2.Error())
	assert.Equal(t, "legal hold", errHold.Error())
}

// A confirmation without a digest confirms nothing.
func TestFireConfirmedNeedsADigest(t *testing.T) {
	d := &Doc{ID: 1, Status: DocDraft}
	_, err := hooked(newRecorder()).FireConfirmed(context.Background(), newRecorder(), Alice, d, transition.NoInput{}, "")
	require.ErrorIs(t, err, transition.ErrConflict)
	assert.Equal(t, DocDraft, d.Status)
}

// A Store whose Begin returns no unit of work is an error, not a crash.
type noTx struct{}

func (noTx) Begin(context.Context) (transition.Tx[*recorder], error) { return nil, nil }

func TestNilTxIsAnError(t *testing.T) {
	err := hooked(newRecorder()).Fire(context.Background(), noTx{}, Alice, &Doc{ID: 1, Status: DocDraft}, transition.NoInput{})
	require.ErrorContains(t, err, "Begin returned no unit of work")
}

// Effects that rewrite the event's From or Also change neither the
// history nor what is saved: those say what the plan did.
func TestEffectsCannotRewriteTheRecord(t *testing.T) {
	docs, _ := docMachines(true, true)
	publish := transition.New[transition.NoInput](docs, "publish", transition.From(DocDraft).To(DocLive)).AllowAnyone().
		Also(transition.Field(DocReview, transition.From(DocPending).To(DocOK))).
		Effect("rewrite", func(_ context.Context, _ *recorder, e *transition.Event[Doc, string, User, transition.NoInput]) error {
			e.From, e.Also = DocGone, nil
			return nil
		})
	r := newRecorder(Doc{ID: 1, Version: 3, Status: DocDraft, Review: DocPending})
	d := r.stored[1]
	err := publish.Fire(context.Background(), r, Alice, &d, transition.NoInput{})
	require.NoError(t, err)
	require.Len(t, r.steps, 1)
	require.Len(t, r.steps[0].Moves, 2)
	assert.Equal(t, "Draft", r.steps[0].Moves[0].From.Title)
	assert.Equal(t, "review", r.steps[0].Moves[1].Field)
	assert.Equal(t, "Pending", r.steps[0].Moves[1].From.Title)
	assert.Contains(t, r.log, "save doc 1 version 3->4 status draft->live review pending->ok")
}

// A plan may not move one field of one object twice.
func TestOneFieldMovedTwiceIsRefused(t *testing.T) {
	docs, reviews := docMachines(true, true)
	archive := transition.New[transition.NoInput](reviews, "archive", transition.From(DocOK).To(DocGoneReview)).AllowAnyone()
	publish := transition.New[transition.NoInput](docs, "publish", transition.From(DocDraft).To(DocLive)).AllowAnyone().
		Also(transition.Field(DocReview, transition.From(DocPending).To(DocOK))).
		Cascade(transition.Each("itself", func(_ context.Context, _ *recorder, d *Doc) ([]*Doc, error) { return []*Doc{d}, nil }, archive))
	r := newRecorder(Doc{ID: 1, Version: 3, Status: DocDraft, Review: DocPending})
	d := r.stored[1]
	err := publish.Fire(context.Background(), r, Alice, &d, transition.NoInput{})
	// archive sees the review as Pending when planned: it is refused as a
	// wrong state, not planned to move it a second time.
	require.Error(t, err)
	assert.Equal(t, DocDraft, d.Status)

	d.Review = DocOK
	r = newRecorder(d)
	docs2, reviews2 := docMachines(true, true)
	archive2 := transition.New[transition.NoInput](reviews2, "archive", transition.From(DocOK).To(DocGoneReview)).AllowAnyone()
	publish2 := transition.New[transition.NoInput](docs2, "publish2", transition.From(DocDraft).To(DocLive)).AllowAnyone().
		Also(transition.Field(DocReview, transition.From(DocOK).To(DocPending))).
		Cascade(transition.Each("itself", func(_ context.Context, _ *recorder, d *Doc) ([]*Doc, error) { return []*Doc{d}, nil }, archive2))
	err = publish2.Fire(context.Background(), r, Alice, &d, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrDefinition)
	assert.Contains(t, err.Error(), "both move its review in one plan")
	assert.Equal(t, []string{"begin", "rollback"}, r.log)
}

// A type's own UnmarshalJSON that panics is a step error, and FireJSON
// ends its unit of work.
type fragile struct{}

func (*fragile) UnmarshalJSON([]byte) error { panic("decoder bug") }

func TestDecodePanicIsContained(t *testing.T) {
	docs := transition.For[User, *recorder](DocStatus)
	type in struct {
		F fragile `json:"f"`
	}
	pay := transition.New[in](docs, "pay", transition.From(DocDraft).Stay()).AllowAnyone()
	r := newRecorder()
	_, err := pay.FireJSON(context.Background(), r, Alice, &Doc{Status: DocDraft}, []byte(`{"f": 1}`))
	se := errorOf(t, err, transition.ErrStep)
	assert.Equal(t, "decode", se.Step)
	assert.Equal(t, "decoder bug", panicOfError(se))
	assert.Equal(t, []string{"begin", "rollback"}, r.log)
}

// A creation transition whose Table cannot insert fails before any hook.
type saveOnly struct{}

func (saveOnly) Load(context.Context, transition.Tx[*recorder], []*Doc, bool) ([]*Doc, error) {
	return nil, nil
}
func (saveOnly) Save(context.Context, transition.Tx[*recorder], []transition.Write[Doc]) error {
	return nil
}

func TestCreationNeedsAnInserter(t *testing.T) {
	docs := transition.For[User, *recorder](DocStatus).Table(saveOnly{})
	ran := false
	create := transition.New[transition.NoInput](docs, "create", transition.Create(DocDraft)).AllowAnyone().
		Before("mark", func(context.Context, *recorder, *transition.Event[Doc, string, User, transition.NoInput]) error {
			ran = true
			return nil
		})
	err := create.Fire(context.Background(), newRecorder(), Alice, &Doc{}, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrDefinition)
	assert.False(t, ran)
	assert.True(t, errors.Is(err, transition.ErrDefinition))
}

// The digest covers the input: a confirmation of one input does not apply
// another.
func TestDigestCoversTheInput(t *testing.T) {
	docs := transition.For[User, *recorder](DocStatus)
	type note struct {
		Text string `json:"text"`
	}
	publish := transition.New[note](docs, "publish", transition.From(DocDraft).To(DocLive)).AllowAnyone().
		Effect("keep", func(_ context.Context, _ *recorder, e *transition.Event[Doc, string, User, note]) error {
			e.Model.Body = e.Input.Text
			return nil
		})
	ctx := context.Background()
	d := &Doc{ID: 1, Status: DocDraft}
	a, err := publish.Plan(ctx, newRecorder(), Alice, d, note{"a"})
	require.NoError(t, err)
	b, err := publish.Plan(ctx, newRecorder(), Alice, d, note{"b"})
	require.NoError(t, err)
	assert.NotEqual(t, a.Digest(), b.Digest())
	_, err = publish.FireConfirmed(ctx, newRecorder(), Alice, d, note{"b"}, a.Digest())
	require.ErrorIs(t, err, transition.ErrConflict)
	_, err = publish.FireConfirmed(ctx, newRecorder(), Alice, d, note{"a"}, a.Digest())
	require.NoError(t, err)
	assert.Equal(t, "a", d.Body)

	// It covers the input as JSON, the form a confirmation comes back in:
	// a field JSON never carries does not change it.
	type cached struct {
		Text string `json:"text"`
		Hits int    `json:"-"`
	}
	edit := transition.New[cached](transition.For[User, *recorder](DocStatus), "edit", transition.From(DocDraft).Stay()).AllowAnyone()
	d = &Doc{ID: 2, Status: DocDraft}
	a, err = edit.Plan(ctx, newRecorder(), Alice, d, cached{Text: "a", Hits: 1})
	require.NoError(t, err)
	b, err = edit.Plan(ctx, newRecorder(), Alice, d, cached{Text: "a", Hits: 2})
	require.NoError(t, err)
	assert.Equal(t, a.Digest(), b.Digest())
}
