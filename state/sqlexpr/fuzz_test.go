package sqlexpr_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/statecraft/statecraft/state/sqlexpr"
)

// leakMark starts every string argument the fuzzer binds. Rendering only
// ever inserts '$', digits and '?' into the SQL text, so the output can
// contain leakMark only if the input SQL does.
const leakMark = "\x01leak"

// fuzzAt is the time the fuzzed expressions are rendered at.
var fuzzAt = time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)

// fuzzArgs returns n arguments of assorted kinds: marked strings (one of
// them also holding s), the malicious string, an int and a NowPlus. want
// is what the arguments resolve to when rendered at fuzzAt.
func fuzzArgs(n int, s string) (args, want []any) {
	for i := range n {
		var a, w any
		switch i % 4 {
		case 0:
			a = leakMark + strconv.Itoa(i) + ":" + s
			w = a
		case 1:
			a = leakMark + malicious
			w = a
		case 2:
			a, w = i, i
		case 3:
			a = sqlexpr.NowPlus(time.Duration(i) * time.Second)
			w = fuzzAt.Add(time.Duration(i) * time.Second)
		}
		args = append(args, a)
		want = append(want, w)
	}
	return args, want
}

// walkPlaceholders walks the SQLite rendering q and the PostgreSQL rendering
// pg of the same raw SQL in step. They must agree byte for byte except where
// q has a ? placeholder and pg has $k, k counting up from first. It returns
// the number of placeholders, or a description of the first difference. It
// also checks that no placeholder is followed by a digit, which the
// database would read as part of the placeholder ($1 then 0 is $10; ? then 1
// is SQLite's ?1).
func walkPlaceholders(q, pg string, first int) (int, string) {
	k := first
	i, j := 0, 0
	for i < len(q) && j < len(pg) {
		if q[i] == pg[j] {
			i++
			j++
			continue
		}
		num := "$" + strconv.Itoa(k)
		if q[i] != '?' || !strings.HasPrefix(pg[j:], num) {
			return 0, "sqlite and postgres differ at " + strconv.Quote(q[i:]) + " / " + strconv.Quote(pg[j:]) + "; want placeholder " + num
		}
		i++
		j += len(num)
		k++
		if i < len(q) && '0' <= q[i] && q[i] <= '9' {
			return 0, "placeholder followed by a digit: " + strconv.Quote(pg[:j+1])
		}
	}
	if i != len(q) || j != len(pg) {
		return 0, "sqlite and postgres differ in length: tails " + strconv.Quote(q[i:]) + " / " + strconv.Quote(pg[j:])
	}
	return k - first, ""
}

// FuzzRaw renders raw SQL text with assorted arguments for every dialect,
// through ToSql and Raw again, and after existing arguments.
func FuzzRaw(f *testing.F) {
	for _, seed := range []struct {
		sql string
		n   uint8
	}{
		{"", 0},
		{"a = ?", 1},
		{"a = ? AND b IN (?, ?)", 3},
		{"data ?? ?", 1},
		{"a ???", 1},
		{"'?' = ?", 1},
		{`"?" = ?`, 1},
		{"`?` = ?", 1},
		{"'it''s ?' = ?", 1},
		{"'unterminated ?", 0},
		{"$1 = ? AND $$?$$", 2},
		{"?0", 1},
		{"??1", 0},
		{"x = ?", 0},
		{"x", 2},
	} {
		f.Add(seed.sql, seed.n, "s")
	}

	dialects := []sqlexpr.Dialect{sqlexpr.Postgres, sqlexpr.SQLite, sqlexpr.MySQL}

	f.Fuzz(func(t *testing.T, sql string, n uint8, s string) {
		args, wantArgs := fuzzArgs(int(n%6), s)
		e := sqlexpr.Raw(sql, args...).At(fuzzAt)

		out := map[string]string{}
		var firstErr error
		for i, d := range dialects {
			got, gotArgs, err := e.Render(d)
			if i == 0 {
				firstErr = err
			} else if (err == nil) != (firstErr == nil) {
				t.Fatalf("Render(%s) error %v, but Render(postgres) error %v", d, err, firstErr)
			}
			if err != nil {
				if got != "" || gotArgs != nil {
					t.Fatalf("Render(%s) failed with %v but returned %q, %#v", d, err, got, gotArgs)
				}
				continue
			}
			if diff := cmp.Diff(wantArgs, gotArgs); diff != "" {
				t.Fatalf("Render(%s) args mismatch (-want +got):\n%s", d, diff)
			}
			if !strings.Contains(sql, leakMark) && strings.Contains(got, leakMark) {
				t.Fatalf("Render(%s) = %q: an argument leaked into the SQL", d, got)
			}
			out[d.String()] = got
		}

		toSql, toArgs, err := e.ToSql()
		// A literal question mark (quoted, or written ??) is what Postgres
		// writes as ?: its placeholders are all $n. ToSql refuses exactly
		// those, since builders disagree on how to read one back.
		literalQ := firstErr == nil && strings.Contains(out["postgres"], "?")
		switch {
		case firstErr != nil:
			if err == nil {
				t.Fatalf("ToSql = %q, but Render(postgres) error %v", toSql, firstErr)
			}
			return
		case literalQ:
			if !errors.Is(err, sqlexpr.ErrQuestionMark) || toSql != "" || toArgs != nil {
				t.Fatalf("ToSql of %q, whose postgres rendering %q holds a literal ?: %q, %#v, %v; want ErrQuestionMark", sql, out["postgres"], toSql, toArgs, err)
			}
		case err != nil:
			t.Fatalf("ToSql error %v, but Render(postgres) = %q", err, out["postgres"])
		default:
			// Every ? that ToSql writes is a placeholder, outside quotes;
			// read back through Raw, it renders as the original does.
			if n := strings.Count(toSql, "?"); n != len(toArgs) {
				t.Fatalf("ToSql() = %q has %d question marks for %d arguments", toSql, n, len(toArgs))
			}
			if diff := cmp.Diff(wantArgs, toArgs); diff != "" {
				t.Fatalf("ToSql args mismatch (-want +got):\n%s", diff)
			}
			if toSql != out["sqlite"] {
				t.Fatalf("ToSql() = %q, but sqlite renders %q", toSql, out["sqlite"])
			}
			back, backArgs, err := sqlexpr.Raw(toSql, toArgs...).Render(sqlexpr.Postgres)
			if err != nil {
				t.Fatalf("Raw(ToSql()) = %q: %v", toSql, err)
			}
			if back != out["postgres"] {
				t.Fatalf("Raw(ToSql() = %q) renders %q, want %q", toSql, back, out["postgres"])
			}
			if diff := cmp.Diff(wantArgs, backArgs); diff != "" {
				t.Fatalf("Raw(ToSql()) args mismatch (-want +got):\n%s", diff)
			}
		}
		// Raw text holds no identifiers to quote, so SQLite and MySQL agree.
		if out["sqlite"] != out["mysql"] {
			t.Fatalf("sqlite %q != mysql %q", out["sqlite"], out["mysql"])
		}
		// SQLite only collapses ?? to ?, so it is at most as long as the input.
		if len(out["sqlite"]) > len(sql) || strings.Count(sql, "?")-strings.Count(out["sqlite"], "?") != len(sql)-len(out["sqlite"]) {
			t.Fatalf("sqlite %q is not the input %q with some ?? collapsed", out["sqlite"], sql)
		}
		// PostgreSQL numbers exactly len(args) placeholders $1..$n in order.
		count, problem := walkPlaceholders(out["sqlite"], out["postgres"], 1)
		if problem != "" {
			t.Fatalf("input %q: %s", sql, problem)
		}
		if count != len(args) {
			t.Fatalf("input %q: postgres %q has %d placeholders for %d args", sql, out["postgres"], count, len(args))
		}

		// AppendSQL after existing arguments continues the numbering.
		const prefix = "SELECT 1 WHERE "
		pre := []any{"p0", "p1", "p2"}
		buf, all, err := e.AppendSQL([]byte(prefix), pre[:3:3], sqlexpr.Postgres)
		if err != nil {
			t.Fatalf("AppendSQL: %v after Render succeeded", err)
		}
		if !strings.HasPrefix(string(buf), prefix) {
			t.Fatalf("AppendSQL lost the prefix: %q", buf)
		}
		count, problem = walkPlaceholders(out["sqlite"], string(buf[len(prefix):]), 4)
		if problem != "" {
			t.Fatalf("AppendSQL of %q: %s", sql, problem)
		}
		if count != len(args) {
			t.Fatalf("AppendSQL of %q: %d placeholders for %d args", sql, count, len(args))
		}
		if diff := cmp.Diff(append([]any{"p0", "p1", "p2"}, wantArgs...), all); diff != "" {
			t.Fatalf("AppendSQL args mismatch (-want +got):\n%s", diff)
		}
	})
}
