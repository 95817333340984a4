package jobs

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
)

// errTransient is a handler's failure that a retry may not have.
var errTransient = errors.New("transient")

// writeCounter is the real Store, counting its write transactions.
type writeCounter struct {
	esign.Store
	writes atomic.Int64
}

// InTx counts and runs fn in the real store's write transaction.
func (c *writeCounter) InTx(ctx context.Context, fn func(ctx context.Context, tx esign.Tx) error) error {
	c.writes.Add(1)
	return c.Store.InTx(ctx, fn)
}

// finishingHandler ends its job in a transaction of its own, as a handler
// ends it with its last write, after calling before.
func finishingHandler(store esign.Store, before func()) Handler {
	return func(ctx context.Context, j *esign.Job) error {
		before()
		var done esign.Job
		var finished bool
		err := store.InTx(ctx, func(ctx context.Context, tx esign.Tx) (err error) {
			done, finished, err = esign.FinishClaimedJob(ctx, tx, j)
			return err
		})
		if err == nil && finished {
			*j = done
		}
		return err
	}
}

// TestHandlerFinishesItsJob: a job whose handler recorded its success
// costs its claim and the handler's transaction, nothing more, and ends
// done, by the polling loop and by id alike.
func TestHandlerFinishesItsJob(t *testing.T) {
	for _, tt := range []struct {
		name string
		byID bool
	}{{"polling", false}, {"by id", true}} {
		byID := tt.byID
		t.Run(tt.name, func(t *testing.T) {
			clock := esigntest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			db := openStore(t, clock)
			enqueue(t, db, "j", 3)
			cs := &writeCounter{Store: db}
			r := New(cs, finishingHandler(cs, func() {}), clock, quiet, DefaultConfig("w"))
			if byID {
				out, err := r.RunByID(context.Background(), "j")
				if err != nil || out.Result != Done {
					t.Fatalf("RunByID: %v, %v; want done", out.Result, err)
				}
			} else if n, err := r.RunPending(context.Background()); err != nil || n != 1 {
				t.Fatalf("RunPending ran %d, err %v", n, err)
			}
			want := int64(2) // the claim, the handler's transaction
			if !byID {
				want++ // RunPending's last claim, which finds nothing
			}
			if n := cs.writes.Load(); n != want {
				t.Errorf("%d write transactions, want %d", n, want)
			}
			if j := job(t, db, "j"); j.Status != esign.JobDone || j.LockedBy != "" || j.Attempts != 1 {
				t.Errorf("job %s, locked by %q, %d attempts; want done, unlocked, 1", j.Status, j.LockedBy, j.Attempts)
			}
		})
	}
}

// TestHandlerFinishAfterLeaseLost: a handler whose lease ran out and whose
// job another worker took over and failed cannot finish the job: the job
// keeps the other worker's retry, and the late runner reports nothing
// recorded.
func TestHandlerFinishAfterLeaseLost(t *testing.T) {
	clock := esigntest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	db := openStore(t, clock)
	enqueue(t, db, "j", 5)
	other := New(db, func(context.Context, *esign.Job) error { return errTransient }, clock, quiet, DefaultConfig("other"))
	late := New(db, finishingHandler(db, func() {
		clock.Advance(DefaultConfig("").Lease + time.Minute)
		if out, err := other.RunByID(context.Background(), "j"); err != nil || out.Result != Retry {
			t.Errorf("the other worker: %v, %v; want a retry", out.Result, err)
		}
	}), clock, quiet, DefaultConfig("late"))
	out, err := late.RunByID(context.Background(), "j")
	if err != nil || out.Result != Skipped {
		t.Fatalf("late worker: %v, %v; want skipped", out.Result, err)
	}
	if j := job(t, db, "j"); j.Status != esign.JobPending || j.Attempts != 2 || j.LastError != errTransient.Error() {
		t.Fatalf("job %s after %d attempts, last error %q; want the other worker's retry", j.Status, j.Attempts, j.LastError)
	}
}

// TestFinishClaimedJobNeedsAClaim: a job no runner claimed (its handler
// called directly) is not finished.
func TestFinishClaimedJobNeedsAClaim(t *testing.T) {
	db := openStore(t, esign.SystemClock{})
	enqueue(t, db, "j", 3)
	err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		j, err := tx.JobByID(ctx, "j")
		if err != nil {
			return err
		}
		if _, finished, err := esign.FinishClaimedJob(ctx, tx, j); finished || err != nil {
			t.Errorf("unclaimed job: finished %v, err %v", finished, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if j := job(t, db, "j"); j.Status != esign.JobPending {
		t.Fatalf("job %s, want pending", j.Status)
	}
}
