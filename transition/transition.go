package transition

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/statecraft/statecraft/internal/callsite"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// NoInput is the input type of a transition that needs nothing from the
// actor.
type NoInput struct{}

// A Transition moves the state field of a model M from some states to
// others, run by an actor A in a unit of work U, with input I. Declare one
// with [New]; its declaring methods (Allow, When, Effect, ...) return it,
// so a declaration reads as one expression:
//
//	var Withdraw = transition.New[WithdrawInput](Projects, "withdraw",
//		transition.From(Published).To(Withdrawn),
//	).Allow("owner", isOwner).
//		Effect("record the reason", func(ctx context.Context, r *Repo, e *ProjectEvent[WithdrawInput]) error {
//			e.Model.WithdrawnBecause = e.Input.Reason
//			return nil
//		})
//
// A transition runs in stages, always in this order (see Fire): the
// checks (state rules, Allow, When, WhenRelated), the input's validation
// (I's own Validate method, then the Validate functions), before hooks,
// effects, setting the states, after hooks, the commit of the unit of work
// and the after-commit hooks. OnFailure hooks run if it fails after its
// checks and validation passed.
//
// Every stage is kept as data, so the registry can list, check
// and draw it. A Transition is safe for concurrent use once declared.
type Transition[M any, T comparable, A any, U any, I any] struct {
	m           *Machine[M, T, A, U]
	name        string
	title       string
	desc        string
	pos         string
	rules       []Rule[T]
	creates     bool // its rules are Create rules
	also        []FieldMove[M]
	anyone      bool
	allow       []actorGuard[M, A]
	when        []state.Condition[M]
	related     []RelatedCondition[M, U]
	validators  []func(context.Context, U, *M, I) error
	choose      func(context.Context, *M, I) state.State[T]
	before      []hook[M, T, A, U, I]
	effects     []hook[M, T, A, U, I]
	after       []hook[M, T, A, U, I]
	afterCommit []commitHook[M, T, A, I]
	onFailure   []failureHook[M, T, A, I]
	cascades    []Cascade[M, A, U]
	input       reflect.Type   // nil for NoInput
	shape       *shape         // the JSON the input accepts, for strict decoding
	self        selfCheck      // how I's own Validate method is called, if it has one
	ptrInput    bool           // whether I is a pointer type, so that nil is no input
	inMemory    bool           // set when frozen: see fireMemory
	bare        bool           // set when frozen: see fireMemory
	required    []string       // the input's required fields, made when frozen
	reasons     reasonCache[T] // the reasons of its availabilities
	cacheable   bool           // whether reasons can be kept in reasons
	// The words of refusals, made as the transition is declared (see
	// describe), so that refusing builds none.
	timed      bool     // a rule's source, or a field move's, is conditional: checks read the clock
	needs      string   // "Publish needs Draft or Withdrawn"
	stateCode  string   // "wrong_state.status"
	only       string   // the Allow names joined: "owner or admin"
	forbidCode string   // "forbidden.owner_or_admin"
	noActor    string   // the message for a nil actor
	whenCodes  []string // "unmet." and each When condition's name
	whenNeeds  []string // "needs " and each When condition's String
}

type actorGuard[M, A any] struct {
	title string
	fn    func(ctx context.Context, actor A, m *M) bool
	sql   func(actor A) sqlexpr.Expr // its SQL form (see AllowSQL), or nil
}

// hook is a before hook, an effect or an after hook.
type hook[M any, T comparable, A, U, I any] struct {
	title string
	fn    func(ctx context.Context, u U, e *Event[M, T, A, I]) error
}

type commitHook[M any, T comparable, A, I any] struct {
	title string
	fn    func(ctx context.Context, e *Event[M, T, A, I]) error
}

type failureHook[M any, T comparable, A, I any] struct {
	title string
	fn    func(ctx context.Context, e *Event[M, T, A, I], err error)
}

// New declares the transition name on machine m, taking input of type I
// (use [NoInput] for none), available by the given rules:
//
//	var Delete = transition.New[transition.NoInput](Projects, "delete",
//		transition.From(Draft, Withdrawn).To(Deleted),
//	)
//
// New panics with a *DeclarationError if there are no rules, a rule has no
// sources or mentions a state of another Type, two rules start from the
// same state, Create rules are mixed with others, the name is empty or
// already taken on m, or I holds a type that can hold nothing but nil
// (type loop *loop), which encoding/json cannot decode.
func New[I any, M any, T comparable, A, U any](m *Machine[M, T, A, U], name string, rules ...Rule[T]) *Transition[M, T, A, U, I] {
	pos := callsite.Pos(0)
	if m == nil {
		panic(&DeclarationError{Transition: name, At: pos, Msg: "New on a nil Machine"})
	}
	defer m.declaring(name, pos)()
	fail := func(msg string) {
		panic(&DeclarationError{Machine: m.name, Transition: name, At: pos, Msg: msg})
	}
	if name == "" {
		fail("a transition needs a name")
	}
	if strings.ContainsAny(name, " \t\n/") {
		fail("a transition's name is used in URLs and diagrams: use no spaces or slashes (give it a title with Titled)")
	}
	if len(rules) == 0 {
		fail("a transition needs at least one rule, such as transition.From(Draft).To(Published)")
	}
	if prev, ok := m.byName[name]; ok {
		fail("the name is already taken by the transition declared at " + prev.declaredAt())
	}
	creates := 0
	for i, r := range rules {
		if r.create {
			creates++
		} else if len(r.sources) == 0 {
			fail(fmt.Sprintf("rule %d has no source states", i+1))
		}
		checkSources(&rules[i], m.mgr, m.name, name, pos)
		for _, s := range r.targets {
			if s.IsZero() {
				fail(fmt.Sprintf("rule %d has the zero State as a target", i+1))
			}
			m.mustOwn(s, name, pos)
		}
	}
	if creates > 0 && len(rules) > 1 {
		fail("a creation transition has one rule, transition.Create(...)")
	}
	// Two rules that may start from one state would make the target
	// ambiguous.
	for s := range m.mgr.Type().States() {
		first := -1
		for i := range rules {
			if rules[i].mayFrom(s) {
				if first >= 0 {
					fail(fmt.Sprintf("rules %d and %d both start from %s", first+1, i+1, s))
				}
				first = i
			}
		}
	}
	input, shape, loop := rootShape[I]()
	if loop != nil {
		typ := reflect.TypeFor[I]()
		what := fmt.Sprintf("the input type %v", typ)
		if loop != typ {
			what += fmt.Sprintf(" holds %v, which", loop)
		}
		fail(what + " points only to pointers: it can hold nothing but nil, and encoding/json never returns from decoding into it")
	}
	t := &Transition[M, T, A, U, I]{m: m, name: name, title: defaultTitle(name), pos: pos, rules: rules, creates: creates > 0}
	t.input, t.shape = input, shape
	t.self = selfValidating[I]()
	t.ptrInput = reflect.TypeFor[I]().Kind() == reflect.Pointer
	t.describe()
	t.timed = t.conditional()
	m.actions = append(m.actions, t)
	m.byName[name] = t
	return t
}

// defaultTitle is name capitalised, with - and _ as spaces. New refuses
// an empty name before it asks.
func defaultTitle(name string) string {
	s := strings.NewReplacer("_", " ", "-", " ").Replace(name)
	return strings.ToUpper(s[:1]) + s[1:]
}

// Titled sets the transition's human title, such as "Publish now". It
// defaults to the name, capitalised, with - and _ as spaces.
func (t *Transition[M, T, A, U, I]) Titled(title string) *Transition[M, T, A, U, I] {
	defer t.m.declaring(t.name, callsite.Pos(1))()
	if title == "" {
		t.fail("Titled(\"\")")
	}
	t.title = title
	t.describe()
	return t
}

// Describe sets a longer description, for forms and documentation.
func (t *Transition[M, T, A, U, I]) Describe(text string) *Transition[M, T, A, U, I] {
	defer t.m.declaring(t.name, callsite.Pos(1))()
	t.desc = text
	return t
}

// Also makes the transition move other state fields of the model along
// with its own, each by its own rule (see Field):
//
//	Withdraw.Also(transition.Field(Review, transition.From(ReviewState.Any()).To(Pending)))
//
// Every field's source is checked before anything runs (a field in
// another state refuses the transition with ErrWrongState), every field
// changes together or not at all, and the event, the history and the
// registry's checks and diagrams see every field's move.
func (t *Transition[M, T, A, U, I]) Also(moves ...FieldMove[M]) *Transition[M, T, A, U, I] {
	defer t.m.declaring(t.name, callsite.Pos(1))()
	for _, mv := range moves {
		if mv == nil {
			t.fail("Also(nil)")
		}
		if mv.column() == t.m.mgr.Name() {
			t.fail("Also moves the transition's own field " + mv.column() + ": give it a rule instead")
		}
		for _, prev := range t.also {
			if prev.column() == mv.column() {
				t.fail("Also moves " + mv.column() + " twice")
			}
		}
		t.also = append(t.also, mv) // so that the next is checked against it
	}
	t.timed = t.conditional()
	return t
}

// Allow lets actors for whom fn reports true run the transition. name
// says who they are, as an identifier ("owner", "editor"): it appears in
// reasons' messages and codes ("forbidden.owner") and in diagrams. Several
// Allows are alternatives: an actor any one of them allows may run it.
// A transition without Allow or AllowAnyone can be run by no one.
//
// A nil actor (a nil pointer, interface, map or slice, as an anonymous
// request may carry) is no actor: it is refused before fn is called, so fn
// never sees one.
func (t *Transition[M, T, A, U, I]) Allow(name string, fn func(ctx context.Context, actor A, model *M) bool) *Transition[M, T, A, U, I] {
	defer t.m.declaring(t.name, callsite.Pos(1))()
	if name == "" || fn == nil {
		t.fail("Allow needs a name and a function")
	}
	if strings.ContainsAny(name, " \t\n.") {
		t.fail(fmt.Sprintf("Allow's name %q is an identifier, used in reason codes: use no spaces or dots", name))
	}
	if name == "no_actor" || name == "no_one" {
		t.fail(fmt.Sprintf("Allow's name %q is reserved: the reason codes forbidden.no_actor and forbidden.no_one mean a nil actor and no Allow at all", name))
	}
	t.allow = append(t.allow, actorGuard[M, A]{title: name, fn: fn})
	t.describe()
	return t
}

// AllowAnyone lets every actor run the transition, but not a nil actor,
// which is no actor at all: every permission check refuses it, with
// ErrForbidden. To let anonymous requests run a transition, give them an
// actor value of their own (such as a User with no ID) and allow it.
func (t *Transition[M, T, A, U, I]) AllowAnyone() *Transition[M, T, A, U, I] {
	defer t.m.declaring(t.name, callsite.Pos(1))()
	t.anyone = true
	t.describe()
	return t
}

// When requires conditions on the model: another of its state fields
// (Review.In(Approved)), or a conditional state (Future). All must hold.
func (t *Transition[M, T, A, U, I]) When(conds ...state.Condition[M]) *Transition[M, T, A, U, I] {
	defer t.m.declaring(t.name, callsite.Pos(1))()
	for _, c := range conds {
		if c == nil {
			t.fail("When(nil)")
		}
	}
	for _, c := range conds {
		t.whenCodes = append(t.whenCodes, "unmet."+conditionName(c, len(t.when)))
		t.whenNeeds = append(t.whenNeeds, "needs "+c.String())
		t.when = append(t.when, c)
	}
	return t
}

// WhenRelated requires conditions on related models, made with [Related]:
//
//	Publish.WhenRelated(transition.Related("parent", loadParent, Status.In(Published)))
//
// All must hold.
func (t *Transition[M, T, A, U, I]) WhenRelated(conds ...RelatedCondition[M, U]) *Transition[M, T, A, U, I] {
	defer t.m.declaring(t.name, callsite.Pos(1))()
	for _, c := range conds {
		if c == nil {
			t.fail("WhenRelated(nil)")
		}
	}
	t.related = append(t.related, conds...)
	return t
}

// Validate adds a validation of the input against the model, run after
// the input's own Validate method (if I has one) and before any hook or
// effect, with the unit of work so that it can look things up. It may
// return a FieldError, or several joined with errors.Join, to say which
// fields are wrong; any other error is a problem with the input as a whole
// (code "invalid").
func (t *Transition[M, T, A, U, I]) Validate(fn func(ctx context.Context, u U, model *M, in I) error) *Transition[M, T, A, U, I] {
	defer t.m.declaring(t.name, callsite.Pos(1))()
	if fn == nil {
		t.fail("Validate(nil)")
	}
	t.validators = append(t.validators, fn)
	return t
}

// Choose sets how the target is chosen when a rule declares several, such
// as approve or reject depending on the input. fn must return one of the
// rule's targets; anything else fails the transition before it changes
// anything.
func (t *Transition[M, T, A, U, I]) Choose(fn func(ctx context.Context, model *M, in I) state.State[T]) *Transition[M, T, A, U, I] {
	defer t.m.declaring(t.name, callsite.Pos(1))()
	if fn == nil {
		t.fail("Choose(nil)")
	}
	t.choose = fn
	return t
}

// Before adds a hook that runs once every check and validation (of the
// whole causal chain) has passed, before the effects: to prepare what the
// effects need, or to stop the transition with Abort or Cancel.
func (t *Transition[M, T, A, U, I]) Before(title string, fn func(ctx context.Context, u U, e *Event[M, T, A, I]) error) *Transition[M, T, A, U, I] {
	defer t.m.declaring(t.name, callsite.Pos(1))()
	t.before = append(t.before, t.hook("Before", title, fn))
	return t
}

// Effect adds an execution step: what changes alongside the state, such as
// a publication date. Effects run in order, after the before hooks, and
// then the states are set. An effect sees the pending event: the model,
// the actor, the input, the states from and to, and the time; it may read
// and write through the unit of work.
//
// If an effect returns an error or panics, the unit of work is rolled
// back, every model is restored to what it was before the transition
// began, and Fire returns an *Error matching ErrStep naming the effect by
// its title as its Step. An
// effect cannot change the target: the state set is the one planned.
func (t *Transition[M, T, A, U, I]) Effect(title string, fn func(ctx context.Context, u U, e *Event[M, T, A, I]) error) *Transition[M, T, A, U, I] {
	defer t.m.declaring(t.name, callsite.Pos(1))()
	t.effects = append(t.effects, t.hook("Effect", title, fn))
	return t
}

// After adds a hook that runs once the states are set, inside the unit of
// work: what must happen with the change or not at all. An error rolls
// the whole unit of work back.
func (t *Transition[M, T, A, U, I]) After(title string, fn func(ctx context.Context, u U, e *Event[M, T, A, I]) error) *Transition[M, T, A, U, I] {
	defer t.m.declaring(t.name, callsite.Pos(1))()
	t.after = append(t.after, t.hook("After", title, fn))
	return t
}

// AfterCommit adds a hook that runs once the unit of work has committed,
// never after a rollback: work that must follow a durable change, such as
// sending a mail. The transition is done by then; an error or panic of an
// after-commit hook is returned by Fire in an *Error matching
// ErrAfterCommit, along with the event.
func (t *Transition[M, T, A, U, I]) AfterCommit(title string, fn func(ctx context.Context, e *Event[M, T, A, I]) error) *Transition[M, T, A, U, I] {
	defer t.m.declaring(t.name, callsite.Pos(1))()
	if title == "" || fn == nil {
		t.fail("AfterCommit needs a title and a function")
	}
	t.afterCommit = append(t.afterCommit, commitHook[M, T, A, I]{title, fn})
	return t
}

// OnFailure adds a hook that receives the error when the transition, or
// its causal chain, fails once its checks and validation have passed: a
// hook, effect, save, history or commit that failed, or a Cancel. It runs
// after the rollback, with the models restored, and never for a refusal
// or an Abort.
func (t *Transition[M, T, A, U, I]) OnFailure(title string, fn func(ctx context.Context, e *Event[M, T, A, I], err error)) *Transition[M, T, A, U, I] {
	defer t.m.declaring(t.name, callsite.Pos(1))()
	if title == "" || fn == nil {
		t.fail("OnFailure needs a title and a function")
	}
	t.onFailure = append(t.onFailure, failureHook[M, T, A, I]{title, fn})
	return t
}

func (t *Transition[M, T, A, U, I]) hook(kind, title string, fn func(context.Context, U, *Event[M, T, A, I]) error) hook[M, T, A, U, I] {
	if title == "" || fn == nil {
		panic(&DeclarationError{Machine: t.m.name, Transition: t.name, At: callsite.Pos(1), Msg: kind + " needs a title and a function"})
	}
	return hook[M, T, A, U, I]{title, fn}
}

// Cascade adds causal chains, made with [Each]: transitions that must run
// on related objects when this one runs, such as deleting a project's
// tasks. The whole chain is planned and pre-validated before any of it
// runs.
func (t *Transition[M, T, A, U, I]) Cascade(cs ...Cascade[M, A, U]) *Transition[M, T, A, U, I] {
	defer t.m.declaring(t.name, callsite.Pos(1))()
	for _, c := range cs {
		if c == nil {
			t.fail("Cascade(nil)")
		}
	}
	t.cascades = append(t.cascades, cs...)
	return t
}

// CascadeSelf adds the causal chain into the transition itself, on the
// objects load returns for the model, such as a project's sub-projects:
//
//	Delete.CascadeSelf("sub-projects", subprojectsOf)
//
// It is Cascade(Each(name, load, t)), which Go would not allow in t's own
// declaration (an initialisation cycle). A loop in the data is caught when
// the chain is planned (ErrCycle).
func (t *Transition[M, T, A, U, I]) CascadeSelf(name string, load func(ctx context.Context, u U, model *M) ([]*M, error)) *Transition[M, T, A, U, I] {
	defer t.m.declaring(t.name, callsite.Pos(1))()
	if name == "" || load == nil {
		t.fail("CascadeSelf needs a name and a load function")
	}
	t.cascades = append(t.cascades, &each[M, M, T, A, U, I]{name: name, load: load, t: t})
	return t
}

func (t *Transition[M, T, A, U, I]) fail(msg string) {
	panic(&DeclarationError{Machine: t.m.name, Transition: t.name, At: callsite.Pos(1), Msg: msg})
}

// Name returns the transition's name, such as "publish".
func (t *Transition[M, T, A, U, I]) Name() string { return t.name }

// Title returns the transition's human title.
func (t *Transition[M, T, A, U, I]) Title() string { return t.title }

func (t *Transition[M, T, A, U, I]) rulesOf() []Rule[T] { return t.rules }

func (t *Transition[M, T, A, U, I]) declaredAt() string { return t.pos }

func (t *Transition[M, T, A, U, I]) freeze() {
	for _, mv := range t.also {
		mv.freeze()
	}
	for i := range t.rules {
		t.rules[i].settle(t.m.mgr.Type(), t.m.ref)
	}
	t.required = t.shape.required()
	// The reasons of other fields and of related conditions depend on
	// more than the checks that failed (see reasonCache); the failed
	// checks must fit in a uint64.
	t.cacheable = len(t.also) == 0 && len(t.related) == 0 && t.checkAllow()+2+len(t.when) <= 64
	t.inMemory = len(t.cascades) == 0 && len(t.also) == 0 && t.m.table == nil
	t.bare = t.inMemory && len(t.m.after) == 0 &&
		len(t.before) == 0 && len(t.effects) == 0 && len(t.after) == 0 && len(t.afterCommit) == 0 && len(t.onFailure) == 0
}

// checksTime reports whether the checks test a time: a conditional source
// state, a When or related condition, or a causal chain to plan.
func (t *Transition[M, T, A, U, I]) checksTime() bool {
	return len(t.when) > 0 || len(t.related) > 0 || len(t.cascades) > 0 || t.timed
}

// validates reports whether the input is validated: it is a pointer (nil
// is no input), it has a Validate method, or Validate functions were
// given.
func (t *Transition[M, T, A, U, I]) validates() bool {
	return t.ptrInput || t.self != selfNone || len(t.validators) > 0
}

// String returns the machine and name, such as "main.Project.status publish".
func (t *Transition[M, T, A, U, I]) String() string { return t.m.name + " " + t.name }

// rule returns the rule that applies to model, whose state is s, at time
// now, or nil.
func (t *Transition[M, T, A, U, I]) rule(model *M, s state.State[T], now time.Time) *Rule[T] {
	for i := range t.rules {
		r := &t.rules[i]
		if applies(r, model, s, now) {
			return r
		}
	}
	return nil
}

// conditional reports whether a rule of the transition, or of a field it
// moves, starts from a conditional state, which is tested at a time.
func (t *Transition[M, T, A, U, I]) conditional() bool {
	for i := range t.rules {
		if len(t.rules[i].conds) > 0 {
			return true
		}
	}
	for _, mv := range t.also {
		if mv.conditional() {
			return true
		}
	}
	return false
}

// possibleTarget reports whether s is a target of any rule.
func (t *Transition[M, T, A, U, I]) possibleTarget(s state.State[T]) bool {
	for i := range t.rules {
		if t.rules[i].allows(s) {
			return true
		}
	}
	return false
}
