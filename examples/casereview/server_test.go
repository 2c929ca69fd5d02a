package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/statecraft/statecraft/registry/httpapi"
)

// The console's own pages, on the program's database (SQLite, seeded) and
// a clock fixed at start. The JSON API is registry/httpapi's, tested
// there; here, only that it is mounted, and answers for the cookie's user.

// console returns the console's handler on a new seeded database.
func console(t *testing.T) http.Handler {
	t.Helper()
	db, store, seeded, err := openStore(context.Background(), filepath.Join(t.TempDir(), "cases.db"), func() time.Time { return start })
	require.NoError(t, err)
	require.True(t, seeded)
	t.Cleanup(func() { db.Close() })
	reg, err := newRegistry()
	require.NoError(t, err)
	h, err := newServer(store, reg, func() time.Time { return start })
	require.NoError(t, err)
	return h
}

// get requests path as user ("" for no one) and returns the response and
// its body.
func get(t *testing.T, h http.Handler, user, path string) (*http.Response, string) {
	t.Helper()
	return do(t, h, httptest.NewRequest(http.MethodGet, path, nil), user)
}

func do(t *testing.T, h http.Handler, r *http.Request, user string) (*http.Response, string) {
	t.Helper()
	if user != "" {
		r.AddCookie(&http.Cookie{Name: userCookie, Value: user})
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := w.Result()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(body)
}

// keys counts the requests post sent, to give each a key of its own.
var keys int

// post runs a transition through the API, as console.js does: with a
// fresh Idempotency-Key.
func post(t *testing.T, h http.Handler, user, path, body string) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	keys++
	r.Header.Set("Idempotency-Key", fmt.Sprintf("key-%d", keys))
	return do(t, h, r, user)
}

var queueRowRE = regexp.MustCompile(`(?s)<tr data-case-id="(\d+)"( class="overdue")?>.*?<a class="case-link" href="/cases/(\d+)">([^<]*)</a>.*?<td class="state">([^<]*)</td>.*?</tr>`)

// queueRows returns the queue's rows, each as "ID TITLE | STATE", with
// " (overdue)" for the rows marked overdue.
func queueRows(t *testing.T, body string) []string {
	t.Helper()
	var rows []string
	for _, m := range queueRowRE.FindAllStringSubmatch(body, -1) {
		require.Equal(t, m[1], m[3], "the row's id and its link's")
		row := m[1] + " " + m[4] + " | " + m[5]
		if m[2] != "" {
			row += " (overdue)"
		}
		rows = append(rows, row)
	}
	return rows
}

func TestSignIn(t *testing.T) {
	h := console(t)
	for _, path := range []string{"/", "/?state=NEW", "/cases/1"} {
		res, _ := get(t, h, "", path)
		assert.Equal(t, http.StatusSeeOther, res.StatusCode, path)
		assert.Equal(t, "/login", res.Header.Get("Location"), path)
		res, _ = get(t, h, "mallory", path)
		assert.Equal(t, "/login", res.Header.Get("Location"), "an unknown user is no one: %s", path)
	}

	res, body := get(t, h, "", "/login")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	for _, u := range []string{"rita", "vic", "sam"} {
		assert.Contains(t, body, `<a href="/login?as=`+u+`">`+u+`</a>`)
	}
	res, body = get(t, h, "", "/login?as=mallory")
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, `No user is called &#34;mallory&#34;.`)
	assert.Contains(t, body, `<a href="/login?as=rita">`)

	res, _ = get(t, h, "", "/login?as=rita")
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/", res.Header.Get("Location"))
	cookies := res.Cookies()
	require.Len(t, cookies, 1)
	assert.Equal(t, userCookie, cookies[0].Name)
	assert.Equal(t, "rita", cookies[0].Value)
	assert.Equal(t, "/", cookies[0].Path)
	assert.True(t, cookies[0].HttpOnly)

	_, body = get(t, h, "rita", "/")
	assert.Contains(t, body, `Signed in as <strong id="user">rita</strong>`)
	assert.Contains(t, body, `<a id="sign-out" href="/logout">Sign out</a>`)
	res, _ = get(t, h, "rita", "/logout")
	assert.Equal(t, "/login", res.Header.Get("Location"))
	require.Len(t, res.Cookies(), 1)
	assert.Equal(t, -1, res.Cookies()[0].MaxAge, "the cookie is deleted")

	// The API answers 401 without a user, and works for one.
	for _, user := range []string{"", "mallory"} {
		res, body = get(t, h, user, "/api/cases/1/transitions")
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
		assert.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
		assert.Contains(t, body, `"code":"unauthenticated"`)
		res, _ = post(t, h, user, "/api/cases/1/transitions/approve", `{}`)
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
		res, _ = get(t, h, user, "/cases/1.json")
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	}
}

func TestQueue(t *testing.T) {
	h := console(t)
	res, body := get(t, h, "vic", "/")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
	assert.Contains(t, body, `<form id="filters" method="get" action="/">`)
	assert.Contains(t, body, `<option value="">All states</option>`)
	for st := range CaseState.States() {
		assert.Contains(t, body, `<option value="`+st.Name()+`">`+st.Title()+`</option>`)
	}
	assert.Contains(t, body, `<input type="checkbox" name="overdue" value="1">`)
	assert.Contains(t, body, `<table id="queue">`)
	assert.Equal(t, []string{
		"1 Dr. Sarah Smith - CSF Application | In review",
		"2 Alice Brown - CSF Renewal | New",
		"3 Northside Pharmacy - Facility License | In review (overdue)",
		"4 Dr. Omar Haddad - Practitioner Registration | Needs info",
		"5 Lakeview Clinic - Controlled Substances Permit | Blocked",
		"6 Dr. Maria Lopez - CSF Application | Approved",
		"7 Greenfield Hospital - Annual Attestation | New (overdue)",
		"8 Dr. Ken Ito - Practitioner Renewal | Closed",
		"9 Riverside Dental - Address Change | New",
	}, queueRows(t, body))

	for _, tt := range []struct {
		query string
		rows  []string
	}{
		{"state=IN_REVIEW", []string{
			"1 Dr. Sarah Smith - CSF Application | In review",
			"3 Northside Pharmacy - Facility License | In review (overdue)",
		}},
		{"overdue=1", []string{
			"3 Northside Pharmacy - Facility License | In review (overdue)",
			"7 Greenfield Hospital - Annual Attestation | New (overdue)",
		}},
		{"state=NEW&overdue=1", []string{"7 Greenfield Hospital - Annual Attestation | New (overdue)"}},
		{"state=BLOCKED&overdue=1", nil}, // past its due date, but no longer open
		{"state=&overdue=", nil},
	} {
		t.Run(tt.query, func(t *testing.T) {
			res, body := get(t, h, "vic", "/?"+tt.query)
			assert.Equal(t, http.StatusOK, res.StatusCode)
			if tt.query == "state=&overdue=" {
				assert.Len(t, queueRows(t, body), 9, "no filter")
				return
			}
			assert.Equal(t, tt.rows, queueRows(t, body))
			if tt.rows == nil {
				assert.Contains(t, body, "No case matches.")
			}
			if strings.Contains(tt.query, "overdue=1") {
				assert.Contains(t, body, `<input type="checkbox" name="overdue" value="1" checked>`, "the filter is kept")
			}
			if st, ok := strings.CutPrefix(tt.query, "state="); ok {
				st, _, _ = strings.Cut(st, "&")
				assert.Regexp(t, `<option value="`+st+`" selected>`, body, "the filter is kept")
			}
		})
	}

	res, body = get(t, h, "vic", "/?state=ARCHIVED")
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, `There is no state &#34;ARCHIVED&#34;.`)
}

var buttonRE = regexp.MustCompile(`<button type="button" data-transition="([a-z_]+)"( disabled)?>([^<]*)</button> <span class="reasons" data-for="([a-z_]+)">([^<]*)</span>`)

// buttons returns the case page's transitions, each as "NAME TITLE: yes"
// or "NAME TITLE: no, REASONS".
func buttons(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	for _, m := range buttonRE.FindAllStringSubmatch(body, -1) {
		require.Equal(t, m[1], m[4], "the reasons are the button's")
		b := m[1] + " " + m[3] + ": "
		if m[2] == "" {
			require.Empty(t, m[5], "an enabled button has no reason")
			b += "yes"
		} else {
			b += "no, " + m[5]
		}
		out = append(out, b)
	}
	return out
}

var caseState = regexp.MustCompile(`<span id="case-state" class="state">([^<]*)</span>`)

func TestCasePage(t *testing.T) {
	h := console(t)
	res, body := get(t, h, "rita", "/cases/1")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "In review", caseState.FindStringSubmatch(body)[1])
	assert.Contains(t, body, `<h1>Dr. Sarah Smith - CSF Application</h1>`)
	assert.Contains(t, body, `<div id="error" role="alert" hidden></div>`)
	assert.Contains(t, body, `<ol id="timeline"></ol>`, "no transition yet")
	assert.Equal(t, []string{
		"start_review Start review: no, status is In review; Start review needs New",
		"request_info Request info: yes",
		"provide_info Provide info: no, status is In review; Provide info needs Needs info",
		"approve Approve: yes",
		"block Block: no, only supervisor may Block",
		"unblock Unblock: no, status is In review; Unblock needs Blocked; only supervisor may Unblock",
		"close Close: no, status is In review; Close needs Approved or Blocked; only supervisor may Close",
	}, buttons(t, body))

	// The buttons are the API's list, for the same user.
	res, apiBody := get(t, h, "sam", "/api/cases/1/transitions")
	require.Equal(t, http.StatusOK, res.StatusCode)
	var list httpapi.TransitionList
	require.NoError(t, json.Unmarshal([]byte(apiBody), &list))
	_, body = get(t, h, "sam", "/cases/1")
	bs := buttons(t, body)
	require.Len(t, bs, len(list.Transitions))
	for i, tr := range list.Transitions {
		assert.True(t, strings.HasPrefix(bs[i], tr.Name+" "+tr.Title+": "), bs[i])
		assert.Equal(t, tr.Available, strings.HasSuffix(bs[i], ": yes"), bs[i])
	}
	assert.Contains(t, bs, "block Block: yes")

	res, body = get(t, h, "rita", "/cases/42")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Contains(t, body, "There is no case 42.")
	res, _ = get(t, h, "rita", "/cases/01")
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "one spelling per case")
	res, _ = get(t, h, "rita", "/cases/42.json")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}

// TestCasePageAfterTransitions: the page reads the case afresh, and its
// timeline is the API's history.
func TestCasePageAfterTransitions(t *testing.T) {
	h := console(t)
	res, body := post(t, h, "rita", "/api/cases/2/transitions/start_review", `{}`)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	res, body = post(t, h, "rita", "/api/cases/2/transitions/request_info", `{"note": "abc"}`)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	assert.Contains(t, body, `"errors":[{"field":"/note","code":"min_length"`)
	res, body = post(t, h, "rita", "/api/cases/2/transitions/request_info", `{"note": "Send the fee receipt"}`)
	require.Equal(t, http.StatusOK, res.StatusCode, body)

	res, body = get(t, h, "vic", "/cases/2.json")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
	assert.JSONEq(t, `{"id": 2, "title": "Alice Brown - CSF Renewal", "summary": "Renewal of a practitioner's facilitation permit",
		"state": {"value": "NEEDS_INFO", "title": "Needs info"}, "overdue": false, "assigned_to": "rita",
		"due_at": "2026-12-02T09:00:00Z", "due": "2026-12-02 09:00 UTC", "note": "Send the fee receipt", "version": 2}`, body)

	_, body = get(t, h, "vic", "/cases/2")
	assert.Equal(t, "Needs info", caseState.FindStringSubmatch(body)[1])
	assert.Contains(t, body, `<dd id="case-note">Send the fee receipt</dd>`)
	assert.Contains(t, buttons(t, body), "provide_info Provide info: yes")
	assert.Contains(t, body, `<ol id="timeline">
<li><span class="what">Start review</span> <span class="move">New → In review</span> <span class="actor">by rita</span> <time datetime="2026-11-30T09:00:00Z">2026-11-30 09:00 UTC</time></li>
<li><span class="what">Request info</span> <span class="move">In review → Needs info</span> <span class="actor">by rita</span> <time datetime="2026-11-30T09:00:00Z">2026-11-30 09:00 UTC</time> <span class="input">note: Send the fee receipt</span></li></ol>`)

	res, body = get(t, h, "vic", "/api/cases/2/history")
	require.Equal(t, http.StatusOK, res.StatusCode)
	var history httpapi.History
	require.NoError(t, json.Unmarshal([]byte(body), &history))
	assert.Len(t, history.Records, 2, "a list item per row")

	// A case past its due date says so; the supervisor follows the feed.
	_, body = get(t, h, "sam", "/cases/3")
	assert.Contains(t, body, `<span id="case-overdue" class="badge">Overdue</span>`)
	res, _ = get(t, h, "sam", "/api/feed")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	res, _ = get(t, h, "rita", "/api/feed")
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "for supervisors only")
}

func TestStatic(t *testing.T) {
	h := console(t)
	for path, typ := range map[string]string{"/static/style.css": "text/css", "/static/console.js": "text/javascript"} {
		res, body := get(t, h, "", path)
		assert.Equal(t, http.StatusOK, res.StatusCode, path)
		assert.Contains(t, res.Header.Get("Content-Type"), typ, path)
		assert.NotEmpty(t, body)
	}
	res, _ := get(t, h, "rita", "/")
	assert.Equal(t, "default-src 'self'; frame-ancestors 'none'", res.Header.Get("Content-Security-Policy"))
}
