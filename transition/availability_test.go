package transition_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
)

// TestAvailabilityTable: state x transition x actor -> available, or every
// reason it is not.
func TestAvailabilityTable(t *testing.T) {
	wrong := func(msg string) ReasonText {
		return ReasonText{Err: transition.ErrWrongState, Code: "wrong_state.status", Message: msg}
	}
	forbidden := func(who, title, code, only string) ReasonText { // an availability's reasons do not name who asked
		return ReasonText{Err: transition.ErrForbidden, Code: code, Message: "only " + only + " may " + title}
	}
	needsReview := ReasonText{Err: transition.ErrUnmet, Code: "unmet.review_approved", Message: "needs review is Approved"}
	// The declarations each code comes from (see Reason.Of).
	decls := map[string][]any{
		"wrong_state.status":       {Status},
		"forbidden.owner":          {"owner"},
		"forbidden.owner_or_admin": {"owner", "admin"},
		"unmet.review_approved":    {Review.In(Approved)},
	}
	// Every transition of Projects, as the test drives them.
	type action interface {
		Can(ctx context.Context, sc transition.Scope[*DB], actor User, model *Project) bool
		Check(ctx context.Context, sc transition.Scope[*DB], actor User, model *Project) error
		Availability(ctx context.Context, sc transition.Scope[*DB], actor User, model *Project) (transition.Availability, error)
	}
	actions := map[string]action{"publish": Publish, "withdraw": Withdraw, "delete": Delete, "edit": Edit}
	require.ElementsMatch(t, Projects.Names(), slices.Collect(maps.Keys(actions)))

	type key struct {
		state      state.State[ProjectStatus]
		review     state.State[ReviewStatus]
		transition string
		actor      User
	}
	cases := []struct {
		key
		want []ReasonText // nil: available
	}{
		{key{Draft, Approved, "publish", Alice}, nil},
		{key{Draft, Approved, "publish", Root}, nil},
		{key{Draft, Approved, "publish", Bob}, []ReasonText{forbidden("bob", "Publish", "forbidden.owner_or_admin", "owner or admin")}},
		{key{Draft, Pending, "publish", Alice}, []ReasonText{needsReview}},
		{key{Draft, Pending, "publish", Bob}, []ReasonText{forbidden("bob", "Publish", "forbidden.owner_or_admin", "owner or admin"), needsReview}},
		{key{Published, Pending, "publish", Bob}, []ReasonText{
			wrong("status is Published; Publish needs Draft or Withdrawn"),
			forbidden("bob", "Publish", "forbidden.owner_or_admin", "owner or admin"),
			needsReview,
		}},
		{key{Withdrawn, Approved, "publish", Alice}, nil},
		{key{Deleted, Approved, "publish", Root}, []ReasonText{wrong("status is Deleted; Publish needs Draft or Withdrawn")}},

		{key{Published, Pending, "withdraw", Alice}, nil},
		{key{Published, Pending, "withdraw", Root}, []ReasonText{forbidden("root", "Withdraw", "forbidden.owner", "owner")}},
		{key{Draft, Pending, "withdraw", Alice}, []ReasonText{wrong("status is Draft; Withdraw needs Published")}},

		{key{Draft, Pending, "delete", Alice}, nil},
		{key{Withdrawn, Pending, "delete", Root}, nil},
		{key{Published, Pending, "delete", Alice}, []ReasonText{wrong("status is Published; Delete needs Draft or Withdrawn")}},
		{key{Draft, Pending, "delete", Bob}, []ReasonText{forbidden("bob", "Delete", "forbidden.owner_or_admin", "owner or admin")}},

		{key{Draft, Pending, "edit", Bob}, nil},
		{key{Published, Pending, "edit", Bob}, []ReasonText{wrong("status is Published; Edit needs Draft")}},
	}
	ctx, mem := ContextOf(&DB{})
	for _, c := range cases {
		name := fmt.Sprintf("%s/%s/%s/%s", c.state, c.review, c.transition, c.actor)
		t.Run(name, func(t *testing.T) {
			p := &Project{ID: 1, Owner: "alice", Status: c.state, Review: c.review}
			a, ok := actions[c.transition]
			require.True(t, ok)

			av, err := a.Availability(ctx, mem, c.actor, p)
			require.NoError(t, err)
			if diff := cmp.Diff(c.want, ReasonsOf(av.Reasons), cmpErrors); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
			for _, r := range av.Reasons {
				require.Contains(t, decls, r.Code)
				for _, d := range decls[r.Code] {
					assert.True(t, r.Of(d), "%#v of %v", r, d)
				}
				assert.False(t, r.Of("nobody"), "%#v", r)
				assert.False(t, r.Of(Review), "%#v", r)
			}
			require.Equal(t, c.want == nil, av.Available)
			require.Equal(t, c.want == nil, a.Can(ctx, mem, c.actor, p), "Can agrees with Availability")
			err = a.Check(ctx, mem, c.actor, p)
			if c.want == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, transition.ErrBlocked)
				for _, r := range c.want {
					require.ErrorIs(t, err, r.Err)
				}
			}
		})
	}
}

// TestMachineAvailable lists every transition of a machine, for a UI to
// draw its buttons and forms.
func TestMachineAvailable(t *testing.T) {
	p := &Project{ID: 1, Owner: "alice", Status: Published, Review: Approved}
	got, err := Projects.Available(context.Background(), MemOf(&DB{}), Alice, p)
	require.NoError(t, err)

	type row struct {
		Name       string
		Available  bool
		Targets    []string
		Stays      bool
		NeedsInput bool
		Required   []string
		Input      string
		Reasons    int
	}
	var rows []row
	run := openRunner(t, Projects)
	for _, av := range got {
		r := row{Name: av.Name, Available: av.Available, Stays: av.Stays, NeedsInput: av.NeedsInput, Required: av.Required, Reasons: len(av.Reasons)}
		for _, s := range av.Targets {
			r.Targets = append(r.Targets, s.Title)
		}
		if in := run.Input(av.Name); in != nil {
			r.Input = in.String()
		}
		rows = append(rows, r)
	}
	assert.Equal(t, []transition.StateRef{{Value: Withdrawn.Get(), Title: "Withdrawn"}}, got[1].Targets, "targets by value and title")
	want := []row{
		{Name: "publish", NeedsInput: true, Input: "fixture.PublishInput", Reasons: 1},
		{Name: "withdraw", Available: true, Targets: []string{"Withdrawn"}, NeedsInput: true, Required: []string{"reason"}, Input: "fixture.WithdrawInput"},
		{Name: "delete", Reasons: 1}, // in source order, though it is initialised after edit (it cascades)
		{Name: "edit", Reasons: 1},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("availability (-want +got):\n%s", diff)
	}
}
