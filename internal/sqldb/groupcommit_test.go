package sqldb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// createOrg is a write transaction of one row, for the tests below.
func createOrg(id string) func(context.Context, esign.Tx) error {
	return func(ctx context.Context, tx esign.Tx) error {
		return tx.CreateOrganization(ctx, &esign.Organization{ID: id, Name: id, CreatedAt: t0})
	}
}

// orgExists reports whether a committed organization id exists.
func orgExists(t *testing.T, db *DB, id string) bool {
	t.Helper()
	err := db.View(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.OrganizationByID(ctx, id)
		return err
	})
	if esign.IsKind(err, esign.KindNotFound) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

// TestGroupCommitMembers races many write transactions, of which some fail,
// some panic and some are cancelled before they get the writer, and checks
// that exactly the ones that returned nil are committed, each once.
func TestGroupCommitMembers(t *testing.T) {
	db := openSQLiteTest(t)
	const n = 300
	type outcome struct {
		err      error
		panicked bool
	}
	outcomes := make([]outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("org_%03d", i)
			ctx := context.Background()
			fn := createOrg(id)
			switch i % 5 {
			case 1: // writes, then fails: its row must be rolled back
				fn = func(ctx context.Context, tx esign.Tx) error {
					if err := createOrg(id)(ctx, tx); err != nil {
						return err
					}
					return errors.New("changed its mind")
				}
			case 2: // writes, then panics
				fn = func(ctx context.Context, tx esign.Tx) error {
					if err := createOrg(id)(ctx, tx); err != nil {
						return err
					}
					panic("boom")
				}
			case 3: // cancelled: it may or may not get the writer first
				c, cancel := context.WithCancel(ctx)
				cancel()
				ctx = c
			}
			defer func() {
				if r := recover(); r != nil {
					outcomes[i].panicked = true
				}
			}()
			outcomes[i].err = db.InTx(ctx, fn)
		})
	}
	wg.Wait()
	for i, o := range outcomes {
		id := fmt.Sprintf("org_%03d", i)
		committed := o.err == nil && !o.panicked
		if got := orgExists(t, db, id); got != committed {
			t.Errorf("%s (case %d): committed=%v, but the row exists=%v (err %v, panicked %v)", id, i%5, committed, got, o.err, o.panicked)
		}
		switch i % 5 {
		case 0, 4:
			if !committed {
				t.Errorf("%s: plain insert failed: %v", id, o.err)
			}
		case 2:
			if !o.panicked {
				t.Errorf("%s: the panic did not reach the caller", id)
			}
		}
	}
}

// TestGroupCommitSharesCommits checks that write transactions that queue up
// commit together: while one holds the writer, the others queue, and they
// all commit with far fewer commits than transactions.
func TestGroupCommitSharesCommits(t *testing.T) {
	db := openSQLiteTest(t)
	ctx := context.Background()
	const n = 20
	release := make(chan struct{})
	first := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
			close(first)
			<-release
			return createOrg("org_first")(ctx, tx)
		}); err != nil {
			t.Error(err)
		}
	})
	<-first
	for i := range n {
		wg.Go(func() {
			if err := db.InTx(ctx, createOrg(fmt.Sprintf("org_q%02d", i))); err != nil {
				t.Error(err)
			}
		})
	}
	waitFor(t, func() bool { return db.group.queued() == n })
	commits := db.group.commits()
	close(release)
	wg.Wait()
	if got := db.group.commits() - commits; got >= n/2 {
		t.Fatalf("%d transactions took %d commits; want them grouped", n+1, got)
	}
	for i := range n {
		if !orgExists(t, db, fmt.Sprintf("org_q%02d", i)) {
			t.Fatalf("org_q%02d was not committed", i)
		}
	}
}

// TestGroupCommitAbortedBatchRetries breaks the shared transaction from
// inside one member, as SQLite does when it rolls back a whole transaction,
// and checks that the members already in the batch run again and commit.
func TestGroupCommitAbortedBatchRetries(t *testing.T) {
	db := openSQLiteTest(t)
	ctx := context.Background()
	hold := make(chan struct{})
	first := make(chan struct{})
	var wg sync.WaitGroup
	runs := make(chan string, 10)
	var once sync.Once
	wg.Go(func() { // holds the writer until the others queue behind it
		if err := db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
			runs <- "a"
			once.Do(func() { close(first) })
			<-hold
			return createOrg("org_a")(ctx, tx)
		}); err != nil {
			t.Error(err)
		}
	})
	<-first
	wg.Go(func() {
		err := db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
			runs <- "breaker"
			// End the whole transaction under the batch's feet.
			if _, err := tx.(*tx_).stmts.exec(ctx, "ROLLBACK", nil); err != nil {
				return err
			}
			return errors.New("broke the batch")
		})
		if err == nil || errors.Is(err, errBatchAborted) {
			t.Errorf("breaker: err = %v, want its own error", err)
		}
	})
	waitFor(t, func() bool { return db.group.queued() == 1 })
	close(hold)
	wg.Wait()
	close(runs)
	var a int
	for r := range runs {
		if r == "a" {
			a++
		}
	}
	if a != 2 {
		t.Errorf("the first transaction ran %d times, want 2 (once more after the abort)", a)
	}
	if !orgExists(t, db, "org_a") {
		t.Fatal("org_a was lost with the aborted batch")
	}
}

// queued is how many callers wait for the writer.
func (g *groupCommit) queued() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.waiters)
}

func (g *groupCommit) commits() uint64 { return g.nCommits.Load() }

// tx_ names the Store's transaction type inside the tests above, where tx is
// a parameter.
type tx_ = tx

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkInTxParallel runs one-row write transactions from 16 goroutines
// per CPU, with every transaction committing on its own (as before group
// commit) and grouped; commits/op says how many commits a grouped one took.
//
//	go test -run '^$' -bench InTxParallel -benchtime 2000x ./internal/sqldb
func BenchmarkInTxParallel(b *testing.B) {
	for _, grouped := range []bool{false, true} {
		b.Run(fmt.Sprintf("grouped=%v", grouped), func(b *testing.B) {
			db, err := Open(context.Background(), b.TempDir()+"/gsign.db", Options{AutoMigrate: true})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			group := db.group
			if !grouped {
				db.group = nil
			}
			var seq atomic.Int64
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := db.InTx(context.Background(), createOrg(fmt.Sprintf("org_%d", seq.Add(1)))); err != nil {
						b.Error(err)
						return
					}
				}
			})
			if grouped {
				b.ReportMetric(float64(group.commits())/float64(b.N), "commits/op")
			}
		})
	}
}
