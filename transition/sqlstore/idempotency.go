package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/statecraft/statecraft/internal/claim"
	"github.com/statecraft/statecraft/transition"
)

// Key returns a Store whose units of work run under the idempotency key
// key, given by the client of a request (an Idempotency-Key header), so
// that a request it repeats applies once:
//
//	err := Publish.Fire(ctx, store.Key(r.Header.Get("Idempotency-Key")), user, p, in)
//
// The key is claimed first in the transaction, unique per actor: a repeat
// of a request that committed applies nothing and returns the first
// outcome (the event or plan is marked Replayed); a repeat that arrives
// while the first is in flight waits for it; the same key with another
// transition, object or input is refused with transition.ErrIdempotency.
// A request that fails leaves no key behind. The history rows of the
// request carry the key. An empty key is no key: the Store itself.
func (s *Store[U]) Key(key string) transition.Store[U] {
	if key == "" {
		return s
	}
	return &keyed[U]{s, key}
}

// keyed is a Store under an idempotency key.
type keyed[U any] struct {
	s   *Store[U]
	key string
}

func (k *keyed[U]) Begin(ctx context.Context) (transition.Tx[U], error) {
	t, err := k.s.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	t.key = k.key
	return &keyedTx[U]{t}, nil
}

// Retry retries conflicts as the Store does.
func (k *keyed[U]) Retry(ctx context.Context, attempt int, err error) bool {
	return k.s.Retry(ctx, attempt, err)
}

// keyedTx is a unit of work under an idempotency key: a
// transition.Claimer.
type keyedTx[U any] struct{ *txn[U] }

// Claim claims the key for r, or returns the steps of the request that
// claimed it first (see transition.Claimer).
func (t *keyedTx[U]) Claim(ctx context.Context, r transition.Request) ([]transition.Step, error) {
	request := claim.Request(r)
	t.actor = r.Actor
	b := &stmt{d: t.s.d}
	b.s.WriteString(`INSERT INTO ` + t.s.keys + ` (actor, idempotency_key, request, at) VALUES (`)
	b.arg(r.Actor)
	b.s.WriteString(", ")
	b.arg(t.key)
	b.s.WriteString(", ")
	b.arg(request)
	b.s.WriteString(", ")
	b.arg(t.s.timeArg(t.now))
	b.s.WriteString(`) ON CONFLICT (actor, idempotency_key) DO NOTHING RETURNING actor`)
	var got string
	err := t.q.QueryRowContext(ctx, b.s.String(), b.args...).Scan(&got)
	if err == nil {
		return nil, nil // claimed
	}
	if err != sql.ErrNoRows {
		return nil, fmt.Errorf("sqlstore: claiming idempotency key %q: %w", t.key, classify(err))
	}
	// Used, and committed (a claim in flight was waited for).
	b = &stmt{d: t.s.d}
	b.s.WriteString(`SELECT request, outcome FROM ` + t.s.keys + ` WHERE actor = `)
	b.arg(r.Actor)
	b.s.WriteString(` AND idempotency_key = `)
	b.arg(t.key)
	var first string
	var outcome sql.NullString
	if err := t.q.QueryRowContext(ctx, b.s.String(), b.args...).Scan(&first, &outcome); err != nil {
		return nil, fmt.Errorf("sqlstore: reading idempotency key %q: %w", t.key, classify(err))
	}
	if first != request {
		return nil, claim.Refused(t.key, r.Actor, first, request)
	}
	replay, err := claim.Decode([]byte(outcome.String))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: the outcome of idempotency key %q: %w", t.key, err)
	}
	return replay, nil
}

// recordOutcome stores the steps applied under the unit of work's key.
func (t *txn[U]) recordOutcome(ctx context.Context, steps []transition.Step) error {
	out, err := claim.Encode(steps)
	if err != nil {
		return fmt.Errorf("sqlstore: the outcome of idempotency key %q: %w", t.key, err)
	}
	b := &stmt{d: t.s.d}
	b.s.WriteString(`UPDATE ` + t.s.keys + ` SET outcome = `)
	b.arg(string(out))
	b.s.WriteString(` WHERE actor = `)
	b.arg(t.actor)
	b.s.WriteString(` AND idempotency_key = `)
	b.arg(t.key)
	_, err = t.q.ExecContext(ctx, b.s.String(), b.args...)
	return classify(err)
}
