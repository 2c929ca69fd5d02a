// Package browsertest drives the case-review web console of
// examples/casereview with a headless Chromium, the way a person would.
//
// TestConsole builds the example program from the repository root, starts it
// on a free 127.0.0.1 port with a fresh SQLite database, and then, through
// github.com/chromedp/chromedp:
//
//   - logs in as the reviewer rita and finds case 1 in the queue;
//   - opens the case and sees that the supervisor-only "close" transition is
//     disabled, with the reasons next to its button;
//   - clicks "request_info", which shows a form generated from the
//     transition's JSON Schema;
//   - submits a note that is too short (with the browser's own minlength
//     check removed) and sees the server's error in #error;
//   - submits a valid note and sees the state become "Needs info" and the
//     timeline grow by one entry;
//   - saves a full-page screenshot.
//
// This is a separate Go module, so that chromedp does not become a
// dependency of the library. The root module's `go test ./...` does not see
// it; run it from this directory:
//
//	cd internal/browsertest && go test ./...
//
// It needs Chromium (on Debian: apt-get install chromium). Without a browser
// the test skips, except when CI=true, where it fails. The screenshot goes to
// a temporary directory unless the test flag -screenshot names a file, which
// is relative to this directory:
//
//	go test -run TestConsole -screenshot ../../docs/console.png
package browsertest
