package state

import (
	"fmt"
	"time"

	"github.com/statecraft/statecraft/internal/stateinfo"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// A Conditional is a conditional state: a base state or group narrowed by a
// test on the model at a time, such as Future, "published and starting
// after now". Declare one with Manager.Conditional and give it the same
// test in SQL with WithSQL, with sqlexpr.Now where the test reads the
// time:
//
//	var Future = Status.Conditional("future", "Future", Published,
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
// A Conditional is also a [Source], but not a [Set]: whether a model is in
// it depends on more than its state, so a state alone cannot be tested
// against it.
//
// Manager.Group declares the other kind of Conditional, a conditional
// group: the union of states, groups and conditional states, such as
// Recallable, "withdrawn, or published but not started yet". Its Members
// are what it was declared with; a plain conditional state has none.
//
// The time is passed in, never read from a clock: the transition package
// gives the time of its unit of work (see transition.Scope), so Go and SQL
// agree and a test fixes time in one place.
type Conditional[M any, T comparable] struct {
	m     *Manager[M, T]
	name  string
	title string
	desc  string
	pos   string
	base  Set[T]
	test  func(*M, time.Time) bool // nil for a conditional group
	sql   sqlexpr.Expr

	// A conditional group's members as declared, then split by kind: the
	// states of its Set members, and its conditional members.
	members []Source[T]
	sets    *Group[T] // nil if it has no Set members
	conds   []*Conditional[M, T]
}

// Conditional declares a conditional state of the Manager's field, with a
// name (an identifier, as for [Type.Group]) and a title: the model is in
// it at time now when its state is in base and test(model, now) is true.
// test must not modify the model.
//
// Conditional panics with a *DeclarationError if the title is empty or
// already taken by a state, group or conditional state of the Type, if the
// name is not an identifier or is already taken by a group or conditional
// state of the Type (of any of its Managers), or if base belongs to
// another Type.
func (m *Manager[M, T]) Conditional(name, title string, base Set[T], test func(model *M, now time.Time) bool, opts ...Option) *Conditional[M, T] {
	pos := callerPos(1)
	defer m.typ.declaring(pos)()
	var o options
	for _, opt := range opts {
		opt.apply(&o)
	}
	if base == nil {
		panic(&DeclarationError{Type: m.typ.name, At: pos, Msg: fmt.Sprintf("conditional state %q has no base state", title)})
	}
	if base.Type() != m.typ {
		panic(foreignSet(m.typ, pos, base))
	}
	if test == nil {
		panic(&DeclarationError{Type: m.typ.name, At: pos, Msg: fmt.Sprintf("conditional state %q has no test", title)})
	}
	if o.final {
		panic(&DeclarationError{Type: m.typ.name, At: pos, Msg: fmt.Sprintf("conditional state %q: only states can be final", title)})
	}
	m.declare("conditional state", name, title, pos)
	c := &Conditional[M, T]{m: m, name: name, title: title, desc: o.desc, pos: pos, base: base, test: test}
	m.conds = append(m.conds, c)
	return c
}

// Group declares a conditional group: the union of members, which may be
// states and groups of the Manager's Type and conditional states (or
// conditional groups) of the Manager itself. A model is in it at time now
// when it is in any member: a state or group by its current state, a
// conditional state by its Match. Where "recallable" is "withdrawn, or
// published but not started yet":
//
//	Recallable = Status.Group("recallable", "Recallable", Withdrawn, Future)
//
// Its membership needs the model, so it is a *Conditional, not a *Group:
// a bare state cannot be tested against it. Its Base is the union of the
// members' states and bases (Withdrawn or Published), its Members are
// members, and its Expr is the OR of the members' predicates on the
// Manager's column, the states of Set members in one IN. A conditional
// member without SQL makes that Expr fail to render with an error wrapping
// ErrNoSQL; WithSQL gives the group SQL of its own instead.
//
// The name and title are checked as for Conditional. Group panics with a
// *DeclarationError if members is empty or holds nil, a set of another
// Type, or a conditional state of another Manager.
func (m *Manager[M, T]) Group(name, title string, members ...Source[T]) *Conditional[M, T] {
	pos := callerPos(1)
	defer m.typ.declaring(pos)()
	what := fmt.Sprintf("conditional group %q of %s", title, m)
	if len(members) == 0 {
		panic(&DeclarationError{Type: m.typ.name, At: pos, Msg: what + " has no members"})
	}
	c := &Conditional[M, T]{m: m, name: name, title: title, pos: pos, members: append([]Source[T](nil), members...)}
	var sets, bases []Set[T]
	for _, src := range members {
		switch s := src.(type) {
		case nil:
			panic(&DeclarationError{Type: m.typ.name, At: pos, Msg: what + " has a nil member"})
		case Set[T]:
			if s.Type() != m.typ {
				panic(foreignSet(m.typ, pos, s))
			}
			sets = append(sets, s)
			bases = append(bases, s)
		case *Conditional[M, T]:
			if s == nil {
				panic(&DeclarationError{Type: m.typ.name, At: pos, Msg: what + " has a nil member"})
			}
			if s.m != m {
				panic(&DeclarationError{Type: m.typ.name, At: pos, Err: ErrForeignState,
					Msg: fmt.Sprintf("%s: member %q is a conditional state of %s, not of %s", what, s.title, s.declaredOn(), m)})
			}
			c.conds = append(c.conds, s)
			bases = append(bases, s.base)
		default: // a conditional state of a Manager of another model
			panic(&DeclarationError{Type: m.typ.name, At: pos, Err: ErrForeignState,
				Msg: fmt.Sprintf("%s: member %q is a conditional state of %s, not of %s", what, src.Title(), src.declaredOn(), m)})
		}
	}
	m.declare("conditional group", name, title, pos)
	c.base = union(m.typ, pos, bases)
	if len(sets) > 0 {
		c.sets = union(m.typ, pos, sets)
	}
	m.conds = append(m.conds, c)
	return c
}

// WithSQL sets the conditional's own SQL predicate, the counterpart of its
// Go test, and returns c. Expr combines it with the base's predicate, so e
// need only say what the test says. For a conditional group, e replaces
// the OR of its members' predicates. Call it once, where c is declared.
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
// holds at time now; for a conditional group, whether the model is in any
// of its members. A test is not called when the state is not in its base.
func (c *Conditional[M, T]) Match(model *M, now time.Time) bool {
	s := *c.m.field(model)
	if !c.base.Contains(s) {
		return false
	}
	if c.test != nil {
		return c.test(model, now)
	}
	if c.sets != nil && c.sets.Contains(s) {
		return true
	}
	for _, m := range c.conds {
		if m.Match(model, now) {
			return true
		}
	}
	return false
}

// Expr returns the base's predicate AND the conditional's own SQL. If WithSQL
// was never called, the Expr fails to render with an error wrapping ErrNoSQL:
// the base alone would select rows the Go test rejects.
//
// A conditional group without SQL of its own returns the OR of its
// members' predicates: "status" = $1 OR ("status" = $2 AND "start_at" > $3)
// for Recallable. It fails to render with an error wrapping ErrNoSQL if a
// conditional member has no SQL.
func (c *Conditional[M, T]) Expr() sqlexpr.Expr {
	if !c.sql.IsZero() {
		return sqlexpr.And(setExpr(c.base, c.m.column), c.sql)
	}
	if c.members == nil {
		return sqlexpr.Err(fmt.Errorf("state: conditional state %q of %s: %w", c.title, c.m, ErrNoSQL))
	}
	es := make([]sqlexpr.Expr, 0, len(c.conds)+1)
	if c.sets != nil {
		es = append(es, setExpr(c.sets, c.m.column))
	}
	for _, m := range c.conds {
		if !m.hasSQL() {
			return sqlexpr.Err(fmt.Errorf("state: conditional group %q of %s: member %q has no SQL: %w", c.title, c.m, m.title, ErrNoSQL))
		}
		es = append(es, m.Expr())
	}
	return sqlexpr.Or(es...)
}

// hasSQL reports whether Expr renders without ErrNoSQL.
func (c *Conditional[M, T]) hasSQL() bool {
	if !c.sql.IsZero() {
		return true
	}
	if c.members == nil {
		return false
	}
	for _, m := range c.conds {
		if !m.hasSQL() {
			return false
		}
	}
	return true
}

// Name returns the conditional's name, such as "future".
func (c *Conditional[M, T]) Name() string { return c.name }

// Title returns the conditional's title, such as "Future".
func (c *Conditional[M, T]) Title() string { return c.title }

// Description returns the conditional's description, if it was given one.
func (c *Conditional[M, T]) Description() string { return c.desc }

// Base returns the state or group the conditional narrows. A conditional
// group's Base is the anonymous group of its members' states and bases.
func (c *Conditional[M, T]) Base() Set[T] { return c.base }

// Members returns the members of a conditional group, as it was declared
// with them (see Manager.Group), and nil for a plain conditional state.
// The slice is the caller's.
func (c *Conditional[M, T]) Members() []Source[T] {
	if c.members == nil {
		return nil
	}
	return append([]Source[T](nil), c.members...)
}

// String returns the conditional's title.
func (c *Conditional[M, T]) String() string { return c.title }

func (c *Conditional[M, T]) declaredOn() string { return c.m.String() }
func (c *Conditional[M, T]) sourceOf(T)         {}

// managerOf returns the Manager c was declared on, for package transition
// (through internal/stateinfo) to check that a rule's conditional source
// belongs to the rule's field.
func (c *Conditional[M, T]) managerOf() any { return c.m }

func init() {
	stateinfo.RegisterManagerOf(func(v any) (any, bool) {
		if c, ok := v.(interface{ managerOf() any }); ok {
			return c.managerOf(), true
		}
		return nil, false
	})
}
