package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/registry/httpapi"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
	"github.com/statecraft/statecraft/transition/transitiontest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var start = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

// discard is a logger that logs nothing.
var discard = slog.New(slog.DiscardHandler)

// seed puts in place: alice's board 1 with three cards (1 alice's, todo;
// 2 alice's, done; 3 bob's, todo), bob's board 2 with alice's card 4,
// and alice's archived board 3 with her todo card 5.
func seed(t testing.TB, s interface {
	Begin(ctx context.Context) (transition.Tx[*Repo], error)
}) {
	t.Helper()
	ctx := context.Background()
	tx, err := s.Begin(ctx)
	require.NoError(t, err)
	require.NoError(t, errors.Join(
		boardRows.Insert(ctx, tx, &Board{ID: 1, Owner: "alice", Title: "Roof", Status: BoardOpen}),
		boardRows.Insert(ctx, tx, &Board{ID: 2, Owner: "bob", Title: "Shed", Status: BoardOpen}),
		boardRows.Insert(ctx, tx, &Board{ID: 3, Owner: "alice", Title: "Barn", Status: BoardArchived}),
		cardRows.Insert(ctx, tx, &Card{ID: 1, BoardID: 1, Owner: "alice", Status: Todo}),
		cardRows.Insert(ctx, tx, &Card{ID: 2, BoardID: 1, Owner: "alice", Status: Done}),
		cardRows.Insert(ctx, tx, &Card{ID: 3, BoardID: 1, Owner: "bob", Status: Todo}),
		cardRows.Insert(ctx, tx, &Card{ID: 4, BoardID: 2, Owner: "alice", Status: Todo}),
		cardRows.Insert(ctx, tx, &Card{ID: 5, BoardID: 3, Owner: "alice", Status: Todo}),
	))
	require.NoError(t, tx.Commit(ctx))
}

// api is a test's server: the handler over an in-memory store, seeded.
type api struct {
	t     *testing.T
	store *transitiontest.Store[*Repo]
	h     http.Handler
	logs  *bytes.Buffer
}

func newAPI(t *testing.T) *api {
	store := transitiontest.NewStore(newRepo, &sqlstore.Options{Now: transitiontest.NewClock(start).Now})
	seed(t, store)
	logs := &bytes.Buffer{}
	h, err := handler(store, 1024, slog.New(slog.NewTextHandler(logs, nil)))
	require.NoError(t, err)
	return &api{t: t, store: store, h: h, logs: logs}
}

// response is what a request got.
type response struct {
	status int
	header http.Header
	body   string
}

// problem decodes the response's body as a Problem, checking its type.
func (r response) problem(t *testing.T) httpapi.Problem {
	t.Helper()
	assert.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
	var p httpapi.Problem
	require.NoError(t, json.Unmarshal([]byte(r.body), &p), r.body)
	assert.Equal(t, r.status, p.Status)
	assert.Equal(t, "about:blank", p.Type)
	assert.Equal(t, http.StatusText(r.status), p.Title)
	return p
}

// do sends a request as user ("" for none), with header pairs.
func do(t *testing.T, h http.Handler, method, path, user, body string, header ...string) response {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if user != "" {
		r.Header.Set("X-User", user)
	}
	if method == http.MethodPost {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	b, err := io.ReadAll(w.Result().Body)
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(len(b)), w.Result().Header.Get("Content-Length"), "the body's length, newline included")
	return response{w.Code, w.Result().Header, string(b)}
}

func (a *api) do(method, path, user, body string, header ...string) response {
	a.t.Helper()
	return do(a.t, a.h, method, path, user, body, header...)
}

// golden checks a JSON body against testdata/name.json, indented.
func golden(t *testing.T, name, body string) {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, json.Indent(&out, []byte(body), "", "  "), body)
	transitiontest.Golden(t, filepath.Join("testdata", name+".json"), out.String()+"\n", *update)
}

// GET transitions: every transition, available or not, with its reasons,
// targets, schema, and for an available chain its plan, cut to MaxSteps.
func TestList(t *testing.T) {
	a := newAPI(t)
	r := a.do("GET", "/boards/1/transitions", "alice", "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	golden(t, "list_board_alice", r.body)

	var list httpapi.TransitionList
	require.NoError(t, json.Unmarshal([]byte(r.body), &list))
	require.Len(t, list.Transitions, 2)
	archive := list.Transitions[0]
	assert.False(t, archive.Available, "bob's card on alice's board: she may not archive it")
	require.Len(t, archive.Reasons, 1)
	assert.Equal(t, "forbidden.owner_or_admin", archive.Reasons[0].Code)
	assert.Equal(t, "httpapi_test.Card 3 (archive)", archive.Reasons[0].Object)
	assert.Nil(t, archive.Plan, "no plan for what she may not run")
	assert.True(t, list.Transitions[1].Available)
	assert.Nil(t, list.Transitions[1].Plan, "rename takes input: no plan")

	// A card of bob's, seen by alice: she may not finish it, and it shows why.
	r = a.do("GET", "/cards/3/transitions", "alice", "")
	require.Equal(t, http.StatusOK, r.status)
	golden(t, "list_card_alice", r.body)

	// root may archive the board: the plan of the chain, cut to MaxSteps.
	r = a.do("GET", "/boards/1/transitions", "root", "")
	require.Equal(t, http.StatusOK, r.status)
	golden(t, "list_board_root", r.body)
	require.NoError(t, json.Unmarshal([]byte(r.body), &list))
	plan := list.Transitions[0].Plan
	require.NotNil(t, plan)
	assert.Equal(t, 4, plan.Total, "the board and its three cards")
	assert.Len(t, plan.Steps, 2, "cut to MaxSteps")
	assert.NotEmpty(t, plan.Digest)
	assert.Equal(t, "root", plan.Steps[0].Actor)

	// The shortest chain, a board and its one card, has its plan too.
	r = a.do("GET", "/boards/2/transitions", "root", "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	list = httpapi.TransitionList{}
	require.NoError(t, json.Unmarshal([]byte(r.body), &list))
	require.Equal(t, "archive", list.Transitions[0].Name)
	plan = list.Transitions[0].Plan
	require.NotNil(t, plan, "a chain of two steps is a chain")
	assert.Equal(t, 2, plan.Total)
	require.Len(t, plan.Steps, 2)
	assert.Equal(t, "httpapi_test.Board.status", plan.Steps[0].Machine)
	assert.Equal(t, "httpapi_test.Card.status", plan.Steps[1].Machine)
	assert.Equal(t, 0, plan.Steps[1].Cause)

	// A transition of one step, available without input, is no chain: no plan.
	r = a.do("GET", "/cards/1/transitions", "alice", "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	list = httpapi.TransitionList{}
	require.NoError(t, json.Unmarshal([]byte(r.body), &list))
	require.Len(t, list.Transitions, 2)
	archive = list.Transitions[1]
	require.Equal(t, "archive", archive.Name)
	assert.True(t, archive.Available)
	assert.False(t, archive.NeedsInput)
	assert.Nil(t, archive.Plan)
}

// POST runs a transition by name, decoding the body as its input.
func TestFire(t *testing.T) {
	a := newAPI(t)
	r := a.do("POST", "/cards/1/transitions/finish", "alice", `{"note": "all done"}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	golden(t, "fire_finish", r.body)
	assert.Empty(t, r.header.Get("Idempotent-Replayed"))
	transitiontest.History(t, a.store, sqlstore.Filter{}, "httpapi_test.Card 1 v0: finish status todo -> done by alice")

	// A chain, by the admin: every card of the board is archived.
	r = a.do("POST", "/boards/1/transitions/archive", "root", ``)
	require.Equal(t, http.StatusOK, r.status, r.body)
	var applied httpapi.Applied
	require.NoError(t, json.Unmarshal([]byte(r.body), &applied))
	assert.Equal(t, "archive", applied.Transition)
	assert.Len(t, applied.Steps, 4)
	for _, s := range applied.Steps[1:] {
		assert.Equal(t, 0, s.Cause)
	}
	assert.Empty(t, a.logs.String(), "a success logs nothing")
}

// Every error status, with its problem's code, and its reasons or field
// errors; the data is as it was after each.
func TestErrors(t *testing.T) {
	a := newAPI(t)
	for _, c := range []struct {
		name, method, path, user, body string
		header                         []string
		status                         int
		code                           string
		reasons                        []string // the codes of the reasons, or the fields' codes
	}{
		{name: "method", method: "PUT", path: "/boards/1/transitions", user: "alice", status: 405, code: "method_not_allowed"},
		{name: "post to the list", method: "POST", path: "/boards/1/transitions", user: "alice", status: 405, code: "method_not_allowed"},
		{name: "no actor", method: "GET", path: "/boards/1/transitions", status: 401, code: "unauthenticated"},
		{name: "not JSON", method: "POST", path: "/cards/1/transitions/finish", user: "alice", body: "note=x",
			header: []string{"Content-Type", "application/x-www-form-urlencoded"}, status: 415, code: "unsupported_media_type"},
		{name: "no content type", method: "POST", path: "/cards/1/transitions/finish", user: "alice", body: `{"note": "abc"}`,
			header: []string{"Content-Type", ""}, status: 415, code: "unsupported_media_type"},
		{name: "too large", method: "POST", path: "/cards/1/transitions/finish", user: "alice", body: `{"note": "` + strings.Repeat("x", 2000) + `"}`,
			status: 413, code: "body_too_large"},
		{name: "bad key", method: "POST", path: "/cards/1/transitions/finish", user: "alice", body: `{"note": "abc"}`,
			header: []string{"Idempotency-Key", "two words"}, status: 400, code: "bad_request"},
		{name: "bad limit", method: "GET", path: "/cards/1/history?limit=0", user: "alice", status: 400, code: "bad_request"},
		{name: "limit over 1000", method: "GET", path: "/feed?limit=1001", user: "root", status: 400, code: "bad_request"},
		{name: "negative cursor", method: "GET", path: "/cards/1/history?after=-1", user: "alice", status: 400, code: "bad_request"},
		{name: "malformed cursor", method: "GET", path: "/feed?after=x", user: "root", status: 400, code: "bad_request"},
		{name: "key too long", method: "POST", path: "/cards/1/transitions/finish", user: "alice", body: `{"note": "abc"}`,
			header: []string{"Idempotency-Key", strings.Repeat("k", 256)}, status: 400, code: "bad_request"},
		{name: "empty key", method: "POST", path: "/cards/1/transitions/finish", user: "alice", body: `{"note": "abc"}`,
			header: []string{"Idempotency-Key", ""}, status: 400, code: "bad_request"},
		{name: "bad cursor", method: "GET", path: "/feed?after=99", user: "root", status: 400, code: "bad_request"},
		{name: "unknown model", method: "GET", path: "/lists/1/transitions", user: "alice", status: 404, code: "not_found"},
		{name: "unknown object", method: "GET", path: "/boards/99/transitions", user: "alice", status: 404, code: "not_found"},
		{name: "malformed id", method: "GET", path: "/boards/x/transitions", user: "alice", status: 404, code: "not_found"},
		{name: "unseen object", method: "GET", path: "/boards/1/transitions", user: "bob", status: 404, code: "not_found"},
		{name: "unseen object's history", method: "GET", path: "/cards/1/history", user: "bob", status: 404, code: "not_found"},
		{name: "unseen object's transition", method: "POST", path: "/cards/1/transitions/finish", user: "bob", body: `{"note": "abc"}`, status: 404, code: "not_found"},
		{name: "unknown transition", method: "POST", path: "/cards/1/transitions/explode", user: "alice", body: `{}`, status: 404, code: "not_found"},
		{name: "feed not followed", method: "GET", path: "/feed", user: "alice", status: 404, code: "not_found"},
		{name: "unknown endpoint", method: "GET", path: "/boards", user: "alice", status: 404, code: "not_found"},
		{name: "forbidden", method: "POST", path: "/cards/3/transitions/finish", user: "alice", body: `{"note": "abc"}`,
			status: 403, code: "forbidden", reasons: []string{"forbidden.owner"}},
		{name: "forbidden in the chain", method: "POST", path: "/boards/2/transitions/archive", user: "bob", body: ``,
			status: 403, code: "forbidden", reasons: []string{"forbidden.owner_or_admin"}},
		{name: "forbidden before the state", method: "POST", path: "/cards/2/transitions/archive", user: "bob", body: `{}`,
			status: 404, code: "not_found"}, // bob does not see alice's card at all
		{name: "wrong state", method: "POST", path: "/cards/2/transitions/finish", user: "alice", body: `{"note": "abc"}`,
			status: 409, code: "wrong_state", reasons: []string{"wrong_state.status"}},
		{name: "unmet", method: "POST", path: "/cards/5/transitions/finish", user: "alice", body: `{"note": "abc"}`,
			status: 409, code: "unmet", reasons: []string{"related.board"}},
		{name: "invalid input", method: "POST", path: "/cards/1/transitions/finish", user: "alice", body: `{"note": 7, "extra": true}`,
			status: 422, code: "invalid_input", reasons: []string{"type", "unknown"}},
		{name: "schema rule", method: "POST", path: "/cards/1/transitions/finish", user: "alice", body: `{"note": "ab"}`,
			status: 422, code: "invalid_input", reasons: []string{"min_length"}},
		{name: "not JSON at all", method: "POST", path: "/cards/1/transitions/finish", user: "alice", body: `{"note":`,
			status: 422, code: "invalid_input", reasons: []string{"syntax"}},
		{name: "canceled", method: "POST", path: "/cards/1/transitions/finish", user: "alice", body: `{"note": "cancel"}`,
			status: 409, code: "canceled"},
		{name: "failing effect", method: "POST", path: "/cards/1/transitions/finish", user: "alice", body: `{"note": "explode"}`,
			status: 500, code: "internal"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := snapshot(t, a.store)
			r := a.do(c.method, c.path, c.user, c.body, c.header...)
			require.Equal(t, c.status, r.status, r.body)
			p := r.problem(t)
			assert.Equal(t, c.code, p.Code)
			var codes []string
			for _, rs := range p.Reasons {
				codes = append(codes, rs.Code)
			}
			for _, fe := range p.Errors {
				codes = append(codes, fe.Code)
			}
			assert.Equal(t, c.reasons, codes)
			assert.Equal(t, before, snapshot(t, a.store), "nothing changed")
			if c.status == 405 {
				assert.NotEmpty(t, r.header.Get("Allow"))
			}
			if c.status == 500 {
				assert.NotContains(t, r.body, "exploded", "the failure's words stay in the log")
				assert.Contains(t, a.logs.String(), `step \"note\" failed: the note exploded`)
			}
		})
	}

	// The bodies of the main refusals, as a client reads them.
	golden(t, "problem_forbidden", a.do("POST", "/cards/3/transitions/finish", "alice", `{"note": "abc"}`).body)
	golden(t, "problem_invalid", a.do("POST", "/cards/1/transitions/finish", "alice", `{"note": "ab"}`).body)
	golden(t, "problem_wrong_state", a.do("POST", "/cards/2/transitions/finish", "alice", `{"note": "abc"}`).body)
}

// snapshot is every row of the store and of its history.
func snapshot(t *testing.T, s *transitiontest.Store[*Repo]) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	bs, err := boardRows.Select(ctx, s.Querier(), sqlexpr.True, sqlstore.NoLock)
	require.NoError(t, err)
	cs, err := cardRows.Select(ctx, s.Querier(), sqlexpr.True, sqlstore.NoLock)
	require.NoError(t, err)
	h, err := s.History(ctx, sqlstore.Filter{})
	require.NoError(t, err)
	for _, x := range bs {
		b.WriteString(jsonOf(t, x))
	}
	for _, x := range cs {
		b.WriteString(jsonOf(t, x))
	}
	b.WriteString(strings.Join(transitiontest.HistoryOf(h), "\n"))
	return b.String()
}

func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b) + "\n"
}
