package sqlstore_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/statecraft/statecraft/internal/conformance"
	"github.com/statecraft/statecraft/internal/dbtest"
	"github.com/statecraft/statecraft/state/sqlexpr"
	"github.com/statecraft/statecraft/transition/sqlstore"
)

// The race of race_test.go across OS processes, as several instances of
// a service race: the test binary runs itself as raceProcesses children,
// each with goroutines of its own firing conflicting transitions on the
// same projects in one PostgreSQL schema. The parent sums what they
// report; the history must replay to what is stored.

const (
	raceProcesses = 4
	raceWorkers   = 4  // goroutines per process
	raceRounds    = 25 // transitions per goroutine

	// raceChildEnv marks a child, and carries its raceJob as JSON.
	raceChildEnv = "STATECRAFT_SQLSTORE_RACE_CHILD"
	// The lines a child writes on stdout: it is ready to start; and its
	// result, as JSON.
	raceReady  = "statecraft-race-ready"
	raceResult = "statecraft-race-result "
)

// raceJob is what a child is given.
type raceJob struct {
	DSN     string  `json:"dsn"` // the parent's database, in the parent's schema
	IDs     []int64 `json:"ids"`
	Workers int     `json:"workers"`
	Rounds  int     `json:"rounds"`
}

// raceReport is what a child reports.
type raceReport struct {
	OK        map[int64]int `json:"ok"` // successful transitions per project
	Conflicts int64         `json:"conflicts"`
}

func TestRacesAcrossProcesses(t *testing.T) {
	if job := os.Getenv(raceChildEnv); job != "" {
		raceChild(t, job)
		return
	}
	db := dbtest.Postgres(t) // skips unless PostgreSQL is configured
	e := setup(t, db, nil)
	var ids []int64
	for i := range 3 {
		ids = append(ids, e.project(t, fmt.Sprint("p", i), Draft, 0).ID)
	}
	job, err := json.Marshal(raceJob{DSN: schemaDSN(t, db), IDs: ids, Workers: raceWorkers, Rounds: raceRounds})
	require.NoError(t, err)
	exe, err := os.Executable()
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	children := make([]*raceProcess, raceProcesses)
	for i := range children {
		cmd := exec.CommandContext(ctx, exe, "-test.run=^TestRacesAcrossProcesses$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), raceChildEnv+"="+string(job))
		c, err := startRaceProcess(cmd)
		require.NoError(t, err, "child %d", i)
		defer c.stop()
		children[i] = c
	}
	// Start them together, once all are connected: the races are across
	// processes, not one process after another.
	for i, c := range children {
		select {
		case <-c.ready:
		case <-c.done:
			t.Fatalf("child %d ended before it was ready: %v\n%s", i, c.err, c.output())
		case <-ctx.Done():
			t.Fatalf("child %d never got ready\n%s", i, c.output())
		}
	}
	for _, c := range children {
		c.stdin.Close() // the signal to go
	}

	sum := map[int64]int{}
	var conflicts int64
	for i, c := range children {
		<-c.done
		if c.err != nil {
			t.Fatalf("child %d: %v\n%s", i, c.err, c.output())
		}
		r, err := c.report()
		require.NoError(t, err, "child %d\n%s", i, c.output())
		t.Logf("child %d: %d conflicts, successes per project %v", i, r.Conflicts, r.OK)
		for id, n := range r.OK {
			sum[id] += n
		}
		conflicts += r.Conflicts
	}
	// Every call succeeded or lost a conflict: each child fails its test,
	// which the parent sees above, on any other failure.
	total := 0
	for _, n := range sum {
		total += n
	}
	assert.Equal(t, raceProcesses*raceWorkers*raceRounds, total+int(conflicts), "every transition succeeded or lost a conflict")
	t.Logf("%d conflicts across %d processes", conflicts, raceProcesses)
	assert.Positive(t, conflicts, "no conflict happened: the test proved nothing")
	CheckReplay(t, e.store, ids, sum)
}

// raceChild is the test in a child: it connects to the parent's schema,
// says it is ready, waits for stdin to close, hammers, and reports.
func raceChild(t *testing.T, jobJSON string) {
	var job raceJob
	require.NoError(t, json.Unmarshal([]byte(jobJSON), &job))
	ctx := context.Background()
	db, err := sql.Open("pgx", job.DSN)
	require.NoError(t, err)
	defer db.Close()
	db.SetMaxOpenConns(2 * job.Workers)
	db.SetMaxIdleConns(2 * job.Workers)
	require.NoError(t, db.PingContext(ctx))
	store, err := sqlstore.New(db, sqlexpr.Postgres, NewRepo, &sqlstore.Options{Now: Now})
	require.NoError(t, err)

	fmt.Println(raceReady)
	io.Copy(io.Discard, os.Stdin) // until the parent closes it
	ok, conflicts := Hammer(t, store.Querier(), store, job.IDs, job.Workers, job.Rounds, false)
	out, err := json.Marshal(raceReport{OK: ok, Conflicts: conflicts})
	require.NoError(t, err)
	fmt.Println(raceResult + string(out))
}

// schemaDSN returns the DSN of db, the parent's database, in its schema,
// for a child to connect to: dbtest made the schema, and set it as the
// search_path of the DSN it connected with, which it does not give out.
func schemaDSN(t *testing.T, db *dbtest.DB) string {
	t.Helper()
	var schema string
	require.NoError(t, db.QueryRow(`SELECT current_schema()`).Scan(&schema))
	require.True(t, strings.HasPrefix(schema, "test_"), "schema %q is not one dbtest made", schema)
	u, err := url.Parse(os.Getenv(dbtest.PostgresEnv))
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// raceProcess is a running child.
type raceProcess struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	ready chan struct{} // closed when the child is ready
	done  chan struct{} // closed when the child has ended; then err is set
	err   error

	mu     sync.Mutex
	lines  []string // its stdout
	stderr strings.Builder
}

func startRaceProcess(cmd *exec.Cmd) (*raceProcess, error) {
	c := &raceProcess{cmd: cmd, ready: make(chan struct{}), done: make(chan struct{})}
	var err error
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = lockedWriter{&c.mu, &c.stderr}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		readyOnce := sync.OnceFunc(func() { close(c.ready) })
		for sc.Scan() {
			line := sc.Text()
			c.mu.Lock()
			c.lines = append(c.lines, line)
			c.mu.Unlock()
			if line == raceReady {
				readyOnce()
			}
		}
		c.err = cmd.Wait() // after reading all of stdout, as Wait closes it
		close(c.done)
	}()
	return c, nil
}

// stop kills the child if it still runs, and waits for it.
func (c *raceProcess) stop() {
	select {
	case <-c.done:
	default:
		c.cmd.Process.Kill()
		<-c.done
	}
}

// report returns what the child reported.
func (c *raceProcess) report() (raceReport, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var r raceReport
	for _, line := range c.lines {
		if s, ok := strings.CutPrefix(line, raceResult); ok {
			return r, json.Unmarshal([]byte(s), &r)
		}
	}
	return r, fmt.Errorf("no line %q", strings.TrimSpace(raceResult))
}

// output returns what the child wrote, for a failure's message.
func (c *raceProcess) output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return "stdout:\n" + strings.Join(c.lines, "\n") + "\nstderr:\n" + c.stderr.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
