package sqldb

import (
	"context"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// TestEnvelopeWritesCoalesce: several writes of one envelope in a
// transaction leave one pending write, which a statement naming the
// envelopes table, or a delete, runs first. testEnvelopes checks what
// reads and commits see.
func TestEnvelopeWritesCoalesce(t *testing.T) {
	db := openSQLiteTest(t)
	w := newWorld(t, db)
	pending := func(etx esign.Tx) int { return len(etx.(*tx).envelopeWrites.ids) }
	err := db.InTx(context.Background(), func(ctx context.Context, etx esign.Tx) error {
		raw := etx.(*tx)
		e := *w.Envelope
		for i := range 3 {
			e.AuditSeq = int64(i + 1)
			if err := raw.UpdateEnvelope(ctx, &e); err != nil {
				return err
			}
		}
		if n := pending(raw); n != 1 {
			t.Fatalf("%d pending writes after three of one envelope, want 1", n)
		}
		if _, err := raw.UserByID(ctx, w.User.ID); err != nil || pending(raw) != 1 {
			t.Fatalf("reading a user ran the envelope write (err %v)", err)
		}
		if _, err := raw.EnvelopeByID(ctx, e.ID); err != nil || pending(raw) != 0 {
			t.Fatalf("reading the envelope did not run its write first (err %v)", err)
		}
		if err := raw.UpdateEnvelope(ctx, &e); err != nil {
			return err
		}
		if _, err := raw.exec(ctx, `DELETE FROM login_locks WHERE lock_key = ?`, "nobody"); err != nil || pending(raw) != 0 {
			t.Fatalf("a delete did not run the envelope write first (err %v)", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAuditEventsInsertTogether: the audit events of a transaction are
// inserted with one statement (maxAuditRows at a time), before anything
// reads them and before a delete, and a duplicate among them fails the
// transaction and writes none of them.
func TestAuditEventsInsertTogether(t *testing.T) {
	db := openSQLiteTest(t)
	w := newWorld(t, db)
	ev := func(seq int64) *esign.AuditEvent {
		return &esign.AuditEvent{EnvelopeID: w.Envelope.ID, Seq: seq, Version: esign.AuditEncodingVersion, Type: esign.AuditFieldFilled,
			Actor: esign.Actor{Type: esign.ActorSystem}, OccurredAt: t0, PreviousHash: "prev", Hash: "hash"}
	}
	appendAll := func(ctx context.Context, tx esign.Tx, from, to int64) error {
		for seq := from; seq <= to; seq++ {
			if err := tx.AppendAudit(ctx, ev(seq)); err != nil {
				return err
			}
		}
		return nil
	}
	statements := func() int64 { return db.Stats().Statements }
	before := statements()
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		if err := appendAll(ctx, tx, 1, maxAuditRows+3); err != nil {
			return err
		}
		if n := statements() - before; n != 0 {
			t.Errorf("%d statements ran for appended events, want none until they are read", n)
		}
		got, err := tx.AuditEvents(ctx, w.Envelope.ID)
		if len(got) != maxAuditRows+3 {
			t.Errorf("read %d events in the transaction that appended %d", len(got), maxAuditRows+3)
		}
		if n := statements() - before; n != 3 {
			t.Errorf("%d statements to insert %d events and read them, want 3", n, maxAuditRows+3)
		}
		return err
	})
	before = statements()
	err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		return appendAll(ctx, tx, maxAuditRows+4, maxAuditRows+6)
	})
	checkErr(t, err, "", "")
	err = db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		return appendAll(ctx, tx, maxAuditRows+7, maxAuditRows+9)
	})
	checkErr(t, err, "", "")
	if n := statements() - before; n != 2 {
		t.Errorf("%d statements for two transactions of three events, want 2", n)
	}
	err = db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		return appendAll(ctx, tx, maxAuditRows+6, maxAuditRows+10) // +6 is taken: none is written
	})
	checkErr(t, err, esign.KindConflict, "")
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		got, err := tx.AuditEvents(ctx, w.Envelope.ID)
		if want := maxAuditRows + 9; len(got) != want {
			t.Errorf("%d events stored, want %d: the failed transaction wrote some", len(got), want)
		}
		return err
	})
}
