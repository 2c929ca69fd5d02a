package main

import (
	"bufio"
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to describe the PostgreSQL server
	_ "modernc.org/sqlite"             // the "sqlite" driver, to say which SQLite it embeds
)

// machine describes where the benchmarks ran.
type machine struct {
	goos, goarch string
	cpu          string
	cpus         int
	goVersion    string
	commit       string
	sqlite       string // SQLite's version, and where its files go
	postgres     string // the PostgreSQL server's version and durability settings, or ""
}

// describeMachine describes this machine, from the runtime, /proc/cpuinfo,
// the go command and git run in dir, and the benchmark output's
// configuration (for what the others do not say).
func describeMachine(dir string, config map[string]string) machine {
	m := machine{goos: runtime.GOOS, goarch: runtime.GOARCH, cpus: runtime.NumCPU(), cpu: cpuModel()}
	if v := config["goos"]; v != "" {
		m.goos = v
	}
	if v := config["goarch"]; v != "" {
		m.goarch = v
	}
	if reported := strings.TrimSpace(config["cpu"]); m.cpu == "" {
		m.cpu = reported
	} else if reported != "" && reported != m.cpu {
		m.cpu += " (go test: " + reported + ")"
	}
	m.goVersion = strings.TrimPrefix(output(dir, "go", "version"), "go version ")
	if m.goVersion == "" {
		m.goVersion = runtime.Version()
	}
	if commit := output(dir, "git", "rev-parse", "--short", "HEAD"); commit != "" {
		m.commit = commit
		// The report itself is the one change a run makes.
		if output(dir, "git", "status", "--porcelain", "--", "../..", ":!../../BENCHMARKS.md") != "" {
			m.commit += " with uncommitted changes"
		}
	}
	m.sqlite = describeSQLite()
	m.postgres = describePostgres(os.Getenv("STATECRAFT_POSTGRES_DSN"))
	return m
}

// describeSQLite returns the version of the SQLite modernc.org/sqlite
// embeds, and the file system of the temporary directory its test
// databases are files in.
func describeSQLite() string {
	var desc string
	if db, err := sql.Open("sqlite", ":memory:"); err == nil {
		var v string
		if db.QueryRow(`SELECT sqlite_version()`).Scan(&v) == nil {
			desc = "SQLite " + v + " (modernc.org/sqlite)"
		}
		db.Close()
	}
	if fs := fileSystem(os.TempDir()); fs != "" {
		desc += ", its files on " + fs + " (" + os.TempDir() + ")"
	}
	return desc
}

// fileSystem returns the type of the file system dir is on, from
// /proc/mounts, or "".
func fileSystem(dir string) string {
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return ""
	}
	data, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return ""
	}
	best, fs := "", ""
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		if mnt := f[1]; (dir == mnt || strings.HasPrefix(dir, strings.TrimSuffix(mnt, "/")+"/")) && len(mnt) >= len(best) {
			best, fs = mnt, f[2]
		}
	}
	return fs
}

// describePostgres returns the version of the PostgreSQL server dsn
// names, and its durability settings, or "" when there is none.
func describePostgres(dsn string) string {
	if dsn == "" {
		return ""
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return "unreachable: " + err.Error()
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var version, fsync, syncCommit string
	err = db.QueryRowContext(ctx, `SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit')`).Scan(&version, &fsync, &syncCommit)
	if err != nil {
		return "unreachable: " + err.Error()
	}
	return "PostgreSQL " + version + ", fsync " + fsync + ", synchronous_commit " + syncCommit
}

// cpuModel returns the first model name in /proc/cpuinfo, or "".
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// output runs a command in dir and returns its output, trimmed, or "" if
// it fails.
func output(dir, name string, args ...string) string {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
