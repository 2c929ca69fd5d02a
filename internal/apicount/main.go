// Command apicount counts the exported names of statecraft's public
// packages: each exported type, function, method, field, constant and
// variable, as internal/api lists them. Run it from the module's root:
//
//	go run ./internal/apicount
package main

import (
	"fmt"
	"os"

	"github.com/statecraft/statecraft/internal/api"
)

func main() {
	entries, err := api.List()
	if err != nil {
		fmt.Fprintln(os.Stderr, "apicount:", err)
		os.Exit(1)
	}
	n := api.Count(entries)
	for _, p := range api.Packages {
		fmt.Printf("%-20s %4d\n", p, n[p])
	}
	fmt.Printf("%-20s %4d\n", "total", len(entries))
}
