// Package state declares typed states and puts them on a model's own fields
// and columns.
//
// A [Type] declares the states of one field, such as a project's status:
// each [State] has a value of type T (what the column stores) and a human
// title. States compose into titled [Group]s, and a [Manager], which binds
// a Type to a field of a model struct, declares [Conditional] states: a base
// state narrowed by a test on the model, such as "published and starting in
// the future".
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
