package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/conformance"
	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// The tests' application is package conformance's, and so is the suite
// every store passes (see TestConformance); the tests here are of what
// only a database does.

// env is a test database with the application's tables, and its Store.
type env struct {
	*dbtest.DB
	store *sqlstore.Store[*Repo]
	ctx   context.Context
}

// setup creates the tables in db and opens a Store on it.
func setup(t testing.TB, db *dbtest.DB, opts *sqlstore.Options) *env {
	t.Helper()
	ctx := context.Background()
	if opts == nil {
		opts = &sqlstore.Options{}
	}
	if opts.Now == nil {
		opts.Now = Now
	}
	st, err := sqlstore.New(db.DB, db.Dialect, NewRepo, opts)
	require.NoError(t, err)
	require.NoError(t, st.Migrate(ctx))
	tables, err := Tables(db.Name == "postgres")
	require.NoError(t, err)
	for _, q := range tables {
		_, err := db.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	return &env{DB: db, store: st, ctx: ctx}
}

// exec runs a statement written with ? placeholders in either dialect.
func (e *env) exec(t testing.TB, query string, args ...any) {
	t.Helper()
	_, err := e.ExecContext(e.ctx, e.rebind(query), args...)
	require.NoError(t, err, query)
}

func (e *env) rebind(q string) string {
	if e.Name != "postgres" {
		return q
	}
	out, n := []byte{}, 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = fmt.Appendf(out, "$%d", n)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}

// project inserts a project and returns it as stored.
func (e *env) project(t testing.TB, title string, status state.State[ProjectStatus], tasks int) *Project {
	t.Helper()
	p := &Project{Title: title, Status: status}
	require.NoError(t, e.DB.QueryRowContext(e.ctx, e.rebind(`INSERT INTO projects (title, status) VALUES (?, ?) RETURNING id`), title, status).Scan(&p.ID))
	for range tasks {
		e.exec(t, `INSERT INTO tasks (project_id, status) VALUES (?, 'open')`, p.ID)
	}
	return p
}

// loadProject reads project id as stored.
func (e *env) loadProject(t testing.TB, id int64) *Project { return LoadProject(t, e.store, id) }

// tasks reads the tasks of project id as stored.
func (e *env) tasks(t testing.TB, id int64) []*Task { return TasksIn(t, e.store, id) }

// querier returns the database as a Querier, outside any unit of work.
func (e *env) querier() sqlstore.Querier { return e.store.Querier() }

// history returns every history row.
func (e *env) history(t testing.TB) []sqlstore.Record { return History(t, e.store) }
