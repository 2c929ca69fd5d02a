package state

import (
	"fmt"
	"reflect"
	"time"

	"github.com/statecraft/statecraft/state/sqlexpr"
)

// A Manager binds a Type to one field of a model type M, stored in one
// column. It is what knows both the model and the states: it reads a
// model's current state, declares conditional states and conditional
// groups (which test the model), tells which of them a model is in
// (Current, Best), and renders predicates on the field's column.
//
// A model may have several Managers, one per state field, such as a
// Project's publication status and its review status:
//
//	var (
//		Status = state.Bind(ProjectState, "status", func(p *Project) *state.State[ProjectStatus] { return &p.Status })
//		Review = state.Bind(ReviewState, "review", func(p *Project) *state.State[ReviewStatus] { return &p.Review })
//	)
//
// The field function must return a pointer into the model it is given, and
// must not fail: it is called on every check. For a Null field, return the
// address of its State: &p.Review.State.
type Manager[M any, T comparable] struct {
	typ    *Type[T]
	column sqlexpr.Ident
	name   string // the column as given, for messages
	model  string // M's name, for messages
	field  func(*M) *State[T]
	pos    string
	conds  []*Conditional[M, T]
	titles map[string]string
}

// Bind returns the Manager of the field of M that field points to, whose
// column is named column (a name such as "status", or a qualified name such
// as "projects.status"). Bind panics with a *DeclarationError if an
// argument is missing or field returns nil.
func Bind[M any, T comparable](t *Type[T], column string, field func(m *M) *State[T]) *Manager[M, T] {
	pos := callerPos(1)
	model := reflect.TypeFor[M]().String()
	if t == nil {
		panic(&DeclarationError{At: pos, Msg: "Bind of a nil Type to " + model})
	}
	if column == "" {
		panic(&DeclarationError{Type: t.name, At: pos, Msg: "Bind to " + model + " needs a column name"})
	}
	if field == nil {
		panic(&DeclarationError{Type: t.name, At: pos, Msg: "Bind to " + model + "." + column + " needs a field function"})
	}
	if field(new(M)) == nil {
		panic(&DeclarationError{Type: t.name, At: pos, Msg: "the field function of " + model + "." + column + " returned nil"})
	}
	return &Manager[M, T]{
		typ:    t,
		column: sqlexpr.ParseIdent(column),
		name:   column,
		model:  model,
		field:  field,
		pos:    pos,
		titles: map[string]string{},
	}
}

// Type returns the Type the Manager binds.
func (m *Manager[M, T]) Type() *Type[T] { return m.typ }

// Column returns the column the field is stored in.
func (m *Manager[M, T]) Column() sqlexpr.Ident { return m.column }

// Name returns the column's name as given to Bind, such as "status".
func (m *Manager[M, T]) Name() string { return m.name }

// String returns the model and column, such as "main.Project.status".
func (m *Manager[M, T]) String() string { return m.model + "." + m.name }

// Field returns a pointer to the model's state field.
func (m *Manager[M, T]) Field(model *M) *State[T] { return m.field(model) }

// Get returns the model's current state. It is the zero State if the field
// holds none.
func (m *Manager[M, T]) Get(model *M) State[T] { return *m.field(model) }

// Set sets the model's state field to s. It is an error if s is the zero
// State or a state of another Type; the field is then left as it was.
// Transitions are the usual way to change a state: Set is for building
// models and for the transition machinery itself.
func (m *Manager[M, T]) Set(model *M, s State[T]) error {
	if s.d == nil {
		return &ValueError{Type: m.typ.name, Field: m.String(), op: "set", Err: ErrNoState}
	}
	if s.d.typ != m.typ {
		return &ValueError{Type: m.typ.name, Field: m.String(), op: "set", Value: s.d.typ.name + "." + s.d.title, Err: ErrForeignState}
	}
	*m.field(model) = s
	return nil
}

// In returns the Condition "the model's state is in set", which tests models
// in Go and renders as SQL on the Manager's column. Use it to state what
// one state field requires of another ("review is Approved"), or to query:
//
//	if Review.In(Approved).Match(p, now) { ... }
//	where, args, err := Status.In(Gone).Expr().Render(sqlexpr.Postgres)
//
// In panics with a *DeclarationError if set belongs to another Type.
func (m *Manager[M, T]) In(set Set[T]) Membership[M, T] {
	if set == nil || set.Type() != m.typ {
		if set == nil {
			panic(&DeclarationError{Type: m.typ.name, At: callerPos(1), Msg: m.String() + ".In(nil)"})
		}
		panic(foreignSet(m.typ, callerPos(1), set))
	}
	return Membership[M, T]{m: m, set: set}
}

// Conditionals returns the conditional states and conditional groups
// declared on the Manager, in declaration order.
func (m *Manager[M, T]) Conditionals() []*Conditional[M, T] {
	return append([]*Conditional[M, T](nil), m.conds...)
}

// Current returns every source the model is in at time now: its state;
// then the groups declared with Type.Group that contain it, in declaration
// order; then the conditional states and conditional groups of this
// Manager that match, in declaration order. (Best picks the most specific
// of them.) Anonymous groups, Any and Except are not listed: they are not
// declared. A model whose field holds no state (or a state of another
// Type) is in nothing: Current returns nil. The slice is the caller's.
func (m *Manager[M, T]) Current(model *M, now time.Time) []Source[T] {
	s := *m.field(model)
	if s.d == nil || s.d.typ != m.typ {
		return nil
	}
	cur := make([]Source[T], 1, 1+len(m.typ.groups)+len(m.conds))
	cur[0] = s
	for _, g := range m.typ.groups {
		if g.set.has(s.d.index) {
			cur = append(cur, g)
		}
	}
	for _, c := range m.conds {
		if c.Match(model, now) {
			cur = append(cur, c)
		}
	}
	return cur
}

// Best returns the most specific source the model is in at time now: the
// first conditional state declared on this Manager that matches, else the
// model's state itself. A conditional state narrows its base by a test, so
// it says more than the state; a state says more than any group it is in,
// conditional groups included, so groups are never Best. Best returns nil
// when the field holds no state (or a state of another Type). It allocates
// nothing.
func (m *Manager[M, T]) Best(model *M, now time.Time) Source[T] {
	s := *m.field(model)
	if s.d == nil || s.d.typ != m.typ {
		return nil
	}
	for _, c := range m.conds {
		if c.members == nil && c.Match(model, now) {
			return c
		}
	}
	return s
}

// A Condition is a test on a model of type M that also renders as SQL, so
// the same definition answers "is this object X?" in Go and "which rows are
// X?" in SQL. Memberships (Manager.In) and conditional states implement it.
// For query builders, Expr's ToSql follows their convention.
type Condition[M any] interface {
	// Match reports whether model satisfies the condition at time now
	// (which only conditional states read).
	Match(model *M, now time.Time) bool
	// Expr returns the condition as a SQL predicate.
	Expr() sqlexpr.Expr
	// String describes the condition, such as "review is Approved".
	String() string
}

// Membership is the Condition "the model's state is in a set", made by
// Manager.In. It is a small value; matching allocates nothing.
type Membership[M any, T comparable] struct {
	m   *Manager[M, T]
	set Set[T]
}

// Match reports whether the model's current state is in the set; now does
// not matter.
func (c Membership[M, T]) Match(model *M, _ time.Time) bool { return c.set.Contains(*c.m.field(model)) }

// Expr returns the predicate on the Manager's column, such as
// "status" IN (?, ?).
func (c Membership[M, T]) Expr() sqlexpr.Expr { return setExpr(c.set, c.m.column) }

// String describes the condition, such as "status is Gone".
func (c Membership[M, T]) String() string { return c.m.name + " is " + c.set.Title() }

// Name returns the condition's name, for codes such as the reason codes
// of refused transitions: the Manager's Name, "_", and the set's Name,
// such as "review_approved" for Review.In(Approved) or "status_gone" for
// Status.In(Gone). Like the names it joins, it does not change when a
// title is reworded.
func (c Membership[M, T]) Name() string { return c.m.name + "_" + c.set.Name() }

// declare checks and records the name and title of a conditional state or
// conditional group (kind) at pos.
func (m *Manager[M, T]) declare(kind, name, title, pos string) {
	if title == "" {
		panic(&DeclarationError{Type: m.typ.name, At: pos, Msg: "a " + kind + " of " + m.String() + " needs a title"})
	}
	if prev, ok := m.titles[title]; ok {
		panic(&DeclarationError{Type: m.typ.name, At: pos, Err: ErrDuplicate,
			Msg: fmt.Sprintf("%s %q of %s is already declared at %s", kind, title, m, prev)})
	}
	if prev, ok := m.typ.titles[title]; ok {
		what := "a state or group"
		if field, ok := m.typ.condTitles[title]; ok {
			what = "a conditional state of " + field
		}
		panic(&DeclarationError{Type: m.typ.name, At: pos, Err: ErrDuplicate,
			Msg: fmt.Sprintf("%s %q of %s has the title of %s declared at %s", kind, title, m, what, prev)})
	}
	what := fmt.Sprintf("%s %q of %s", kind, title, m)
	m.typ.checkName(what, name, pos)
	m.titles[title] = pos
	// The Type's titles and names include its conditional states', so that
	// a state or group declared later under the same title, or a group
	// under the same name, is rejected too, whatever the order of the
	// declarations.
	m.typ.titles[title] = pos
	m.typ.condTitles[title] = m.String()
	m.typ.names[name] = namedDecl{what: what, pos: pos}
}
