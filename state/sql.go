package state

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/statecraft/statecraft/state/sqlexpr"
)

// Expr returns the predicate column = value, with the state's SQL value
// bound as an argument. column is a name such as "status" or a qualified
// name such as "p.status".
func (s State[T]) Expr(column string) sqlexpr.Expr {
	return setExpr(s, sqlexpr.ParseIdent(column))
}

// Expr returns the predicate column IN (values...), with the members' SQL
// values bound as arguments in declaration order. column is a name such as
// "status" or a qualified name such as "p.status".
func (g *Group[T]) Expr(column string) sqlexpr.Expr {
	return setExpr(g, sqlexpr.ParseIdent(column))
}

// setExpr renders membership of set on col.
func setExpr[T comparable](set Set[T], col sqlexpr.Ident) sqlexpr.Expr {
	t := set.Type()
	if t == nil {
		return sqlexpr.Err(errors.New("state: SQL for the zero State, which is no declared state"))
	}
	b := set.bits()
	vals := make([]any, 0, b.count())
	for _, d := range t.states {
		if !b.has(d.index) {
			continue
		}
		if d.dvErr != nil {
			return sqlexpr.Err(fmt.Errorf("state: %s %q cannot be stored in SQL: %w", t.name, d.title, d.dvErr))
		}
		vals = append(vals, d.dv)
	}
	return col.In(vals...)
}

// CheckConstraint returns a CHECK constraint that admits only the Type's
// declared values in column, such as
//
//	CHECK ("status" IN (1, 2, 3, 4))
//
// for use in CREATE TABLE or ALTER TABLE ... ADD CONSTRAINT, so that the
// database itself refuses values the code does not know. Declare the column
// NOT NULL unless it is a Null field: a CHECK admits NULL. The values are
// written as SQL literals, which is safe because they are the Type's own.
func (t *Type[T]) CheckConstraint(d sqlexpr.Dialect, column string) (string, error) {
	col, err := sqlexpr.ParseIdent(column).Quote(d)
	if err != nil {
		return "", err
	}
	lits, err := t.literals(d)
	if err != nil {
		return "", err
	}
	return "CHECK (" + col + " IN (" + strings.Join(lits, ", ") + "))", nil
}

// CreateEnumType returns the PostgreSQL statement that creates an enum type
// named name whose labels are the Type's values, in declaration order:
//
//	CREATE TYPE "project_state" AS ENUM ('draft', 'published')
//
// PostgreSQL enum labels are strings, so the Type's values must be strings.
func (t *Type[T]) CreateEnumType(name string) (string, error) {
	id, err := sqlexpr.ParseIdent(name).Quote(sqlexpr.Postgres)
	if err != nil {
		return "", err
	}
	for _, d := range t.states {
		if _, ok := d.dv.(string); !ok {
			return "", fmt.Errorf("state: %s: a PostgreSQL enum holds string labels, but state %q is stored as %T", t.name, d.title, d.dv)
		}
	}
	lits, err := t.literals(sqlexpr.Postgres)
	if err != nil {
		return "", err
	}
	return "CREATE TYPE " + id + " AS ENUM (" + strings.Join(lits, ", ") + ")", nil
}

func (t *Type[T]) literals(dialect sqlexpr.Dialect) ([]string, error) {
	if len(t.states) == 0 {
		return nil, fmt.Errorf("state: %s declares no states", t.name)
	}
	lits := make([]string, len(t.states))
	for i, d := range t.states {
		if d.dvErr != nil {
			return nil, fmt.Errorf("state: %s %q cannot be stored in SQL: %w", t.name, d.title, d.dvErr)
		}
		lit, err := literal(dialect, d.dv)
		if err != nil {
			return nil, fmt.Errorf("state: %s %q: %w", t.name, d.title, err)
		}
		lits[i] = lit
	}
	return lits, nil
}

// literal writes a declared value as a SQL literal, for DDL only. MySQL
// (by default) reads a backslash in a string as an escape, so there it is
// doubled.
func literal(d sqlexpr.Dialect, v any) (string, error) {
	switch v := v.(type) {
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case bool:
		if v {
			return "TRUE", nil
		}
		return "FALSE", nil
	case string:
		if strings.IndexByte(v, 0) >= 0 {
			return "", fmt.Errorf("value %q holds a NUL byte", v)
		}
		if d == sqlexpr.MySQL {
			v = strings.ReplaceAll(v, `\`, `\\`)
		}
		return "'" + strings.ReplaceAll(v, "'", "''") + "'", nil
	}
	return "", fmt.Errorf("a %T value cannot be written as a SQL literal", v)
}
