package transition_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
)

// A ticket machine declared twice, identical but for every title: the
// reason codes must not change.
type ticket struct {
	Status, Triage state.State[string]
	Urgent         bool
}

type ticketDecl struct {
	open, closed, fresh state.State[string]
	close               *transition.Transition[ticket, string, User, *DB, transition.NoInput]
}

func declareTickets(titles [5]string) ticketDecl {
	typ := state.NewType[string]("TicketStatus_" + titles[0])
	open := typ.State("open", titles[0])
	closed := typ.State("closed", titles[1], state.Final())
	triage := state.NewType[string]("Triage_" + titles[0])
	fresh := triage.State("fresh", titles[2])
	done := triage.State("done", titles[3])
	status := state.Bind(typ, "status", func(t *ticket) *state.State[string] { return &t.Status })
	tri := state.Bind(triage, "triage", func(t *ticket) *state.State[string] { return &t.Triage })
	urgent := status.Conditional("urgent", titles[4], open, func(t *ticket, _ time.Time) bool { return t.Urgent })
	m := transition.For[User, *DB](status)
	closeT := transition.New[transition.NoInput](m, "close", transition.From(open).To(closed)).
		Titled("Close "+titles[0]).
		Also(transition.Field(tri, transition.From(fresh).To(done))).
		Allow("admin", func(_ context.Context, u User, _ *ticket) bool { return u.Admin }).
		When(urgent, tri.In(done)).
		WhenRelated(transition.Related("twin", func(context.Context, *DB, *ticket) (*ticket, error) { return nil, nil }, urgent))
	return ticketDecl{open: open, closed: closed, fresh: fresh, close: closeT}
}

// anonymous is a Condition without a name: its reasons are coded by its
// position among the transition's conditions.
type anonymous struct{}

func (anonymous) Match(*ticket, time.Time) bool { return false }
func (anonymous) Expr() sqlexpr.Expr            { return sqlexpr.False }
func (anonymous) String() string                { return "never" }

func TestReasonCodesComeFromNamesNotTitles(t *testing.T) {
	a := declareTickets([5]string{"Open", "Closed", "Fresh", "Done", "Urgent"})
	b := declareTickets([5]string{"Offen", "Geschlossen", "Neu", "Erledigt", "Dringend"})
	codes := func(d ticketDecl) []string {
		tk := &ticket{Status: d.closed, Triage: d.fresh}
		err := d.close.Check(context.Background(), MemOf(&DB{}), Bob, tk)
		return reasonCodes(errorOf(t, err, transition.ErrBlocked).Reasons)
	}
	want := []string{"wrong_state.status", "forbidden.admin", "unmet.urgent", "unmet.triage_done", "related.twin"}
	assert.Equal(t, want, codes(a))
	assert.Equal(t, want, codes(b), "retitling every state, conditional and the transition changes no code")

	// A condition without a Name method is coded by its position.
	lone := state.NewType[string]("Lone")
	on := lone.State("on", "On")
	off := lone.State("off", "Off", state.Final())
	m := transition.For[User, *DB](state.Bind(lone, "status", func(t *ticket) *state.State[string] { return &t.Status }))
	never := anonymous{}
	stop := transition.New[transition.NoInput](m, "stop", transition.From(on).To(off)).AllowAnyone().When(state.Condition[ticket](never))
	err := stop.Check(context.Background(), MemOf(&DB{}), Alice, &ticket{Status: on})
	r := errorOf(t, err, transition.ErrBlocked).Reasons
	require.Len(t, r, 1)
	assert.Equal(t, "unmet.condition_1", r[0].Code)
	assert.True(t, r[0].Of(never))
	assert.Equal(t, "needs never", r[0].Message())
}

// codedInput has a field of each kind a payload can get wrong, and a rule
// of its own with a code of its own.
type codedInput struct {
	Name  string            `json:"name"`
	Count int               `json:"count,omitempty"`
	Tags  map[string]string `json:"tags,omitempty"`
	Deep  any               `json:"deep,omitempty"`
}

func (in codedInput) Validate() error {
	if in.Name == "expired" {
		return transition.FieldError{Field: "/name", Code: "expired", Message: "has expired"}
	}
	if in.Name == "plain" {
		return errPlain
	}
	return nil
}

var errPlain = errorString("not today")

type errorString string

func (e errorString) Error() string { return string(e) }

// TestFieldErrorCodes: every kind of bad input has its code.
func TestFieldErrorCodes(t *testing.T) {
	typ := state.NewType[string]("Coded")
	a := typ.State("a", "A")
	b := typ.State("b", "B", state.Final())
	m := transition.For[User, *DB](state.Bind(typ, "status", func(t *ticket) *state.State[string] { return &t.Status }))
	tr := transition.New[codedInput](m, "go", transition.From(a).To(b)).AllowAnyone()
	deep := strings.Repeat("[", 10001) + strings.Repeat("]", 10001)
	many := "{" + strings.Repeat(`"x":1,`, 60) + `"name":"n"}`
	for _, tc := range []struct {
		payload string
		want    []string // field and code
	}{
		{`{}`, []string{"/name required"}},
		{`{"name":"n","colour":1}`, []string{"/colour unknown"}},
		{`{"name":5}`, []string{"/name type"}},
		{`{"name":"n"`, []string{" syntax"}},
		{`{"name":"n","name":"m"}`, []string{"/name duplicate"}},
		{`{"name":"n","deep":` + deep + `}`, []string{"/deep too_deep"}},
		{`{"name":"expired"}`, []string{"/name expired"}},
		{`{"name":"plain"}`, []string{" invalid"}},
	} {
		_, err := tr.FireJSON(context.Background(), MemOf(&DB{}), Alice, &ticket{Status: a}, []byte(tc.payload))
		var got []string
		for _, f := range errorOf(t, err, transition.ErrInvalidInput).Fields {
			got = append(got, f.Field+" "+f.Code)
		}
		assert.Equal(t, tc.want, got, "%.40s", tc.payload)
	}
	_, err := tr.FireJSON(context.Background(), MemOf(&DB{}), Alice, &ticket{Status: a}, []byte(many))
	fields := errorOf(t, err, transition.ErrInvalidInput).Fields
	require.Len(t, fields, 51)
	assert.Equal(t, "too_many", fields[50].Code)
}
