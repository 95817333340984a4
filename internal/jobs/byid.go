package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// Result says what RunByID did with a job.
type Result int

// Results of RunByID.
const (
	// Skipped: nothing ran, because the job was not runnable (unknown, done,
	// dead, or leased by a worker whose lease still runs), or the lease was
	// lost while it ran; whoever holds the job now settles it.
	Skipped Result = iota
	// Done: the job ran and succeeded.
	Done
	// Retry: the job failed and runs again at Outcome.RetryAt, or it is not
	// due before then.
	Retry
	// Dead: the job failed for good and was dead-lettered.
	Dead
)

// String names the result, for logs.
func (r Result) String() string {
	switch r {
	case Done:
		return "done"
	case Retry:
		return "retry"
	case Dead:
		return "dead"
	}
	return "skipped"
}

// Outcome is what became of a job RunByID was asked to run, so that a
// transport can settle the message that asked for it.
type Outcome struct {
	Result  Result
	RetryAt time.Time // when Result is Retry
}

// RunByID runs the job with the id, as the polling loop runs the jobs it
// claims: it claims the job if it is runnable, runs the handler under the
// lease, and records done, a retry with backoff, or dead. A queue consumer
// calls it once per message, so messages need only carry job ids, and a
// duplicate message finds the job not runnable and is skipped. An error
// means the store failed, and the same request may succeed later.
func (r *Runner) RunByID(ctx context.Context, id string) (Outcome, error) {
	j, waiting, err := r.claimByID(ctx, id)
	if err != nil || j == nil {
		return waiting, err
	}
	recorded, _, err := r.runOne(ctx, j, nil)
	switch {
	case err != nil:
		return Outcome{}, err
	case !recorded:
		return Outcome{Result: Skipped}, nil
	}
	return outcomeOf(j), nil
}

// claimByID leases the job with the id. When the job is not runnable it
// returns no job and what to do instead: Retry at its run_at for a pending
// job that is not due yet (an early message: the job is waiting for a retry
// whose message is elsewhere, or the delay it carried was capped), Skipped
// for anything else.
func (r *Runner) claimByID(ctx context.Context, id string) (*esign.Job, Outcome, error) {
	var j *esign.Job
	var out Outcome
	err := r.store.InTx(ctx, func(ctx context.Context, tx esign.Tx) (err error) {
		j, out = nil, Outcome{Result: Skipped}
		j, err = tx.ClaimJobByID(ctx, id, r.cfg.Worker, tx.Now(), tx.Now().Add(r.cfg.Lease))
		if !esign.IsKind(err, esign.KindNotFound) {
			return err
		}
		j = nil
		cur, err := tx.JobByID(ctx, id)
		if esign.IsKind(err, esign.KindNotFound) {
			return nil
		}
		if err == nil && cur.Status == esign.JobPending {
			out = Outcome{Result: Retry, RetryAt: cur.RunAt}
		}
		return err
	})
	if err != nil {
		return nil, Outcome{}, fmt.Errorf("claim job %s: %w", id, err)
	}
	return j, out, nil
}

// outcomeOf reads the outcome of a job runOne settled.
func outcomeOf(j *esign.Job) Outcome {
	switch j.Status {
	case esign.JobDone:
		return Outcome{Result: Done}
	case esign.JobDead:
		return Outcome{Result: Dead}
	}
	return Outcome{Result: Retry, RetryAt: j.RunAt}
}
