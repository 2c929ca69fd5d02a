package state

import (
	"database/sql/driver"
	"encoding"
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/statecraft/statecraft/internal/callsite"
)

// Type declares the states one field of a model can take, the groups they
// form, and, through its Managers, conditional states. T is the type of the
// value stored in the field's column: an integer or string type, usually a
// named one of the application's own.
//
// Declare a Type and its states once, at package level:
//
//	type ProjectStatus int
//
//	var ProjectState = state.NewType[ProjectStatus]("ProjectState")
//
//	var (
//		Draft     = ProjectState.State(1, "Draft")
//		Published = ProjectState.State(2, "Published")
//		Withdrawn = ProjectState.State(3, "Withdrawn")
//		Deleted   = ProjectState.State(4, "Deleted")
//		Gone      = ProjectState.Group("gone", "Gone", Withdrawn.Or(Deleted))
//	)
//
// The declaring methods (State, Group, and Manager.Conditional and
// Manager.Group) panic with a *DeclarationError when a declaration is
// wrong, such as a value, name or title declared twice: like a
// regexp.MustCompile at package level, the mistake stops the program at
// start-up with a message that names both declarations. Declare everything
// during initialisation; from then on a Type is read-only and safe for
// concurrent use.
type Type[T comparable] struct {
	name   string
	pos    string
	states []*decl[T]
	groups []*Group[T]
	any    *Group[T]
	grow   []growing[T] // groups that follow later declarations (see Except)

	mu     sync.Mutex  // held while declaring
	frozen atomic.Bool // see Freeze

	titles     map[string]string    // title of a state, group or conditional state -> where it was declared
	condTitles map[string]string    // title of a conditional state -> its Manager, for messages
	names      map[string]namedDecl // name of a group or conditional state -> its declaration
	byValue    map[T]*decl[T]
	byInt      map[int64]*decl[T]  // by SQL value, for integer values
	byStr      map[string]*decl[T] // by SQL value, for string values
	byText     map[string]*decl[T] // by text form
	byJSON     map[string]*decl[T] // by JSON form
}

// Typed is implemented by a value type that names the Type declaring its
// states:
//
//	func (ProjectStatus) StateType() *state.Type[ProjectStatus] { return ProjectState }
//
// It lets a State[ProjectStatus] field that holds no state yet (as in a
// freshly declared struct) be scanned from SQL and decoded from JSON or
// text, which is how models are read. Without it, only a State that already
// holds a state of the Type can be read into.
type Typed[T comparable] interface {
	// StateType returns the Type that declares the states of T. It is
	// called on T's zero value.
	StateType() *Type[T]
}

// NewType returns a new, empty state type. The name is used in messages,
// logs and diagrams, so make it the name of the variable that holds it.
func NewType[T comparable](name string) *Type[T] {
	if name == "" {
		panic(&DeclarationError{At: callerPos(1), Msg: "NewType needs a name"})
	}
	t := &Type[T]{
		name:       name,
		pos:        callerPos(1),
		titles:     map[string]string{},
		condTitles: map[string]string{},
		names:      map[string]namedDecl{},
		byValue:    map[T]*decl[T]{},
		byInt:      map[int64]*decl[T]{},
		byStr:      map[string]*decl[T]{},
		byText:     map[string]*decl[T]{},
		byJSON:     map[string]*decl[T]{},
	}
	t.any = &Group[T]{typ: t, name: "any", title: "any " + name, pos: t.pos}
	t.names["any"] = namedDecl{what: "the group of all " + name + "'s states (see Type.Any)", pos: t.pos}
	return t
}

// namedDecl is a declared name: what bears it, and where it was declared.
type namedDecl struct{ what, pos string }

// String returns the Type's name, such as "ProjectState".
func (t *Type[T]) String() string { return t.name }

// An Option adds something optional to a state or group declaration.
type Option interface {
	apply(*options)
}

type options struct {
	desc  string
	final bool
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// Description gives a state or group a longer description, for forms,
// documentation and diagrams.
func Description(text string) Option {
	return optionFunc(func(o *options) { o.desc = text })
}

// Final marks a state as final: the workflow may end there, so the
// registry's definition check does not report it as a dead end.
func Final() Option {
	return optionFunc(func(o *options) { o.final = true })
}

// State declares a state with the given value and title. An empty title is
// taken from the value's String method, if it has one, so a state can be
// declared straight from an existing enum constant.
//
// State panics with a *DeclarationError if the value or the title was
// declared before (the message names both declarations), if the title is
// empty and the value has no String method, or if the value's text form,
// SQL value or JSON form is another state's: each form must read back as
// the one state that wrote it. (Two strings that are not valid UTF-8 can
// share a JSON form, for encoding/json writes every invalid byte as
// \ufffd.)
func (t *Type[T]) State(value T, title string, opts ...Option) State[T] {
	pos := callerPos(1)
	defer t.declaring(pos)()
	var o options
	for _, opt := range opts {
		opt.apply(&o)
	}
	if title == "" {
		if s, ok := any(value).(fmt.Stringer); ok {
			title = s.String()
		}
		if title == "" {
			panic(&DeclarationError{Type: t.name, At: pos, Msg: fmt.Sprintf("state %v needs a title", value)})
		}
	}
	if value != value { // NaN: unequal to itself, it could never be found again
		panic(&DeclarationError{Type: t.name, At: pos, Msg: fmt.Sprintf("state %q has a value that is not equal to itself (%v)", title, value)})
	}
	if prev, ok := t.byValue[value]; ok {
		panic(&DeclarationError{Type: t.name, At: pos, Err: ErrDuplicate,
			Msg: fmt.Sprintf("value %v of state %q is already the value of state %q, declared at %s", value, title, prev.title, prev.pos)})
	}
	t.checkTitle(title, pos)

	d := &decl[T]{typ: t, index: len(t.states), value: value, title: title, desc: o.desc, final: o.final, pos: pos}
	d.dv, d.dvErr = sqlValue(value)
	d.text = textForm(value, d.dv)
	if prev, ok := t.byText[d.text]; ok {
		panic(&DeclarationError{Type: t.name, At: pos, Err: ErrDuplicate,
			Msg: fmt.Sprintf("state %q reads and writes as %q, like state %q declared at %s", title, d.text, prev.title, prev.pos)})
	}
	if prev := t.bySQL(d.dv); prev != nil {
		panic(&DeclarationError{Type: t.name, At: pos, Err: ErrDuplicate,
			Msg: fmt.Sprintf("state %q is stored in SQL as %v, like state %q declared at %s", title, d.dv, prev.title, prev.pos)})
	}
	if j, err := json.Marshal(value); err == nil {
		if prev, ok := t.byJSON[string(j)]; ok {
			panic(&DeclarationError{Type: t.name, At: pos, Err: ErrDuplicate,
				Msg: fmt.Sprintf("state %q is written to JSON as %s, like state %q declared at %s", title, j, prev.title, prev.pos)})
		}
		d.json = j
	}

	t.states = append(t.states, d)
	t.titles[title] = pos
	t.byValue[value] = d
	t.byText[d.text] = d
	if d.json != nil {
		t.byJSON[string(d.json)] = d
	}
	switch v := d.dv.(type) {
	case int64:
		t.byInt[v] = d
	case string:
		t.byStr[v] = d
	}
	t.any.set.set(d.index)
	for _, g := range t.grow {
		if !g.excluded.has(d.index) {
			g.group.set.set(d.index)
		}
	}
	return State[T]{d}
}

// Group declares a group of states with a name and a title. Members may be
// states, groups or anonymous groups made with Or; nested groups are
// flattened:
//
//	Gone = ProjectState.Group("gone", "Gone", Withdrawn.Or(Deleted))
//
// The name is an identifier for codes, such as the reason codes of refused
// transitions, which must not change when a title is reworded: letters,
// digits and underscores, not starting with a digit. It must be unique
// among the Type's groups and the conditional states of all its Managers;
// "any" is taken by [Type.Any].
//
// Group panics with a *DeclarationError if the name is not an identifier,
// the name or the title was declared before, or a member belongs to
// another Type.
func (t *Type[T]) Group(name, title string, members Set[T], opts ...Option) *Group[T] {
	pos := callerPos(1)
	defer t.declaring(pos)()
	var o options
	for _, opt := range opts {
		opt.apply(&o)
	}
	if title == "" {
		panic(&DeclarationError{Type: t.name, At: pos, Msg: "a group needs a title"})
	}
	if members == nil {
		panic(&DeclarationError{Type: t.name, At: pos, Msg: fmt.Sprintf("group %q has no members", title)})
	}
	if members.Type() != t {
		panic(foreignSet(t, pos, members))
	}
	if o.final {
		panic(&DeclarationError{Type: t.name, At: pos, Msg: fmt.Sprintf("group %q: only states can be final", title)})
	}
	what := fmt.Sprintf("group %q", title)
	t.checkName(what, name, pos)
	t.checkTitle(title, pos)
	g := &Group[T]{typ: t, name: name, title: title, desc: o.desc, pos: pos, set: members.bits().union(nil)}
	t.groups = append(t.groups, g)
	t.titles[title] = pos
	t.names[name] = namedDecl{what: what, pos: pos}
	return g
}

func (t *Type[T]) checkTitle(title, pos string) {
	if prev, ok := t.titles[title]; ok {
		panic(&DeclarationError{Type: t.name, At: pos, Err: ErrDuplicate,
			Msg: fmt.Sprintf("title %q is already declared at %s", title, prev)})
	}
}

// checkName panics unless name is an identifier that no group or
// conditional state of t has; what describes the declaration.
func (t *Type[T]) checkName(what, name, pos string) {
	if !isIdent(name) {
		if name == "" {
			panic(&DeclarationError{Type: t.name, At: pos, Msg: what + " needs a name"})
		}
		panic(&DeclarationError{Type: t.name, At: pos,
			Msg: fmt.Sprintf("%s: name %q is not an identifier (letters, digits and underscores, not starting with a digit)", what, name)})
	}
	if prev, ok := t.names[name]; ok {
		panic(&DeclarationError{Type: t.name, At: pos, Err: ErrDuplicate,
			Msg: fmt.Sprintf("%s: name %q is already the name of %s, declared at %s", what, name, prev.what, prev.pos)})
	}
}

// Freeze ends the Type's declarations: declaring a state, group or
// conditional state of it afterwards panics with a *DeclarationError
// wrapping ErrFrozen. Package transition freezes the Types of a machine
// when the machine is first used or registered, so that a running program
// cannot change what its transitions were checked against. Freeze is safe
// to call more than once, and from several goroutines.
func (t *Type[T]) Freeze() {
	t.mu.Lock()
	t.frozen.Store(true)
	t.mu.Unlock()
}

// declaring holds the Type's lock for a declaration at pos and panics if
// the Type is frozen; call the function it returns when done.
func (t *Type[T]) declaring(pos string) (done func()) {
	t.mu.Lock()
	if t.frozen.Load() {
		t.mu.Unlock()
		panic(&DeclarationError{Type: t.name, At: pos, Err: ErrFrozen,
			Msg: "declared after the Type was frozen (its machine was used or registered): declare states, groups and conditional states at package level, before use"})
	}
	return t.mu.Unlock
}

// Any returns the group of all the Type's states, named "any". It grows as
// states are declared, so it may be taken before the last of them.
func (t *Type[T]) Any() *Group[T] { return t.any }

// growing is a group that takes every state declared later, unless it is
// excluded.
type growing[T comparable] struct {
	group    *Group[T]
	excluded bitset
}

// Except returns the anonymous group of every state of t except those in
// sets, titled "any ProjectState except Deleted" and named "except_" and
// the sets' names joined with "_and_" ("except_4", "except_gone_and_1"),
// or "any" when sets is empty. Like Any, it follows the
// Type: a state declared after it is a member too, so a transition
// available "from any state but Deleted" stays right when a state is
// added:
//
//	transition.From(ProjectState.Except(Deleted)).To(Archived)
//
// Except panics with a *DeclarationError if a set is nil or of another
// Type.
func (t *Type[T]) Except(sets ...Set[T]) *Group[T] {
	pos := callerPos(1)
	defer t.declaring(pos)()
	excluded, names, titles := members(t, pos, "Except", sets)
	g := &Group[T]{typ: t, name: "any", title: "any " + t.name, pos: pos}
	if len(sets) > 0 {
		g.name = "except_" + strings.Join(names, "_and_")
		g.title += " except " + strings.Join(titles, " or ")
	}
	for _, d := range t.states {
		if !excluded.has(d.index) {
			g.set.set(d.index)
		}
	}
	t.grow = append(t.grow, growing[T]{group: g, excluded: excluded})
	return g
}

// States returns the declared states in declaration order.
func (t *Type[T]) States() iter.Seq[State[T]] {
	return func(yield func(State[T]) bool) {
		for _, d := range t.states {
			if !yield(State[T]{d}) {
				return
			}
		}
	}
}

// Groups returns the groups declared with Group, in declaration order.
func (t *Type[T]) Groups() iter.Seq[*Group[T]] {
	return func(yield func(*Group[T]) bool) {
		for _, g := range t.groups {
			if !yield(g) {
				return
			}
		}
	}
}

// Lookup returns the state whose value is v. It allocates nothing.
func (t *Type[T]) Lookup(v T) (State[T], bool) {
	d, ok := t.byValue[v]
	return State[T]{d}, ok
}

// Parse returns the state whose text form is text: the form MarshalText
// writes, which is the decimal value for integer types and the value itself
// for string types.
func (t *Type[T]) Parse(text string) (State[T], error) {
	if d, ok := t.byText[text]; ok {
		return State[T]{d}, nil
	}
	return State[T]{}, t.unknown("parse", text)
}

// MatchEnum checks the Type one-to-one against the complete list of an
// enum's values: every value must be declared by exactly one state, listed
// once, and no state may declare a value outside the list. Call it from a
// test, or from init after the declarations. The error is an
// *EnumMismatchError listing every difference.
func (t *Type[T]) MatchEnum(values ...T) error {
	e := &EnumMismatchError[T]{Type: t.name}
	seen := make(map[T]bool, len(values))
	for _, v := range values {
		if seen[v] {
			e.Duplicates = append(e.Duplicates, v)
			continue
		}
		seen[v] = true
		if _, ok := t.byValue[v]; !ok {
			e.Missing = append(e.Missing, v)
		}
	}
	for _, d := range t.states {
		if !seen[d.value] {
			e.Extra = append(e.Extra, d.value)
		}
	}
	if len(e.Missing)+len(e.Extra)+len(e.Duplicates) > 0 {
		return e
	}
	return nil
}

// bySQL returns the state stored in SQL as dv, if dv is an integer or a
// string; nil otherwise.
func (t *Type[T]) bySQL(dv driver.Value) *decl[T] {
	switch v := dv.(type) {
	case int64:
		return t.byInt[v]
	case string:
		return t.byStr[v]
	}
	return nil
}

// known lists the declared values for error messages.
func (t *Type[T]) known() string {
	var b strings.Builder
	for i, d := range t.states {
		if i > 0 {
			b.WriteString(", ")
		}
		if i == 8 && len(t.states) > 9 {
			fmt.Fprintf(&b, "and %d more", len(t.states)-8)
			break
		}
		b.WriteString(echo(d.text))
		b.WriteByte(' ')
		b.WriteString(echoQuoted(d.title))
	}
	return b.String()
}

func (t *Type[T]) unknown(op string, v any) *ValueError {
	return &ValueError{Type: t.name, op: op, Value: v, known: t.known(), Err: ErrUnknownValue}
}

// sqlValue converts a state's value to what database/sql drivers accept,
// once, at declaration.
func sqlValue(v any) (driver.Value, error) {
	dv, err := driver.DefaultParameterConverter.ConvertValue(v)
	if err != nil {
		return nil, err
	}
	if f, ok := dv.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
		return nil, fmt.Errorf("state: %v cannot be stored in SQL", f)
	}
	return dv, nil
}

// textForm is the state's text encoding: the value's own MarshalText if it
// has one, else its SQL value written out.
func textForm(v any, dv driver.Value) string {
	if m, ok := v.(encoding.TextMarshaler); ok {
		if b, err := m.MarshalText(); err == nil {
			return string(b)
		}
	}
	switch dv := dv.(type) {
	case int64:
		return strconv.FormatInt(dv, 10)
	case string:
		return dv
	case []byte:
		return string(dv)
	case bool:
		return strconv.FormatBool(dv)
	case float64:
		return strconv.FormatFloat(dv, 'g', -1, 64)
	case time.Time:
		return dv.Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

// callerPos returns "dir/file.go:line" for the caller skip frames above the
// function that calls callerPos.
func callerPos(skip int) string { return callsite.Pos(skip) }
