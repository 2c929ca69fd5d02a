package registry_test

import (
	"encoding/json"
	"reflect"
	"testing"

	. "github.com/statecraft/statecraft/internal/fixture"
	"github.com/statecraft/statecraft/registry"
	"github.com/statecraft/statecraft/transition"
)

// BenchmarkRegistryAvailable lists the five transitions of a project's two
// machines, one of them planning a cascade over the project's tasks.
func BenchmarkRegistryAvailable(b *testing.B) {
	reg := newRegistry(b)
	ctx, mem := ContextOf(fixtureStore())
	p := &Project{ID: 7, Owner: "alice", Status: Draft, Review: Approved}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Available(ctx, mem, Alice, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRegistryAvailableSchemas is BenchmarkRegistryAvailable with
// cached schemas filled in.
func BenchmarkRegistryAvailableSchemas(b *testing.B) {
	reg, err := registry.New[User, *DB](&registry.Options{Schemas: func(reflect.Type) (json.RawMessage, func([]byte) []transition.FieldError, error) {
		return json.RawMessage(`{}`), nil, nil
	}}, Projects, Reviews, Tasks)
	if err != nil {
		b.Fatal(err)
	}
	ctx, mem := ContextOf(fixtureStore())
	p := &Project{ID: 7, Owner: "alice", Status: Draft, Review: Approved}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Available(ctx, mem, Alice, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRegistryAvailableTask: a machine without cascades or related
// conditions.
func BenchmarkRegistryAvailableTask(b *testing.B) {
	reg := newRegistry(b)
	ctx, mem := ContextOf(nil)
	task := &Task{ID: 1, Owner: "alice", Status: Open}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Available(ctx, mem, Alice, task); err != nil {
			b.Fatal(err)
		}
	}
}
