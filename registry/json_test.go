package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/registry"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/schema"
)

// The JSON an HTTP API returns, pinned by golden files: a document that is
// archived with its attachments, in a folder that must be open, by an
// editor, once signed.

type Binder struct {
	ID     int64
	Status state.State[string]
}

type Paper struct {
	ID       int64
	BinderID int64
	Editor   string
	Signed   bool
	Status   state.State[string]
}

type Attachment struct {
	ID     int64
	DocID  int64
	Status state.State[string]
}

// ArchiveInput is what archiving asks for; an attachment's own archiving
// needs a reason, which a cascade cannot give.
type ArchiveInput struct {
	Reason string `json:"reason" jsonschema:"minLength=3,maxLength=40"`
	Until  string `json:"until,omitempty" jsonschema:"pattern=^[0-9]{4}-[0-9]{2}-[0-9]{2}$"`
	Copies int    `json:"copies,omitempty" jsonschema:"minimum=0,maximum=5"`
}

// Validate needs a reason.
func (in ArchiveInput) Validate() error {
	if in.Reason == "" {
		return transition.FieldError{Field: "/reason", Code: "required", Message: "is required"}
	}
	return nil
}

type docWorld struct {
	binders     map[int64]*Binder
	attachments map[int64][]*Attachment
}

var (
	BinderState = state.NewType[string]("BinderState")
	BinderOpen  = BinderState.State("open", "Open")
	BinderShut  = BinderState.State("shut", "Shut", state.Final())

	DocState     = state.NewType[string]("DocState")
	DocDraft     = DocState.State("draft", "Draft")
	DocPublished = DocState.State("published", "Published")
	DocArchived  = DocState.State("archived", "Archived", state.Final())

	BinderStatus = state.Bind(BinderState, "status", func(f *Binder) *state.State[string] { return &f.Status })
	DocStatus    = state.Bind(DocState, "status", func(d *Paper) *state.State[string] { return &d.Status })
	AttState     = state.NewType[string]("AttachmentState")
	AttKept      = AttState.State("kept", "Kept")
	AttArchived  = AttState.State("archived", "Archived", state.Final())
	AttStatus    = state.Bind(AttState, "status", func(a *Attachment) *state.State[string] { return &a.Status })

	DocSigned = DocStatus.Conditional("signed", "Signed", DocState.Any(),
		func(d *Paper, _ time.Time) bool { return d.Signed })

	Papers      = transition.For[User, *docWorld](DocStatus).Identify(func(d *Paper) any { return d.ID })
	Attachments = transition.For[User, *docWorld](AttStatus).Identify(func(a *Attachment) any { return a.ID })
	Binders     = transition.For[User, *docWorld](BinderStatus).Identify(func(f *Binder) any { return f.ID })

	PublishDoc = transition.New[transition.NoInput](Papers, "publish", transition.From(DocDraft).To(DocPublished)).
			Allow("editor", isEditor)
	ArchiveDoc = transition.New[ArchiveInput](Papers, "archive", transition.From(DocPublished).To(DocArchived)).
			Titled("Archive for good").
			Allow("editor", isEditor).
			When(DocSigned).
			WhenRelated(transition.Related("binder", func(_ context.Context, w *docWorld, d *Paper) (*Binder, error) {
			return w.binders[d.BinderID], nil
		}, BinderStatus.In(BinderOpen))).
		Cascade(transition.Each("attachments", func(_ context.Context, w *docWorld, d *Paper) ([]*Attachment, error) {
			return w.attachments[d.ID], nil
		}, ArchiveAttachment))
	ArchiveAttachment = transition.New[ArchiveInput](Attachments, "archive", transition.From(AttKept).To(AttArchived)).
				AllowAnyone()
	ShutFolder = transition.New[transition.NoInput](Binders, "shut", transition.From(BinderOpen).To(BinderShut)).AllowAnyone()
)

func isEditor(_ context.Context, u User, d *Paper) bool { return u.Name == d.Editor }

func docRegistry(t *testing.T) *registry.Registry[User, *docWorld] {
	t.Helper()
	reg, err := registry.New[User, *docWorld](&registry.Options{Schemas: schema.Compile}, Papers, Attachments, Binders)
	require.NoError(t, err)
	return reg
}

func indented(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	return string(b) + "\n"
}

func TestJSONGolden(t *testing.T) {
	reg := docRegistry(t)
	ctx := context.Background()
	newWorld := func() (*docWorld, transition.Store[*docWorld]) {
		w := &docWorld{
			binders:     map[int64]*Binder{1: {ID: 1, Status: BinderOpen}, 2: {ID: 2, Status: BinderShut}},
			attachments: map[int64][]*Attachment{7: {{ID: 70, DocID: 7, Status: AttKept}}},
		}
		return w, transition.Memory(w, Clock)
	}

	t.Run("availability", func(t *testing.T) {
		w, mem := newWorld()
		w.attachments[7] = nil
		d := &Paper{ID: 7, BinderID: 1, Editor: "alice", Signed: true, Status: DocPublished}
		avs, err := reg.Available(ctx, mem.(transition.Scope[*docWorld]), Alice, d)
		require.NoError(t, err)
		golden(t, "availability.json.golden", indented(t, avs))
	})

	t.Run("a refusal with every kind of reason", func(t *testing.T) {
		w, mem := newWorld()
		// In the wrong state, by someone who is not the editor, unsigned,
		// in a shut folder, with an attachment that needs a reason.
		d := &Paper{ID: 7, BinderID: 2, Editor: "alice", Status: DocDraft}
		err := ArchiveDoc.Check(ctx, mem.(transition.Scope[*docWorld]), Bob, d)
		var e *transition.Error
		require.True(t, errors.As(err, &e), "%v", err)
		var codes []string
		for _, r := range e.Reasons {
			codes = append(codes, r.Code)
		}
		require.Equal(t, []string{"wrong_state.status", "forbidden.editor", "unmet.signed", "related.binder", "invalid_input.archive"}, codes)
		require.True(t, e.Reasons[0].Of(DocStatus))
		require.True(t, e.Reasons[1].Of("editor"))
		require.True(t, e.Reasons[2].Of(DocSigned))
		require.True(t, e.Reasons[4].Of(ArchiveAttachment))
		golden(t, "refusal.json.golden", indented(t, e))
		_ = w
	})

	t.Run("an input error", func(t *testing.T) {
		_, mem := newWorld()
		d := &Paper{ID: 7, BinderID: 1, Editor: "alice", Signed: true, Status: DocPublished}
		// The decoder's problems first: an unknown field and a wrong type.
		_, err := reg.Fire(ctx, mem, Alice, d, "archive", []byte(`{"reason": 5, "colour": "red"}`))
		var e *transition.Error
		require.True(t, errors.As(err, &e), "%v", err)
		golden(t, "input_error.json.golden", indented(t, e))
		// Then the schema's rules, once the payload decodes.
		_, err = reg.Fire(ctx, mem, Alice, d, "archive", []byte(`{"reason": "no", "until": "soon", "copies": 9}`))
		require.True(t, errors.As(err, &e), "%v", err)
		golden(t, "input_error_schema.json.golden", indented(t, e))
		require.Equal(t, DocPublished, d.Status, "nothing changed")
	})

	t.Run("a plan", func(t *testing.T) {
		w, mem := newWorld()
		w.attachments[7] = nil
		d := &Paper{ID: 7, BinderID: 1, Editor: "alice", Signed: true, Status: DocPublished}
		plan, err := reg.Fire(ctx, mem, Alice, d, "archive", []byte(`{"reason": "superseded", "copies": 1}`))
		require.NoError(t, err)
		golden(t, "plan.json.golden", indented(t, plan))
		require.Equal(t, DocArchived, d.Status)
	})
}
