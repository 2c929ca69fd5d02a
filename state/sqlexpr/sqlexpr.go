// Package sqlexpr builds parameterised SQL predicates.
//
// It is the SQL side of statecraft's states: every state, group and
// conditional state renders an [Expr], so the definition that answers "is
// this object X?" in Go also answers "which rows are X?" in SQL.
//
// An Expr is an immutable tree. Values are always bound as arguments and
// never written into the SQL text; identifiers are always quoted. The same
// Expr renders for PostgreSQL ($1, $2, ...) and for SQLite or MySQL (?):
//
//	e := sqlexpr.And(
//		sqlexpr.Col("status").In(2, 3),
//		sqlexpr.Raw("start_at > ?", sqlexpr.Now()),
//	)
//	query, args, err := e.At(now).Render(sqlexpr.Postgres)
//	// query: "status" IN ($1, $2) AND (start_at > $3)   args: [2 3 now]
//
// Expr also has a ToSql method, so it can be passed to query builders that
// accept the common ToSql() (string, []any, error) convention, such as
// squirrel's Where. That convention cannot carry a literal question mark
// portably: a builder with $n placeholders reads ?? as a literal ?, but one
// with ? placeholders (the usual SQLite and MySQL setup) sends ?? to the
// database unchanged. So ToSql refuses an Expr whose SQL would hold one,
// with an error wrapping [ErrQuestionMark]; bind such a value as an argument
// instead, or render with [Expr.Render].
package sqlexpr

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A Dialect says how a database writes placeholders and quotes identifiers.
// Use the predeclared [Postgres], [SQLite] and [MySQL].
//
// Every dialect writes a literal question mark as a single ?: one inside a
// quoted string or identifier is kept inside its quotes, and the ?? escape
// of [Raw] becomes ?. ([Expr.ToSql], whose output goes to another query
// builder rather than to a database, refuses literal question marks
// instead; see [ErrQuestionMark].)
type Dialect struct {
	name    string
	dollar  bool // $1, $2 rather than ?
	quote   byte // identifier quote character
	literal bool // refuse a literal question mark (ToSql), rather than write it
}

// The dialects statecraft renders for.
var (
	// Postgres writes numbered placeholders ($1, $2) and quotes identifiers
	// with double quotes. It suits pgx and lib/pq.
	Postgres = Dialect{name: "postgres", dollar: true, quote: '"'}
	// SQLite writes ? placeholders and quotes identifiers with double
	// quotes. It passes time.Time arguments in UTC: SQLite keeps times as
	// text and compares them as text, so times in several zones would not
	// compare in the order of the instants they stand for.
	SQLite = Dialect{name: "sqlite", quote: '"'}
	// MySQL writes ? placeholders and quotes identifiers with backticks.
	MySQL = Dialect{name: "mysql", quote: '`'}

	// question is the dialect of ToSql: ? placeholders and ANSI double
	// quotes. A literal question mark is an error wrapping
	// ErrQuestionMark, since no way of writing one suits every builder.
	question = Dialect{name: "question", quote: '"', literal: true}
)

// String returns the dialect's name: "postgres", "sqlite" or "mysql".
func (d Dialect) String() string { return d.name }

// ErrEmpty is returned when rendering the zero Expr, which stands for "no
// expression". [And] and [Or] skip zero Exprs; rendering one on its own, or
// negating one, is an error.
var ErrEmpty = errors.New("sqlexpr: empty expression")

// ErrQuestionMark is wrapped by the error [Expr.ToSql] returns for an Expr
// whose SQL holds a literal question mark: one inside a quoted string or
// identifier, an identifier's own, or the ?? escape of [Raw].
// Query builders that take ToSql's output disagree on such a mark (one that
// numbers its placeholders turns ?? into ?, one that uses ? sends ?? as
// is), so ToSql cannot write it portably. Bind the value as an argument
// instead, as in
//
//	sqlexpr.Raw("name = ?", "who?") // not sqlexpr.Raw("name = 'who?'")
//
// or render the Expr with [Expr.Render].
var ErrQuestionMark = errors.New("sqlexpr: ToSql cannot write a literal question mark portably")

// Expr is a SQL boolean expression with bound arguments. The zero Expr is
// "no expression" (see [ErrEmpty]). Exprs are immutable and safe for
// concurrent use.
type Expr struct {
	n *node
}

type kind uint8

const (
	kRaw kind = iota + 1
	kCmp
	kIn
	kNull
	kAnd
	kOr
	kNot
	kConst
	kErr
	kAt
	kOn
	kExists
)

type node struct {
	kind kind
	sql  string    // kRaw: the SQL text; kCmp: the operator
	not  bool      // kIn: NOT IN; kNull: IS NOT NULL; kConst: false
	col  Ident     // kCmp, kIn, kNull
	args []any     // kRaw, kCmp (one), kIn
	kids []Expr    // kAnd, kOr, kNot (one)
	err  error     // kErr
	at   time.Time // kAt: the time Now arguments stand for
	on   string    // kOn, kExists: the table alias unqualified columns take
	tab  Ident     // kExists: the subquery's table
}

// True and False are the constant predicates. They render as 1=1 and 1=0,
// which every SQL database accepts.
var (
	True  = Expr{&node{kind: kConst}}
	False = Expr{&node{kind: kConst, not: true}}
)

// Raw returns an expression of raw SQL text, such as
// Raw("start_at > ?", Now()). Each ? in sql is a placeholder for the next
// argument; write ?? for a literal question mark (for example PostgreSQL's
// jsonb ? operator), which renders as a single ? for every Dialect (SQLite
// and MySQL read any ? outside quotes as a placeholder, so there it has no
// use). Question marks inside single-quoted strings, double-quoted
// identifiers and backquoted identifiers are left alone. The number of
// placeholders must match len(args), and a placeholder must not be
// followed directly by a digit (PostgreSQL would read $1 then 0 as $10);
// either mistake is reported when the Expr is rendered.
//
// Prefer Col and its comparisons where they can say the same: they quote
// the column, and [Expr.On] can qualify it, which it cannot do to raw
// text.
//
// [Expr.ToSql] refuses any literal question mark, quoted or written ??,
// with an error wrapping [ErrQuestionMark]: bind such a value as an
// argument when the Expr goes to another query builder.
//
// The SQL text is the caller's: never build it from outside input. Bind
// outside input as an argument instead.
func Raw(sql string, args ...any) Expr {
	return Expr{&node{kind: kRaw, sql: sql, args: slices.Clone(args)}}
}

// Err returns an Expr that fails to render with err. It lets a function that
// must return an Expr report a problem at the point where the SQL is built.
func Err(err error) Expr {
	if err == nil {
		err = errors.New("sqlexpr: Err(nil)")
	}
	return Expr{&node{kind: kErr, err: err}}
}

// And returns the conjunction of es. Zero Exprs are skipped; with nothing
// left it returns [True]. An And of one Expr is that Expr.
func And(es ...Expr) Expr { return join(kAnd, es) }

// Or returns the disjunction of es. Zero Exprs are skipped; with nothing
// left it returns [False]. An Or of one Expr is that Expr.
func Or(es ...Expr) Expr { return join(kOr, es) }

func join(k kind, es []Expr) Expr {
	kids := make([]Expr, 0, len(es))
	for _, e := range es {
		if e.n == nil {
			continue
		}
		if e.n.kind == k { // flatten (a AND b) AND c
			kids = append(kids, e.n.kids...)
			continue
		}
		kids = append(kids, e)
	}
	switch len(kids) {
	case 0:
		if k == kAnd {
			return True
		}
		return False
	case 1:
		return kids[0]
	}
	return Expr{&node{kind: k, kids: kids}}
}

// Not returns the negation of e.
func Not(e Expr) Expr {
	if e.n == nil {
		return Err(fmt.Errorf("sqlexpr: Not of an empty expression: %w", ErrEmpty))
	}
	return Expr{&node{kind: kNot, kids: []Expr{e}}}
}

// IsZero reports whether e is the zero Expr.
func (e Expr) IsZero() bool { return e.n == nil }

// ToSql renders e with ? placeholders and ANSI double-quoted identifiers, the
// convention of query builders such as squirrel, which number the
// placeholders themselves or pass them on as ?.
//
// Every ? in the result is a placeholder. A literal question mark (inside a
// quoted string or identifier, an identifier's own, or the ?? escape of
// [Raw]) cannot be written so that every such builder reads it back as
// one: ToSql returns an error wrapping [ErrQuestionMark] that names the
// SQL text or identifier holding it. Bind the value as an argument
// instead, or use [Expr.Render], which writes literal question marks as
// they are.
func (e Expr) ToSql() (string, []any, error) { return e.Render(question) }

// Render returns e as SQL for dialect d, with its arguments in placeholder
// order. PostgreSQL placeholders are numbered from $1.
func (e Expr) Render(d Dialect) (string, []any, error) {
	b, args, err := e.AppendSQL(nil, nil, d)
	if err != nil {
		return "", nil, err
	}
	return string(b), args, nil
}

// AppendSQL appends e rendered for dialect d to dst and its arguments to
// args. PostgreSQL placeholders are numbered from len(args)+1, so an Expr
// can be placed after the arguments a query already has. On error the
// returned slices are dst and args unchanged.
func (e Expr) AppendSQL(dst []byte, args []any, d Dialect) ([]byte, []any, error) {
	if d.name == "" {
		return dst, args, errors.New("sqlexpr: zero Dialect; use sqlexpr.Postgres, sqlexpr.SQLite or sqlexpr.MySQL")
	}
	if e.n == nil {
		return dst, args, ErrEmpty
	}
	r := renderer{buf: dst, args: args, d: d}
	if err := r.expr(e, false); err != nil {
		return dst, args, err
	}
	if r.err != nil {
		return dst, args, r.err
	}
	return r.buf, r.args, nil
}

// ErrNoTime: an Expr holding a Now argument was rendered without a time
// (see Expr.At).
var ErrNoTime = errors.New("sqlexpr: the expression reads the time, but none was given: render e.At(now)")

// timeArg is the Now argument: the time given by At, plus offset.
type timeArg struct{ offset time.Duration }

// Now returns an argument that stands for the time the Expr is rendered
// At, so that a predicate relative to the present is declared once and
// bound, when rendered, to the same time the Go side tests at (a unit of
// work's clock), never to the database's own now():
//
//	Future = Status.Conditional("future", "Future", Published,
//		func(p *Project, now time.Time) bool { return p.StartAt.After(now) },
//	).WithSQL(sqlexpr.Col("start_at").Gt(sqlexpr.Now()))
//
//	where, args, err := Future.Expr().At(now).Render(sqlexpr.Postgres)
//
// Rendering an Expr that holds Now, but was not given a time with At, is
// an error wrapping ErrNoTime.
func Now() any { return timeArg{} }

// NowPlus returns the argument that stands for the time given by At plus
// d (use a negative d for the past): NowPlus(-30*24*time.Hour).
func NowPlus(d time.Duration) any { return timeArg{offset: d} }

// On returns e with every unqualified column (made with Col or
// ParseIdent, such as a state field's column) qualified by the table
// alias, so that one predicate serves either side of a self-join:
//
//	// projects whose parent is Published, and who are not themselves Gone
//	where := sqlexpr.And(Status.In(Published).Expr().On("parent"), sqlexpr.Not(Status.In(Gone).Expr()).On("p"))
//
// Columns that are already qualified are left alone. The SQL text of Raw
// cannot be qualified: rendering it inside On is an error wrapping
// ErrUnqualified; build such predicates with Col instead. An On inside e
// qualifies its own part.
func (e Expr) On(alias string) Expr {
	if e.n == nil {
		return e
	}
	return Expr{&node{kind: kOn, kids: []Expr{e}, on: alias}}
}

// Exists returns EXISTS (SELECT 1 FROM table AS alias WHERE where): there
// is a row of table for which where holds. The unqualified columns of
// where are the subquery's (alias's); name a column of the enclosing
// query's row with [Outer], and render the enclosing predicate On its
// table's alias. table may be qualified by a schema ("app.projects").
func Exists(table, alias string, where Expr) Expr {
	if where.n == nil {
		where = True
	}
	return Expr{&node{kind: kExists, tab: ParseIdent(table), on: alias, kids: []Expr{where}}}
}

// ErrNoOuter: a column made with Outer was rendered where there is no
// enclosing row to qualify it by.
var ErrNoOuter = errors.New("sqlexpr: an Outer column needs an Exists inside a predicate rendered On a table alias")

// ErrUnqualified: raw SQL text was rendered inside Expr.On, which cannot
// qualify the columns it names.
var ErrUnqualified = errors.New("sqlexpr: raw SQL text cannot be qualified by a table alias; build the predicate with Col")

// At returns e with its Now and NowPlus arguments bound to t. An At
// inside e binds its own part.
func (e Expr) At(t time.Time) Expr {
	if e.n == nil {
		return e
	}
	return Expr{&node{kind: kAt, kids: []Expr{e}, at: t}}
}

// String returns e rendered for PostgreSQL followed by its arguments, for
// logs and test failures. It is not meant to be executed.
func (e Expr) String() string {
	s, args, err := e.Render(Postgres)
	if err != nil {
		return "!(" + err.Error() + ")"
	}
	if len(args) == 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s)
	b.WriteString(" [")
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%#v", a)
	}
	b.WriteByte(']')
	return b.String()
}

type renderer struct {
	buf  []byte
	args []any
	d    Dialect
	now  *time.Time // the time Now arguments stand for, inside At
	err  error      // a Now argument met outside At
	on   string     // the alias unqualified columns take, inside On
	// Inside Exists: how deep, and the alias of the row outside (see Outer).
	exists int
	outer  string
}

func (r *renderer) arg(v any) {
	if a, ok := v.(timeArg); ok {
		if r.now == nil {
			r.err = ErrNoTime
			v = nil
		} else {
			v = r.now.Add(a.offset)
		}
	}
	if t, ok := v.(time.Time); ok && r.d.name == SQLite.name {
		v = t.UTC() // SQLite compares times as text: one zone keeps them in order
	}
	r.args = append(r.args, v)
	if r.d.dollar {
		r.buf = append(r.buf, '$')
		r.buf = strconv.AppendInt(r.buf, int64(len(r.args)), 10)
		return
	}
	r.buf = append(r.buf, '?')
}

// expr renders e; paren asks for parentheses around compound expressions.
func (r *renderer) expr(e Expr, paren bool) error {
	n := e.n
	if n == nil {
		return ErrEmpty
	}
	switch n.kind {
	case kConst:
		if n.not {
			r.buf = append(r.buf, "1=0"...)
		} else {
			r.buf = append(r.buf, "1=1"...)
		}
	case kErr:
		return n.err
	case kCmp:
		if err := r.ident(n.col); err != nil {
			return err
		}
		r.buf = append(r.buf, ' ')
		r.buf = append(r.buf, n.sql...)
		r.buf = append(r.buf, ' ')
		if id, ok := n.args[0].(Ident); ok { // a column compared with a column
			return r.ident(id)
		}
		r.arg(n.args[0])
	case kNull:
		if err := r.ident(n.col); err != nil {
			return err
		}
		if n.not {
			r.buf = append(r.buf, " IS NOT NULL"...)
		} else {
			r.buf = append(r.buf, " IS NULL"...)
		}
	case kIn:
		if len(n.args) == 0 { // x IN () is not SQL; it is never true
			if err := n.col.check(); err != nil {
				return err
			}
			if n.not {
				r.buf = append(r.buf, "1=1"...)
			} else {
				r.buf = append(r.buf, "1=0"...)
			}
			return nil
		}
		if err := r.ident(n.col); err != nil {
			return err
		}
		if len(n.args) == 1 {
			if n.not {
				r.buf = append(r.buf, " <> "...)
			} else {
				r.buf = append(r.buf, " = "...)
			}
			r.arg(n.args[0])
			return nil
		}
		if n.not {
			r.buf = append(r.buf, " NOT IN ("...)
		} else {
			r.buf = append(r.buf, " IN ("...)
		}
		for i, a := range n.args {
			if i > 0 {
				r.buf = append(r.buf, ", "...)
			}
			r.arg(a)
		}
		r.buf = append(r.buf, ')')
	case kAnd, kOr:
		op := " AND "
		if n.kind == kOr {
			op = " OR "
		}
		if paren {
			r.buf = append(r.buf, '(')
		}
		for i, k := range n.kids {
			if i > 0 {
				r.buf = append(r.buf, op...)
			}
			if err := r.expr(k, true); err != nil {
				return err
			}
		}
		if paren {
			r.buf = append(r.buf, ')')
		}
	case kNot:
		r.buf = append(r.buf, "NOT "...)
		return r.expr(n.kids[0], true)
	case kRaw:
		if r.on != "" {
			return fmt.Errorf("%w (the text %q, inside On(%q))", ErrUnqualified, n.sql, r.on)
		}
		if paren {
			r.buf = append(r.buf, '(')
		}
		if err := r.raw(n.sql, n.args); err != nil {
			return err
		}
		if paren {
			r.buf = append(r.buf, ')')
		}
	case kAt:
		prev := r.now
		r.now = &n.at
		err := r.expr(n.kids[0], paren)
		r.now = prev
		return err
	case kOn:
		prev := r.on
		r.on = n.on
		err := r.expr(n.kids[0], paren)
		r.on = prev
		return err
	case kExists:
		r.buf = append(r.buf, "EXISTS (SELECT 1 FROM "...)
		b, err := appendIdent(r.buf, n.tab, r.d.quote)
		if err != nil {
			return err
		}
		r.buf = append(b, " AS "...)
		if b, err = appendIdent(r.buf, Ident{parts: []string{n.on}}, r.d.quote); err != nil {
			return err
		}
		r.buf = append(b, " WHERE "...)
		prevOn, prevOuter := r.on, r.outer
		r.outer, r.on = r.on, n.on
		r.exists++
		err = r.expr(n.kids[0], false)
		r.exists--
		r.on, r.outer = prevOn, prevOuter
		if err != nil {
			return err
		}
		r.buf = append(r.buf, ')')
	default:
		return fmt.Errorf("sqlexpr: corrupt expression (kind %d)", n.kind)
	}
	return nil
}

// raw copies sql, the text given to Raw, replacing each placeholder with
// the next argument. Question marks inside quotes are literal, and so is
// ?? outside them. A literal question mark is written as a single ?,
// except with ToSql's own dialect, which refuses it (see ErrQuestionMark).
func (r *renderer) raw(sql string, args []any) error {
	if strings.TrimSpace(sql) == "" {
		return errors.New("sqlexpr: empty SQL text (use the zero Expr, or True, for no condition)")
	}
	used := 0
	var quote byte // the quote we are inside, or 0
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0 // a doubled quote reopens at once: same result
			} else if c == '?' && r.d.literal {
				return questionMark("SQL text", sql)
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '?':
			if i+1 < len(sql) && sql[i+1] == '?' {
				if r.d.literal {
					return questionMark("SQL text", sql)
				}
				i++
				r.buf = append(r.buf, '?')
				continue
			}
			if i+1 < len(sql) && '0' <= sql[i+1] && sql[i+1] <= '9' {
				// $1 then 0 would read as $10, and ? then 1 as SQLite's ?1.
				return fmt.Errorf("sqlexpr: %q has a placeholder followed by a digit; separate them with a space", sql)
			}
			if used == len(args) {
				return fmt.Errorf("sqlexpr: %q has more placeholders than its %d arguments", sql, len(args))
			}
			r.arg(args[used])
			used++
			continue
		}
		r.buf = append(r.buf, c)
	}
	if quote != 0 {
		return fmt.Errorf("sqlexpr: %q has an unterminated %c quote", sql, quote)
	}
	if used != len(args) {
		return fmt.Errorf("sqlexpr: %q has %d placeholders for %d arguments", sql, used, len(args))
	}
	return nil
}

// questionMark is the error of ToSql for a literal question mark in text,
// which is "SQL text" or "identifier".
func questionMark(what, text string) error {
	return fmt.Errorf("sqlexpr: ToSql: %s %q holds a literal question mark; "+
		"bind the value as an argument instead, or use Render: %w", what, text, ErrQuestionMark)
}
