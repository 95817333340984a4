package jobs

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/cpumeter"
	"github.com/gsign/gsign/internal/esign"
)

// BenchmarkBusyRunner runs b.N jobs through a runner with the default
// slots, kept busy as a loaded server's is: a backlog of twice as many due
// jobs as slots, each job's handler enqueueing the one that keeps it so in
// a transaction of its own (as finalize enqueues the completed emails), on
// real SQLite (PostgreSQL with GSIGN_TEST_STACK=scaled). In handler-ends
// that transaction also ends the job (esign.FinishClaimedJob: mail and
// finalize jobs do this); in runner-ends the runner records the end. The
// handlers do nothing else, so what is measured is the runner's cost per
// job: writes/op counts the write transactions (each holds SQLite's one
// writer and shares a commit), cpu-ns/op the process's CPU time.
//
//	go test -run '^$' -bench BenchmarkBusyRunner -benchmem -count 6 ./internal/jobs
func BenchmarkBusyRunner(b *testing.B) {
	for _, c := range endings {
		b.Run(c.name, func(b *testing.B) {
			db := openStore(b, esign.SystemClock{})
			cfg := DefaultConfig("bench")
			cfg.Poll = 10 * time.Millisecond
			backlog := 2 * cfg.Concurrency
			enqueueJobs(b, db, 0, min(backlog, b.N))
			cs := &writeCounter{Store: db}
			var ran atomic.Int64
			h := func(ctx context.Context, j *esign.Job) error {
				ran.Add(1)
				var done esign.Job
				var finished bool
				err := cs.InTx(ctx, func(ctx context.Context, tx esign.Tx) (err error) {
					finished = false
					if err := enqueueSuccessor(ctx, tx, j, backlog, b.N); err != nil || !c.handlerEnd {
						return err
					}
					done, finished, err = esign.FinishClaimedJob(ctx, tx, j)
					return err
				})
				if err == nil && finished {
					*j = done
				}
				return err
			}
			ctx, cancel := context.WithCancel(context.Background())
			r := New(cs, h, esign.SystemClock{}, quiet, cfg)
			b.ReportAllocs()
			b.ResetTimer()
			stop := cpumeter.Start(b)
			done := make(chan error)
			go func() { done <- r.Run(ctx) }()
			waitFor(b, func() bool { return ran.Load() >= int64(b.N) && noneRunning(b, db) })
			stop()
			b.StopTimer()
			cancel()
			if err := <-done; err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(cs.writes.Load())/float64(b.N), "writes/op")
		})
	}
}

// benchJobID names the i-th job of a benchmark or test backlog.
func benchJobID(i int) string { return fmt.Sprintf("j%07d", i) }

// enqueueSuccessor enqueues, in tx, the job that follows j in a backlog of
// n jobs of which depth are due at once: j's number plus depth, unless
// that is n or more. The id makes a retried transaction enqueue it once.
func enqueueSuccessor(ctx context.Context, tx esign.Tx, j *esign.Job, depth, n int) error {
	var i int
	if _, err := fmt.Sscanf(j.ID, "j%d", &i); err != nil {
		return err
	}
	if i+depth >= n {
		return nil
	}
	_, err := tx.EnqueueJob(ctx, newTestJob(benchJobID(i+depth), "test", tx.Now()))
	return err
}

// newTestJob is a due job of the kind.
func newTestJob(id, kind string, now time.Time) *esign.Job {
	return &esign.Job{ID: id, Kind: kind, Payload: []byte(`{}`), Status: esign.JobPending, RunAt: now,
		MaxAttempts: 3, CreatedAt: now, UpdatedAt: now}
}

// enqueueJobs writes the due jobs numbered from to to-1 in one transaction.
func enqueueJobs(tb testing.TB, db esign.Store, from, to int) {
	tb.Helper()
	err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		for i := from; i < to; i++ {
			if _, err := tx.EnqueueJob(ctx, newTestJob(benchJobID(i), "test", tx.Now())); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// noneRunning reports whether no job is pending or running any more.
func noneRunning(tb testing.TB, db esign.Store) bool {
	tb.Helper()
	n := 0
	err := db.View(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		for _, s := range []esign.JobStatus{esign.JobPending, esign.JobRunning} {
			js, err := tx.JobsByStatus(ctx, s, 1)
			n += len(js)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n == 0
}

// waitFor polls cond until it holds, failing tb after 60 seconds.
func waitFor(tb testing.TB, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			tb.Fatal("timed out")
		}
	}
}
