package sqlexpr

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Ident is a possibly qualified SQL identifier, such as a column name. It is
// always quoted when rendered, so reserved words and mixed case are safe.
type Ident struct {
	parts []string
	outer bool // a column of the row outside an Exists (see Outer)
}

// Outer returns the column name of the row a subquery made with [Exists]
// is correlated with: the row of the enclosing query, qualified by the
// alias the enclosing predicate is rendered On. Compare a column of the
// subquery's table with it:
//
//	sqlexpr.Exists("projects", "parent", sqlexpr.Col("id").Eq(sqlexpr.Outer("parent_id")))
//
// Rendering an Outer column outside an Exists, or in an Exists whose
// enclosing predicate has no alias, is an error wrapping ErrNoOuter:
// unqualified, the name would be read as the subquery's own column.
func Outer(name string) Ident { return Ident{parts: []string{name}, outer: true} }

// Col returns the identifier made of parts, each quoted on its own:
// Col("status") renders as "status" and Col("p", "status") as "p"."status".
// A part that is empty or holds a NUL byte makes rendering fail.
func Col(parts ...string) Ident { return Ident{parts: slices.Clone(parts)} }

// ParseIdent splits a dotted name such as "p.status" into a qualified
// identifier. Use [Col] for names that themselves contain dots.
func ParseIdent(name string) Ident { return Ident{parts: strings.Split(name, ".")} }

// String returns the identifier as it renders for PostgreSQL and SQLite.
func (id Ident) String() string {
	b, err := appendIdent(nil, id, '"')
	if err != nil {
		return "!(" + err.Error() + ")"
	}
	return string(b)
}

// Quote returns the identifier quoted for dialect d.
func (id Ident) Quote(d Dialect) (string, error) {
	q := d.quote
	if q == 0 {
		q = '"'
	}
	b, err := appendIdent(nil, id, q)
	return string(b), err
}

func (r *renderer) ident(id Ident) error {
	if id.outer {
		if r.exists == 0 {
			return fmt.Errorf("%w: Outer(%q) outside Exists", ErrNoOuter, id.parts[0])
		}
		if r.outer == "" {
			return fmt.Errorf("%w: Outer(%q) in an Exists whose enclosing predicate has no alias: render it On(alias)", ErrNoOuter, id.parts[0])
		}
		id = Ident{parts: []string{r.outer, id.parts[0]}}
	} else if r.on != "" && len(id.parts) == 1 {
		id = Ident{parts: []string{r.on, id.parts[0]}}
	}
	if r.d.literal {
		for _, p := range id.parts {
			if strings.IndexByte(p, '?') >= 0 {
				if err := id.check(); err != nil {
					return err
				}
				return questionMark("identifier", strings.Join(id.parts, "."))
			}
		}
	}
	b, err := appendIdent(r.buf, id, r.d.quote)
	if err != nil {
		return err
	}
	r.buf = b
	return nil
}

// check reports whether id can be rendered.
func (id Ident) check() error {
	if len(id.parts) == 0 {
		return errors.New("sqlexpr: empty identifier")
	}
	for _, p := range id.parts {
		if p == "" {
			return fmt.Errorf("sqlexpr: identifier %q has an empty part", strings.Join(id.parts, "."))
		}
		if strings.IndexByte(p, 0) >= 0 {
			return fmt.Errorf("sqlexpr: identifier %q holds a NUL byte", p)
		}
	}
	return nil
}

// appendIdent appends id quoted with q to dst. On error it returns dst as
// it was, so that no partly quoted identifier escapes.
func appendIdent(dst []byte, id Ident, q byte) ([]byte, error) {
	if err := id.check(); err != nil {
		return dst, err
	}
	for i, p := range id.parts {
		if i > 0 {
			dst = append(dst, '.')
		}
		dst = append(dst, q)
		for j := 0; j < len(p); j++ {
			if p[j] == q {
				dst = append(dst, q) // "a""b" is the identifier a"b
			}
			dst = append(dst, p[j])
		}
		dst = append(dst, q)
	}
	return dst, nil
}

// Eq returns id = v, or id IS NULL when v is nil.
func (id Ident) Eq(v any) Expr {
	if v == nil {
		return id.IsNull()
	}
	return id.cmp("=", v)
}

// Ne returns id <> v, or id IS NOT NULL when v is nil.
func (id Ident) Ne(v any) Expr {
	if v == nil {
		return id.IsNotNull()
	}
	return id.cmp("<>", v)
}

// Lt returns id < v.
func (id Ident) Lt(v any) Expr { return id.cmp("<", v) }

// Le returns id <= v.
func (id Ident) Le(v any) Expr { return id.cmp("<=", v) }

// Gt returns id > v.
func (id Ident) Gt(v any) Expr { return id.cmp(">", v) }

// Ge returns id >= v.
func (id Ident) Ge(v any) Expr { return id.cmp(">=", v) }

func (id Ident) cmp(op string, v any) Expr {
	return Expr{&node{kind: kCmp, sql: op, col: id, args: []any{v}}}
}

// In returns id IN (vs...). With one value it renders as id = v; with none
// it renders as the constant false, since IN () is not valid SQL.
func (id Ident) In(vs ...any) Expr {
	return Expr{&node{kind: kIn, col: id, args: slices.Clone(vs)}}
}

// NotIn returns id NOT IN (vs...). With one value it renders as id <> v;
// with none it renders as the constant true.
//
// As in SQL, a row whose id is NULL is in neither In nor NotIn with values;
// with no values NotIn holds for every row, NULL included, as NOT IN of an
// empty list does in SQL.
func (id Ident) NotIn(vs ...any) Expr {
	return Expr{&node{kind: kIn, col: id, args: slices.Clone(vs), not: true}}
}

// IsNull returns id IS NULL.
func (id Ident) IsNull() Expr { return Expr{&node{kind: kNull, col: id}} }

// IsNotNull returns id IS NOT NULL.
func (id Ident) IsNotNull() Expr { return Expr{&node{kind: kNull, col: id, not: true}} }
