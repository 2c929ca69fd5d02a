package callsite

import "testing"

func TestCompareReadsLikeTheSource(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int // sign
	}{
		{"x/a.go:9", "x/a.go:10", -1},
		{"x/a.go:10", "x/a.go:9", 1},
		{"x/a.go:10", "x/a.go:10", 0},
		{"x/a.go:99", "x/b.go:1", -1},
	} {
		got := Compare(c.a, c.b)
		if (got < 0) != (c.want < 0) || (got > 0) != (c.want > 0) {
			t.Errorf("Compare(%q, %q) = %d, want the sign of %d", c.a, c.b, got, c.want)
		}
	}
	if p := Pos(-1); p == "" {
		t.Error("Pos names no position")
	}
}
