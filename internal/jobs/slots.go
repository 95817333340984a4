package jobs

import (
	"context"
	"slices"

	"github.com/gsign/gsign/internal/esign"
)

// reservation is slots set aside for the jobs a claim may bring: n of them,
// of which slow may take jobs of SlowKinds; the claim skips the kinds in
// skip. Claims reserve before they run and give back what they did not use
// after (claimed), so that claims running at once (the polling loop's, and
// those in the transactions that end jobs) never fill more slots, or more
// slow ones, than there are.
type reservation struct {
	n, slow int
	skip    []string
}

// reserve sets aside every free slot. Once SlowKinds fill their share of
// the slots, the claim must skip them; while a slow kind may still start,
// the reservation holds no more slots than slow ones left, so that the claim
// cannot overfill them whatever kinds it gets. r.mu is held.
func (r *Runner) reserve() reservation {
	free, slowFree := r.cfg.Concurrency-r.busy, r.slowLimit()-r.busySlow
	var res reservation
	switch {
	case free <= 0:
		return res
	case len(r.cfg.SlowKinds) == 0:
		res.n = free
	case slowFree <= 0:
		res.n, res.skip = free, r.cfg.SlowKinds
	default:
		res.n = min(free, slowFree)
		res.slow = res.n
	}
	r.busy += res.n
	r.busySlow += res.slow
	return res
}

// reserveFree is reserve for the polling loop.
func (r *Runner) reserveFree() reservation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reserve()
}

// claimed gives back the slots of res that jobs, what its claim got, leave
// unused; each job keeps one, which counts as slow if the job is, until it
// ends (release) or hands it over.
func (r *Runner) claimed(res reservation, jobs []*esign.Job) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.busy -= res.n - len(jobs)
	r.busySlow -= res.slow - r.countSlow(jobs)
}

// release frees the slot of a job that ended with nothing to run next.
func (r *Runner) release(slow bool) {
	r.mu.Lock()
	r.busy--
	if slow {
		r.busySlow--
	}
	r.mu.Unlock()
	r.signalFreed()
}

// signalFreed tells the polling loop that slots are free.
func (r *Runner) signalFreed() {
	select {
	case r.freed <- struct{}{}:
	default:
	}
}

func (r *Runner) isSlow(j *esign.Job) bool { return slices.Contains(r.cfg.SlowKinds, j.Kind) }

func (r *Runner) countSlow(jobs []*esign.Job) int {
	n := 0
	for _, j := range jobs {
		if r.isSlow(j) {
			n++
		}
	}
	return n
}

// slowLimit is how many jobs of SlowKinds may run at once.
func (r *Runner) slowLimit() int { return max(1, r.cfg.Concurrency/2) }

// handoff lets the transaction that ends a job (its handler's last, through
// esign.FinishClaimedJob, or the runner's finish) claim the jobs to run
// next: in the slot the job frees, and in any other free slot. A busy
// runner then claims without a transaction of its own.
type handoff struct {
	r    *Runner
	ctx  context.Context // the runner's: once it ends, nothing more is claimed
	job  *esign.Job
	slow bool         // the job's slot counts toward SlowKinds' share
	res  *reservation // what the first attempt to claim reserved; nil before
}

// claim is the esign.NextJobClaim of h.job. The first attempt of the ending
// transaction turns the job's slot and the free ones into a reservation;
// attempts after it (the transaction was retried) claim into the same
// one. Until the job's end is known (finish), the reservation stands for
// its slot.
func (h *handoff) claim(ctx context.Context, tx esign.Tx, ended *esign.Job) ([]*esign.Job, error) {
	if ended.ID != h.job.ID || h.ctx.Err() != nil {
		return nil, nil
	}
	if h.res == nil {
		h.res = h.r.reserveFreed(h.slow)
	}
	if h.res.n == 0 {
		return nil, nil
	}
	return tx.ClaimJobs(ctx, esign.JobClaim{Worker: h.r.cfg.Worker, Now: tx.Now(), LeaseUntil: tx.Now().Add(h.r.cfg.Lease),
		Limit: h.res.n, SkipKinds: h.res.skip})
}

// reserveFreed gives back a job's slot, of SlowKinds if slow, and reserves
// the free slots, that one included, in one step.
func (r *Runner) reserveFreed(slow bool) *reservation {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.busy--
	if slow {
		r.busySlow--
	}
	res := r.reserve()
	return &res
}

// finish settles h once the job ended, given next, what the committed
// ending transaction claimed, and returns the jobs to run: the job's slot
// goes to the first, free slots to the others.
func (h *handoff) finish(next []*esign.Job) []*esign.Job {
	if h.res == nil {
		h.r.release(h.slow)
		return nil
	}
	h.r.claimed(*h.res, next)
	if len(next) < h.res.n || h.res.n == 0 {
		h.r.signalFreed()
	}
	return next
}
