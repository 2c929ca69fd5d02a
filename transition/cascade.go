package transition

import (
	"context"
	"fmt"

	"github.com/statecraft/statecraft/internal/callsite"
	"github.com/statecraft/statecraft/internal/graph"
)

// A Cascade is a causal chain from a transition of model M to transitions
// of related objects. Make one with [Each].
type Cascade[M, A, U any] interface {
	info() graph.Cascade
	plan(c *chain[A, U], parent *M, cause *Step, causeIdx, depth int, by string) error
}

// Each returns the cascade that runs transition t, with zero input, on
// each object load returns for the model, loaded through the unit of
// work:
//
//	Delete.Cascade(transition.Each("tasks", loadTasks, DeleteTask))
//
// A related object already in one of t's targets, from a state t has no
// rule for, is skipped (a task that is already deleted). Any other object
// t is not available to blocks the whole chain. t runs with the same actor,
// who must be allowed every step.
func Each[M any, R any, RT comparable, A, U any, RI any](name string, load func(ctx context.Context, u U, model *M) ([]*R, error), t *Transition[R, RT, A, U, RI]) Cascade[M, A, U] {
	if name == "" || load == nil || t == nil {
		panic(&DeclarationError{At: callsite.Pos(0), Msg: "Each needs a name, a load function and a transition"})
	}
	return &each[M, R, RT, A, U, RI]{name: name, load: load, t: t}
}

type each[M any, R any, RT comparable, A, U any, RI any] struct {
	name string
	load func(context.Context, U, *M) ([]*R, error)
	t    *Transition[R, RT, A, U, RI]
}

func (e *each[M, R, RT, A, U, RI]) info() graph.Cascade {
	return graph.Cascade{Name: e.name, Machine: e.t.m.name, Transition: e.t.name, Target: e.t.m}
}

// plan loads the related objects and plans e.t on each. by names the
// step that cascades, for errors.
func (e *each[M, R, RT, A, U, RI]) plan(c *chain[A, U], parent *M, cause *Step, causeIdx, depth int, by string) error {
	var rs []*R
	err := guard(func() (err error) { rs, err = e.load(c.ctx, c.u, parent); return err })
	if err != nil {
		return &Error{Step: "load " + e.name, Err: err, kind: ErrStep, src: names{object: by, actor: actorName(c.actor)}}
	}
	var zero RI
	for _, r := range rs {
		if r == nil {
			return &Error{Step: "load " + e.name, Err: fmt.Errorf("it returned a nil *%s", e.t.m.modelName()),
				kind: ErrStep, src: names{object: by, actor: actorName(c.actor)}}
		}
		if err := planStep(c, e.t, r, zero, cause, causeIdx, depth, false); err != nil {
			return err
		}
	}
	return nil
}
