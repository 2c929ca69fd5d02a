package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/registry"
	"github.com/statecraft/statecraft/registry/httpapi"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/transition"
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

	// A key may be 255 characters, from ! to ~.
	long := "!" + strings.Repeat("k", 253) + "~"
	r = a.do("POST", "/cards/4/transitions/finish", "alice", `{"note": "all done"}`, "Idempotency-Key", long)
	require.Equal(t, http.StatusOK, r.status, r.body)
	r = a.do("POST", "/cards/4/transitions/finish", "alice", `{"note": "all done"}`, "Idempotency-Key", long)
	assert.Equal(t, http.StatusOK, r.status, r.body)
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

// Pages at their bounds: a page one row short of the rows left has a
// next page, and the last page none; after=0 starts at the beginning;
// a limit of 1,000 is allowed.
func TestHistoryPages(t *testing.T) {
	a := newAPI(t)
	for _, title := range []string{"Shed 1", "Shed 2", "Shed 3"} {
		r := a.do("POST", "/boards/2/transitions/rename", "bob", fmt.Sprintf(`{"title": %q}`, title))
		require.Equal(t, http.StatusOK, r.status, r.body)
	}
	page := func(path, user string) httpapi.History {
		t.Helper()
		r := a.do("GET", path, user, "")
		require.Equal(t, http.StatusOK, r.status, r.body)
		var h httpapi.History
		require.NoError(t, json.Unmarshal([]byte(r.body), &h))
		return h
	}
	ids := func(h httpapi.History) []int64 {
		var out []int64
		for _, rec := range h.Records {
			out = append(out, rec.ID)
		}
		return out
	}

	all := page("/boards/2/history", "bob")
	require.Len(t, all.Records, 3)
	assert.Zero(t, all.Next)

	first := page("/boards/2/history?limit=2", "bob")
	assert.Equal(t, ids(all)[:2], ids(first))
	assert.Equal(t, all.Records[1].ID, first.Next)
	last := page(fmt.Sprintf("/boards/2/history?limit=2&after=%d", first.Next), "bob")
	assert.Equal(t, ids(all)[2:], ids(last))
	assert.Zero(t, last.Next)

	assert.Equal(t, ids(all), ids(page("/boards/2/history?after=0&limit=1000", "bob")))
	feed := page("/feed?after=0&limit=1000", "root")
	assert.Equal(t, ids(all), ids(feed))
	assert.Zero(t, feed.Next)
}

// HEAD is served where GET is, with GET's status and headers; an endpoint
// for POST refuses it.
func TestHead(t *testing.T) {
	a := newAPI(t)
	get := a.do("GET", "/boards/1/transitions", "alice", "")
	head := a.do("HEAD", "/boards/1/transitions", "alice", "")
	require.Equal(t, http.StatusOK, head.status, head.body)
	assert.Equal(t, get.header.Get("Content-Type"), head.header.Get("Content-Type"))
	assert.Equal(t, get.header.Get("Content-Length"), head.header.Get("Content-Length"))

	r := a.do("HEAD", "/cards/1/transitions/finish", "alice", "")
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.Equal(t, "POST", r.header.Get("Allow"))
}

// A zero MaxBody and MaxSteps are the defaults: a body of up to 64 KiB,
// and plans listed up to 100 steps.
func TestConfigDefaults(t *testing.T) {
	store := transitiontest.NewStore(newRepo, &sqlstore.Options{Now: transitiontest.NewClock(start).Now})
	seed(t, store)
	reg, err := registry.New[User, *Repo](nil, Boards, Cards)
	require.NoError(t, err)
	api, err := httpapi.New(httpapi.Config[User, *Repo]{
		Registry: reg,
		Store:    store,
		Actor:    actorOf,
		Models:   []httpapi.Model[User, *Repo]{httpapi.NewModel[Board, User]("boards", byID(boardRows), nil), httpapi.NewModel[Card, User]("cards", byID(cardRows), nil)},
		Log:      discard,
	})
	require.NoError(t, err)

	r := do(t, api, "GET", "/boards/1/transitions", "root", "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	var list httpapi.TransitionList
	require.NoError(t, json.Unmarshal([]byte(r.body), &list))
	require.NotNil(t, list.Transitions[0].Plan)
	assert.Equal(t, 4, list.Transitions[0].Plan.Total)
	assert.Len(t, list.Transitions[0].Plan.Steps, 4, "not cut")

	note := strings.Repeat("x", 64<<10-len(`{"note": ""}`))
	r = do(t, api, "POST", "/cards/1/transitions/finish", "alice", `{"note": "`+note+`"}`)
	assert.Equal(t, http.StatusOK, r.status, "a body of 64 KiB")
	r = do(t, api, "POST", "/cards/4/transitions/finish", "alice", `{"note": "`+note+`x"}`)
	require.Equal(t, http.StatusRequestEntityTooLarge, r.status)
	assert.Equal(t, "the body is over 65536 bytes", r.problem(t).Detail)
}

// Crates and their items: emptying a crate takes its items out, a chain
// whose loader fails from its read number itemsFailAt on (0: never), as a
// database that goes down between the list's check of the chain and its
// plan.
type Crate struct {
	ID     int64
	Status state.State[string]
}

type Item struct {
	ID     int64
	Status state.State[string]
}

var (
	CrateState = state.NewType[string]("CrateState")
	CrateFull  = CrateState.State("full", "Full")
	CrateEmpty = CrateState.State("empty", "Empty", state.Final())
	ItemState  = state.NewType[string]("ItemState")
	ItemIn     = ItemState.State("in", "In")
	ItemOut    = ItemState.State("out", "Out", state.Final())

	Crates = transition.For[User, *Repo](state.Bind(CrateState, "status", func(c *Crate) *state.State[string] { return &c.Status })).
		Identify(func(c *Crate) any { return c.ID })
	Items = transition.For[User, *Repo](state.Bind(ItemState, "status", func(i *Item) *state.State[string] { return &i.Status })).
		Identify(func(i *Item) any { return i.ID })
	TakeOut    = transition.New[transition.NoInput](Items, "take_out", transition.From(ItemIn).To(ItemOut)).AllowAnyone()
	EmptyCrate = transition.New[transition.NoInput](Crates, "empty", transition.From(CrateFull).To(CrateEmpty)).AllowAnyone().
			Cascade(transition.Each("items", itemsOf, TakeOut))

	itemReads, itemsFailAt int
	errDown                = errors.New("the database went down")
)

func itemsOf(context.Context, *Repo, *Crate) ([]*Item, error) {
	itemReads++
	if itemsFailAt > 0 && itemReads >= itemsFailAt {
		return nil, errDown
	}
	return []*Item{{ID: 1, Status: ItemIn}}, nil
}

// A failure while the list plans an available chain is the server's: 500,
// and the log says what failed.
func TestListFailsWhilePlanning(t *testing.T) {
	reg, err := registry.New[User, *Repo](nil, Crates, Items)
	require.NoError(t, err)
	var logs bytes.Buffer
	api, err := httpapi.New(httpapi.Config[User, *Repo]{
		Registry: reg,
		Store:    transitiontest.NewStore(newRepo, nil),
		Actor:    actorOf,
		Models: []httpapi.Model[User, *Repo]{httpapi.NewModel[Crate, User]("crates", func(context.Context, *Repo, string) (*Crate, error) {
			return &Crate{ID: 1, Status: CrateFull}, nil
		}, nil)},
		Log: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	require.NoError(t, err)
	t.Cleanup(func() { itemReads, itemsFailAt = 0, 0 })

	// The database up: the chain and its plan.
	itemReads, itemsFailAt = 0, 0
	r := do(t, api, "GET", "/crates/1/transitions", "alice", "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	var list httpapi.TransitionList
	require.NoError(t, json.Unmarshal([]byte(r.body), &list))
	require.True(t, list.Transitions[0].Available)
	require.NotNil(t, list.Transitions[0].Plan)
	assert.Equal(t, 2, list.Transitions[0].Plan.Total)
	reads := itemReads
	require.GreaterOrEqual(t, reads, 2, "the items are read to check the chain, then to plan it")

	// Down for the plan's read, after the check's: the request fails.
	itemReads, itemsFailAt = 0, reads
	r = do(t, api, "GET", "/crates/1/transitions", "alice", "")
	require.Equal(t, http.StatusInternalServerError, r.status, r.body)
	assert.Equal(t, "internal", r.problem(t).Code)
	assert.NotContains(t, r.body, "went down", "the failure's words stay in the log")
	assert.Contains(t, logs.String(), "the database went down")
}
