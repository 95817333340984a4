package sqldb

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

func newJob(id string, runAt time.Time) *esign.Job {
	return &esign.Job{ID: id, Kind: esign.JobMail, Payload: []byte(`{"to":"x"}`), Status: esign.JobPending,
		RunAt: runAt, MaxAttempts: 3, CreatedAt: t0, UpdatedAt: t0}
}

func enqueue(t *testing.T, db *DB, jobs ...*esign.Job) {
	t.Helper()
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		for _, j := range jobs {
			if _, err := tx.EnqueueJob(ctx, j); err != nil {
				return err
			}
		}
		return nil
	})
}

// claim claims a job for worker at now with a one-minute lease; "" if none.
func claim(t *testing.T, db *DB, worker string, now time.Time) *esign.Job {
	t.Helper()
	var jobs []*esign.Job
	err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) (err error) {
		jobs, err = tx.ClaimJobs(ctx, esign.JobClaim{Worker: worker, Now: now, LeaseUntil: now.Add(time.Minute), Limit: 1})
		return err
	})
	if err != nil {
		t.Fatalf("ClaimJobs: %v", err)
	}
	if len(jobs) == 0 {
		return nil
	}
	return jobs[0]
}

func finish(t *testing.T, db *DB, j *esign.Job, worker string) bool {
	t.Helper()
	var ok bool
	inTx(t, db, func(ctx context.Context, tx esign.Tx) (err error) {
		ok, err = tx.FinishJob(ctx, j, worker)
		return err
	})
	return ok
}

func testJobs(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	first := newJob("mail:1", t0)
	t.Run("enqueue inserts once", func(t *testing.T) {
		for i, want := range []bool{true, false} {
			j := *first
			if i > 0 {
				j.Kind, j.Payload = "other", []byte("{}")
			}
			inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
				got, err := tx.EnqueueJob(ctx, &j)
				wantEqual(t, got, want)
				return err
			})
		}
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			got, err := tx.JobByID(ctx, "mail:1")
			wantEqual(t, got, first)
			_, err2 := tx.JobByID(ctx, "nope")
			wantErr(t, err2, esign.KindNotFound, esign.CodeNotFound)
			return err
		})
	})
	t.Run("enqueue later inserts once, in order with what follows", func(t *testing.T) {
		later := newJob("mail:later", t0.Add(time.Hour))
		for i := range 2 {
			j := *later
			if i > 0 {
				j.Kind, j.Payload = "other", []byte("{}")
			}
			inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
				if err := tx.EnqueueJobLater(ctx, &j); err != nil {
					return err
				}
				got, err := tx.JobByID(ctx, later.ID) // a read after it sees it
				wantEqual(t, got, later)
				return err
			})
		}
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			got, err := tx.JobByID(ctx, later.ID)
			wantEqual(t, got, later)
			return err
		})
		inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
			_, err := tx.SupersedeJobs(ctx, []string{later.ID}, t0)
			return err
		})
	})
	enqueue(t, db, newJob("mail:3", t0.Add(2*time.Second)), newJob("mail:2", t0.Add(time.Second)), newJob("mail:future", t0.Add(time.Hour)))
	now := t0.Add(time.Minute)
	claims := []struct {
		name string
		want string // job id; "" for none
	}{
		{"oldest due first", "mail:1"},
		{"then the next", "mail:2"},
		{"then the last due", "mail:3"},
		{"none due: not found", ""},
	}
	for _, tt := range claims {
		t.Run("claim "+tt.name, func(t *testing.T) {
			j := claim(t, db, "w1", now)
			if tt.want == "" {
				if j != nil {
					t.Fatalf("claimed %s, want none", j.ID)
				}
				return
			}
			if j == nil || j.ID != tt.want {
				t.Fatalf("claimed %+v, want %s", j, tt.want)
			}
			if j.Status != esign.JobRunning || j.LockedBy != "w1" || j.Attempts != 1 || !j.LockedUntil.Equal(now.Add(time.Minute)) || !j.UpdatedAt.Equal(now) {
				t.Fatalf("claimed job not leased: %+v", j)
			}
		})
	}
	t.Run("by status, oldest first, limited", func(t *testing.T) {
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			running, err := tx.JobsByStatus(ctx, esign.JobRunning, 2)
			wantEqual(t, jobIDs(running), []string{"mail:1", "mail:2"})
			pending, err2 := tx.JobsByStatus(ctx, esign.JobPending, 0)
			wantEqual(t, jobIDs(pending), []string{"mail:future"})
			if err == nil {
				err = err2
			}
			return err
		})
	})
}

func jobIDs(js []*esign.Job) []string {
	ids := []string{}
	for _, j := range js {
		ids = append(ids, j.ID)
	}
	return ids
}

// testJobLeases follows one job through a worker that stalls past its
// lease, a second worker that takes it over, and both finishing.
func testJobLeases(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	enqueue(t, db, newJob("finalize:1", t0))
	stalled := claim(t, db, "w1", t0)
	if stalled == nil {
		t.Fatal("nothing to claim")
	}
	steps := []struct {
		name    string
		worker  string
		at      time.Duration // after t0
		wantJob bool
		wantTry int
	}{
		{"lease still held: nothing to claim", "w2", 30 * time.Second, false, 0},
		{"lease ran out exactly now: reclaimed", "w2", time.Minute, true, 2},
	}
	var taken *esign.Job
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			j := claim(t, db, s.worker, t0.Add(s.at))
			if (j != nil) != s.wantJob {
				t.Fatalf("claimed %+v, want a job: %v", j, s.wantJob)
			}
			if j != nil {
				if j.ID != "finalize:1" || j.Attempts != s.wantTry || j.LockedBy != s.worker {
					t.Fatalf("claimed %+v", j)
				}
				taken = j
			}
		})
	}
	if taken == nil {
		t.Fatal("the job was not reclaimed")
	}
	retry := t0.Add(time.Hour)
	stalled.Status, stalled.LockedUntil, stalled.LastError = esign.JobDone, nil, ""
	taken.Status, taken.RunAt, taken.LockedUntil, taken.LastError, taken.UpdatedAt = esign.JobPending, retry, nil, "smtp down", t0.Add(2*time.Minute)
	finishes := []struct {
		name   string
		job    *esign.Job
		worker string
		want   bool
	}{
		{"the worker that lost the lease is refused", stalled, "w1", false},
		{"a worker that never held it is refused", taken, "w3", false},
		{"the lease holder records the outcome", taken, "w2", true},
		{"finishing twice is refused", taken, "w2", false},
	}
	for _, f := range finishes {
		t.Run(f.name, func(t *testing.T) {
			if got := finish(t, db, f.job, f.worker); got != f.want {
				t.Fatalf("FinishJob = %v, want %v", got, f.want)
			}
		})
	}
	t.Run("stored outcome is the holder's", func(t *testing.T) {
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			got, err := tx.JobByID(ctx, "finalize:1")
			wantEqual(t, got, taken)
			return err
		})
	})
	t.Run("retry becomes claimable when due", func(t *testing.T) {
		if j := claim(t, db, "w1", retry.Add(-time.Microsecond)); j != nil {
			t.Fatalf("claimed %s before it was due", j.ID)
		}
		if j := claim(t, db, "w1", retry); j == nil || j.Attempts != 3 {
			t.Fatalf("claimed %+v, want finalize:1 on its third attempt", j)
		}
	})
}

// testConcurrentCounter has 64 goroutines each increment an envelope's
// audit sequence in its own read-modify-write transaction; none may be lost.
func testConcurrentCounter(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	const n = 64
	race(t, n, func() (bool, error) {
		err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
			e, err := tx.LockEnvelope(ctx, w.Envelope.ID)
			if err != nil {
				return err
			}
			e.AuditSeq++
			e.AuditHead = fmt.Sprint(e.AuditSeq)
			return tx.UpdateEnvelope(ctx, e)
		})
		return err == nil, err
	})
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		e, err := tx.EnvelopeByID(ctx, w.Envelope.ID)
		if err == nil && e.AuditSeq != n {
			t.Errorf("audit seq = %d after %d increments", e.AuditSeq, n)
		}
		return err
	})
}

// testClaimJobs claims several jobs at once, leaving some kinds out.
func testClaimJobs(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	seal := func(id string, runAt time.Time) *esign.Job {
		j := newJob(id, runAt)
		j.Kind = esign.JobFinalize
		return j
	}
	enqueue(t, db, newJob("mail:b", t0.Add(2*time.Second)), seal("finalize:a", t0), newJob("mail:c", t0.Add(3*time.Second)),
		newJob("mail:a", t0.Add(time.Second)), seal("finalize:b", t0.Add(4*time.Second)), newJob("mail:later", t0.Add(time.Hour)))
	now := t0.Add(time.Minute)
	tests := []struct {
		name  string
		limit int
		skip  []string
		want  []string
	}{
		{"oldest first, limited", 2, nil, []string{"finalize:a", "mail:a"}},
		{"skipping a kind", 5, []string{esign.JobFinalize}, []string{"mail:b", "mail:c"}},
		{"skipping every due kind: none", 5, []string{esign.JobFinalize, esign.JobMail}, []string{}},
		{"the rest", 5, nil, []string{"finalize:b"}},
		{"none left", 5, nil, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
				jobs, err := tx.ClaimJobs(ctx, esign.JobClaim{Worker: "w1", Now: now, LeaseUntil: now.Add(time.Minute), Limit: tt.limit, SkipKinds: tt.skip})
				wantEqual(t, jobIDs(jobs), tt.want)
				for _, j := range jobs {
					if j.Status != esign.JobRunning || j.LockedBy != "w1" || j.Attempts != 1 {
						t.Errorf("claimed job not leased: %+v", j)
					}
				}
				return err
			})
		})
	}
	t.Run("in the transaction that ends another", func(t *testing.T) { testClaimWhileEnding(t, db, now) })
}

// testClaimWhileEnding claims in the transaction that finishes a job, as a
// job runner's ending transaction does: the claim sees the jobs that
// transaction enqueued, and what a rolled-back one claimed stays claimable.
func testClaimWhileEnding(t *testing.T, db *DB, now time.Time) {
	enqueue(t, db, newJob("mail:x", now))
	x := claim(t, db, "w1", now)
	if x == nil || x.ID != "mail:x" {
		t.Fatalf("claimed %v, want mail:x", x)
	}
	errBack := errors.New("rolled back")
	end := func(ctx context.Context, tx esign.Tx) error {
		done := *x
		done.Status, done.LockedBy, done.LockedUntil = esign.JobDone, "", nil
		if ok, err := tx.FinishJob(ctx, &done, "w1"); !ok || err != nil {
			return fmt.Errorf("finish: %v, %w", ok, err)
		}
		if _, err := tx.EnqueueJob(ctx, newJob("mail:y", now)); err != nil {
			return err
		}
		jobs, err := tx.ClaimJobs(ctx, esign.JobClaim{Worker: "w1", Now: now, LeaseUntil: now.Add(time.Minute), Limit: 5})
		wantEqual(t, jobIDs(jobs), []string{"mail:y"})
		return err
	}
	err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		if err := end(ctx, tx); err != nil {
			return err
		}
		return errBack
	})
	if !errors.Is(err, errBack) {
		t.Fatalf("rolled-back end: %v", err)
	}
	if j := jobByID(t, db, "mail:x"); j.Status != esign.JobRunning || j.LockedBy != "w1" {
		t.Fatalf("after the rollback mail:x is %s, locked by %q; want still running, w1's", j.Status, j.LockedBy)
	}
	inTx(t, db, end)
	if j := jobByID(t, db, "mail:y"); j.Status != esign.JobRunning || j.LockedBy != "w1" || j.Attempts != 1 {
		t.Fatalf("mail:y is %s, locked by %q, %d attempts; want claimed once, by w1", j.Status, j.LockedBy, j.Attempts)
	}
	if j := jobByID(t, db, "mail:x"); j.Status != esign.JobDone {
		t.Fatalf("mail:x is %s, want done", j.Status)
	}
}

// jobByID reads the job with the id.
func jobByID(t *testing.T, db *DB, id string) *esign.Job {
	t.Helper()
	var j *esign.Job
	err := db.View(context.Background(), func(ctx context.Context, tx esign.Tx) (err error) {
		j, err = tx.JobByID(ctx, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// testSupersedeJobs: only pending jobs among the ids are marked done; a
// claimed one, a finished one and other jobs are left as they are.
func testSupersedeJobs(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	enqueue(t, db, newJob("mail:pending", t0), newJob("mail:later", t0.Add(time.Hour)), newJob("mail:claimed", t0.Add(-time.Second)),
		newJob("mail:other", t0))
	claimed := claim(t, db, "w1", t0)
	if claimed == nil || claimed.ID != "mail:claimed" {
		t.Fatalf("claimed %v, want mail:claimed", claimed)
	}
	var n int
	inTx(t, db, func(ctx context.Context, tx esign.Tx) (err error) {
		if n, err = tx.SupersedeJobs(ctx, nil, t0); err != nil || n != 0 {
			return fmt.Errorf("no ids: %d, %v", n, err)
		}
		n, err = tx.SupersedeJobs(ctx, []string{"mail:pending", "mail:later", "mail:claimed", "mail:unknown"}, t0.Add(time.Minute))
		return err
	})
	if n != 2 {
		t.Errorf("superseded %d jobs, want 2", n)
	}
	want := map[string]esign.JobStatus{"mail:pending": esign.JobDone, "mail:later": esign.JobDone, "mail:claimed": esign.JobRunning, "mail:other": esign.JobPending}
	wantJobStatuses(t, db, want)
	if !finish(t, db, &esign.Job{ID: claimed.ID, Status: esign.JobDone, Attempts: claimed.Attempts, UpdatedAt: t0}, "w1") {
		t.Error("the claimed job could not be finished after a supersede")
	}
}

// wantJobStatuses checks the status of each job in want.
func wantJobStatuses(t *testing.T, db *DB, want map[string]esign.JobStatus) {
	t.Helper()
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		for id, st := range want {
			j, err := tx.JobByID(ctx, id)
			if err != nil {
				return err
			}
			if j.Status != st {
				t.Errorf("%s is %s, want %s", id, j.Status, st)
			}
		}
		return nil
	})
}
