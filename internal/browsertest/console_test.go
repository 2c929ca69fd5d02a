package browsertest

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

var screenshotPath = flag.String("screenshot", "", "write the console's full-page screenshot (PNG) to this file instead of a temporary directory")

// The seeded case the test works on, as examples/casereview promises.
const (
	caseID    = "1"
	caseTitle = "Dr. Sarah Smith - CSF Application"
	validNote = "Please send the licence number."
)

// browserNames are the programs tried, in order, to find a Chromium.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome"}

func TestConsole(t *testing.T) {
	// Decide about the browser first, so that a skip costs no build.
	browser := findBrowser(t)

	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	base := startConsole(t, root)

	browserOut := new(lockedBuffer)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("output of %s:\n%s", browser, browserOut)
		}
	})
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(),
		append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(browser),
			chromedp.Headless,  // already among the defaults; the test must never open a window
			chromedp.NoSandbox, // Chromium refuses to start as root with its sandbox.
			chromedp.DisableGPU,
			chromedp.WindowSize(1280, 900),
			chromedp.UserDataDir(t.TempDir()),
			chromedp.CombinedOutput(browserOut),
		)...)
	defer cancelAlloc()
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	// The first Run starts the browser and ties it to its context, so it gets
	// the browser's context; the steps below get shorter deadlines.
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start %s: %v", browser, err)
	}
	ctx, cancel := context.WithTimeout(browserCtx, 60*time.Second)
	defer cancel()

	b := &session{t: t, ctx: ctx}

	// The queue, as rita.
	b.do("log in as rita", chromedp.Navigate(base+"/login?as=rita"))
	row := fmt.Sprintf(`#queue tr[data-case-id="%s"]`, caseID)
	b.do("find case "+caseID+" in the queue", chromedp.WaitVisible(chromedp.CSS(row)))
	b.waitText("case "+caseID+"'s title in the queue", row+" a.case-link", caseTitle)
	b.waitText("case "+caseID+"'s state in the queue", row+" .state", "In review")

	// The case page, reached through the queue's link.
	link := fmt.Sprintf(`a.case-link[href="/cases/%s"]`, caseID)
	run(b, "open the case from the queue", chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(link))))
	b.do("wait for the case's state", chromedp.WaitVisible(chromedp.CSS("#case-state")))
	b.waitText("the case's state", "#case-state", "In review")
	b.do("wait for the timeline", chromedp.WaitReady(chromedp.CSS("#timeline")))
	before := b.timelineLen()
	t.Logf("case %s: %q, %d timeline entries", caseID, caseTitle, before)

	// A supervisor-only transition: disabled for rita, and the page says why.
	closeButton := chromedp.CSS(`#transitions button[data-transition="close"]`)
	if !b.attr("the close button's disabled attribute", closeButton, "disabled").Exists {
		b.fatalf(`button[data-transition="close"] is enabled for the reviewer rita; want it disabled`)
	}
	reasons := b.textContent("the close button's reasons", `#transitions span.reasons[data-for="close"]`)
	if reasons == "" {
		b.fatalf(`span.reasons[data-for="close"] is empty; want why rita may not close the case`)
	}
	t.Logf("close is disabled for rita: %s", reasons)

	// request_info is open to rita; its button shows a form built from the schema.
	requestInfo := chromedp.CSS(`#transitions button[data-transition="request_info"]`)
	if b.attr("the request_info button's disabled attribute", requestInfo, "disabled").Exists {
		b.fatalf(`button[data-transition="request_info"] is disabled for rita on a case in review; reasons: %q`,
			b.textContent("request_info's reasons", `#transitions span.reasons[data-for="request_info"]`))
	}
	b.do("click request_info", chromedp.Click(requestInfo))
	const form = `form[data-form="request_info"]`
	note := chromedp.CSS(form + ` input[name="note"]`)
	submit := chromedp.CSS(form + ` button[type="submit"]`)
	b.do("wait for the request_info form", chromedp.WaitVisible(note))
	if !b.attr("the note's required attribute", note, "required").Exists {
		b.fatalf(`the note input is not required; the schema requires it`)
	}
	if got := b.attr("the note's minlength attribute", note, "minlength"); got.Value != "5" {
		b.fatalf(`the note input has minlength %q (present: %v), want "5" from the schema`, got.Value, got.Exists)
	}

	// A note that is too short. The browser's own check would stop it, so
	// remove that check: the server must refuse it, and the page must say so.
	b.do("drop the browser's own validation", chromedp.Evaluate[chromedp.Void](`(() => {
		const form = document.querySelector('`+form+`');
		form.noValidate = true;
		form.querySelector('input[name="note"]').removeAttribute('minlength');
	})()`))
	b.do("type a short note", chromedp.SendKeys(note, "hi"))
	b.do("submit the short note", chromedp.Click(submit))
	msg := b.waitFor("the error for the short note", func() (string, bool) {
		s, err := try[string](b, textJS("#error"))
		if err != nil {
			return err.Error(), false
		}
		return s, s != ""
	})
	t.Logf("a short note is refused: %s", msg)
	if got := b.textContent("the case's state after the refused note", "#case-state"); got != "In review" {
		b.fatalf("#case-state is %q after a refused transition, want %q", got, "In review")
	}

	// A valid note: the transition happens.
	// chromedp.Clear sets only the value attribute, which typing has
	// overridden, and SetValue refuses "": empty the input in the page, then
	// type, so that the page sees the key events.
	b.do("empty the note", chromedp.Evaluate[chromedp.Void](`(() => {
		const note = document.querySelector('`+string(note)+`');
		note.value = '';
		note.dispatchEvent(new Event('input', {bubbles: true}));
	})()`))
	b.do("type a valid note", chromedp.SendKeys(note, validNote))
	if got := run(b, "read the note back", chromedp.Value(note)); got != validNote {
		b.fatalf("the note input holds %q, want %q", got, validNote)
	}
	b.do("submit the valid note", chromedp.Click(submit))
	// The page may update itself or reload; read it until it shows the change.
	type view struct {
		State    string `json:"state"`
		Timeline int    `json:"timeline"`
		Error    string `json:"error"`
	}
	var last view
	b.waitFor(`"Needs info" and one more timeline entry`, func() (string, bool) {
		v, err := try[view](b, `({
			state: `+textJS("#case-state")+`,
			timeline: document.querySelectorAll('#timeline li').length,
			error: `+textJS("#error")+`,
		})`)
		if err != nil {
			return fmt.Sprintf("%v (last seen: %+v)", err, last), false
		}
		last = v
		return fmt.Sprintf("%+v", v), v.State == "Needs info" && v.Timeline == before+1
	})
	t.Logf("after request_info: state %q, %d timeline entries", last.State, last.Timeline)

	// The screenshot, of the page as it is now.
	png := run(b, "take a screenshot", chromedp.FullScreenshot(100))
	path := *screenshotPath
	if path == "" {
		path = filepath.Join(t.TempDir(), "console.png")
	} else if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
}

// findBrowser returns the path of a Chromium, or ends the test: a failure
// under CI=true, where the browser must be there, and a skip elsewhere.
func findBrowser(t *testing.T) string {
	t.Helper()
	for _, name := range browserNames {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	msg := fmt.Sprintf("no Chromium found on PATH (tried %s)", strings.Join(browserNames, ", "))
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s; CI=true needs the browser test to run: install Chromium (Debian: apt-get install chromium)", msg)
	}
	t.Skipf("%s; install it to run the browser test (Debian: apt-get install chromium)", msg)
	return ""
}

// startConsole builds examples/casereview, starts it on a free port with a
// fresh database, waits until it answers, and returns its base URL. The
// program is killed when the test ends, and its output is logged if the test
// failed.
func startConsole(t *testing.T, root string) string {
	t.Helper()
	const pkg = "./examples/casereview"
	if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(pkg))); err != nil {
		t.Fatalf("the console's program %s is missing from %s: %v", pkg, root, err)
	}

	dir := t.TempDir()
	bin := filepath.Join(dir, "casereview")
	build := exec.Command("go", "build", "-o", bin, pkg)
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}

	addr := freeAddr(t)
	out := new(lockedBuffer)
	cmd := exec.Command(bin, "-http", addr, "-db", filepath.Join(dir, "case.db"))
	cmd.Dir = dir
	cmd.Stdout = out
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("output of casereview:\n%s", out)
		}
	})

	base := "http://" + addr
	client := &http.Client{
		Timeout: time.Second,
		// Any answer will do, a redirect to a login page too.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get(base + "/")
		if err == nil {
			resp.Body.Close()
			t.Logf("casereview answers on %s (%s)", base, resp.Status)
			return base
		}
		select {
		case werr := <-exited:
			exited <- werr // for the cleanup
			t.Fatalf("casereview exited before it answered on %s: %v", base, werr)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("casereview did not answer on %s within 30s: %v", base, err)
		}
	}
}

// freeAddr returns a 127.0.0.1 address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// lockedBuffer collects a program's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// session runs the test's browser steps; a failed step ends the test and
// logs where the page was and what it held.
type session struct {
	t   *testing.T
	ctx context.Context
}

// stepTimeout bounds each step, so that a missing element fails the step
// that looked for it rather than the whole test's deadline.
const stepTimeout = 15 * time.Second

func (b *session) do(what string, a chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	run(b, what, a)
}

// run runs one action with the step timeout and returns its value.
func run[T any](b *session, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fatalf("%s: %v", what, err)
	}
	return v
}

// textContent returns the text of the first element that css selects, with
// its runs of white space made one space. It is the text in the markup, not
// as CSS shows it (text-transform, say, or a hidden element).
func (b *session) textContent(what, css string) string {
	b.t.Helper()
	return strings.Join(strings.Fields(run(b, what, chromedp.TextContent(chromedp.CSS(css)))), " ")
}

// textJS is a JavaScript expression for the text of the first element that
// css selects, as textContent returns it, or "" when there is none.
func textJS(css string) string {
	return fmt.Sprintf(`(document.querySelector(%q)?.textContent ?? '').replace(/\s+/g, ' ').trim()`, css)
}

// waitText waits until the first element that css selects has the text want,
// as textContent reads it: a page may fill in its text after it loads.
func (b *session) waitText(what, css, want string) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf("%s (%s) to read %q", what, css, want), func() (string, bool) {
		got, err := try[string](b, textJS(css))
		if err != nil {
			return err.Error(), false
		}
		return fmt.Sprintf("%q", got), got == want
	})
}

func (b *session) attr(what string, sel chromedp.CSS, name string) chromedp.AttributeResult {
	b.t.Helper()
	return run(b, what, chromedp.AttributeValue(sel, name))
}

// timelineLen counts the entries of the timeline. A page that fills it in
// after it loads gets a moment to do so; a case may also have no history.
func (b *session) timelineLen() int {
	b.t.Helper()
	count := func() int {
		return run(b, "count the timeline's entries", chromedp.Evaluate[int](`document.querySelectorAll('#timeline li').length`))
	}
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if n := count(); n > 0 {
			return n
		}
	}
	return count()
}

// try evaluates a JavaScript expression and returns its error rather than
// failing: a page in the middle of a reload has no document to ask, and the
// caller asks again.
func try[T any](b *session, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// waitFor calls check until it reports true, for up to the step timeout, and
// returns its last description; on timeout it fails with that description.
func (b *session) waitFor(what string, check func() (string, bool)) string {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		desc, ok := check()
		if ok {
			return desc
		}
		if time.Now().After(deadline) || b.ctx.Err() != nil {
			b.fatalf("waiting for %s: gave up after %v; last seen: %s", what, stepTimeout, desc)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// fatalf ends the test, after logging the page's address and body.
func (b *session) fatalf(format string, args ...any) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(b.ctx), 5*time.Second)
	defer cancel()
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		b.t.Logf("page: %s", loc)
	}
	if body, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.outerHTML : ''`)); err == nil {
		const max = 8000
		if len(body) > max {
			body = body[:max] + "…"
		}
		b.t.Logf("page body:\n%s", body)
	} else if !errors.Is(err, context.DeadlineExceeded) {
		b.t.Logf("page body: %v", err)
	}
	b.t.Fatalf(format, args...)
}
