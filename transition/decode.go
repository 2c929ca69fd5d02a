package transition

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/statecraft/statecraft/internal/stateinfo"
)

// This file decodes a transition's input from JSON, strictly, and reports
// every problem as a FieldError a form can show next to its field.
//
// The rules follow the input type's JSON Schema (see package
// transition/schema): a field is required unless its json tag says
// omitempty or omitzero (or its jsonschema tag says required); a required
// field may not be null unless its type can hold null (a pointer, map,
// slice, interface or state.Null); no other keys are allowed, names match
// exactly (encoding/json would also accept "Reason" for "reason"), and a
// key may appear only once. The rules hold at every depth: in nested
// structs, behind pointers, in the elements of slices and arrays and in
// the values of maps.
//
// The payload is walked once, token by token, against a shape computed
// from the input type when the transition is declared; only a payload
// with no problem is then decoded with encoding/json. The work is linear
// in the payload's size, and what an error can say is bounded (see the
// limits below), so a hostile payload costs no more than a large one.

// Limits on what decoding reports, so that the errors of a hostile payload
// stay small.
const (
	// maxFieldErrors is how many field errors one payload can produce;
	// decoding stops at the limit and adds one more error saying so.
	maxFieldErrors = 50
	// maxEcho is how many bytes of a value or key an error repeats.
	maxEcho = 64
	// maxMessage is how long a message from a type's own decoding may be.
	maxMessage = 256
	// maxDepth is how deeply a payload may nest, as in encoding/json.
	maxDepth = 10000
)

// A shape is what decoding knows of a Go type: which JSON it accepts.
type shape struct {
	kind     shapeKind
	typ      reflect.Type
	nullable bool           // JSON null is a value of the type (a pointer, slice, map, interface, state.Null)
	fields   []field        // objectShape: the struct's JSON keys
	index    map[string]int // objectShape: fields by name
	elem     *shape         // arrayShape, mapShape, pointerShape
	key      reflect.Type   // mapShape: the key type, when it is not a plain string
}

type shapeKind uint8

const (
	leafShape    shapeKind = iota // a string, number or boolean
	customShape                   // a type with its own UnmarshalJSON or UnmarshalText, such as a state or a time
	objectShape                   // a struct, decoded field by field
	arrayShape                    // a slice or array
	mapShape                      // a map
	pointerShape                  // a pointer to one of the others
	anyShape                      // an interface: any JSON
	opaqueShape                   // checked only by encoding/json (a ",string" field, or a type it cannot decode)
)

// field is one JSON key of a struct.
type field struct {
	name     string
	required bool
	shape    *shape
}

// A shaper computes the shapes of one input type.
type shaper struct {
	// memo holds the composite types met so far, so a recursive type (a
	// tree of comments, a map of maps of its own type) has a finite shape.
	memo map[reflect.Type]*shape
	// loop is the first pointer type met that points only to pointers
	// (type loop *loop): see loopsForever.
	loop reflect.Type
}

// of returns the shape of t.
func (sh *shaper) of(t reflect.Type) *shape {
	if s, ok := sh.memo[t]; ok {
		return s
	}
	if custom(t) {
		info, ok := stateinfo.Of(reflect.Zero(t).Interface())
		return &shape{kind: customShape, typ: t, nullable: ok && info.Nullable}
	}
	// elem fills in s's element shape, after s is in memo.
	elem := func(s *shape) *shape {
		sh.memo[t] = s
		s.elem = sh.of(t.Elem())
		return s
	}
	switch t.Kind() {
	case reflect.Pointer:
		if custom(t.Elem()) { // encoding/json handles null and the pointer
			return &shape{kind: customShape, typ: t, nullable: true}
		}
		if loopsForever(t) {
			if sh.loop == nil {
				sh.loop = t
			}
			return &shape{kind: opaqueShape, typ: t, nullable: true}
		}
		return elem(&shape{kind: pointerShape, typ: t, nullable: true})
	case reflect.Interface:
		return &shape{kind: anyShape, typ: t, nullable: true}
	case reflect.Struct:
		s := &shape{kind: objectShape, typ: t, index: map[string]int{}}
		sh.memo[t] = s
		s.fields = sh.fields(t)
		for i, f := range s.fields {
			if _, ok := s.index[f.name]; !ok {
				s.index[f.name] = i
			}
		}
		return s
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t.Elem()).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
			return &shape{kind: leafShape, typ: t, nullable: true} // []byte is a base64 string
		}
		return elem(&shape{kind: arrayShape, typ: t, nullable: true})
	case reflect.Array:
		return elem(&shape{kind: arrayShape, typ: t})
	case reflect.Map:
		s := &shape{kind: mapShape, typ: t, nullable: true}
		if k := t.Key(); k.Kind() != reflect.String || reflect.PointerTo(k).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
			s.key = k
		}
		return elem(s)
	case reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return &shape{kind: leafShape, typ: t}
	}
	return &shape{kind: opaqueShape, typ: t}
}

// loopsForever reports whether pointer type t leads only to pointers, as
// type loop *loop does: such a value holds nothing but nil, encoding/json
// allocates forever decoding anything else into it, and a JSON Schema
// reflector recurses until the stack overflows. New refuses an input that
// holds one.
func loopsForever(t reflect.Type) bool {
	seen := []reflect.Type{t}
	for u := t.Elem(); u.Kind() == reflect.Pointer; u = u.Elem() {
		if slices.Contains(seen, u) {
			return true
		}
		seen = append(seen, u)
	}
	return false
}

// custom reports whether t decodes itself: it has UnmarshalJSON or
// UnmarshalText, as a state or a time does.
func custom(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return pt.Implements(reflect.TypeFor[json.Unmarshaler]()) || pt.Implements(reflect.TypeFor[encoding.TextUnmarshaler]())
}

// fields lists the JSON keys of struct type t, following encoding/json's
// rules for names, "-" and embedded structs.
func (sh *shaper) fields(t reflect.Type) []field {
	var fs []field
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" { // but "-," names the key "-"
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if s := sh.of(et); s.kind == objectShape {
				fs = append(fs, sh.fields(et)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		schema := strings.Split(f.Tag.Get("jsonschema"), ",")
		if schema[0] == "-" {
			continue
		}
		o := strings.Split(opts, ",")
		optional := slices.Contains(o, "omitempty") || slices.Contains(o, "omitzero")
		s := sh.of(f.Type)
		if slices.Contains(o, "string") && s.kind == leafShape {
			s = &shape{kind: opaqueShape, typ: f.Type} // a number or boolean written as a string
		}
		fs = append(fs, field{name: name, required: !optional || slices.Contains(schema, "required"), shape: s})
	}
	return fs
}

// rootShape returns the shape of input type I; nil for NoInput. loop is
// a pointer type in I that points only to pointers, if there is one (see
// loopsForever): I cannot be decoded.
func rootShape[I any]() (_ reflect.Type, _ *shape, loop reflect.Type) {
	t := reflect.TypeFor[I]()
	sh := shaper{memo: map[reflect.Type]*shape{}}
	s := sh.of(t)
	if t == reflect.TypeFor[NoInput]() {
		return nil, s, nil
	}
	return t, s, sh.loop
}

// object returns the struct shape s is or points to, or nil.
func (s *shape) object() *shape {
	for s.kind == pointerShape {
		s = s.elem
	}
	if s.kind == objectShape {
		return s
	}
	return nil
}

// required lists the JSON names of the required fields of a struct input.
func (s *shape) required() []string {
	var names []string
	if o := s.object(); o != nil {
		for _, f := range o.fields {
			if f.required {
				names = append(names, f.name)
			}
		}
	}
	return names
}

// inputType returns the transition's input type, or nil if it takes NoInput.
func (t *Transition[M, T, A, U, I]) inputType() reflect.Type { return t.input }

// Decode decodes a JSON payload into the transition's input, strictly:
// unknown or mis-cased keys, keys given twice, values of the wrong type,
// missing or null required fields and trailing data are errors, at every
// depth (nested structs, pointers, slice elements and map values). The
// error is an *Error matching ErrInvalidInput with one FieldError per
// problem, every problem rather than the first, for a form to show; the
// input returned with it is the zero value.
//
// An empty payload or null decodes as {} for a struct input (so its
// required fields are reported); an input of any other type (a string, a
// time, a list) must be given.
//
// Decoding takes time linear in the payload's size. A payload reports at
// most 50 field errors (then one more saying that decoding stopped), no
// error repeats more than 64 bytes of a value or key, and a payload may
// nest at most 10,000 levels deep.
//
// A type's own UnmarshalJSON or UnmarshalText that panics is a bug, not
// bad input: the error is then an *Error matching ErrStep, for the step
// "decode".
func (t *Transition[M, T, A, U, I]) Decode(payload []byte) (I, error) {
	return t.decode(payload, nil)
}

// decode is Decode; check, when not nil, checks a payload that decoded
// against the rules of the input's schema.
func (t *Transition[M, T, A, U, I]) decode(payload []byte, check func([]byte) []FieldError) (I, error) {
	var zero I
	in, fe, pe := decodeInput[I](payload, t.shape)
	if pe != nil {
		return zero, &Error{Machine: t.m.name, Transition: t.name, Step: "decode", Err: pe, kind: ErrStep}
	}
	if len(fe) == 0 && check != nil {
		err := guard(func() error { fe = check(payload); return nil })
		if err != nil {
			return zero, &Error{Machine: t.m.name, Transition: t.name, Step: "check the schema", Err: err, kind: ErrStep}
		}
	}
	if len(fe) > 0 {
		return zero, &Error{Machine: t.m.name, Transition: t.name, Fields: fe, kind: ErrInvalidInput}
	}
	return in, nil
}

func decodeInput[I any](payload []byte, root *shape) (I, []FieldError, *PanicError) {
	var in I
	payload = bytes.TrimSpace(payload)
	isObject := root.object() != nil
	if len(payload) == 0 || string(payload) == "null" {
		if !isObject {
			return in, []FieldError{{Code: "required", Message: "is required"}}, nil
		}
		payload = []byte("{}")
	}
	if root.kind == objectShape && len(root.fields) == 0 && emptyObject(payload) {
		return in, nil, nil // nothing to decode (NoInput, say): no decoder
	}
	d := &decoder{payload: payload, dec: json.NewDecoder(bytes.NewReader(payload))}
	d.dec.UseNumber()
	if isObject {
		d.rootObject(root.object())
	} else {
		d.value(root, nil, "is required", 0)
	}
	if !d.stop {
		if _, err := d.dec.Token(); err != io.EOF {
			what := "value"
			if isObject {
				what = "object"
			}
			d.errs = []FieldError{{Code: "syntax", Message: "has data after the JSON " + what}}
		}
	}
	if d.panic != nil {
		return in, nil, d.panic
	}
	if len(d.errs) > 0 {
		return in, d.errs, nil
	}
	err := guard(func() error { return json.Unmarshal(payload, &in) })
	if err != nil {
		var zero I
		if pe, ok := err.(*PanicError); ok {
			return zero, nil, pe
		}
		// The walk above accepts only what encoding/json decodes, save
		// for what it leaves to it (",string" fields).
		return zero, []FieldError{fieldError(err)}, nil
	}
	return in, nil, nil
}

// emptyObject reports whether payload is an empty JSON object: braces
// with nothing but whitespace between them.
func emptyObject(payload []byte) bool {
	n := len(payload)
	return n >= 2 && payload[0] == '{' && payload[n-1] == '}' && len(bytes.TrimSpace(payload[1:n-1])) == 0
}

// decoder walks a payload against a shape, collecting field errors.
type decoder struct {
	payload []byte
	dec     *json.Decoder
	errs    []FieldError
	stop    bool        // the payload cannot be read further, or the error limit was reached
	panic   *PanicError // a type's own decoding panicked
}

// path is where a value sits in the payload, built only when an error
// names it.
type path struct {
	up    *path
	key   string
	index int // for an element of an array, when key is ""
	elem  bool
}

// String returns the path as a JSON Pointer (RFC 6901): "/to/city",
// "/shipping/0/zip". Long keys are cut short.
func (p *path) String() string {
	if p == nil {
		return ""
	}
	var parts []string
	for ; p != nil; p = p.up {
		if p.elem {
			parts = append(parts, strconv.Itoa(p.index))
		} else {
			parts = append(parts, pointerEscaper.Replace(echo(p.key)))
		}
	}
	slices.Reverse(parts)
	return "/" + strings.Join(parts, "/")
}

// pointerEscaper escapes a key for a JSON Pointer.
var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// add records a problem of kind code with the value at p.
func (d *decoder) add(p *path, code, msg string) {
	if d.stop {
		return
	}
	if len(d.errs) == maxFieldErrors {
		d.errs = append(d.errs, FieldError{Code: "too_many", Message: fmt.Sprintf("has more problems; decoding stopped after %d", maxFieldErrors)})
		d.stop = true
		return
	}
	d.errs = append(d.errs, FieldError{Field: p.String(), Code: code, Message: msg})
}

// malformed records that the payload is not well-formed JSON: the only
// error then, since what was found before it may be misread.
func (d *decoder) malformed(err error) {
	// json.Decoder's offsets count from where its buffer was refilled:
	// find the problem again in the whole payload, for its true offset.
	var raw json.RawMessage
	if e := json.Unmarshal(d.payload, &raw); e != nil {
		err = e
	}
	d.errs = []FieldError{{Code: "syntax", Message: syntaxError(err).Error()}}
	d.stop = true
}

// rootObject walks the payload of a struct input.
func (d *decoder) rootObject(s *shape) {
	tok, err := d.dec.Token()
	if err != nil {
		d.malformed(err)
		return
	}
	if tok != json.Delim('{') {
		d.errs = []FieldError{{Code: "type", Message: "must be a JSON object"}}
		d.stop = true
		return
	}
	d.object(s, nil, 1)
}

// value walks one value of shape s at p. nullMsg is the error for a null,
// or "" if null is allowed there.
func (d *decoder) value(s *shape, p *path, nullMsg string, depth int) {
	if d.stop {
		return
	}
	if s.kind == customShape || s.kind == opaqueShape {
		var raw json.RawMessage
		if err := d.dec.Decode(&raw); err != nil {
			d.malformed(err)
			return
		}
		switch {
		case string(raw) == "null" && nullMsg != "":
			d.add(p, "required", nullMsg)
		case s.kind == customShape:
			err := guard(func() error { return json.Unmarshal(raw, reflect.New(s.typ).Interface()) })
			if pe, ok := err.(*PanicError); ok {
				d.panic, d.stop = pe, true
			} else if err != nil {
				d.add(p, "type", customError(s.typ, err))
			}
		}
		return
	}
	tok, err := d.dec.Token()
	if err != nil {
		d.malformed(err)
		return
	}
	if tok == nil {
		if nullMsg != "" {
			d.add(p, "required", nullMsg)
		}
		return
	}
	for s.kind == pointerShape {
		s = s.elem
	}
	// depth containers hold this value; an object or array opens one more.
	if (tok == json.Delim('{') || tok == json.Delim('[')) && depth+1 > maxDepth {
		d.add(p, "too_deep", fmt.Sprintf("is nested more than %d levels deep", maxDepth))
		d.stop = true
		return
	}
	switch s.kind {
	case anyShape, opaqueShape: // opaque: encoding/json checks it
		d.skipRest(tok, p, depth)
	case leafShape:
		if msg := leafError(s.typ, tok); msg != "" {
			d.add(p, "type", msg)
		}
		d.skipRest(tok, p, depth)
	case objectShape:
		if tok != json.Delim('{') {
			d.mismatch(s, p, tok, depth)
			return
		}
		d.object(s, p, depth+1)
	case arrayShape:
		if tok != json.Delim('[') {
			d.mismatch(s, p, tok, depth)
			return
		}
		elemNull := elemNullError(s.elem)
		for i := 0; d.dec.More() && !d.stop; i++ {
			d.value(s.elem, &path{up: p, index: i, elem: true}, elemNull, depth+1)
		}
		d.close()
	case mapShape:
		if tok != json.Delim('{') {
			d.mismatch(s, p, tok, depth)
			return
		}
		d.mapping(s, p, depth+1)
	}
}

// nullError is the error for a null in a field of shape s, or "" if null
// is fine there: a required field's type must hold null. (In an optional
// field, null leaves a plain value as it is, and a type with its own
// decoding decides for itself: a state refuses it.)
func nullError(s *shape, required bool) string {
	if s.nullable || !required {
		return ""
	}
	return "is required and may not be null"
}

// elemNullError is the error for a null element of an array or value of a
// map of shape s, or "" if the element type holds null.
func elemNullError(s *shape) string {
	if s.nullable {
		return ""
	}
	return "may not be null"
}

// object walks the keys of an object of shape s, the '{' read.
func (d *decoder) object(s *shape, p *path, depth int) {
	var seen [64]bool
	var seenMore []bool // for structs of more than 64 fields
	if len(s.fields) > len(seen) {
		seenMore = make([]bool, len(s.fields))
	}
	mark := func(i int) (again bool) {
		if seenMore != nil {
			again, seenMore[i] = seenMore[i], true
			return again
		}
		again, seen[i] = seen[i], true
		return again
	}
	var unknown map[string]bool
	for d.dec.More() && !d.stop {
		key, ok := d.key()
		if !ok {
			return
		}
		at := &path{up: p, key: key}
		i, known := s.index[key]
		switch {
		case !known && unknown[key]:
			d.add(at, "duplicate", "is given more than once")
			d.skip(at, depth)
		case !known:
			if unknown == nil {
				unknown = map[string]bool{}
			}
			unknown[key] = true
			d.add(at, "unknown", notAField(s, key))
			d.skip(at, depth)
		case mark(i):
			d.add(at, "duplicate", "is given more than once")
			d.skip(at, depth)
		default:
			f := &s.fields[i]
			d.value(f.shape, at, nullError(f.shape, f.required), depth)
		}
	}
	if d.stop || !d.close() {
		return
	}
	for i, f := range s.fields {
		if !f.required {
			continue
		}
		if (seenMore != nil && !seenMore[i]) || (seenMore == nil && !seen[i]) {
			d.add(&path{up: p, key: f.name}, "required", "is required")
		}
	}
}

// mapping walks the entries of a map of shape s, the '{' read.
func (d *decoder) mapping(s *shape, p *path, depth int) {
	seen := map[string]bool{}
	elemNull := elemNullError(s.elem)
	for d.dec.More() && !d.stop {
		key, ok := d.key()
		if !ok {
			return
		}
		at := &path{up: p, key: key}
		if seen[key] {
			d.add(at, "duplicate", "is given more than once")
			d.skip(at, depth)
			continue
		}
		seen[key] = true
		if s.key != nil && !validKey(s.typ, key) {
			d.add(at, "type", fmt.Sprintf("is not a valid key: must be %s", jsonKind(s.key)))
			d.skip(at, depth)
			continue
		}
		d.value(s.elem, at, elemNull, depth)
	}
	d.close()
}

// validKey reports whether encoding/json decodes key as a key of map type t.
func validKey(t reflect.Type, key string) bool {
	q, _ := json.Marshal(key)
	doc := make([]byte, 0, len(q)+4)
	doc = append(append(append(doc, '{'), q...), ":{}}"...)
	probe := reflect.MapOf(t.Key(), reflect.TypeFor[struct{}]())
	err := guard(func() error { return json.Unmarshal(doc, reflect.New(probe).Interface()) })
	return err == nil
}

// key reads an object's next key.
func (d *decoder) key() (string, bool) {
	tok, err := d.dec.Token()
	if err != nil {
		d.malformed(err)
		return "", false
	}
	return tok.(string), true // the decoder allows only string keys
}

// close reads the '}' or ']' that ends an object or array.
func (d *decoder) close() bool {
	if _, err := d.dec.Token(); err != nil {
		d.malformed(err)
		return false
	}
	return true
}

// mismatch reports a value of the wrong kind of JSON, and skips it.
func (d *decoder) mismatch(s *shape, p *path, tok json.Token, depth int) {
	d.add(p, "type", fmt.Sprintf("must be %s, not %s", jsonKind(s.typ), tokenKind(tok)))
	d.skipRest(tok, p, depth)
}

// skip reads and discards the next value.
func (d *decoder) skip(p *path, depth int) {
	tok, err := d.dec.Token()
	if err != nil {
		d.malformed(err)
		return
	}
	d.skipRest(tok, p, depth)
}

// skipRest discards the rest of the value at p that tok begins: nothing
// for a scalar, up to the matching close for an object or array.
func (d *decoder) skipRest(tok json.Token, p *path, depth int) {
	if tok != json.Delim('{') && tok != json.Delim('[') {
		return
	}
	for open := 1; open > 0; {
		if depth+open > maxDepth {
			d.add(p, "too_deep", fmt.Sprintf("is nested more than %d levels deep", maxDepth))
			d.stop = true
			return
		}
		tok, err := d.dec.Token()
		if err != nil {
			d.malformed(err)
			return
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			open++
		case json.Delim('}'), json.Delim(']'):
			open--
		}
	}
}

// notAField is the error for an unknown key, with a hint when a field's
// name differs only in case.
func notAField(s *shape, key string) string {
	for _, f := range s.fields {
		if strings.EqualFold(f.name, key) {
			return fmt.Sprintf("is not a field of this input (did you mean %q?)", f.name)
		}
	}
	return "is not a field of this input"
}

// leafError checks a string, number or boolean token against type t, and
// returns what is wrong, or "".
func leafError(t reflect.Type, tok json.Token) string {
	switch t.Kind() {
	case reflect.String:
		if _, ok := tok.(string); ok {
			return ""
		}
	case reflect.Slice: // []byte
		if s, ok := tok.(string); ok {
			if _, err := base64.StdEncoding.DecodeString(s); err != nil {
				return "must be base64-encoded data"
			}
			return ""
		}
	case reflect.Bool:
		if _, ok := tok.(bool); ok {
			return ""
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n, ok := tok.(json.Number); ok {
			if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
				return numberError(t, string(n), err)
			}
			return ""
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if n, ok := tok.(json.Number); ok {
			if _, err := strconv.ParseUint(string(n), 10, t.Bits()); err != nil {
				return numberError(t, string(n), err)
			}
			return ""
		}
	case reflect.Float32, reflect.Float64:
		if n, ok := tok.(json.Number); ok {
			if _, err := strconv.ParseFloat(string(n), t.Bits()); err != nil {
				return fmt.Sprintf("must be a number within the range of a %d-bit float, not %s", t.Bits(), echo(string(n)))
			}
			return ""
		}
	}
	return fmt.Sprintf("must be %s, not %s", jsonKind(t), tokenKind(tok))
}

// numberError describes a number that integer type t cannot hold.
func numberError(t reflect.Type, n string, err error) string {
	if errors.Is(err, strconv.ErrRange) || (strings.HasPrefix(n, "-") && !strings.ContainsAny(n, ".eE")) {
		lo, hi := "0", strconv.FormatUint(1<<t.Bits()-1, 10)
		if t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64 {
			lo, hi = strconv.FormatInt(-1<<(t.Bits()-1), 10), strconv.FormatInt(1<<(t.Bits()-1)-1, 10)
		}
		return fmt.Sprintf("must be an integer from %s to %s, not %s", lo, hi, echo(n))
	}
	return "must be an integer, not " + echo(n)
}

// customError describes why a type with its own decoding refused a value.
func customError(t reflect.Type, err error) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[time.Time]() {
		return "must be a date and time such as 2026-11-28T09:30:00Z"
	}
	fe := fieldError(err)
	return fe.Message
}

// tokenKind names the kind of JSON a token begins, for messages.
func tokenKind(tok json.Token) string {
	switch tok.(type) {
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	if tok == json.Delim('[') {
		return "array"
	}
	return "object"
}

// syntaxError describes a payload that is not well-formed JSON.
func syntaxError(err error) error {
	var se *json.SyntaxError
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		(errors.As(err, &se) && strings.HasPrefix(se.Error(), "unexpected end of JSON input")) {
		return errors.New("is malformed JSON: it ends too soon")
	}
	if se != nil { // Offset counts the bad byte; say where it is, from 0
		return fmt.Errorf("is malformed JSON at offset %d: %v", se.Offset-1, se)
	}
	return fmt.Errorf("is malformed JSON: %v", err)
}

// fieldError turns an error of encoding/json into a FieldError, with
// anything it repeats of the payload cut short.
func fieldError(err error) FieldError {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		found, _, _ := strings.Cut(te.Value, " (")
		return FieldError{Field: dotsToPointer(echo(te.Field)), Code: "type", Message: fmt.Sprintf("must be %s, not %s", jsonKind(te.Type), echo(found))}
	case errors.As(err, &se):
		return FieldError{Code: "syntax", Message: syntaxError(err).Error()}
	}
	return FieldError{Code: "type", Message: clip(strings.TrimPrefix(err.Error(), "json: "), maxMessage)}
}

// dotsToPointer turns encoding/json's dotted field path into a JSON Pointer.
func dotsToPointer(field string) string {
	if field == "" {
		return ""
	}
	parts := strings.Split(field, ".")
	for i, p := range parts {
		parts[i] = pointerEscaper.Replace(p)
	}
	return "/" + strings.Join(parts, "/")
}

// echo returns s, cut to at most maxEcho bytes (at a rune boundary) with
// its full length said, for repeating a value in an error.
func echo(s string) string { return clip(s, maxEcho) }

// clip returns s cut to at most n bytes, at a rune boundary, with its full
// length said.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 { // inside a UTF-8 sequence
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes)", s[:cut], len(s))
}

// jsonKind names what JSON a Go type wants, for messages. For a state
// field, it lists the declared values.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	if s := choices(t); s != "" {
		return "one of " + s
	}
	switch t.Kind() {
	case reflect.Pointer:
		return jsonKind(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "an array"
	case reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.String()
}

// maxChoices is how many of a state field's values a message lists.
const maxChoices = 8

// choices lists the values a state field declares, such as
// `1 (Draft), 2 (Published)`, or "" if t is no state field.
func choices(t reflect.Type) string {
	info, ok := stateinfo.Of(reflect.Zero(t).Interface())
	if !ok {
		return ""
	}
	var parts []string
	all := info.Choices
	for i, ch := range all {
		if i == maxChoices && len(all) > maxChoices+1 {
			parts = append(parts, fmt.Sprintf("and %d more", len(all)-maxChoices))
			break
		}
		parts = append(parts, echo(string(ch.Value))+" ("+echo(ch.Title)+")")
	}
	return strings.Join(parts, ", ")
}
