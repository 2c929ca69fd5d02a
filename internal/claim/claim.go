// Package claim holds what every store that takes idempotency keys (see
// transition.Claimer) must do alike: tell a repeated request from another
// one, refuse the other, and keep the outcome of the first as the
// database keeps it.
package claim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/statecraft/statecraft/transition"
)

// Request is the text a store keeps with a key to recognise the request
// that claimed it: the machine, transition and object, and a hash of the
// input.
func Request(r transition.Request) string {
	h := sha256.Sum256(r.Input)
	return fmt.Sprintf("%s %s %v input sha256:%s", r.Machine, r.Transition, r.Object, hex.EncodeToString(h[:12]))
}

// Refused is the error for a request that reuses key, which actor's request
// first used for another request.
func Refused(key, actor, first, request string) error {
	return fmt.Errorf("%w: key %q of %s was used for %s, not %s", transition.ErrIdempotency, key, actor, first, request)
}

// Encode is the outcome of a request, the steps it applied, as a store
// keeps it.
func Encode(steps []transition.Step) ([]byte, error) { return json.Marshal(steps) }

// Decode reads an outcome back: numbers stay json.Numbers, as they were
// written.
func Decode(b []byte) ([]transition.Step, error) {
	replay := []transition.Step{}
	if len(b) == 0 {
		return replay, nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&replay); err != nil {
		return nil, err
	}
	return replay, nil
}
