package registry_test

import (
	"context"
	"reflect"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/internal/graph"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// Machines with something wrong in their definitions, each set built to
// trigger one kind of problem.

// Phase is a two-state type shared by the small models below.
type Phase int

var PhaseState = state.NewType[Phase]("PhaseState")

var (
	Start = PhaseState.State(1, "Start")
	End   = PhaseState.State(2, "End", state.Final())
)

// Unreachable and dead-end states.

type TicketStatus int

var TicketState = state.NewType[TicketStatus]("TicketState")

var (
	New      = TicketState.State(1, "New")
	Triaged  = TicketState.State(2, "Triaged")
	Stuck    = TicketState.State(3, "Stuck") // nothing leaves it for another state
	Archived = TicketState.State(4, "Archived", state.Final())
	Orphan   = TicketState.State(5, "Orphan") // nothing leads to it
)

type Ticket struct{ Status state.State[TicketStatus] }

var (
	TicketStatuses = transition.For[User, *DB](state.Bind(TicketState, "status", func(t *Ticket) *state.State[TicketStatus] { return &t.Status }))

	_ = transition.New[transition.NoInput](TicketStatuses, "triage", transition.From(New).To(Triaged)).AllowAnyone()
	_ = transition.New[transition.NoInput](TicketStatuses, "block", transition.From(Triaged).To(Stuck)).AllowAnyone()
	_ = transition.New[transition.NoInput](TicketStatuses, "archive", transition.From(Triaged).To(Archived)).AllowAnyone()
	// Neither a rule back to the same state nor a Stay rule leaves Stuck.
	_ = transition.New[transition.NoInput](TicketStatuses, "poke", transition.From(Stuck).To(Stuck)).AllowAnyone()
	_ = transition.New[transition.NoInput](TicketStatuses, "comment", transition.From(Stuck, Orphan).Stay()).AllowAnyone()
	_ = transition.New[transition.NoInput](TicketStatuses, "revive", transition.From(Orphan).To(New)).AllowAnyone()
)

// Several initial states: a ticket starts New or Triaged, and nothing
// leads to Stuck or Orphan from either.

type Intake struct{ Status state.State[TicketStatus] }

var (
	Intakes = transition.For[User, *DB](state.Bind(TicketState, "status", func(i *Intake) *state.State[TicketStatus] { return &i.Status })).
		Initial(New, Triaged)

	_ = transition.New[transition.NoInput](Intakes, "archive", transition.From(New, Triaged).To(Archived)).AllowAnyone()
)

// Duplicates: two machines of Article with a transition of the same name,
// and a second machine on Article's status column.

type Article struct {
	Status state.State[Phase]
	Review state.State[Phase]
}

var (
	ArticleStatus = state.Bind(PhaseState, "status", func(a *Article) *state.State[Phase] { return &a.Status })
	ArticleReview = state.Bind(PhaseState, "review", func(a *Article) *state.State[Phase] { return &a.Review })

	ArticleStatuses      = transition.For[User, *DB](ArticleStatus)
	ArticleReviews       = transition.For[User, *DB](ArticleReview)
	ArticleStatusesAgain = transition.For[User, *DB](ArticleStatus)

	_ = transition.New[transition.NoInput](ArticleStatuses, "finish", transition.From(Start).To(End)).AllowAnyone()
	_ = transition.New[transition.NoInput](ArticleReviews, "finish", transition.From(Start).To(End)).
		Titled("Finish the review").AllowAnyone()
	_ = transition.New[transition.NoInput](ArticleStatusesAgain, "close", transition.From(Start).To(End)).AllowAnyone()
)

// Incomplete: several targets and no Choose; no Allow.

type BallotStatus int

var BallotState = state.NewType[BallotStatus]("BallotState")

var (
	Voting = BallotState.State(1, "Voting")
	Passed = BallotState.State(2, "Passed", state.Final())
	Failed = BallotState.State(3, "Failed", state.Final())
)

type Ballot struct{ Status state.State[BallotStatus] }

var (
	Ballots = transition.For[User, *DB](state.Bind(BallotState, "status", func(b *Ballot) *state.State[BallotStatus] { return &b.Status }))

	_ = transition.New[transition.NoInput](Ballots, "count", transition.From(Voting).To(Passed, Failed)).AllowAnyone()
	_ = transition.New[transition.NoInput](Ballots, "cancel", transition.From(Voting).To(Failed))
)

// Conflict: two transitions with the same title.

type Note struct{ Status state.State[Phase] }

var (
	Notes = transition.For[User, *DB](state.Bind(PhaseState, "status", func(n *Note) *state.State[Phase] { return &n.Status }))

	_ = transition.New[transition.NoInput](Notes, "remove", transition.From(Start).To(End)).Titled("Delete").AllowAnyone()
	_ = transition.New[transition.NoInput](Notes, "delete", transition.From(Start).To(End)).AllowAnyone()
)

// A cascade loop: deleting a folder deletes its documents, and deleting a
// document deletes its folders.

type Folder struct {
	ID     int64
	Status state.State[Phase]
}

type Doc struct {
	ID     int64
	Status state.State[Phase]
}

var (
	Folders = transition.For[User, *DB](state.Bind(PhaseState, "status", func(f *Folder) *state.State[Phase] { return &f.Status }))
	Docs    = transition.For[User, *DB](state.Bind(PhaseState, "status", func(d *Doc) *state.State[Phase] { return &d.Status }))

	DeleteFolder = transition.New[transition.NoInput](Folders, "delete", transition.From(Start).To(End)).AllowAnyone().
			Cascade(transition.Each("docs", func(context.Context, *DB, *Folder) ([]*Doc, error) { return nil, nil }, DeleteDoc))
	DeleteDoc = transition.New[transition.NoInput](Docs, "delete", transition.From(Start).To(End)).AllowAnyone()
)

func init() {
	// Declared here, as DeleteFolder and DeleteDoc cannot refer to each
	// other in their initialisers.
	DeleteDoc.Cascade(transition.Each("folders", func(context.Context, *DB, *Doc) ([]*Folder, error) { return nil, nil }, DeleteFolder))
}

// fakeRunner is a machine with whatever graph a test gives it, for what
// real machines cannot declare. Register it with registry.Build.
type fakeRunner struct{ g graph.Graph }

type fakeModel struct{}

func (f *fakeRunner) String() string            { return f.g.Machine }
func (f *fakeRunner) Model() reflect.Type       { return reflect.TypeFor[*fakeModel]() }
func (f *fakeRunner) Graph() graph.Graph        { return f.g }
func (f *fakeRunner) Input(string) reflect.Type { return nil }
func (f *fakeRunner) Names() []string {
	var names []string
	for _, t := range f.g.Transitions {
		names = append(names, t.Name)
	}
	return names
}
func (f *fakeRunner) AppendAvailable(_ context.Context, dst []transition.Availability, _ transition.Scope[*DB], _ User, _ any) ([]transition.Availability, error) {
	return dst, nil
}
func (f *fakeRunner) Fire(context.Context, transition.Store[*DB], User, any, string, []byte, func([]byte) []transition.FieldError, *string) (*transition.Plan[*DB], error) {
	return nil, nil
}
func (f *fakeRunner) Plan(context.Context, transition.Scope[*DB], User, any, string, []byte, func([]byte) []transition.FieldError) (*transition.Plan[*DB], error) {
	return nil, nil
}
