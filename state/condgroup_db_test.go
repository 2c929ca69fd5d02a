package state_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// A conditional group's SQL selects, on SQLite and PostgreSQL, exactly the
// rows Go matches, on a table where both the state column and the column
// its conditions read may be NULL, alone and on either side of a
// self-join.

// ngProject is a row of such a table: the fixture's ProjectState, in a
// nullable column, with a start that may be NULL. Each row's parent is the
// row before it.
type ngProject struct {
	ID, Parent int64
	Status     state.Null[ProjectStatus]
	StartAt    *time.Time // NULL: no start
}

var (
	ngStatus = state.Bind(ProjectState, "status", func(p *ngProject) *state.State[ProjectStatus] { return &p.Status.State })

	// Published and starting after now; no start is not in the future.
	ngFuture = ngStatus.Conditional("ng_future", "Future (or no start)", Published,
		func(p *ngProject, now time.Time) bool { return p.StartAt != nil && p.StartAt.After(now) },
	).WithSQL(sqlexpr.And(sqlexpr.Col("start_at").IsNotNull(), sqlexpr.Col("start_at").Gt(sqlexpr.Now())))

	// Published and started; no start counts as started.
	ngRunning = ngStatus.Conditional("ng_running", "Running (or no start)", Published,
		func(p *ngProject, now time.Time) bool { return p.StartAt == nil || !p.StartAt.After(now) },
	).WithSQL(sqlexpr.Or(sqlexpr.Col("start_at").IsNull(), sqlexpr.Col("start_at").Le(sqlexpr.Now())))

	// The fixture's Recallable, on this table: Withdrawn or Future.
	ngRecallable = ngStatus.Group("ng_recallable", "Recallable (or no start)", Withdrawn, ngFuture)

	// Gone, or running: a group member, and a condition that is true of NULL.
	ngSettled = ngStatus.Group("ng_settled", "Settled (or no start)", Gone, ngRunning)
)

// ngProjects: every state and no state, with every start around now and
// none; the state changes from each row to its child, so that a row and
// its parent hold different states (or none).
func ngProjects() []ngProject {
	starts := []*time.Time{nil, ptr(now().AddDate(0, 0, -10)), ptr(now()), ptr(now().Add(time.Second)), ptr(now().AddDate(0, 0, 10))}
	statuses := []state.Null[ProjectStatus]{{}}
	for s := range ProjectState.States() {
		statuses = append(statuses, state.Null[ProjectStatus]{State: s})
	}
	var ps []ngProject
	for _, at := range starts {
		for _, s := range statuses {
			id := int64(len(ps) + 1)
			ps = append(ps, ngProject{ID: id, Parent: id - 1, Status: s, StartAt: at})
		}
	}
	return ps
}

func TestDBConditionalGroupsWithNULLs(t *testing.T) {
	at := now()
	in := func(c *state.Conditional[ngProject, ProjectStatus], p *ngProject) bool { return c.Match(p, at) }
	// SQL's NOT of NULL is NULL: a negated predicate selects no row whose
	// state is NULL, though Go's negation matches it.
	notIn := func(c *state.Conditional[ngProject, ProjectStatus], p *ngProject) bool {
		return !p.Status.IsZero() && !c.Match(p, at)
	}
	type pred struct {
		name string
		sql  sqlexpr.Expr
		goes func(p *ngProject) bool
	}
	single := []pred{
		{"recallable", ngRecallable.Expr(), func(p *ngProject) bool { return in(ngRecallable, p) }},
		{"not recallable", sqlexpr.Not(ngRecallable.Expr()), func(p *ngProject) bool { return notIn(ngRecallable, p) }},
		{"settled", ngSettled.Expr(), func(p *ngProject) bool { return in(ngSettled, p) }},
		{"not settled", sqlexpr.Not(ngSettled.Expr()), func(p *ngProject) bool { return notIn(ngSettled, p) }},
		{"recallable and settled", sqlexpr.And(ngRecallable.Expr(), ngSettled.Expr()),
			func(p *ngProject) bool { return in(ngRecallable, p) && in(ngSettled, p) }},
		{"future", ngFuture.Expr(), func(p *ngProject) bool { return in(ngFuture, p) }},
		{"running", ngRunning.Expr(), func(p *ngProject) bool { return in(ngRunning, p) }},
	}
	joined := []struct {
		name string
		sql  sqlexpr.Expr
		goes func(c, p *ngProject) bool
	}{
		{"child recallable, parent not",
			sqlexpr.And(ngRecallable.Expr().On("c"), sqlexpr.Not(ngRecallable.Expr()).On("p")),
			func(c, p *ngProject) bool { return in(ngRecallable, c) && notIn(ngRecallable, p) }},
		{"parent recallable or child settled",
			sqlexpr.Or(ngRecallable.Expr().On("p"), ngSettled.Expr().On("c")),
			func(c, p *ngProject) bool { return in(ngRecallable, p) || in(ngSettled, c) }},
		{"both recallable, one On around both",
			sqlexpr.And(ngRecallable.Expr().On("c"), ngRecallable.Expr()).On("p"),
			func(c, p *ngProject) bool { return in(ngRecallable, c) && in(ngRecallable, p) }},
		{"parent settled, child's state NULL",
			sqlexpr.And(ngSettled.Expr().On("p"), sqlexpr.Col("c", "status").IsNull()),
			func(c, p *ngProject) bool { return in(ngSettled, p) && c.Status.IsZero() }},
	}

	rows := ngProjects()
	byID := map[int64]*ngProject{}
	for i := range rows {
		byID[rows[i].ID] = &rows[i]
	}
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		check, err := ProjectState.CheckConstraint(db.Dialect, "status")
		require.NoError(t, err)
		_, err = db.Exec(`CREATE TABLE projects (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL, status INTEGER NULL ` + check + `, start_at ` + dbTimestamp(db) + ` NULL)`)
		require.NoError(t, err)
		for _, p := range rows {
			var start any
			if p.StartAt != nil {
				start = *p.StartAt
			}
			_, err := db.Exec(`INSERT INTO projects (id, parent_id, status, start_at) VALUES (`+dbPlaceholders(db, 4)+`)`,
				p.ID, p.Parent, p.Status, start)
			require.NoError(t, err)
		}

		// Read back, the rows are what Go tests.
		got, err := db.Query(`SELECT id, status, start_at FROM projects ORDER BY id`)
		require.NoError(t, err)
		var read []ngProject
		for got.Next() {
			p := ngProject{}
			var start *time.Time
			require.NoError(t, got.Scan(&p.ID, &p.Status, &start))
			if start != nil {
				start = ptr(start.UTC())
			}
			p.StartAt, p.Parent = start, p.ID-1
			read = append(read, p)
		}
		require.NoError(t, got.Err())
		got.Close()
		require.Empty(t, cmp.Diff(rows, read, dbProjectsEqual), "rows read back")

		for _, pr := range single {
			var want []int64
			for i := range rows {
				if pr.goes(&rows[i]) {
					want = append(want, rows[i].ID)
				}
			}
			require.NotEmpty(t, want, "%s selects some rows, so the test means something", pr.name)
			got := dbIDs(t, db, "projects", pr.sql)
			assert.Empty(t, cmp.Diff(want, got), "%s (-go +sql): %s", pr.name, pr.sql.At(at))
		}

		for _, pr := range joined {
			where, args, err := pr.sql.At(at).Render(db.Dialect)
			require.NoError(t, err, pr.name)
			got := dbQueryIDs(t, db, `SELECT c.id FROM projects c JOIN projects p ON p.id = c.parent_id WHERE `+where+` ORDER BY c.id`, args)
			var want []int64
			for i := range rows {
				if c := &rows[i]; byID[c.Parent] != nil && pr.goes(c, byID[c.Parent]) {
					want = append(want, c.ID)
				}
			}
			require.NotEmpty(t, want, "%s selects some rows, so the test means something", pr.name)
			assert.Empty(t, cmp.Diff(want, got), "%s (-go +sql): %s %v", pr.name, where, args)
		}
	})
}
