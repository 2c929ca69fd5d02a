package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/statecraft/statecraft/registry"
	"github.com/statecraft/statecraft/registry/httpapi"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
	"github.com/statecraft/statecraft/transition/transitiontest"
)

// Serving the transitions of boards and cards: the application says who
// the actor is (here, a header its proxy sets), how to load an object and
// who may see it; the handler does the rest.
func ExampleNew() {
	ctx := context.Background()
	store := transitiontest.NewStore(newRepo, &sqlstore.Options{Now: transitiontest.NewClock(start).Now}) // or a *sqlstore.Store
	_ = store.Update(ctx, func(tx transition.Tx[*Repo]) error {
		return errors.Join(
			boardRows.Insert(ctx, tx, &Board{ID: 1, Owner: "alice", Title: "Roof", Status: BoardOpen}),
			cardRows.Insert(ctx, tx, &Card{ID: 1, BoardID: 1, Owner: "alice", Status: Todo}),
			cardRows.Insert(ctx, tx, &Card{ID: 2, BoardID: 1, Owner: "alice", Status: Done}))
	})
	reg, _ := registry.New[User, *Repo](nil, Boards, Cards)
	api, err := httpapi.New(httpapi.Config[User, *Repo]{
		Registry: reg,
		Store:    store,
		Actor:    actorOf,
		Models: []httpapi.Model[User, *Repo]{
			httpapi.NewModel("cards", byID(cardRows), func(_ context.Context, u User, c *Card) bool { return u.Admin || u.Name == c.Owner }),
		},
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", http.StripPrefix("/api", api))

	post := func(user, path, body string) {
		r := httptest.NewRequest("POST", path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-User", user)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		b, _ := io.ReadAll(w.Body)
		fmt.Println(w.Code, w.Header().Get("Content-Type"))
		fmt.Print(string(b)[:min(len(b), 120)], "\n")
	}
	post("alice", "/api/cards/2/transitions/finish", `{"note": "again"}`)
	post("alice", "/api/cards/1/transitions/finish", `{"note": "tiled"}`)
	// Output:
	// 409 application/problem+json
	// {"type":"about:blank","title":"Conflict","status":409,"detail":"status is Done; Finish needs To do","code":"wrong_state"
	// 200 application/json
	// {"transition":"finish","steps":[{"machine":"httpapi_test.Card.status","object":1,"transition":"finish","moves":[{"field"
}
