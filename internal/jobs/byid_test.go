package jobs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
)

// TestRunJobByID runs one job by its id, as a queue consumer does, through
// each outcome a transport has to settle a message by.
func TestRunJobByID(t *testing.T) {
	fail := errors.New("smtp down")
	tests := []struct {
		name        string
		maxAttempts int
		setup       func(t *testing.T, r *Runner, db esign.Store) // before the call under test
		handlerErr  error
		id          string
		want        Result
		wantStatus  esign.JobStatus
		wantCalls   int
	}{
		{name: "succeeds", maxAttempts: 3, id: "j", want: Done, wantStatus: esign.JobDone, wantCalls: 1},
		{name: "fails: retry later", maxAttempts: 3, handlerErr: fail, id: "j", want: Retry, wantStatus: esign.JobPending, wantCalls: 1},
		{name: "fails on the last attempt: dead", maxAttempts: 1, handlerErr: fail, id: "j", want: Dead, wantStatus: esign.JobDead, wantCalls: 1},
		{name: "permanent failure: dead", maxAttempts: 3, handlerErr: &esign.PermanentError{Err: fail}, id: "j", want: Dead, wantStatus: esign.JobDead, wantCalls: 1},
		{name: "unknown job: skipped", maxAttempts: 3, id: "nope", want: Skipped, wantStatus: esign.JobPending},
		{name: "duplicate of a done job: skipped", maxAttempts: 3, id: "j", want: Skipped, wantStatus: esign.JobDone, wantCalls: 1,
			setup: func(t *testing.T, r *Runner, _ esign.Store) { mustRun(t, r, "j", Done) }},
		{name: "leased by a live worker: skipped", maxAttempts: 3, id: "j", want: Skipped, wantStatus: esign.JobRunning,
			setup: func(t *testing.T, _ *Runner, db esign.Store) { claimAs(t, db, "other") }},
		{name: "not due yet: retry at its time", maxAttempts: 3, handlerErr: fail, id: "j", want: Retry, wantStatus: esign.JobPending, wantCalls: 1,
			setup: func(t *testing.T, r *Runner, _ esign.Store) { mustRun(t, r, "j", Retry) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := esigntest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			db := openStore(t, clock)
			enqueue(t, db, "j", tt.maxAttempts)
			calls := 0
			r := New(db, func(ctx context.Context, j *esign.Job) error { calls++; return tt.handlerErr }, clock, quiet, DefaultConfig("w"))
			if tt.setup != nil {
				tt.setup(t, r, db)
			}
			out, err := r.RunByID(context.Background(), tt.id)
			if err != nil {
				t.Fatal(err)
			}
			j := job(t, db, "j")
			if out.Result != tt.want || j.Status != tt.wantStatus || calls != tt.wantCalls {
				t.Fatalf("got %s, job %s after %d calls; want %s, %s after %d", out.Result, j.Status, calls, tt.want, tt.wantStatus, tt.wantCalls)
			}
			if out.Result == Retry && (!out.RetryAt.Truncate(time.Microsecond).Equal(j.RunAt) || !j.RunAt.After(clock.Now())) {
				t.Fatalf("retry at %v, job due at %v, now %v: want the job's future run_at (stored to the microsecond)", out.RetryAt, j.RunAt, clock.Now())
			}
		})
	}
}

func mustRun(t *testing.T, r *Runner, id string, want Result) {
	t.Helper()
	if out, err := r.RunByID(context.Background(), id); err != nil || out.Result != want {
		t.Fatalf("RunByID(%s) = %s, %v; want %s", id, out.Result, err, want)
	}
}

func claimAs(t *testing.T, db esign.Store, worker string) {
	t.Helper()
	err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.ClaimJobByID(ctx, "j", worker, tx.Now(), tx.Now().Add(time.Minute))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
