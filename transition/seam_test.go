package transition_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// The seam a database plugs into, as a Store sees it: batched loads and
// saves (parents first), locking, retries of conflicts, and after-commit
// hooks handed to an enclosing transaction.

// Folder is a model whose folders hold folders: deleting one deletes its
// children, at every depth.
type Folder struct {
	ID, Parent, Version int64
	Status              state.State[string]
}

var (
	FolderState   = state.NewType[string]("FolderState")
	FolderOpen    = FolderState.State("open", "Open")
	FolderDeleted = FolderState.State("deleted", "Deleted", state.Final())
	FolderStatus  = state.Bind(FolderState, "status", func(f *Folder) *state.State[string] { return &f.Status })
)

// shelf is a Store, its Tx and unit of work, and the Table of Folders: it
// records each Table call (its objects, in the order given), keeps the
// stored folders, and fails Save as conflicts says.
type shelf struct {
	log       []string
	stored    map[int64]Folder
	conflicts int // how many Saves lose to a concurrent writer before one wins
	retries   int // how many retries Retry allows
	deferred  []func(context.Context) error
	enclosed  bool
	committed int
}

func newShelf(folders ...Folder) *shelf {
	s := &shelf{stored: map[int64]Folder{}}
	for _, f := range folders {
		s.stored[f.ID] = f
	}
	return s
}

func (s *shelf) Begin(context.Context) (transition.Tx[*shelf], error) {
	s.log = append(s.log, "begin")
	if s.enclosed {
		return enclosedShelf{s}, nil
	}
	return s, nil
}
func (s *shelf) Unit() *shelf   { return s }
func (s *shelf) Now() time.Time { return Clock() }
func (s *shelf) Append(_ context.Context, st []transition.Step) error {
	s.log = append(s.log, fmt.Sprintf("history %d", len(st)))
	return nil
}
func (s *shelf) Commit(context.Context) error {
	s.committed++
	s.log = append(s.log, "commit")
	return nil
}
func (s *shelf) Rollback(context.Context) error { s.log = append(s.log, "rollback"); return nil }

func (s *shelf) retry(attempt int) bool {
	s.log = append(s.log, fmt.Sprintf("retry after %d", attempt))
	return attempt <= s.retries
}

// enclosedShelf is a shelf's Tx inside a transaction it does not end.
type enclosedShelf struct{ *shelf }

func (e enclosedShelf) Defer(fn func(context.Context) error) { e.deferred = append(e.deferred, fn) }

type folderTable struct{}

func ids(fs []*Folder) string {
	var b []string
	for _, f := range fs {
		b = append(b, fmt.Sprint(f.ID))
	}
	return strings.Join(b, ",")
}

func (folderTable) Load(_ context.Context, tx transition.Tx[*shelf], fs []*Folder, lock bool) ([]*Folder, error) {
	s := tx.Unit()
	s.log = append(s.log, fmt.Sprintf("load %s lock=%t", ids(fs), lock))
	out := make([]*Folder, len(fs))
	for i, f := range fs {
		if got, ok := s.stored[f.ID]; ok {
			out[i] = &got
		}
	}
	return out, nil
}

func (folderTable) Save(_ context.Context, tx transition.Tx[*shelf], ws []transition.Write[Folder]) error {
	s := tx.Unit()
	var fs []*Folder
	for _, w := range ws {
		fs = append(fs, w.Model)
		if w.Read.Version != w.Version || w.Model.Version != w.Version+1 {
			return fmt.Errorf("write of folder %d: read %+v, model %+v", w.Model.ID, *w.Read, *w.Model)
		}
	}
	s.log = append(s.log, "save "+ids(fs))
	if s.conflicts > 0 {
		s.conflicts--
		// Another writer moved the first folder on.
		f := s.stored[fs[0].ID]
		f.Version++
		s.stored[f.ID] = f
		return &transition.ConflictError{Object: fmt.Sprint("folder ", f.ID), Expected: fmt.Sprint("version ", ws[0].Version), Found: fmt.Sprint("version ", f.Version)}
	}
	for _, w := range ws {
		if s.stored[w.Model.ID].Version != w.Version {
			return &transition.ConflictError{Object: fmt.Sprint("folder ", w.Model.ID)}
		}
	}
	for _, f := range fs {
		s.stored[f.ID] = *f
	}
	return nil
}

var (
	Folders = transition.For[User, *shelf](FolderStatus).Identify(func(f *Folder) any { return f.ID }).
		Version(func(f *Folder) *int64 { return &f.Version }).Table(folderTable{})
	DeleteFolder = transition.New[transition.NoInput](Folders, "delete", transition.From(FolderOpen).To(FolderDeleted)).
			AllowAnyone().
			CascadeSelf("children", func(_ context.Context, s *shelf, f *Folder) ([]*Folder, error) {
			var kids []*Folder
			for _, k := range s.stored {
				if k.Parent == f.ID {
					kids = append(kids, &k)
				}
			}
			slices.SortFunc(kids, func(a, b *Folder) int { return int(b.ID - a.ID) }) // not by key: the order the plan meets them
			return kids, nil
		}).
		AfterCommit("notify", func(_ context.Context, e *transition.Event[Folder, string, User, transition.NoInput]) error {
			return nil
		})
)

var (
	ran         []string // the after-commit hooks of TouchFolder that ran
	TouchFolder = transition.New[transition.NoInput](Folders, "touch", transition.From(FolderOpen).Stay()).AllowAnyone().
			Effect("touch", func(_ context.Context, _ *shelf, e *transition.Event[Folder, string, User, transition.NoInput]) error {
			return nil
		}).
		AfterCommit("record", func(_ context.Context, e *transition.Event[Folder, string, User, transition.NoInput]) error {
			ran = append(ran, e.Name)
			return nil
		})
)

// folderTree is folder 1 with children 2 and 3; 3 has children 4 and 5.
func folderTree() []Folder {
	return []Folder{{ID: 1, Status: FolderOpen, Version: 1}, {ID: 2, Parent: 1, Status: FolderOpen}, {ID: 3, Parent: 1, Status: FolderOpen},
		{ID: 4, Parent: 3, Status: FolderOpen}, {ID: 5, Parent: 3, Status: FolderOpen}}
}

// A cascade loads and saves its objects a depth at a time, parents first:
// one Table call for each depth, not one per object.
func TestCascadeIsBatchedByDepth(t *testing.T) {
	s := newShelf(folderTree()...)
	root := s.stored[1]
	p, err := DeleteFolder.Plan(context.Background(), s, Alice, &root, transition.NoInput{})
	require.NoError(t, err)
	require.NoError(t, p.Apply(context.Background(), s, true))
	assert.Equal(t, []string{"load 1 lock=true", "load 3,2 lock=true", "load 5,4 lock=true",
		"save 1", "save 3,2", "save 5,4", "history 5"}, s.log)
	for id := int64(1); id <= 5; id++ {
		assert.Equal(t, FolderDeleted, s.stored[id].Status, "folder %d", id)
	}
	assert.Equal(t, int64(2), s.stored[1].Version)
	assert.Equal(t, int64(1), s.stored[4].Version)

	// Without locking, nothing is loaded: the saves compare and set.
	s = newShelf(folderTree()...)
	root = s.stored[1]
	err = DeleteFolder.Fire(context.Background(), s, Alice, &root, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, []string{"begin", "save 1", "save 3,2", "save 5,4", "history 5", "commit"}, s.log)
}

// A Store that is a Retrier has a lost conflict retried: reloaded,
// planned again on the stored row, applied.
func TestRetrierRetriesConflicts(t *testing.T) {
	s := newShelf(Folder{ID: 1, Status: FolderOpen, Version: 1})
	s.conflicts, s.retries = 2, 5
	f := &Folder{ID: 1, Status: FolderOpen, Version: 1}
	err := DeleteFolder.Fire(context.Background(), retrying{shelf: s}, Alice, f, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"begin", "save 1", "rollback", "retry after 1",
		"begin", "load 1 lock=false", "save 1", "rollback", "retry after 2",
		"begin", "load 1 lock=false", "save 1", "history 1", "commit",
	}, s.log)
	assert.Equal(t, Folder{ID: 1, Status: FolderDeleted, Version: 4}, *f, "the model holds the row as reloaded, moved on")
	assert.Equal(t, *f, s.stored[1])

	// A conflict the Retrier declines is returned, and the model is as reloaded.
	s = newShelf(Folder{ID: 1, Status: FolderOpen, Version: 1})
	s.conflicts, s.retries = 3, 1
	f = &Folder{ID: 1, Status: FolderOpen, Version: 1}
	err = DeleteFolder.Fire(context.Background(), retrying{shelf: s}, Alice, f, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrConflict)
	assert.Equal(t, 0, s.committed)
	assert.Equal(t, Folder{ID: 1, Status: FolderOpen, Version: 2}, *f)

	// A row gone when reloading is a conflict, not retried again.
	s = newShelf(Folder{ID: 1, Status: FolderOpen, Version: 1})
	s.conflicts, s.retries = 1, 5
	f = &Folder{ID: 1, Status: FolderOpen, Version: 1}
	gone := retrying{shelf: s}
	gone.onRetry = func() { delete(s.stored, 1) }
	err = DeleteFolder.Fire(context.Background(), gone, Alice, f, transition.NoInput{})
	var ce *transition.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "none", ce.Found)

	// A confirmed plan is never retried: the person confirmed what they saw.
	s = newShelf(Folder{ID: 1, Status: FolderOpen, Version: 1})
	s.retries = 5
	f = &Folder{ID: 1, Status: FolderOpen, Version: 1}
	_, err = DeleteFolder.FireConfirmed(context.Background(), retrying{shelf: s}, Alice, f, transition.NoInput{}, "not the digest")
	require.ErrorIs(t, err, transition.ErrConflict)
	assert.NotContains(t, strings.Join(s.log, " "), "retry")

	// A store that is no Retrier does not retry.
	s = newShelf(Folder{ID: 1, Status: FolderOpen, Version: 1})
	s.conflicts = 1
	err = DeleteFolder.Fire(context.Background(), s, Alice, &Folder{ID: 1, Status: FolderOpen, Version: 1}, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrConflict)
	assert.Equal(t, []string{"begin", "save 1", "rollback"}, s.log)
}

// FireJSON retries a lost conflict as Fire does, with a chain and with
// one step, and checks the reloaded row again before it fires.
func TestRetrierRetriesFireJSON(t *testing.T) {
	ctx := context.Background()
	body := []byte(`{}`)
	for _, c := range []struct {
		tr *transition.Transition[Folder, string, User, *shelf, transition.NoInput]
		to state.State[string]
	}{
		{DeleteFolder, FolderDeleted},
		{TouchFolder, FolderOpen},
	} {
		t.Run(c.tr.Name(), func(t *testing.T) {
			s := newShelf(Folder{ID: 1, Status: FolderOpen, Version: 1})
			s.conflicts, s.retries = 2, 5
			f := &Folder{ID: 1, Status: FolderOpen, Version: 1}
			p, err := c.tr.FireJSON(ctx, retrying{shelf: s}, Alice, f, body)
			require.NoError(t, err)
			require.Len(t, p.Steps, 1)
			assert.Equal(t, []string{
				"begin", "save 1", "rollback", "retry after 1",
				"begin", "load 1 lock=false", "save 1", "rollback", "retry after 2",
				"begin", "load 1 lock=false", "save 1", "history 1", "commit",
			}, s.log)
			assert.Equal(t, Folder{ID: 1, Status: c.to, Version: 4}, *f, "the model holds the row as reloaded, moved on")
			assert.Equal(t, *f, s.stored[1])

			// Another writer deleted the folder meanwhile: the reloaded
			// row is checked again, and refused.
			s = newShelf(Folder{ID: 1, Status: FolderOpen, Version: 1})
			s.conflicts, s.retries = 1, 5
			gone := retrying{shelf: s, onRetry: func() { s.stored[1] = Folder{ID: 1, Status: FolderDeleted, Version: 5} }}
			f = &Folder{ID: 1, Status: FolderOpen, Version: 1}
			_, err = c.tr.FireJSON(ctx, gone, Alice, f, body)
			require.ErrorIs(t, err, transition.ErrWrongState)
			assert.Equal(t, []string{"begin", "save 1", "rollback", "retry after 1", "begin", "load 1 lock=false", "rollback"}, s.log)
			assert.Equal(t, Folder{ID: 1, Status: FolderDeleted, Version: 5}, *f, "the model holds the row as reloaded")
			assert.Equal(t, *f, s.stored[1], "nothing saved")
		})
	}
}

// checks counts the runs of ArchiveFolder's Allow function, which refuses
// Bob; decodes counts the decodings of its input.
var (
	checks, decodes int
	ArchiveFolder   = transition.New[ArchiveNote](Folders, "archive", transition.From(FolderOpen).To(FolderDeleted)).
			Allow("not_bob", func(_ context.Context, u User, _ *Folder) bool { checks++; return u != Bob })
)

// ArchiveNote is ArchiveFolder's input; its Reason counts its decodings.
type ArchiveNote struct {
	Reason countedText `json:"reason"`
}

// countedText is a string that counts, in decodes, each time it is decoded.
type countedText string

func (c *countedText) UnmarshalJSON(b []byte) error {
	decodes++
	var s string
	err := json.Unmarshal(b, &s)
	*c = countedText(s)
	return err
}

// FireJSON runs the transition's checks once per attempt: on the model
// asked of, then on the reloaded row of each retry. It decodes the
// payload once, whatever the retries, and not at all for an actor its
// checks refuse.
func TestFireJSONChecksOncePerAttempt(t *testing.T) {
	ctx := context.Background()
	body := []byte(`{"reason": "done"}`)
	decodes = 0
	_, err := ArchiveFolder.Decode(body)
	require.NoError(t, err)
	once := decodes // what one decoding of body costs: its checks, then encoding/json's
	require.NotZero(t, once)
	for _, conflicts := range []int{0, 1, 2} {
		s := newShelf(Folder{ID: 1, Status: FolderOpen, Version: 1})
		s.conflicts, s.retries = conflicts, 5
		checks, decodes = 0, 0
		p, err := ArchiveFolder.FireJSON(ctx, retrying{shelf: s}, Alice, &Folder{ID: 1, Status: FolderOpen, Version: 1}, body)
		require.NoError(t, err)
		assert.Equal(t, 1+conflicts, checks, "checks after %d conflicts", conflicts)
		assert.Equal(t, once, decodes, "decodings after %d conflicts", conflicts)
		assert.Equal(t, FolderDeleted, s.stored[1].Status)
		assert.Equal(t, &ArchiveNote{Reason: "done"}, p.Steps[0].Input)
	}

	// Bob is refused before the payload is decoded, even a malformed one.
	for _, payload := range []string{`{"reason": "done"}`, `{"reason": 7`} {
		s := newShelf(Folder{ID: 1, Status: FolderOpen, Version: 1})
		checks, decodes = 0, 0
		_, err := ArchiveFolder.FireJSON(ctx, retrying{shelf: s}, Bob, &Folder{ID: 1, Status: FolderOpen, Version: 1}, []byte(payload))
		require.ErrorIs(t, err, transition.ErrForbidden, payload)
		assert.Equal(t, 1, checks, payload)
		assert.Equal(t, 0, decodes, payload)
		assert.Equal(t, FolderOpen, s.stored[1].Status, "nothing saved")
	}
}

// retrying is a shelf that is a Retrier (a shelf itself is none).
type retrying struct {
	*shelf
	onRetry func()
}

func (r retrying) Begin(ctx context.Context) (transition.Tx[*shelf], error) {
	return r.shelf.Begin(ctx)
}
func (r retrying) Retry(ctx context.Context, attempt int, err error) bool {
	if r.onRetry != nil {
		r.onRetry()
	}
	return r.shelf.retry(attempt)
}

// A shelf is no Retrier: the test above relies on it.
var _ = func() bool { _, ok := any((*shelf)(nil)).(transition.Retrier); return !ok }()

// In an Enclosed Tx the after-commit hooks wait for the enclosing
// transaction: they are handed over, not run.
func TestEnclosedTxDefersAfterCommit(t *testing.T) {
	s := newShelf(Folder{ID: 1, Status: FolderOpen, Version: 1})
	s.enclosed = true
	ran = nil
	f := &Folder{ID: 1, Status: FolderOpen, Version: 1}
	err := TouchFolder.Fire(context.Background(), s, Alice, f, transition.NoInput{})
	require.NoError(t, err)
	assert.Empty(t, ran, "not run at the Tx's commit")
	require.Len(t, s.deferred, 1)
	require.NoError(t, s.deferred[0](context.Background()))
	assert.Equal(t, []string{"touch"}, ran)

	// A failure hands nothing over.
	s.deferred = nil
	err = TouchFolder.Fire(context.Background(), s, Alice, &Folder{ID: 1, Status: FolderOpen, Version: 0}, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrConflict)
	assert.Empty(t, s.deferred)
}

// A commit the store reports as a conflict (a serialization failure: it
// vouches nothing was committed) is a conflict, not an unknown outcome.
func TestCommitConflictIsAConflict(t *testing.T) {
	r := newRecorder(Doc{ID: 1, Version: 3, Status: DocDraft})
	r.verdict = func(step string) error {
		if step == "commit" {
			return &transition.ConflictError{Object: "doc 1", Err: errors.New("could not serialize access (SQLSTATE 40001)")}
		}
		return nil
	}
	d := &Doc{ID: 1, Version: 3, Status: DocDraft}
	err := hooked(r).Fire(context.Background(), r, Alice, d, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrConflict)
	assert.NotErrorIs(t, err, transition.ErrCommit)
	assert.Contains(t, err.Error(), "SQLSTATE 40001")
	assert.Equal(t, "rollback", r.log[len(r.log)-2], "rolled back")
	assert.Equal(t, int64(3), d.Version)
}

// locking is a shelf whose units of work ask for locking.
type locking struct{ *shelf }

func (l locking) Begin(context.Context) (transition.Tx[*shelf], error) {
	l.log = append(l.log, "begin")
	return l, nil
}
func (locking) Locks() bool { return true }

// Fire locks the objects of a plan before any step runs when its Tx is a
// Locker that asks for it.
func TestLockerTxLocksBeforeSteps(t *testing.T) {
	s := newShelf(folderTree()...)
	root := s.stored[1]
	err := DeleteFolder.Fire(context.Background(), locking{s}, Alice, &root, transition.NoInput{})
	require.NoError(t, err)
	assert.Equal(t, []string{"begin", "load 1 lock=true", "load 3,2 lock=true", "load 5,4 lock=true",
		"save 1", "save 3,2", "save 5,4", "history 5", "commit"}, s.log)
}

// claiming is a shelf whose units of work take an idempotency key: it
// replays what replay says, or refuses with err.
type claiming struct {
	*shelf
	replay []transition.Step
	err    error
	asked  *transition.Request
}

func (c claiming) Begin(context.Context) (transition.Tx[*shelf], error) {
	c.log = append(c.log, "begin")
	return c, nil
}

func (c claiming) Claim(_ context.Context, r transition.Request) ([]transition.Step, error) {
	*c.asked = r
	c.log = append(c.log, "claim")
	return c.replay, c.err
}

// A Claimer Tx is asked first; a repeated request applies nothing, and its
// event is the first one's, its model reloaded.
func TestClaimerReplays(t *testing.T) {
	s := newShelf(Folder{ID: 1, Status: FolderDeleted, Version: 2})
	var asked transition.Request
	first := transition.Step{Machine: "transition_test.Folder.status", Transition: "delete", At: Clock(),
		Moves: []transition.Move{{Field: "status", From: transition.StateRef{Value: "open", Title: "Open"}, To: transition.StateRef{Value: "deleted", Title: "Deleted"}}}}
	f := &Folder{ID: 1, Status: FolderOpen, Version: 1}
	ev, err := DeleteFolder.FireEvent(context.Background(), claiming{shelf: s, replay: []transition.Step{first}, asked: &asked}, Alice, f, transition.NoInput{})
	require.NoError(t, err)
	assert.True(t, ev.Replayed)
	assert.Equal(t, FolderOpen, ev.From)
	assert.Equal(t, FolderDeleted, ev.To)
	assert.Equal(t, Clock(), ev.At)
	assert.Equal(t, Folder{ID: 1, Status: FolderDeleted, Version: 2}, *f, "reloaded")
	assert.Equal(t, []string{"begin", "claim", "load 1 lock=false", "rollback"}, s.log, "nothing applied")
	assert.Equal(t, transition.Request{Machine: "transition_test.Folder.status", Transition: "delete", Object: int64(1), Actor: "alice"}, asked)

	// Refused: the error says which request, and nothing runs.
	s = newShelf(Folder{ID: 1, Status: FolderOpen, Version: 1})
	err = TouchFolder.Fire(context.Background(), claiming{shelf: s, err: transition.ErrIdempotency, asked: &asked}, Alice, &Folder{ID: 1, Status: FolderOpen, Version: 1}, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrIdempotency)
	assert.Contains(t, err.Error(), `"touch" of transition_test.Folder 1 by alice`)
	assert.Equal(t, []string{"begin", "claim", "rollback"}, s.log)

	// A new key: the transition runs as usual.
	s = newShelf(Folder{ID: 1, Status: FolderOpen, Version: 1})
	ev, err = TouchFolder.FireEvent(context.Background(), claiming{shelf: s, asked: &asked}, Alice, &Folder{ID: 1, Status: FolderOpen, Version: 1}, transition.NoInput{})
	require.NoError(t, err)
	assert.False(t, ev.Replayed)
	assert.Equal(t, []string{"begin", "claim", "save 1", "history 1", "commit"}, s.log)
}

// A replayed event finds its states by value in whatever form the history
// holds them: a JSON number read back as float64, the value's text, or a
// value of no state (the zero State).
func TestClaimerReplaysStatesInEveryStoredForm(t *testing.T) {
	doors := transition.For[User, *shelf](DoorStatus)
	open := transition.New[transition.NoInput](doors, "replay-open", transition.From(Closed).To(Opened))
	ref := func(v any) transition.StateRef { return transition.StateRef{Value: v} }
	cases := []struct {
		name     string
		from, to transition.StateRef
		want     [2]state.State[int]
	}{
		{"numbers", ref(float64(1)), ref(float64(2)), [2]state.State[int]{Closed, Opened}},
		{"texts", ref("1"), ref("3"), [2]state.State[int]{Closed, Locked}},
		{"unknown text", ref("ajar"), ref("9"), [2]state.State[int]{}},
		{"neither", ref(true), ref(nil), [2]state.State[int]{}},
		{"unmarshalable", ref(func() {}), ref(float64(9)), [2]state.State[int]{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			also := transition.Move{Field: "other", From: ref("a"), To: ref("b")}
			first := transition.Step{Transition: "replay-open", At: Clock(), Moves: []transition.Move{{Field: "status", From: c.from, To: c.to}, also}}
			var asked transition.Request
			d := &Door{Status: Closed}
			ev, err := open.FireEvent(context.Background(), claiming{shelf: newShelf(), replay: []transition.Step{first}, asked: &asked}, Alice, d, transition.NoInput{})
			require.NoError(t, err)
			assert.True(t, ev.Replayed)
			assert.Equal(t, c.want, [2]state.State[int]{ev.From, ev.To})
			assert.Equal(t, []transition.Move{also}, ev.Also)
			assert.Equal(t, Closed, d.Status, "nothing applied")
		})
	}
}
