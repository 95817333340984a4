package jobs

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/sqldb"
)

// endings are the two ways a job's end is recorded: by its handler, in its
// last transaction (esign.FinishClaimedJob), or by the runner.
var endings = []struct {
	name       string
	handlerEnd bool
}{{"handler-ends", true}, {"runner-ends", false}}

// runLog counts, per job, the handler's calls and how many run at once.
type runLog struct {
	mu                 sync.Mutex
	calls              map[string]int
	now, slowNow       int
	maxNow, maxSlowNow int
	overlap            []string // jobs handled twice at once
	running            map[string]bool
}

func newRunLog() *runLog { return &runLog{calls: map[string]int{}, running: map[string]bool{}} }

// enter records that j's handler started; leave that it returned.
func (l *runLog) enter(j *esign.Job, slow bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls[j.ID]++
	if l.running[j.ID] {
		l.overlap = append(l.overlap, j.ID)
	}
	l.running[j.ID] = true
	l.now++
	l.maxNow = max(l.maxNow, l.now)
	if slow {
		l.slowNow++
		l.maxSlowNow = max(l.maxSlowNow, l.slowNow)
	}
}

func (l *runLog) leave(j *esign.Job, slow bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.running, j.ID)
	l.now--
	if slow {
		l.slowNow--
	}
}

// runBusy runs a runner over db until every job is done, failing t after a
// while, and returns once Run did.
func runBusy(t *testing.T, db *sqldb.DB, store esign.Store, h Handler, cfg Config) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- New(store, h, esign.SystemClock{}, quiet, cfg).Run(ctx) }()
	waitFor(t, func() bool { return noneRunning(t, db) })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// checkOnceEach fails t unless each of the n jobs is done and succeeded
// once, and none was handled twice at once.
func checkOnceEach(t *testing.T, db *sqldb.DB, n int, succeeded map[string]int, l *runLog) {
	t.Helper()
	for i := range n {
		id := benchJobID(i)
		if j := job(t, db, id); succeeded[id] != 1 || j.Status != esign.JobDone || j.LockedBy != "" {
			t.Errorf("job %s succeeded %d times, status %s, locked by %q; want once, done, unlocked", id, succeeded[id], j.Status, j.LockedBy)
		}
	}
	if len(l.overlap) > 0 {
		t.Errorf("jobs handled twice at once: %v", l.overlap)
	}
}

// TestBusyRunnerClaimsInEndingTransactions: with a backlog, the
// transaction that ends a job (the handler's, or the runner's own) claims
// the next one, so N jobs take about N write transactions, not one more per
// claim; each job runs once.
func TestBusyRunnerClaimsInEndingTransactions(t *testing.T) {
	for _, tt := range endings {
		t.Run(tt.name, func(t *testing.T) {
			const n = 60
			db := openStore(t, esign.SystemClock{})
			enqueueJobs(t, db, 0, n)
			cs := &writeCounter{Store: db}
			l := newRunLog()
			var h Handler = func(_ context.Context, j *esign.Job) error { l.enter(j, false); l.leave(j, false); return nil }
			if tt.handlerEnd {
				h = finishingHandler(cs, func() {})
				h = logged(l, h, nil)
			}
			cfg := DefaultConfig("w")
			cfg.Concurrency, cfg.Poll = 4, time.Minute // no idle polls while the test runs
			runBusy(t, db, cs, h, cfg)
			checkOnceEach(t, db, n, l.calls, l)
			// One per job and the first claim; then the polling loop claims
			// once each time slots are given back, which, with nothing of a
			// slow kind, happens only once the backlog is drained: by the
			// claim that drained it, and by each of the jobs then running
			// as it ends. A claim of its own for every job would be 2n.
			if w, most := cs.writes.Load(), int64(n+2+cfg.Concurrency); w > most {
				t.Errorf("%d write transactions for %d jobs, want at most %d", w, n, most)
			}
		})
	}
}

// logged wraps h to record its calls in l; slow says which kinds count as
// slow.
func logged(l *runLog, h Handler, slow []string) Handler {
	return func(ctx context.Context, j *esign.Job) error {
		s := len(slow) > 0 && (j.Kind == slow[0])
		l.enter(j, s)
		defer l.leave(j, s)
		return h(ctx, j)
	}
}

// rollingBack is the real Store, but every write transaction runs its
// closure once in a transaction that rolls back before the one that
// counts, as sqldb does when a serialization failure or an aborted group
// commit makes it retry.
type rollingBack struct{ esign.Store }

var errRollBack = errors.New("rolled back for the test")

// InTx runs fn in a transaction that rolls back, and then in one that
// commits if fn succeeds.
func (s rollingBack) InTx(ctx context.Context, fn func(ctx context.Context, tx esign.Tx) error) error {
	err := s.Store.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
		if err := fn(ctx, tx); err != nil {
			return err
		}
		return errRollBack
	})
	if !errors.Is(err, errRollBack) {
		return err
	}
	return s.Store.InTx(ctx, fn)
}

// TestEndingTransactionRetriedOrFailed: the jobs an attempt of the ending
// transaction claimed are run only if that attempt commits. Every write
// transaction runs twice, the first time rolled back; and the ending
// transactions of some jobs fail for good, after their claim, so those jobs
// run again later. Every job still succeeds exactly once, none twice at
// once, none is left leased.
func TestEndingTransactionRetriedOrFailed(t *testing.T) {
	for _, tt := range endings {
		t.Run(tt.name, func(t *testing.T) {
			const n = 40
			db := openStore(t, esign.SystemClock{})
			enqueueJobs(t, db, 0, n)
			store := rollingBack{db}
			l := newRunLog()
			var mu sync.Mutex
			succeeded := map[string]int{}
			var failed atomic.Int64
			h := func(ctx context.Context, j *esign.Job) error {
				failNow := j.Attempts == 1 && j.ID[len(j.ID)-1] == '3' // j…3 fail once
				if !tt.handlerEnd {
					if failNow {
						failed.Add(1)
						return errTransient
					}
					mu.Lock()
					succeeded[j.ID]++
					mu.Unlock()
					return nil
				}
				var done esign.Job
				var finished bool
				err := store.InTx(ctx, func(ctx context.Context, tx esign.Tx) (err error) {
					if done, finished, err = esign.FinishClaimedJob(ctx, tx, j); err != nil {
						return err
					}
					if failNow {
						return errTransient // after the claim, which fails with it
					}
					return nil
				})
				if err != nil {
					failed.Add(1)
					return err
				}
				if finished {
					*j = done
					mu.Lock()
					succeeded[j.ID]++
					mu.Unlock()
				}
				return nil
			}
			cfg := DefaultConfig("w")
			cfg.Concurrency, cfg.Poll, cfg.BaseBackoff, cfg.MaxBackoff = 4, 5*time.Millisecond, time.Millisecond, 5*time.Millisecond
			runBusy(t, db, store, logged(l, h, nil), cfg)
			checkOnceEach(t, db, n, succeeded, l)
			if f := failed.Load(); f != 4 {
				t.Errorf("%d failed runs, want the 4 planned", f)
			}
		})
	}
}

// TestHandoffKeepsSlowShare: jobs claimed in ending transactions respect
// SlowKinds' share of the slots as the polling loop's claims do: with a
// mixed backlog, no more than half the slots run slow jobs, no more than
// all of them run at once, and each job runs once.
func TestHandoffKeepsSlowShare(t *testing.T) {
	for _, tt := range endings {
		t.Run(tt.name, func(t *testing.T) {
			const n = 48
			db := openStore(t, esign.SystemClock{})
			err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
				for i := range n {
					kind := "fast"
					if i%3 != 2 {
						kind = "slow" // two in three: slow jobs would fill every slot
					}
					j := newTestJob(benchJobID(i), kind, tx.Now().Add(time.Duration(i)*time.Microsecond-time.Second))
					if _, err := tx.EnqueueJob(ctx, j); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var h Handler = func(_ context.Context, j *esign.Job) error {
				if j.Kind == "slow" {
					time.Sleep(2 * time.Millisecond)
				}
				return nil
			}
			if tt.handlerEnd {
				inner := h
				end := finishingHandler(db, func() {})
				h = func(ctx context.Context, j *esign.Job) error {
					if err := inner(ctx, j); err != nil {
						return err
					}
					return end(ctx, j)
				}
			}
			l := newRunLog()
			cfg := DefaultConfig("w")
			cfg.Concurrency, cfg.SlowKinds, cfg.Poll = 4, []string{"slow"}, 5*time.Millisecond
			runBusy(t, db, db, logged(l, h, cfg.SlowKinds), cfg)
			checkOnceEach(t, db, n, l.calls, l)
			if l.maxSlowNow > 2 || l.maxNow > 4 {
				t.Errorf("%d slow jobs and %d in all ran at once; want at most 2 and 4", l.maxSlowNow, l.maxNow)
			}
		})
	}
}

// TestStopLeavesNothingLeased: a runner stopped while its backlog is full
// stops claiming in ending transactions too; what it had claimed runs to its
// end, and every other job is left pending, unleased and never run, for
// the next runner.
func TestStopLeavesNothingLeased(t *testing.T) {
	const n = 200
	db := openStore(t, esign.SystemClock{})
	enqueueJobs(t, db, 0, n)
	l := newRunLog()
	h := logged(l, finishingHandler(db, func() { time.Sleep(time.Millisecond) }), nil)
	cfg := DefaultConfig("w")
	cfg.Concurrency, cfg.Poll = 4, time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- New(db, h, esign.SystemClock{}, quiet, cfg).Run(ctx) }()
	waitFor(t, func() bool { l.mu.Lock(); defer l.mu.Unlock(); return len(l.calls) >= 20 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ran := 0
	for i := range n {
		id := benchJobID(i)
		j := job(t, db, id)
		switch {
		case l.calls[id] > 1:
			t.Errorf("job %s ran %d times", id, l.calls[id])
		case l.calls[id] == 1 && j.Status != esign.JobDone:
			t.Errorf("job %s ran and is %s, want done", id, j.Status)
		case l.calls[id] == 0 && (j.Status != esign.JobPending || j.LockedBy != "" || j.Attempts != 0):
			t.Errorf("job %s never ran and is %s, locked by %q after %d attempts; want pending, free", id, j.Status, j.LockedBy, j.Attempts)
		}
		ran += l.calls[id]
	}
	if ran >= n {
		t.Errorf("all %d jobs ran: the runner did not stop", ran)
	}
}

// TestNoHandoffWithoutRunLoop: a job run by id (a queue consumer's) or
// whose handler is called directly claims nothing when its handler ends
// it: the other due jobs stay pending and unleased.
func TestNoHandoffWithoutRunLoop(t *testing.T) {
	db := openStore(t, esign.SystemClock{})
	enqueueJobs(t, db, 0, 3)
	r := New(db, finishingHandler(db, func() {}), esign.SystemClock{}, quiet, DefaultConfig("w"))
	if out, err := r.RunByID(context.Background(), benchJobID(0)); err != nil || out.Result != Done {
		t.Fatalf("RunByID: %v, %v; want done", out.Result, err)
	}
	for i := 1; i < 3; i++ {
		if j := job(t, db, benchJobID(i)); j.Status != esign.JobPending || j.LockedBy != "" {
			t.Errorf("job %s is %s, locked by %q; want pending, free", j.ID, j.Status, j.LockedBy)
		}
	}
}
