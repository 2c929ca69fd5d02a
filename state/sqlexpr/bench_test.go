package sqlexpr_test

import (
	"testing"
	"time"

	"github.com/statecraft/statecraft/state/sqlexpr"
)

// benchExpr is a typical state predicate: a two-value IN on the state column
// and a raw fragment with a Now argument, bound to a time with At.
var benchExpr = sqlexpr.And(
	sqlexpr.Col("status").In(2, 3),
	sqlexpr.Raw("start_at > ?", sqlexpr.Now()),
).At(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))

const benchWant = `"status" IN ($1, $2) AND (start_at > $3)`

func BenchmarkRenderPostgres(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sql, args, err := benchExpr.Render(sqlexpr.Postgres)
		if err != nil || len(args) != 3 || len(sql) != len(benchWant) {
			b.Fatal(sql, args, err)
		}
	}
}

func BenchmarkRenderSQLite(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := benchExpr.Render(sqlexpr.SQLite); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkToSql(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := benchExpr.ToSql(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendSQLReuse renders into a buffer and an argument slice reused
// across iterations, as a query builder with a pooled buffer would.
func BenchmarkAppendSQLReuse(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 256)
	args := make([]any, 0, 8)
	var err error
	for b.Loop() {
		buf, args, err = benchExpr.AppendSQL(buf[:0], args[:0], sqlexpr.Postgres)
		if err != nil || len(args) != 3 {
			b.Fatal(err)
		}
	}
	if string(buf) != benchWant {
		b.Fatalf("got %q", buf)
	}
}

// BenchmarkBuildAndRender includes building the Expr, as code that builds
// its predicate per request does.
func BenchmarkBuildAndRender(b *testing.B) {
	b.ReportAllocs()
	t := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for b.Loop() {
		e := sqlexpr.And(sqlexpr.Col("status").In(2, 3), sqlexpr.Raw("start_at > ?", t))
		if _, _, err := e.Render(sqlexpr.Postgres); err != nil {
			b.Fatal(err)
		}
	}
}
