package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/statecraft/statecraft/transition"
)

// Limits on what a check reports, as in the transition package's decoding.
const (
	// maxFieldErrors is how many field errors one payload can produce;
	// a check lists the first ones (in order) and adds one more saying so.
	maxFieldErrors = 50
	// maxEcho is how many bytes of a value or key an error repeats.
	maxEcho = 64
	// maxMessage is how long a message from the JSON parser may be.
	maxMessage = 256
)

// resourceURL names the generated schema inside its compiler. Nothing is
// loaded from it: the schema is added as a resource, and any other URL is
// refused.
const resourceURL = "mem:///input.schema.json"

// Compile returns the JSON Schema of input type t (as JSON renders it) and
// a function that checks a payload against every rule that schema
// publishes: lengths, patterns, enums, bounds, item counts, formats (such
// as "date-time" for a time.Time), required and unknown fields, at every
// depth. A nil t (a transition that takes NoInput) has the schema of an
// empty object. Its signature suits registry.Options.Schemas.
//
// The schema is compiled once, here, by
// github.com/santhosh-tekuri/jsonschema/v6, with Go's regexp for patterns:
// a pattern that Go cannot compile, such as `jsonschema:"pattern=(["`, is an
// error naming the type and the field.
//
// check returns nil for a payload that keeps every rule. Otherwise it
// returns one FieldError for each broken rule: Field is the JSON Pointer of
// the value that breaks it (of the missing or unknown field, for
// "required" and "unknown"), Code is the rule's keyword in snake_case
// ("min_length", "pattern", "enum", "format", ...; "unknown" for
// additionalProperties), and Message says it in words. The errors are
// sorted by Field, then Code; after the first 50, one more, with Code
// "too_many", says there are more. A payload that is not JSON gets a single
// error with Code "syntax". An empty payload or null is read as {}, as the
// transition package's decoding reads it.
//
// A payload's numbers are compared exactly, as decimals, not as float64s;
// so that none costs much to check, a magnitude beyond 10^400 counts as
// 10^400, a nonzero one below 10^-400 as 10^-400, and digits past the
// 400th are cut short. Every number a Go integer or float can hold is
// within these limits.
//
// check is meant for payloads that the transition package's decoding has
// accepted, and leaves null to it: it reports nothing about a value that
// is null. (Decoding accepts null in an optional field, and in a field
// whose Go type holds null, such as a slice or a pointer, though the
// schema gives such a field a type that null is not.)
//
// check is safe for concurrent use.
func Compile(t reflect.Type) (schema json.RawMessage, check func(payload []byte) []transition.FieldError, err error) {
	name := "no input"
	if t != nil {
		name = t.String()
	}
	defer func() {
		if p := recover(); p != nil { // the generator panics on some types
			schema, check, err = nil, nil, fmt.Errorf("schema: %s: generating the schema panicked: %v", name, p)
		}
	}()
	s := Reflect(t)
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, nil, fmt.Errorf("schema: %s: %w", name, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, nil, fmt.Errorf("schema: %s: reading the generated schema: %w", name, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(refuseLoader{})
	if err := c.AddResource(resourceURL, doc); err != nil {
		return nil, nil, fmt.Errorf("schema: %s: %w", name, err)
	}
	compiled, err := c.Compile(resourceURL)
	if err != nil {
		return nil, nil, compileError(name, err)
	}
	ch := &checker{schema: compiled, object: s.Type == "object"}
	return raw, ch.check, nil
}

// refuseLoader loads nothing: a generated schema refers to nothing outside
// itself, and a check must not reach for files or the network.
type refuseLoader struct{}

func (refuseLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema: will not load %s", url)
}

// compileError describes why the schema of the type called name does not
// compile. A pattern that Go's regexp cannot compile is found either when
// the schema is checked against its metaschema (as a string that is not in
// the "regex" format) or when the pattern is compiled.
func compileError(name string, err error) error {
	var sve *jsonschema.SchemaValidationError
	var ve *jsonschema.ValidationError
	if errors.As(err, &sve) && errors.As(sve.Err, &ve) {
		var msgs []string
		for _, l := range leaves(ve, nil) {
			if f, ok := l.ErrorKind.(*kind.Format); ok && f.Want == "regex" {
				return badPattern(name, l.InstanceLocation, fmt.Sprint(f.Got), f.Err)
			}
			msgs = append(msgs, l.Error())
		}
		return &wrapped{fmt.Sprintf("schema: %s: the generated schema is not valid JSON Schema: %s", name, strings.Join(msgs, "; ")), err}
	}
	var re *jsonschema.InvalidRegexError
	if errors.As(err, &re) {
		_, frag, _ := strings.Cut(re.URL, "#")
		if f, err := url.PathUnescape(frag); err == nil {
			frag = f
		}
		var loc []string
		for tok := range strings.SplitSeq(strings.TrimPrefix(frag, "/"), "/") {
			loc = append(loc, unescape(tok))
		}
		return badPattern(name, loc, re.Regex, re.Err)
	}
	return fmt.Errorf("schema: %s: the generated schema does not compile: %w", name, err)
}

// wrapped is an error with a message of its own (the library's are
// several lines long) that wraps the library's.
type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }

// badPattern is the error for a pattern at schema location loc that Go's
// regexp cannot compile.
func badPattern(name string, loc []string, pattern string, err error) error {
	return fmt.Errorf("schema: %s: field %s: pattern %q is not a valid Go regular expression: %w",
		name, fieldOf(loc), pattern, err)
}

// fieldOf names the field that the keyword at schema location loc (the
// unescaped tokens of a JSON Pointer into the schema) constrains, as a JSON
// Pointer with "*" for any element or value: "/items/*/name", or "" (in
// quotes) for the input as a whole.
func fieldOf(loc []string) string {
	var b strings.Builder
	for i := 0; i < len(loc); i++ {
		switch loc[i] {
		case "properties":
			if i+1 < len(loc) {
				i++
				b.WriteString("/" + escape(loc[i]))
			}
		case "patternProperties", "dependentSchemas", "$defs", "definitions":
			i++ // the next token is a name, not a field
			if loc[i-1] == "patternProperties" {
				b.WriteString("/*")
			}
		case "items", "additionalProperties", "prefixItems", "contains", "additionalItems":
			b.WriteString("/*")
		case "oneOf", "anyOf", "allOf":
			i++ // the next token is an index
		}
	}
	if b.Len() == 0 {
		return `""`
	}
	return b.String()
}

// checker checks payloads against one compiled schema. It holds nothing
// that a check changes, so checks may run concurrently.
type checker struct {
	schema *jsonschema.Schema
	object bool // the input is a JSON object, so an empty payload reads as {}
}

// check validates payload and describes what is wrong; see Compile.
func (c *checker) check(payload []byte) []transition.FieldError {
	payload = bytes.TrimSpace(payload)
	var inst any
	if len(payload) == 0 || string(payload) == "null" {
		if !c.object {
			return []transition.FieldError{{Code: "required", Message: "is required"}}
		}
		inst = map[string]any{}
	} else {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(payload))
		if err != nil {
			return []transition.FieldError{syntaxError(err)}
		}
		inst = tame(v)
	}
	return c.validate(inst)
}

// validate validates inst and describes what is wrong. A panic in the
// library (none is known once numbers are tamed) is one error, not a crash.
func (c *checker) validate(inst any) (errs []transition.FieldError) {
	defer func() {
		if p := recover(); p != nil {
			errs = []transition.FieldError{{Code: "invalid", Message: clip(fmt.Sprintf("could not be checked against its schema: %v", p), maxMessage)}}
		}
	}()
	err := c.schema.Validate(inst)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []transition.FieldError{{Code: "invalid", Message: clip(err.Error(), maxMessage)}}
	}
	col := &collector{inst: inst}
	col.walk(ve)
	return col.result()
}

// syntaxError describes a payload that is not well-formed JSON, in the
// words of the transition package's decoding.
func syntaxError(err error) transition.FieldError {
	msg := "is malformed JSON: " + strings.TrimPrefix(err.Error(), "json: ")
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		msg = "is malformed JSON: it ends too soon"
	}
	return transition.FieldError{Code: "syntax", Message: clip(msg, maxMessage)}
}

// Limits on the numbers a check reads exactly; see tame.
const (
	maxDigits   = 400 // significant digits
	maxExponent = 400 // decimal exponent, either way
)

// tame rewrites the numbers in v, a value from the library's loader, so
// that none costs much to check. The library reads each number exactly, as
// a big.Rat, whose cost grows with the number's exponent (a payload of
// 1e-999999 takes some 90ms) and which refuses an exponent of more than a
// million (the library then panics). A number with few digits and a small
// exponent is left as it is, so big integers are compared exactly; another
// is written again in a short form of the same value, with these
// exceptions: a magnitude above 10^400 counts as 10^400, a nonzero
// magnitude below 10^-400 counts as 10^-400, and more than 400 significant
// digits are cut to 400 and a 1 (so that the value stays unequal to, and
// on the same side of, any shorter number). Every number that a Go
// integer or float can hold is within these limits.
func tame(v any) any {
	switch x := v.(type) {
	case json.Number:
		return tameNumber(x)
	case map[string]any:
		for k, e := range x {
			x[k] = tame(e)
		}
	case []any:
		for i, e := range x {
			x[i] = tame(e)
		}
	}
	return v
}

// tameNumber returns n, or the short form described at tame. n is a valid
// JSON number.
func tameNumber(n json.Number) any {
	s := string(n)
	if len(s) <= 32 && !strings.ContainsAny(s, "eE") {
		return n // cheap as it is
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	e := 0
	if hasExp {
		var err error
		if e, err = strconv.Atoi(strings.TrimPrefix(exp, "+")); err != nil || e > 1e9 || e < -1e9 {
			// Far beyond what the digits, fewer than 10^9, can make up
			// for: the number is huge or tiny, whatever its digits.
			e = 1e9
			if strings.HasPrefix(exp, "-") {
				e = -e
			}
		}
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := intPart + frac
	lead := len(digits) - len(strings.TrimLeft(digits, "0"))
	sig := strings.TrimRight(digits[lead:], "0")
	if sig == "" {
		return json.Number("0")
	}
	// n = 0.sig × 10^mag
	mag := len(intPart) - lead + e
	if len(s) <= 32 && mag-len(sig) >= -maxExponent && mag <= maxExponent {
		return n // cheap as it is
	}
	sign := ""
	if neg {
		sign = "-"
	}
	if mag > maxExponent {
		return json.Number(sign + "1e" + strconv.Itoa(maxExponent))
	}
	if mag <= -maxExponent { // below 10^-400
		return json.Number(sign + "1e-" + strconv.Itoa(maxExponent))
	}
	if len(sig) > maxDigits {
		sig = sig[:maxDigits] + "1"
	}
	return json.Number(sign + sig + "e" + strconv.Itoa(mag-len(sig)))
}

// A collector turns a tree of validation errors into field errors.
type collector struct {
	inst any
	errs []transition.FieldError
}

// walk adds the field errors of e and its causes.
func (c *collector) walk(e *jsonschema.ValidationError) {
	if c.isNull(e.InstanceLocation) {
		return // null is the decoder's to judge; see Compile
	}
	switch e.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf:
		if len(e.Causes) > 0 {
			c.alternatives(e)
			return
		}
	case *kind.PropertyNames:
		c.leaf(e) // its causes are about the name, at no location of the payload
		return
	}
	if len(e.Causes) == 0 {
		c.leaf(e)
		return
	}
	for _, cause := range e.Causes {
		c.walk(cause)
	}
}

// alternatives adds the field errors of a oneOf or anyOf that no
// alternative matched; e's causes are the alternatives' failures, in
// order. When every alternative failed for the value itself being of
// another type or value (as for a state field, a oneOf of consts), that
// is one error listing what the value may be. Otherwise the value had the
// type of some alternatives and broke their other rules: those are the
// errors to show.
func (c *collector) alternatives(e *jsonschema.ValidationError) {
	var deep []*jsonschema.ValidationError
	var values, types []string
	for _, branch := range e.Causes {
		shallow := true
		var bv, bt []string
		for _, l := range leaves(branch, nil) {
			if !slices.Equal(l.InstanceLocation, e.InstanceLocation) {
				shallow = false
				break
			}
			switch k := l.ErrorKind.(type) {
			case *kind.Const:
				bv = append(bv, display(k.Want))
			case *kind.Enum:
				for _, w := range k.Want {
					bv = append(bv, display(w))
				}
			case *kind.Type:
				for _, w := range k.Want {
					if w == "null" {
						bv = append(bv, "null")
					} else {
						bt = append(bt, w)
					}
				}
			default:
				shallow = false
			}
			if !shallow {
				break
			}
		}
		if !shallow {
			deep = append(deep, branch)
			continue
		}
		values = append(values, bv...)
		types = append(types, bt...)
	}
	if len(deep) > 0 {
		for _, branch := range deep {
			c.walk(branch)
		}
		return
	}
	at := pointer(e.InstanceLocation)
	values, types = unique(values), unique(types)
	if len(types) == 0 && len(values) > 0 {
		c.add(at, "enum", oneOf(values))
		return
	}
	if len(values) == 0 || (len(values) == 1 && values[0] == "null") {
		want := types
		if len(values) == 1 {
			want = append(want, "null")
		}
		c.add(at, "type", typeMessage(want, typeName(valueAt(c.inst, e.InstanceLocation))))
		return
	}
	descs := slices.Clone(values)
	for _, t := range types {
		descs = append(descs, typeNames[t])
	}
	c.add(at, "enum", "must be "+orList(descs))
}

// leaves lists the errors at the ends of e's tree of causes.
func leaves(e *jsonschema.ValidationError, to []*jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return append(to, e)
	}
	for _, cause := range e.Causes {
		to = leaves(cause, to)
	}
	return to
}

// leaf adds the field errors of e, an error with no causes.
func (c *collector) leaf(e *jsonschema.ValidationError) {
	at := pointer(e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, m := range k.Missing {
			c.add(at+"/"+escape(m), "required", "is required")
		}
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			c.add(at+"/"+escape(p), "unknown", "is not a field of this input")
		}
	case *kind.DependentRequired:
		for _, m := range k.Missing {
			c.add(at+"/"+escape(m), "dependent_required", "is required when "+display(k.Prop)+" is given")
		}
	case *kind.Dependency:
		for _, m := range k.Missing {
			c.add(at+"/"+escape(m), "dependencies", "is required when "+display(k.Prop)+" is given")
		}
	case *kind.Type:
		c.add(at, "type", typeMessage(k.Want, k.Got))
	default:
		code, msg := describe(e.ErrorKind)
		c.add(at, code, msg)
	}
}

// describe returns the code and message of an error kind that concerns the
// value at its location.
func describe(k jsonschema.ErrorKind) (code, msg string) {
	switch k := k.(type) {
	case *kind.MinLength:
		return "min_length", fmt.Sprintf("must be at least %s long", count(k.Want, "character", "characters"))
	case *kind.MaxLength:
		return "max_length", fmt.Sprintf("must be at most %s long", count(k.Want, "character", "characters"))
	case *kind.Pattern:
		return "pattern", "must match the pattern " + k.Want
	case *kind.Enum:
		values := make([]string, len(k.Want))
		for i, w := range k.Want {
			values[i] = display(w)
		}
		return "enum", oneOf(values)
	case *kind.Const:
		return "const", "must be " + display(k.Want)
	case *kind.Format:
		return "format", formatMessage(k.Want)
	case *kind.Minimum:
		return "minimum", "must be at least " + number(k.Want)
	case *kind.Maximum:
		return "maximum", "must be at most " + number(k.Want)
	case *kind.ExclusiveMinimum:
		return "exclusive_minimum", "must be greater than " + number(k.Want)
	case *kind.ExclusiveMaximum:
		return "exclusive_maximum", "must be less than " + number(k.Want)
	case *kind.MultipleOf:
		return "multiple_of", "must be a multiple of " + number(k.Want)
	case *kind.MinItems:
		return "min_items", "must have at least " + count(k.Want, "item", "items")
	case *kind.MaxItems:
		return "max_items", "must have at most " + count(k.Want, "item", "items")
	case *kind.UniqueItems:
		return "unique_items", fmt.Sprintf("must not repeat an item (items %d and %d are the same)", k.Duplicates[0], k.Duplicates[1])
	case *kind.MinProperties:
		return "min_properties", "must have at least " + count(k.Want, "entry", "entries")
	case *kind.MaxProperties:
		return "max_properties", "must have at most " + count(k.Want, "entry", "entries")
	case *kind.AdditionalItems:
		return "additional_items", "has " + count(k.Count, "item", "items") + " too many"
	case *kind.Contains:
		return "contains", "must contain an item of the kind it needs"
	case *kind.MinContains:
		return "min_contains", "must contain at least " + count(k.Want, "item", "items") + " of the kind it needs"
	case *kind.MaxContains:
		return "max_contains", "must contain at most " + count(k.Want, "item", "items") + " of the kind it needs"
	case *kind.PropertyNames:
		return "property_names", "may not have the key " + display(k.Property)
	case *kind.Not:
		return "not", "is not allowed"
	case *kind.OneOf:
		return "one_of", "matches more than one of the forms it may take"
	case *kind.FalseSchema:
		return "unknown", "is not allowed"
	}
	if kp := k.KeywordPath(); len(kp) > 0 {
		return snake(kp[0]), "is not valid"
	}
	return "invalid", "is not valid"
}

// add records a field error, once.
func (c *collector) add(field, code, msg string) {
	c.errs = append(c.errs, transition.FieldError{Field: field, Code: code, Message: msg})
}

// result returns the errors sorted by field (JSON Pointer tokens in turn,
// array indexes by number), code and message, without repeats, and capped.
func (c *collector) result() []transition.FieldError {
	slices.SortFunc(c.errs, func(a, b transition.FieldError) int {
		if n := comparePointers(a.Field, b.Field); n != 0 {
			return n
		}
		if n := strings.Compare(a.Code, b.Code); n != 0 {
			return n
		}
		return strings.Compare(a.Message, b.Message)
	})
	errs := slices.Compact(c.errs)
	if len(errs) > maxFieldErrors {
		errs = append(errs[:maxFieldErrors:maxFieldErrors], transition.FieldError{
			Code:    "too_many",
			Message: fmt.Sprintf("has more problems; only the first %d are listed", maxFieldErrors),
		})
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// comparePointers orders JSON Pointers token by token, numbers (array
// indexes) by their value, so that /items/2 comes before /items/10.
func comparePointers(a, b string) int {
	for a != "" && b != "" {
		var ta, tb string
		ta, a = nextToken(a)
		tb, b = nextToken(b)
		if n := compareTokens(ta, tb); n != 0 {
			return n
		}
	}
	return strings.Compare(a, b) // the shorter, a prefix of the other, first
}

func nextToken(p string) (tok, rest string) {
	p = p[1:] // past the "/"
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i], p[i:]
	}
	return p, ""
}

func compareTokens(a, b string) int {
	if isIndex(a) && isIndex(b) {
		if n := len(a) - len(b); n != 0 {
			return n
		}
	}
	return strings.Compare(a, b)
}

func isIndex(tok string) bool {
	if tok == "" || (tok[0] == '0' && len(tok) > 1) {
		return false
	}
	for i := range len(tok) {
		if tok[i] < '0' || tok[i] > '9' {
			return false
		}
	}
	return true
}

// isNull reports whether the value at loc is JSON null.
func (c *collector) isNull(loc []string) bool {
	v, ok := lookup(c.inst, loc)
	return ok && v == nil
}

// valueAt returns the value at loc, or nil.
func valueAt(inst any, loc []string) any {
	v, _ := lookup(inst, loc)
	return v
}

func lookup(v any, loc []string) (any, bool) {
	for _, tok := range loc {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// pointer returns the JSON Pointer (RFC 6901) of an instance location, a
// list of unescaped keys and indexes. A key longer than maxEcho is cut
// short, as the transition package's decoding cuts keys, so that what an
// error repeats of the payload stays small.
func pointer(loc []string) string {
	var b strings.Builder
	for _, tok := range loc {
		b.WriteByte('/')
		b.WriteString(escape(tok))
	}
	return b.String()
}

// escape escapes a reference token for a JSON Pointer: ~ as ~0 and / as ~1,
// cutting a long key short.
func escape(tok string) string {
	tok = clip(tok, maxEcho)
	if strings.ContainsAny(tok, "~/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
	}
	return tok
}

// unescape undoes escape.
func unescape(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
}

// clip returns s cut to at most n bytes, at a rune boundary, with its full
// length said, as the transition package's decoding cuts what it repeats.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 { // inside a UTF-8 sequence
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes)", s[:cut], len(s))
}

// display renders a value from the schema (or a key) as JSON, cut short.
func display(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return clip(fmt.Sprint(v), maxEcho)
	}
	return clip(strings.TrimSuffix(b.String(), "\n"), maxEcho)
}

// oneOf says a value must be one of values (already rendered).
func oneOf(values []string) string {
	if len(values) == 1 {
		return "must be " + values[0]
	}
	return "must be one of: " + strings.Join(values, ", ")
}

// orList joins descriptions: "a", "a or b", "a, b or c".
func orList(descs []string) string {
	if len(descs) <= 1 {
		return strings.Join(descs, "")
	}
	return strings.Join(descs[:len(descs)-1], ", ") + " or " + descs[len(descs)-1]
}

// typeNames describes the JSON types, as the transition package's decoding
// does.
var typeNames = map[string]string{
	"string":  "a string",
	"number":  "a number",
	"integer": "an integer",
	"boolean": "true or false",
	"object":  "an object",
	"array":   "an array",
	"null":    "null",
}

// typeMessage says a value of JSON type got must be one of the types want.
func typeMessage(want []string, got string) string {
	descs := make([]string, len(want))
	for i, w := range want {
		descs[i] = typeNames[w]
		if descs[i] == "" {
			descs[i] = w
		}
	}
	msg := "must be " + orList(descs)
	if got == "number" && slices.Contains(want, "integer") {
		return msg // a number with a fraction
	}
	if g := typeNames[got]; g != "" {
		if got == "boolean" {
			g = "a boolean"
		}
		msg += ", not " + g
	}
	return msg
}

// typeName returns the JSON type of a value parsed by the library's loader.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return ""
}

// formatMessage says a string must be in format f.
func formatMessage(f string) string {
	switch f {
	case "date-time":
		return "must be a date and time such as 2026-11-28T09:30:00Z"
	case "date":
		return "must be a date such as 2026-11-28"
	case "time":
		return "must be a time of day such as 09:30:00Z"
	case "duration":
		return "must be a duration such as P1DT12H"
	case "email", "idn-email":
		return "must be an email address"
	case "hostname", "idn-hostname":
		return "must be a host name such as example.com"
	case "ipv4":
		return "must be an IPv4 address such as 192.0.2.1"
	case "ipv6":
		return "must be an IPv6 address such as 2001:db8::1"
	case "uri", "iri":
		return "must be an absolute URI such as https://example.com/"
	case "uri-reference", "iri-reference":
		return "must be a URI reference"
	case "uuid":
		return "must be a UUID such as 123e4567-e89b-12d3-a456-426614174000"
	case "regex":
		return "must be a regular expression"
	case "json-pointer":
		return "must be a JSON Pointer such as /a/b"
	}
	return "must be in the " + f + " format"
}

// count says n of a thing: "1 item", "3 items".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// number renders a bound from the schema: an integer exactly, any other
// number as the shortest float that reads back the same.
func number(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// snake turns a keyword such as "minLength" into "min_length".
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// unique removes repeats from ss, keeping the first of each.
func unique(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
