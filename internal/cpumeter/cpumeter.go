// Package cpumeter reports a benchmark's CPU time per op, for the
// benchmarks of any package. On a machine
// shared with other work, wall time per op swings with the load; the
// process's own CPU time swings much less, and it is what envelope
// throughput on a CPU-bound machine depends on.
package cpumeter

import (
	"syscall"
	"testing"
	"time"
)

// Start starts measuring the process's CPU time (user and system, all
// threads, the garbage collector included); the func it returns reports it
// per op as cpu-ns/op. Call the func after the benchmark's loop.
func Start(b *testing.B) func() {
	b.Helper()
	start := cpuTime(b)
	return func() { b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op") }
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
