package transition_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/transition"
)

// batchFailingFolders is the Folders' Table whose Save fails for a batch
// of more than one folder.
type batchFailingFolders struct{ folderTable }

var errBatch = errors.New("batch too large")

func (b batchFailingFolders) Save(ctx context.Context, tx transition.Tx[*shelf], ws []transition.Write[Folder]) error {
	if len(ws) > 1 {
		return errBatch
	}
	return b.folderTable.Save(ctx, tx, ws)
}

// A batch that fails to save is named by its first object and how many
// more; one object by itself.
func TestFailedBatchSaveNamesItsObjects(t *testing.T) {
	folders := transition.For[User, *shelf](FolderStatus).Identify(func(f *Folder) any { return f.ID }).
		Version(func(f *Folder) *int64 { return &f.Version }).Table(batchFailingFolders{})
	del := transition.New[transition.NoInput](folders, "delete", transition.From(FolderOpen).To(FolderDeleted)).AllowAnyone().
		CascadeSelf("children", func(_ context.Context, s *shelf, f *Folder) ([]*Folder, error) {
			var kids []*Folder
			for _, k := range s.stored {
				if k.Parent == f.ID {
					kids = append(kids, &k)
				}
			}
			slices.SortFunc(kids, func(a, b *Folder) int { return int(b.ID - a.ID) })
			return kids, nil
		})
	s := newShelf(folderTree()...)
	root := s.stored[1]
	err := del.Fire(context.Background(), s, Alice, &root, transition.NoInput{})
	require.ErrorIs(t, err, errBatch)
	assert.NotErrorIs(t, err, transition.ErrCommit, "a failed save is no commit")
	assert.EqualError(t, err, "transition: saving transition_test.Folder 3 and 1 more: batch too large")
	assert.Equal(t, []string{"begin", "save 1", "rollback"}, s.log)
	assert.Equal(t, FolderOpen, root.Status, "the model is restored")
}
