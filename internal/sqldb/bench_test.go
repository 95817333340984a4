package sqldb

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/cpumeter"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/sqldb/sqldbtest"
)

// The benchmarks run on a SQLite file in a temporary folder, with the
// production settings (synchronous=FULL), so they include each commit's
// fsync. They also report cpu-ns/op, the process's CPU time (user and
// system, all threads) per op, which is what throughput on a busy machine
// depends on:
//
//	go test -run '^$' -bench . -benchmem -count 5 ./internal/sqldb

// BenchmarkTxInsertEnvelope is one write transaction of the kind a use case
// runs: an envelope with a document and three recipients is created, then
// locked, read back and updated.
func BenchmarkTxInsertEnvelope(b *testing.B) {
	db := openSQLiteTB(b)
	ctx := context.Background()
	w := newWorld(b, db)
	b.ResetTimer()
	defer cpumeter.Start(b)()
	for i := range b.N {
		err := db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
			return insertEnvelope(ctx, tx, w, fmt.Sprintf("b%d", i))
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkViewEnvelope is one read-only transaction that reads an envelope
// and what it contains, as the envelope's GET does.
func BenchmarkViewEnvelope(b *testing.B) {
	db := openSQLiteTB(b)
	ctx := context.Background()
	w := newWorld(b, db)
	if err := db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error { return insertEnvelope(ctx, tx, w, "v") }); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	defer cpumeter.Start(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			err := db.View(ctx, func(ctx context.Context, tx esign.Tx) error {
				_, err1 := tx.EnvelopeByID(ctx, "env_v")
				_, err2 := tx.DocumentsByEnvelope(ctx, "env_v")
				_, err3 := tx.RecipientsByEnvelope(ctx, "env_v")
				_, err4 := tx.FieldsByEnvelope(ctx, "env_v")
				return errors.Join(err1, err2, err3, err4)
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// insertEnvelope creates envelope env_<n> in w's organization with a document
// and three recipients, then locks, reads and updates it.
func insertEnvelope(ctx context.Context, tx esign.Tx, w *world, n string) error {
	e := *w.Envelope
	e.ID = "env_" + n
	d := *w.Document
	d.ID, d.EnvelopeID = "doc_"+n, e.ID
	errs := []error{tx.CreateEnvelope(ctx, &e), tx.CreateDocument(ctx, &d)}
	for k := range 3 {
		r := *w.Recipient
		r.ID, r.EnvelopeID = fmt.Sprintf("rcp_%s_%d", n, k), e.ID
		errs = append(errs, tx.CreateRecipient(ctx, &r))
	}
	got, err := tx.LockEnvelope(ctx, e.ID)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	_, err = tx.RecipientsByEnvelope(ctx, e.ID)
	got.Status, got.UpdatedAt = esign.StatusSent, tx.Now()
	return errors.Join(append(errs, err, tx.UpdateEnvelope(ctx, got))...)
}

// BenchmarkClaimSettle claims jobs, batch at a time in one transaction,
// and settles each in a transaction of its own, as the runner does. One op
// is one job.
func BenchmarkClaimSettle(b *testing.B) {
	for _, batch := range []int{1, 8} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			db := openSQLiteTB(b)
			ctx := context.Background()
			enqueueBench(b, db, b.N)
			b.ResetTimer()
			defer cpumeter.Start(b)()
			for done := 0; done < b.N; {
				var jobs []*esign.Job
				err := db.InTx(ctx, func(ctx context.Context, tx esign.Tx) (err error) {
					jobs, err = tx.ClaimJobs(ctx, esign.JobClaim{Worker: "w", Now: tx.Now(), LeaseUntil: tx.Now().Add(time.Minute), Limit: batch})
					return err
				})
				if err != nil || len(jobs) == 0 {
					b.Fatal(len(jobs), err)
				}
				for _, j := range jobs {
					settleBench(b, db, j)
				}
				done += len(jobs)
			}
		})
	}
}

// enqueueBench enqueues n due mail jobs.
func enqueueBench(b *testing.B, db *DB, n int) {
	b.Helper()
	err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		for i := range n {
			if _, err := tx.EnqueueJob(ctx, newJob(fmt.Sprintf("mail:%d", i), t0)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// settleBench records that j is done.
func settleBench(b *testing.B, db *DB, j *esign.Job) {
	j.Status, j.LockedBy, j.LockedUntil = esign.JobDone, "", nil
	err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		ok, err := tx.FinishJob(ctx, j, "w")
		if err == nil && !ok {
			err = fmt.Errorf("job %s: lease lost", j.ID)
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkClaimBacklog claims one job and records its end in one write
// transaction, as the transaction that ends a job does, behind a backlog of
// 20,000 due jobs (a bulk send's). Each claim should cost what it costs
// with a short queue: the pick walks the index in order and stops at its
// limit (claimPick). One op is one job. On PostgreSQL (with
// GSIGN_TEST_POSTGRES_URL set) each claim also steps over the index entries
// of the jobs before it, dead and not yet vacuumed.
func BenchmarkClaimBacklog(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { claimBacklog(b, openSQLiteTB(b)) })
	b.Run("postgres", func(b *testing.B) {
		sqldbtest.RequirePostgres(b)
		claimBacklog(b, openPostgresAt(b, sqldbtest.PostgresTestURL(b)))
	})
}

func claimBacklog(b *testing.B, db *DB) {
	ctx := context.Background()
	enqueueBench(b, db, 20_000+b.N)
	b.ResetTimer()
	defer cpumeter.Start(b)()
	for range b.N {
		err := db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
			jobs, err := tx.ClaimJobs(ctx, esign.JobClaim{Worker: "w", Now: tx.Now(), LeaseUntil: tx.Now().Add(time.Minute), Limit: 1})
			if err != nil || len(jobs) != 1 {
				return fmt.Errorf("claimed %d jobs: %v", len(jobs), err)
			}
			j := jobs[0]
			j.Status, j.LockedBy, j.LockedUntil = esign.JobDone, "", nil
			_, err = tx.FinishJob(ctx, j, "w")
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
