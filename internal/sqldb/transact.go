package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// maxAttempts is how many times transact runs a transaction that keeps
// losing races (serialization failures, deadlocks) before it gives up.
const maxAttempts = 5

// retryBackoff is the pause before the second attempt; it doubles for each
// attempt after that, and is jittered so that the losers of one race do not
// meet again.
const retryBackoff = 10 * time.Millisecond

// InTx runs fn in a write transaction and commits if fn returns nil. It
// rolls back if fn returns an error or panics; a panic goes on after the
// rollback.
//
// On SQLite the transaction begins with BEGIN IMMEDIATE and write
// transactions run one at a time, so fn must not start another transaction
// of its own: it would wait forever. On PostgreSQL they run side by side at
// READ COMMITTED, and what must not interleave is serialized by row locks
// (LockEnvelope, the job claim); when PostgreSQL nonetheless aborts the
// transaction with a serialization failure or a deadlock, InTx runs fn
// again in a fresh transaction, a few times at most. So fn may run more than
// once, and must have no effects outside the transaction: no mail, no
// blobs, nothing it could not take back.
//
// On SQLite, transactions that queue up for the writer commit together (see
// groupCommit); InTx still returns only once fn's work is durable.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context, tx esign.Tx) error) error {
	if db.group != nil {
		return db.retry(ctx, func() error { return db.group.run(ctx, fn) })
	}
	return db.transact(ctx, db.writer, db.d.writeTx, fn)
}

// View runs fn in a read-only transaction that sees one snapshot of the
// database. Attempts to write fail. Like InTx's, fn may run more than once.
func (db *DB) View(ctx context.Context, fn func(ctx context.Context, tx esign.Tx) error) error {
	return db.transact(ctx, db.reader, db.d.viewTx, fn)
}

// transact runs fn in a transaction on pool, again as long as the engine
// says the transaction lost a race and may succeed if retried.
func (db *DB) transact(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(context.Context, esign.Tx) error) error {
	return db.retry(ctx, func() error { return db.transactOnce(ctx, pool, opts, fn) })
}

// retry runs once again as long as it fails with an error that says the
// transaction lost a race, or shared a batch that failed, and may succeed if
// run again.
func (db *DB) retry(ctx context.Context, once func() error) error {
	for attempt := 1; ; attempt++ {
		err := once()
		if !db.d.retryable(err) && !errors.Is(err, errBatchAborted) {
			return err
		}
		if attempt == maxAttempts {
			return fmt.Errorf("transaction failed %d times: %w", attempt, err)
		}
		if !sleep(ctx, retryDelay(attempt)) {
			return err
		}
	}
}

// transactOnce is the one place transactions begin and end. Now is read from
// the clock once the transaction has begun, that is, on SQLite, once it holds
// the write lock, so write transactions see times in the order they commit.
func (db *DB) transactOnce(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(context.Context, esign.Tx) error) error {
	if db.d.pipelined {
		return db.pgTransactOnce(ctx, pool, opts, fn)
	}
	sqlTx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	done := false
	defer func() {
		// Runs on error, on panic, and on runtime.Goexit (t.FailNow in tests).
		if !done {
			_ = sqlTx.Rollback()
		}
	}()
	readOnly := opts != nil && opts.ReadOnly
	if err := runFinished(ctx, db.newTx(&tx{stmts: sqlStatements{sqlTx}, d: db.d, now: db.clock.Now(), readOnly: readOnly}), fn); err != nil {
		return err
	}
	done = true
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}

// runFinished runs fn in t and then what t still owes (tx.finish).
func runFinished(ctx context.Context, t *tx, fn func(context.Context, esign.Tx) error) error {
	if err := fn(ctx, t); err != nil {
		return err
	}
	return t.finish(ctx)
}

// retryDelay is the pause after the attempt-th attempt failed: retryBackoff
// doubled for each attempt before, give or take half.
func retryDelay(attempt int) time.Duration {
	d := retryBackoff << (attempt - 1)
	return d/2 + rand.N(d)
}

// sleep waits for d, or less if ctx ends first; it reports whether it waited
// the whole time.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
