package sqlstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/conformance"
	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// Mistakes in using the package end in clear errors, with nothing written
// and no connection left behind.

type NoteStatus string

func (NoteStatus) StateType() *state.Type[NoteStatus] { return NoteState }

var (
	NoteState    = state.NewType[NoteStatus]("NoteState")
	NoteOpen     = NoteState.State("open", "Open")
	NoteDone     = NoteState.State("done", "Done")
	NoteStatusOf = state.Bind(NoteState, "status", func(n *Note) *state.State[NoteStatus] { return &n.Status })
)

type Note struct {
	ID, Version int64
	Status      state.State[NoteStatus]
}

var (
	noteRows = sqlstore.Map[*Repo]("notes", func(n *Note) []sqlstore.Column {
		return []sqlstore.Column{sqlstore.Key("id", &n.ID), sqlstore.Col("status", &n.Status), sqlstore.Version("version", &n.Version)}
	})
	// The machine forgets to declare the Version its table has.
	Notes     = transition.For[User, *Repo](NoteStatusOf).Identify(func(n *Note) any { return n.ID }).Table(noteRows)
	CloseNote = transition.New[transition.NoInput](Notes, "close", transition.From(NoteOpen).To(NoteDone)).AllowAnyone()
)

func TestVersionColumnWithoutMachineVersion(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		e := setup(t, db, nil)
		e.exec(t, `CREATE TABLE notes (id BIGINT PRIMARY KEY, status TEXT NOT NULL, version BIGINT NOT NULL)`)
		e.exec(t, `INSERT INTO notes VALUES (1, 'open', 0)`)
		n := &Note{ID: 1, Status: NoteOpen}
		err := CloseNote.Fire(e.ctx, e.store, Alice, n, transition.NoInput{})
		require.ErrorIs(t, err, transition.ErrDefinition)
		assert.Contains(t, err.Error(), `"notes" has a Version column ("version"), but the machine of sqlstore_test.Note 1 did not move it`)
		assert.Equal(t, &Note{ID: 1, Status: NoteOpen}, n)
		assert.Len(t, e.history(t), 0)
	})
}

func TestUnitOfWorkThatPanics(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		setup(t, db, nil)
		st, err := sqlstore.New(db.DB, db.Dialect, func(sqlstore.Querier) *Repo { panic("no repo today") }, nil)
		require.NoError(t, err)
		err = Publish.Fire(context.Background(), st, Alice, &Project{ID: 1, Status: Draft}, transition.NoInput{})
		require.ErrorContains(t, err, "building the unit of work panicked: no repo today")
		assert.Zero(t, db.Stats().InUse, "the connection went back to the pool")
	})
}

func TestNewRefusesWhatItCannotRun(t *testing.T) {
	db := dbtest.SQLite(t)
	_, err := sqlstore.New[*Repo](db.DB, db.Dialect, nil, nil)
	assert.ErrorContains(t, err, "needs a database and a function")
	_, err = sqlstore.New(db.DB, sqlexpr.MySQL, NewRepo, nil)
	assert.ErrorContains(t, err, `dialect "mysql" is not supported`)
	_, err = sqlstore.New(db.DB, db.Dialect, NewRepo, &sqlstore.Options{Retries: -1})
	assert.ErrorContains(t, err, "Retries is -1")
	_, err = sqlstore.New(db.DB, db.Dialect, NewRepo, &sqlstore.Options{History: "bad\x00name"})
	assert.ErrorContains(t, err, "Options.History")
}

func TestMapRefusesBadMappings(t *testing.T) {
	for name, columns := range map[string]func(n *Note) []sqlstore.Column{
		"no Key column": func(n *Note) []sqlstore.Column { return []sqlstore.Column{sqlstore.Col("id", &n.ID)} },
		"two Key columns": func(n *Note) []sqlstore.Column {
			return []sqlstore.Column{sqlstore.Key("id", &n.ID), sqlstore.Key("v", &n.Version)}
		},
		"mapped twice": func(n *Note) []sqlstore.Column {
			return []sqlstore.Column{sqlstore.Key("id", &n.ID), sqlstore.Col("id", &n.Version)}
		},
		"a non-nil pointer": func(n *Note) []sqlstore.Column {
			return []sqlstore.Column{sqlstore.Key("id", n.ID)}
		},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				de, ok := recover().(*transition.DeclarationError)
				require.True(t, ok, "panics with a *transition.DeclarationError")
				assert.Contains(t, de.Error(), name)
			}()
			sqlstore.Map[*Repo]("notes", columns)
		})
	}
}
