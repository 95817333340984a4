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
