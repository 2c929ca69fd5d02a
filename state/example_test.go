package state_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
)

// The examples use the declarations of the seed's ProjectState:
//
//	type ProjectStatus int
//
//	func (ProjectStatus) StateType() *state.Type[ProjectStatus] { return ProjectState }
//
//	var ProjectState = state.NewType[ProjectStatus]("ProjectState")
//
//	var (
//		Draft     = ProjectState.State(1, "Draft")
//		Published = ProjectState.State(2, "Published")
//		Withdrawn = ProjectState.State(3, "Withdrawn", state.Description("Taken down by its owner"))
//		Deleted   = ProjectState.State(4, "Deleted", state.Final())
//		Gone      = ProjectState.Group("gone", "Gone", Withdrawn.Or(Deleted))
//	)
//
//	type Project struct {
//		ID      int64
//		Status  state.State[ProjectStatus]
//		Review  state.Null[ReviewStatus]
//		StartAt time.Time
//	}
//
//	var Status = state.Bind(ProjectState, "status",
//		func(p *Project) *state.State[ProjectStatus] { return &p.Status })

func ExampleNewType() {
	type Priority string
	priority := state.NewType[Priority]("Priority")
	low := priority.State("low", "Low")
	high := priority.State("high", "High")
	urgent := priority.State("urgent", "Urgent")
	pressing := priority.Group("pressing", "Pressing", high.Or(urgent))

	for s := range priority.States() {
		fmt.Printf("%s (%q) pressing=%v\n", s, s.Get(), pressing.Contains(s))
	}
	_ = low
	// Output:
	// Low ("low") pressing=false
	// High ("high") pressing=true
	// Urgent ("urgent") pressing=true
}

func ExampleType_Group() {
	// Gone = ProjectState.Group("gone", "Gone", Withdrawn.Or(Deleted))
	fmt.Println(Gone.Name(), Gone.Title())
	for s := range Gone.States() {
		fmt.Println("-", s)
	}
	fmt.Println(Gone.Contains(Deleted), Gone.Contains(Draft))

	// An anonymous group is named and titled after its members; a state's
	// name is its text form.
	anon := Draft.Or(Gone)
	fmt.Println(anon.Name(), anon.Title())
	// Output:
	// gone Gone
	// - Withdrawn
	// - Deleted
	// true false
	// 1_or_gone Draft or Gone
}

func ExampleManager_Conditional() {
	// Future = Status.Conditional("future", "Future", Published,
	//	func(p *Project, now time.Time) bool { return p.StartAt.After(now) },
	// ).WithSQL(sqlexpr.Raw(`"start_at" > ?`, sqlexpr.Now()))
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) // one time, for Go and SQL
	p := &Project{Status: Published, StartAt: at.Add(24 * time.Hour)}
	fmt.Println("future:", Future.Match(p, at))

	p.StartAt = at.Add(-time.Hour)
	fmt.Println("future:", Future.Match(p, at))

	where, args, err := Future.Expr().At(at).Render(sqlexpr.Postgres)
	if err != nil {
		panic(err)
	}
	fmt.Println(where)
	fmt.Println(args[0], args[1].(time.Time).Format(time.DateOnly))
	// Output:
	// future: true
	// future: false
	// "status" = $1 AND ("start_at" > $2)
	// 2 2026-11-25
}

func ExampleManager_Group() {
	// Recallable is withdrawn, or published but not started yet:
	//
	// Recallable = Status.Group("recallable", "Recallable", Withdrawn, Future)
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, p := range []*Project{
		{ID: 1, Status: Withdrawn},
		{ID: 2, Status: Published, StartAt: at.Add(24 * time.Hour)},
		{ID: 3, Status: Published, StartAt: at.Add(-time.Hour)},
		{ID: 4, Status: Draft, StartAt: at.Add(24 * time.Hour)},
	} {
		fmt.Printf("%d %-9s recallable=%v\n", p.ID, p.Status, Recallable.Match(p, at))
	}

	// Its base is every state a member may hold; its members describe it.
	fmt.Println(Recallable.Base(), "|", Recallable.Members())

	where, args, err := Recallable.Expr().At(at).Render(sqlexpr.Postgres)
	if err != nil {
		panic(err)
	}
	fmt.Println(where, args[:2])
	// Output:
	// 1 Withdrawn recallable=true
	// 2 Published recallable=true
	// 3 Published recallable=false
	// 4 Draft     recallable=false
	// Withdrawn or Published | [Withdrawn Future]
	// "status" = $1 OR ("status" = $2 AND ("start_at" > $3)) [3 2]
}

func ExampleManager_Current() {
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	p := &Project{Status: Published, StartAt: at.Add(24 * time.Hour)}
	for _, s := range Status.Current(p, at) {
		fmt.Printf("%s (%s)\n", s.Name(), s.Title())
	}
	// Output:
	// 2 (Published)
	// visible (Visible)
	// future (Future)
	// recallable (Recallable)
}

func ExampleManager_Best() {
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, p := range []*Project{
		{Status: Published, StartAt: at.Add(24 * time.Hour)}, // Future
		{Status: Withdrawn, StartAt: at.AddDate(-1, 0, 0)},   // in Gone and Recallable, but no conditional state
		{}, // no state at all
	} {
		fmt.Println(Status.Best(p, at))
	}
	// Output:
	// Future
	// Withdrawn
	// <nil>
}

func ExampleGroup_Expr() {
	where, args, err := Gone.Expr("p.status").Render(sqlexpr.Postgres)
	fmt.Println(where, args, err)

	// Fragments satisfy the ToSql convention of query builders, with ?
	// placeholders.
	where, args, err = sqlexpr.And(Status.In(Visible).Expr(), Review.In(Approved).Expr()).ToSql()
	fmt.Println(where, args, err)
	// Output:
	// "p"."status" IN ($1, $2) [3 4] <nil>
	// "status" IN (?, ?) AND "review" = ? [1 2 approved] <nil>
}

func ExampleType_CheckConstraint() {
	check, err := ProjectState.CheckConstraint(sqlexpr.SQLite, "status")
	if err != nil {
		panic(err)
	}
	fmt.Println("CREATE TABLE projects (id INTEGER PRIMARY KEY, status INTEGER NOT NULL " + check + ")")

	enum, err := ReviewState.CreateEnumType("review_state")
	if err != nil {
		panic(err)
	}
	fmt.Println(enum)
	// Output:
	// CREATE TABLE projects (id INTEGER PRIMARY KEY, status INTEGER NOT NULL CHECK ("status" IN (1, 2, 3, 4)))
	// CREATE TYPE "review_state" AS ENUM ('requested', 'approved', 'rejected')
}

func ExampleType_MatchEnum() {
	// An existing enum, and a state type that forgot one of its values.
	type Color int
	const (
		Red Color = iota + 1
		Green
		Blue
	)
	colors := state.NewType[Color]("Colors")
	colors.State(Red, "Red")
	colors.State(Green, "Green")

	err := colors.MatchEnum(Red, Green, Blue)
	fmt.Println(err)
	// Output:
	// state: Colors does not match its enum: no state for enum values [3]
}

func ExampleState_Scan() {
	var p Project // Status holds no state yet; ProjectStatus names its Type.
	fmt.Println(p.Status.Scan(int64(2)), p.Status)

	err := p.Status.Scan(int64(9))
	fmt.Println(errors.Is(err, state.ErrUnknownValue), p.Status)
	fmt.Println(err)
	// Output:
	// <nil> Published
	// true Published
	// state: scan: ProjectState does not declare 9 (int64) (declared: 1 "Draft", 2 "Published", 3 "Withdrawn", 4 "Deleted")
}

func ExampleState_UnmarshalJSON() {
	var p Project
	err := json.Unmarshal([]byte(`{"Status": 3, "Review": null}`), &p)
	fmt.Println(p.Status, p.Review, err)

	err = json.Unmarshal([]byte(`{"Status": 7}`), &p)
	var typeErr *json.UnmarshalTypeError
	fmt.Println(errors.As(err, &typeErr), typeErr.Field, p.Status)
	// Output:
	// Withdrawn (null) <nil>
	// true Status Withdrawn
}

func ExampleNull() {
	var p Project
	fmt.Println(p.Review, p.Review.IsZero())

	// NULL is a legitimate value of a Null column.
	v, err := p.Review.Value()
	fmt.Println(v, err)

	p.Review = state.Null[ReviewStatus]{State: Requested}
	v, err = p.Review.Value()
	fmt.Println(p.Review, v, err)
	// Output:
	// (null) true
	// <nil> <nil>
	// Review requested requested <nil>
}
