package jobs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
	"github.com/gsign/gsign/internal/sqldb"
	"github.com/gsign/gsign/internal/teststack"
)

func openStore(t testing.TB, clock esign.Clock) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), teststack.DatabaseDSN(t), sqldb.Options{AutoMigrate: true, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func enqueue(t *testing.T, db *sqldb.DB, id string, maxAttempts int) {
	t.Helper()
	err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.EnqueueJob(ctx, &esign.Job{ID: id, Kind: "test", Payload: []byte(`{}`), Status: esign.JobPending, RunAt: tx.Now(), MaxAttempts: maxAttempts, CreatedAt: tx.Now(), UpdatedAt: tx.Now()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func job(t *testing.T, db *sqldb.DB, id string) *esign.Job {
	t.Helper()
	var j *esign.Job
	err := db.View(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		var err error
		j, err = tx.JobByID(ctx, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestRetryThenSucceed(t *testing.T) {
	clock := esigntest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	db := openStore(t, clock)
	enqueue(t, db, "j1", 5)
	calls := 0
	r := New(db, func(ctx context.Context, j *esign.Job) error {
		calls++
		if calls < 3 {
			return errors.New("transient")
		}
		return nil
	}, clock, quiet, DefaultConfig("w1"))
	for i := 0; i < 5 && job(t, db, "j1").Status != esign.JobDone; i++ {
		if _, err := r.RunPending(context.Background()); err != nil {
			t.Fatal(err)
		}
		if j := job(t, db, "j1"); j.Status == esign.JobPending && !j.RunAt.After(clock.Now()) {
			t.Fatal("a failed job was not scheduled into the future")
		}
		clock.Advance(2 * time.Hour)
	}
	j := job(t, db, "j1")
	if j.Status != esign.JobDone || calls != 3 || j.Attempts != 3 {
		t.Fatalf("status %s after %d calls, %d attempts; want done after 3", j.Status, calls, j.Attempts)
	}
}

func TestDeadLetter(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantCalls int
	}{
		{"exhausts attempts", errors.New("always fails"), 3},
		{"permanent error", &esign.PermanentError{Err: errors.New("bad payload")}, 1},
		{"panic counts as failure", nil, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := esigntest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			db := openStore(t, clock)
			enqueue(t, db, "j", 3)
			calls := 0
			r := New(db, func(ctx context.Context, j *esign.Job) error {
				calls++
				if tt.err == nil {
					panic("boom")
				}
				return tt.err
			}, clock, quiet, DefaultConfig("w"))
			for i := 0; i < 6; i++ {
				if _, err := r.RunPending(context.Background()); err != nil {
					t.Fatal(err)
				}
				clock.Advance(3 * time.Hour)
			}
			if j := job(t, db, "j"); j.Status != esign.JobDead || calls != tt.wantCalls || j.LastError == "" {
				t.Fatalf("status %s after %d calls (last error %q); want dead after %d", j.Status, calls, j.LastError, tt.wantCalls)
			}
		})
	}
}

// TestCrashedWorkerLeaseReclaimed: a worker that claimed a job and died
// never finishes it; once the lease expires another worker runs it, and the
// dead worker's late report is refused.
func TestCrashedWorkerLeaseReclaimed(t *testing.T) {
	clock := esigntest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	db := openStore(t, clock)
	enqueue(t, db, "j", 5)
	var claims []*esign.Job
	err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) (err error) {
		claims, err = tx.ClaimJobs(ctx, esign.JobClaim{Worker: "dead-worker", Now: tx.Now(), LeaseUntil: tx.Now().Add(time.Minute), Limit: 1})
		return err
	})
	if err != nil || len(claims) != 1 {
		t.Fatalf("claimed %d jobs, err %v; want 1", len(claims), err)
	}
	claimed := claims[0]
	ran := 0
	r := New(db, func(ctx context.Context, j *esign.Job) error { ran++; return nil }, clock, quiet, DefaultConfig("w2"))
	if n, _ := r.RunPending(context.Background()); n != 0 {
		t.Fatal("a leased job was run by another worker before its lease expired")
	}
	clock.Advance(2 * time.Minute)
	if n, _ := r.RunPending(context.Background()); n != 1 || ran != 1 {
		t.Fatalf("expired lease not reclaimed: ran %d", ran)
	}
	claimed.Status = esign.JobPending
	err = db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		ok, err := tx.FinishJob(ctx, claimed, "dead-worker")
		if ok {
			t.Error("the dead worker's late report was accepted")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if job(t, db, "j").Status != esign.JobDone {
		t.Fatal("job not done")
	}
}

// TestRunConcurrentWorkersRunEachJobOnce: two runners on one database, many
// jobs; each job runs exactly once.
func TestRunConcurrentWorkersRunEachJobOnce(t *testing.T) {
	db := openStore(t, esign.SystemClock{})
	const n = 40
	for i := 0; i < n; i++ {
		enqueue(t, db, "j"+string(rune('A'+i)), 3)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var done atomic.Int64
	h := func(ctx context.Context, j *esign.Job) error {
		mu.Lock()
		seen[j.ID]++
		mu.Unlock()
		done.Add(1)
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, w := range []string{"w1", "w2"} {
		cfg := DefaultConfig(w)
		cfg.Poll = 5 * time.Millisecond
		r := New(db, h, esign.SystemClock{}, quiet, cfg)
		wg.Add(1)
		go func() { defer wg.Done(); _ = r.Run(ctx) }()
	}
	deadline := time.Now().Add(20 * time.Second)
	for done.Load() < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("ran %d distinct jobs, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("job %s ran %d times", id, c)
		}
	}
}
