package esign

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Job kinds.
const (
	JobMail     = "mail"
	JobFinalize = "finalize"
)

// DefaultMaxAttempts is how often a job is tried before it is dead-lettered.
const DefaultMaxAttempts = 10

// enqueue writes an outbox job in tx. id is the job's idempotency key: a job
// whose id exists is not enqueued again.
func enqueue(ctx context.Context, tx Tx, kind, id string, payload any, runAt time.Time) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode %s job: %w", kind, err)
	}
	now := tx.Now()
	return tx.EnqueueJobLater(ctx, &Job{
		ID: kind + ":" + id, Kind: kind, Payload: b, Status: JobPending, RunAt: runAt,
		MaxAttempts: DefaultMaxAttempts, CreatedAt: now, UpdatedAt: now,
	})
}

// HandleJob runs one claimed job. It is the job runner's handler: an error
// makes the runner retry with backoff (or at a *RetryError's time), until
// the job is dead-lettered.
func (s *Service) HandleJob(ctx context.Context, j *Job) error {
	switch j.Kind {
	case JobMail:
		var p mailPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return permanent(fmt.Errorf("decode mail job %s: %w", j.ID, err))
		}
		return s.sendMail(ctx, j, p)
	case JobSMS:
		var p mailPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return permanent(fmt.Errorf("decode sms job %s: %w", j.ID, err))
		}
		return s.sendSMS(ctx, j.ID, p)
	case JobFinalize:
		var p finalizePayload
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return permanent(fmt.Errorf("decode finalize job %s: %w", j.ID, err))
		}
		err := s.finalize(ctx, j, p.EnvelopeID)
		if err != nil && j.Attempts >= j.MaxAttempts && !IsKind(err, KindUnavailable) {
			s.markResultFailed(ctx, p.EnvelopeID, err)
		}
		return err
	case JobAccountMail:
		return s.handleAccountMail(ctx, j)
	case JobAuthCode:
		return s.deliverAuthCode(ctx, j)
	case JobWebhook:
		var p webhookPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return permanent(fmt.Errorf("decode webhook job %s: %w", j.ID, err))
		}
		return s.deliverWebhook(ctx, j, p.DeliveryID)
	case JobInvitationMail:
		var p invitationPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return permanent(fmt.Errorf("decode invitation job %s: %w", j.ID, err))
		}
		return s.sendInvitationMail(ctx, j.ID, p)
	default:
		return permanent(fmt.Errorf("job %s: unknown kind %q", j.ID, j.Kind))
	}
}

// FinishClaimedJob records in tx that j, a job a runner claimed, succeeded,
// so that a handler can end its job in the transaction of its last write:
// the effect and the job's end then commit together, in one transaction
// instead of two, which is what SQLite's single writer needs. When ctx
// carries the runner's NextJobClaim (WithNextJobClaim), the same
// transaction also claims the jobs the runner runs next in the slot j
// frees, so that a busy runner needs no transaction of its own to claim.
//
// It returns the job as recorded and true; once tx committed, the handler
// copies it into j, whose JobFinished then tells the runner that there is
// no outcome left to record, and whose ClaimedNext the jobs to run next.
// The copy is what hands them over: an attempt of tx that rolls back is
// never copied, so what it claimed is never run. It records nothing and
// returns false when j is not a claimed job (no LockedBy: the handler was
// called without a runner) or this attempt's lease was lost: FinishJob
// matches only the worker and attempt that claimed j, so a job another
// worker took over is never finished twice, and the runner, finding the
// lease lost too, leaves the job to its new owner.
func FinishClaimedJob(ctx context.Context, tx Tx, j *Job) (Job, bool, error) {
	done := *j
	done.next = nil
	if j.LockedBy == "" || j.Status != JobRunning {
		return done, false, nil
	}
	done.Status, done.LastError, done.LockedBy, done.LockedUntil, done.UpdatedAt = JobDone, "", "", nil, tx.Now()
	ok, err := tx.FinishJob(ctx, &done, j.LockedBy)
	if err != nil || !ok {
		return done, false, err
	}
	if claim, _ := ctx.Value(nextJobClaimKey{}).(NextJobClaim); claim != nil {
		if done.next, err = claim(ctx, tx, j); err != nil {
			return done, false, err
		}
	}
	return done, true, nil
}

// NextJobClaim is how a job runner lets the transaction that ends one of
// its jobs, ended, claim in tx the jobs it is to run next: every write
// transaction costs SQLite's one writer a turn and a share of a commit,
// and this one is being paid for anyway. It may run once per attempt of
// the transaction; what it returns counts only if that attempt commits.
type NextJobClaim func(ctx context.Context, tx Tx, ended *Job) ([]*Job, error)

type nextJobClaimKey struct{}

// WithNextJobClaim returns ctx carrying claim, for the handler of a job the
// runner claimed: FinishClaimedJob calls it. A handler called without it
// (by a test, by `gsign jobs run`, by a queue consumer) claims nothing.
func WithNextJobClaim(ctx context.Context, claim NextJobClaim) context.Context {
	return context.WithValue(ctx, nextJobClaimKey{}, claim)
}

// ClaimedNext returns the jobs claimed by the committed transaction that
// ended j (FinishClaimedJob with a NextJobClaim), for its runner to run;
// none when j was not ended that way.
func ClaimedNext(j *Job) []*Job { return j.next }

// inTxEndingJob runs fn in a write transaction that also ends j, the job
// being handled, if it succeeds (FinishClaimedJob), and then marks j
// finished for whoever runs it (JobFinished).
func (s *Service) inTxEndingJob(ctx context.Context, j *Job, fn func(ctx context.Context, tx Tx) error) error {
	var done Job
	var finished bool
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if err := fn(ctx, tx); err != nil {
			return err
		}
		var err error
		done, finished, err = FinishClaimedJob(ctx, tx, j)
		return err
	})
	if err == nil && finished {
		*j = done
	}
	return err
}

// JobFinished reports whether j's handler recorded j's success itself
// (FinishClaimedJob), so that whoever ran it must record nothing more.
func JobFinished(j *Job) bool { return j.Status == JobDone }

// PermanentError marks a job failure that retrying cannot fix; the runner
// dead-letters the job at once.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

func permanent(err error) error { return &PermanentError{Err: err} }
