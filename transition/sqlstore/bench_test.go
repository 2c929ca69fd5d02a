package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/conformance"
	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/internal/dbwrap"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// The cost of durability: one transition through a Store beside the same
// statements written by hand with database/sql, and a cascade over many
// children, with the statements each sends counted by dbwrap. Both sides
// open their database through a dbwrap.Wrapper, so the wrapper's cost is
// the same on both.
//
//	go test -run x -bench . -benchmem -count 6 ./transition/sqlstore/
//
// PostgreSQL runs too when STATECRAFT_POSTGRES_DSN is set (see dbtest).

// benchDatabases are the databases the benchmarks run on; PostgreSQL's
// sub-benchmarks skip unless it is configured.
var benchDatabases = []string{"sqlite", "postgres"}

// cascadeSizes are the numbers of children of the cascades measured.
var cascadeSizes = []int{10, 100, 1000, 10000}

// BenchmarkDurableTransition renames one project, each iteration a new
// title: a transition that keeps the state, bumps the version and
// appends one history row. "statecraft" fires Rename through a Store;
// "by-hand" sends what the Store sends, written with database/sql as an
// application would: BEGIN (BEGIN IMMEDIATE on a *sql.Conn on SQLite, as
// the Store does), an UPDATE that compares and bumps the version, the
// history INSERT, COMMIT.
func BenchmarkDurableTransition(b *testing.B) {
	titles := [2]string{"Roof", "Attic"}
	for _, name := range benchDatabases {
		b.Run(name, func(b *testing.B) {
			b.Run("statecraft", func(b *testing.B) {
				w := &dbwrap.Wrapper{}
				e := setup(b, dbtest.Wrapped(b, name, w), &sqlstore.Options{Now: time.Now})
				p := e.project(b, "Roof", Draft, 0)
				b.ReportAllocs()
				w.Reset()
				i := 0
				for b.Loop() {
					i++
					if err := Rename.Fire(e.ctx, e.store, Alice, p, RenameInput{Title: titles[i%2]}); err != nil {
						b.Fatal(err)
					}
				}
				reportStatements(b, w)
				checkRenamed(b, e, p.ID, i, titles[i%2])
			})
			b.Run("by-hand", func(b *testing.B) {
				w := &dbwrap.Wrapper{}
				e := setup(b, dbtest.Wrapped(b, name, w), &sqlstore.Options{Now: time.Now})
				p := e.project(b, "Roof", Draft, 0)
				h := newHandWritten(e)
				b.ReportAllocs()
				w.Reset()
				i := 0
				for b.Loop() {
					i++
					if err := h.rename(e.ctx, p, Alice, titles[i%2]); err != nil {
						b.Fatal(err)
					}
				}
				reportStatements(b, w)
				checkRenamed(b, e, p.ID, i, titles[i%2])
			})
		})
	}
}

// reportStatements reports the statements w counted per iteration.
func reportStatements(b *testing.B, w *dbwrap.Wrapper) {
	b.ReportMetric(float64(w.Count())/float64(b.N), "stmts/op")
}

// checkRenamed checks, after the benchmark, that project id was renamed
// n times and holds title, with a history row per rename: both sides did
// the same work.
func checkRenamed(b *testing.B, e *env, id int64, n int, title string) {
	b.Helper()
	p := e.loadProject(b, id)
	require.Equal(b, &Project{ID: id, Title: title, Status: Draft, Version: int64(n)}, p)
	var rows int
	require.NoError(b, e.QueryRowContext(e.ctx, e.rebind(`SELECT count(*) FROM statecraft_history WHERE object_id = ? AND transition = 'rename'`), Itoa(id)).Scan(&rows))
	require.Equal(b, n, rows, "a history row per rename")
}

// handWritten is what an application writes without statecraft to rename
// a project durably, keeping the same history the Store keeps.
type handWritten struct {
	db     *sql.DB
	sqlite bool
	update string
	insert string
}

func newHandWritten(e *env) *handWritten {
	return &handWritten{
		db:     e.DB.DB,
		sqlite: e.Name == "sqlite",
		update: e.rebind(`UPDATE projects SET title = ?, version = version + 1 WHERE id = ? AND version = ?`),
		insert: e.rebind(`INSERT INTO statecraft_history (object_type, object_id, version, field, transition, from_state, to_state, actor, at, input, seq, cause, idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
	}
}

// execer is what *sql.Conn and *sql.Tx have in common here.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// rename renames p in one transaction: the UPDATE that compares and bumps
// the version, and the history row, as the Store writes them.
func (h *handWritten) rename(ctx context.Context, p *Project, actor User, title string) (err error) {
	input, err := json.Marshal(RenameInput{Title: title})
	if err != nil {
		return err
	}
	now := time.Now()
	var at any = now
	var q execer
	var commit, rollback func() error
	if h.sqlite {
		conn, err := h.db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
			return err
		}
		q = conn
		commit = func() error { _, err := conn.ExecContext(ctx, `COMMIT`); return err }
		rollback = func() error { _, err := conn.ExecContext(ctx, `ROLLBACK`); return err }
		at = now.UTC().Format("2006-01-02T15:04:05.000000000Z") // as the Store writes SQLite's times
	} else {
		tx, err := h.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		q, commit, rollback = tx, tx.Commit, tx.Rollback
	}
	defer func() {
		if err != nil {
			rollback()
		}
	}()
	res, err := q.ExecContext(ctx, h.update, title, p.ID, p.Version)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return &transition.ConflictError{Object: "project " + strconv.FormatInt(p.ID, 10), Expected: "version " + strconv.FormatInt(p.Version, 10)}
	}
	status := string(p.Status.Get())
	if _, err := q.ExecContext(ctx, h.insert, "conformance.Project", strconv.FormatInt(p.ID, 10), p.Version, "status", "rename",
		status, status, actor.Name, at, string(input), 0, nil, nil); err != nil {
		return err
	}
	if err := commit(); err != nil {
		return err
	}
	p.Title = title
	p.Version++
	return nil
}

// BenchmarkCascade deletes a project with n open tasks: the cascade
// deletes each task. Each iteration deletes a fresh project, whose tasks
// are inserted, with the timer stopped, by one statement. It reports the
// statements of the Fire alone, which batching keeps from growing with
// the children (see TestCascadeStatementsDoNotGrowPerChild).
func BenchmarkCascade(b *testing.B) {
	for _, name := range benchDatabases {
		b.Run(name, func(b *testing.B) {
			for _, n := range cascadeSizes {
				b.Run(fmt.Sprintf("children=%d", n), func(b *testing.B) {
					w := &dbwrap.Wrapper{}
					e := setup(b, dbtest.Wrapped(b, name, w), &sqlstore.Options{Now: time.Now})
					// The tasks of a project are read by project: an index,
					// as an application would have, keeps that read from
					// scanning the children of earlier iterations.
					e.exec(b, `CREATE INDEX tasks_project ON tasks (project_id)`)
					b.ReportAllocs()
					var stmts int64
					for b.Loop() {
						b.StopTimer()
						p := e.projectWithTasks(b, n)
						w.Reset()
						b.StartTimer()
						if err := DeleteProject.Fire(e.ctx, e.store, Alice, p, transition.NoInput{}); err != nil {
							b.Fatal(err)
						}
						b.StopTimer()
						stmts += w.Count()
						b.StartTimer()
					}
					b.ReportMetric(float64(stmts)/float64(b.N), "stmts/op")
					b.ReportMetric(float64(n), "children/op")
				})
			}
		})
	}
}

// projectWithTasks inserts a draft project and n open tasks of it, these
// in one statement, and returns the project as stored.
func (e *env) projectWithTasks(t testing.TB, n int) *Project {
	t.Helper()
	p := e.project(t, "Cascade", Draft, 0)
	if e.Name == "postgres" {
		e.exec(t, `INSERT INTO tasks (project_id, status) SELECT ?::bigint, 'open' FROM generate_series(1, ?::int)`, p.ID, n)
	} else {
		e.exec(t, `INSERT INTO tasks (project_id, status) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) SELECT ?, 'open' FROM n`, n, p.ID)
	}
	return p
}

// The limits batching works within (see maxArgs and maxRows in table.go,
// and Append in history.go): a statement binds at most this many
// arguments, and an UPDATE compares at most 1,500 rows (past which the
// parsers take a row-valued IN list badly).
var maxArgsOf = map[string]int{"sqlite": 32766, "postgres": 65535}

const maxRows = 1500

// cascadeStatements is the exact number of statements DeleteProject over
// a project with n open tasks sends: BEGIN, the SELECT of the tasks, the
// project's UPDATE, the tasks' UPDATEs (a batch binds the new status,
// then a key and the status read per task), the project's history row
// (the first depth of the causal chain), the tasks' history rows (the
// second; 13 arguments a row), COMMIT.
func cascadeStatements(name string, n int) int64 {
	limit := maxArgsOf[name]
	perUpdate := min((limit-1)/2, maxRows)
	perInsert := limit / 14 // a history row's arguments
	batches := func(n, per int) int { return (n + per - 1) / per }
	return int64(1 + 1 + 1 + batches(n, perUpdate) + 1 + batches(n, perInsert) + 1)
}

// A cascade is a few batched statements, however many children it has:
// the statements of DeleteProject are exactly those the parameter limits
// call for, and 10,000 children cost a handful more than 10.
func TestCascadeStatementsDoNotGrowPerChild(t *testing.T) {
	for _, name := range benchDatabases {
		t.Run(name, func(t *testing.T) {
			w := &dbwrap.Wrapper{Record: true}
			e := setup(t, dbtest.Wrapped(t, name, w), nil)
			counts := map[int]int64{}
			for _, n := range cascadeSizes {
				p := e.projectWithTasks(t, n)
				w.Reset()
				err := DeleteProject.Fire(e.ctx, e.store, Alice, p, transition.NoInput{})
				require.NoError(t, err)
				counts[n] = w.Count()
				assert.Equal(t, cascadeStatements(name, n), counts[n], "%d children: the statements of the cascade:\n%s", n, opsSummary(w.Log()))

				var deleted, rows int
				require.NoError(t, e.QueryRowContext(e.ctx, e.rebind(`SELECT count(*) FROM tasks WHERE project_id = ? AND status = 'deleted'`), p.ID).Scan(&deleted))
				assert.Equal(t, n, deleted, "every task deleted")
				require.NoError(t, e.QueryRowContext(e.ctx, e.rebind(`SELECT count(*) FROM statecraft_history h WHERE h.object_type = 'conformance.Task' AND h.object_id IN (SELECT CAST(id AS TEXT) FROM tasks WHERE project_id = ?)`), p.ID).Scan(&rows))
				assert.Equal(t, n, rows, "a history row per task")
			}
			t.Logf("statements per cascade: %v", counts)
			// 10 children: one batch of each kind; 10,000: the history's
			// rows need ceil(10000/(limit/14)) batches (5 on SQLite, 3 on
			// PostgreSQL), the tasks' UPDATEs ceil(10000/1500) = 7.
			assert.LessOrEqual(t, counts[10000]-counts[10], int64(12), "statements grow per child beyond batching")
		})
	}
}

// opsSummary lists ops, each query cut short.
func opsSummary(ops []dbwrap.Op) string {
	var s strings.Builder
	for _, op := range ops {
		line := op.String()
		if len(line) > 120 {
			line = line[:120] + "..."
		}
		s.WriteString("\t" + line + "\n")
	}
	return s.String()
}

// BenchmarkRowValuedIn measures what maxRows (table.go) rests on: the
// time per row of an UPDATE comparing rows by a row-valued IN list, as a
// batch of a cascade does, on SQLite, by the length of the list. The
// table is empty, so the time is SQLite's parsing and planning:
//
//	go test -run x -bench RowValuedIn -benchtime 20x ./transition/sqlstore/
func BenchmarkRowValuedIn(b *testing.B) {
	db := dbtest.SQLite(b)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE rows_in (id INTEGER PRIMARY KEY, status TEXT, version INTEGER)`); err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{500, 1500, 2000, 5000, 10000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			var q strings.Builder
			q.WriteString(`UPDATE rows_in SET status = ?, version = version + 1 WHERE (id, version) IN (`)
			args := []any{"done"}
			for i := range n {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?)")
				args = append(args, i, 0)
			}
			q.WriteString(`) RETURNING id`)
			for b.Loop() {
				rows, err := db.QueryContext(ctx, q.String(), args...)
				if err != nil {
					b.Fatal(err)
				}
				if err := rows.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/row")
		})
	}
}
