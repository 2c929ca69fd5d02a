package main

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// machine describes where the benchmarks ran.
type machine struct {
	goos, goarch string
	cpu          string
	cpus         int
	goVersion    string
	commit       string
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
	if m.cpu == "" {
		m.cpu = strings.TrimSpace(config["cpu"])
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
	return m
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
