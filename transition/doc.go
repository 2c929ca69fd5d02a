// Package transition declares the transitions of a state machine: the moves
// of one state field of a model (a [state.Manager]) from some states to
// others, each its own value rather than a method on the model.
//
// A transition chains stages, each kept as data that can be listed, checked
// and drawn:
//
//   - pre-validation: the rules say from which states it is available (and
//     to which state it moves); Allow says which actors may run it; When
//     requires conditions on the model (another state field, a conditional
//     state); WhenRelated requires conditions on related models (the parent
//     must be published);
//   - requirements: the input type I says what the actor must supply; a
//     JSON payload is decoded into it strictly;
//   - validation: I's own Validate method and the transition's Validate
//     functions, with field-level errors a form can show;
//   - execution: Effects change the model alongside the state, then the
//     state is set; if any step fails or panics the model is restored;
//   - causal chains: Cascade applies transitions to related objects (deleting
//     a project deletes its tasks). The whole chain is planned and
//     pre-validated before any step runs, and undone if a step fails.
//
// Transitions are declared on a [Machine], which binds a state.Manager to
// the application's actor type:
//
//	var Projects = transition.For[User](Status) // Status is a *state.Manager[Project, ProjectStatus]
//
//	var Publish = transition.New[PublishInput](Projects, "publish",
//		transition.From(Draft).To(Published),
//	).Allow("editors", isEditor).When(Review.In(Approved))
//
//	ev, err := Publish.Fire(ctx, user, &project, PublishInput{StartAt: start})
//
// Everything here works in memory, without a database, so transitions can
// be unit-tested in isolation. Package registry holds the machines of an
// application, lists what an actor can do, checks the definitions and draws
// them.
//
// Like the state package, the declaring functions panic with a
// *DeclarationError on a mistake, so a broken declaration stops the program
// at start-up; running a transition returns errors.
package transition
