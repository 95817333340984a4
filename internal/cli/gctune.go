package cli

import (
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// serveGCPercent is the collector's target for gsign serve when GOGC is not
// set. Sealing allocates much short-lived memory (PDF buffers, images); at
// 400 the server spends about 15% less CPU per envelope than at Go's 100,
// for a peak heap about 1.8 times larger (docs/benchmarks.md).
const serveGCPercent = 400

// cgroupMemoryMax is where a container's memory limit is (cgroup v2).
const cgroupMemoryMax = "/sys/fs/cgroup/memory.max"

// gcTuning is how serve sets the collector: the GC percent, and a soft
// memory limit in bytes (0: none), each only where the operator's GOGC or
// GOMEMLIMIT does not say.
type gcTuning struct {
	Percent  int   // 0: leave as is
	MemLimit int64 // 0: leave as is
}

// tuneGC decides the collector's settings from the environment and the
// container's memory limit (the contents of memory.max, "" if unreadable):
// a larger GC percent, and, in a container with a limit, a soft limit at
// 80% of it, so that the larger heap makes the collector work harder
// rather than the container run out of memory.
func tuneGC(getenv func(string) string, memoryMax string) gcTuning {
	var t gcTuning
	if getenv("GOGC") == "" {
		t.Percent = serveGCPercent
	}
	if getenv("GOMEMLIMIT") == "" {
		if n, err := strconv.ParseInt(strings.TrimSpace(memoryMax), 10, 64); err == nil && n > 0 {
			t.MemLimit = n / 5 * 4
		}
	}
	return t
}

// applyGCTuning sets this process's collector for a long-running server.
func applyGCTuning(getenv func(string) string) gcTuning {
	raw, _ := os.ReadFile(cgroupMemoryMax)
	t := tuneGC(getenv, string(raw))
	if t.Percent > 0 {
		debug.SetGCPercent(t.Percent)
	}
	if t.MemLimit > 0 {
		debug.SetMemoryLimit(t.MemLimit)
	}
	return t
}
