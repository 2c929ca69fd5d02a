package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/statecraft/statecraft/transition"
)

// A Problem is the body of every error response: an RFC 9457 problem
// details object, sent as application/problem+json. Its Type is always
// "about:blank", so its Title is the status's text; Code tells the
// problems apart for programs, and Detail says what happened in words a
// person can read (for a refusal, its reasons' messages; for invalid
// input, each field's problem).
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Code is the kind of problem, such as "forbidden" or "invalid_input"
	// (see the package documentation for the list).
	Code string `json:"code"`
	// Reasons are every reason a transition was refused, each with the
	// code of the check that refused it (see transition.Reason), for a
	// refusal.
	Reasons []transition.Reason `json:"reasons,omitempty"`
	// Errors are the problems with the input, each with its field's JSON
	// Pointer and a code (see transition.FieldError), for invalid input.
	Errors []transition.FieldError `json:"errors,omitempty"`
}

// The codes of problems.
const (
	codeUnauthenticated  = "unauthenticated"
	codeNotFound         = "not_found"
	codeMethod           = "method_not_allowed"
	codeMediaType        = "unsupported_media_type"
	codeTooLarge         = "body_too_large"
	codeBadRequest       = "bad_request"
	codeForbidden        = "forbidden"
	codeWrongState       = "wrong_state"
	codeUnmet            = "unmet"
	codeConflict         = "conflict"
	codeInFlight         = "in_flight"
	codeKeyReused        = "idempotency_key_reused"
	codeNotConfirmed     = "plan_changed"
	codeInvalidInput     = "invalid_input"
	codeCanceled         = "canceled"
	codeInternal         = "internal"
	problemContentType   = "application/problem+json"
	internalDetail       = "the server failed to run the request; it logged why"
	notFoundObjectDetail = "no such object"
)

// problem returns the Problem of status and code.
func problem(status int, code, detail string) *Problem {
	detail = strings.TrimPrefix(detail, "transition: ")
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Code: code, Detail: detail}
}

// write sends p.
func (p *Problem) write(w http.ResponseWriter) {
	body, err := json.Marshal(p)
	if err != nil { // a Reason or a FieldError that cannot be marshaled: cannot happen
		body = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500,"code":"internal"}`)
		p.Status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", problemContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	w.Write(append(body, '\n'))
}

// errorProblem returns the Problem of an error from the registry: a
// refusal, invalid input, a conflict, or a failure. confirmed says the
// request confirmed a plan (If-Match), so a conflict means the plan
// changed. It returns nil for an error that is the server's own, which
// the caller logs.
func errorProblem(err error, confirmed bool) *Problem {
	var te *transition.Error
	var ce *transition.ConflictError
	switch {
	case errors.Is(err, transition.ErrNotFound):
		return problem(http.StatusNotFound, codeNotFound, "no such transition")
	case errors.As(err, &ce) && confirmed:
		return problem(http.StatusPreconditionFailed, codeNotConfirmed, "the plan changed since it was confirmed: "+ce.Error())
	case errors.As(err, &ce):
		return problem(http.StatusConflict, codeConflict, ce.Error())
	case errors.Is(err, transition.ErrIdempotency):
		return problem(http.StatusUnprocessableEntity, codeKeyReused, err.Error())
	case !errors.As(err, &te):
		return nil
	case errors.Is(te, transition.ErrBlocked):
		// Permission first: a refusal with any forbidden reason is 403,
		// whatever else refused it; then the state, then the conditions.
		status, code := http.StatusConflict, codeUnmet
		switch {
		case errors.Is(te, transition.ErrForbidden):
			status, code = http.StatusForbidden, codeForbidden
		case errors.Is(te, transition.ErrWrongState):
			code = codeWrongState
		}
		words := make([]string, len(te.Reasons))
		for i, r := range te.Reasons {
			words[i] = r.Message()
			if r.Object != "" {
				words[i] += " (" + r.Object + ")"
			}
		}
		p := problem(status, code, strings.Join(words, "; "))
		p.Reasons = te.Reasons
		return p
	case errors.Is(te, transition.ErrInvalidInput):
		words := make([]string, len(te.Fields))
		for i, f := range te.Fields {
			words[i] = f.Error()
		}
		p := problem(http.StatusUnprocessableEntity, codeInvalidInput, "invalid input: "+strings.Join(words, "; "))
		p.Errors = te.Fields
		return p
	case errors.Is(te, transition.ErrCanceled):
		return problem(http.StatusConflict, codeCanceled, te.Error())
	}
	return nil
}
