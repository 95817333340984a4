package sqldb

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/sqldb/sqldbtest"
)

// openPostgresTest opens a fresh, migrated database: a schema of its own.
func openPostgresTest(t *testing.T) *DB {
	t.Helper()
	return openPostgresAt(t, sqldbtest.PostgresTestURL(t))
}

// openPostgresAt opens the database at url, migrating it if needed, and
// closes it when t ends. Two of them on one url are two processes sharing a
// database.
func openPostgresAt(t testing.TB, url string) *DB {
	t.Helper()
	db, err := Open(context.Background(), url, Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

func TestPostgresStore(t *testing.T) {
	sqldbtest.RequirePostgres(t)
	runStoreContract(t, openPostgresTest)
}

func TestPostgresOpenSchemaVersions(t *testing.T) {
	sqldbtest.RequirePostgres(t)
	runOpenSchemaVersions(t, "postgres", func(t *testing.T) string { return sqldbtest.PostgresTestURL(t) })
}

// TestPostgresMigrateFailureKeepsLastGoodVersion checks that a migration
// that fails halfway leaves nothing behind: PostgreSQL's DDL is
// transactional.
func TestPostgresMigrateFailureKeepsLastGoodVersion(t *testing.T) {
	url := sqldbtest.PostgresTestURL(t)
	latest := len(mustLoad(t, migrationFiles, "postgres"))
	bad := renameNext(t, testMigrations(t, "postgres", map[string]string{
		"0099_bad.sql": "CREATE TABLE half_done (id TEXT); INSERT INTO no_such_table VALUES (1);",
	}), latest+1)
	if _, err := open(context.Background(), url, Options{AutoMigrate: true}, bad); err == nil {
		t.Fatal("a failing migration applied")
	}
	if got := versionOf(t, url); got != latest {
		t.Fatalf("schema version = %d, want %d", got, latest)
	}
	db := openPostgresAt(t, url)
	var table *string
	if err := db.reader.QueryRow(`SELECT to_regclass('half_done')::text`).Scan(&table); err != nil || table != nil {
		t.Fatalf("half-applied migration left its table behind (%v, err=%v)", table, err)
	}
}

// TestPostgresConcurrentMigrate has several processes open, and so migrate,
// one empty database at once: each migration must apply exactly once.
func TestPostgresConcurrentMigrate(t *testing.T) {
	url := sqldbtest.PostgresTestURL(t)
	const n = 4
	opened := race(t, n, func() (bool, error) {
		db, err := Open(context.Background(), url, Options{AutoMigrate: true})
		if err != nil {
			return false, err
		}
		return true, db.Close()
	})
	if opened != n {
		t.Fatalf("%d of %d opened", opened, n)
	}
	latest := len(mustLoad(t, migrationFiles, "postgres"))
	db := openPostgresAt(t, url)
	var rows int
	if err := db.reader.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&rows); err != nil || rows != latest {
		t.Fatalf("schema_migrations has %d rows (err=%v), want %d", rows, err, latest)
	}
}

// TestPostgresTwoProcessesOneEnvelope has two processes try to send one
// draft envelope at once, the way the Service does: lock, check the
// transition, append to the audit chain, write. Exactly one may win, and the
// chain must have exactly one event.
func TestPostgresTwoProcessesOneEnvelope(t *testing.T) {
	url := sqldbtest.PostgresTestURL(t)
	dbs := []*DB{openPostgresAt(t, url), openPostgresAt(t, url)}
	w := newWorld(t, dbs[0])
	var turn atomic.Int64
	won := race(t, 32, func() (ok bool, err error) {
		db := dbs[turn.Add(1)%2]
		err = db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
			ok = false // fn may run more than once
			e, err := tx.LockEnvelope(ctx, w.Envelope.ID)
			if err != nil {
				return err
			}
			to, err := esign.Transition(e.Status, esign.EventSend)
			if err != nil {
				return nil // lost: someone sent it first
			}
			e.Status, e.AuditSeq, e.AuditHead = to, e.AuditSeq+1, "h1"
			ev := &esign.AuditEvent{EnvelopeID: e.ID, Seq: e.AuditSeq, Version: esign.AuditEncodingVersion, Type: esign.AuditSent,
				Actor: esign.Actor{Type: esign.ActorSystem}, OccurredAt: tx.Now(), PreviousHash: "", Hash: "h1"}
			if err := tx.AppendAudit(ctx, ev); err != nil {
				return err
			}
			ok = true
			return tx.UpdateEnvelope(ctx, e)
		})
		return ok, err
	})
	if won != 1 {
		t.Fatalf("%d sends won, want 1", won)
	}
	view(t, dbs[1], func(ctx context.Context, tx esign.Tx) error {
		evs, err := tx.AuditEvents(ctx, w.Envelope.ID)
		if err == nil && len(evs) != 1 {
			t.Errorf("audit chain has %d events, want 1", len(evs))
		}
		return err
	})
}

// TestPostgresTwoProcessesClaimJobs has two processes' workers claim fewer
// jobs than there are workers: every job is claimed once, none twice.
func TestPostgresTwoProcessesClaimJobs(t *testing.T) {
	url := sqldbtest.PostgresTestURL(t)
	dbs := []*DB{openPostgresAt(t, url), openPostgresAt(t, url)}
	const jobs = 8
	for i := range jobs {
		enqueue(t, dbs[0], newJob(fmt.Sprintf("mail:%d", i), t0))
	}
	var turn atomic.Int64
	var mu sync.Mutex
	claimed := map[string]int{}
	won := race(t, 32, func() (bool, error) {
		n := turn.Add(1)
		var got []*esign.Job
		err := dbs[n%2].InTx(context.Background(), func(ctx context.Context, tx esign.Tx) (err error) {
			got, err = tx.ClaimJobs(ctx, esign.JobClaim{Worker: fmt.Sprintf("w%d", n), Now: t0, LeaseUntil: t0.Add(time.Minute), Limit: 1})
			return err
		})
		if err != nil || len(got) == 0 {
			return false, err
		}
		j := got[0]
		mu.Lock()
		claimed[j.ID]++
		mu.Unlock()
		return true, nil
	})
	if won != jobs || len(claimed) != jobs {
		t.Fatalf("%d claims of %d distinct jobs, want %d of %d: %v", won, len(claimed), jobs, jobs, claimed)
	}
}

// TestPostgresTwoProcessesTakeOverIdempotencyKey has two processes find the
// same abandoned idempotency record and try to take it over: only one may.
func TestPostgresTwoProcessesTakeOverIdempotencyKey(t *testing.T) {
	url := sqldbtest.PostgresTestURL(t)
	dbs := []*DB{openPostgresAt(t, url), openPostgresAt(t, url)}
	rec := &esign.IdempotencyRecord{Scope: "usr_1", Key: "k", RequestHash: "rh", CreatedAt: t0,
		ExpiresAt: t0.Add(time.Hour), LockedUntil: t0.Add(time.Minute)}
	inTx(t, dbs[0], func(ctx context.Context, tx esign.Tx) error { return tx.CreateIdempotency(ctx, rec) })
	now := t0.Add(2 * time.Minute) // the lock ran out: abandoned
	var turn atomic.Int64
	won := race(t, 16, func() (ok bool, err error) {
		err = dbs[turn.Add(1)%2].InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
			ok = false
			r, err := tx.IdempotencyByKey(ctx, "usr_1", "k")
			if err != nil || now.Before(r.LockedUntil) {
				return err
			}
			r.LockedUntil = now.Add(time.Minute)
			ok = true
			return tx.SaveIdempotency(ctx, r)
		})
		return ok, err
	})
	if won != 1 {
		t.Fatalf("%d take-overs won, want 1", won)
	}
}

// TestPostgresRetriesSerializationFailure makes two transactions collide at
// REPEATABLE READ: both read a row, then both write it. PostgreSQL aborts
// the second writer with a serialization failure; InTx must run it again,
// and then it reads the first one's write, so no increment is lost.
func TestPostgresRetriesSerializationFailure(t *testing.T) {
	db := openPostgresTest(t)
	w := newWorld(t, db)
	var bothRead sync.WaitGroup
	bothRead.Add(2)
	var calls atomic.Int64
	increment := func() (bool, error) {
		first := true
		err := db.InTx(context.Background(), func(ctx context.Context, etx esign.Tx) error {
			calls.Add(1)
			if _, err := etx.(*tx).exec(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`); err != nil {
				return err
			}
			e, err := etx.EnvelopeByID(ctx, w.Envelope.ID) // no lock, on purpose
			if err != nil {
				return err
			}
			if first {
				first = false
				bothRead.Done()
				bothRead.Wait()
			}
			e.AuditSeq++
			return etx.UpdateEnvelope(ctx, e)
		})
		return err == nil, err
	}
	if won := race(t, 2, increment); won != 2 {
		t.Fatalf("%d of 2 transactions committed", won)
	}
	if got := calls.Load(); got != 3 {
		t.Errorf("fn ran %d times, want 3: once each, and once more for the one that failed", got)
	}
	wantAuditSeq(t, db, w.Envelope.ID, 2)
}

// TestPostgresRetriesDeadlock has two transactions lock two envelopes in
// opposite orders. PostgreSQL breaks the deadlock by aborting one (after
// deadlock_timeout, a second by default); InTx must run it again.
func TestPostgresRetriesDeadlock(t *testing.T) {
	db := openPostgresTest(t)
	a, b := newWorld(t, db).Envelope.ID, newWorld(t, db).Envelope.ID
	var bothLocked sync.WaitGroup
	bothLocked.Add(2)
	var calls atomic.Int64
	lockBoth := func(first, second string) func() (bool, error) {
		return func() (bool, error) {
			waited := false
			err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
				calls.Add(1)
				var es []*esign.Envelope
				for _, id := range []string{first, second} {
					e, err := tx.LockEnvelope(ctx, id)
					if err != nil {
						return err
					}
					es = append(es, e)
					if !waited {
						waited = true
						bothLocked.Done()
						bothLocked.Wait()
					}
				}
				for _, e := range es {
					e.AuditSeq++
					if err := tx.UpdateEnvelope(ctx, e); err != nil {
						return err
					}
				}
				return nil
			})
			return err == nil, err
		}
	}
	var won atomic.Int64
	var wg sync.WaitGroup
	for _, fn := range []func() (bool, error){lockBoth(a, b), lockBoth(b, a)} {
		wg.Go(func() {
			if ok, err := fn(); err != nil {
				t.Errorf("InTx: %v", err)
			} else if ok {
				won.Add(1)
			}
		})
	}
	wg.Wait()
	if won.Load() != 2 || calls.Load() != 3 {
		t.Fatalf("%d of 2 committed after %d runs of fn, want 2 after 3", won.Load(), calls.Load())
	}
	wantAuditSeq(t, db, a, 2)
	wantAuditSeq(t, db, b, 2)
}

// TestPostgresRetryIsBounded checks which errors InTx retries, found by
// their SQLSTATE through the wrapping, and that it gives up in the end.
func TestPostgresRetryIsBounded(t *testing.T) {
	db := openPostgresTest(t)
	tests := []struct {
		name      string
		errcode   string // raised by the transaction, every time
		wantCalls int64
	}{
		{"serialization failure: retried, then given up", "serialization_failure", maxAttempts},
		{"deadlock: retried, then given up", "deadlock_detected", maxAttempts},
		{"other errors: not retried", "unique_violation", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int64
			err := db.InTx(context.Background(), func(ctx context.Context, etx esign.Tx) error {
				calls.Add(1)
				q := `DO $$ BEGIN RAISE EXCEPTION 'provoked' USING ERRCODE = '` + tt.errcode + `'; END $$`
				if _, err := etx.(*tx).exec(ctx, q); err != nil {
					return fmt.Errorf("provoke %s: %w", tt.errcode, err)
				}
				return nil
			})
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) {
				t.Fatalf("err = %v, want the PostgreSQL error", err)
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Fatalf("fn ran %d times, want %d (err %v)", got, tt.wantCalls, err)
			}
		})
	}
}

// TestPostgresViewSeesOneSnapshot checks that a View does not see what is
// committed while it runs.
func TestPostgresViewSeesOneSnapshot(t *testing.T) {
	db := openPostgresTest(t)
	w := newWorld(t, db)
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		before, err := tx.EnvelopeByID(ctx, w.Envelope.ID)
		if err != nil {
			return err
		}
		inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
			e, err := tx.LockEnvelope(ctx, w.Envelope.ID)
			if err != nil {
				return err
			}
			e.Name = "changed meanwhile"
			return tx.UpdateEnvelope(ctx, e)
		})
		after, err := tx.EnvelopeByID(ctx, w.Envelope.ID)
		if err == nil && after.Name != before.Name {
			t.Errorf("the view saw a commit made after it began: %q, then %q", before.Name, after.Name)
		}
		return err
	})
}

func wantAuditSeq(t *testing.T, db *DB, envelopeID string, want int64) {
	t.Helper()
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		e, err := tx.EnvelopeByID(ctx, envelopeID)
		if err == nil && e.AuditSeq != want {
			t.Errorf("envelope %s: audit seq = %d, want %d", envelopeID, e.AuditSeq, want)
		}
		return err
	})
}

// TestPostgresRoundTrips pins what pgStatements sends together: BEGIN with
// the first statement, writes with the next statement that needs an
// answer or with COMMIT, and nothing for a transaction that runs nothing.
func TestPostgresRoundTrips(t *testing.T) {
	sqldbtest.RequirePostgres(t)
	db := openPostgresTest(t)
	w := newWorld(t, db)
	ctx := context.Background()
	trips := func(name string, want int64, fn func(ctx context.Context, tx esign.Tx) error, run func(context.Context, func(context.Context, esign.Tx) error) error) {
		t.Helper()
		before := db.Stats().RoundTrips
		if err := run(ctx, fn); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := db.Stats().RoundTrips - before; got != want {
			t.Errorf("%s: %d round trips, want %d", name, got, want)
		}
	}
	nothing := func(context.Context, esign.Tx) error { return nil }
	trips("a transaction that runs nothing", 0, nothing, db.InTx)
	trips("a view that reads nothing", 0, nothing, db.View)
	trips("a view of one read", 2, func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.EnvelopeByID(ctx, w.Envelope.ID)
		return err
	}, db.View)
	trips("a view of the envelope and its contents", 3, func(ctx context.Context, tx esign.Tx) error {
		if _, err := tx.EnvelopeByID(ctx, w.Envelope.ID); err != nil {
			return err
		}
		_, err := tx.EnvelopeContents(ctx, w.Envelope.ID)
		return err
	}, db.View)
	trips("three writes and a commit", 1, func(ctx context.Context, tx esign.Tx) error {
		return errors.Join(tx.CreateField(ctx, w.field("fld_rt_1")), tx.CreateField(ctx, w.field("fld_rt_2")),
			tx.UpdateRecipient(ctx, w.Recipient))
	}, db.InTx)
	trips("a lock, writes, a read and a commit", 3, func(ctx context.Context, tx esign.Tx) error {
		if _, err := tx.LockEnvelope(ctx, w.Envelope.ID); err != nil {
			return err
		}
		if err := tx.CreateField(ctx, w.field("fld_rt_3")); err != nil {
			return err
		}
		_, err := tx.FieldsByEnvelope(ctx, w.Envelope.ID)
		return err
	}, db.InTx)
}

// TestPostgresSupersedeSkipsHeldJobs: a pending job that another
// transaction holds (a claim taking it, the relay publishing it) is left
// to that transaction, not waited for; the others are superseded at once.
func TestPostgresSupersedeSkipsHeldJobs(t *testing.T) {
	db := openPostgresTest(t)
	enqueue(t, db, newJob("mail:held", t0), newJob("mail:free", t0))
	release := holdInTx(t, db, func(ctx context.Context, etx esign.Tx) error {
		_, err := etx.(*tx).exec(ctx, `SELECT id FROM jobs WHERE id = ? FOR UPDATE`, "mail:held")
		return err
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var n int
	err := db.InTx(ctx, func(ctx context.Context, tx esign.Tx) (err error) {
		n, err = tx.SupersedeJobs(ctx, []string{"mail:held", "mail:free"}, t0.Add(time.Minute))
		return err
	})
	release()
	if err != nil {
		t.Fatalf("supersede while a job is held: %v", err)
	}
	if n != 1 {
		t.Errorf("superseded %d jobs, want 1 (the one not held)", n)
	}
	want := map[string]esign.JobStatus{"mail:held": esign.JobPending, "mail:free": esign.JobDone}
	wantJobStatuses(t, db, want)
}

// TestLoopbackPlain: a URL naming one loopback server, with no word on TLS
// in it or in the environment, gets sslmode=allow; anything else is left as
// it is.
func TestLoopbackPlain(t *testing.T) {
	for _, c := range []struct{ dsn, env, want string }{
		{"postgres://gsign@127.0.0.1:5432/gsign", "", "postgres://gsign@127.0.0.1:5432/gsign?sslmode=allow"},
		{"postgresql://gsign:p%40ss@localhost/gsign?search_path=s", "", "postgresql://gsign:p%40ss@localhost/gsign?search_path=s&sslmode=allow"},
		{"postgres://gsign@[::1]:5432/gsign", "", "postgres://gsign@[::1]:5432/gsign?sslmode=allow"},
		{"postgres://gsign@127.0.0.1/gsign?sslmode=require", "", "postgres://gsign@127.0.0.1/gsign?sslmode=require"},
		{"postgres://gsign@127.0.0.1/gsign", "PGSSLMODE=verify-full", "postgres://gsign@127.0.0.1/gsign"},
		{"postgres://gsign@127.0.0.1/gsign", "PGSSLROOTCERT=/etc/ca.pem", "postgres://gsign@127.0.0.1/gsign"},
		{"postgres://gsign@127.0.0.1/gsign?sslrootcert=/etc/ca.pem", "", "postgres://gsign@127.0.0.1/gsign?sslrootcert=/etc/ca.pem"},
		{"postgres://gsign@db.example.com/gsign", "", "postgres://gsign@db.example.com/gsign"},
		{"postgres://gsign@10.0.0.5/gsign", "", "postgres://gsign@10.0.0.5/gsign"},
		{"postgres://gsign@127.0.0.1,127.0.0.2/gsign", "", "postgres://gsign@127.0.0.1,127.0.0.2/gsign"},
		{"postgres://gsign@/gsign?host=/var/run/postgresql", "", "postgres://gsign@/gsign?host=/var/run/postgresql"},
		{"host=127.0.0.1 user=gsign", "", "host=127.0.0.1 user=gsign"},
	} {
		name, value, _ := strings.Cut(c.env, "=")
		getenv := func(v string) string {
			if v == name {
				return value
			}
			return ""
		}
		if got := loopbackPlain(c.dsn, getenv); got != c.want {
			t.Errorf("loopbackPlain(%q, %s) = %q, want %q", c.dsn, c.env, got, c.want)
		}
	}
}

// TestPostgresLoopbackWithoutTLS: over loopback TCP, a URL that says
// nothing of TLS connects without it, and one that asks for TLS gets it.
func TestPostgresLoopbackWithoutTLS(t *testing.T) {
	for _, v := range []string{"PGSSLMODE", "PGSSLCERT", "PGSSLKEY", "PGSSLROOTCERT"} {
		t.Setenv(v, "")
	}
	u, err := url.Parse(sqldbtest.PostgresTestURL(t))
	if err != nil {
		t.Fatal(err)
	}
	if !isLoopbackHost(u.Hostname()) {
		t.Skipf("the test database is not on a loopback address (%s)", u.Hostname())
	}
	q := u.Query()
	q.Del("sslmode")
	u.RawQuery = q.Encode()
	usesTLS := func(dsn string) bool {
		db := openPostgresAt(t, dsn)
		var ssl bool
		if err := db.reader.QueryRow(`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`).Scan(&ssl); err != nil {
			t.Fatal(err)
		}
		return ssl
	}
	if usesTLS(u.String()) {
		t.Error("a loopback URL without sslmode connected with TLS")
	}
	var serverSSL string
	if err := openPostgresAt(t, u.String()).reader.QueryRow(`SHOW ssl`).Scan(&serverSSL); err != nil {
		t.Fatal(err)
	}
	if serverSSL != "on" {
		t.Logf("the server has ssl off: sslmode=require not tried")
		return
	}
	q.Set("sslmode", "require")
	u.RawQuery = q.Encode()
	if !usesTLS(u.String()) {
		t.Error("sslmode=require connected without TLS")
	}
}

// TestPostgresEnvelopeMailingLocks: EnvelopeMailing with lock holds the
// envelope's row lock, as LockEnvelope does, until its transaction ends.
func TestPostgresEnvelopeMailingLocks(t *testing.T) {
	db := openPostgresTest(t)
	w := newWorld(t, db)
	release := holdInTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.EnvelopeMailing(ctx, w.Envelope.ID, true)
		return err
	})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	err := db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.LockEnvelope(ctx, w.Envelope.ID)
		return err
	})
	cancel()
	release()
	if err == nil {
		t.Error("LockEnvelope took the lock that EnvelopeMailing holds")
	}
}

// holdInTx runs take in a transaction of its own and returns once take has
// returned, with the transaction still open and holding the locks take
// took; release ends the transaction, failing t if it failed.
func holdInTx(t *testing.T, db *DB, take func(ctx context.Context, tx esign.Tx) error) (release func()) {
	t.Helper()
	held, end, done := make(chan error, 1), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
			err := take(ctx, tx)
			held <- err
			if err != nil {
				return err
			}
			<-end
			return nil
		})
	}()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		close(end)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
