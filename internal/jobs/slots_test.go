package jobs

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// TestSlowKindsLeaveSlots runs a backlog of slow jobs, which block until
// released, and fast jobs queued behind them: the fast ones must all run
// while the slow ones hold their share of the slots, and every job must run
// exactly once.
func TestSlowKindsLeaveSlots(t *testing.T) {
	db := openStore(t, esign.SystemClock{})
	var ids []string
	for i, kind := range []string{"slow", "slow", "slow", "slow", "slow", "fast", "fast", "fast"} {
		id := fmt.Sprintf("%s:%d", kind, i)
		ids = append(ids, id)
		err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
			now := tx.Now().Add(time.Duration(i) * time.Millisecond) // the slow ones are older
			_, err := tx.EnqueueJob(ctx, &esign.Job{ID: id, Kind: kind, Payload: []byte(`{}`), Status: esign.JobPending,
				RunAt: now.Add(-time.Second), MaxAttempts: 1, CreatedAt: now, UpdatedAt: now})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	runs, slowNow, slowMax := map[string]int{}, 0, 0
	release, fastDone := make(chan struct{}), make(chan struct{}, 3)
	handle := func(ctx context.Context, j *esign.Job) error {
		mu.Lock()
		runs[j.ID]++
		if j.Kind == "slow" {
			slowNow++
			slowMax = max(slowMax, slowNow)
		}
		mu.Unlock()
		if j.Kind == "fast" {
			fastDone <- struct{}{}
			return nil
		}
		<-release
		mu.Lock()
		slowNow--
		mu.Unlock()
		return nil
	}
	cfg := DefaultConfig("w1")
	cfg.Concurrency, cfg.SlowKinds, cfg.Poll = 4, []string{"slow"}, 10*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- New(db, handle, esign.SystemClock{}, quiet, cfg).Run(ctx) }()
	for range 3 {
		select {
		case <-fastDone:
		case <-time.After(10 * time.Second):
			t.Fatal("fast jobs waited behind slow ones")
		}
	}
	close(release)
	for deadline := time.Now().Add(10 * time.Second); job(t, db, "slow:4").Status != esign.JobDone; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("slow jobs did not finish")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if runs[id] != 1 || job(t, db, id).Status != esign.JobDone {
			t.Errorf("job %s ran %d times, status %s; want once, done", id, runs[id], job(t, db, id).Status)
		}
	}
	if slowMax != 2 {
		t.Errorf("%d slow jobs ran at once, want half the 4 slots", slowMax)
	}
}
