package sqldb

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// relayJob is a job in a given state, enqueued as is, and published at
// publishedAt unless that is zero.
type relayJob struct {
	id          string
	status      esign.JobStatus
	runAt       time.Time
	lockedUntil *time.Time
	publishedAt time.Time
}

func enqueueRelayJobs(t *testing.T, db *DB, jobs []relayJob) {
	t.Helper()
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		for _, r := range jobs {
			j := newJob(r.id, r.runAt)
			j.Status, j.LockedUntil = r.status, r.lockedUntil
			if r.lockedUntil != nil {
				j.LockedBy, j.Attempts = "w0", 1
			}
			if _, err := tx.EnqueueJob(ctx, j); err != nil {
				return err
			}
			if !r.publishedAt.IsZero() {
				if err := tx.MarkJobsPublished(ctx, []string{r.id}, r.publishedAt); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func unpublished(t *testing.T, db *DB, now, staleBefore time.Time, limit int) []string {
	t.Helper()
	var ids []string
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		js, err := tx.UnpublishedJobs(ctx, now, staleBefore, limit)
		ids = jobIDs(js)
		return err
	})
	return ids
}

// testUnpublishedJobs checks which jobs a relay publishes: due ones never
// published, and, as the safety net, ones published and runnable since
// before the stale cutoff.
func testUnpublishedJobs(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	now := t0.Add(time.Hour)
	stale := now.Add(-10 * time.Minute)
	jobs := []relayJob{
		{id: "due", status: esign.JobPending, runAt: t0},
		{id: "due-exactly-now", status: esign.JobPending, runAt: now},
		{id: "future", status: esign.JobPending, runAt: now.Add(time.Second)},
		{id: "published-recently", status: esign.JobPending, runAt: t0.Add(time.Second), publishedAt: now.Add(-time.Minute)},
		{id: "published-and-lost", status: esign.JobPending, runAt: t0.Add(2 * time.Second), publishedAt: stale},
		{id: "retry-due-recently", status: esign.JobPending, runAt: now.Add(-time.Minute), publishedAt: t0},
		{id: "running", status: esign.JobRunning, runAt: t0, lockedUntil: ptr(now.Add(time.Minute)), publishedAt: t0},
		{id: "running-worker-died", status: esign.JobRunning, runAt: t0.Add(3 * time.Second), lockedUntil: ptr(stale), publishedAt: t0},
		{id: "running-lease-just-out", status: esign.JobRunning, runAt: t0, lockedUntil: ptr(now.Add(-time.Minute)), publishedAt: t0},
		{id: "running-never-published", status: esign.JobRunning, runAt: t0.Add(4 * time.Second), lockedUntil: ptr(stale.Add(-time.Second))},
		{id: "done", status: esign.JobDone, runAt: t0, publishedAt: t0},
		{id: "dead", status: esign.JobDead, runAt: t0},
	}
	enqueueRelayJobs(t, db, jobs)
	want := []string{"due", "published-and-lost", "running-worker-died", "running-never-published", "due-exactly-now"}
	tests := []struct {
		name  string
		limit int
		want  []string
	}{
		{"due, lost and abandoned jobs, oldest first", 100, want},
		{"at most limit", 2, want[:2]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantEqual(t, unpublished(t, db, now, stale, tt.limit), tt.want)
		})
	}
	t.Run("marked published: not again until stale", func(t *testing.T) {
		inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.MarkJobsPublished(ctx, want, now) })
		wantEqual(t, unpublished(t, db, now, stale, 100), []string{})
		later := []string{"due", "running-lease-just-out", "published-recently", "published-and-lost", "running-worker-died",
			"running-never-published", "retry-due-recently", "due-exactly-now", "future"}
		wantEqual(t, unpublished(t, db, now.Add(time.Hour), now, 100), later)
	})
}

// testRelaysPublishOnce has relays race over the same jobs: each job is
// published by exactly one of them.
func testRelaysPublishOnce(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	var all []relayJob
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		all = append(all, relayJob{id: "relay:" + id, status: esign.JobPending, runAt: t0})
	}
	enqueueRelayJobs(t, db, all)
	var mu sync.Mutex
	seen := map[string]int{}
	race(t, 4, func() (bool, error) {
		err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
			js, err := tx.UnpublishedJobs(ctx, t0, t0.Add(-time.Hour), 100)
			if err != nil {
				return err
			}
			mu.Lock()
			for _, j := range js {
				seen[j.ID]++
			}
			mu.Unlock()
			return tx.MarkJobsPublished(ctx, jobIDs(js), t0)
		})
		return err == nil, err
	})
	for _, j := range all {
		if seen[j.id] != 1 {
			t.Errorf("job %s published %d times, want once", j.id, seen[j.id])
		}
	}
}

// testClaimJobByID claims one job by its id, as a queue consumer does for
// each message; only runnable jobs can be claimed.
func testClaimJobByID(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	now := t0.Add(time.Hour)
	enqueueRelayJobs(t, db, []relayJob{
		{id: "due", status: esign.JobPending, runAt: t0},
		{id: "future", status: esign.JobPending, runAt: now.Add(time.Microsecond)},
		{id: "leased", status: esign.JobRunning, runAt: t0, lockedUntil: ptr(now.Add(time.Microsecond))},
		{id: "lease-expired", status: esign.JobRunning, runAt: t0, lockedUntil: ptr(now)},
		{id: "done", status: esign.JobDone, runAt: t0},
		{id: "dead", status: esign.JobDead, runAt: t0},
	})
	tests := []struct {
		name, id    string
		wantAttempt int // 0: not runnable
	}{
		{"pending and due", "due", 1},
		{"the same job again (a duplicate message)", "due", 0},
		{"not due yet", "future", 0},
		{"leased by a live worker", "leased", 0},
		{"lease ran out: taken over", "lease-expired", 2},
		{"done", "done", 0},
		{"dead", "dead", 0},
		{"unknown", "nope", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var j *esign.Job
			err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) (err error) {
				j, err = tx.ClaimJobByID(ctx, tt.id, "w1", now, now.Add(time.Minute))
				return err
			})
			if tt.wantAttempt == 0 {
				wantErr(t, err, esign.KindNotFound, esign.CodeNotFound)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if j.ID != tt.id || j.Status != esign.JobRunning || j.LockedBy != "w1" || j.Attempts != tt.wantAttempt ||
				!j.LockedUntil.Equal(now.Add(time.Minute)) || !j.UpdatedAt.Equal(now) {
				t.Fatalf("claimed job not leased to w1 on attempt %d: %+v", tt.wantAttempt, j)
			}
		})
	}
}

// testReplayJob brings dead jobs back, and refuses anything else.
func testReplayJob(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	now := t0.Add(time.Hour)
	enqueueRelayJobs(t, db, []relayJob{
		{id: "dead", status: esign.JobDead, runAt: t0, publishedAt: t0},
		{id: "pending", status: esign.JobPending, runAt: t0},
	})
	tests := []struct {
		name, id string
		kind     esign.Kind // "" for success
	}{
		{"dead job", "dead", ""},
		{"pending job", "pending", esign.KindConflict},
		{"replayed job is no longer dead", "dead", esign.KindConflict},
		{"unknown job", "nope", esign.KindNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
				return tx.ReplayJob(ctx, tt.id, now)
			})
			if tt.kind == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, tt.kind, "")
		})
	}
	t.Run("pending, due now, no attempts, unpublished", func(t *testing.T) {
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			j, err := tx.JobByID(ctx, "dead")
			if err == nil && (j.Status != esign.JobPending || !j.RunAt.Equal(now) || j.Attempts != 0 || j.LockedUntil != nil || !j.UpdatedAt.Equal(now)) {
				t.Errorf("replayed job: %+v", j)
			}
			return err
		})
		wantEqual(t, unpublished(t, db, now, t0, 10), []string{"pending", "dead"})
	})
}

// testJobRelay is the contract of the job queue's relay and consumers.
func testJobRelay(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("UnpublishedJobs", func(t *testing.T) { testUnpublishedJobs(t, open) })
	t.Run("RelaysPublishOnce", func(t *testing.T) { testRelaysPublishOnce(t, open) })
	t.Run("ClaimJobByID", func(t *testing.T) { testClaimJobByID(t, open) })
	t.Run("ReplayJob", func(t *testing.T) { testReplayJob(t, open) })
}
