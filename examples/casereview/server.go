package main

import (
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/statecraft/statecraft/registry"
	"github.com/statecraft/statecraft/registry/httpapi"
	"github.com/statecraft/statecraft/state"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// The console: a few server-rendered pages, one stylesheet and one
// script, all embedded in the binary. The pages read cases through the
// Store; the script drives a case's transitions through the JSON API of
// package registry/httpapi, mounted under /api/:
//
//	GET /                        the queue, ?state=VALUE&overdue=1 to filter it
//	GET /cases/{id}              a case: its state, its transitions as buttons, its timeline
//	GET /cases/{id}.json         the case as JSON, which the script re-reads after a transition
//	GET /login, /login?as=NAME   the sign-in page; signing in as NAME sets the "user" cookie
//	GET /logout                  signs out
//	/static/                     style.css and console.js
//	/api/                        GET /api/cases/{id}/transitions, POST /api/cases/{id}/transitions/{name}, GET /api/cases/{id}/history, GET /api/feed

//go:embed static templates
var assets embed.FS

// userCookie names the cookie that holds the signed-in user's name.
const userCookie = "user"

// server serves the console.
type server struct {
	store httpapi.Store[*Repo]
	reg   *registry.Registry[User, *Repo]
	now   func() time.Time
	pages map[string]*template.Template
	log   *slog.Logger
}

// newServer returns the console's handler: its pages, its static files,
// and the JSON API under /api/, on store, running the transitions reg
// holds, with overdue cases told at the times now returns. store is a
// *sqlstore.Store, or the in-memory Store of package transitiontest.
func newServer(store httpapi.Store[*Repo], reg *registry.Registry[User, *Repo], now func() time.Time) (http.Handler, error) {
	s := &server{store: store, reg: reg, now: now, pages: map[string]*template.Template{}, log: slog.Default()}
	funcs := template.FuncMap{"when": func(t time.Time) string { return t.UTC().Format(timeFormat) }}
	for _, page := range []string{"queue.html", "case.html", "login.html", "error.html"} {
		t, err := template.New(page).Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/"+page)
		if err != nil {
			return nil, fmt.Errorf("the console's templates: %w", err)
		}
		s.pages[page] = t
	}
	api, err := httpapi.New(httpapi.Config[User, *Repo]{
		Registry: reg,
		Store:    store,
		Actor:    actorOf,
		Models:   []httpapi.Model[User, *Repo]{httpapi.NewModel[Case, User]("cases", loadCase, nil)}, // everyone signed in sees every case
		Feed:     func(_ context.Context, u User) bool { return u.Role == Supervisor },
		Log:      s.log,
	})
	if err != nil {
		return nil, fmt.Errorf("the console's API: %w", err)
	}
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", http.StripPrefix("/api", api))
	mux.Handle("GET /static/", http.StripPrefix("/static", http.FileServerFS(static)))
	mux.HandleFunc("GET /login", s.login)
	mux.HandleFunc("GET /logout", s.logout)
	mux.HandleFunc("GET /{$}", s.signedIn(s.queue))
	mux.HandleFunc("GET /cases/{id}", s.signedIn(s.casePage))
	return secure(mux), nil
}

// secure sets headers that keep the pages from running scripts of other
// origins or being framed.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

// actorOf returns the user a request's cookie names: the JSON API answers
// 401 when there is none.
func actorOf(r *http.Request) (User, error) {
	c, err := r.Cookie(userCookie)
	if err != nil {
		return User{}, errors.New("sign in first: GET /login?as=NAME")
	}
	u, ok := userNamed(c.Value)
	if !ok {
		return User{}, fmt.Errorf("no user is called %q: sign in again", c.Value)
	}
	return u, nil
}

// loadCase reads the case of an API path, in a unit of work: nil if the
// id is no case's.
func loadCase(ctx context.Context, r *Repo, id string) (*Case, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != id {
		return nil, nil
	}
	return r.Case(ctx, n)
}

// signedIn serves pages to signed-in users, and sends the others to the
// sign-in page.
func (s *server) signedIn(page func(w http.ResponseWriter, r *http.Request, u User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := actorOf(r)
		if err != nil {
			if strings.HasSuffix(r.URL.Path, ".json") {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": err.Error()})
				return
			}
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		page(w, r, u)
	}
}

// base is what every page shows: its title, and who is signed in.
type base struct {
	Title string
	User  User
}

// render writes page with data, or a failure.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	var b strings.Builder
	if err := s.pages[page].ExecuteTemplate(&b, "layout", data); err != nil {
		s.fail(w, r, fmt.Errorf("rendering %s: %w", page, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, b.String())
}

// fail answers a failure of the server's, and logs it.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "casereview: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	http.Error(w, "the server failed to answer; it logged why", http.StatusInternalServerError)
}

// problem answers with the error page.
func (s *server) problem(w http.ResponseWriter, r *http.Request, u User, status int, msg string) {
	s.render(w, r, status, "error.html", struct {
		base
		Message string
	}{base{http.StatusText(status), u}, msg})
}

// login signs in the user ?as names and goes to the queue; without a
// known name, it shows the sign-in page.
func (s *server) login(w http.ResponseWriter, r *http.Request) {
	as := r.URL.Query().Get("as")
	if u, ok := userNamed(as); ok {
		http.SetCookie(w, &http.Cookie{Name: userCookie, Value: u.Name, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	status, msg := http.StatusOK, ""
	if as != "" {
		status, msg = http.StatusBadRequest, fmt.Sprintf("No user is called %q.", as)
	}
	s.render(w, r, status, "login.html", struct {
		base
		Users   []User
		Message string
	}{base{Title: "Sign in"}, users, msg})
}

// logout forgets the signed-in user.
func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: userCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// A caseRow is a case as the queue and the case page show it.
type caseRow struct {
	ID         int64
	Title      string
	Summary    string
	State      string // its state's title
	AssignedTo string
	Due        string
	Overdue    bool
	Note       string
}

func rowOf(c *Case, now time.Time) caseRow {
	d := "No due date"
	if !c.DueAt.IsZero() {
		d = c.DueAt.UTC().Format(timeFormat)
	}
	return caseRow{ID: c.ID, Title: c.Title, Summary: c.Summary, State: c.Status.Title(), AssignedTo: c.AssignedTo,
		Due: d, Overdue: Overdue.Match(c, now), Note: c.Note}
}

// queue serves the queue, filtered by ?state (a state's value) and
// ?overdue=1, in one query: the state's predicate AND Overdue's SQL hook.
func (s *server) queue(w http.ResponseWriter, r *http.Request, u User) {
	ctx := r.Context()
	q := r.URL.Query()
	var status state.State[CaseStatus]
	if v := q.Get("state"); v != "" {
		var err error
		if status, err = CaseState.Parse(v); err != nil {
			s.problem(w, r, u, http.StatusBadRequest, fmt.Sprintf("There is no state %q.", v))
			return
		}
	}
	overdue := q.Get("overdue") == "1"
	now := s.now()
	where := queueWhere(status, overdue).At(now)
	sqlText, args, err := where.Render(sqlexpr.SQLite)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var cases []*Case
	if err := s.store.View(ctx, func(sc transition.Scope[*Repo]) (err error) {
		cases, err = sc.Unit().Cases(ctx, where)
		return err
	}); err != nil {
		s.fail(w, r, err)
		return
	}
	type option struct {
		Value, Title string
		Selected     bool
	}
	data := struct {
		base
		States   []option
		Overdue  bool
		Filtered bool
		Rows     []caseRow
		SQL      string
		Args     string
	}{base: base{"Queue", u}, Overdue: overdue, Filtered: overdue || !status.IsZero(), SQL: sqlText, Args: formatArgs(args)}
	for st := range CaseState.States() {
		data.States = append(data.States, option{st.Name(), st.Title(), st == status})
	}
	for _, c := range cases {
		data.Rows = append(data.Rows, rowOf(c, now))
	}
	s.render(w, r, http.StatusOK, "queue.html", data)
}

// A button is a transition as the case page shows it: a button, disabled
// with its reasons when the user may not run it now.
type button struct {
	Name, Title string
	Available   bool
	Reasons     string
}

// An entry is a row of the history as the timeline shows it.
type entry struct {
	Transition string // its title
	From, To   string // the states' titles
	Actor      string
	At         time.Time
	Input      string // "key: value" pairs
}

// caseJSON is a case as GET /cases/{id}.json serves it.
type caseJSON struct {
	ID         int64               `json:"id"`
	Title      string              `json:"title"`
	Summary    string              `json:"summary"`
	State      transition.StateRef `json:"state"`
	Overdue    bool                `json:"overdue"`
	AssignedTo string              `json:"assigned_to"`
	DueAt      *time.Time          `json:"due_at"`
	Due        string              `json:"due"`
	Note       string              `json:"note"`
	Version    int64               `json:"version"`
}

// casePage serves a case: its facts, its transitions for the user as
// buttons, and its timeline; or, for /cases/{id}.json, the case as JSON.
func (s *server) casePage(w http.ResponseWriter, r *http.Request, u User) {
	ctx := r.Context()
	idText, asJSON := strings.CutSuffix(r.PathValue("id"), ".json")
	var c *Case
	var avs []transition.Availability
	now := s.now()
	err := s.store.View(ctx, func(sc transition.Scope[*Repo]) (err error) {
		if c, err = loadCase(ctx, sc.Unit(), idText); c == nil || err != nil || asJSON {
			return err
		}
		now = sc.Now() // the time the availability is told at
		avs, err = s.reg.Available(ctx, sc, u, c)
		return err
	})
	switch {
	case err != nil:
		s.fail(w, r, err)
		return
	case c == nil && asJSON:
		writeJSON(w, http.StatusNotFound, map[string]string{"detail": "no such case"})
		return
	case c == nil:
		s.problem(w, r, u, http.StatusNotFound, fmt.Sprintf("There is no case %s.", idText))
		return
	}
	row := rowOf(c, now)
	if asJSON {
		out := caseJSON{ID: c.ID, Title: c.Title, Summary: c.Summary, State: transition.StateRef{Value: c.Status.Get(), Title: c.Status.Title()},
			Overdue: row.Overdue, AssignedTo: c.AssignedTo, Due: row.Due, Note: c.Note, Version: c.Version}
		if !c.DueAt.IsZero() {
			out.DueAt = &c.DueAt
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	titles := map[string]string{}
	buttons := make([]button, len(avs))
	for i, a := range avs {
		titles[a.Name] = a.Title
		why := make([]string, len(a.Reasons))
		for j, re := range a.Reasons {
			why[j] = re.Message()
		}
		buttons[i] = button{a.Name, a.Title, a.Available, strings.Join(why, "; ")}
	}
	records, err := s.store.History(ctx, sqlstore.Filter{ObjectType: "main.Case", ObjectID: strconv.FormatInt(c.ID, 10)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	timeline := make([]entry, len(records))
	for i, rec := range records {
		timeline[i] = entry{Transition: cmp.Or(titles[rec.Transition], rec.Transition), From: stateTitle(rec.From), To: stateTitle(rec.To),
			Actor: rec.Actor, At: rec.At, Input: inputText(rec.Input)}
	}
	stateTitles := map[string]string{}
	for st := range CaseState.States() {
		stateTitles[st.Name()] = st.Title()
	}
	s.render(w, r, http.StatusOK, "case.html", struct {
		base
		Case        caseRow
		Transitions []button
		Timeline    []entry
		StateTitles map[string]string
	}{base{c.Title, u}, row, buttons, timeline, stateTitles})
}

// inputText shows a transition's input, as the history holds it, as
// "key: value" pairs in key order: as console.js shows it.
func inputText(input json.RawMessage) string {
	var m map[string]any
	if len(input) == 0 || json.Unmarshal(input, &m) != nil {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %v", k, m[k])
	}
	return strings.Join(parts, "; ")
}

// writeJSON sends v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "the server failed to answer", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// serve serves the console on addr, on the database at path (seeded if it
// holds no case), until ctx is done.
func serve(ctx context.Context, w io.Writer, addr, path string) error {
	reg, err := newRegistry()
	if err != nil {
		return err
	}
	db, store, seeded, err := openStore(ctx, path, time.Now)
	if err != nil {
		return err
	}
	defer db.Close()
	h, err := newServer(store, reg, time.Now)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- srv.Shutdown(shutdown)
	}()
	what := "its cases"
	if seeded {
		what = "the seeded cases"
	}
	fmt.Fprintf(w, "casereview: the console is on %s (the JSON API under /api/), on %s in %s; Ctrl-C stops it\n", consoleURL(ln.Addr()), what, path)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	return <-done
}

// consoleURL is the console's address, as a browser opens it.
func consoleURL(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String() + "/"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}
