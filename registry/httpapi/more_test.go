package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/registry/httpapi"
	"github.com/statecraft/statecraft/transition/sqlstore"
	"github.com/statecraft/statecraft/transition/transitiontest"
)

// A request repeated with its Idempotency-Key gets the first response,
// status and body, and runs once; the key with another request is
// refused; a duplicate while the first runs is refused at once.
func TestIdempotencyKey(t *testing.T) {
	a := newAPI(t)
	first := a.do("POST", "/cards/1/transitions/finish", "alice", `{"note": "all done"}`, "Idempotency-Key", "k-1")
	require.Equal(t, http.StatusOK, first.status, first.body)
	again := a.do("POST", "/cards/1/transitions/finish", "alice", `{"note": "all done"}`, "Idempotency-Key", "k-1")
	assert.Equal(t, first.status, again.status)
	assert.Equal(t, first.body, again.body)
	assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
	transitiontest.History(t, a.store, sqlstore.Filter{}, `httpapi_test.Card 1 v0: finish status todo -> done by alice key "k-1"`)

	// Without the key, the same request is refused: the card is done.
	r := a.do("POST", "/cards/1/transitions/finish", "alice", `{"note": "all done"}`)
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Equal(t, "wrong_state", r.problem(t).Code)

	// The key with another body, or another transition: refused.
	r = a.do("POST", "/cards/1/transitions/finish", "alice", `{"note": "other"}`, "Idempotency-Key", "k-1")
	assert.Equal(t, http.StatusUnprocessableEntity, r.status)
	assert.Equal(t, "idempotency_key_reused", r.problem(t).Code)
	r = a.do("POST", "/cards/2/transitions/archive", "alice", `{}`, "Idempotency-Key", "k-1")
	assert.Equal(t, http.StatusUnprocessableEntity, r.status)
	transitiontest.History(t, a.store, sqlstore.Filter{}, `httpapi_test.Card 1 v0: finish status todo -> done by alice key "k-1"`)

	// A duplicate while the first still runs: 409 at once, with Retry-After.
	done := make(chan response)
	go func() {
		done <- do(t, a.h, "POST", "/boards/1/transitions/rename", "alice", `{"title": "wait"}`, "Idempotency-Key", "k-2")
	}()
	<-renaming // the first is inside its effect
	r = a.do("POST", "/boards/1/transitions/rename", "alice", `{"title": "wait"}`, "Idempotency-Key", "k-2")
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Equal(t, "in_flight", r.problem(t).Code)
	assert.Equal(t, "1", r.header.Get("Retry-After"))
	renaming <- struct{}{}
	r = <-done
	assert.Equal(t, http.StatusOK, r.status, r.body)
	// Once it ended, the duplicate is a replay.
	r = a.do("POST", "/boards/1/transitions/rename", "alice", `{"title": "wait"}`, "Idempotency-Key", "k-2")
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "true", r.header.Get("Idempotent-Replayed"))
}

// A chain applies only as the person confirmed it: the digest the list
// gave, sent back in If-Match.
func TestIfMatch(t *testing.T) {
	a := newAPI(t)
	digest := func() string {
		var list httpapi.TransitionList
		r := a.do("GET", "/boards/1/transitions", "root", "")
		require.NoError(t, json.Unmarshal([]byte(r.body), &list))
		require.NotNil(t, list.Transitions[0].Plan)
		return list.Transitions[0].Plan.Digest
	}
	seen := digest()

	// Meanwhile, a card is finished: the chain would now do otherwise.
	require.Equal(t, http.StatusOK, a.do("POST", "/cards/1/transitions/finish", "alice", `{"note": "done"}`).status)
	before := snapshot(t, a.store)
	r := a.do("POST", "/boards/1/transitions/archive", "root", ``, "If-Match", `"`+seen+`"`)
	assert.Equal(t, http.StatusPreconditionFailed, r.status, r.body)
	assert.Equal(t, "plan_changed", r.problem(t).Code)
	assert.Equal(t, before, snapshot(t, a.store), "nothing applied")

	// Confirmed again, as it is now: applied.
	now := digest()
	assert.NotEqual(t, seen, now)
	r = a.do("POST", "/boards/1/transitions/archive", "root", ``, "If-Match", `"`+now+`"`)
	assert.Equal(t, http.StatusOK, r.status, r.body)
	// If-Match: * confirms nothing in particular: it runs as sent.
	r = a.do("POST", "/cards/4/transitions/finish", "alice", `{"note": "done"}`, "If-Match", `*`)
	assert.Equal(t, http.StatusOK, r.status, r.body)
}

// An object's timeline and the feed, a page at a time.
func TestHistoryAndFeed(t *testing.T) {
	a := newAPI(t)
	require.Equal(t, http.StatusOK, a.do("POST", "/cards/1/transitions/finish", "alice", `{"note": "done"}`).status)
	require.Equal(t, http.StatusOK, a.do("POST", "/boards/1/transitions/archive", "root", ``).status)

	r := a.do("GET", "/cards/1/history", "alice", "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	golden(t, "history_card", r.body)
	var h httpapi.History
	require.NoError(t, json.Unmarshal([]byte(r.body), &h))
	require.Len(t, h.Records, 2, "finished, then archived with its board")
	assert.Zero(t, h.Next)

	// Pages.
	r = a.do("GET", "/cards/1/history?limit=1", "alice", "")
	require.NoError(t, json.Unmarshal([]byte(r.body), &h))
	require.Len(t, h.Records, 1)
	assert.Equal(t, "finish", h.Records[0].Transition)
	require.NotZero(t, h.Next)
	r = a.do("GET", fmt.Sprintf("/cards/1/history?limit=1&after=%d", h.Next), "alice", "")
	h = httpapi.History{}
	require.NoError(t, json.Unmarshal([]byte(r.body), &h))
	require.Len(t, h.Records, 1)
	assert.Equal(t, "archive", h.Records[0].Transition)
	assert.Zero(t, h.Next)

	// The feed: every object's rows, for root.
	r = a.do("GET", "/feed?limit=3", "root", "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	h = httpapi.History{}
	require.NoError(t, json.Unmarshal([]byte(r.body), &h))
	assert.Len(t, h.Records, 3)
	next := h.Next
	r = a.do("GET", fmt.Sprintf("/feed?after=%d", next), "root", "")
	h = httpapi.History{}
	require.NoError(t, json.Unmarshal([]byte(r.body), &h))
	assert.Len(t, h.Records, 2, "five rows in all: the finish, the board and its three cards")
	assert.Zero(t, h.Next)
}

// Concurrent POSTs to one object, on a database: exactly one wins, the
// others get 409, and the history has one row.
func TestConcurrentPosts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbtest.DB) {
		ctx := context.Background()
		db.SetMaxOpenConns(32)
		store, err := sqlstore.New(db.DB, db.Dialect, newRepo, &sqlstore.Options{Now: transitiontest.NewClock(start).Now})
		require.NoError(t, err)
		require.NoError(t, store.Migrate(ctx))
		for _, q := range []string{
			`CREATE TABLE boards (id BIGINT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL, status TEXT NOT NULL, version BIGINT NOT NULL)`,
			`CREATE TABLE cards (id BIGINT PRIMARY KEY, board_id BIGINT NOT NULL, owner TEXT NOT NULL, note TEXT NOT NULL, status TEXT NOT NULL, version BIGINT NOT NULL)`,
		} {
			_, err := db.ExecContext(ctx, q)
			require.NoError(t, err)
		}
		seed(t, store)
		h, err := handler(store, 1024, nil)
		require.NoError(t, err)

		statuses := make(chan int, 16)
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() {
				r := do(t, h, "POST", "/cards/1/transitions/finish", "alice", fmt.Sprintf(`{"note": "writer %d"}`, i))
				if r.status != http.StatusOK {
					p := r.problem(t)
					assert.Contains(t, []string{"conflict", "wrong_state"}, p.Code)
				}
				statuses <- r.status
			})
		}
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for s := range statuses {
			count[s]++
		}
		assert.Equal(t, map[int]int{http.StatusOK: 1, http.StatusConflict: 15}, count)
		transitiontest.History(t, store, sqlstore.Filter{}, "httpapi_test.Card 1 v0: finish status todo -> done by alice")
	})
}

// New says what a Config lacks.
func TestNewRefusesAnIncompleteConfig(t *testing.T) {
	_, err := httpapi.New(httpapi.Config[User, *Repo]{})
	require.Error(t, err)
	assert.Equal(t, "httpapi: no Registry\nno Store\nno Actor function\nno Models", err.Error())

	store := transitiontest.NewStore(newRepo, nil)
	h, err := handler(store, 0, nil)
	require.NoError(t, err)
	assert.NotNil(t, h)
	_, err = httpapi.New(httpapi.Config[User, *Repo]{Store: store, Actor: actorOf, Models: []httpapi.Model[User, *Repo]{
		httpapi.NewModel[Board, User]("boards", byID(boardRows), nil),
		httpapi.NewModel[Board, User]("boards", byID(boardRows), nil),
		httpapi.NewModel[Board, User]("a/b", byID(boardRows), nil),
		httpapi.NewModel[Board, User]("feed", byID(boardRows), nil),
		httpapi.NewModel[Board, User, *Repo]("cards", nil, nil),
	}})
	assert.Equal(t, "httpapi: no Registry\nmodel \"boards\": served twice\nmodel 2: the name \"a/b\" is no path segment\nmodel 3: the name \"feed\" is the feed's\nmodel \"cards\": no load function", err.Error())
}

// A body the server cannot read to its end (the client went away) is a
// bad request, and nothing runs.
func TestUnreadableBody(t *testing.T) {
	a := newAPI(t)
	before := snapshot(t, a.store)
	r := httptest.NewRequest("POST", "/cards/1/transitions/finish", iotest.ErrReader(errors.New("connection reset")))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-User", "alice")
	w := httptest.NewRecorder()
	a.h.ServeHTTP(w, r)
	res := response{w.Code, w.Result().Header, w.Body.String()}
	require.Equal(t, http.StatusBadRequest, res.status, res.body)
	p := res.problem(t)
	assert.Equal(t, "bad_request", p.Code)
	assert.Equal(t, "reading the body: connection reset", p.Detail)
	assert.Equal(t, before, snapshot(t, a.store), "nothing changed")
}
