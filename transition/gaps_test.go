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

// Declarations, messages and store failures that the other tests leave
// out: each asserts what the caller sees.

// Also and Field refuse moves that cannot be made.
func TestAlsoAndFieldDeclarationsAreChecked(t *testing.T) {
	docs := transition.For[User, *recorder](DocStatus)
	review := transition.Field(DocReview, transition.From(DocPending).To(DocOK))
	for _, c := range []struct {
		name, msg string
		moves     []transition.FieldMove[Doc]
	}{
		{"nil", "Also(nil)", []transition.FieldMove[Doc]{nil}},
		{"own", "Also moves the transition's own field status: give it a rule instead",
			[]transition.FieldMove[Doc]{transition.Field(DocStatus, transition.From(DocDraft).To(DocLive))}},
	} {
		t.Run(c.name, func(t *testing.T) {
			de := declPanic(t, func() {
				transition.New[transition.NoInput](docs, "also_"+c.name, transition.From(DocDraft).To(DocLive)).AllowAnyone().Also(c.moves...)
			})
			assert.Equal(t, c.msg, de.Msg)
		})
	}
	de := declPanic(t, func() {
		transition.New[transition.NoInput](docs, "also_again", transition.From(DocDraft).To(DocLive)).AllowAnyone().Also(review).Also(review)
	})
	assert.Equal(t, "Also moves review twice", de.Msg)
	de = declPanic(t, func() {
		transition.New[transition.NoInput](docs, "also_twice", transition.From(DocDraft).To(DocLive)).AllowAnyone().Also(review, review)
	})
	assert.Equal(t, "Also moves review twice", de.Msg, "in one call too")

	de = declPanic(t, func() { transition.Field[Doc, string](nil, transition.From(DocPending).To(DocOK)) })
	assert.Equal(t, "Field(nil, ...): a field move needs a state.Manager", de.Msg)
	de = declPanic(t, func() { transition.Field(DocReview, transition.From(DocPending).To(DocOK, DocPending)) })
	assert.Equal(t, "a field move needs a rule with exactly one target", de.Msg)
	de = declPanic(t, func() { transition.Field(DocReview, transition.From[string]().To(DocOK)) })
	assert.Equal(t, "a field move's rule has no source states", de.Msg)
	de = declPanic(t, func() { transition.Field(DocReview, transition.From(DocPending).To(DocLive)) })
	assert.ErrorIs(t, de, state.ErrForeignState)
	assert.Equal(t, "a field move's states must be of DocReview", de.Msg)
	assert.Equal(t, DocReview.String(), de.Machine)
}

// An event names every field it moves.
func TestEventStringNamesEveryMove(t *testing.T) {
	docs := transition.For[User, *recorder](DocStatus).Identify(func(d *Doc) any { return d.ID })
	publish := transition.New[transition.NoInput](docs, "publish", transition.From(DocDraft).To(DocLive)).AllowAnyone().
		Also(transition.Field(DocReview, transition.From(DocPending).To(DocOK)))
	ev, err := publish.FireEvent(context.Background(), newRecorder(), Alice, &Doc{ID: 7, Status: DocDraft, Review: DocPending}, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, "transition_test.Doc 7: publish Draft -> Live, review Pending -> OK", ev.String())
}

// A plan applied after another field it moves changed is a conflict that
// names the field and both states.
func TestStalePlanOfAnotherFieldConflicts(t *testing.T) {
	docs := transition.For[User, *recorder](DocStatus).Identify(func(d *Doc) any { return d.ID })
	publish := transition.New[transition.NoInput](docs, "publish", transition.From(DocDraft).To(DocLive)).AllowAnyone().
		Also(transition.Field(DocReview, transition.From(DocPending, DocOK).To(DocOK)))
	ctx := context.Background()
	d := &Doc{ID: 1, Status: DocDraft, Review: DocPending}
	p, err := publish.Plan(ctx, newRecorder(), Alice, d, transition.NoInput{})
	require.NoError(t, err)
	d.Review = DocOK
	err = p.Apply(ctx, newRecorder(), false)
	var ce *transition.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, transition.ConflictError{Object: "transition_test.Doc 1", Expected: "review Pending", Found: "review OK"}, *ce)
	assert.Equal(t, DocDraft, d.Status)
}

// A transition that declares no Allow refuses every actor, and says so.
func TestNoAllowRefusesEveryone(t *testing.T) {
	docs := transition.For[User, *recorder](DocStatus)
	seal := transition.New[transition.NoInput](docs, "seal", transition.From(DocDraft).To(DocGone))
	d := &Doc{ID: 1, Status: DocDraft}
	err := seal.Fire(context.Background(), newRecorder(), Root, d, transition.NoInput{})
	e := errorOf(t, err, transition.ErrBlocked)
	assert.Equal(t, []ReasonText{{Err: transition.ErrForbidden, Code: "forbidden.no_one", Message: "no actor may Seal (it declares no Allow)"}}, ReasonsOf(e.Reasons))
	assert.Equal(t, DocDraft, d.Status)
}

// A cascaded step whose input is invalid blocks the plan with a reason
// that names the step and the fields.
func TestCascadedInvalidInputIsAReason(t *testing.T) {
	docs := transition.For[User, *recorder](DocStatus).Identify(func(d *Doc) any { return d.ID })
	reviews := transition.For[User, *recorder](DocReview).Identify(func(d *Doc) any { return d.ID })
	type note struct {
		Text string `json:"text"`
	}
	approve := transition.New[note](reviews, "approve", transition.From(DocPending).To(DocOK)).AllowAnyone().
		Validate(func(_ context.Context, _ *recorder, _ *Doc, in note) error {
			return errors.Join(transition.FieldError{Field: "/text", Message: "must not be empty"},
				transition.FieldError{Field: "/by", Message: "is missing"})
		})
	publish := transition.New[transition.NoInput](docs, "publish", transition.From(DocDraft).To(DocLive)).AllowAnyone().
		Cascade(transition.Each("itself", func(_ context.Context, _ *recorder, d *Doc) ([]*Doc, error) { return []*Doc{d}, nil }, approve))
	d := &Doc{ID: 3, Status: DocDraft, Review: DocPending}
	err := publish.Fire(context.Background(), newRecorder(), Alice, d, transition.NoInput{})
	e := errorOf(t, err, transition.ErrBlocked)
	assert.Equal(t, []ReasonText{{Err: transition.ErrInvalidInput, Code: "invalid_input.approve", Object: "transition_test.Doc 3 (approve)",
		Message: "Approve has invalid input: /text: must not be empty; /by: is missing"}}, ReasonsOf(e.Reasons))
	assert.Equal(t, Doc{ID: 3, Status: DocDraft, Review: DocPending}, *d)
}

// A cascade's loader that returns a nil object fails the step that
// cascades, naming the loader.
func TestCascadeLoaderReturningNilFails(t *testing.T) {
	docs := transition.For[User, *recorder](DocStatus).Identify(func(d *Doc) any { return d.ID })
	reviews := transition.For[User, *recorder](DocReview).Identify(func(d *Doc) any { return d.ID })
	approve := transition.New[transition.NoInput](reviews, "approve", transition.From(DocPending).To(DocOK)).AllowAnyone()
	publish := transition.New[transition.NoInput](docs, "publish", transition.From(DocDraft).To(DocLive)).AllowAnyone().
		Cascade(transition.Each("reviews", func(context.Context, *recorder, *Doc) ([]*Doc, error) { return []*Doc{nil}, nil }, approve))
	d := &Doc{ID: 4, Status: DocDraft, Review: DocPending}
	err := publish.Fire(context.Background(), newRecorder(), Alice, d, transition.NoInput{})
	e := errorOf(t, err, transition.ErrStep)
	assert.Equal(t, "load reviews", e.Step)
	assert.EqualError(t, e.Err, "it returned a nil *transition_test.Doc")
	assert.Equal(t, "transition_test.Doc 4 (publish)", e.Object())
	assert.Equal(t, "alice", e.Actor())
	assert.Equal(t, DocDraft, d.Status)
}

// A Reason shows itself for test failures, with or without an error.
func TestReasonGoString(t *testing.T) {
	r := transition.Reason{Code: "custom", Err: transition.ErrForbidden, Object: "doc 1"}
	assert.Equal(t, `transition.Reason{Code: "custom", Err: "actor not allowed", Object: "doc 1", Message: ""}`, r.GoString())
	r.Err = nil
	assert.Equal(t, `transition.Reason{Code: "custom", Err: "", Object: "doc 1", Message: ""}`, r.GoString())
}

// An Identify that panics on the model an effect left is named for what
// it is when the save fails, rather than crashing the message.
func TestSaveErrorNamesAPanickingIdentify(t *testing.T) {
	docs := transition.For[User, *recorder](DocStatus).Identify(func(d *Doc) any {
		if d.Body == "published" {
			panic("no identity after publishing")
		}
		return d.ID
	}).Version(func(d *Doc) *int64 { return &d.Version }).Table(docTable{})
	publish := transition.New[transition.NoInput](docs, "publish", transition.From(DocDraft).To(DocLive)).AllowAnyone().
		Effect("publish", func(_ context.Context, _ *recorder, e *transition.Event[Doc, string, User, transition.NoInput]) error {
			e.Model.Body = "published"
			return nil
		})
	r := newRecorder(Doc{ID: 1, Version: 1, Status: DocDraft})
	r.fail = "save"
	d := &Doc{ID: 1, Version: 1, Status: DocDraft}
	err := publish.Fire(context.Background(), r, Alice, d, transition.NoInput{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "transition: saving transition_test.Doc (its Identify panicked): save failed")
	assert.Equal(t, Doc{ID: 1, Version: 1, Status: DocDraft}, *d, "the model is restored")
}
