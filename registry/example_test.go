package registry_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/registry"
	"github.com/statecraft/statecraft/transition"
)

func ExampleNew() {
	// Ballots' "count" has two targets and no Choose function, and no
	// one may run its "cancel".
	_, err := registry.New[User, *DB](nil, Ballots)
	var ce *registry.DefinitionError
	if errors.As(err, &ce) {
		for _, p := range ce.Problems {
			fmt.Printf("%s %s: %s\n", p.Transition, p.Kind, p.Message)
		}
	}
	// Output:
	// count incomplete: the rule from Voting has 2 targets (Passed, Failed) and the transition no Choose function
	// cancel incomplete: no actor may run it: it has neither Allow nor AllowAnyone
}

func ExampleRegistry_Available() {
	reg, err := registry.New[User, *DB](nil, Projects, Reviews, Tasks)
	if err != nil {
		log.Fatal(err)
	}
	p := &Project{ID: 7, Owner: "alice", Status: Draft, Review: Approved}

	// What bob sees: the buttons of both of the project's machines, and
	// why most are disabled.
	avs, err := reg.Available(context.Background(), MemOf(nil), Bob, p)
	if err != nil {
		log.Fatal(err)
	}
	for _, av := range avs {
		if av.Available {
			fmt.Printf("%s: available\n", av.Title)
			continue
		}
		var why []string
		for _, r := range av.Reasons {
			why = append(why, r.Message())
		}
		fmt.Printf("%s: %s\n", av.Title, strings.Join(why, "; "))
	}
	// Output:
	// Publish: only owner or admin may Publish
	// Withdraw: status is Draft; Withdraw needs Published; only owner may Withdraw
	// Delete: only owner or admin may Delete
	// Edit: available
	// Decide: review is Approved; Decide needs Pending; only admin may Decide
}

func ExampleRegistry_Fire() {
	reg, err := registry.New[User, *DB](nil, Projects, Reviews, Tasks)
	if err != nil {
		log.Fatal(err)
	}
	ctx, mem := context.Background(), transition.Memory(&DB{}, Clock)
	p := &Project{ID: 7, Owner: "alice", Status: Draft, Review: Approved}

	// What the handler of POST /projects/7/transitions/publish does with
	// the request's body.
	plan, err := reg.Fire(ctx, mem, Alice, p, "publish", []byte(`{"start_at": "2026-12-01T09:00:00Z"}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(plan)
	fmt.Println("starts", p.StartAt.Format("2006-01-02 15:04"))

	// A name the project's machines do not have.
	_, err = reg.Fire(ctx, mem, Alice, p, "archive", nil)
	fmt.Println(errors.Is(err, transition.ErrNotFound))
	fmt.Println(err)

	// A payload that does not fit the input.
	_, err = reg.Fire(ctx, mem, Alice, p, "withdraw", []byte(`{"reason": true}`))
	var ie *transition.Error
	if errors.As(err, &ie) && errors.Is(err, transition.ErrInvalidInput) {
		fmt.Println(ie.Fields)
	}
	// Output:
	// fixture.Project.status 7: publish status Draft -> Published
	// starts 2026-12-01 09:00
	// true
	// registry: *fixture.Project has no transition "archive"; its transitions are "publish", "withdraw", "delete", "edit", "decide"
	// [/reason: must be a string, not boolean]
}

func ExampleRegistry_Mermaid() {
	reg, err := registry.New[User, *DB](nil, Tasks)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(reg.Mermaid())
	// Output:
	// ---
	// title: "fixture.Task.status"
	// ---
	// stateDiagram-v2
	//     state "Open" as s0
	//     state "Done" as s1
	//     state "Deleted" as s2
	//     [*] --> s0
	//     s0 --> s2 : Delete (task_owner or admin)
	//     s1 --> s2 : Delete (task_owner or admin)
	//     s0 --> s1 : Finish (anyone)
	//     s2 --> [*]
	//     note right of s0 : Live = Open, Done
}

func ExampleRegistry_DOT() {
	reg, err := registry.New[User, *DB](nil, Reviews)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(reg.DOT())
	// Output:
	// digraph "machines" {
	// 	rankdir=LR;
	// 	node [shape=box, style=rounded];
	// 	subgraph "cluster_0" {
	// 		label="fixture.Project.review (ReviewState)";
	// 		labelloc=t;
	// 		"m0_start" [shape=point, label=""];
	// 		"m0_s0" [label="Pending"];
	// 		"m0_s1" [label="Approved", peripheries=2];
	// 		"m0_s2" [label="Rejected", peripheries=2];
	// 		"m0_start" -> "m0_s0";
	// 		"m0_s0" -> "m0_s1" [label="Decide\n(admin)"];
	// 		"m0_s0" -> "m0_s2" [label="Decide\n(admin)"];
	// 	}
	// }
}
