package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/statecraft/statecraft/registry/httpapi"
	"github.com/statecraft/statecraft/transition/sqlstore"
	"github.com/statecraft/statecraft/transition/transitiontest"
)

// Whatever a client sends (path, method, headers, body), the handler
// answers with a status it documents and a JSON body, and nothing changes
// unless it answers 200 to a POST.
func FuzzHandler(f *testing.F) {
	f.Add("POST", "/cards/1/transitions/finish", "application/json", "", "", `{"note": "done"}`)
	f.Add("POST", "/cards/1/transitions/finish", "application/json; charset=utf-8", "k", `"abc"`, `{"note": 7}`)
	f.Add("POST", "/boards/1/transitions/archive", "application/merge-patch+json", "", `W/"x"`, ``)
	f.Add("GET", "/boards/1/transitions", "", "", "", "")
	f.Add("GET", "/cards/1/history?after=-1&limit=5", "", "", "", "")
	f.Add("GET", "/feed?after=0&limit=1001", "", "", "", "")
	f.Add("DELETE", "/cards/%2e%2e/transitions", "text/plain", "\x00", "*", "\xff")
	f.Add("POST", "/cards/1/transitions/finish", "application/json", "k", "", `{"note": "`+strings.Repeat("x", 70000)+`"}`)
	allowed := map[int]bool{200: true, 400: true, 401: true, 403: true, 404: true, 405: true, 409: true, 412: true, 413: true, 415: true, 422: true, 500: true}
	f.Fuzz(func(t *testing.T, method, path, contentType, key, ifMatch, body string) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		r, err := http.NewRequest(method, "http://api"+path, strings.NewReader(body))
		if err != nil {
			return // no request a server could receive
		}
		r.Header.Set("X-User", "alice")
		for h, v := range map[string]string{"Content-Type": contentType, "Idempotency-Key": key, "If-Match": ifMatch} {
			if v != "" {
				r.Header[h] = []string{v}
			}
		}
		store := transitiontest.NewStore(newRepo, &sqlstore.Options{Now: transitiontest.NewClock(start).Now})
		seed(t, store)
		h, err := handler(store, 1024, discard)
		if err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, store)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if !allowed[w.Code] {
			t.Fatalf("%s %s: status %d, which the package does not document\n%s", method, path, w.Code, w.Body)
		}
		if w.Code == 500 {
			t.Fatalf("%s %s: 500: the application's code did not fail, so nothing should have", method, path)
		}
		if method != "HEAD" && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %s: the body is not JSON: %q", method, path, w.Body)
		}
		if w.Code != 200 {
			var p httpapi.Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); method != "HEAD" && (err != nil || p.Status != w.Code || p.Code == "") {
				t.Fatalf("%s %s: %d with a body that is no Problem: %s", method, path, w.Code, w.Body)
			}
		}
		if (w.Code != 200 || method != "POST") && snapshot(t, store) != before {
			t.Fatalf("%s %s: %d, but the store changed", method, path, w.Code)
		}
	})
}
