package schema

import (
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// TestDescribeNamesOtherKindsByKeyword: a kind of error that describe has
// no words for is named by its keyword, in snake_case, or "invalid" when
// it has none. Compile's checks meet none with a keyword today (the
// content keywords are asserted only by a compiler told to), but a later
// version of the library may add kinds.
func TestDescribeNamesOtherKindsByKeyword(t *testing.T) {
	for _, tc := range []struct {
		kind jsonschema.ErrorKind
		code string
	}{
		{&kind.ContentEncoding{Want: "base64"}, "content_encoding"},
		{&kind.ContentMediaType{Want: "application/json"}, "content_media_type"},
		{&kind.ContentSchema{}, "content_schema"},
		{&kind.Reference{Keyword: "$dynamicRef"}, "$dynamic_ref"},
		{&kind.RefCycle{}, "invalid"},
		{&kind.InvalidJsonValue{Value: 1}, "invalid"},
	} {
		code, msg := describe(tc.kind)
		if code != tc.code || msg != "is not valid" {
			t.Errorf("describe(%T) = %q, %q; want %q, %q", tc.kind, code, msg, tc.code, "is not valid")
		}
	}
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{
		"minLength":        "min_length",
		"contentMediaType": "content_media_type",
		"Ab":               "ab", // no leading underscore
		"aA":               "a_a",
		"aZ":               "a_z",
		"a@[`{":            "a@[`{", // the neighbours of A-Z are not letters
		"":                 "",
	} {
		if got := snake(in); got != want {
			t.Errorf("snake(%q) = %q, want %q", in, got, want)
		}
	}
}
