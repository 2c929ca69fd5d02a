package state_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// A self-join: a project and its parent, each predicate rendered against
// its table alias with On, selects exactly the pairs Go matches, on SQLite
// and PostgreSQL, with NULLs in the state and condition columns.

type sjNode struct {
	ID, Parent int64
	Status     state.State[int]
	Review     state.Null[ReviewStatus]
	StartAt    *time.Time // NULL: no start
}

// A Type of its own, so that the fixture's Types keep their conditionals.
var (
	sjType      = state.NewType[int]("SJState")
	sjDraft     = sjType.State(1, "Draft")
	sjPublished = sjType.State(2, "Published")
	sjWithdrawn = sjType.State(3, "Withdrawn")
	sjDeleted   = sjType.State(4, "Deleted")
	sjVisible   = sjType.Group("visible", "Visible", sjDraft.Or(sjPublished))
	sjGone      = sjType.Group("gone", "Gone", sjWithdrawn.Or(sjDeleted))
)

var (
	sjStatus = state.Bind(sjType, "status", func(n *sjNode) *state.State[int] { return &n.Status })
	sjReview = state.Bind(ReviewState, "review", func(n *sjNode) *state.State[ReviewStatus] { return &n.Review.State })
	sjSoon   = sjStatus.Conditional("starting_soon", "Starting soon", sjPublished, func(n *sjNode, now time.Time) bool {
		return n.StartAt != nil && n.StartAt.After(now) && n.StartAt.Before(now.Add(48*time.Hour))
	}).WithSQL(sqlexpr.And( // NULL-safe, as the Go test is: a NULL start is not soon, and NOT of it is true
		sqlexpr.Col("start_at").IsNotNull(),
		sqlexpr.Col("start_at").Gt(sqlexpr.Now()),
		sqlexpr.Col("start_at").Lt(sqlexpr.NowPlus(48*time.Hour))))
	sjNotDeleted = sjType.Except(sjDeleted)
)

// sjNodes: every status, with and without a review, with and without a
// start (none, past, soon, far), each the parent of the next.
func sjNodes() []sjNode {
	var ns []sjNode
	starts := []*time.Time{nil, ptr(now().Add(-time.Hour)), ptr(now().Add(time.Hour)), ptr(now().Add(90 * 24 * time.Hour))}
	reviews := []state.Null[ReviewStatus]{{}, {State: Requested}, {State: Approved}}
	id := int64(1)
	for s := range sjType.States() {
		for _, r := range reviews {
			for _, at := range starts {
				ns = append(ns, sjNode{ID: id, Parent: id - 1, Status: s, Review: r, StartAt: at})
				id++
			}
		}
	}
	return ns
}

func ptr[T any](v T) *T { return &v }

func TestDBSelfJoinWithAliases(t *testing.T) {
	type pred struct {
		name string
		sql  sqlexpr.Expr
		goes func(c, p *sjNode) bool
	}
	at := now()
	in := func(c state.Condition[sjNode], n *sjNode) bool { return c.Match(n, at) }
	preds := []pred{
		{"child published, parent not deleted",
			sqlexpr.And(sjStatus.In(sjPublished).Expr().On("c"), sjStatus.In(sjNotDeleted).Expr().On("p")),
			func(c, p *sjNode) bool { return in(sjStatus.In(sjPublished), c) && in(sjStatus.In(sjNotDeleted), p) }},
		{"child starting soon, parent visible",
			sqlexpr.And(sjSoon.Expr().On("c"), sjStatus.In(sjVisible).Expr().On("p")),
			func(c, p *sjNode) bool { return in(sjSoon, c) && in(sjStatus.In(sjVisible), p) }},
		{"parent starting soon or approved",
			sqlexpr.Or(sjSoon.Expr(), sjReview.In(Approved).Expr()).On("p"),
			func(c, p *sjNode) bool { return in(sjSoon, p) || in(sjReview.In(Approved), p) }},
		{"neither starting soon (NULL start is not soon)",
			sqlexpr.And(sqlexpr.Not(sjSoon.Expr()).On("c"), sqlexpr.Not(sjSoon.Expr()).On("p")),
			func(c, p *sjNode) bool { return !in(sjSoon, c) && !in(sjSoon, p) }},
		{"child's review not approved (NULL is selected by neither)",
			sqlexpr.Not(sjReview.In(Approved).Expr()).On("c"),
			func(c, p *sjNode) bool { return !c.Review.IsZero() && !in(sjReview.In(Approved), c) }},
		{"qualified columns are left alone",
			sqlexpr.And(sjDraft.Expr("p.status"), sjStatus.In(sjDraft).Expr()).On("c"),
			func(c, p *sjNode) bool { return p.Status == sjDraft && c.Status == sjDraft }},
	}
	nodes := sjNodes()
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		ts := "TIMESTAMP"
		if db.Name == "postgres" {
			ts = "TIMESTAMPTZ"
		}
		_, err := db.Exec(`CREATE TABLE nodes (id INTEGER PRIMARY KEY, parent_id INTEGER, status INTEGER NOT NULL, review TEXT, start_at ` + ts + `)`)
		require.NoError(t, err)
		for _, n := range nodes {
			var start any
			if n.StartAt != nil {
				start = *n.StartAt
			}
			_, err := db.Exec(`INSERT INTO nodes (id, parent_id, status, review, start_at) VALUES (`+dbPlaceholders(db, 5)+`)`,
				n.ID, n.Parent, n.Status, n.Review, start)
			require.NoError(t, err)
		}
		byID := map[int64]*sjNode{}
		for i := range nodes {
			byID[nodes[i].ID] = &nodes[i]
		}
		for _, p := range preds {
			where, args, err := p.sql.At(at).Render(db.Dialect)
			require.NoError(t, err, p.name)
			got := dbQueryIDs(t, db, `SELECT c.id FROM nodes c JOIN nodes p ON p.id = c.parent_id WHERE `+where+` ORDER BY c.id`, args)
			var want []int64
			for i := range nodes {
				if c := &nodes[i]; byID[c.Parent] != nil && p.goes(c, byID[c.Parent]) {
					want = append(want, c.ID)
				}
			}
			assert.Equal(t, want, got, "%s: %s %v", p.name, where, args)
			assert.NotEmpty(t, want, "%s selects some rows, so the test means something", p.name)
		}
	})
}

func TestOnQualifiesColumns(t *testing.T) {
	sql, _, err := sjStatus.In(sjGone).Expr().On("p").Render(sqlexpr.Postgres)
	require.NoError(t, err)
	assert.Equal(t, `"p"."status" IN ($1, $2)`, sql)
	_, _, err = Future.Expr().On("p").At(now()).Render(sqlexpr.Postgres)
	require.ErrorIs(t, err, sqlexpr.ErrUnqualified, "raw SQL cannot be qualified")
	assert.Contains(t, fmt.Sprint(err), `inside On("p")`)
	sql, _, err = sqlexpr.And(sjStatus.In(sjDraft).Expr().On("a"), sjStatus.In(sjDraft).Expr()).On("b").Render(sqlexpr.SQLite)
	require.NoError(t, err)
	assert.Equal(t, `"a"."status" = ? AND "b"."status" = ?`, sql, "an inner On wins")
}
