package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gsign/gsign/internal/esign"
)

// maxBatch is how many write transactions commit together at most.
const maxBatch = 64

// errBatchAborted says that a write transaction did not commit because
// another one in the same batch left the shared SQLite transaction unusable.
// Nothing of it was written, and it may simply run again.
var errBatchAborted = errors.New("the transaction committed together with this one was aborted")

// groupCommit runs SQLite's write transactions one at a time, as the single
// writer connection demands, but commits those that queue up behind each
// other together: with synchronous=FULL every commit waits for the disk
// (about 2 ms on a virtual disk here), and one commit for many transactions
// is what lets the writer keep up under load.
//
// Each caller still runs its own fn on its own goroutine, inside a savepoint
// of the shared transaction: an error or a panic rolls back only that
// savepoint. The caller that finds nobody waiting behind it commits the
// batch; the others wait for that commit, so InTx returns only once the
// transaction is durable, as before. Alone, a transaction commits at once.
type groupCommit struct {
	db *DB // its writer pool, dialect and clock

	mu      sync.Mutex
	busy    bool            // a caller holds the writer
	waiters []chan struct{} // callers waiting for it, first come first served; closed to hand it over
	batch   *batch          // the open transaction; only the writer's holder touches it

	nCommits atomic.Uint64 // batches committed, for tests and measurements
}

// batch is one shared transaction and what its members learn of its end.
type batch struct {
	sqlTx   *sql.Tx
	members int           // transactions in it that will commit with it
	done    chan struct{} // closed once it committed or failed
	err     error         // why it failed; set before done is closed
}

// run runs fn as one member of a batch and waits for the batch to commit.
func (g *groupCommit) run(ctx context.Context, fn func(context.Context, esign.Tx) error) error {
	if err := g.acquire(ctx); err != nil {
		return err
	}
	b, err := g.member(ctx, fn)
	if err != nil {
		return err
	}
	<-b.done
	return b.err
}

// acquire waits until the caller holds the writer, or ctx ends.
func (g *groupCommit) acquire(ctx context.Context) error {
	g.mu.Lock()
	if !g.busy {
		g.busy = true
		g.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	g.waiters = append(g.waiters, ch)
	g.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
	}
	g.mu.Lock()
	if i := slices.Index(g.waiters, ch); i >= 0 {
		g.waiters = slices.Delete(g.waiters, i, i+1)
		g.mu.Unlock()
		return ctx.Err()
	}
	g.mu.Unlock()
	// The writer was handed over just as ctx ended: pass it on.
	<-ch
	g.release()
	return ctx.Err()
}

// member runs fn in a savepoint of the open batch, which it begins if there
// is none, and then releases the writer, whatever fn does (panics and
// runtime.Goexit included). It returns the batch that fn's work will commit
// with, or the reason it will not.
func (g *groupCommit) member(ctx context.Context, fn func(context.Context, esign.Tx) error) (b *batch, err error) {
	settled := false
	defer func() {
		if !settled { // fn panicked or called runtime.Goexit
			g.rollbackMember(nil)
			g.release()
		}
	}()
	if b, err = g.open(); err != nil {
		settled = true
		g.release()
		return nil, err
	}
	if _, err = b.sqlTx.ExecContext(context.Background(), "SAVEPOINT member"); err != nil {
		err = g.abort(err)
	} else if err = runFinished(ctx, g.db.newTx(&tx{stmts: sqlStatements{b.sqlTx}, d: g.db.d, now: g.db.clock.Now()}), fn); err != nil {
		g.rollbackMember(err)
	} else if _, rerr := b.sqlTx.ExecContext(context.Background(), "RELEASE member"); rerr != nil {
		err = g.abort(rerr)
	} else {
		b.members++
	}
	settled = true
	g.release()
	if err != nil {
		return nil, err
	}
	return b, nil
}

// open returns the open batch, beginning one if there is none. The
// transaction is not tied to any caller's context: database/sql would roll
// it back, and the other members' work with it, when that context ended.
func (g *groupCommit) open() (*batch, error) {
	if g.batch != nil {
		return g.batch, nil
	}
	sqlTx, err := g.db.writer.BeginTx(context.Background(), g.db.d.writeTx)
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	g.batch = &batch{sqlTx: sqlTx, done: make(chan struct{})}
	return g.batch, nil
}

// rollbackMember undoes the current member's savepoint after it failed with
// cause (nil for a panic). When SQLite has already rolled back the whole
// transaction (as it does on an interrupted write, for one), the savepoint
// is gone and the batch is aborted.
func (g *groupCommit) rollbackMember(cause error) {
	b := g.batch
	if b == nil {
		return
	}
	_, err := b.sqlTx.ExecContext(context.Background(), "ROLLBACK TO member")
	if err == nil {
		_, err = b.sqlTx.ExecContext(context.Background(), "RELEASE member")
	}
	if err != nil {
		g.abort(errors.Join(cause, err))
	}
}

// abort rolls the open batch back and fails its members with a retryable
// error, which it returns.
func (g *groupCommit) abort(cause error) error {
	b := g.batch
	g.batch = nil
	_ = b.sqlTx.Rollback()
	b.err = fmt.Errorf("%w: %v", errBatchAborted, cause)
	close(b.done)
	return b.err
}

// release hands the writer to the next waiter, leaving the batch open for
// it; with nobody waiting, or a full batch, it commits the batch first.
func (g *groupCommit) release() {
	g.mu.Lock()
	if len(g.waiters) > 0 && (g.batch == nil || g.batch.members < maxBatch) {
		g.handOver()
		return
	}
	g.mu.Unlock()
	g.commit()
	g.mu.Lock()
	if len(g.waiters) > 0 {
		g.handOver()
		return
	}
	g.busy = false
	g.mu.Unlock()
}

// handOver gives the writer to the first waiter; g.mu is held, and released.
func (g *groupCommit) handOver() {
	next := g.waiters[0]
	g.waiters = g.waiters[1:]
	g.mu.Unlock()
	close(next)
}

// commit ends the open batch, if any, and tells its members how it went.
func (g *groupCommit) commit() {
	b := g.batch
	if b == nil {
		return
	}
	g.batch = nil
	if b.members == 0 {
		_ = b.sqlTx.Rollback()
	} else if err := b.sqlTx.Commit(); err != nil {
		b.err = fmt.Errorf("commit transaction: %w", err)
	} else {
		g.nCommits.Add(1)
	}
	close(b.done)
}
