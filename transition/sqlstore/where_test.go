package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// Availability as SQL: a transition's Where predicate selects exactly the
// rows its Can accepts, on a table with rows in every state, with and
// without related rows, for several actors.

type DocStatus string

func (DocStatus) StateType() *state.Type[DocStatus] { return DocState }

var (
	DocState     = state.NewType[DocStatus]("DocState")
	DocDraft     = DocState.State("draft", "Draft")
	DocPublished = DocState.State("published", "Published")
	DocArchived  = DocState.State("archived", "Archived", state.Final())
	DocStatusOf  = state.Bind(DocState, "status", func(d *Doc) *state.State[DocStatus] { return &d.Status })
	// Late is a draft past its due time.
	Late = DocStatusOf.Conditional("late", "Late", DocDraft, func(d *Doc, now time.Time) bool { return d.Due.Before(now) }).
		WithSQL(sqlexpr.Col("due").Lt(sqlexpr.Now()))
)

// Doc is a document with an owner, a due time, and an optional parent
// (0 for none; a parent id may point at no row).
type Doc struct {
	ID       int64
	ParentID int64
	Owner    string
	Status   state.State[DocStatus]
	Due      time.Time
}

type Editor struct {
	Name  string
	Admin bool
}

type DocRepo struct{ q sqlstore.Querier }

var docRows = sqlstore.Map[*DocRepo]("docs", func(d *Doc) []sqlstore.Column {
	return []sqlstore.Column{sqlstore.Key("id", &d.ID), sqlstore.Col("parent_id", &d.ParentID), sqlstore.Col("owner", &d.Owner),
		sqlstore.Col("status", &d.Status), sqlstore.Col("due", &d.Due)}
})

func loadParent(ctx context.Context, r *DocRepo, d *Doc) (*Doc, error) {
	if d.ParentID == 0 {
		return nil, nil
	}
	ds, err := docRows.Select(ctx, r.q, sqlexpr.Col("id").Eq(d.ParentID), sqlstore.ForShare)
	if err != nil || len(ds) == 0 {
		return nil, err
	}
	return ds[0], nil
}

var (
	Docs        = transition.For[Editor, *DocRepo](DocStatusOf).Identify(func(d *Doc) any { return d.ID }).Table(docRows)
	isOwner     = func(_ context.Context, e Editor, d *Doc) bool { return d.Owner == e.Name }
	isAdmin     = func(_ context.Context, e Editor, _ *Doc) bool { return e.Admin }
	parentIsPub = transition.Related("parent", loadParent, DocStatusOf.In(DocPublished))

	PublishDoc = transition.New[transition.NoInput](Docs, "publish", transition.From(DocDraft).To(DocPublished)).
			Allow("owner", isOwner).AllowSQL("owner", func(e Editor) sqlexpr.Expr { return sqlexpr.Col("owner").Eq(e.Name) }).
			Allow("admin", isAdmin).AllowSQL("admin", func(e Editor) sqlexpr.Expr {
		if e.Admin {
			return sqlexpr.True
		}
		return sqlexpr.False
	}).
		WhenRelated(parentIsPub.IfAny().WithSQL("docs", sqlexpr.Col("id").Eq(sqlexpr.Outer("parent_id"))))
	// Only under a published parent, which must exist.
	AdoptDoc = transition.New[transition.NoInput](Docs, "adopt", transition.From(DocDraft, DocPublished).Stay()).AllowAnyone().
			WhenRelated(parentIsPub.WithSQL("docs", sqlexpr.Col("id").Eq(sqlexpr.Outer("parent_id"))))
	ExpediteDoc = transition.New[transition.NoInput](Docs, "expedite", transition.From(Late).To(DocPublished)).AllowAnyone()
	// Its owner check has no SQL form: the predicate selects candidates.
	ArchiveDoc = transition.New[transition.NoInput](Docs, "archive", transition.From(DocPublished).To(DocArchived)).Allow("owner", isOwner)
	// Its parent check has no SQL form either.
	DetachDoc = transition.New[transition.NoInput](Docs, "detach", transition.From(DocDraft).Stay()).AllowAnyone().
			WhenRelated(parentIsPub)
)

func TestWhereAgreesWithCan(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		ctx := context.Background()
		st, err := sqlstore.New(db.DB, db.Dialect, func(q sqlstore.Querier) *DocRepo { return &DocRepo{q} }, &sqlstore.Options{Now: func() time.Time { return now }})
		require.NoError(t, err)
		check, err := DocState.CheckConstraint(db.Dialect, "status")
		require.NoError(t, err)
		due := "TIMESTAMP"
		if db.Name == "postgres" {
			due = "TIMESTAMPTZ"
		}
		_, err = db.ExecContext(ctx, `CREATE TABLE docs (id BIGINT PRIMARY KEY, parent_id BIGINT NOT NULL, owner TEXT NOT NULL, status TEXT NOT NULL `+check+`, due `+due+` NOT NULL)`)
		require.NoError(t, err)

		// Parents 1-3 in every state; then a doc for every state, owner,
		// parent (none, each parent, one that does not exist) and due time.
		var docs []Doc
		for i, s := range []state.State[DocStatus]{DocDraft, DocPublished, DocArchived} {
			docs = append(docs, Doc{ID: int64(i + 1), Owner: "alice", Status: s, Due: now.Add(time.Hour)})
		}
		id := int64(100)
		for _, s := range []state.State[DocStatus]{DocDraft, DocPublished, DocArchived} {
			for _, owner := range []string{"alice", "bob"} {
				for _, parent := range []int64{0, 1, 2, 3, 99} {
					for _, d := range []time.Duration{-time.Hour, time.Hour} {
						id++
						docs = append(docs, Doc{ID: id, ParentID: parent, Owner: owner, Status: s, Due: now.Add(d)})
					}
				}
			}
		}
		for _, d := range docs {
			q := `INSERT INTO docs (id, parent_id, owner, status, due) VALUES (?, ?, ?, ?, ?)`
			if db.Name == "postgres" {
				q = `INSERT INTO docs (id, parent_id, owner, status, due) VALUES ($1, $2, $3, $4, $5)`
			}
			_, err := db.ExecContext(ctx, q, d.ID, d.ParentID, d.Owner, d.Status, d.Due)
			require.NoError(t, err)
		}

		type tr interface {
			Where(Editor) (sqlexpr.Expr, []string)
			Can(context.Context, transition.Scope[*DocRepo], Editor, *Doc) bool
			Name() string
		}
		for _, tc := range []struct {
			t         tr
			unchecked []string
		}{
			{PublishDoc, nil}, {AdoptDoc, nil}, {ExpediteDoc, nil},
			{ArchiveDoc, []string{"forbidden.owner"}}, {DetachDoc, []string{"related.parent"}},
		} {
			for _, who := range []Editor{{Name: "alice"}, {Name: "bob"}, {Name: "carol", Admin: true}} {
				t.Run(fmt.Sprintf("%s by %s", tc.t.Name(), who.Name), func(t *testing.T) {
					where, unchecked := tc.t.Where(who)
					assert.Equal(t, tc.unchecked, unchecked)
					sql, args, err := where.At(now).On("d").Render(db.Dialect)
					require.NoError(t, err)
					rows, err := db.QueryContext(ctx, `SELECT d.id FROM docs AS d WHERE `+sql+` ORDER BY d.id`, args...)
					require.NoError(t, err)
					var selected []int64
					for rows.Next() {
						var id int64
						require.NoError(t, rows.Scan(&id))
						selected = append(selected, id)
					}
					require.NoError(t, rows.Err())
					rows.Close()

					var accepted []int64
					require.NoError(t, st.View(ctx, func(sc transition.Scope[*DocRepo]) error {
						all, err := docRows.Select(ctx, sc.Unit().q, sqlexpr.Expr{}, sqlstore.NoLock)
						require.NoError(t, err)
						for _, d := range all {
							if tc.t.Can(ctx, sc, who, d) {
								accepted = append(accepted, d.ID)
							}
						}
						return nil
					}))
					if len(tc.unchecked) == 0 {
						assert.Equal(t, accepted, selected, "SQL selects exactly what Can accepts: %s", where)
					} else {
						for _, id := range accepted {
							assert.Contains(t, selected, id, "a row Can accepts is a candidate")
						}
						assert.Greater(t, len(selected), len(accepted), "the unchecked part is left out, not guessed")
					}
					if tc.t.Name() == "publish" && !who.Admin {
						assert.NotEmpty(t, accepted, "the test proves something")
						assert.True(t, slices.IsSorted(selected))
					}
				})
			}
		}
	})
}
