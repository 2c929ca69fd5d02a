package transition_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/transition"
)

// Regressions for the defects found by attacking the library as an
// untrusted client and a careless caller would (issue 8), and tests that
// pin down behaviour a mutation run showed no test guarded.

// inputErrorFields decodes payload with d and returns its field errors,
// failing the test if it is not an *InputError.
func inputErrorFields[I any](t *testing.T, d decoder[I], payload string) []transition.FieldError {
	t.Helper()
	_, err := d.Decode([]byte(payload))
	ie := errorOf(t, err, transition.ErrInvalidInput, "payload %.80s", payload)
	require.ErrorIs(t, err, transition.ErrInvalidInput)
	return ie.Fields
}

// unknownKeys returns an object with a reason and n distinct unknown keys.
func unknownKeys(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"reason":"x"`)
	for i := range n {
		fmt.Fprintf(&b, `,"k%d":0`, i)
	}
	b.WriteString("}")
	return []byte(b.String())
}

// Defect 1: many distinct unknown keys made decoding quadratic. Decoding
// now stops at a bounded number of field errors; BenchmarkDecodeUnknownKeys
// measures the time.
func TestDecodeManyUnknownKeysIsBounded(t *testing.T) {
	payload := unknownKeys(100_000) // about 1 MB
	require.Greater(t, len(payload), 1<<20)
	fe := inputErrorFields(t, Withdraw, string(payload))
	require.Len(t, fe, 51, "50 field errors, then one saying decoding stopped")
	assert.Equal(t, transition.FieldError{Field: "/k0", Code: "unknown", Message: "is not a field of this input"}, fe[0])
	assert.Equal(t, transition.FieldError{Field: "/k49", Code: "unknown", Message: "is not a field of this input"}, fe[49])
	assert.Equal(t, transition.FieldError{Code: "too_many", Message: "has more problems; decoding stopped after 50"}, fe[50])

	// Repeating one known key is capped the same way.
	var b strings.Builder
	b.WriteString("{")
	for i := range 1000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"reason":"x"`)
	}
	b.WriteString("}")
	fe = inputErrorFields(t, Withdraw, b.String())
	require.Len(t, fe, 51)
	assert.Equal(t, transition.FieldError{Field: "/reason", Code: "duplicate", Message: "is given more than once"}, fe[0])
}

type billingInput struct {
	Billing  *address           `json:"billing"`
	Shipping []address          `json:"shipping"`
	Extra    map[string]address `json:"extra,omitempty"`
	Seats    []int8             `json:"seats,omitempty"`
	Scores   map[int]float32    `json:"scores,omitempty"`
}

// Defect 2: strict decoding stopped at pointer and slice fields.
func TestDecodeIsStrictBehindPointersSlicesAndMaps(t *testing.T) {
	doors := transition.For[User, *DB](DoorStatus)
	bill := transition.New[billingInput](doors, "bill", transition.From(Closed).Stay()).AllowAnyone()

	in, err := bill.Decode([]byte(`{"billing": {"city": "Oslo"}, "shipping": [{"city": "Bergen", "zip": "5003"}],
		"extra": {"home": {"city": "Tromsø"}}, "seats": [1, -128, 127], "scores": {"7": 1.5}}`))
	require.NoError(t, err)
	assert.Equal(t, billingInput{
		Billing:  &address{City: "Oslo"},
		Shipping: []address{{City: "Bergen", Zip: "5003"}},
		Extra:    map[string]address{"home": {City: "Tromsø"}},
		Seats:    []int8{1, -128, 127},
		Scores:   map[int]float32{7: 1.5},
	}, in)
	_, err = bill.Decode([]byte(`{"billing": null, "shipping": null}`))
	require.NoError(t, err, "pointer and slice fields may be null")

	for _, c := range []struct {
		name, payload string
		want          []transition.FieldError
	}{
		{"pointer's required field", `{"billing": {}, "shipping": []}`,
			[]transition.FieldError{{Field: "/billing/city", Code: "required", Message: "is required"}}},
		{"mis-cased and repeated behind a pointer", `{"billing": {"City": "x", "city": "y", "city": "z"}, "shipping": []}`,
			[]transition.FieldError{
				{Field: "/billing/City", Code: "unknown", Message: `is not a field of this input (did you mean "city"?)`},
				{Field: "/billing/city", Code: "duplicate", Message: "is given more than once"},
			}},
		{"unknown key in a slice element", `{"billing": null, "shipping": [{"city": "x"}, {"city": "y", "zap": 1}]}`,
			[]transition.FieldError{{Field: "/shipping/1/zap", Code: "unknown", Message: "is not a field of this input"}}},
		{"required field of a slice element", `{"billing": null, "shipping": [{}]}`,
			[]transition.FieldError{{Field: "/shipping/0/city", Code: "required", Message: "is required"}}},
		{"null element", `{"billing": null, "shipping": [null]}`,
			[]transition.FieldError{{Field: "/shipping/0", Code: "required", Message: "may not be null"}}},
		{"element of the wrong kind", `{"billing": null, "shipping": ["Oslo", [1]]}`,
			[]transition.FieldError{
				{Field: "/shipping/0", Code: "type", Message: "must be an object, not string"},
				{Field: "/shipping/1", Code: "type", Message: "must be an object, not array"},
			}},
		{"map value", `{"billing": null, "shipping": [], "extra": {"a": {"town": "x"}, "a": {}}}`,
			[]transition.FieldError{
				{Field: "/extra/a/town", Code: "unknown", Message: "is not a field of this input"},
				{Field: "/extra/a/city", Code: "required", Message: "is required"},
				{Field: "/extra/a", Code: "duplicate", Message: "is given more than once"},
			}},
		{"numbers out of range", `{"billing": null, "shipping": [], "seats": [128, 1.5, -129], "scores": {"x": 1, "2": 1e99}}`,
			[]transition.FieldError{
				{Field: "/seats/0", Code: "type", Message: "must be an integer from -128 to 127, not 128"},
				{Field: "/seats/1", Code: "type", Message: "must be an integer, not 1.5"},
				{Field: "/seats/2", Code: "type", Message: "must be an integer from -128 to 127, not -129"},
				{Field: "/scores/x", Code: "type", Message: "is not a valid key: must be an integer"},
				{Field: "/scores/2", Code: "type", Message: "must be a number within the range of a 32-bit float, not 1e99"},
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, inputErrorFields(t, bill, c.payload)); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
}

// Inside a nested object every problem is reported, not only the first.
func TestDecodeNestedReportsEveryProblem(t *testing.T) {
	doors := transition.For[User, *DB](DoorStatus)
	move := transition.New[moveInput](doors, "move", transition.From(Closed).Stay()).AllowAnyone()
	got := inputErrorFields(t, move, `{"to": {"zip": 5}, "via": {"city": 1}, "notes": [1, "a"], "outcome": 1, "review": null}`)
	want := []transition.FieldError{
		{Field: "/to/zip", Code: "type", Message: "must be a string, not number"},
		{Field: "/to/city", Code: "required", Message: "is required"},
		{Field: "/via/city", Code: "type", Message: "must be a string, not number"},
		{Field: "/notes/0", Code: "type", Message: "must be a string, not number"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("field errors (-want +got):\n%s", diff)
	}
}

// Defect 9: inputs that are not objects accepted an empty body or null as
// their zero value.
func TestDecodeNonObjectInputsMustBeGiven(t *testing.T) {
	doors := transition.For[User, *DB](DoorStatus)
	text := transition.New[string](doors, "text", transition.From(Closed).Stay()).AllowAnyone()
	when := transition.New[time.Time](doors, "when", transition.From(Closed).Stay()).AllowAnyone()
	ints := transition.New[[]int](doors, "ints", transition.From(Closed).Stay()).AllowAnyone()
	for _, empty := range []string{``, ` `, `null`, "\tnull\n"} {
		assert.Equal(t, []transition.FieldError{{Code: "required", Message: "is required"}}, inputErrorFields(t, text, empty))
		assert.Equal(t, []transition.FieldError{{Code: "required", Message: "is required"}}, inputErrorFields(t, when, empty))
		assert.Equal(t, []transition.FieldError{{Code: "required", Message: "is required"}}, inputErrorFields(t, ints, empty))
	}
	s, err := text.Decode([]byte(`""`))
	require.NoError(t, err, "an empty string is a string")
	assert.Equal(t, "", s)

	// A bad time says what is wanted in words, not as Go's layout string.
	fe := inputErrorFields(t, when, `""`)
	assert.Equal(t, []transition.FieldError{{Code: "type", Message: "must be a date and time such as 2026-11-28T09:30:00Z"}}, fe)
	w, err := when.Decode([]byte(`"2027-01-02T03:04:05Z"`))
	require.NoError(t, err)
	assert.Equal(t, time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC), w)

	assert.Equal(t, []transition.FieldError{{Field: "/1", Code: "type", Message: "must be an integer, not string"}},
		inputErrorFields(t, ints, `[1, "2"]`))
	assert.Equal(t, []transition.FieldError{{Code: "syntax", Message: "has data after the JSON value"}},
		inputErrorFields(t, ints, `[1] [2]`))
}

type noteInput struct {
	Note  string `json:"note,omitempty" jsonschema:"required"`
	Extra string `json:"extra,omitempty"`
}

// A jsonschema:"required" tag makes a field required in decoding, as the
// schema publishes it, whatever its json tag says.
func TestDecodeJSONSchemaRequiredTag(t *testing.T) {
	doors := transition.For[User, *DB](DoorStatus)
	note := transition.New[noteInput](doors, "note", transition.From(Closed).Stay()).AllowAnyone()
	assert.Equal(t, []transition.FieldError{{Field: "/note", Code: "required", Message: "is required"}}, inputErrorFields(t, note, `{"extra": "x"}`))
	_, err := note.Decode([]byte(`{"note": "x"}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"note"}, transition.InfoOf(note).Required)
}

// Defect 7: errors copied whole values and keys out of the payload.
func TestDecodeErrorsEchoLittle(t *testing.T) {
	doors := transition.For[User, *DB](DoorStatus)
	move := transition.New[moveInput](doors, "move", transition.From(Closed).Stay()).AllowAnyone()
	big := strings.Repeat("9", 1<<20)
	bigKey := strings.Repeat("k", 1<<20)
	for name, payload := range map[string]string{
		"number in a state field":   `{"to": {"city": "x"}, "via": null, "notes": [], "outcome": ` + big + `, "review": null}`,
		"string in a state field":   `{"to": {"city": "x"}, "via": null, "notes": [], "outcome": 1, "review": "` + big + `"}`,
		"number in a string field":  `{"to": {"city": ` + big + `}, "via": null, "notes": [], "outcome": 1, "review": null}`,
		"number in an integer list": `{"to": {"city": "x"}, "via": null, "notes": [], "outcome": 1, "review": null, "` + bigKey + `": 1}`,
	} {
		t.Run(name, func(t *testing.T) {
			fe := inputErrorFields(t, move, payload)
			require.Len(t, fe, 1)
			assert.Less(t, len(fe[0].Error()), 512, "the error repeats at most a little of the payload: %s", fe[0].Error())
		})
	}
	_, err := move.Decode([]byte(`{"to": {"city": "x"}, "via": null, "notes": [], "outcome": ` + big + `, "review": null}`))
	ie := errorOf(t, err, transition.ErrInvalidInput)
	assert.Equal(t, "/outcome", ie.Fields[0].Field)
	assert.Contains(t, ie.Fields[0].Message, "must be one of 1 (Draft), 2 (Published), 3 (Withdrawn), 4 (Deleted), not 9999")
}

// A recursive input type is checked at every depth, and nesting deeper
// than encoding/json allows is refused without exhausting the stack.
type comment struct {
	Text    string    `json:"text"`
	Replies []comment `json:"replies,omitempty"`
}

func nestedComments(depth int, leaf string) string {
	return strings.Repeat(`{"text": "a", "replies": [`, depth) + leaf + strings.Repeat(`]}`, depth)
}

func TestDecodeRecursiveInput(t *testing.T) {
	doors := transition.For[User, *DB](DoorStatus)
	reply := transition.New[comment](doors, "reply", transition.From(Closed).Stay()).AllowAnyone()
	in, err := reply.Decode([]byte(nestedComments(3, `{"text": "deep"}`)))
	require.NoError(t, err)
	assert.Equal(t, "deep", in.Replies[0].Replies[0].Replies[0].Text)
	fe := inputErrorFields(t, reply, nestedComments(3, `{"txt": "deep"}`))
	assert.Equal(t, []transition.FieldError{
		{Field: "/replies/0/replies/0/replies/0/txt", Code: "unknown", Message: "is not a field of this input"},
		{Field: "/replies/0/replies/0/replies/0/text", Code: "required", Message: "is required"},
	}, fe)
	fe = inputErrorFields(t, reply, nestedComments(6000, `{"text": "deep"}`))
	require.Len(t, fe, 1)
	assert.Contains(t, fe[0].Message, "is nested more than 10000 levels deep")
}

// Defect 3: the Validate method of a pointer input's type was never called.
type pointerInput struct {
	Reason string `json:"reason"`
}

func (in pointerInput) Validate() error {
	if in.Reason == "" {
		return transition.FieldError{Field: "/reason", Message: "must not be empty"}
	}
	return nil
}

func TestPointerInputIsValidated(t *testing.T) {
	doors := transition.For[User, *DB](DoorStatus)
	lock := transition.New[*pointerInput](doors, "lock", transition.From(Closed).To(Locked)).AllowAnyone()
	ctx, mem := ContextOf(&DB{})
	d := &Door{Status: Closed}

	err := lock.Fire(ctx, mem, Alice, d, &pointerInput{})
	ie := errorOf(t, err, transition.ErrInvalidInput)
	assert.Equal(t, []transition.FieldError{{Field: "/reason", Code: "invalid", Message: "must not be empty"}}, ie.Fields)
	assert.Equal(t, Closed, d.Status)

	_, err = lock.FireJSON(ctx, mem, Alice, d, []byte(`{"reason": ""}`))
	errorOf(t, err, transition.ErrInvalidInput)
	assert.Equal(t, Closed, d.Status)

	err = lock.Fire(ctx, mem, Alice, d, nil)
	ie = errorOf(t, err, transition.ErrInvalidInput, "a nil pointer input is no input")
	assert.Equal(t, []transition.FieldError{{Code: "required", Message: "is required"}}, ie.Fields)
	assert.Equal(t, Closed, d.Status)

	err = lock.Fire(ctx, mem, Alice, d, &pointerInput{Reason: "night"})
	require.NoError(t, err)
	assert.Equal(t, Locked, d.Status)
}

// Defect 5: a nil actor whose type has a pointer-receiver String crashed
// Fire and Available. No actor is refused by every permission check.
type Person struct{ Name string }

func (p *Person) String() string { return "person " + p.Name } // panics on a nil *Person

func TestNilActorIsRefused(t *testing.T) {
	doors := transition.For[*Person, *DB](DoorStatus)
	var allowCalls int
	open := transition.New[transition.NoInput](doors, "open", transition.From(Closed).To(Opened)).
		Allow("people", func(_ context.Context, p *Person, _ *Door) bool { allowCalls++; return p.Name != "" })
	lock := transition.New[transition.NoInput](doors, "lock", transition.From(Closed).To(Locked)).AllowAnyone()
	ctx, mem := ContextOf(&DB{})

	for _, tr := range []*transition.Transition[Door, int, *Person, *DB, transition.NoInput]{open, lock} {
		d := &Door{Status: Closed}
		assert.False(t, tr.Can(ctx, mem, nil, d), tr.Name())
		err := tr.Check(ctx, mem, nil, d)
		be := errorOf(t, err, transition.ErrBlocked, tr.Name())
		require.ErrorIs(t, err, transition.ErrForbidden)
		assert.Equal(t, "no actor", be.Actor())
		require.Len(t, be.Reasons, 1)
		assert.Contains(t, be.Reasons[0].Message(), "there is no actor (it is nil)")
		assert.Equal(t, "forbidden.no_actor", be.Reasons[0].Code)

		err = tr.Fire(ctx, mem, nil, d, transition.NoInput{})
		require.ErrorIs(t, err, transition.ErrForbidden, tr.Name())
		_, err = tr.FireJSON(ctx, mem, nil, d, []byte(`{}`))
		require.ErrorIs(t, err, transition.ErrForbidden, tr.Name())
		assert.Equal(t, Closed, d.Status)
	}
	assert.Zero(t, allowCalls, "Allow functions never see a nil actor")

	avs, err := doors.Available(ctx, mem, nil, &Door{Status: Closed})
	require.NoError(t, err)
	for _, av := range avs {
		assert.False(t, av.Available, av.Name)
	}

	err = lock.Fire(ctx, mem, &Person{Name: "ann"}, &Door{Status: Closed}, transition.NoInput{})
	require.NoError(t, err, "AllowAnyone admits every actor that is not nil")
}

// A String method that panics names the actor without crashing.
type touchy struct{}

func (touchy) String() string { panic("no name") }

func TestPanickingActorStringIsContained(t *testing.T) {
	doors := transition.For[touchy, *DB](DoorStatus)
	open := transition.New[transition.NoInput](doors, "open", transition.From(Opened).To(Closed)).AllowAnyone()
	err := open.Check(context.Background(), MemOf(&DB{}), touchy{}, &Door{Status: Closed})
	be := errorOf(t, err, transition.ErrBlocked)
	assert.Equal(t, "a transition_test.touchy (its String method panicked: no name)", be.Actor())

	// A long panic value is cut short at a rune boundary; one that is
	// no UTF-8 at all, cut to nothing.
	ramblers := transition.For[rambler, *DB](DoorStatus)
	shut := transition.New[transition.NoInput](ramblers, "shut", transition.From(Opened).To(Closed)).AllowAnyone()
	for _, c := range []struct{ panic, said string }{
		{"x" + strings.Repeat("é", 40), "x" + strings.Repeat("é", 31) + "... (81 bytes)"},
		{strings.Repeat("\x80", 70), "... (70 bytes)"},
	} {
		err = shut.Check(context.Background(), MemOf(&DB{}), rambler(c.panic), &Door{Status: Closed})
		be = errorOf(t, err, transition.ErrBlocked)
		assert.Equal(t, "a transition_test.rambler (its String method panicked: "+c.said+")", be.Actor())
	}
}

// rambler's String method panics with the rambler itself.
type rambler string

func (r rambler) String() string { panic(string(r)) }

// Defect 10: an actor of a named string type was called by its type.
type Login string

func TestActorOfNamedStringTypeIsNamedByValue(t *testing.T) {
	doors := transition.For[Login, *DB](DoorStatus)
	open := transition.New[transition.NoInput](doors, "open", transition.From(Closed).To(Opened)).
		Allow("admins", func(_ context.Context, l Login, _ *Door) bool { return l == "admin" })
	err := open.Check(context.Background(), MemOf(&DB{}), "carol", &Door{Status: Closed})
	be := errorOf(t, err, transition.ErrBlocked)
	assert.Equal(t, "carol", be.Actor())
	assert.Equal(t, "carol may not Open: only admins", be.Reasons[0].Message())
}

// FireJSON runs the permission and state checks before it decodes the
// payload, so a caller who may not run a transition cannot make the server
// decode anything: whatever the payload, the answer is the refusal.
func TestFireJSONChecksBeforeDecoding(t *testing.T) {
	ctx, mem := ContextOf(&DB{})
	hostile := append(unknownKeys(1000), []byte("not even JSON")...)

	p := &Project{ID: 1, Owner: "alice", Status: Published}
	_, err := Withdraw.FireJSON(ctx, mem, Bob, p, hostile)
	require.ErrorIs(t, err, transition.ErrForbidden)
	assert.NotErrorIs(t, err, transition.ErrInvalidInput)

	p = &Project{ID: 1, Owner: "alice", Status: Draft}
	_, err = Withdraw.FireJSON(ctx, mem, Alice, p, hostile)
	require.ErrorIs(t, err, transition.ErrWrongState)
	assert.NotErrorIs(t, err, transition.ErrInvalidInput)

	// Allowed, it decodes, and runs the checks once, not twice.
	var loads int
	projects := transition.For[User, *DB](Status)
	tag := transition.New[WithdrawInput](projects, "tag", transition.From(Published).Stay()).AllowAnyone().
		WhenRelated(transition.Related("parent", func(context.Context, *DB, *Project) (*Project, error) {
			loads++
			return &Project{Status: Published}, nil
		}, Status.In(Published)))
	_, err = tag.FireJSON(ctx, mem, Alice, p, hostile)
	require.ErrorIs(t, err, transition.ErrWrongState)
	assert.Equal(t, 1, loads, "refused, the checks ran once, to report every reason")
	p.Status = Published
	_, err = tag.FireJSON(ctx, mem, Alice, p, hostile)
	require.ErrorIs(t, err, transition.ErrInvalidInput)
	_, err = tag.FireJSON(ctx, mem, Alice, p, []byte(`{"reason": "x"}`))
	require.NoError(t, err)
	assert.Equal(t, 3, loads, "the checks run once for each call, not again after decoding")
}

// Several failing conditions are all reported, of each kind.
func TestEveryFailingConditionIsReported(t *testing.T) {
	projects := transition.For[User, *DB](Status)
	always := func(context.Context, *DB, *Project) (*Project, error) {
		return &Project{Status: Draft, Review: Pending}, nil
	}
	parent := transition.Related("parent", always, Status.In(Published))
	sibling := transition.Related("sibling", always, Review.In(Approved))
	ship := transition.New[transition.NoInput](projects, "ship", transition.From(Draft).To(Published)).AllowAnyone().
		When(Review.In(Approved), Status.In(Withdrawn)).
		WhenRelated(parent, sibling)
	err := ship.Check(context.Background(), MemOf(&DB{}), Alice, &Project{Status: Draft, Review: Pending})
	be := errorOf(t, err, transition.ErrBlocked)
	var codes, messages []string
	for _, r := range be.Reasons {
		assert.Equal(t, transition.ErrUnmet, r.Err)
		codes = append(codes, r.Code)
		messages = append(messages, r.Message())
	}
	assert.Equal(t, []string{"unmet.review_approved", "unmet.status_3", "related.parent", "related.sibling"}, codes)
	assert.Equal(t, []string{"needs review is Approved", "needs status is Withdrawn", "needs parent: status is Published", "needs sibling: review is Approved"}, messages)
	require.Len(t, be.Reasons, 4)
	for i, decl := range []any{Review.In(Approved), Status.In(Withdrawn), parent, sibling} {
		for j, r := range be.Reasons {
			assert.Equal(t, i == j, r.Of(decl), "reason %d of declaration %d", j, i)
		}
	}
}

// A nil related object is reported as missing, not as a recovered panic.
func TestNilRelatedObjectIsReported(t *testing.T) {
	projects := transition.For[User, *DB](Status)
	none := func(context.Context, *DB, *Project) (*Project, error) { return nil, nil }
	ship := transition.New[transition.NoInput](projects, "ship", transition.From(Draft).To(Published)).AllowAnyone().
		WhenRelated(transition.Related("parent", none, Status.In(Published)))
	err := ship.Check(context.Background(), MemOf(&DB{}), Alice, &Project{Status: Draft})
	be := errorOf(t, err, transition.ErrBlocked)
	assert.NotErrorIs(t, err, transition.ErrStep)
	require.Len(t, be.Reasons, 1)
	assert.Equal(t, "related.parent", be.Reasons[0].Code)
	assert.Equal(t, "there is no parent", be.Reasons[0].Message())
	assert.Equal(t, transition.ErrUnmet, be.Reasons[0].Err)
}

// The failing step of a chain restores its own object, not only the steps
// before it.
func TestFailingChainStepRestoresItsOwnObject(t *testing.T) {
	tasks := transition.For[User, *DB](TaskField).Identify(func(t *Task) any { return t.ID })
	drop := transition.New[transition.NoInput](tasks, "drop", transition.From(Open).To(TaskDeleted)).AllowAnyone().
		Effect("scribble, then fail", func(_ context.Context, _ *DB, e *transition.Event[Task, TaskStatus, User, transition.NoInput]) error {
			e.Model.Owner = "scribbled"
			if e.Model.ID == 2 {
				return errors.New("disk full")
			}
			return nil
		})
	projects := transition.For[User, *DB](Status).Identify(func(p *Project) any { return p.ID })
	t1 := &Task{ID: 1, Owner: "alice", Status: Open}
	t2 := &Task{ID: 2, Owner: "alice", Status: Open}
	purge := transition.New[transition.NoInput](projects, "purge", transition.From(Draft).To(Deleted)).AllowAnyone().
		Cascade(transition.Each("tasks", func(context.Context, *DB, *Project) ([]*Task, error) { return []*Task{t1, t2}, nil }, drop))
	p := &Project{ID: 1, Status: Draft}
	err := purge.Fire(context.Background(), MemOf(&DB{}), Alice, p, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrStep)
	assert.Equal(t, Draft, p.Status)
	assert.Equal(t, Task{ID: 1, Owner: "alice", Status: Open}, *t1)
	assert.Equal(t, Task{ID: 2, Owner: "alice", Status: Open}, *t2, "the failing step's own object is restored")
}

// A cascaded object in a state its transition has no rule for, and that
// is not one of its targets, blocks the chain; one already in a target
// state is skipped.
func TestCascadedObjectWithNoRuleBlocks(t *testing.T) {
	tasks := transition.For[User, *DB](TaskField).Identify(func(t *Task) any { return t.ID })
	finish := transition.New[transition.NoInput](tasks, "finish", transition.From(Open).To(Done)).AllowAnyone()
	projects := transition.For[User, *DB](Status).Identify(func(p *Project) any { return p.ID })
	var children []*Task
	publish := transition.New[transition.NoInput](projects, "publish", transition.From(Draft).To(Published)).AllowAnyone().
		Cascade(transition.Each("tasks", func(context.Context, *DB, *Project) ([]*Task, error) { return children, nil }, finish))
	ctx := context.Background()

	children = []*Task{{ID: 1, Status: Open}, {ID: 2, Status: Done}}
	p := &Project{ID: 1, Status: Draft}
	err := publish.Fire(ctx, Mem, Alice, p, transition.NoInput{})
	require.NoError(t, err, "a task already Done is skipped")
	assert.Equal(t, Done, children[0].Status)

	children = []*Task{{ID: 1, Status: Open}, {ID: 3, Status: TaskDeleted}}
	p = &Project{ID: 1, Status: Draft}
	err = publish.Fire(ctx, Mem, Alice, p, transition.NoInput{})
	be := errorOf(t, err, transition.ErrBlocked, "a deleted task cannot be finished, and is not already finished")
	require.ErrorIs(t, err, transition.ErrWrongState)
	require.Len(t, be.Reasons, 1)
	assert.Equal(t, "fixture.Task 3 (finish)", be.Reasons[0].Object)
	assert.Equal(t, "wrong_state.status", be.Reasons[0].Code)
	assert.True(t, be.Reasons[0].Of(TaskField), "the reason comes from the task's status field")
	assert.False(t, be.Reasons[0].Of(Status))
	assert.Equal(t, Draft, p.Status)
	assert.Equal(t, Open, children[0].Status)
}

// The chain depth limit holds at its exact boundary: a chain MaxChainDepth
// steps below the root runs, one more step is refused.
func chainOf(depth int) *Node {
	root := &Node{ID: 0, Status: NLive}
	cur := root
	for i := 1; i <= depth; i++ {
		kid := &Node{ID: int64(i), Status: NLive}
		cur.Children = []*Node{kid}
		cur = kid
	}
	return root
}

func TestChainDepthLimitBoundary(t *testing.T) {
	ctx, mem := ContextOf(&DB{})
	ok := chainOf(transition.MaxChainDepth)
	err := RemoveNode.Fire(ctx, mem, Alice, ok, transition.NoInput{})
	require.NoError(t, err)
	deepest := ok
	for len(deepest.Children) > 0 {
		deepest = deepest.Children[0]
	}
	assert.Equal(t, int64(transition.MaxChainDepth), deepest.ID)
	assert.Equal(t, NGone, deepest.Status)

	tooDeep := chainOf(transition.MaxChainDepth + 1)
	err = RemoveNode.Fire(ctx, mem, Alice, tooDeep, transition.NoInput{})
	require.ErrorIs(t, err, transition.ErrCycle)
	assert.Contains(t, err.Error(), fmt.Sprintf("deeper than %d steps", transition.MaxChainDepth))
	assert.Equal(t, NLive, tooDeep.Status)
	require.ErrorIs(t, RemoveNode.Check(ctx, mem, Alice, chainOf(transition.MaxChainDepth+1)), transition.ErrCycle)
	require.NoError(t, RemoveNode.Check(ctx, mem, Alice, chainOf(transition.MaxChainDepth)))
}
