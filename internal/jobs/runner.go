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
	"runtime"
	"sync"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// Handler runs one job. Returning an error schedules a retry, with backoff
// or at the time an *esign.RetryError names; an *esign.PermanentError
// dead-letters the job at once. A handler may record its job's success
// itself, in its last transaction, with esign.FinishClaimedJob; the runner
// then records nothing more, and, when the polling loop runs the job, takes
// the jobs that transaction claimed for it to run next (esign.ClaimedNext).
type Handler func(ctx context.Context, j *esign.Job) error

// Config tunes a Runner.
type Config struct {
	// Worker names this runner in leases; unique per process.
	Worker string
	// Concurrency is how many jobs run at once.
	Concurrency int
	// SlowKinds are job kinds that take long (sealing an envelope: some
	// 200 ms of CPU, against a few ms for a mail). Together they run on at
	// most half of the Concurrency slots (at least one), so that with two
	// slots or more the other kinds never wait behind them.
	SlowKinds []string
	// Lease is how long a claimed job is ours; a crashed worker's jobs are
	// reclaimed after it. Handlers get a context that ends a little before.
	Lease time.Duration
	// Poll is how often an idle runner looks for due jobs.
	Poll time.Duration
	// BaseBackoff and MaxBackoff bound the exponential retry delay.
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
}

// DefaultConfig returns settings suited to one process: jobs wait on the
// database, blobs and mail as much as they use the CPU, so four per CPU.
func DefaultConfig(worker string) Config {
	return Config{Worker: worker, Concurrency: DefaultConcurrency(), SlowKinds: []string{esign.JobFinalize},
		Lease: 5 * time.Minute, Poll: time.Second, BaseBackoff: 2 * time.Second, MaxBackoff: time.Hour}
}

// DefaultConcurrency is 4 × GOMAXPROCS.
func DefaultConcurrency() int { return 4 * runtime.GOMAXPROCS(0) }

// Runner claims and runs jobs from the Store.
type Runner struct {
	store   esign.Store
	handle  Handler
	clock   esign.Clock
	log     *slog.Logger
	cfg     Config
	wake    chan struct{}
	freed   chan struct{} // a job ended: a slot is free
	running sync.WaitGroup

	mu       sync.Mutex
	busy     int // jobs running
	busySlow int // of which of SlowKinds
}

// New returns a Runner.
func New(store esign.Store, h Handler, clock esign.Clock, log *slog.Logger, cfg Config) *Runner {
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 1
	}
	return &Runner{store: store, handle: h, clock: clock, log: log, cfg: cfg, wake: make(chan struct{}, 1), freed: make(chan struct{}, 1)}
}

// Wake tells an idle runner that a job may be due now. It never blocks.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run claims and runs jobs until ctx is done, then waits for running jobs.
// Each claim leases as many jobs as there are free slots, in one
// transaction. While the runner is busy, the transaction that ends a job
// claims the next ones (handoff), and this loop waits: it claims only for
// slots that such a claim left free.
func (r *Runner) Run(ctx context.Context) error {
	defer r.running.Wait()
	for ctx.Err() == nil {
		res := r.reserveFree()
		if res.n == 0 {
			r.idle(ctx, false)
			continue
		}
		jobs, err := r.claim(ctx, res.n, res.skip)
		if err != nil && ctx.Err() == nil {
			r.log.Error("claim job", "err", err)
		}
		r.claimed(res, jobs)
		for _, j := range jobs {
			r.start(ctx, j)
		}
		if len(jobs) < res.n {
			r.idle(ctx, true)
		}
	}
	return nil
}

// start runs j, which holds a slot (claimed), in a goroutine of its own, and
// after it the jobs its ending transaction claimed for that slot.
func (r *Runner) start(ctx context.Context, j *esign.Job) {
	r.running.Add(1)
	go func() {
		defer r.running.Done()
		for j != nil {
			j = r.runInSlot(ctx, j)
		}
	}()
}

// runInSlot runs j in its slot and returns the job to run next there, if
// the transaction that ended j claimed any; it starts the others it claimed
// in slots of their own.
func (r *Runner) runInSlot(ctx context.Context, j *esign.Job) *esign.Job {
	h := &handoff{r: r, ctx: ctx, job: j, slow: r.isSlow(j)}
	_, next, err := r.runOne(ctx, j, h.claim)
	if err != nil {
		r.log.Error("record job outcome", "job", j.ID, "err", err)
	}
	next = h.finish(next)
	if len(next) == 0 {
		return nil
	}
	for _, k := range next[1:] {
		r.start(ctx, k)
	}
	return next[0]
}

// idle waits until a slot is freed, or ctx is done, and, if poll, until a
// wake-up or the poll interval, which may bring due jobs.
func (r *Runner) idle(ctx context.Context, poll bool) {
	var tick <-chan time.Time
	var wake <-chan struct{}
	if poll {
		t := time.NewTimer(r.cfg.Poll)
		defer t.Stop()
		tick, wake = t.C, r.wake
	}
	select {
	case <-ctx.Done():
	case <-r.freed:
	case <-wake:
	case <-tick:
	}
}

// RunPending runs due jobs one at a time until none is left; tests and the
// `gsign jobs run` command use it. It returns how many it ran.
func (r *Runner) RunPending(ctx context.Context) (int, error) {
	n := 0
	for {
		jobs, err := r.claim(ctx, 1, nil)
		if err != nil || len(jobs) == 0 {
			return n, err
		}
		if _, _, err := r.runOne(ctx, jobs[0], nil); err != nil {
			r.log.Error("record job outcome", "job", jobs[0].ID, "err", err)
		}
		n++
	}
}

// claim leases up to limit due jobs, except of the kinds in skip.
func (r *Runner) claim(ctx context.Context, limit int, skip []string) ([]*esign.Job, error) {
	var jobs []*esign.Job
	err := r.store.InTx(ctx, func(ctx context.Context, tx esign.Tx) (err error) {
		jobs, err = tx.ClaimJobs(ctx, esign.JobClaim{Worker: r.cfg.Worker, Now: tx.Now(), LeaseUntil: tx.Now().Add(r.cfg.Lease),
			Limit: limit, SkipKinds: skip})
		return err
	})
	return jobs, err
}

// runOne runs a claimed job and records the outcome in j and in the store.
// It returns the jobs the transaction that ended j claimed with next (nil:
// none is claimed). It reports whether it recorded the outcome: false means
// the lease was lost to another worker, whose outcome counts instead. With
// no one to tell of a failure to record it but the log, the polling loop
// leaves it to the lease to make the job run again.
func (r *Runner) runOne(ctx context.Context, j *esign.Job, next esign.NextJobClaim) (recorded bool, claimed []*esign.Job, err error) {
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.Lease*9/10)
	defer cancel()
	if next != nil {
		hctx = esign.WithNextJobClaim(hctx, next)
	}
	start := r.clock.Now()
	err = r.safeHandle(hctx, j)
	if esign.JobFinished(j) {
		return r.finishedByHandler(j, err, start), esign.ClaimedNext(j), nil
	}
	r.settle(j, err)
	if err != nil {
		r.log.Warn("job failed", "job", j.ID, "attempt", j.Attempts, "status", j.Status, "err", err)
	} else {
		r.log.Debug("job done", "job", j.ID, "took", r.clock.Now().Sub(start))
	}
	return r.finish(j, next)
}

// finishedByHandler is runOne's end for a job whose handler recorded its
// success in its own last transaction (esign.FinishClaimedJob): that saves
// the transaction finish would take, and finish would find the job no
// longer running anyway. An error after that cannot undo the success; it
// is logged.
func (r *Runner) finishedByHandler(j *esign.Job, err error, start time.Time) bool {
	if err != nil {
		r.log.Warn("job failed after it recorded its success", "job", j.ID, "err", err)
	}
	r.log.Debug("job done", "job", j.ID, "took", r.clock.Now().Sub(start))
	return true
}

func (r *Runner) safeHandle(ctx context.Context, j *esign.Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("job %s panicked: %v", j.ID, p)
		}
	}()
	return r.handle(ctx, j)
}

// settle decides the job's next state from the handler's result. A job
// that failed because a service is unavailable (KindUnavailable: an open
// circuit breaker) is not at fault: it is never dead-lettered for running
// out of attempts, and waits until the service is back.
func (r *Runner) settle(j *esign.Job, err error) {
	now := r.clock.Now()
	j.LockedBy, j.LockedUntil, j.UpdatedAt = "", nil, now
	var perm *esign.PermanentError
	var retry *esign.RetryError
	switch {
	case err == nil:
		j.Status, j.LastError = esign.JobDone, ""
	case errors.As(err, &perm) || (j.Attempts >= j.MaxAttempts && !esign.IsKind(err, esign.KindUnavailable)):
		j.Status, j.LastError = esign.JobDead, err.Error()
	case errors.As(err, &retry):
		j.Status, j.LastError, j.RunAt = esign.JobPending, err.Error(), retry.At
		if j.RunAt.Before(now) {
			j.RunAt = now
		}
	default:
		j.Status, j.LastError, j.RunAt = esign.JobPending, err.Error(), now.Add(r.backoff(j.Attempts))
	}
}

// finish stores the outcome settle decided, if this worker still holds the
// job's lease, and reports whether it did; with next, the same transaction
// claims the jobs to run next, which it returns once it committed (what an
// attempt that rolled back claimed is dropped with it). It outlives the
// runner's context: a job that ran should have its outcome recorded.
func (r *Runner) finish(j *esign.Job, next esign.NextJobClaim) (bool, []*esign.Job, error) {
	var ok bool
	var claimed []*esign.Job
	err := r.store.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) (err error) {
		claimed = nil
		if ok, err = tx.FinishJob(ctx, j, r.cfg.Worker); err != nil || next == nil {
			return err
		}
		claimed, err = next(ctx, tx, j)
		return err
	})
	if err != nil {
		return false, nil, fmt.Errorf("record outcome of job %s: %w", j.ID, err)
	}
	if !ok {
		r.log.Warn("job lease lost before finishing; another worker owns it", "job", j.ID)
	}
	return ok, claimed, nil
}

// backoff is exponential with full jitter, capped.
func (r *Runner) backoff(attempt int) time.Duration {
	d := r.cfg.BaseBackoff << min(attempt-1, 20)
	if d <= 0 || d > r.cfg.MaxBackoff {
		d = r.cfg.MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}
