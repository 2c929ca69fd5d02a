// Package httpapi serves an application's transitions over HTTP: what an
// actor can do to an object and why not the rest, running a transition by
// name with a JSON body, an object's timeline, and the history feed. It
// uses only the standard library; the application keeps authentication,
// and says how to find a request's actor, how to load an object and who
// may see it.
//
//	api, err := httpapi.New(httpapi.Config[User, *Repo]{
//		Registry: reg,
//		Store:    store, // a *sqlstore.Store[*Repo]
//		Actor:    func(r *http.Request) (User, error) { return sessionUser(r) },
//		Models:   []httpapi.Model[User, *Repo]{httpapi.NewModel("cases", loadCase, mayRead)},
//	})
//	http.Handle("/api/", http.StripPrefix("/api", api))
//
// # Endpoints
//
// For each model registered under a name, such as "cases":
//
//	GET  /cases/{id}/transitions          every transition, available or not, with its reasons, input schema, and plan
//	POST /cases/{id}/transitions/{name}   run the transition, the JSON body as its input
//	GET  /cases/{id}/history              the object's timeline (?after=ID&limit=N)
//	GET  /feed                            the history of every object (?after=ID&limit=N), for actors Config.Feed allows
//
// Bodies are JSON; their shapes are TransitionList, Applied, History and
// Problem. The actor comes from Config.Actor, never from the request.
//
// The transitions listed are those of transition.Availability, one for
// each transition of the model's machines. For an available transition
// that takes no input and cascades to other objects (a chain), the list
// also gives its Plan: the steps a person confirms (at most
// Config.MaxSteps of them) and the plan's digest. A POST that sends that
// digest in an If-Match header applies the transition only if it would
// still do exactly that (see registry.Registry.FireConfirmed); otherwise
// it is refused with 412 and nothing changes.
//
// # Running a transition
//
// A POST must send Content-Type application/json (or a +json type), which
// also keeps HTML forms of other sites from posting. Its body, at most
// Config.MaxBody bytes, is the transition's input, decoded strictly: an
// empty body is an empty input. A POST may send an Idempotency-Key header
// (1 to 255 visible ASCII characters): repeated with the same key, by the
// same actor, a request that succeeded is not run again, and gets the
// first response's status and body, with the header Idempotent-Replayed:
// true. The same key with another request is refused (422); while a
// request with that key is still running in this process, a duplicate is
// refused (409, with Retry-After). A POST without a key is accepted and
// runs as sent: a client that retries it on a lost response may be
// refused as in the wrong state, but never applies a transition twice
// from one read.
//
// # Errors
//
// Every error is a Problem. The first of these that applies wins:
//
//	405 method_not_allowed       the method is not the endpoint's (the Allow header lists them)
//	401 unauthenticated          Config.Actor returned an error
//	415 unsupported_media_type   a POST body that is not JSON
//	413 body_too_large           a POST body over Config.MaxBody
//	400 bad_request              a malformed query, Idempotency-Key or feed cursor
//	409 in_flight                a request with the same Idempotency-Key is still running
//	404 not_found                an unknown model name, an object that does not exist or the actor may not see, an unknown transition, or a feed the actor may not follow
//	403 forbidden                the actor may not run the transition (even when it is also in the wrong state)
//	409 wrong_state              not available from the object's state
//	409 unmet                    a condition on the object or a related one does not hold
//	422 invalid_input            the body does not decode or validate; errors lists each field
//	422 idempotency_key_reused   the key was used for another request
//	412 plan_changed             an If-Match plan that no longer matches
//	409 conflict                 another writer changed the object first
//	409 canceled                 a hook canceled the transition
//	500 internal                 a failure of the application's code or of the database, logged to Config.Log
//
// A refusal lists every reason, whatever its status: forbidden first means
// only that a person who may not run a transition is told so before being
// told it is not the time for it.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/statecraft/statecraft/registry"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// Store is what the handler needs of a store: units of work, reads,
// idempotency keys and the history. A *sqlstore.Store is one, and so is
// the in-memory Store of package transitiontest.
type Store[U any] interface {
	transition.Store[U]
	View(ctx context.Context, fn func(sc transition.Scope[U]) error) error
	Key(key string) transition.Store[U]
	History(ctx context.Context, f sqlstore.Filter) ([]sqlstore.Record, error)
	Feed(ctx context.Context, after int64, limit int) ([]sqlstore.Record, error)
}

// Config configures a Handler. Registry, Store, Actor and at least one
// Model are required.
type Config[A, U any] struct {
	Registry *registry.Registry[A, U]
	Store    Store[U]
	// Actor returns the actor of a request, as the application
	// authenticated it; an error is answered with 401.
	Actor func(r *http.Request) (A, error)
	// Models are the models served, each under its name.
	Models []Model[A, U]
	// Feed says whether actor may follow the feed of every object's
	// history; nil lets no one (the feed is then 404).
	Feed func(ctx context.Context, actor A) bool
	// MaxBody limits a POST body, in bytes: 64 KiB when zero.
	MaxBody int64
	// MaxSteps limits the steps of a plan listed: 100 when zero. A longer
	// plan is cut, and says how many steps it has.
	MaxSteps int
	// Log receives the failures answered with 500; slog.Default() when nil.
	Log *slog.Logger
}

// A Model is a model type served under a name: make one with NewModel.
type Model[A, U any] struct {
	name    string
	typ     string // the model's type as the history names it, such as "main.Case"
	load    func(ctx context.Context, u U, id string) (any, error)
	visible func(ctx context.Context, actor A, model any) bool
}

// NewModel serves the objects of type M under name (a path segment, such
// as "cases"). load reads the object whose id is given in the path, in a
// unit of work, and returns nil if there is none; visible says whether
// actor may see it (and so list, run and read its transitions; nil lets
// everyone). An object that does not exist and one the actor may not see
// are answered alike, with 404. The id is also the object's identity as
// the history records it (see transition.Machine.Identify).
func NewModel[M, A, U any](name string, load func(ctx context.Context, u U, id string) (*M, error), visible func(ctx context.Context, actor A, model *M) bool) Model[A, U] {
	m := Model[A, U]{name: name, typ: reflect.TypeFor[M]().String()}
	if load != nil {
		m.load = func(ctx context.Context, u U, id string) (any, error) {
			p, err := load(ctx, u, id)
			if p == nil || err != nil {
				return nil, err
			}
			return p, nil
		}
	}
	if visible != nil {
		m.visible = func(ctx context.Context, actor A, model any) bool { return visible(ctx, actor, model.(*M)) }
	}
	return m
}

// Handler serves the transitions of Config.Models over HTTP; see the
// package documentation. It is safe for concurrent use.
type Handler[A, U any] struct {
	c        Config[A, U]
	models   map[string]*Model[A, U]
	mux      *http.ServeMux
	inFlight sync.Map // actor and Idempotency-Key -> struct{}
}

// New returns the Handler configured by c, or an error saying what c
// lacks.
func New[A, U any](c Config[A, U]) (*Handler[A, U], error) {
	var errs []error
	if c.Registry == nil {
		errs = append(errs, errors.New("no Registry"))
	}
	if c.Store == nil {
		errs = append(errs, errors.New("no Store"))
	}
	if c.Actor == nil {
		errs = append(errs, errors.New("no Actor function"))
	}
	if len(c.Models) == 0 {
		errs = append(errs, errors.New("no Models"))
	}
	h := &Handler[A, U]{c: c, models: map[string]*Model[A, U]{}, mux: http.NewServeMux()}
	for i := range c.Models {
		m := &c.Models[i]
		switch {
		case m.name == "" || strings.ContainsAny(m.name, "/{}"):
			errs = append(errs, fmt.Errorf("model %d: the name %q is no path segment", i, m.name))
		case m.name == "feed":
			errs = append(errs, fmt.Errorf("model %d: the name \"feed\" is the feed's", i))
		case m.load == nil:
			errs = append(errs, fmt.Errorf("model %q: no load function", m.name))
		case h.models[m.name] != nil:
			errs = append(errs, fmt.Errorf("model %q: served twice", m.name))
		}
		h.models[m.name] = m
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("httpapi: %w", err)
	}
	if h.c.MaxBody <= 0 {
		h.c.MaxBody = 64 << 10
	}
	if h.c.MaxSteps <= 0 {
		h.c.MaxSteps = 100
	}
	if h.c.Log == nil {
		h.c.Log = slog.Default()
	}
	h.mux.Handle("/{model}/{id}/transitions", h.method(http.MethodGet, h.list))
	h.mux.Handle("/{model}/{id}/transitions/{name}", h.method(http.MethodPost, h.fire))
	h.mux.Handle("/{model}/{id}/history", h.method(http.MethodGet, h.history))
	h.mux.Handle("/feed", h.method(http.MethodGet, h.feed))
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		problem(http.StatusNotFound, codeNotFound, "no such endpoint").write(w)
	})
	return h, nil
}

// ServeHTTP serves r. A path that is not clean (see path.Clean), which
// http.ServeMux would redirect, is no endpoint.
func (h *Handler[A, U]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p := r.URL.Path; p == "" || path.Clean(p) != p {
		problem(http.StatusNotFound, codeNotFound, "no such endpoint").write(w)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// method answers requests with another method than m with 405, and
// authenticates the others.
func (h *Handler[A, U]) method(m string, serve func(w http.ResponseWriter, r *http.Request, actor A)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != m && !(m == http.MethodGet && r.Method == http.MethodHead) {
			w.Header().Set("Allow", m)
			problem(http.StatusMethodNotAllowed, codeMethod, r.Method+" is not allowed here: use "+m).write(w)
			return
		}
		actor, err := h.c.Actor(r)
		if err != nil {
			problem(http.StatusUnauthorized, codeUnauthenticated, err.Error()).write(w)
			return
		}
		serve(w, r, actor)
	})
}

// object reads the object of r's path, in sc, if actor may see it.
func (h *Handler[A, U]) object(ctx context.Context, sc transition.Scope[U], r *http.Request, actor A) (*Model[A, U], any, error) {
	m := h.models[r.PathValue("model")]
	if m == nil {
		return nil, nil, nil
	}
	obj, err := m.load(ctx, sc.Unit(), r.PathValue("id"))
	if err != nil || obj == nil {
		return m, nil, err
	}
	if m.visible != nil && !m.visible(ctx, actor, obj) {
		return m, nil, nil
	}
	return m, obj, nil
}

// TransitionList is the body of GET /{model}/{id}/transitions.
type TransitionList struct {
	Model       string       `json:"model"`
	ID          string       `json:"id"`
	Transitions []Transition `json:"transitions"`
}

// A Transition is one transition of a TransitionList: whether the actor
// may run it now and why not, its targets and its input's schema (see
// transition.Availability), and for an available chain, its Plan.
type Transition struct {
	transition.Availability
	Plan *Plan `json:"plan,omitempty"`
}

// A Plan is what an available chain would do, for a person to confirm:
// send Digest back in an If-Match header to apply exactly this.
type Plan struct {
	Digest string `json:"digest"`
	Steps  []Step `json:"steps"`
	// Total is the number of steps of the plan, more than Steps holds
	// when Config.MaxSteps cut it.
	Total int `json:"total"`
}

// A Step is one transition applied to one object, as a plan lists it and
// a POST reports it (see transition.Step; the input is the request's).
type Step struct {
	Machine    string            `json:"machine"`
	Object     any               `json:"object"`
	Transition string            `json:"transition"`
	Moves      []transition.Move `json:"moves"`
	Actor      string            `json:"actor"`
	At         time.Time         `json:"at"`
	Cause      int               `json:"cause"`
	Created    bool              `json:"created,omitzero"`
}

func stepsOf(ss []transition.Step) []Step {
	out := make([]Step, len(ss))
	for i, s := range ss {
		out[i] = Step{Machine: s.Machine, Object: s.Object, Transition: s.Transition, Moves: s.Moves, Actor: s.Actor,
			At: s.At, Cause: s.Cause, Created: s.Created}
	}
	return out
}

func (h *Handler[A, U]) list(w http.ResponseWriter, r *http.Request, actor A) {
	ctx := r.Context()
	var body *TransitionList
	var prob *Problem
	err := h.c.Store.View(ctx, func(sc transition.Scope[U]) error {
		m, obj, err := h.object(ctx, sc, r, actor)
		if err != nil || obj == nil {
			prob = problem(http.StatusNotFound, codeNotFound, notFoundObjectDetail)
			return err
		}
		avs, err := h.c.Registry.Available(ctx, sc, actor, obj)
		if err != nil {
			return err
		}
		body = &TransitionList{Model: m.name, ID: r.PathValue("id"), Transitions: make([]Transition, len(avs))}
		for i, av := range avs {
			body.Transitions[i].Availability = av
			if !av.Available || av.NeedsInput {
				continue
			}
			p, err := h.c.Registry.Plan(ctx, sc, actor, obj, av.Name, nil)
			if err != nil && errorProblem(err, false) == nil {
				return err // a failure, not a refusal
			}
			if err != nil || len(p.Steps) < 2 {
				continue // refused now after all (the list says so next time), or no chain
			}
			shown := p.Steps[:min(len(p.Steps), h.c.MaxSteps)]
			body.Transitions[i].Plan = &Plan{Digest: p.Digest(), Steps: stepsOf(shown), Total: len(p.Steps)}
		}
		return nil
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if prob != nil {
		prob.write(w)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// Applied is the body of a successful POST: the steps the transition
// applied, its chain's included, or none if a hook aborted it.
type Applied struct {
	Transition string `json:"transition"`
	Steps      []Step `json:"steps"`
	Aborted    bool   `json:"aborted,omitzero"`
}

func (h *Handler[A, U]) fire(w http.ResponseWriter, r *http.Request, actor A) {
	ctx := r.Context()
	if !isJSON(r.Header.Get("Content-Type")) {
		problem(http.StatusUnsupportedMediaType, codeMediaType, "send the input as application/json").write(w)
		return
	}
	payload, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.c.MaxBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			problem(http.StatusRequestEntityTooLarge, codeTooLarge, fmt.Sprintf("the body is over %d bytes", mb.Limit)).write(w)
			return
		}
		problem(http.StatusBadRequest, codeBadRequest, "reading the body: "+err.Error()).write(w)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if _, ok := r.Header["Idempotency-Key"]; ok && !validKey(key) {
		problem(http.StatusBadRequest, codeBadRequest, "an Idempotency-Key is 1 to 255 visible ASCII characters").write(w)
		return
	}
	digest, confirmed := ifMatch(r.Header.Get("If-Match"))
	var store transition.Store[U] = h.c.Store
	if key != "" {
		flight := fmt.Sprint(actor) + "\x00" + key
		if _, running := h.inFlight.LoadOrStore(flight, struct{}{}); running {
			w.Header().Set("Retry-After", "1")
			problem(http.StatusConflict, codeInFlight, "a request with this Idempotency-Key is still running").write(w)
			return
		}
		defer h.inFlight.Delete(flight)
		store = h.c.Store.Key(key)
	}

	var obj any
	err = h.c.Store.View(ctx, func(sc transition.Scope[U]) (err error) {
		_, obj, err = h.object(ctx, sc, r, actor)
		return err
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if obj == nil {
		problem(http.StatusNotFound, codeNotFound, notFoundObjectDetail).write(w)
		return
	}

	name := r.PathValue("name")
	var plan *transition.Plan[U]
	if confirmed {
		plan, err = h.c.Registry.FireConfirmed(ctx, store, actor, obj, name, payload, digest)
	} else {
		plan, err = h.c.Registry.Fire(ctx, store, actor, obj, name, payload)
	}
	if err != nil && !errors.Is(err, transition.ErrAfterCommit) {
		if p := errorProblem(err, confirmed); p != nil {
			p.write(w)
			return
		}
		h.fail(w, r, err)
		return
	}
	if err != nil { // committed: the response says so, the log says what failed after
		h.c.Log.ErrorContext(ctx, "httpapi: after-commit hooks failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	body := Applied{Transition: name, Steps: stepsOf(plan.Steps)}
	body.Aborted, _ = plan.Aborted()
	if body.Aborted {
		body.Steps = []Step{}
	}
	if plan.Replayed() {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeJSON(w, http.StatusOK, body)
}

// History is the body of an object's timeline and of the feed: rows of
// the history, oldest first, and the cursor of the next page (after=Next),
// or 0 when this page is the last.
type History struct {
	Records []sqlstore.Record `json:"records"`
	Next    int64             `json:"next,omitzero"`
}

func (h *Handler[A, U]) history(w http.ResponseWriter, r *http.Request, actor A) {
	ctx := r.Context()
	after, limit, prob := page(r)
	if prob != nil {
		prob.write(w)
		return
	}
	var m *Model[A, U]
	var obj any
	err := h.c.Store.View(ctx, func(sc transition.Scope[U]) (err error) {
		m, obj, err = h.object(ctx, sc, r, actor)
		return err
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if obj == nil {
		problem(http.StatusNotFound, codeNotFound, notFoundObjectDetail).write(w)
		return
	}
	rs, err := h.c.Store.History(ctx, sqlstore.Filter{ObjectType: m.typ, ObjectID: r.PathValue("id"), After: after, Limit: limit + 1})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, historyPage(rs, limit))
}

func (h *Handler[A, U]) feed(w http.ResponseWriter, r *http.Request, actor A) {
	ctx := r.Context()
	if h.c.Feed == nil || !h.c.Feed(ctx, actor) {
		problem(http.StatusNotFound, codeNotFound, "no such endpoint").write(w)
		return
	}
	after, limit, prob := page(r)
	if prob != nil {
		prob.write(w)
		return
	}
	rs, err := h.c.Store.Feed(ctx, after, limit+1)
	if errors.Is(err, sqlstore.ErrCursor) {
		problem(http.StatusBadRequest, codeBadRequest, fmt.Sprintf("after=%d is no row of the history", after)).write(w)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, historyPage(rs, limit))
}

// historyPage is the page of up to limit rows of rs, which holds one more
// if there is a next page.
func historyPage(rs []sqlstore.Record, limit int) History {
	if rs == nil {
		rs = []sqlstore.Record{}
	}
	if len(rs) <= limit {
		return History{Records: rs}
	}
	return History{Records: rs[:limit], Next: rs[limit-1].ID}
}

// page reads the after and limit parameters of r's query: 100 rows by
// default, at most 1,000.
func page(r *http.Request) (after int64, limit int, p *Problem) {
	q := r.URL.Query()
	limit = 100
	if s := q.Get("after"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, problem(http.StatusBadRequest, codeBadRequest, "after must be the id of a row of the history")
		}
		after = n
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return 0, 0, problem(http.StatusBadRequest, codeBadRequest, "limit must be from 1 to 1000")
		}
		limit = n
	}
	return after, limit, nil
}

// fail answers a failure of the server's, and logs it.
func (h *Handler[A, U]) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.c.Log.ErrorContext(r.Context(), "httpapi: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	problem(http.StatusInternalServerError, codeInternal, internalDetail).write(w)
}

// writeJSON sends v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		problem(http.StatusInternalServerError, codeInternal, internalDetail).write(w)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// isJSON reports whether a Content-Type is JSON: application/json, or a
// type with a +json suffix.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")))
}

// validKey reports whether k is an acceptable Idempotency-Key: 1 to 255
// visible ASCII characters.
func validKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// ifMatch returns the digest an If-Match header confirms: an entity tag,
// quoted or not; none for an absent header or "*".
func ifMatch(v string) (digest string, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" || v == "*" {
		return "", false
	}
	v = strings.TrimPrefix(v, "W/")
	return strings.Trim(v, `"`), true
}
