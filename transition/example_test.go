package transition_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// Declaring a machine and its transitions, then running one.
func Example() {
	type Ticket struct {
		ID     int
		Status state.State[string]
		Note   string
	}
	ticketState := state.NewType[string]("TicketState")
	var (
		open   = ticketState.State("open", "Open")
		closed = ticketState.State("closed", "Closed", state.Final())
	)
	status := state.Bind(ticketState, "status", func(t *Ticket) *state.State[string] { return &t.Status })

	// The application's own actor type, and the unit of work its hooks
	// would read and write through (none here).
	type Agent struct{ Name string }
	type Unit struct{}
	tickets := transition.For[Agent, Unit](status).Identify(func(t *Ticket) any { return t.ID })

	type CloseInput struct {
		Note string `json:"note"`
	}
	closeTicket := transition.New[CloseInput](tickets, "close",
		transition.From(open).To(closed),
	).AllowAnyone().
		Effect("keep the note", func(_ context.Context, _ Unit, e *transition.Event[Ticket, string, Agent, CloseInput]) error {
			e.Model.Note = e.Input.Note
			return nil
		})

	t := &Ticket{ID: 42, Status: open}
	// In memory, on a fixed clock.
	mem := transition.Memory(Unit{}, func() time.Time { return time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) })
	ctx := context.Background()
	ev, err := closeTicket.FireEvent(ctx, mem, Agent{"ana"}, t, CloseInput{Note: "fixed in 1.2"})
	if err != nil {
		panic(err)
	}
	fmt.Println(ev)
	fmt.Println(t.Status, t.Note, ev.At.Format(time.Kitchen))

	err = closeTicket.Fire(ctx, mem, Agent{"ana"}, t, CloseInput{})
	fmt.Println(errors.Is(err, transition.ErrWrongState))
	// Output:
	// transition_test.Ticket 42: close Open -> Closed
	// Closed fixed in 1.2 9:00AM
	// true
}

// Listing what an actor can do to a project now, with every reason for
// what it cannot.
func ExampleMachine_Available() {
	p := &Project{ID: 7, Owner: "alice", Status: Draft, Review: Pending}
	avail, err := Projects.Available(context.Background(), MemOf(&DB{}), Bob, p)
	if err != nil {
		panic(err)
	}
	for _, a := range avail {
		if a.Available {
			fmt.Printf("%s: available\n", a.Name)
			continue
		}
		fmt.Printf("%s:\n", a.Name)
		for _, r := range a.Reasons {
			fmt.Printf("  - %s\n", r)
		}
	}
	// Output:
	// publish:
	//   - only owner or admin may Publish
	//   - needs review is Approved
	// withdraw:
	//   - status is Draft; Withdraw needs Published
	//   - only owner may Withdraw
	// delete:
	//   - only owner or admin may Delete
	// edit: available
}

// Running a transition from a JSON payload, as an HTTP handler would.
func ExampleTransition_FireJSON() {
	ctx := context.Background()
	p := &Project{ID: 7, Owner: "alice", Status: Published}

	_, err := Withdraw.FireJSON(ctx, Mem, Alice, p, []byte(`{"reason": 3, "urgent": true}`))
	var ie *transition.Error
	if errors.As(err, &ie) && errors.Is(err, transition.ErrInvalidInput) {
		for _, f := range ie.Fields {
			fmt.Printf("%s: %s\n", f.Field, f.Message)
		}
	}

	plan, err := Withdraw.FireJSON(ctx, Mem, Alice, p, []byte(`{"reason": "out of budget"}`))
	if err != nil {
		panic(err)
	}
	s := plan.Steps[0]
	fmt.Println(s.Transition, s.Moves[0].From.Title, "->", s.Moves[0].To.Title, "by", s.Actor, "because", p.Reason)
	// Output:
	// /reason: must be a string, not number
	// /urgent: is not a field of this input
	// withdraw Published -> Withdrawn by alice because out of budget
}

// Deleting a project deletes its tasks, and the actor must be allowed the
// whole chain before any of it runs.
func ExampleEach() {
	p := &Project{ID: 1, Owner: "alice", Status: Draft}
	tasks := []*Task{{ID: 10, Owner: "alice", Status: Open}, {ID: 11, Owner: "bob", Status: Open}}
	ctx := context.Background()
	mem := transition.Memory(&DB{Tasks: map[int64][]*Task{1: tasks}}, nil)

	err := Delete.Fire(ctx, mem, Alice, p, transition.NoInput{})
	fmt.Println(err)
	fmt.Println(p.Status, tasks[0].Status, tasks[1].Status)

	err = Delete.Fire(ctx, mem, Root, p, transition.NoInput{})
	fmt.Println(err)
	fmt.Println(p.Status, tasks[0].Status, tasks[1].Status)
	// Output:
	// transition: fixture.Project.status "delete" of fixture.Project 1 (Draft) by alice is blocked: fixture.Task 11 (delete): alice may not Delete: only task_owner or admin
	// Draft Open Open
	// <nil>
	// Deleted Deleted Deleted
}

// Planning a causal chain shows every step before any of it runs:
// deleting a project deletes its tasks, and the actor must be allowed
// every step of the chain.
func ExampleTransition_Plan() {
	db := &DB{Tasks: map[int64][]*Task{7: {
		{ID: 70, ProjectID: 7, Owner: "alice", Status: Open},
		{ID: 71, ProjectID: 7, Owner: "bob", Status: Done},
	}}}
	ctx, mem := ContextOf(db)
	p := &Project{ID: 7, Owner: "alice", Status: Draft}

	// Alice owns the project, but not task 71.
	_, err := Delete.Plan(ctx, mem, Alice, p, transition.NoInput{})
	fmt.Println(errors.Is(err, transition.ErrForbidden))

	plan, err := Delete.Plan(ctx, mem, Root, p, transition.NoInput{})
	if err != nil {
		panic(err)
	}
	fmt.Println(plan)
	fmt.Println(p.Status, "until the plan is applied")
	// Output:
	// true
	// fixture.Project.status 7: delete status Draft -> Deleted
	// fixture.Task.status 70: delete status Open -> Deleted
	// fixture.Task.status 71: delete status Done -> Deleted
	// Draft until the plan is applied
}
