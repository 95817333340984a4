package sqldb

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

const jobCols = `id, kind, payload, status, run_at, attempts, max_attempts, locked_by, locked_until,
	last_error, created_at, updated_at`

func scanJob(s rowScanner) (*esign.Job, error) {
	j := &esign.Job{}
	return j, s.Scan(&j.ID, &j.Kind, &j.Payload, &j.Status, timeCol{&j.RunAt}, &j.Attempts, &j.MaxAttempts,
		&j.LockedBy, nullTimeCol{&j.LockedUntil}, &j.LastError, timeCol{&j.CreatedAt}, timeCol{&j.UpdatedAt})
}

// EnqueueJob inserts j unless a job with its id exists, and reports whether
// it inserted: the id is the job's idempotency key.
func (t *tx) EnqueueJob(ctx context.Context, j *esign.Job) (bool, error) {
	n, err := t.changed(ctx, t.enqueueSQL(), jobArgs(j)...)
	if err != nil {
		return false, fmt.Errorf("enqueue job %s: %w", j.ID, err)
	}
	return n > 0, nil
}

// EnqueueJobLater is EnqueueJob without the answer: the insert goes with
// the transaction's next statement on PostgreSQL (write).
func (t *tx) EnqueueJobLater(ctx context.Context, j *esign.Job) error {
	return t.write(ctx, t.enqueueSQL(), func(_ int64, err error) error {
		if err != nil {
			return fmt.Errorf("enqueue job %s: %w", j.ID, err)
		}
		return nil
	}, jobArgs(j)...)
}

// enqueueSQL inserts a job unless one with its id exists.
func (t *tx) enqueueSQL() string { return t.d.insertIgnore(insertSQL("jobs", jobCols), "id") }

// jobArgs are the values of jobCols for j.
func jobArgs(j *esign.Job) []any {
	return []any{j.ID, j.Kind, blob(j.Payload), string(j.Status), micros(j.RunAt), j.Attempts, j.MaxAttempts,
		j.LockedBy, nullMicros(j.LockedUntil), j.LastError, micros(j.CreatedAt), micros(j.UpdatedAt)}
}

// ClaimJobs leases up to c.Limit of the oldest runnable jobs, except those of
// c.SkipKinds, to c.Worker until c.LeaseUntil, and returns them oldest
// first. A job is runnable when it is pending and due, or running with a
// lease that has run out (its worker died). Oldest means earliest run_at,
// then creation. Picking and leasing is one statement, so two claims never
// get the same job; on PostgreSQL the pick locks the rows it picks and skips
// rows others have locked, so concurrent workers take different jobs instead
// of queuing behind one. Claiming several jobs in one transaction saves a
// commit, the most of a claim's cost on SQLite, per job after the first.
func (t *tx) ClaimJobs(ctx context.Context, c esign.JobClaim) ([]*esign.Job, error) {
	running, n, limit := string(esign.JobRunning), micros(c.Now), max(c.Limit, 1)
	skip, kinds := "", []any{}
	if len(c.SkipKinds) > 0 {
		skip = ` AND kind NOT IN (?` + strings.Repeat(", ?", len(c.SkipKinds)-1) + `)`
		for _, k := range c.SkipKinds {
			kinds = append(kinds, k)
		}
	}
	pick, pickArgs := t.claimPick(c, skip, kinds, limit)
	q := `UPDATE jobs SET status = ?, locked_by = ?, locked_until = ?, attempts = attempts + 1, updated_at = ?
		WHERE id IN (` + pick + `)
		RETURNING ` + jobCols
	args := append([]any{running, c.Worker, micros(c.LeaseUntil), n}, pickArgs...)
	jobs, err := getAll(ctx, t, "jobs", scanJob, q, args...)
	if err != nil {
		return nil, fmt.Errorf("claim jobs: %w", err)
	}
	slices.SortFunc(jobs, func(a, b *esign.Job) int {
		return cmp.Or(a.RunAt.Compare(b.RunAt), a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return jobs, nil
}

// claimPick is the SELECT of the ids ClaimJobs leases, and its arguments:
// the limit oldest runnable jobs, pending and due or running with a lapsed
// lease, except the kinds skip names.
//
// Each kind of runnable job is picked by a SELECT of its own, ordered and
// limited, and the union of the two is ordered and limited again. With one
// SELECT and an OR of the two, SQLite read and sorted every due job for
// each claim (about 6 ms with 20,000 jobs due, as after a bulk send, while
// holding the writer; BenchmarkClaimBacklog), and PostgreSQL read both
// conditions with bitmap index scans, which step over every dead index
// entry of the jobs finished since the table was last vacuumed (each job
// leaves three, its status being in the index) and never mark them dead:
// 12% of PostgreSQL's CPU in bench/envelopes.sh. Each SELECT of the union
// walks the (status, run_at, created_at, id) index in order and stops at
// the limit, and a plain index scan marks the dead entries it meets so that
// later scans skip them.
//
// On PostgreSQL each SELECT locks the rows it picks and skips rows others
// have locked (PostgreSQL refuses a locking clause on the union itself), so
// concurrent workers take different jobs instead of queuing behind one.
// When both find jobs, the rows of the union beyond the limit stay locked,
// unclaimed, until the transaction ends; lapsed leases are rare (a worker
// died), so this costs nothing in the usual case. SQLite's one writer
// serializes claims, and no row lock is needed.
func (t *tx) claimPick(c esign.JobClaim, skip string, kinds []any, limit int) (string, []any) {
	pending, running, now := string(esign.JobPending), string(esign.JobRunning), micros(c.Now)
	const order = ` ORDER BY run_at, created_at, id LIMIT ?`
	q := `SELECT id FROM (
			SELECT * FROM (SELECT id, run_at, created_at FROM jobs WHERE status = ? AND run_at <= ?` + skip + order + t.d.skipLocked + `) AS due
			UNION ALL
			SELECT * FROM (SELECT id, run_at, created_at FROM jobs WHERE status = ? AND locked_until <= ?` + skip + order + t.d.skipLocked + `) AS lapsed
		) AS runnable` + order
	args := append(append([]any{pending, now}, kinds...), limit)
	args = append(append(append(args, running, now), kinds...), limit)
	return q, append(args, limit)
}

// FinishJob records the outcome the runner decided for j (status, next run,
// attempts, error, lease) if worker still holds j's lease, and reports
// whether it did. A worker whose lease ran out and was claimed by another
// finds nothing to update.
func (t *tx) FinishJob(ctx context.Context, j *esign.Job, worker string) (bool, error) {
	const q = `UPDATE jobs SET status = ?, run_at = ?, attempts = ?, locked_by = ?, locked_until = ?,
		last_error = ?, updated_at = ?
		WHERE id = ? AND locked_by = ? AND status = ? AND attempts = ?`
	n, err := t.changed(ctx, q, string(j.Status), micros(j.RunAt), j.Attempts, j.LockedBy, nullMicros(j.LockedUntil),
		j.LastError, micros(j.UpdatedAt), j.ID, worker, string(esign.JobRunning), j.Attempts)
	if err != nil {
		return false, fmt.Errorf("finish job %s: %w", j.ID, err)
	}
	return n > 0, nil
}

// SupersedeJobs marks the pending jobs among ids done.
func (t *tx) SupersedeJobs(ctx context.Context, ids []string, now time.Time) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	q := supersedeJobsSQL(len(ids), t.d.skipLocked)
	args := append(make([]any, 0, 4+len(ids)), string(esign.JobDone), "superseded", micros(now))
	for _, id := range ids {
		args = append(args, id)
	}
	args = append(args, string(esign.JobPending))
	n, err := t.changed(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("supersede jobs: %w", err)
	}
	return int(n), nil
}

// supersedeJobsSQL marks done the pending jobs among n ids, skipping
// (with skipLocked, PostgreSQL's) those that another transaction holds: a
// claim taking them to run, or the relay publishing them. Superseding
// only spares a job's run, which would find nothing left to do, so
// waiting for the holder would buy nothing, and the caller holds its
// envelope's lock meanwhile.
//
// The jobs are found by their ids alone: COALESCE keeps PostgreSQL from
// reading a status index instead. Their statistics are always stale (jobs
// change status by the thousand between two ANALYZEs); with them the
// planner took status = 'pending' for rarer than n ids and read every
// pending entry, dead ones included, once per supersede: 0.8 ms a
// statement in the last signer's transaction in bench/envelopes.sh
// (TestPostgresSupersedeByID).
func supersedeJobsSQL(n int, skipLocked string) string {
	return `UPDATE jobs SET status = ?, last_error = ?, updated_at = ? WHERE id IN (
		SELECT id FROM jobs WHERE id IN (?` + strings.Repeat(", ?", n-1) + `) AND COALESCE(status, '') = ?` + skipLocked + `)`
}

// JobByID returns the job with the id.
func (t *tx) JobByID(ctx context.Context, id string) (*esign.Job, error) {
	return getOne(ctx, t, "job", scanJob, `SELECT `+jobCols+` FROM jobs WHERE id = ?`, id)
}

// JobsByStatus lists jobs with the status, oldest (by run_at) first, at most
// limit of them; all of them if limit is zero or less.
func (t *tx) JobsByStatus(ctx context.Context, status esign.JobStatus, limit int) ([]*esign.Job, error) {
	q := `SELECT ` + jobCols + ` FROM jobs WHERE status = ? ORDER BY run_at, created_at, id`
	args := []any{string(status)}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	return getAll(ctx, t, "jobs", scanJob, q, args...)
}
