package sqlstore_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/conformance"
	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/internal/dbwrap"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

var (
	renames       atomic.Int64 // how many times CountedRename's effect ran
	CountedRename = transition.New[RenameInput](Projects, "counted_rename", transition.From(Draft, Published).Stay()).AllowAnyone().
			Effect("count", func(_ context.Context, _ *Repo, e *transition.Event[Project, ProjectStatus, User, RenameInput]) error {
			renames.Add(1)
			e.Model.Title = e.Input.Title
			return nil
		})
)

// eachWrapped runs f on every database, opened through a recording
// dbwrap.Wrapper.
func eachWrapped(t *testing.T, f func(t *testing.T, db *dbtest.DB, w *dbwrap.Wrapper)) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			w := &dbwrap.Wrapper{Record: true}
			f(t, dbtest.Wrapped(t, name, w), w)
		})
	}
}

// reads lists the SELECTs w recorded since its last Reset.
func reads(w *dbwrap.Wrapper) []string {
	var out []string
	for _, op := range w.Log() {
		if op.Kind == dbwrap.Query && strings.HasPrefix(op.Query, "SELECT") {
			out = append(out, op.Query)
		}
	}
	return out
}

// With Options.Lock, the object asked of is locked before its checks and
// loaders read anything, the other rows a plan touches before any step
// runs, parents before children, and a row that changed is a conflict
// before any effect runs.
func TestLockOption(t *testing.T) {
	eachWrapped(t, func(t *testing.T, db *dbtest.DB, w *dbwrap.Wrapper) {
		e := setup(t, db, &sqlstore.Options{Lock: true})
		p := e.project(t, "Roof", Draft, 3)
		stale := *p

		w.Reset()
		err := DeleteProject.Fire(e.ctx, e.store, Alice, p, transition.NoInput{})
		require.NoError(t, err)
		lockClause := ""
		if db.Name == "postgres" {
			lockClause = " FOR UPDATE"
		}
		got := reads(w)
		require.Len(t, got, 3, "the project locked, the cascade's loader, then the children locked: %q", got)
		assert.Contains(t, got[0], `FROM "projects" WHERE "id" IN (`, "the object asked of is locked before anything reads it")
		assert.True(t, strings.HasSuffix(got[0], `ORDER BY "id"`+lockClause), got[0])
		assert.Contains(t, got[1], `FROM "tasks" WHERE "project_id" = `, "the loader reads under the lock")
		assert.Contains(t, got[2], `FROM "tasks" WHERE "id" IN (`, "children after their parent")
		assert.True(t, strings.HasSuffix(got[2], `ORDER BY "id"`+lockClause), got[2])

		// A stale copy: the conflict comes from the lock, before any effect.
		before := renames.Load()
		err = CountedRename.Fire(e.ctx, e.store, Alice, &stale, RenameInput{Title: "x"})
		var ce *transition.ConflictError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, &transition.ConflictError{Object: "conformance.Project " + Itoa(p.ID), Expected: "version 0", Found: "version 1"}, ce)
		assert.Equal(t, before, renames.Load(), "no effect ran")
	})
}

// Without Options.Lock, a transition reads nothing to write: one UPDATE,
// one INSERT of history.
func TestNoLockReadsNothing(t *testing.T) {
	eachWrapped(t, func(t *testing.T, db *dbtest.DB, w *dbwrap.Wrapper) {
		e := setup(t, db, nil)
		p := e.project(t, "Roof", Draft, 0)
		w.Reset()
		err := Rename.Fire(e.ctx, e.store, Alice, p, RenameInput{Title: "Attic"})
		require.NoError(t, err)
		var kinds []string
		for _, op := range w.Log() {
			kinds = append(kinds, op.Kind.String()+" "+strings.Fields(op.Query + " -")[0])
		}
		begin := "begin -"
		commit := "commit -"
		if db.Name == "sqlite" {
			begin, commit = "exec BEGIN", "exec COMMIT"
		}
		assert.Equal(t, []string{begin, "exec UPDATE", "exec INSERT", commit}, kinds, "no result set to read: each an Exec")
	})
}

// Select reads with the lock asked for where the database has one: FOR
// SHARE for a related model's gate, FOR UPDATE; on SQLite, whose writer
// holds the whole database, none.
func TestSelectLocks(t *testing.T) {
	eachWrapped(t, func(t *testing.T, db *dbtest.DB, w *dbwrap.Wrapper) {
		e := setup(t, db, nil)
		p := e.project(t, "Roof", Draft, 0)
		for lock, clause := range map[sqlstore.Lock]string{sqlstore.NoLock: "", sqlstore.ForShare: " FOR SHARE", sqlstore.ForUpdate: " FOR UPDATE"} {
			if db.Name == "sqlite" {
				clause = ""
			}
			w.Reset()
			require.NoError(t, e.store.View(e.ctx, func(sc transition.Scope[*Repo]) error {
				ps, err := ProjectRows.Select(e.ctx, sc.Unit().Q, sqlexpr.Col("id").Eq(p.ID), lock)
				require.Len(t, ps, 1)
				return err
			}))
			got := reads(w)
			require.Len(t, got, 1)
			assert.True(t, strings.HasSuffix(got[0], `ORDER BY "id"`+clause), "lock %d: %s", lock, got[0])
		}
	})
}
