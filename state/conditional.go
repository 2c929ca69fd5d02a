package state

import (
	"fmt"
	"iter"
	"log/slog"
	"time"

	"github.com/statecraft/statecraft/state/sqlexpr"
)

// A Conditional is a conditional state: a base state or group narrowed by a
// test on the model at a time, such as Future, "published and starting
// after now". Declare one with Manager.Conditional and give it the same
// test in SQL with WithSQL, with sqlexpr.Now where the test reads the
// time:
//
//	var Future = Status.Conditional("Future", Published,
//		func(p *Project, now time.Time) bool { return p.StartAt.After(now) },
//	).WithSQL(sqlexpr.Col("start_at").Gt(sqlexpr.Now()))
//
// A Conditional is a [Condition]: Match tests a model in Go at a time, and
// Expr renders the base's predicate AND the conditional's own SQL, whose
// Now arguments are bound with At to the same time:
//
//	Future.Match(p, now)
//	Future.Expr().At(now).Render(sqlexpr.Postgres)
//
// The time is passed in, never read from a clock: the transition package
// gives the time of its unit of work (see transition.Scope), so Go and SQL
// agree and a test fixes time in one place.
type Conditional[M any, T comparable] struct {
	m     *Manager[M, T]
	title string
	desc  string
	pos   string
	base  Set[T]
	test  func(*M, time.Time) bool
	sql   sqlexpr.Expr
}

// Conditional declares a conditional state of the Manager's field: the
// model is in it at time now when its state is in base and test(model,
// now) is true. test must not modify the model.
//
// Conditional panics with a *DeclarationError if the title is empty or
// already taken by a state, group or conditional state of the Type, or if
// base belongs to another Type.
func (m *Manager[M, T]) Conditional(title string, base Set[T], test func(model *M, now time.Time) bool, opts ...Option) *Conditional[M, T] {
	pos := callerPos(1)
	defer m.typ.declaring(pos)()
	var o options
	for _, opt := range opts {
		opt.apply(&o)
	}
	switch {
	case base == nil:
		panic(&DeclarationError{Type: m.typ.name, At: pos, Msg: fmt.Sprintf("conditional state %q has no base state", title)})
	case base.Type() != m.typ:
		panic(foreignSet(m.typ, pos, base))
	case test == nil:
		panic(&DeclarationError{Type: m.typ.name, At: pos, Msg: fmt.Sprintf("conditional state %q has no test", title)})
	case o.final:
		panic(&DeclarationError{Type: m.typ.name, At: pos, Msg: fmt.Sprintf("conditional state %q: only states can be final", title)})
	}
	m.declare(title, pos)
	c := &Conditional[M, T]{m: m, title: title, desc: o.desc, pos: pos, base: base, test: test}
	m.conds = append(m.conds, c)
	m.typ.conds = append(m.typ.conds, c)
	return c
}

// WithSQL sets the conditional's own SQL predicate, the counterpart of its
// Go test, and returns c. Expr combines it with the base's predicate, so e
// need only say what the test says. Call it once, where c is declared.
//
// Build e with sqlexpr.Col, so that it can be qualified by a table alias
// (see sqlexpr.Expr.On), and where a column the test reads may be NULL,
// say in SQL what the test says of it (col IS NOT NULL AND ...): SQL's NOT
// of NULL is NULL, so a negated predicate would otherwise select fewer
// rows than Go matches.
func (c *Conditional[M, T]) WithSQL(e sqlexpr.Expr) *Conditional[M, T] {
	defer c.m.typ.declaring(callerPos(1))()
	c.sql = e
	return c
}

// Match reports whether the model's state is in the base and the test
// holds at time now. The test is not called when the state is not in the
// base.
func (c *Conditional[M, T]) Match(model *M, now time.Time) bool {
	return c.base.Contains(*c.m.field(model)) && c.test(model, now)
}

// Expr returns the base's predicate AND the conditional's own SQL. If WithSQL
// was never called, the Expr fails to render with an error wrapping ErrNoSQL:
// the base alone would select rows the Go test rejects.
func (c *Conditional[M, T]) Expr() sqlexpr.Expr {
	if c.sql.IsZero() {
		return sqlexpr.Err(fmt.Errorf("state: conditional state %q of %s: %w", c.title, c.m, ErrNoSQL))
	}
	return sqlexpr.And(setExpr(c.base, c.m.column), c.sql)
}

// ToSql renders Expr with ? placeholders, as [sqlexpr.Expr.ToSql] does
// (which refuses a literal question mark: see [sqlexpr.ErrQuestionMark]).
func (c *Conditional[M, T]) ToSql() (string, []any, error) { return c.Expr().ToSql() }

// HasSQL reports whether WithSQL gave the conditional its own SQL.
func (c *Conditional[M, T]) HasSQL() bool { return !c.sql.IsZero() }

// Title returns the conditional's title, such as "Future".
func (c *Conditional[M, T]) Title() string { return c.title }

// Description returns the conditional's description, if it was given one.
func (c *Conditional[M, T]) Description() string { return c.desc }

// Base returns the state or group the conditional narrows.
func (c *Conditional[M, T]) Base() Set[T] { return c.base }

// Manager returns the Manager the conditional was declared on.
func (c *Conditional[M, T]) Manager() *Manager[M, T] { return c.m }

// String returns the conditional's title.
func (c *Conditional[M, T]) String() string { return c.title }

// LogValue logs the conditional's title and base.
func (c *Conditional[M, T]) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("type", c.m.typ.name),
		slog.String("title", c.title),
		slog.String("base", c.base.Title()),
	)
}

func (c *Conditional[M, T]) info() ConditionalInfo[T] {
	return ConditionalInfo[T]{Title: c.title, Description: c.desc, Base: c.base, Field: c.m.String(), HasSQL: c.HasSQL()}
}

// conditional is a Conditional seen from its Type, without its model.
type conditional[T comparable] interface {
	info() ConditionalInfo[T]
}

// ConditionalInfo describes a conditional state from its Type's point of
// view, where the model is not known.
type ConditionalInfo[T comparable] struct {
	Title       string
	Description string
	Base        Set[T]
	Field       string // the Manager's model and column, such as "main.Project.status"
	HasSQL      bool   // whether it was given its own SQL with WithSQL
}

// Conditionals describes the conditional states declared on the Type's
// Managers, in declaration order.
func (t *Type[T]) Conditionals() iter.Seq[ConditionalInfo[T]] {
	return func(yield func(ConditionalInfo[T]) bool) {
		for _, c := range t.conds {
			if !yield(c.info()) {
				return
			}
		}
	}
}
