package sqldb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// testTokenContext: a recipient token comes back with its envelope, the
// envelope's owner and recipients, and the documents and fields when asked,
// exactly as the reads it stands for give them (recipients by routing
// order, then as added; documents by position; fields as added), locked or
// not; an unknown hash is not found. What it reads reflects writes
// deferred in the same transaction.
func testTokenContext(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	tok := &esign.RecipientToken{Hash: "tc_1", EnvelopeID: w.Envelope.ID, RecipientID: w.Recipient.ID, Kind: esign.TokenLink, CreatedAt: t0}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		for i, order := range []int{3, 1, 2} {
			r := *w.Recipient
			r.ID, r.RoutingOrder, r.Email = w.Recipient.ID+"_"+string(rune('a'+i)), order, string(rune('a'+i))+"@example.com"
			if err := tx.CreateRecipient(ctx, &r); err != nil {
				return err
			}
		}
		d := *w.Document
		d.ID, d.Position = w.Document.ID+"_0", 0
		if err := tx.CreateDocument(ctx, &d); err != nil {
			return err
		}
		for _, id := range []string{"fld_tc_b", "fld_tc_a"} {
			if err := tx.CreateField(ctx, w.field(id)); err != nil {
				return err
			}
		}
		return tx.CreateRecipientToken(ctx, tok)
	})
	for _, lock := range []bool{false, true} {
		for _, read := range []esign.TokenRead{{Lock: lock}, {Lock: lock, Fields: true}, {Lock: lock, Documents: true, Fields: true}} {
			t.Run(fmt.Sprintf("%+v", read), func(t *testing.T) { checkTokenContext(t, db, w, tok, read) })
		}
	}
	t.Run("AfterLock", func(t *testing.T) { testTokenContextAfterLock(t, open) })
}

// checkTokenContext checks one TokenContext read of tok against the reads
// it stands for; a locking read first changes the envelope and a field
// without reading them back, so that it reads what the transaction wrote.
func checkTokenContext(t *testing.T, db *DB, w *world, tok *esign.RecipientToken, read esign.TokenRead) {
	run := db.View
	if read.Lock {
		run = db.InTx
	}
	err := run(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		if read.Lock {
			if err := renameAndFill(ctx, tx, w, "Renamed "+t.Name()); err != nil {
				return err
			}
		}
		got, err := tx.TokenContext(ctx, tok.Hash, read)
		if err != nil {
			return err
		}
		if len(got.Recipients) != 4 || got.Recipients[0].RoutingOrder != 1 || read.Lock && got.Envelope.Name != "Renamed "+t.Name() {
			t.Errorf("recipients by routing order %v, envelope %q", each(got.Recipients, func(r *esign.Recipient) int { return r.RoutingOrder }), got.Envelope.Name)
		}
		wantEqual(t, got, tokenContextReads(t, ctx, tx, w, tok, read))
		_, err = tx.TokenContext(ctx, "tc_nope", read)
		checkErr(t, err, esign.KindNotFound, esign.CodeNotFound)
		return nil
	})
	checkErr(t, err, "", "")
}

// renameAndFill renames w's envelope to name and fills a field of it with
// name, without reading either back.
func renameAndFill(ctx context.Context, tx esign.Tx, w *world, name string) error {
	e, err := tx.EnvelopeByID(ctx, w.Envelope.ID)
	if err != nil {
		return err
	}
	fs, err := tx.FieldsByEnvelope(ctx, w.Envelope.ID)
	if err != nil {
		return err
	}
	e.Name, fs[0].Value = name, name
	if err := tx.UpdateEnvelope(ctx, e); err != nil {
		return err
	}
	return tx.UpdateField(ctx, fs[0])
}

// tokenContextReads is what TokenContext stands for, read one by one.
func tokenContextReads(t *testing.T, ctx context.Context, tx esign.Tx, w *world, tok *esign.RecipientToken, read esign.TokenRead) *esign.TokenContext {
	t.Helper()
	tk, err1 := tx.RecipientTokenByHash(ctx, tok.Hash)
	e, err2 := tx.EnvelopeByID(ctx, tok.EnvelopeID)
	rs, err3 := tx.RecipientsByEnvelope(ctx, tok.EnvelopeID)
	o, err4 := tx.UserByID(ctx, w.Envelope.OwnerID)
	want := &esign.TokenContext{Token: tk, Envelope: e, Owner: o, Recipients: rs}
	var err5, err6 error
	if read.Documents {
		want.Documents, err5 = tx.DocumentsByEnvelope(ctx, tok.EnvelopeID)
	}
	if read.Fields {
		want.Fields, err6 = tx.FieldsByEnvelope(ctx, tok.EnvelopeID)
	}
	for _, err := range []error{err1, err2, err3, err4, err5, err6} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return want
}

// testTokenContextAfterLock: a locking TokenContext that waits for the
// envelope's lock reads the token, recipients, documents and fields as the
// transaction that held the lock left them, not as they were when it
// began to wait: a signer waiting on another who completes must see that
// completion. On PostgreSQL the test holds the lock until the read is seen
// waiting for it; on SQLite the write transaction is the lock.
func testTokenContextAfterLock(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	tok := &esign.RecipientToken{Hash: "tc_lock", EnvelopeID: w.Envelope.ID, RecipientID: w.Recipient.ID, Kind: esign.TokenLink, CreatedAt: t0}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		if err := tx.CreateField(ctx, w.field("fld_tcl")); err != nil {
			return err
		}
		return tx.CreateRecipientToken(ctx, tok)
	})
	locked, release, held := make(chan int), make(chan struct{}), make(chan error, 1)
	unlock := sync.OnceFunc(func() { close(release) })
	defer unlock()
	go func() {
		held <- db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
			return completeUnderLock(ctx, tx, db, w, tok.Hash, locked, release)
		})
	}()
	var pid int
	select {
	case pid = <-locked:
	case err := <-held:
		t.Fatalf("locking transaction: %v", err)
	}
	type outcome struct {
		c   *esign.TokenContext
		err error
	}
	waited := make(chan outcome, 1)
	go func() {
		var o outcome
		o.err = db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) (err error) {
			o.c, err = tx.TokenContext(ctx, tok.Hash, esign.TokenRead{Lock: true, Documents: true, Fields: true})
			return err
		})
		waited <- o
	}()
	waitBlockedBy(t, db, pid)
	unlock()
	checkErr(t, <-held, "", "")
	o := <-waited
	checkErr(t, o.err, "", "")
	c := o.c
	if c.Envelope.Name != "Completed" || c.Token.UsedAt == nil || len(c.Recipients) != 1 || c.Recipients[0].Status != esign.RecipientCompleted ||
		len(c.Fields) != 1 || c.Fields[0].Value != "done" || len(c.Documents) != 2 {
		t.Errorf("read what was before the lock: envelope %q, token used at %v, recipients %v, fields %v, %d documents",
			c.Envelope.Name, c.Token.UsedAt, each(c.Recipients, func(r *esign.Recipient) esign.RecipientStatus { return r.Status }),
			each(c.Fields, func(f *esign.Field) string { return f.Value }), len(c.Documents))
	}
}

// completeUnderLock locks w's envelope, completes its recipient, fills its
// field, adds a document, renames the envelope and uses the token with
// hash, sends all that, then
// reports the connection's process id (0 on SQLite) on locked and holds
// the lock until release is closed.
func completeUnderLock(ctx context.Context, etx esign.Tx, db *DB, w *world, hash string, locked chan<- int, release <-chan struct{}) error {
	e, err := etx.LockEnvelope(ctx, w.Envelope.ID)
	if err != nil {
		return err
	}
	rs, err := etx.RecipientsByEnvelope(ctx, w.Envelope.ID)
	if err != nil {
		return err
	}
	fs, err := etx.FieldsByEnvelope(ctx, w.Envelope.ID)
	if err != nil {
		return err
	}
	rs[0].Status, fs[0].Value, e.Name = esign.RecipientCompleted, "done", "Completed"
	d := *w.Document
	d.ID, d.Position = w.Document.ID+"_2", 2
	if err := errors.Join(etx.UpdateRecipient(ctx, rs[0]), etx.UpdateField(ctx, fs[0]), etx.UpdateEnvelope(ctx, e), etx.CreateDocument(ctx, &d),
		etx.UseRecipientToken(ctx, hash, t0)); err != nil {
		return err
	}
	pid := 0
	if db.d.name == "postgres" {
		// Also sends the writes deferred so far.
		if err := etx.(*tx).queryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
			return err
		}
	}
	locked <- pid
	<-release
	return nil
}

// waitBlockedBy waits until a PostgreSQL process waits for a lock that the
// process pid holds. On SQLite (pid 0) it gives the waiting transaction a
// moment to begin waiting for the writer.
func waitBlockedBy(t *testing.T, db *DB, pid int) {
	t.Helper()
	if pid == 0 {
		time.Sleep(50 * time.Millisecond)
		return
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var n int
		if err := db.reader.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, pid).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
	}
	t.Error("the locking read never waited for the lock")
}

// each is what of every one of xs, for messages.
func each[T, U any](xs []T, what func(T) U) []U {
	out := make([]U, len(xs))
	for i, x := range xs {
		out[i] = what(x)
	}
	return out
}
