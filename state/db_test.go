package state_test

import (
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// These tests prove on real databases that what a state, group, membership
// or conditional state says in Go is what its SQL selects, and that State
// fields read and write through database/sql.

// dbPlaceholders returns n placeholders for db, separated by commas.
func dbPlaceholders(db *dbtest.DB, n int) string {
	ps := make([]string, n)
	for i := range ps {
		if db.Dialect == sqlexpr.Postgres {
			ps[i] = "$" + strconv.Itoa(i+1)
		} else {
			ps[i] = "?"
		}
	}
	return strings.Join(ps, ", ")
}

// dbTimestamp is the column type of start_at: SQLite stores times as text
// in its own format, which sorts chronologically for UTC times.
func dbTimestamp(db *dbtest.DB) string {
	if db.Name == "postgres" {
		return "TIMESTAMPTZ"
	}
	return "TIMESTAMP"
}

// dbCreateProjects creates the projects table, with the CHECK constraints
// the state types write.
func dbCreateProjects(t *testing.T, db *dbtest.DB) {
	t.Helper()
	statusCheck, err := ProjectState.CheckConstraint(db.Dialect, "status")
	require.NoError(t, err)
	reviewCheck, err := ReviewState.CheckConstraint(db.Dialect, "review")
	require.NoError(t, err)
	ddl := `CREATE TABLE projects (
		id INTEGER PRIMARY KEY,
		status INTEGER NOT NULL ` + statusCheck + `,
		review TEXT NULL ` + reviewCheck + `,
		start_at ` + dbTimestamp(db) + ` NOT NULL
	)`
	_, err = db.Exec(ddl)
	require.NoError(t, err, ddl)
}

// dbStarts are the start times of the projects: around each boundary the
// conditional states draw.
var dbStarts = []time.Time{
	now().AddDate(0, 0, 10),  // in the future
	now().Add(time.Second),   // just in the future
	now(),                    // exactly now: Running, not Future
	now().AddDate(0, 0, -10), // in the past, recently
	now().AddDate(0, 0, -30), // exactly the limit of RecentlyGone: not recent
	now().AddDate(0, 0, -60), // long ago
}

// dbProjects returns one project for every state, start and review
// (including none), numbered from 1.
func dbProjects() []Project {
	reviews := []state.Null[ReviewStatus]{{}, {State: Requested}, {State: Approved}, {State: Rejected}}
	var ps []Project
	for s := range ProjectState.States() {
		for _, start := range dbStarts {
			for _, r := range reviews {
				ps = append(ps, Project{ID: int64(len(ps) + 1), Status: s, Review: r, StartAt: start})
			}
		}
	}
	return ps
}

// dbInsert inserts p into the projects table, passing the state fields
// themselves as arguments: they are driver.Valuers.
func dbInsert(db *dbtest.DB, p Project) error {
	return dbInsertWith(db, db.DB, p)
}

func dbInsertWith(db *dbtest.DB, exec interface {
	Exec(query string, args ...any) (sql.Result, error)
}, p Project) error {
	_, err := exec.Exec(`INSERT INTO projects (id, status, review, start_at) VALUES (`+dbPlaceholders(db, 4)+`)`,
		p.ID, p.Status, p.Review, p.StartAt)
	return err
}

// dbInsertAll inserts ps in one transaction.
func dbInsertAll(t *testing.T, db *dbtest.DB, ps []Project) {
	t.Helper()
	tx, err := db.Begin()
	require.NoError(t, err)
	defer tx.Rollback()
	for _, p := range ps {
		require.NoError(t, dbInsertWith(db, tx, p), "project %d", p.ID)
	}
	require.NoError(t, tx.Commit())
}

// dbReadProjects reads every project back, into fields that hold no state
// to begin with: the Typed value types say which Types to read.
func dbReadProjects(t *testing.T, db *dbtest.DB) []Project {
	t.Helper()
	rows, err := db.Query(`SELECT id, status, review, start_at FROM projects ORDER BY id`)
	require.NoError(t, err)
	defer rows.Close()
	var ps []Project
	for rows.Next() {
		var p Project
		require.NoError(t, rows.Scan(&p.ID, &p.Status, &p.Review, &p.StartAt))
		p.StartAt = p.StartAt.UTC()
		ps = append(ps, p)
	}
	require.NoError(t, rows.Err())
	return ps
}

// dbProjectsEqual compares projects: states by identity, times by Equal.
var dbProjectsEqual = cmp.Options{
	cmp.Comparer(func(a, b state.State[ProjectStatus]) bool { return a == b }),
	cmp.Comparer(func(a, b state.State[ReviewStatus]) bool { return a == b }),
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
}

// dbIDs selects the ids of the rows of from that e selects, at the tests'
// time (now).
func dbIDs(t *testing.T, db *dbtest.DB, from string, e sqlexpr.Expr) []int64 {
	t.Helper()
	where, args, err := e.At(now()).Render(db.Dialect)
	require.NoError(t, err)
	return dbQueryIDs(t, db, `SELECT id FROM `+from+` WHERE `+where+` ORDER BY id`, args)
}

// dbQueryIDs runs query, which selects one integer column, and returns
// what it selects.
func dbQueryIDs(t *testing.T, db *dbtest.DB, query string, args []any) []int64 {
	t.Helper()
	rows, err := db.Query(query, args...)
	require.NoError(t, err, "%s %v", query, args)
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	return ids
}

// dbMatching returns the IDs of the projects match accepts.
func dbMatching(ps []Project, match func(p *Project) bool) []int64 {
	var ids []int64
	for i := range ps {
		if match(&ps[i]) {
			ids = append(ids, ps[i].ID)
		}
	}
	return ids
}

// dbPredicate is a predicate in SQL and in Go.
type dbPredicate struct {
	name  string
	expr  sqlexpr.Expr
	match func(p *Project) bool
}

func dbPredicates() []dbPredicate {
	var preds []dbPredicate
	for s := range ProjectState.States() {
		preds = append(preds, dbPredicate{"state " + s.Title(), s.Expr("status"), func(p *Project) bool { return p.Status == s }})
	}
	for s := range ReviewState.States() {
		preds = append(preds, dbPredicate{"review " + s.Title(), s.Expr("review"), func(p *Project) bool { return p.Review.State == s }})
	}
	for g := range ProjectState.Groups() {
		preds = append(preds, dbPredicate{"group " + g.Title(), g.Expr("status"), func(p *Project) bool { return g.Contains(p.Status) }})
	}
	for g := range ReviewState.Groups() {
		preds = append(preds, dbPredicate{"review group " + g.Title(), g.Expr("review"), func(p *Project) bool { return g.Contains(p.Review.State) }})
	}
	anon := Withdrawn.Or(Draft)
	preds = append(preds,
		dbPredicate{"anonymous group", anon.Expr("status"), func(p *Project) bool { return anon.Contains(p.Status) }},
		dbPredicate{"all states", ProjectState.Any().Expr("status"), func(p *Project) bool { return ProjectState.Any().Contains(p.Status) }},
	)
	for _, c := range []state.Condition[Project]{
		Status.In(Published),
		Status.In(Visible),
		Status.In(Gone),
		Status.In(Withdrawn.Or(Draft)),
		Review.In(Requested),
		Review.In(Decided),
		Review.In(ReviewState.Any()),
	} {
		preds = append(preds, dbPredicate{"membership " + c.String(), c.Expr(), func(p *Project) bool { return c.Match(p, now()) }})
	}
	for _, c := range Status.Conditionals() {
		if mgrHasSQL(c) {
			preds = append(preds, dbPredicate{"conditional " + c.Title(), c.Expr(), func(p *Project) bool { return c.Match(p, now()) }})
		}
	}
	approved := Review.In(Approved)
	preds = append(preds,
		dbPredicate{"Future and approved", sqlexpr.And(Future.Expr(), approved.Expr()),
			func(p *Project) bool { return Future.Match(p, now()) && approved.Match(p, now()) }},
		dbPredicate{"Future or recently gone", sqlexpr.Or(Future.Expr(), RecentlyGone.Expr()),
			func(p *Project) bool { return Future.Match(p, now()) || RecentlyGone.Match(p, now()) }},
		dbPredicate{"not Gone", sqlexpr.Not(Gone.Expr("status")),
			func(p *Project) bool { return !Gone.Contains(p.Status) }},
		dbPredicate{"not Future", sqlexpr.Not(Future.Expr()),
			func(p *Project) bool { return !Future.Match(p, now()) }},
		dbPredicate{"running or decided, and visible", sqlexpr.And(sqlexpr.Or(Running.Expr(), Review.In(Decided).Expr()), Status.In(Visible).Expr()),
			func(p *Project) bool {
				return (Running.Match(p, now()) || Review.In(Decided).Match(p, now())) && Status.In(Visible).Match(p, now())
			}},
		// SQL's three-valued logic: NOT ("review" IN (...)) is NULL, not
		// true, where review is NULL. A negated membership of a Null field
		// therefore selects only rows that hold some other state.
		dbPredicate{"not decided (NULL is selected by neither)", sqlexpr.Not(Review.In(Decided).Expr()),
			func(p *Project) bool { return !p.Review.IsZero() && !Review.In(Decided).Match(p, now()) }},
	)
	return preds
}

func TestDBPredicatesSelectWhatGoMatches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		dbCreateProjects(t, db)
		projects := dbProjects()
		dbInsertAll(t, db, projects)

		for _, pred := range dbPredicates() {
			t.Run(pred.name, func(t *testing.T) {
				want := dbMatching(projects, pred.match)
				require.NotEmpty(t, want, "the fixture has rows for every predicate")
				got := dbIDs(t, db, "projects", pred.expr)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s selects other rows than Go matches (-go +sql):\n%s\nSQL: %s", pred.name, diff, pred.expr)
				}
			})
		}

		t.Run("qualified column", func(t *testing.T) {
			want := dbMatching(projects, func(p *Project) bool { return Gone.Contains(p.Status) })
			got := dbIDs(t, db, "projects AS p", Gone.Expr("p.status"))
			assert.Empty(t, cmp.Diff(want, got))
		})

		t.Run("every row is selected by exactly one state", func(t *testing.T) {
			var all []int64
			for s := range ProjectState.States() {
				all = append(all, dbIDs(t, db, "projects", Status.In(s).Expr())...)
			}
			slices.Sort(all)
			assert.Empty(t, cmp.Diff(dbMatching(projects, func(*Project) bool { return true }), all))
		})
	})
}

func TestDBReadsBackWhatItWrote(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		dbCreateProjects(t, db)
		projects := dbProjects()
		dbInsertAll(t, db, projects)
		got := dbReadProjects(t, db)
		if diff := cmp.Diff(projects, got, dbProjectsEqual); diff != "" {
			t.Fatalf("read back (-written +read):\n%s", diff)
		}
		for _, p := range got {
			assert.Equal(t, time.UTC, p.StartAt.Location())
		}

		if db.Name == "sqlite" {
			// SQLite compares the times as text: they are stored in a
			// format that sorts chronologically.
			i := slices.IndexFunc(projects, func(p Project) bool { return p.StartAt.Equal(now().Add(time.Second)) })
			require.GreaterOrEqual(t, i, 0)
			var text string
			require.NoError(t, db.QueryRow(`SELECT CAST(start_at AS TEXT) FROM projects WHERE id = ?`, projects[i].ID).Scan(&text))
			assert.Equal(t, "2026-11-25 12:00:01+00:00", text)
		}

		// The stored values are the states' SQL values.
		var status int64
		var review string
		require.NoError(t, db.QueryRow(`SELECT status, review FROM projects WHERE review IS NOT NULL ORDER BY id DESC LIMIT 1`).Scan(&status, &review))
		assert.Equal(t, int64(Deleted.Get()), status)
		assert.Equal(t, "rejected", review)
	})
}

func TestDBCheckConstraintRejectsUndeclaredValues(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		dbCreateProjects(t, db)
		projects := dbProjects()
		dbInsertAll(t, db, projects)
		insert := `INSERT INTO projects (id, status, review, start_at) VALUES (` + dbPlaceholders(db, 4) + `)`

		_, err := db.Exec(insert, int64(1000), int64(9), nil, now())
		require.Error(t, err, "status 9")
		assert.Contains(t, strings.ToLower(err.Error()), "check constraint", err.Error())

		_, err = db.Exec(insert, int64(1001), int64(Draft.Get()), "bogus", now())
		require.Error(t, err, "review 'bogus'")
		assert.Contains(t, strings.ToLower(err.Error()), "check constraint", err.Error())

		// The CHECK admits NULL, which is what a Null field writes: the
		// status column's NOT NULL is what keeps it out there.
		_, err = db.Exec(insert, int64(1002), nil, nil, now())
		require.Error(t, err, "NULL status")

		// Writing a State that holds no state fails before the database
		// sees it.
		err = dbInsert(db, Project{ID: 1003, StartAt: now()})
		require.Error(t, err)
		assert.ErrorIs(t, err, state.ErrNoState)

		// Nothing was written.
		if diff := cmp.Diff(projects, dbReadProjects(t, db), dbProjectsEqual); diff != "" {
			t.Errorf("the table changed (-before +after):\n%s", diff)
		}

		// A declared value still goes in.
		require.NoError(t, dbInsert(db, Project{ID: 1004, Status: Withdrawn, Review: state.Null[ReviewStatus]{State: Approved}, StartAt: now()}))
		assert.Len(t, dbReadProjects(t, db), len(projects)+1)
	})
}

func TestDBScanUndeclaredValue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		// A table without the CHECK constraints, as a legacy table may be.
		_, err := db.Exec(`CREATE TABLE loose (id INTEGER PRIMARY KEY, status INTEGER NULL, review TEXT NULL)`)
		require.NoError(t, err)
		_, err = db.Exec(`INSERT INTO loose (id, status, review) VALUES (1, 9, 'bogus'), (2, NULL, NULL), (3, 2, 'approved')`)
		require.NoError(t, err)
		query := func(id int) string {
			return `SELECT id, status, review FROM loose WHERE id = ` + strconv.Itoa(id)
		}

		t.Run("undeclared status", func(t *testing.T) {
			p := Project{Status: Draft}
			var review any
			err := db.QueryRow(query(1)).Scan(&p.ID, &p.Status, &review)
			require.Error(t, err)
			assert.ErrorIs(t, err, state.ErrUnknownValue)
			var ve *state.ValueError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "ProjectState", ve.Type)
			assert.Equal(t, int64(9), ve.Value)
			msg := err.Error()
			assert.Contains(t, msg, `"status"`, "database/sql names the column")
			assert.Contains(t, msg, "ProjectState does not declare 9")
			assert.Contains(t, msg, `declared: 1 "Draft", 2 "Published", 3 "Withdrawn", 4 "Deleted"`)
			assert.Equal(t, Draft, p.Status, "the field is left as it was")
		})

		t.Run("undeclared review", func(t *testing.T) {
			p := Project{Review: state.Null[ReviewStatus]{State: Requested}}
			var status any
			err := db.QueryRow(query(1)).Scan(&p.ID, &status, &p.Review)
			require.Error(t, err)
			assert.ErrorIs(t, err, state.ErrUnknownValue)
			var ve *state.ValueError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "ReviewState", ve.Type)
			assert.Equal(t, "bogus", ve.Value)
			msg := err.Error()
			assert.Contains(t, msg, `"review"`, "database/sql names the column")
			assert.Contains(t, msg, `ReviewState does not declare "bogus"`)
			assert.Equal(t, Requested, p.Review.State, "the field is left as it was")
		})

		t.Run("NULL status", func(t *testing.T) {
			p := Project{Review: state.Null[ReviewStatus]{State: Requested}}
			err := db.QueryRow(query(2)).Scan(&p.ID, &p.Status, &p.Review)
			require.Error(t, err)
			assert.ErrorIs(t, err, state.ErrNoState)
			assert.NotErrorIs(t, err, state.ErrUnknownValue)
			assert.Contains(t, err.Error(), `"status"`)
			assert.True(t, p.Status.IsZero())

			// NULL is a Null field's own value.
			require.NoError(t, db.QueryRow(`SELECT review FROM loose WHERE id = 2`).Scan(&p.Review))
			assert.True(t, p.Review.IsZero())
		})

		t.Run("declared values", func(t *testing.T) {
			var p Project
			require.NoError(t, db.QueryRow(query(3)).Scan(&p.ID, &p.Status, &p.Review))
			assert.Equal(t, Published, p.Status)
			assert.Equal(t, Approved, p.Review.State)
		})
	})
}

func TestDBPostgresEnumType(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		if db.Name != "postgres" {
			t.Skip("enum types are PostgreSQL's")
		}
		ddl, err := ReviewState.CreateEnumType("review_state")
		require.NoError(t, err)
		_, err = db.Exec(ddl)
		require.NoError(t, err, ddl)

		var labels []string
		rows, err := db.Query(`SELECT unnest(enum_range(NULL::review_state))::text`)
		require.NoError(t, err)
		for rows.Next() {
			var l string
			require.NoError(t, rows.Scan(&l))
			labels = append(labels, l)
		}
		require.NoError(t, rows.Err())
		rows.Close()
		assert.Equal(t, []string{"requested", "approved", "rejected"}, labels, "the labels in declaration order")

		_, err = db.Exec(`CREATE TABLE reviews (id INTEGER PRIMARY KEY, review review_state NULL)`)
		require.NoError(t, err)
		written := []state.Null[ReviewStatus]{{State: Approved}, {State: Requested}, {}, {State: Rejected}}
		for i, r := range written {
			_, err := db.Exec(`INSERT INTO reviews (id, review) VALUES ($1, $2)`, i+1, r)
			require.NoError(t, err, "review %s", r)
		}

		rows, err = db.Query(`SELECT review FROM reviews ORDER BY id`)
		require.NoError(t, err)
		var read []state.Null[ReviewStatus]
		for rows.Next() {
			var r state.Null[ReviewStatus]
			require.NoError(t, rows.Scan(&r))
			read = append(read, r)
		}
		require.NoError(t, rows.Err())
		rows.Close()
		assert.Equal(t, written, read)

		var one state.State[ReviewStatus]
		require.NoError(t, db.QueryRow(`SELECT review FROM reviews WHERE id = 1`).Scan(&one))
		assert.Equal(t, Approved, one)

		// Predicates bind their values against the enum column.
		assert.Equal(t, []int64{1, 4}, dbIDs(t, db, "reviews", Decided.Expr("review")))
		assert.Equal(t, []int64{2}, dbIDs(t, db, "reviews", Review.In(Requested).Expr()))
		assert.Equal(t, []int64{2}, dbIDs(t, db, "reviews", sqlexpr.Not(Decided.Expr("review"))))

		_, err = db.Exec(`INSERT INTO reviews (id, review) VALUES ($1, $2)`, 99, "bogus")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "invalid input value for enum review_state")
		var n int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM reviews`).Scan(&n))
		assert.Equal(t, len(written), n)

		// An int type has no enum.
		_, err = ProjectState.CreateEnumType("project_state")
		assert.Error(t, err)
		assert.False(t, errors.Is(err, state.ErrNoSQL))
	})
}
