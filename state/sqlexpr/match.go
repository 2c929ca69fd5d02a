package sqlexpr

import (
	"bytes"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNoMatch: an Expr holds what Match cannot evaluate in Go: raw SQL
// text, or a subquery (Exists).
var ErrNoMatch = errors.New("sqlexpr: cannot be evaluated in Go")

// A Row gives Match the values of one row's columns, by name, as
// database/sql would send them: nil for NULL, int64, float64, bool,
// string, []byte or time.Time. It reports false for a column the row does
// not have.
type Row func(column string) (value any, ok bool)

// Match evaluates e against row in Go, as a database would: an in-memory
// store (see package transitiontest) answers "which rows are X?" with it.
// It follows SQL's three-valued logic: a comparison with NULL is unknown,
// NOT unknown is unknown, and a row matches only when e is true. Numbers
// compare by value, times as instants, strings and bytes byte by byte (as
// SQLite does, and PostgreSQL with the C collation). Columns are named
// without their table: qualifiers (and On) are ignored, since a row is of
// one table.
//
// Arguments are converted as database/sql converts them (driver.Valuer,
// then the default conversion), and Now and NowPlus take the time given
// with At. Raw SQL text and Exists cannot be evaluated: Match returns an
// error wrapping ErrNoMatch, as it does for a column the row lacks or
// values that do not compare.
func (e Expr) Match(row Row) (bool, error) {
	if e.n == nil {
		return false, ErrEmpty
	}
	m := &matcher{row: row}
	v, err := m.eval(e)
	return v == yes, err
}

type truth uint8

const (
	no truth = iota
	yes
	unknown
)

type matcher struct {
	row Row
	now *time.Time
}

func (m *matcher) eval(e Expr) (truth, error) {
	n := e.n
	switch n.kind {
	case kConst:
		if n.not {
			return no, nil
		}
		return yes, nil
	case kErr:
		return no, n.err
	case kCmp:
		l, err := m.column(n.col)
		if err != nil {
			return no, err
		}
		var r any
		if id, ok := n.args[0].(Ident); ok {
			if r, err = m.column(id); err != nil {
				return no, err
			}
		} else if r, err = m.arg(n.args[0]); err != nil {
			return no, err
		}
		return compareOp(n.sql, l, r)
	case kNull:
		v, err := m.column(n.col)
		if err != nil {
			return no, err
		}
		if (v == nil) != n.not {
			return yes, nil
		}
		return no, nil
	case kIn:
		if len(n.args) == 0 { // IN () never holds; NOT IN () always does
			if n.not {
				return yes, nil
			}
			return no, nil
		}
		v, err := m.column(n.col)
		if err != nil {
			return no, err
		}
		result := no
		for _, a := range n.args {
			w, err := m.arg(a)
			if err != nil {
				return no, err
			}
			t, err := compareOp("=", v, w)
			if err != nil {
				return no, err
			}
			if t == yes {
				result = yes
				break
			}
			if t == unknown {
				result = unknown
			}
		}
		if n.not {
			return not(result), nil
		}
		return result, nil
	case kAnd, kOr:
		result := yes
		if n.kind == kOr {
			result = no
		}
		decided := false // every part is evaluated, so that one that cannot be always fails
		for _, k := range n.kids {
			t, err := m.eval(k)
			if err != nil {
				return no, err
			}
			switch {
			case decided:
			case n.kind == kAnd && t == no, n.kind == kOr && t == yes:
				result, decided = t, true
			case t == unknown:
				result = unknown
			}
		}
		return result, nil
	case kNot:
		t, err := m.eval(n.kids[0])
		return not(t), err
	case kAt:
		prev := m.now
		m.now = &n.at
		t, err := m.eval(n.kids[0])
		m.now = prev
		return t, err
	case kOn:
		return m.eval(n.kids[0])
	case kRaw:
		return no, fmt.Errorf("%w: raw SQL text %q", ErrNoMatch, n.sql)
	case kExists:
		return no, fmt.Errorf("%w: a subquery of %s", ErrNoMatch, n.tab)
	}
	return no, fmt.Errorf("sqlexpr: corrupt expression (kind %d)", n.kind)
}

func not(t truth) truth {
	switch t {
	case yes:
		return no
	case no:
		return yes
	}
	return unknown
}

// column reads a column of the row.
func (m *matcher) column(id Ident) (any, error) {
	if err := id.check(); err != nil {
		return nil, err
	}
	name := id.parts[len(id.parts)-1]
	v, ok := m.row(name)
	if !ok {
		return nil, fmt.Errorf("sqlexpr: the row has no column %q", name)
	}
	return v, nil
}

// arg converts an argument as database/sql would.
func (m *matcher) arg(a any) (any, error) {
	if t, ok := a.(timeArg); ok {
		if m.now == nil {
			return nil, ErrNoTime
		}
		return m.now.Add(t.offset), nil
	}
	v, err := driver.DefaultParameterConverter.ConvertValue(a)
	if err != nil {
		return nil, fmt.Errorf("sqlexpr: the argument %#v: %w", a, err)
	}
	return v, nil
}

// compareOp compares two database values with the operator op.
func compareOp(op string, l, r any) (truth, error) {
	if l == nil || r == nil {
		return unknown, nil
	}
	c, err := compare(l, r)
	if err != nil {
		return no, err
	}
	var ok bool
	switch op {
	case "=":
		ok = c == 0
	case "<>":
		ok = c != 0
	case "<":
		ok = c < 0
	case "<=":
		ok = c <= 0
	case ">":
		ok = c > 0
	case ">=":
		ok = c >= 0
	default:
		return no, fmt.Errorf("sqlexpr: unknown operator %q", op)
	}
	if ok {
		return yes, nil
	}
	return no, nil
}

// compare orders two non-NULL database values.
func compare(l, r any) (int, error) {
	switch l := l.(type) {
	case int64:
		switch r := r.(type) {
		case int64:
			return cmpOrdered(l, r), nil
		case float64:
			return cmpOrdered(float64(l), r), nil
		}
	case float64:
		switch r := r.(type) {
		case int64:
			return cmpOrdered(l, float64(r)), nil
		case float64:
			return cmpOrdered(l, r), nil
		}
	case bool:
		if r, ok := r.(bool); ok {
			if l == r {
				return 0, nil
			}
			if !l {
				return -1, nil
			}
			return 1, nil
		}
	case string:
		switch r := r.(type) {
		case string:
			return strings.Compare(l, r), nil
		case []byte:
			return strings.Compare(l, string(r)), nil
		}
	case []byte:
		switch r := r.(type) {
		case []byte:
			return bytes.Compare(l, r), nil
		case string:
			return strings.Compare(string(l), r), nil
		}
	case time.Time:
		if r, ok := r.(time.Time); ok {
			return l.Compare(r), nil
		}
	}
	return 0, fmt.Errorf("%w: %T and %T do not compare", ErrNoMatch, l, r)
}

func cmpOrdered[T int64 | float64](a, b T) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}
