//go:build failpoints

package esign

import (
	"fmt"
	"os"
	"strings"
)

// failpoint kills the process at a named point when GSIGN_FAILPOINTS lists
// it ("name=exit" or "name=panic", comma-separated). "exit" is os.Exit with
// no deferred functions run, the closest a Go program gets to kill -9.
// Compiled only with -tags failpoints.
func failpoint(name string) {
	for _, spec := range strings.Split(os.Getenv("GSIGN_FAILPOINTS"), ",") {
		point, action, _ := strings.Cut(strings.TrimSpace(spec), "=")
		if point != name {
			continue
		}
		fmt.Fprintf(os.Stderr, "failpoint %s: %s\n", name, action)
		if action == "panic" {
			panic("failpoint " + name)
		}
		os.Exit(137)
	}
}
