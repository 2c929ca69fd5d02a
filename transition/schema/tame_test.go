package schema

import (
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestTameNumberKeepsTheValue checks that a number within the limits is
// rewritten, if at all, as the same value, and that one beyond them keeps
// its sign and its side of every shorter number.
func TestTameNumberKeepsTheValue(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
		return b.String()
	}
	for range 5000 {
		var s string
		sign := ""
		if r.IntN(2) == 0 {
			sign = "-"
		}
		intPart := digits(1 + r.IntN(60))
		intPart = strings.TrimLeft(intPart, "0")
		if intPart == "" {
			intPart = "0"
		}
		s = sign + intPart
		if r.IntN(2) == 0 {
			s += "." + strings.Repeat("0", r.IntN(500)) + digits(1+r.IntN(500))
		}
		if r.IntN(2) == 0 {
			s += fmt.Sprintf("e%d", r.IntN(1200)-600)
		}
		want, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatalf("big.Rat cannot read %s", s)
		}
		tamed := string(tameNumber(json.Number(s)).(json.Number))
		got, ok := new(big.Rat).SetString(tamed)
		if !ok {
			t.Fatalf("%s: big.Rat cannot read %s", s, tamed)
		}
		if len(tamed) > 2*maxDigits {
			t.Fatalf("%s: %s is long", s, tamed)
		}
		limit := new(big.Rat).SetFrac(new(big.Int).Exp(big.NewInt(10), big.NewInt(maxExponent), nil), big.NewInt(1))
		tiny := new(big.Rat).Inv(limit)
		abs := new(big.Rat).Abs(want)
		switch {
		case abs.Cmp(limit) > 0:
			if got.Cmp(new(big.Rat).Mul(limit, big.NewRat(int64(want.Sign()), 1))) != 0 {
				t.Fatalf("%s: got %s, want ±10^400", s, tamed)
			}
		case abs.Sign() != 0 && abs.Cmp(tiny) < 0:
			if got.Cmp(new(big.Rat).Mul(tiny, big.NewRat(int64(want.Sign()), 1))) != 0 {
				t.Fatalf("%s: got %s, want ±10^-400", s, tamed)
			}
		case len(strings.Trim(strings.NewReplacer(".", "", "-", "").Replace(strings.Split(s, "e")[0]), "0")) > maxDigits:
			if got.Sign() != want.Sign() || got.Cmp(want) == 0 {
				t.Fatalf("%s: got %s, a cut that should differ a little", s, tamed)
			}
		default:
			if got.Cmp(want) != 0 {
				t.Fatalf("%s: got %s, a different value", s, tamed)
			}
		}
	}
}

// TestTameNumberAtTheLimits: the short forms on either side of 10^400 and
// 10^-400, and numbers left as they are.
func TestTameNumberAtTheLimits(t *testing.T) {
	z32 := strings.Repeat("0", 32)
	for _, tc := range []struct{ in, want string }{
		{"12", "12"},
		{"-1.5e3", "-1.5e3"},
		{"1e400", "1e400"},
		{"1.5e400", "1e400"},          // above 10^400
		{"-1.5e400", "-1e400"},        // below -10^400
		{"5" + z32 + "e367", "5e399"}, // 5×10^399, long but within
		{"1" + z32 + "e368", "1e400"}, // 10^400 exactly
		{"1" + z32 + "1e368", "1e400"},
		{"1e-400", "1e-400"},
		{"1.5e-400", "15e-401"}, // 1.5×10^-400, within
		{"-1.5e-400", "-15e-401"},
		{"9.9e-401", "1e-400"}, // below 10^-400
		{"1e-401", "1e-400"},
		{"-1e-401", "-1e-400"},
		{"0e-999", "0"},
		{"0." + z32 + "5", "5e-33"},
	} {
		if got := tameNumber(json.Number(tc.in)); got != json.Number(tc.want) {
			t.Errorf("tameNumber(%s) = %v, want %s", tc.in, got, tc.want)
		}
	}
}
