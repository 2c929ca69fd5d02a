package sqlstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/conformance"
	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// Keys and columns that are not integers: a text key, a binary key, a
// binary column that is NULL or empty.

type Label struct {
	Code string
	Name string
}

var labelRows = sqlstore.Map[*Repo]("labels", func(l *Label) []sqlstore.Column {
	return []sqlstore.Column{sqlstore.Key("code", &l.Code), sqlstore.Col("name", &l.Name)}
})

type Token struct {
	ID   []byte
	Note string
}

var tokenRows = sqlstore.Map[*Repo]("tokens", func(k *Token) []sqlstore.Column {
	return []sqlstore.Column{sqlstore.Key("id", &k.ID), sqlstore.Col("note", &k.Note)}
})

type Blob struct {
	ID      int64
	Version int64
	Data    []byte // nil for NULL
	Note    string
}

// Loose is a row with a binary column and no version: a save compares the
// columns it changes.
type Loose struct {
	ID   int64
	Data []byte // nil for NULL
	Note string
}

var looseRows = sqlstore.Map[*Repo]("loose", func(l *Loose) []sqlstore.Column {
	return []sqlstore.Column{sqlstore.Key("id", &l.ID), sqlstore.Col("data", &l.Data), sqlstore.Col("note", &l.Note)}
})

var blobRows = sqlstore.Map[*Repo]("blobs", func(b *Blob) []sqlstore.Column {
	return []sqlstore.Column{sqlstore.Key("id", &b.ID), sqlstore.Version("version", &b.Version), sqlstore.Col("data", &b.Data), sqlstore.Col("note", &b.Note)}
})

// blobEnv opens a Store on db with the tables labels and tokens, whose
// keys the database assigns when none is given, blobs and loose.
func blobEnv(t *testing.T, db *dbtest.DB) *env {
	t.Helper()
	e := setup(t, db, nil)
	e.exec(t, `CREATE TABLE labels (code TEXT PRIMARY KEY DEFAULT 'auto', name TEXT NOT NULL)`)
	if db.Name == "postgres" {
		e.exec(t, `CREATE TABLE tokens (id BYTEA PRIMARY KEY DEFAULT '\x00', note TEXT NOT NULL)`)
		e.exec(t, `CREATE TABLE blobs (id BIGINT PRIMARY KEY, version BIGINT NOT NULL, data BYTEA, note TEXT NOT NULL)`)
		e.exec(t, `CREATE TABLE loose (id BIGINT PRIMARY KEY, data BYTEA, note TEXT NOT NULL)`)
	} else {
		e.exec(t, `CREATE TABLE tokens (id BLOB PRIMARY KEY DEFAULT x'00', note TEXT NOT NULL)`)
		e.exec(t, `CREATE TABLE blobs (id INTEGER PRIMARY KEY, version INTEGER NOT NULL, data BLOB, note TEXT NOT NULL)`)
		e.exec(t, `CREATE TABLE loose (id INTEGER PRIMARY KEY, data BLOB, note TEXT NOT NULL)`)
	}
	return e
}

// A text or binary key given is stored; one left empty is the
// database's to assign.
func TestInsertTextAndBinaryKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := blobEnv(t, db)
		red, nameless := &Label{Code: "red", Name: "Red"}, &Label{Name: "Nameless"}
		k1, k0 := &Token{ID: []byte("k1"), Note: "given"}, &Token{ID: []byte{}, Note: "empty"}
		require.NoError(t, within(t, e.store, func(ctx context.Context, tx transition.Tx[*Repo]) error {
			for _, l := range []*Label{red, nameless} {
				if err := labelRows.Insert(ctx, tx, l); err != nil {
					return err
				}
			}
			for _, k := range []*Token{k1, k0} {
				if err := tokenRows.Insert(ctx, tx, k); err != nil {
					return err
				}
			}
			return nil
		}))
		assert.Equal(t, "red", red.Code)
		assert.Equal(t, "auto", nameless.Code)
		assert.Equal(t, []byte("k1"), k1.ID)
		assert.Equal(t, []byte{0}, k0.ID)

		labels, err := labelRows.Select(e.ctx, e.querier(), sqlexpr.Expr{}, sqlstore.NoLock)
		require.NoError(t, err)
		assert.Equal(t, []*Label{{"auto", "Nameless"}, {"red", "Red"}}, labels)
		tokens, err := tokenRows.Select(e.ctx, e.querier(), sqlexpr.Expr{}, sqlstore.NoLock)
		require.NoError(t, err)
		assert.Equal(t, []*Token{{ID: []byte{0}, Note: "empty"}, {ID: []byte("k1"), Note: "given"}}, tokens)
	})
}

// A binary key finds its row on both databases: Load reads it, Save
// writes one row or a batch by it, and a conflict re-reads the row that
// won. (SQLite never finds a BLOB equal to text: the key is bound as
// bytes.)
func TestBinaryKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := blobEnv(t, db)
		e.exec(t, `INSERT INTO tokens (id, note) VALUES (?, 'a'), (?, 'a'), (?, 'a')`, []byte("k1"), []byte("k2"), []byte{0xff, 0})
		k1, k2, k3 := []byte("k1"), []byte("k2"), []byte{0xff, 0}

		var loaded []*Token
		require.NoError(t, within(t, e.store, func(ctx context.Context, tx transition.Tx[*Repo]) error {
			var err error
			loaded, err = tokenRows.Load(ctx, tx, []*Token{{ID: k3}, {ID: []byte("none")}, {ID: k1}}, true)
			return err
		}))
		assert.Equal(t, []*Token{{ID: k3, Note: "a"}, nil, {ID: k1, Note: "a"}}, loaded)

		write := func(id []byte, was, now string) transition.Write[Token] {
			return transition.Write[Token]{Model: &Token{ID: id, Note: now}, Read: &Token{ID: id, Note: was}}
		}
		require.NoError(t, save(t, e.store, tokenRows, write(k3, "a", "one")))
		require.NoError(t, within(t, e.store, func(ctx context.Context, tx transition.Tx[*Repo]) error {
			return tokenRows.Save(ctx, tx, []transition.Write[Token]{write(k1, "a", "both"), write(k2, "a", "both")})
		}))
		tokens, err := tokenRows.Select(e.ctx, e.querier(), sqlexpr.Expr{}, sqlstore.NoLock)
		require.NoError(t, err)
		assert.ElementsMatch(t, []*Token{{ID: k1, Note: "both"}, {ID: k2, Note: "both"}, {ID: k3, Note: "one"}}, tokens)

		err = save(t, e.store, tokenRows, write(k1, "a", "late"))
		var ce *transition.ConflictError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, `note 'a'`, ce.Expected)
		assert.Equal(t, `note 'both'`, ce.Found, "the row that won is read back by its binary key")
	})
}

// An empty binary value is not NULL: a save that sets a NULL column to
// one writes it. An unchanged binary column is not written: another
// writer may have changed it.
func TestSaveBinaryColumns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := blobEnv(t, db)
		e.exec(t, `INSERT INTO blobs (id, version, data, note) VALUES (1, 0, NULL, 'a'), (2, 0, ?, 'a')`, []byte("x"))
		stored := func(id int64) (null bool, length int64, data []byte, note string) {
			t.Helper()
			require.NoError(t, e.QueryRowContext(e.ctx, e.rebind(`SELECT data IS NULL, COALESCE(length(data), -1), data, note FROM blobs WHERE id = ?`), id).
				Scan(&null, &length, &data, &note))
			return null, length, data, note
		}

		require.NoError(t, save(t, e.store, blobRows, transition.Write[Blob]{Model: &Blob{ID: 1, Version: 1, Data: []byte{}, Note: "a"}, Read: &Blob{ID: 1, Note: "a"}}))
		null, length, _, _ := stored(1)
		assert.False(t, null, "an empty value, not NULL")
		assert.Equal(t, int64(0), length)

		e.exec(t, `UPDATE blobs SET data = ? WHERE id = 2`, []byte("y"))
		require.NoError(t, save(t, e.store, blobRows, transition.Write[Blob]{Model: &Blob{ID: 2, Version: 1, Data: []byte("x"), Note: "b"}, Read: &Blob{ID: 2, Data: []byte("x"), Note: "a"}}))
		_, _, data, note := stored(2)
		assert.Equal(t, []byte("y"), data, "the other writer's value stays")
		assert.Equal(t, "b", note)
	})
}

// Without a version, a save compares the columns it changes: a binary
// column read as NULL (a nil []byte) is compared as NULL, and a conflict
// says so.
func TestSaveComparesANullBinaryColumn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := blobEnv(t, db)
		e.exec(t, `INSERT INTO loose (id, data, note) VALUES (1, NULL, 'a'), (2, NULL, 'a'), (3, NULL, 'a'), (4, NULL, 'a')`)
		e.exec(t, `UPDATE loose SET data = ? WHERE id = 4`, []byte("y")) // another writer

		write := func(id int64) transition.Write[Loose] {
			return transition.Write[Loose]{Model: &Loose{ID: id, Data: []byte("x"), Note: "a"}, Read: &Loose{ID: id, Note: "a"}}
		}
		require.NoError(t, save(t, e.store, looseRows, write(1)), "one row")
		require.NoError(t, within(t, e.store, func(ctx context.Context, tx transition.Tx[*Repo]) error {
			return looseRows.Save(ctx, tx, []transition.Write[Loose]{write(2), write(3)})
		}), "a batch")
		err := save(t, e.store, looseRows, write(4))
		var ce *transition.ConflictError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "data NULL", ce.Expected)
		assert.Equal(t, "data x'79'", ce.Found)

		rows, err := looseRows.Select(e.ctx, e.querier(), sqlexpr.Expr{}, sqlstore.NoLock)
		require.NoError(t, err)
		assert.Equal(t, []*Loose{{1, []byte("x"), "a"}, {2, []byte("x"), "a"}, {3, []byte("x"), "a"}, {4, []byte("y"), "a"}}, rows)
	})
}

// A save that loses to a row holding a value no state declares says so.
func TestConflictWithARowThatCannotBeRead(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := setup(t, db, nil)
		e.exec(t, `CREATE TABLE notes (id BIGINT PRIMARY KEY, status TEXT NOT NULL, version BIGINT NOT NULL)`)
		e.exec(t, `INSERT INTO notes VALUES (1, 'open', 0)`)
		e.exec(t, `UPDATE notes SET status = 'lost', version = 1 WHERE id = 1`) // another program
		err := save(t, e.store, noteRows, transition.Write[Note]{
			Model: &Note{ID: 1, Status: NoteDone, Version: 1}, Read: &Note{ID: 1, Status: NoteOpen}, Version: 0,
			Fields: []transition.FieldWrite{{Column: "status", From: "open", To: "done"}},
		})
		var ce *transition.ConflictError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "sqlstore_test.Note 1", ce.Object)
		assert.Equal(t, "version 0", ce.Expected)
		assert.Regexp(t, `^a row that cannot be read: sqlstore: reading a row of "notes": .*"lost"`, ce.Found)
		var status string
		require.NoError(t, e.QueryRowContext(e.ctx, `SELECT status FROM notes WHERE id = 1`).Scan(&status))
		assert.Equal(t, "lost", status, "nothing was written")
	})
}
