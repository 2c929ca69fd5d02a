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
