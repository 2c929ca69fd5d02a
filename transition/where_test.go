package transition_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
)

// Where, as the SQL it renders and the codes it leaves unchecked. (The
// rows it selects are compared with Can on a real database in package
// sqlstore.)

var (
	// whereStale is a draft past its body's deadline: a conditional state
	// with no SQL form.
	whereStale = DocStatus.Conditional("stale", "Stale", DocDraft, func(d *Doc, _ time.Time) bool { return d.Body == "" })
	// whereStuck is a pending review with no SQL form.
	whereStuck = DocReview.Conditional("stuck", "Stuck", DocPending, func(d *Doc, _ time.Time) bool { return d.Body == "" })
	// whereFresh is a pending review with one.
	whereFresh = DocReview.Conditional("fresh", "Fresh", DocPending, func(d *Doc, _ time.Time) bool { return d.Body != "" }).
			WithSQL(sqlexpr.Col("body").Ne(""))
)

func loadWhereParent(_ context.Context, r *recorder, d *Doc) (*Doc, error) {
	p, ok := r.stored[d.ID+1]
	if !ok {
		return nil, nil
	}
	return &p, nil
}

func whereSQL(t *testing.T, e sqlexpr.Expr) (string, []any) {
	t.Helper()
	sql, args, err := e.At(Clock()).On("d").Render(sqlexpr.Postgres)
	require.NoError(t, err)
	return sql, args
}

// Every check with an SQL form is in the predicate; every one without is
// left out and named by the code of the reason it gives.
func TestWhereRendersEveryCheck(t *testing.T) {
	docs := transition.For[User, *recorder](DocStatus)
	parent := transition.Related("parent", loadWhereParent, DocStatus.In(DocLive))
	join := sqlexpr.Col("id").Eq(sqlexpr.Outer("parent_id"))
	exact := transition.New[transition.NoInput](docs, "exact", transition.From(DocDraft).To(DocLive)).
		Allow("writer", func(_ context.Context, u User, d *Doc) bool { return u.Name == d.Body }).
		AllowSQL("writer", func(u User) sqlexpr.Expr { return sqlexpr.Col("body").Eq(u.Name) }).
		Also(transition.Field(DocReview, transition.From(whereFresh).To(DocOK))).
		When(whereFresh).
		WhenRelated(parent.WithSQL("docs", join))
	loose := transition.New[transition.NoInput](docs, "loose", transition.From(whereStale, DocLive).To(DocGone)).
		Allow("admin", func(_ context.Context, u User, _ *Doc) bool { return u.Admin }).
		AllowSQL("admin", func(User) sqlexpr.Expr { return sqlexpr.True }).
		Allow("writer", func(_ context.Context, u User, d *Doc) bool { return u.Name == d.Body }).
		Also(transition.Field(DocReview, transition.From(whereStuck).To(DocOK))).
		When(whereStale).
		WhenRelated(parent, parent.IfAny().WithSQL("docs", join))
	nobody := transition.New[transition.NoInput](docs, "nobody", transition.From(DocDraft).To(DocGone))
	anyone := transition.New[transition.NoInput](docs, "anyone", transition.From(DocLive).Stay()).AllowAnyone()
	staleParent := transition.New[transition.NoInput](docs, "stale_parent", transition.From(DocLive).To(DocGone)).AllowAnyone().
		WhenRelated(transition.Related("parent", loadWhereParent, whereStale).WithSQL("docs", join))
	create := transition.New[transition.NoInput](docs, "create", transition.Create(DocDraft)).AllowAnyone()

	where, unchecked := exact.Where(Alice)
	assert.Empty(t, unchecked, "every check has an SQL form: the predicate is exact")
	sql, args := whereSQL(t, where)
	assert.Equal(t, `"d"."status" = $1 AND "d"."review" = $2 AND "d"."body" <> $3 AND "d"."body" = $4 AND `+
		`"d"."review" = $5 AND "d"."body" <> $6 AND `+
		`EXISTS (SELECT 1 FROM "docs" AS "parent" WHERE "parent"."id" = "d"."parent_id" AND "parent"."status" = $7)`, sql)
	assert.Equal(t, []any{"draft", "pending", "", "alice", "pending", "", "live"}, args)

	where, unchecked = loose.Where(Alice)
	assert.Equal(t, []string{"wrong_state.status", "wrong_state.review", "forbidden.admin_or_writer", "unmet.stale", "related.parent"}, unchecked)
	sql, args = whereSQL(t, where)
	assert.Equal(t, `("d"."status" = $1 OR "d"."status" = $2) AND "d"."review" = $3 AND `+
		`(NOT EXISTS (SELECT 1 FROM "docs" AS "parent" WHERE "parent"."id" = "d"."parent_id") OR `+
		`EXISTS (SELECT 1 FROM "docs" AS "parent" WHERE "parent"."id" = "d"."parent_id" AND "parent"."status" = $4))`, sql)
	assert.Equal(t, []any{"live", "draft", "pending", "live"}, args)

	where, unchecked = nobody.Where(Root)
	assert.Empty(t, unchecked)
	sql, _ = whereSQL(t, where)
	assert.Equal(t, "1=0", sql, "a transition no one may run selects nothing")

	// A relation whose condition has no SQL form is left unchecked, even
	// with a table and a join.
	where, unchecked = staleParent.Where(Bob)
	assert.Equal(t, []string{"related.parent"}, unchecked)
	sql, args = whereSQL(t, where)
	assert.Equal(t, `"d"."status" = $1`, sql)
	assert.Equal(t, []any{"live"}, args)

	// A creation starts from no row: its column is NULL.
	where, unchecked = create.Where(Bob)
	assert.Empty(t, unchecked)
	sql, _ = whereSQL(t, where)
	assert.Equal(t, `"d"."status" IS NULL`, sql)

	where, unchecked = anyone.Where(Bob)
	assert.Empty(t, unchecked)
	sql, args = whereSQL(t, where)
	assert.Equal(t, `"d"."status" = $1`, sql, "anyone: no actor check at all")
	assert.Equal(t, []any{"live"}, args)
}

// A nil actor selects nothing.
func TestWhereNilActorSelectsNothing(t *testing.T) {
	docs := transition.For[*User, *recorder](DocStatus)
	edit := transition.New[transition.NoInput](docs, "edit", transition.From(DocDraft).Stay()).AllowAnyone()
	where, unchecked := edit.Where(nil)
	assert.Empty(t, unchecked)
	sql, _ := whereSQL(t, where)
	assert.Equal(t, "1=0", sql)
	where, _ = edit.Where(&Alice)
	sql, _ = whereSQL(t, where)
	assert.Equal(t, `"d"."status" = $1`, sql)
}

// AllowSQL and WithSQL refuse what cannot be rendered.
func TestWhereDeclarationsAreChecked(t *testing.T) {
	docs := transition.For[User, *recorder](DocStatus)
	de := declPanic(t, func() {
		transition.New[transition.NoInput](docs, "a", transition.From(DocDraft).To(DocLive)).
			Allow("writer", func(context.Context, User, *Doc) bool { return true }).AllowSQL("writer", nil)
	})
	assert.Contains(t, de.Msg, "AllowSQL needs a function")
	de = declPanic(t, func() {
		transition.New[transition.NoInput](docs, "b", transition.From(DocDraft).To(DocLive)).
			Allow("writer", func(context.Context, User, *Doc) bool { return true }).
			AllowSQL("owner", func(User) sqlexpr.Expr { return sqlexpr.True })
	})
	assert.Contains(t, de.Msg, `AllowSQL("owner"): the transition has no Allow check of that name`)
	parent := transition.Related("parent", loadWhereParent, DocStatus.In(DocLive))
	for _, c := range []struct {
		table string
		join  sqlexpr.Expr
	}{{"", sqlexpr.Col("id").Eq(1)}, {"docs", sqlexpr.Expr{}}} {
		de = declPanic(t, func() { parent.WithSQL(c.table, c.join) })
		assert.Equal(t, `Relation "parent": WithSQL needs a table and a join`, de.Msg)
	}
}
