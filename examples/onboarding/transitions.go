package main

import (
	"context"
	"slices"

	"github.com/statecraft/statecraft/transition"
)

// User is whoever acts: a user working through their own onboarding, or
// an admin.
type User struct {
	ID    string // such as "u-102": the onboarding of the same id is theirs
	Name  string // what the history and the messages call them
	Admin bool
}

func (u User) String() string { return u.Name }

// Onboardings is the machine of an onboarding's status. It loads and
// saves the onboarding through its table (see repo.go), comparing and
// setting its version. A user's onboarding begins Invited, when their
// account is made (outside this example); the import gives the rows that
// already exist whatever state their file held.
var Onboardings = transition.For[User, *Repo](Status).Initial(Invited).
	Identify(func(o *Onboarding) any { return o.UserID }).
	Version(func(o *Onboarding) *int64 { return &o.Version }).
	Table(progressRows)

// OnboardingEvent is the event of a transition with input I.
type OnboardingEvent[I any] = transition.Event[Onboarding, OnboardingStatus, User, I]

// A user works through their own onboarding; an admin blocks, unblocks
// and offboards.
func isSelf(_ context.Context, u User, o *Onboarding) bool  { return u.ID == o.UserID }
func isAdmin(_ context.Context, u User, _ *Onboarding) bool { return u.Admin }

// The inputs. The json and jsonschema tags are the form (see
// registry.Available) and its rules (see registry.Fire).
type (
	StepInput struct {
		Step string `json:"step" jsonschema:"title=Checklist step,enum=profile,enum=team,enum=billing"`
	}
	BlockInput struct {
		Reason string `json:"reason" jsonschema:"minLength=1"`
	}
)

// Validate requires a step of the checklist, also when the transition is
// fired from Go, where no schema checks the input.
func (in StepInput) Validate() error {
	if !slices.Contains(Checklist, in.Step) {
		return transition.FieldError{Field: "/step", Code: "checklist", Message: "is not a step of the checklist"}
	}
	return nil
}

// Validate requires a reason.
func (in BlockInput) Validate() error {
	if in.Reason == "" {
		return transition.FieldError{Field: "/reason", Code: "required", Message: "is required"}
	}
	return nil
}

var (
	// Start is the user's first move: their onboarding is under way.
	Start = transition.New[transition.NoInput](Onboardings, "start",
		transition.From(Invited).To(InProgress),
	).Allow("self", isSelf)

	// CompleteStep ticks off a step of the checklist: an action that keeps
	// the onboarding In progress, each step once.
	CompleteStep = transition.New[StepInput](Onboardings, "complete_step",
		transition.From(InProgress).Stay(),
	).Titled("Complete a step").Allow("self", isSelf).
		Validate(func(_ context.Context, _ *Repo, o *Onboarding, in StepInput) error {
			if slices.Contains(o.Done(), in.Step) {
				return transition.FieldError{Field: "/step", Code: "done", Message: "is done already"}
			}
			return nil
		}).
		Effect("tick the step off", func(_ context.Context, _ *Repo, e *OnboardingEvent[StepInput]) error {
			e.Model.Steps = steps(append(e.Model.Done(), e.Input.Step))
			return nil
		})

	// Complete ends the onboarding, once every step is done: it starts
	// from the conditional state Ready, not from In progress.
	Complete = transition.New[transition.NoInput](Onboardings, "complete",
		transition.From(Ready).To(Completed),
	).Allow("self", isSelf)

	// Block holds an onboarding until an admin sees to something, such as
	// billing; Unblock lets the user carry on where they stopped.
	Block = transition.New[BlockInput](Onboardings, "block",
		transition.From(InProgress).To(Blocked),
	).Allow("admin", isAdmin).
		Effect("say why", func(_ context.Context, _ *Repo, e *OnboardingEvent[BlockInput]) error {
			e.Model.Reason = e.Input.Reason
			return nil
		})
	Unblock = transition.New[transition.NoInput](Onboardings, "unblock",
		transition.From(Blocked).To(InProgress),
	).Allow("admin", isAdmin).
		Effect("clear the reason", func(_ context.Context, _ *Repo, e *OnboardingEvent[transition.NoInput]) error {
			e.Model.Reason = ""
			return nil
		})

	// Offboard closes the onboarding of a user who leaves, from any state
	// but Offboarded: nothing of it changes after.
	Offboard = transition.New[transition.NoInput](Onboardings, "offboard",
		transition.From(OnboardingState.Except(Offboarded)).To(Offboarded),
	).Allow("admin", isAdmin)
)
