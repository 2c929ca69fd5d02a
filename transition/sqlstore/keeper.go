package sqlstore

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"

	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
)

// A Keeper keeps the rows of Tables in memory, in place of a database:
// the Store of package transitiontest is one, so that a test swaps the
// database out by changing one line. When a unit of work (or the Querier
// given to Select) is a Keeper, a Table made with Map loads, selects,
// compares and sets, and inserts through it, with the same results and
// the same errors as on a database.
type Keeper interface {
	// Keep returns the rows of table in the unit of work, each a pointer
	// to a model, by the database value of its key. The Table replaces
	// rows, never changes one in place; the unit of work keeps its
	// changes only if it commits.
	Keep(table string) map[any]any
}

// row returns a column reader of m, for sqlexpr.Expr.Match.
func (t *Table[U, M]) row(m *M) sqlexpr.Row {
	cols := t.columns(m)
	return func(name string) (any, bool) {
		for _, c := range cols {
			if c.name == name {
				v, err := value(c.field)
				if err != nil {
					return nil, false
				}
				return v, true
			}
		}
		return nil, false
	}
}

// keptSelect is Select in memory: the rows where matches, by key.
func (t *Table[U, M]) keptSelect(k Keeper, where sqlexpr.Expr) ([]*M, error) {
	if !where.IsZero() {
		// A predicate that cannot be evaluated fails even on no rows.
		_, err := where.Match(func(string) (any, bool) { return nil, true })
		if err != nil {
			return nil, fmt.Errorf("sqlstore: selecting from %s in memory: %w", t.name, err)
		}
	}
	var out []*M
	for _, r := range k.Keep(t.name) {
		m := r.(*M)
		if !where.IsZero() {
			ok, err := where.Match(t.row(m))
			if err != nil {
				return nil, fmt.Errorf("sqlstore: selecting from %s in memory: %w", t.name, err)
			}
			if !ok {
				continue
			}
		}
		c := *m
		out = append(out, &c)
	}
	var err error
	slices.SortFunc(out, func(a, b *M) int {
		ka, e1 := t.keyOf(a)
		kb, e2 := t.keyOf(b)
		if e1 != nil || e2 != nil {
			err = cmp.Or(e1, e2)
			return 0
		}
		return compareKeys(ka, kb)
	})
	return out, err
}

// compareKeys orders two keys: numbers, then text.
func compareKeys(a, b any) int {
	switch a := a.(type) {
	case int64:
		if b, ok := b.(int64); ok {
			return cmp.Compare(a, b)
		}
		return -1
	case string:
		if b, ok := b.(string); ok {
			return cmp.Compare(a, b)
		}
		return 1
	}
	return cmp.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

// keptLoad is Load in memory.
func (t *Table[U, M]) keptLoad(k Keeper, ms []*M) ([]*M, error) {
	rows := k.Keep(t.name)
	out := make([]*M, len(ms))
	for i, m := range ms {
		key, err := t.keyOf(m)
		if err != nil {
			return nil, err
		}
		if r, ok := rows[key]; ok {
			c := *r.(*M)
			out[i] = &c
		}
	}
	return out, nil
}

// keptSave is Save in memory: each change compared with the kept row as
// the database compares it, then its changed columns written.
func (t *Table[U, M]) keptSave(k Keeper, ws []transition.Write[M]) error {
	rows := k.Keep(t.name)
	for i := range ws {
		c, err := t.change(&ws[i])
		if err != nil {
			return err
		}
		if c == nil {
			continue
		}
		r, ok := rows[c.key]
		if !ok {
			return &transition.ConflictError{Object: t.object(c.key), Expected: t.describe(t.columns(c.w.Read), c.cmp), Found: "no row"}
		}
		stored := r.(*M)
		cols := t.columns(stored)
		for j, i := range c.cmp {
			v, err := value(cols[i].field)
			if err != nil || v == nil || c.was[j] == nil {
				if err == nil && v == nil && c.was[j] == nil { // IS NULL
					continue
				}
				return &transition.ConflictError{Object: t.object(c.key), Expected: t.describe(t.columns(c.w.Read), c.cmp), Found: t.describe(cols, c.cmp)}
			}
			if !equal(v, c.was[j]) {
				return &transition.ConflictError{Object: t.object(c.key), Expected: t.describe(t.columns(c.w.Read), c.cmp), Found: t.describe(cols, c.cmp)}
			}
		}
		next := *stored
		dst, src := t.columns(&next), t.columns(c.w.Model)
		for _, i := range c.set {
			reflect.ValueOf(dst[i].field).Elem().Set(reflect.ValueOf(src[i].field).Elem())
		}
		if t.ver >= 0 {
			*dst[t.ver].field.(*int64) = *cols[t.ver].field.(*int64) + 1
		}
		rows[c.key] = &next
	}
	return nil
}

// keptInsert is Insert in memory: a zero integer key gets the next one.
func (t *Table[U, M]) keptInsert(k Keeper, m *M) error {
	rows := k.Keep(t.name)
	cols := t.columns(m)
	key, err := t.keyOf(m)
	if err != nil {
		return err
	}
	if isZero(key) {
		f := reflect.ValueOf(cols[t.key].field).Elem()
		if !f.CanInt() {
			return fmt.Errorf("sqlstore: inserting into %s in memory: a %s key must be given", t.name, f.Type())
		}
		var next int64 = 1
		for k := range rows {
			if n, ok := k.(int64); ok && n >= next {
				next = n + 1
			}
		}
		f.SetInt(next)
		key = next
	}
	if _, ok := rows[key]; ok {
		return fmt.Errorf("sqlstore: inserting into %s in memory: key %v is taken", t.name, key)
	}
	c := *m
	rows[key] = &c
	return nil
}
