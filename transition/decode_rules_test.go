package transition_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// Decoding rules that mutation testing found unguarded: each test fails
// if the rule it names is broken.

type base struct {
	ID int `json:"id"`
}

type tagged struct {
	base           // embedded: its keys are the input's own
	Named   base   `json:"named"` // embedded with a name: a nested object
	Secret  string `json:"-"`     // never decoded
	Dash    string `json:"-,"`    // the key "-"
	Count   int    `json:"count,string"`
	Payload []byte `json:"payload,omitempty"`
	Small   uint8  `json:"small,omitempty"`
	Deep    *deep  `json:"deep,omitempty"`
}

// deep holds a ",string" field one level down.
type deep struct {
	N int `json:"n,string"`
}

func TestDecodeFollowsEncodingJSONNames(t *testing.T) {
	doors := transition.For[User, *DB](DoorStatus)
	tr := transition.New[tagged](doors, "tag", transition.From(Closed).Stay()).AllowAnyone()
	in, err := tr.Decode([]byte(`{"id": 1, "named": {"id": 2}, "-": "d", "count": "7", "payload": "aGk="}`))
	require.NoError(t, err)
	assert.Equal(t, tagged{base: base{ID: 1}, Named: base{ID: 2}, Dash: "d", Count: 7, Payload: []byte("hi")}, in)

	for payload, want := range map[string][]transition.FieldError{
		`{"id": 1, "named": {"id": 2}, "-": "d", "count": "7", "Secret": "x"}`:         {{Field: "/Secret", Code: "unknown", Message: "is not a field of this input"}},
		`{"id": 1, "named": {}, "-": "d", "count": "7"}`:                               {{Field: "/named/id", Code: "required", Message: "is required"}},
		`{"named": {"id": 2}, "-": "d", "count": "7"}`:                                 {{Field: "/id", Code: "required", Message: "is required"}},
		`{"id": 1, "named": {"id": 2}, "-": "d", "count": 7}`:                          {{Code: "type", Message: "invalid use of ,string struct tag, trying to unmarshal unquoted value into int"}},
		`{"id": 1, "named": {"id": 2}, "-": "d", "count": "7", "payload": 5}`:          {{Field: "/payload", Code: "type", Message: "must be a base64 string, not number"}},
		`{"id": 1, "named": {"id": 2}, "-": "d", "count": "7", "payload": "not b64!"}`: {{Field: "/payload", Code: "type", Message: "must be base64-encoded data"}},
		`{"id": 1, "named": {"id": 2}, "-": "d", "count": "7", "small": 256}`:          {{Field: "/small", Code: "type", Message: "must be an integer from 0 to 255, not 256"}},
		`{"id": 1, "named": {"id": 2}, "-": "d", "count": "7", "small": -1}`:           {{Field: "/small", Code: "type", Message: "must be an integer from 0 to 255, not -1"}},
		`{"id": 1.5, "named": {"id": 2}, "-": "d", "count": "7"}`:                      {{Field: "/id", Code: "type", Message: "must be an integer, not 1.5"}},
		// What only encoding/json checks (a ",string" field's inner value)
		// is named by its path too.
		`{"id": 1, "named": {"id": 2}, "-": "d", "count": "1.5"}`:                     {{Field: "/count", Code: "type", Message: "must be an integer, not number 1.5"}},
		`{"id": 1, "named": {"id": 2}, "-": "d", "count": "7", "deep": {"n": "1.5"}}`: {{Field: "/deep/n", Code: "type", Message: "must be an integer, not number 1.5"}},
	} {
		got := inputErrorFields(t, tr, payload)
		if strings.Contains(payload, `"count": 7`) {
			require.Len(t, got, 1)
			assert.Contains(t, got[0].Message, ",string", payload)
			continue
		}
		assert.Equal(t, want, got, payload)
	}
}

// A struct of more than 64 fields keeps track of every one.
type wide struct {
	F00, F01, F02, F03, F04, F05, F06, F07, F08, F09 int
	F10, F11, F12, F13, F14, F15, F16, F17, F18, F19 int
	F20, F21, F22, F23, F24, F25, F26, F27, F28, F29 int
	F30, F31, F32, F33, F34, F35, F36, F37, F38, F39 int
	F40, F41, F42, F43, F44, F45, F46, F47, F48, F49 int
	F50, F51, F52, F53, F54, F55, F56, F57, F58, F59 int
	F60, F61, F62, F63, F64, F65, F66, F67, F68, F69 int
}

func TestDecodeWideStruct(t *testing.T) {
	doors := transition.For[User, *DB](DoorStatus)
	tr := transition.New[wide](doors, "wide", transition.From(Closed).Stay()).AllowAnyone()
	var b strings.Builder
	b.WriteString("{")
	for i := range 70 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"F` + string(rune('0'+i/10)) + string(rune('0'+i%10)) + `": 1`)
	}
	full := b.String() + "}"
	in, err := tr.Decode([]byte(full))
	require.NoError(t, err)
	assert.Equal(t, 1, in.F69)
	fe := inputErrorFields(t, tr, strings.Replace(full, `"F68": 1,`, "", 1)+``)
	assert.Equal(t, []transition.FieldError{{Field: "/F68", Code: "required", Message: "is required"}}, fe)
	fe = inputErrorFields(t, tr, strings.TrimSuffix(full, "}")+`, "F66": 2}`)
	assert.Equal(t, []transition.FieldError{{Field: "/F66", Code: "duplicate", Message: "is given more than once"}}, fe)
}

// Structs of 63, 64 and 65 fields, all optional: decoding tracks the
// keys of up to 64 fields on the stack, and allocates only for more.
type (
	sixty struct {
		F00, F01, F02, F03, F04, F05, F06, F07, F08, F09 int `json:",omitempty"`
		F10, F11, F12, F13, F14, F15, F16, F17, F18, F19 int `json:",omitempty"`
		F20, F21, F22, F23, F24, F25, F26, F27, F28, F29 int `json:",omitempty"`
		F30, F31, F32, F33, F34, F35, F36, F37, F38, F39 int `json:",omitempty"`
		F40, F41, F42, F43, F44, F45, F46, F47, F48, F49 int `json:",omitempty"`
		F50, F51, F52, F53, F54, F55, F56, F57, F58, F59 int `json:",omitempty"`
	}
	wide63 struct {
		sixty
		G0, G1, G2 int `json:",omitempty"`
	}
	wide64 struct {
		sixty
		G0, G1, G2, G3 int `json:",omitempty"`
	}
	wide65 struct {
		sixty
		G0, G1, G2, G3, G4 int `json:",omitempty"`
	}
)

func TestDecodeTracksUpTo64FieldsWithoutAllocating(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	doors := transition.For[User, *DB](DoorStatus)
	t63 := transition.New[wide63](doors, "w63", transition.From(Closed).Stay()).AllowAnyone()
	t64 := transition.New[wide64](doors, "w64", transition.From(Closed).Stay()).AllowAnyone()
	t65 := transition.New[wide65](doors, "w65", transition.From(Closed).Stay()).AllowAnyone()
	payload := []byte(`{"G0": 1}`)
	allocs := func(decode func([]byte) error) float64 {
		return testing.AllocsPerRun(100, func() {
			if err := decode(payload); err != nil {
				panic(err)
			}
		})
	}
	a63 := allocs(func(b []byte) error { _, err := t63.Decode(b); return err })
	a64 := allocs(func(b []byte) error { _, err := t64.Decode(b); return err })
	a65 := allocs(func(b []byte) error { _, err := t65.Decode(b); return err })
	assert.Equal(t, a63, a64, "64 fields are tracked on the stack, as 63 are")
	assert.Equal(t, a63+1, a65, "65 fields need one allocation to track them")
	in, err := t65.Decode([]byte(`{"G4": 4, "F59": 59}`))
	require.NoError(t, err)
	assert.Equal(t, wide65{sixty: sixty{F59: 59}, G4: 4}, in)
}

// Recursive types that are not structs have finite shapes too.
type tree map[string]tree

type chain []chain

func TestDecodeRecursiveMapsAndSlices(t *testing.T) {
	doors := transition.For[User, *DB](DoorStatus)
	trees := transition.New[tree](doors, "tree", transition.From(Closed).Stay()).AllowAnyone()
	got, err := trees.Decode([]byte(`{"a": {"b": {}}, "c": null}`))
	require.NoError(t, err)
	assert.Equal(t, tree{"a": {"b": {}}, "c": nil}, got)
	assert.Equal(t, []transition.FieldError{{Field: "/a/b", Code: "type", Message: "must be an object, not number"}}, inputErrorFields(t, trees, `{"a": {"b": 1}}`))

	chains := transition.New[chain](doors, "chain", transition.From(Closed).Stay()).AllowAnyone()
	_, err = chains.Decode([]byte(`[[], [[]]]`))
	require.NoError(t, err)
	assert.Equal(t, []transition.FieldError{{Field: "/1/0", Code: "type", Message: "must be an array, not string"}}, inputErrorFields(t, chains, `[[], ["x"]]`))
}

// Types that hold nothing but nil. encoding/json allocates forever
// decoding anything but null into one, and a JSON Schema reflector
// recurses until the stack overflows: New refuses an input that holds one
// where decoding would reach it.
type (
	loop   *loop
	loopA  *loopB
	loopB  *loopA
	toLoop *loop
	inLoop struct {
		Name string             `json:"name"`
		Deep []map[string]*loop `json:"deep"`
	}
	skipsLoop struct {
		Name    string   `json:"name"`
		Twice   **string `json:"twice,omitempty"` // a chain of pointers that ends
		Skipped loop     `json:"-"`
		hidden  loop
	}
)

func TestDeclarationRefusesPointerLoops(t *testing.T) {
	doors := transition.For[User, *DB](DoorStatus)
	for _, c := range []struct {
		name string
		f    func()
		msg  string
	}{
		{"itself", func() { transition.New[loop](doors, "loop", transition.From(Closed).Stay()) },
			"the input type transition_test.loop points only to pointers: it can hold nothing but nil, and encoding/json never returns from decoding into it"},
		{"two types", func() { transition.New[loopA](doors, "loop", transition.From(Closed).Stay()) },
			"the input type transition_test.loopA points only to pointers"},
		{"into a loop", func() { transition.New[toLoop](doors, "loop", transition.From(Closed).Stay()) },
			"the input type transition_test.toLoop points only to pointers"},
		{"a pointer to one", func() { transition.New[*loop](doors, "loop", transition.From(Closed).Stay()) },
			"the input type *transition_test.loop points only to pointers"},
		{"deep in a field", func() { transition.New[inLoop](doors, "loop", transition.From(Closed).Stay()) },
			"the input type transition_test.inLoop holds *transition_test.loop, which points only to pointers: it can hold nothing but nil"},
	} {
		t.Run(c.name, func(t *testing.T) {
			de := declPanic(t, c.f)
			assert.Contains(t, de.Error(), c.msg)
			assert.Contains(t, de.Error(), "decode_rules_test.go:", "the error points at the declaration")
		})
	}
	// A field decoding never reaches may have such a type.
	skips := transition.New[skipsLoop](doors, "skips", transition.From(Closed).Stay()).AllowAnyone()
	assert.Equal(t, []string{"skips"}, doors.Names(), "a refused New leaves nothing behind")
	in, err := skips.Decode([]byte(`{"name": "x", "twice": "y"}`))
	require.NoError(t, err)
	assert.Equal(t, "x", in.Name)
	require.NotNil(t, in.Twice)
	require.NotNil(t, *in.Twice)
	assert.Equal(t, "y", **in.Twice)
	assert.Nil(t, in.Skipped)
	assert.Equal(t, []transition.FieldError{{Field: "/twice", Code: "type", Message: "must be a string, not number"}},
		inputErrorFields(t, skips, `{"name": "x", "twice": 1}`))
	assert.Equal(t, []transition.FieldError{{Field: "/Skipped", Code: "unknown", Message: "is not a field of this input"}},
		inputErrorFields(t, skips, `{"name": "x", "Skipped": 1}`))
}

// The nesting limit is encoding/json's, at its exact boundary.
func TestDecodeNestingLimit(t *testing.T) {
	doors := transition.For[User, *DB](DoorStatus)
	type free struct {
		A any `json:"a"`
	}
	tr := transition.New[free](doors, "free", transition.From(Closed).Stay()).AllowAnyone()
	nest := func(n int) string { return `{"a": ` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}` }
	_, err := tr.Decode([]byte(nest(9999))) // with the object, 10,000 levels
	require.NoError(t, err)
	fe := inputErrorFields(t, tr, nest(10000))
	require.Len(t, fe, 1)
	assert.Contains(t, fe[0].Message, "is nested more than 10000 levels deep")

	trees := transition.New[tree](doors, "tree", transition.From(Closed).Stay()).AllowAnyone()
	deep := func(n int) string { return strings.Repeat(`{"a": `, n) + "{}" + strings.Repeat("}", n) }
	_, err = trees.Decode([]byte(deep(9999)))
	require.NoError(t, err)
	fe = inputErrorFields(t, trees, deep(10000))
	require.Len(t, fe, 1)
	assert.Contains(t, fe[0].Message, "is nested more than 10000 levels deep")

	// Arrays of a type of their own, not any: the walk counts them too.
	chains := transition.New[chain](doors, "chain", transition.From(Closed).Stay()).AllowAnyone()
	arrays := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	_, err = chains.Decode([]byte(arrays(10000)))
	require.NoError(t, err)
	fe = inputErrorFields(t, chains, arrays(10001))
	require.Len(t, fe, 1)
	assert.Contains(t, fe[0].Message, "is nested more than 10000 levels deep")
}

// Every integer kind names its own range, from int to int64 and uint to
// uint64.
func TestDecodeIntegerRanges(t *testing.T) {
	doors := transition.For[User, *DB](DoorStatus)
	type ints struct {
		I   int    `json:"i,omitempty"`
		I64 int64  `json:"i64,omitempty"`
		U   uint   `json:"u,omitempty"`
		U64 uint64 `json:"u64,omitempty"`
	}
	tr := transition.New[ints](doors, "ints", transition.From(Closed).Stay()).AllowAnyone()
	for payload, want := range map[string]transition.FieldError{
		`{"i": 9223372036854775808}`:    {Field: "/i", Code: "type", Message: "must be an integer from -9223372036854775808 to 9223372036854775807, not 9223372036854775808"},
		`{"i64": -9223372036854775809}`: {Field: "/i64", Code: "type", Message: "must be an integer from -9223372036854775808 to 9223372036854775807, not -9223372036854775809"},
		`{"u": -1}`:                     {Field: "/u", Code: "type", Message: "must be an integer from 0 to 18446744073709551615, not -1"},
		`{"u64": 18446744073709551616}`: {Field: "/u64", Code: "type", Message: "must be an integer from 0 to 18446744073709551615, not 18446744073709551616"},
	} {
		assert.Equal(t, []transition.FieldError{want}, inputErrorFields(t, tr, payload), payload)
	}
}

// Echoed values are cut at 64 bytes, never inside a character.
func TestDecodeEchoCut(t *testing.T) {
	doors := transition.For[User, *DB](DoorStatus)
	type num struct {
		N int8 `json:"n"`
	}
	tr := transition.New[num](doors, "num", transition.From(Closed).Stay()).AllowAnyone()
	exact := "1." + strings.Repeat("5", 62) // 64 bytes: echoed whole
	assert.Equal(t, "must be an integer, not "+exact, inputErrorFields(t, tr, `{"n": `+exact+`}`)[0].Message)
	longer := exact + "5" // 65 bytes: cut
	assert.Equal(t, "must be an integer, not "+exact+"... (65 bytes)", inputErrorFields(t, tr, `{"n": `+longer+`}`)[0].Message)

	// A key of 63 ASCII bytes then a 3-byte character: cut before it.
	key := strings.Repeat("k", 63) + "€"
	fe := inputErrorFields(t, tr, `{"n": 1, "`+key+`": 1}`)
	assert.Equal(t, "/"+strings.Repeat("k", 63)+"... (66 bytes)", fe[0].Field)
}

// A state field's message lists at most eight of its values.
type manyValue int

func (manyValue) StateType() *state.Type[manyValue] { return manyType }

var manyType = numbered[manyValue]("Many", 10)

// nineValue has one value more than a message lists: it is listed
// rather than counted as "and 1 more".
type nineValue int

func (nineValue) StateType() *state.Type[nineValue] { return nineType }

var nineType = numbered[nineValue]("Nine", 9)

// numbered declares a state type of n states, 1 (S1) to n (Sn).
func numbered[T ~int](name string, n int) *state.Type[T] {
	t := state.NewType[T](name)
	for i := 1; i <= n; i++ {
		t.State(T(i), fmt.Sprintf("S%d", i))
	}
	return t
}

func TestDecodeLongChoicesAreCut(t *testing.T) {
	type pick struct {
		S state.State[manyValue] `json:"s"`
	}
	doors := transition.For[User, *DB](DoorStatus)
	type pickNine struct {
		S state.State[nineValue] `json:"s"`
	}
	tr := transition.New[pick](doors, "pick", transition.From(Closed).Stay()).AllowAnyone()
	nine := transition.New[pickNine](doors, "pick_nine", transition.From(Closed).Stay()).AllowAnyone()
	fe := inputErrorFields(t, tr, `{"s": 99}`)
	require.Len(t, fe, 1)
	assert.Equal(t, "must be one of 1 (S1), 2 (S2), 3 (S3), 4 (S4), 5 (S5), 6 (S6), 7 (S7), 8 (S8), and 2 more, not 99", fe[0].Message)

	fe = inputErrorFields(t, nine, `{"s": 99}`)
	require.Len(t, fe, 1)
	assert.Equal(t, "must be one of 1 (S1), 2 (S2), 3 (S3), 4 (S4), 5 (S5), 6 (S6), 7 (S7), 8 (S8), 9 (S9), not 99", fe[0].Message)
}

// Errors say what they know, and leave out what they do not.
func TestErrorMessagesOmitWhatIsUnknown(t *testing.T) {
	assert.Equal(t, "transition: nothing (declared at x.go:1)", (&transition.DeclarationError{Msg: "nothing", At: "x.go:1"}).Error())
	assert.Equal(t, `transition: m: "t": bad`, (&transition.DeclarationError{Machine: "m", Transition: "t", Msg: "bad"}).Error())
	fe := []transition.FieldError{{Field: "/a", Code: "required", Message: "is required"}}
	assert.Equal(t, `transition: m "t": invalid input: /a: is required`,
		transition.NewError(transition.ErrInvalidInput, transition.Error{Machine: "m", Transition: "t", Fields: fe}, "", "").Error())
	assert.Equal(t, `transition: m "t" of o 1 by ann: invalid input: /a: is required`,
		transition.NewError(transition.ErrInvalidInput, transition.Error{Machine: "m", Transition: "t", Fields: fe}, "o 1", "ann").Error())
	assert.Equal(t, `transition: o 1: step "s" failed: boom`,
		transition.NewError(transition.ErrStep, transition.Error{Step: "s", Err: errors.New("boom")}, "o 1", "").Error())
	assert.Equal(t, `transition: m "t" of o 1 by ann: step "s" panicked: boom: panic: x`,
		transition.NewError(transition.ErrStep, transition.Error{Machine: "m", Transition: "t", Step: "s",
			Err: fmt.Errorf("boom: %w", &transition.PanicError{Value: "x"})}, "o 1", "ann").Error())
}

// A type only encoding/json can judge (a complex number, which JSON
// cannot hold) is named by its Go type when the payload does not fit it.
func TestDecodeNamesTypesJSONHasNoWordFor(t *testing.T) {
	type odd struct {
		C complex128 `json:"c,omitempty"`
	}
	doors := transition.For[User, *DB](DoorStatus)
	tr := transition.New[odd](doors, "odd", transition.From(Closed).Stay()).AllowAnyone()
	assert.Equal(t, []transition.FieldError{{Field: "/c", Code: "type", Message: "must be a complex128, not number"}}, inputErrorFields(t, tr, `{"c": 1}`))
}
