package cli

import "runtime"

// sqliteProcsPerCPU is how many Go processors (GOMAXPROCS) gsign serve runs
// per CPU on SQLite when the operator's GOMAXPROCS does not say.
//
// On SQLite the one writer's holder commits with an fsync, a system call
// that blocks for milliseconds, and durable blobs on local disk fsync too.
// A goroutine coming back from a blocking system call needs a processor
// before it can go on; with one per CPU, both are usually running PDF or
// request work, so the writer's holder waited in the run queue, writer in
// hand, for up to a scheduling quantum while every other write waited
// behind it (an execution trace showed the scheduling delay piling up in
// groupCommit.commit). With more processors than CPUs it finds an idle one
// and the operating system shares the CPUs among the threads. In
// bench/envelopes.sh on 2 CPUs, 8 processors sealed 97–105 envelopes a
// second against 81–92 with 2, and cut the p99 request latency from about
// 105 to 60 ms (docs/benchmarks.md). On PostgreSQL, whose commits wait in
// the network read rather than in the process, it made no difference to
// throughput and cost about 10% more CPU, so Go's default stays there.
const sqliteProcsPerCPU = 4

// tuneProcs returns the GOMAXPROCS serve should set, or 0 to leave Go's
// own: procs is Go's default (the CPUs it may use, container limits
// included), sqlite whether the database is SQLite. The operator's
// GOMAXPROCS always wins.
func tuneProcs(getenv func(string) string, sqlite bool, procs int) int {
	if getenv("GOMAXPROCS") != "" || !sqlite || procs < 1 {
		return 0
	}
	return procs * sqliteProcsPerCPU
}

// applyProcTuning sets GOMAXPROCS for a long-running server (see
// tuneProcs) and returns what it set, 0 if nothing. It runs after the
// configuration is loaded, whose defaults (GSIGN_JOB_CONCURRENCY) count
// CPUs, not these processors. Setting it stops Go from following later
// changes of a container's CPU limit, which a restart picks up.
func applyProcTuning(getenv func(string) string, sqlite bool) int {
	n := tuneProcs(getenv, sqlite, runtime.GOMAXPROCS(0))
	if n > 0 {
		runtime.GOMAXPROCS(n)
	}
	return n
}
