// Package callsite names the place in the user's code where something was
// declared, for messages that point at both of two clashing declarations.
package callsite

import (
	"path/filepath"
	"runtime"
	"strconv"
)

// Pos returns "dir/file.go:line" for the caller skip frames above the
// function that calls Pos: Pos(0) is that function's own caller.
func Pos(skip int) string {
	_, file, line, ok := runtime.Caller(skip + 2)
	if !ok {
		return "unknown position"
	}
	dir, base := filepath.Split(file)
	return filepath.Join(filepath.Base(dir), base) + ":" + strconv.Itoa(line)
}

// Compare orders two positions made by Pos as they read in the source: by
// file, then by line (numerically, so that line 9 comes before line 10).
func Compare(a, b string) int {
	af, al := split(a)
	bf, bl := split(b)
	switch {
	case af < bf:
		return -1
	case af > bf:
		return 1
	}
	return al - bl
}

func split(pos string) (file string, line int) {
	for i := len(pos) - 1; i >= 0; i-- {
		if pos[i] == ':' {
			n, err := strconv.Atoi(pos[i+1:])
			if err != nil {
				return pos, 0
			}
			return pos[:i], n
		}
	}
	return pos, 0
}
