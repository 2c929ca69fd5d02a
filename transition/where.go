package transition

import (
	"errors"
	"fmt"
	"time"

	"github.com/statecraft/statecraft/internal/callsite"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// Availability as SQL: the checks of a transition rendered as one
// predicate on the model's table, so that "which projects may this user
// publish" is one query, paginated by the database.

// Where returns the SQL predicate on the rows of the model's table that
// selects the models actor may run the transition on: the transition's
// source states (conditional ones through their SQL), the states of the
// other fields it moves, its When conditions, its related models'
// conditions as EXISTS subqueries (see Relation.WithSQL), and who may run
// it (see AllowSQL):
//
//	where, unchecked := Publish.Where(user)
//	sql, args, err := where.At(now).On("p").Render(sqlexpr.Postgres)
//	// SELECT ... FROM projects AS p WHERE <sql> ORDER BY p.id LIMIT 50
//
// Render it At the time of the check when a condition reads the clock,
// and On the alias of the model's table when it holds related conditions.
//
// A check with no SQL form is never silently dropped: unchecked lists the
// codes of the reasons such checks give (such as "forbidden.owner" or
// "related.parent"), and the predicate leaves them out (a conditional
// state without SQL stands for its base states), so the rows it selects
// are candidates, to re-check in Go with Can. When unchecked is empty the
// predicate is exact: it selects the rows Can accepts, no more, no fewer.
// A transition no one may run, or a nil actor, selects nothing.
func (t *Transition[M, T, A, U, I]) Where(actor A) (where sqlexpr.Expr, unchecked []string) {
	t.m.use()
	if t.m.nilable && isNil(any(actor)) || len(t.allow) == 0 && !t.anyone {
		return sqlexpr.False, nil
	}
	var parts []sqlexpr.Expr
	rules, exact := rulesExpr(t.m.mgr, t.rules)
	parts = append(parts, rules)
	if !exact {
		unchecked = append(unchecked, t.stateCode)
	}
	for _, mv := range t.also {
		e, exact := mv.expr()
		parts = append(parts, e)
		if !exact {
			unchecked = append(unchecked, "wrong_state."+mv.column())
		}
	}
	if !t.anyone {
		ors := make([]sqlexpr.Expr, 0, len(t.allow))
		for _, g := range t.allow {
			if g.sql == nil {
				ors = nil
				unchecked = append(unchecked, t.forbidCode)
				break
			}
			ors = append(ors, g.sql(actor))
		}
		if ors != nil {
			parts = append(parts, sqlexpr.Or(ors...))
		}
	}
	for i, c := range t.when {
		if e := c.Expr(); hasSQL(e) {
			parts = append(parts, e)
		} else {
			unchecked = append(unchecked, t.whenCodes[i])
		}
	}
	for _, r := range t.related {
		if e, ok := r.expr(); ok {
			parts = append(parts, e)
		} else {
			unchecked = append(unchecked, "related."+r.name())
		}
	}
	return sqlexpr.And(parts...), unchecked
}

// hasSQL reports whether e has an SQL form: it does not fail to render
// for want of a conditional state's SQL (see state.ErrNoSQL).
func hasSQL(e sqlexpr.Expr) bool {
	_, _, err := e.At(time.Time{}).Render(sqlexpr.Postgres)
	return !errors.Is(err, state.ErrNoSQL)
}

// rulesExpr is the predicate "one of rules applies": the OR of their
// sources. A conditional source without SQL stands for its base states,
// and the predicate is then not exact.
func rulesExpr[M any, T comparable](mgr *state.Manager[M, T], rules []Rule[T]) (_ sqlexpr.Expr, exact bool) {
	exact = true
	var ors []sqlexpr.Expr
	for _, r := range rules {
		if r.create {
			ors = append(ors, mgr.Column().IsNull())
			continue
		}
		for _, s := range r.sets {
			ors = append(ors, mgr.In(s).Expr())
		}
		for _, c := range r.conds {
			e := c.(interface{ Expr() sqlexpr.Expr }).Expr()
			if !hasSQL(e) {
				exact = false
				e = mgr.In(c.(interface{ Base() state.Set[T] }).Base()).Expr()
			}
			ors = append(ors, e)
		}
	}
	return sqlexpr.Or(ors...), exact // never empty: New refuses a rule with no sources
}

// AllowSQL gives the Allow check named name its SQL form: the predicate on
// the model's row that holds exactly when the check allows actor, for
// Where:
//
//	Publish.Allow("owner", func(_ context.Context, u User, p *Project) bool { return p.Owner == u.Name }).
//		AllowSQL("owner", func(u User) sqlexpr.Expr { return sqlexpr.Col("owner").Eq(u.Name) })
//
// It panics with a *DeclarationError if the transition has no Allow check
// named name.
func (t *Transition[M, T, A, U, I]) AllowSQL(name string, fn func(actor A) sqlexpr.Expr) *Transition[M, T, A, U, I] {
	defer t.m.declaring(t.name, callsite.Pos(1))()
	if fn == nil {
		t.fail("AllowSQL needs a function")
	}
	for i := range t.allow {
		if t.allow[i].title == name {
			t.allow[i].sql = fn
			return t
		}
	}
	t.fail(fmt.Sprintf("AllowSQL(%q): the transition has no Allow check of that name", name))
	return t
}

// WithSQL returns a copy of the relation with its SQL form, for
// Transition.Where: table is the related model's table, and join the
// predicate that joins a row of it (columns made with sqlexpr.Col) to the
// model's row (columns made with sqlexpr.Outer):
//
//	transition.Related("parent", loadParent, Status.In(Published)).
//		WithSQL("projects", sqlexpr.Col("id").Eq(sqlexpr.Outer("parent_id")))
//
// The condition is then an EXISTS subquery on table, aliased by the
// relation's name; with IfAny, a NOT EXISTS of the join also passes. The
// join must select the row load returns, and no other.
func (r *Relation[M, R, U]) WithSQL(table string, join sqlexpr.Expr) *Relation[M, R, U] {
	if table == "" || join.IsZero() {
		panic(&DeclarationError{At: callsite.Pos(0), Msg: fmt.Sprintf("Relation %q: WithSQL needs a table and a join", r.rel)})
	}
	c := *r
	c.table, c.join = table, join
	return &c
}

// expr is the relation's SQL form, if it has one.
func (r *Relation[M, R, U]) expr() (sqlexpr.Expr, bool) {
	if r.table == "" {
		return sqlexpr.Expr{}, false
	}
	cond := r.cond.Expr()
	if !hasSQL(cond) {
		return sqlexpr.Expr{}, false
	}
	holds := sqlexpr.Exists(r.table, r.rel, sqlexpr.And(r.join, cond))
	if r.optional {
		return sqlexpr.Or(sqlexpr.Not(sqlexpr.Exists(r.table, r.rel, r.join)), holds), true
	}
	return holds, true
}
