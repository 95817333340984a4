package sqldb

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
	"github.com/gsign/gsign/internal/password"
)

func testRecipientAuth(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	ch := func(id string, created time.Time) *esign.AuthChallenge {
		return &esign.AuthChallenge{ID: id, EnvelopeID: w.Envelope.ID, RecipientID: w.Recipient.ID, Method: esign.AuthEmailOTP,
			SecretHash: "mac-" + id, Destination: "r***@example.com", CreatedAt: created, ExpiresAt: created.Add(10 * time.Minute)}
	}
	old, mid, newest := ch("ach_1", t0), ch("ach_2", t0.Add(time.Minute)), ch("ach_3", t0.Add(2*time.Minute))
	verified := t0.Add(time.Hour)
	proof := &esign.AuthProof{Hash: "p1", EnvelopeID: w.Envelope.ID, RecipientID: w.Recipient.ID, TokenHash: "tok", Method: esign.AuthAccessCode,
		VerifiedAt: &verified, ExpiresAt: t0.Add(2 * time.Hour), CreatedAt: t0}
	pending := &esign.AuthProof{Hash: "p2", EnvelopeID: w.Envelope.ID, RecipientID: w.Recipient.ID, TokenHash: "tok", Method: esign.AuthIDV,
		ChallengeID: "ach_2", ExpiresAt: t0.Add(time.Hour), CreatedAt: t0}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		for _, c := range []*esign.AuthChallenge{mid, old, newest} {
			if err := tx.CreateAuthChallenge(ctx, c); err != nil {
				return err
			}
		}
		if err := tx.CreateAuthProof(ctx, proof); err != nil {
			return err
		}
		return tx.CreateAuthProof(ctx, pending)
	})
	t.Run("challenges newest first, since a time", func(t *testing.T) {
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			got, err := tx.AuthChallenges(ctx, w.Recipient.ID, t0.Add(time.Minute))
			wantEqual(t, got, []*esign.AuthChallenge{newest, mid})
			none, err2 := tx.AuthChallenges(ctx, "rcp_other", t0)
			wantEqual(t, len(none), 0)
			_, err3 := tx.AuthChallengeByID(ctx, "ach_nope")
			wantErr(t, err3, esign.KindNotFound, esign.CodeNotFound)
			return errorsJoin(err, err2)
		})
	})
	t.Run("attempts and use", func(t *testing.T) {
		used := t0.Add(3 * time.Minute)
		newest.Attempts, newest.UsedAt = 5, &used
		inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.UpdateAuthChallenge(ctx, newest) })
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			got, err := tx.AuthChallengeByID(ctx, "ach_3")
			wantEqual(t, got, newest)
			return err
		})
		err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
			return tx.UpdateAuthChallenge(ctx, ch("ach_nope", t0))
		})
		wantErr(t, err, esign.KindNotFound, esign.CodeNotFound)
	})
	t.Run("proofs, and verifying a pending one once", func(t *testing.T) {
		at := t0.Add(5 * time.Minute)
		inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
			n, err := tx.VerifyAuthProofs(ctx, "ach_2", "kba, reference R", at)
			wantEqual(t, n, int64(1))
			again, err2 := tx.VerifyAuthProofs(ctx, "ach_2", "other", at.Add(time.Minute))
			wantEqual(t, again, int64(0))
			blank, err3 := tx.VerifyAuthProofs(ctx, "", "x", at)
			wantEqual(t, blank, int64(0))
			return errorsJoin(err, err2, err3)
		})
		pending.VerifiedAt, pending.Detail = &at, "kba, reference R"
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			got, err := tx.AuthProofByHash(ctx, "p2")
			wantEqual(t, got, pending)
			first, err2 := tx.AuthProofByHash(ctx, "p1")
			wantEqual(t, first, proof)
			_, err3 := tx.AuthProofByHash(ctx, "nope")
			wantErr(t, err3, esign.KindNotFound, esign.CodeNotFound)
			return errorsJoin(err, err2)
		})
	})
	t.Run("recipient auth columns and sender-authenticated tokens", func(t *testing.T) {
		until := t0.Add(5 * time.Minute)
		r := *w.Recipient
		r.AuthMethod, r.AccessCodeHash, r.AuthFailures, r.AuthLockouts, r.AuthLockedUntil = esign.AuthAccessCode, "$argon2id$h", 3, 2, &until
		r.AuthUsed, r.AuthDetail = esign.AuthIDV, "kba, reference R"
		tok := &esign.RecipientToken{Hash: "t_sender", EnvelopeID: w.Envelope.ID, RecipientID: r.ID, Kind: esign.TokenEmbedded, CreatedAt: t0, SenderAuth: true}
		inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
			return errorsJoin(tx.UpdateRecipient(ctx, &r), tx.CreateRecipientToken(ctx, tok))
		})
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			rs, err := tx.RecipientsByEnvelope(ctx, w.Envelope.ID)
			wantEqual(t, rs, []*esign.Recipient{&r})
			got, err2 := tx.RecipientTokenByHash(ctx, "t_sender")
			wantEqual(t, got, tok)
			return errorsJoin(err, err2)
		})
	})
}

func errorsJoin(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// testRecipientAuthSecrets drives a one-time code and an access code
// through the Service and then reads every column of every table: neither
// code, nor the proof, is stored anywhere (jobs, audit, idempotency).
func testRecipientAuthSecrets(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	clock := setClock(db)
	w := newWorld(t, db)
	mail := &esigntest.Mailer{}
	svc := &esign.Service{Store: db, Clock: clock, Config: esign.DefaultConfig(), Mailer: mail, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Passwords: &password.Argon2id{Params: password.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}}
	codeHash, err := svc.Passwords.Hash("tulip-42")
	if err != nil {
		t.Fatal(err)
	}
	otp, access := sentRecipient(t, db, w, "rcp_otp", esign.AuthEmailOTP, ""), sentRecipient(t, db, w, "rcp_acc", esign.AuthAccessCode, codeHash)
	ctx := context.Background()
	if _, err := svc.SendAuthCode(ctx, otp); err != nil {
		t.Fatal(err)
	}
	runJobs(t, db, svc)
	msgs := mail.To("rcp_otp@example.com")
	if len(msgs) != 1 {
		t.Fatalf("%d code emails", len(msgs))
	}
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(msgs[0].Text)
	res1, err := svc.VerifyAuth(ctx, otp, code)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.VerifyAuth(ctx, access, "wrong-1"); esign.ErrorCode(err) != esign.CodeAuthCodeInvalid {
		t.Fatalf("a wrong access code: %v", err)
	}
	res2, err := svc.VerifyAuth(ctx, access, "tulip-42")
	if err != nil {
		t.Fatal(err)
	}
	dump := dumpAll(t, db)
	for _, secret := range []string{code, "tulip-42", res1.Proof, res2.Proof, otp, access} {
		if strings.Contains(dump, secret) {
			t.Errorf("the database holds %q", secret)
		}
	}
	if !strings.Contains(dump, esign.AuditAuthSucceeded) || !strings.Contains(dump, esign.HashSecret(res1.Proof)) {
		t.Error("the dump misses what was written; the check would prove nothing")
	}
}

// sentRecipient adds to w's envelope, made sent, a sent recipient of the
// method and returns a signing link for it.
func sentRecipient(t *testing.T, db *DB, w *world, id, method, codeHash string) string {
	t.Helper()
	raw, hash := esign.NewSecret(esign.SecretRecipient)
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		e, err := tx.LockEnvelope(ctx, w.Envelope.ID)
		if err != nil {
			return err
		}
		e.Status, e.SentAt = esign.StatusSent, &t0
		r := &esign.Recipient{ID: id, EnvelopeID: e.ID, Name: id, Email: id + "@example.com", Role: esign.RoleSigner, RoutingOrder: 1,
			Status: esign.RecipientSent, AuthMethod: method, AccessCodeHash: codeHash, SentAt: &t0, CreatedAt: t0}
		return errorsJoin(tx.UpdateEnvelope(ctx, e), tx.CreateRecipient(ctx, r),
			tx.CreateRecipientToken(ctx, &esign.RecipientToken{Hash: hash, EnvelopeID: e.ID, RecipientID: id, Kind: esign.TokenLink, CreatedAt: t0}))
	})
	return raw
}

// runJobs runs the pending jobs through the Service's handler.
func runJobs(t *testing.T, db *DB, svc *esign.Service) {
	t.Helper()
	var jobs []*esign.Job
	view(t, db, func(ctx context.Context, tx esign.Tx) (err error) {
		jobs, err = tx.JobsByStatus(ctx, esign.JobPending, 100)
		return err
	})
	for _, j := range jobs {
		if err := svc.HandleJob(context.Background(), j); err != nil {
			t.Fatalf("job %s: %v", j.ID, err)
		}
	}
}

// dumpAll renders every row of every table as text.
func dumpAll(t *testing.T, db *DB) string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if db.d.name == "postgres" {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	var tables []string
	rows, err := db.reader.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	var b strings.Builder
	for _, table := range tables {
		dumpTable(t, db, table, &b)
	}
	return b.String()
}

func dumpTable(t *testing.T, db *DB, table string, b *strings.Builder) {
	t.Helper()
	rows, err := db.reader.QueryContext(context.Background(), `SELECT * FROM `+table)
	if err != nil {
		t.Fatalf("dump %s: %v", table, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			fmt.Fprintf(b, "%s\t", v)
		}
		b.WriteByte('\n')
	}
}
