// Package state declares typed states and puts them on a model's own fields
// and columns.
//
// A [Type] declares the states of one field, such as a project's status:
// each [State] has a value of type T (what the column stores) and a human
// title. States compose into [Group]s, and a [Manager], which binds a Type
// to a field of a model struct, declares [Conditional] states: a base state
// narrowed by a test on the model, such as Future, "published and starting
// in the future"; and conditional groups, unions of states, groups and
// conditional states, such as Recallable, "withdrawn, or future":
//
//	Gone       = ProjectState.Group("gone", "Gone", Withdrawn.Or(Deleted))
//	Future     = Status.Conditional("future", "Future", Published, startsAfterNow)
//	Recallable = Status.Group("recallable", "Recallable", Withdrawn, Future)
//
// Groups and conditional states are declared with a name, an identifier for
// codes that outlive a reworded title, and a title for people; a state is
// named by its value's text form. States, groups and conditional states are
// all [Source]s, what a transition may start from. Which of them a model is
// in now, the Manager says: Current lists them all, Best picks the most
// specific.
//
// Every state, group and conditional also renders a parameterised SQL
// predicate (package [github.com/statecraft/statecraft/state/sqlexpr]), so
// the same definition answers "is this project gone?" in Go and "which
// projects are gone?" in SQL.
//
// The model's field is a State itself. It scans from and writes to SQL,
// marshals to and from JSON and text, and rejects values its Type does not
// declare; [Null] is the field for a column that may be NULL.
//
// Membership tests, state lookups and scanning a known value allocate
// nothing.
package state
