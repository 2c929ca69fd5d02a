package sqlexpr_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/statecraft/statecraft/state/sqlexpr"
)

// now stands for the time a request or unit of work runs at.
var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// A predicate is declared once and rendered for each database, at the time
// given to At.
func Example() {
	scheduled := sqlexpr.And(
		sqlexpr.Col("status").In(2, 3),
		sqlexpr.Col("start_at").Gt(sqlexpr.Now()),
	)

	for _, d := range []sqlexpr.Dialect{sqlexpr.Postgres, sqlexpr.SQLite, sqlexpr.MySQL} {
		where, args, err := scheduled.At(now).Render(d)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%-8s WHERE %s\n         %v\n", d, where, args)
	}
	// Output:
	// postgres WHERE "status" IN ($1, $2) AND "start_at" > $3
	//          [2 3 2025-06-01 12:00:00 +0000 UTC]
	// sqlite   WHERE "status" IN (?, ?) AND "start_at" > ?
	//          [2 3 2025-06-01 12:00:00 +0000 UTC]
	// mysql    WHERE `status` IN (?, ?) AND `start_at` > ?
	//          [2 3 2025-06-01 12:00:00 +0000 UTC]
}

// Values are always bound as arguments, whatever they hold.
func Example_boundValues() {
	name := `x'; DROP TABLE t; --` // say, from a form
	where, args, _ := sqlexpr.Col("name").Eq(name).Render(sqlexpr.Postgres)
	fmt.Println(where)
	fmt.Printf("%q\n", args)
	// Output:
	// "name" = $1
	// ["x'; DROP TABLE t; --"]
}

func ExampleIdent_In() {
	for _, e := range []sqlexpr.Expr{
		sqlexpr.Col("p", "status").In("draft", "review"),
		sqlexpr.Col("p", "status").In("draft"),
		sqlexpr.Col("p", "status").In(), // no value can match
		sqlexpr.Col("p", "status").NotIn("gone", "spam"),
	} {
		fmt.Println(e)
	}
	// Output:
	// "p"."status" IN ($1, $2) ["draft", "review"]
	// "p"."status" = $1 ["draft"]
	// 1=0
	// "p"."status" NOT IN ($1, $2) ["gone", "spam"]
}

func ExampleIdent_Eq() {
	fmt.Println(sqlexpr.Col("deleted_at").Eq(nil))
	fmt.Println(sqlexpr.Col("owner").Eq("alice"))
	fmt.Println(sqlexpr.Col("owner").Ne(nil))
	// Output:
	// "deleted_at" IS NULL
	// "owner" = $1 ["alice"]
	// "owner" IS NOT NULL
}

func ExampleAnd() {
	visible := sqlexpr.And(
		sqlexpr.Col("deleted_at").IsNull(),
		sqlexpr.Or(sqlexpr.Col("owner").Eq("alice"), sqlexpr.Col("public").Eq(true)),
	)
	fmt.Println(visible)

	// Zero Exprs are skipped, which makes optional filters easy.
	var byTag sqlexpr.Expr // no tag filter this time
	fmt.Println(sqlexpr.And(visible, byTag, sqlexpr.Col("kind").Ge(2)))

	// Nothing at all is the constant true.
	fmt.Println(sqlexpr.And())
	// Output:
	// "deleted_at" IS NULL AND ("owner" = $1 OR "public" = $2) ["alice", true]
	// "deleted_at" IS NULL AND ("owner" = $1 OR "public" = $2) AND "kind" >= $3 ["alice", true, 2]
	// 1=1
}

func ExampleOr() {
	fmt.Println(sqlexpr.Or(
		sqlexpr.Col("a").Lt(0),
		sqlexpr.And(sqlexpr.Col("b").Gt(1), sqlexpr.Col("c").Le(2)),
	))
	fmt.Println(sqlexpr.Or())
	// Output:
	// "a" < $1 OR ("b" > $2 AND "c" <= $3) [0, 1, 2]
	// 1=0
}

func ExampleNot() {
	active := sqlexpr.Col("status").In(1, 2)
	fmt.Println(sqlexpr.Not(active))
	fmt.Println(sqlexpr.Not(sqlexpr.Or(active, sqlexpr.Col("legacy").Eq(true))))

	_, _, err := sqlexpr.Not(sqlexpr.Expr{}).Render(sqlexpr.Postgres)
	fmt.Println(err)
	// Output:
	// NOT "status" IN ($1, $2) [1, 2]
	// NOT ("status" IN ($1, $2) OR "legacy" = $3) [1, 2, true]
	// sqlexpr: Not of an empty expression: sqlexpr: empty expression
}

// Raw takes SQL text with ? placeholders; ?? is a literal question mark,
// here PostgreSQL's jsonb "has key" operator, and question marks in quotes
// are left alone.
func ExampleRaw() {
	e := sqlexpr.Raw(`tags ?? ? AND note <> '?' AND "why?" = ?`, "urgent", 1)
	q, args, _ := e.Render(sqlexpr.Postgres)
	fmt.Println(q, args)

	_, _, err := sqlexpr.Raw("a = ? AND b = ?", 1).Render(sqlexpr.Postgres)
	fmt.Println(err)
	// Output:
	// tags ? $1 AND note <> '?' AND "why?" = $2 [urgent 1]
	// sqlexpr: "a = ? AND b = ?" has more placeholders than its 1 arguments
}

// Now and NowPlus stand for the time given to At, so a predicate relative
// to the present is declared once, at package level, and bound to a time
// each time it is rendered.
func ExampleNow() {
	started := sqlexpr.Col("start_at").Le(sqlexpr.Now())
	recent := sqlexpr.Col("start_at").Gt(sqlexpr.NowPlus(-7 * 24 * time.Hour))

	_, args, _ := sqlexpr.And(started, recent).At(now).Render(sqlexpr.SQLite)
	fmt.Println(args)
	_, args, _ = sqlexpr.And(started, recent).At(now.Add(24 * time.Hour)).Render(sqlexpr.SQLite)
	fmt.Println(args)

	_, _, err := started.Render(sqlexpr.SQLite)
	fmt.Println(errors.Is(err, sqlexpr.ErrNoTime))
	// Output:
	// [2025-06-01 12:00:00 +0000 UTC 2025-05-25 12:00:00 +0000 UTC]
	// [2025-06-02 12:00:00 +0000 UTC 2025-05-26 12:00:00 +0000 UTC]
	// true
}

// ToSql follows the query-builder convention (as in squirrel's Where): ?
// placeholders, which the builder numbers or passes on. A literal question
// mark cannot be written so that every such builder reads it back, so ToSql
// refuses one: bind the value as an argument instead.
func ExampleExpr_ToSql() {
	var where interface{ ToSql() (string, []any, error) } = sqlexpr.And(
		sqlexpr.Col("status").In(2, 3),
		sqlexpr.Raw("name = ?", "who?"),
	)
	sql, args, _ := where.ToSql()
	fmt.Println(sql)
	fmt.Println(args)

	_, _, err := sqlexpr.Raw("name = 'who?'").ToSql()
	fmt.Println(errors.Is(err, sqlexpr.ErrQuestionMark))
	fmt.Println(err)
	// Output:
	// "status" IN (?, ?) AND (name = ?)
	// [2 3 who?]
	// true
	// sqlexpr: ToSql: SQL text "name = 'who?'" holds a literal question mark; bind the value as an argument instead, or use Render: sqlexpr: ToSql cannot write a literal question mark portably
}

// AppendSQL adds a predicate to a query that already has arguments; the
// PostgreSQL placeholders continue from them.
func ExampleExpr_AppendSQL() {
	query := []byte(`SELECT id FROM project WHERE "org_id" = $1 AND `)
	args := []any{42}

	query, args, err := sqlexpr.Col("status").In("live", "paused").AppendSQL(query, args, sqlexpr.Postgres)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(query))
	fmt.Println(args)
	// Output:
	// SELECT id FROM project WHERE "org_id" = $1 AND "status" IN ($2, $3)
	// [42 live paused]
}

func ExampleErr() {
	lookup := func(name string) sqlexpr.Expr {
		if name == "" {
			return sqlexpr.Err(fmt.Errorf("no state named %q", name))
		}
		return sqlexpr.Col("state").Eq(name)
	}
	_, _, err := sqlexpr.And(lookup("live"), lookup("")).Render(sqlexpr.Postgres)
	fmt.Println(err)
	// Output:
	// no state named ""
}

func ExampleIdent_Quote() {
	id := sqlexpr.ParseIdent(`p.we"ird`)
	pg, _ := id.Quote(sqlexpr.Postgres)
	my, _ := id.Quote(sqlexpr.MySQL)
	fmt.Println(pg)
	fmt.Println(my)

	_, err := sqlexpr.ParseIdent("p..status").Quote(sqlexpr.Postgres)
	fmt.Println(err)
	// Output:
	// "p"."we""ird"
	// `p`.`we"ird`
	// sqlexpr: identifier "p..status" has an empty part
}

func ExampleCol() {
	fmt.Println(sqlexpr.Col("file.name"))     // one part holding a dot
	fmt.Println(sqlexpr.ParseIdent("f.name")) // two parts
	fmt.Println(sqlexpr.Col("f", "name"))     // the same two parts
	// Output:
	// "file.name"
	// "f"."name"
	// "f"."name"
}

func ExampleExpr_String() {
	e := sqlexpr.Col("n").Ge(7)
	fmt.Println(e.String())
	fmt.Println(sqlexpr.Expr{}.String())
	// Output:
	// "n" >= $1 [7]
	// !(sqlexpr: empty expression)
}
