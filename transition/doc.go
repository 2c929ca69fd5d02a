// Package transition declares the transitions of a state machine: the moves
// of one state field of a model (a [state.Manager]) from some states to
// others, each its own value rather than a method on the model, and runs
// them in units of work of a [Store].
//
// A transition chains stages, each kept as data that can be listed, checked
// and drawn, and always run in this order:
//
//   - pre-validation: the rules say from which states it is available (and
//     to which state it moves; Also moves other state fields of the model
//     too); Allow says which actors may run it; When requires conditions on
//     the model (another state field, a conditional state tested at the
//     unit of work's time); WhenRelated requires conditions on related
//     models, loaded through the unit of work;
//   - requirements: the input type I says what the actor must supply; a
//     JSON payload is decoded into it strictly;
//   - validation: I's own Validate method and the transition's Validate
//     functions, with field-level errors a form can show;
//   - causal chains: Cascade applies transitions to related objects
//     (deleting a project deletes its tasks). The whole chain is planned,
//     checked and validated before any of it runs (see Plan);
//   - execution, for each step, parents first: Before hooks, Effects, the
//     states set, After hooks; then every object is saved once, the history
//     appended, the unit of work committed, and AfterCommit hooks run. If
//     anything fails or panics, the unit of work is rolled back, every model
//     is restored and OnFailure hooks receive the error. A hook may Abort
//     (nothing changes, no error) or Cancel with a reason.
//
// Transitions are declared on a [Machine], which binds a state.Manager to
// the application's actor type and its unit of work type:
//
//	var Projects = transition.For[User, *Repo](Status) // Status is a *state.Manager[Project, ProjectStatus]
//
//	var Publish = transition.New[PublishInput](Projects, "publish",
//		transition.From(Draft).To(Published),
//	).Allow("editors", isEditor).When(Review.In(Approved))
//
//	err := Publish.Fire(ctx, store, user, &project, PublishInput{StartAt: start})
//
// A Store begins units of work (Tx) and one Table per model loads and saves
// its objects with a compare-and-set; Memory is the in-memory Store, so
// transitions can be unit-tested in isolation, on a fixed clock. Package
// registry holds the machines of an application, lists what an actor can
// do, checks the definitions and draws them.
//
// A refused or failed transition returns an *Error, whose kind errors.Is
// tells apart (ErrBlocked, ErrInvalidInput, ErrStep, ...): a blocked one
// lists every Reason, each with a stable Code ("wrong_state.status",
// "forbidden.editor", "unmet.signed", ...) derived from names, never
// titles; invalid input lists every FieldError, keyed by JSON Pointer,
// with a code. A Step is a transition applied to one object as plain
// values: the steps of a Plan, the history a Store appends and what a
// machine's After hooks receive. Errors, reasons, availability, steps and
// plans all have a JSON form with stable snake_case keys.
//
// Like the state package, the declaring functions panic with a
// *DeclarationError on a mistake, so a broken declaration stops the program
// at start-up; running a transition returns errors.
package transition
