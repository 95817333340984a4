package jobs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
)

// TestHandlerChoosesTheRetryTime: an *esign.RetryError's time replaces the
// backoff, in the polling loop and for RunByID (the queue consumer's path),
// until the attempts run out; a time in the past means now.
func TestHandlerChoosesTheRetryTime(t *testing.T) {
	clock := esigntest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	db := openStore(t, clock)
	enqueue(t, db, "poll", 3)
	enqueue(t, db, "byid", 3)
	enqueue(t, db, "past", 3)
	want := map[string]time.Time{"poll": clock.Now().Add(7 * time.Hour), "byid": clock.Now().Add(90 * time.Second), "past": clock.Now().Add(-time.Hour)}
	r := New(db, func(ctx context.Context, j *esign.Job) error {
		return &esign.RetryError{Err: errors.New("not yet"), At: want[j.ID]}
	}, clock, quiet, DefaultConfig("w1"))
	out, err := r.RunByID(context.Background(), "byid")
	if err != nil || out.Result != Retry || !out.RetryAt.Equal(want["byid"]) {
		t.Fatalf("RunByID = %+v, %v; want a retry at %v", out, err, want["byid"])
	}
	if _, err := r.RunPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	if j := job(t, db, "poll"); j.Status != esign.JobPending || !j.RunAt.Equal(want["poll"]) {
		t.Errorf("polled job: %s at %v, want pending at %v", j.Status, j.RunAt, want["poll"])
	}
	if j := job(t, db, "past"); j.Status != esign.JobDead || j.Attempts != 3 {
		t.Errorf("a retry time in the past should run again at once, to the last attempt: %s after %d attempts", j.Status, j.Attempts)
	}
	clock.Advance(8 * time.Hour)
	for range 3 {
		if _, err := r.RunPending(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for id := range want {
		if j := job(t, db, id); j.Status != esign.JobDead || j.Attempts != 3 {
			t.Errorf("%s: %s after %d attempts, want dead after 3", id, j.Status, j.Attempts)
		}
	}
}
