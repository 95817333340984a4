// Package jobs runs the durable outbox: jobs written in the same transaction
// as the state change that needs them are claimed with a lease, handled,
// acknowledged, retried with backoff, and dead-lettered when they keep failing.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// Handler runs one job. Returning an error schedules a retry; an
// *esign.PermanentError dead-letters the job at once.
type Handler func(ctx context.Context, j *esign.Job) error

// Config tunes a Runner.
type Config struct {
	// Worker names this runner in leases; unique per process.
	Worker string
	// Concurrency is how many jobs run at once.
	Concurrency int
	// Lease is how long a claimed job is ours; a crashed worker's jobs are
	// reclaimed after it. Handlers get a context that ends a little before.
	Lease time.Duration
	// Poll is how often an idle runner looks for due jobs.
	Poll time.Duration
	// BaseBackoff and MaxBackoff bound the exponential retry delay.
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
}

// DefaultConfig returns settings suited to one process on a small machine.
func DefaultConfig(worker string) Config {
	return Config{Worker: worker, Concurrency: 2, Lease: 5 * time.Minute, Poll: time.Second, BaseBackoff: 2 * time.Second, MaxBackoff: time.Hour}
}

// Runner claims and runs jobs from the Store.
type Runner struct {
	store   esign.Store
	handle  Handler
	clock   esign.Clock
	log     *slog.Logger
	cfg     Config
	wake    chan struct{}
	running sync.WaitGroup
}

// New returns a Runner.
func New(store esign.Store, h Handler, clock esign.Clock, log *slog.Logger, cfg Config) *Runner {
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 1
	}
	return &Runner{store: store, handle: h, clock: clock, log: log, cfg: cfg, wake: make(chan struct{}, 1)}
}

// Wake tells an idle runner that a job may be due now. It never blocks.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run claims and runs jobs until ctx is done, then waits for running jobs.
func (r *Runner) Run(ctx context.Context) error {
	slots := make(chan struct{}, r.cfg.Concurrency)
	defer r.running.Wait()
	for {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		j, err := r.claim(ctx)
		if err != nil || j == nil {
			<-slots
			if err != nil && ctx.Err() == nil {
				r.log.Error("claim job", "err", err)
			}
			if !r.idle(ctx) {
				return nil
			}
			continue
		}
		r.running.Add(1)
		go func() {
			defer func() { <-slots; r.running.Done() }()
			r.runLogged(ctx, j)
		}()
	}
}

// idle waits for a wake-up or the poll interval; false means ctx is done.
func (r *Runner) idle(ctx context.Context) bool {
	t := time.NewTimer(r.cfg.Poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-r.wake:
	case <-t.C:
	}
	return true
}

// RunPending runs due jobs one at a time until none is left; tests and the
// `gsign jobs run` command use it. It returns how many it ran.
func (r *Runner) RunPending(ctx context.Context) (int, error) {
	n := 0
	for {
		j, err := r.claim(ctx)
		if err != nil || j == nil {
			return n, err
		}
		r.runLogged(ctx, j)
		n++
	}
}

func (r *Runner) claim(ctx context.Context) (*esign.Job, error) {
	var j *esign.Job
	err := r.store.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
		var err error
		j, err = tx.ClaimJob(ctx, r.cfg.Worker, tx.Now(), tx.Now().Add(r.cfg.Lease))
		return err
	})
	if esign.IsKind(err, esign.KindNotFound) {
		return nil, nil
	}
	return j, err
}

// runLogged is runOne for the polling loop, which has no one to tell of a
// failure to record the outcome but the log; the lease makes the job run
// again.
func (r *Runner) runLogged(ctx context.Context, j *esign.Job) {
	if _, err := r.runOne(ctx, j); err != nil {
		r.log.Error("record job outcome", "job", j.ID, "err", err)
	}
}

// runOne runs a claimed job and records the outcome in j and in the store.
// It reports whether it recorded it: false means the lease was lost to
// another worker, whose outcome counts instead.
func (r *Runner) runOne(ctx context.Context, j *esign.Job) (bool, error) {
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.Lease*9/10)
	defer cancel()
	start := r.clock.Now()
	err := r.safeHandle(hctx, j)
	r.settle(j, err)
	if err != nil {
		r.log.Warn("job failed", "job", j.ID, "attempt", j.Attempts, "status", j.Status, "err", err)
	} else {
		r.log.Debug("job done", "job", j.ID, "took", r.clock.Now().Sub(start))
	}
	return r.finish(j)
}

func (r *Runner) safeHandle(ctx context.Context, j *esign.Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("job %s panicked: %v", j.ID, p)
		}
	}()
	return r.handle(ctx, j)
}

// settle decides the job's next state from the handler's result.
func (r *Runner) settle(j *esign.Job, err error) {
	now := r.clock.Now()
	j.LockedBy, j.LockedUntil, j.UpdatedAt = "", nil, now
	var perm *esign.PermanentError
	switch {
	case err == nil:
		j.Status, j.LastError = esign.JobDone, ""
	case errors.As(err, &perm) || j.Attempts >= j.MaxAttempts:
		j.Status, j.LastError = esign.JobDead, err.Error()
	default:
		j.Status, j.LastError, j.RunAt = esign.JobPending, err.Error(), now.Add(r.backoff(j.Attempts))
	}
}

// finish stores the outcome settle decided, if this worker still holds the
// job's lease, and reports whether it did. It outlives the runner's
// context: a job that ran should have its outcome recorded.
func (r *Runner) finish(j *esign.Job) (bool, error) {
	var ok bool
	err := r.store.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) (err error) {
		ok, err = tx.FinishJob(ctx, j, r.cfg.Worker)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("record outcome of job %s: %w", j.ID, err)
	}
	if !ok {
		r.log.Warn("job lease lost before finishing; another worker owns it", "job", j.ID)
	}
	return ok, nil
}

// backoff is exponential with full jitter, capped.
func (r *Runner) backoff(attempt int) time.Duration {
	d := r.cfg.BaseBackoff << min(attempt-1, 20)
	if d <= 0 || d > r.cfg.MaxBackoff {
		d = r.cfg.MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}
