package sqldb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// UnpublishedJobs lists the jobs a queue relay must publish: due pending
// jobs never published, and jobs published before staleBefore that have
// been runnable since before it (the queue lost their message, or the worker
// that took it died). On PostgreSQL the rows stay locked, skipping rows
// another relay holds, until the transaction ends.
func (t *tx) UnpublishedJobs(ctx context.Context, now, staleBefore time.Time, limit int) ([]*esign.Job, error) {
	q := `SELECT ` + jobCols + ` FROM jobs
		WHERE (status = ? AND published_at IS NULL AND run_at <= ?)
		   OR (status = ? AND published_at <= ? AND run_at <= ?)
		   OR (status = ? AND locked_until <= ? AND (published_at IS NULL OR published_at <= ?))
		ORDER BY run_at, created_at, id
		LIMIT ?` + t.d.skipLocked
	pending, running, stale := string(esign.JobPending), string(esign.JobRunning), micros(staleBefore)
	return getAll(ctx, t, "unpublished jobs", scanJob, q, pending, micros(now), pending, stale, stale,
		running, stale, stale, limit)
}

// markChunk bounds the ids of one UPDATE, well under every engine's limit
// on bound parameters.
const markChunk = 500

// MarkJobsPublished sets published_at of the jobs with the ids.
func (t *tx) MarkJobsPublished(ctx context.Context, ids []string, at time.Time) error {
	for len(ids) > 0 {
		n := min(len(ids), markChunk)
		q := `UPDATE jobs SET published_at = ? WHERE id IN (?` + strings.Repeat(", ?", n-1) + `)`
		args := []any{micros(at)}
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		if _, err := t.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("mark %d jobs published: %w", n, err)
		}
		ids = ids[n:]
	}
	return nil
}

// ClaimJobByID leases the job with the id, as ClaimJob would if it were the
// oldest runnable job; NotFound when it is not runnable. The condition in
// the UPDATE makes a duplicate message harmless: of two claims of one job,
// one finds nothing to update.
func (t *tx) ClaimJobByID(ctx context.Context, id, worker string, now, leaseUntil time.Time) (*esign.Job, error) {
	const q = `UPDATE jobs SET status = ?, locked_by = ?, locked_until = ?, attempts = attempts + 1, updated_at = ?
		WHERE id = ? AND ((status = ? AND run_at <= ?) OR (status = ? AND locked_until <= ?))
		RETURNING ` + jobCols
	running, n := string(esign.JobRunning), micros(now)
	return getOne(ctx, t, "runnable job", scanJob, q, running, worker, micros(leaseUntil), n,
		id, string(esign.JobPending), n, running, n)
}

// ReplayJob makes the dead job with the id pending again, due now, with no
// attempts and unpublished, so that a relay publishes it afresh. Its last
// error stays until it next runs.
func (t *tx) ReplayJob(ctx context.Context, id string, now time.Time) error {
	const q = `UPDATE jobs SET status = ?, run_at = ?, attempts = 0, locked_by = '', locked_until = NULL,
		published_at = NULL, updated_at = ?
		WHERE id = ? AND status = ?`
	n, err := t.changed(ctx, q, string(esign.JobPending), micros(now), micros(now), id, string(esign.JobDead))
	if err != nil {
		return fmt.Errorf("replay job %s: %w", id, err)
	}
	if n > 0 {
		return nil
	}
	j, err := t.JobByID(ctx, id)
	if err != nil {
		return err
	}
	return esign.Errorf(esign.KindConflict, esign.CodeInvalidTransition, "job %s is %s, not dead", id, j.Status)
}
