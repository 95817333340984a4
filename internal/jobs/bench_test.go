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

// BenchmarkBusyRunner runs a backlog of b.N jobs through a runner with the
// default slots, as a busy server's runner runs them, on real SQLite
// (PostgreSQL with GSIGN_TEST_STACK=scaled): with handlers that end their
// job in their own last transaction (mail and finalize jobs do), and with
// handlers that leave the end to the runner. The handlers do nothing else,
// so what is measured is the runner's cost per job: writes/op counts the
// write transactions (each holds SQLite's one writer and shares a commit),
// cpu-ns/op the process's CPU time.
//
//	go test -run '^$' -bench BenchmarkBusyRunner -benchmem -count 6 ./internal/jobs
func BenchmarkBusyRunner(b *testing.B) {
	for _, c := range []struct {
		name       string
		handlerEnd bool
	}{{"handler-ends", true}, {"runner-ends", false}} {
		b.Run(c.name, func(b *testing.B) {
			db := openStore(b, esign.SystemClock{})
			b.StopTimer()
			enqueueBacklog(b, db, b.N)
			cs := &writeCounter{Store: db}
			var ran atomic.Int64
			h := func(context.Context, *esign.Job) error { ran.Add(1); return nil }
			if c.handlerEnd {
				h = finishingHandler(cs, func() { ran.Add(1) })
			}
			cfg := DefaultConfig("bench")
			cfg.Poll = 10 * time.Millisecond
			ctx, cancel := context.WithCancel(context.Background())
			r := New(cs, h, esign.SystemClock{}, quiet, cfg)
			b.ReportAllocs()
			b.StartTimer()
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

// enqueueBacklog writes n due jobs of kind "test", in transactions of at
// most 500.
func enqueueBacklog(tb testing.TB, db esign.Store, n int) {
	tb.Helper()
	for i := 0; i < n; i += 500 {
		err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
			for k := i; k < min(n, i+500); k++ {
				_, err := tx.EnqueueJob(ctx, &esign.Job{ID: fmt.Sprintf("j%07d", k), Kind: "test", Payload: []byte(`{}`),
					Status: esign.JobPending, RunAt: tx.Now(), MaxAttempts: 3, CreatedAt: tx.Now(), UpdatedAt: tx.Now()})
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
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
