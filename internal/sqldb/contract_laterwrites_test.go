package sqldb

import (
	"context"
	"slices"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// testLaterWrites holds both engines to what a write that reports its
// failure later (insertLater, updateOneLater, the deferred envelope rows
// and audit events; sent with the next statement on PostgreSQL) must keep:
// the transaction fails with the write's own error and leaves nothing, the
// statements after a write see it, and the connection serves the next
// transaction as if nothing had happened.
func testLaterWrites(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	ctx := context.Background()
	countFields := func() int {
		var n int
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			fs, err := tx.FieldsByEnvelope(ctx, w.Envelope.ID)
			n = len(fs)
			return err
		})
		return n
	}

	t.Run("a duplicate fails the transaction with its conflict", func(t *testing.T) {
		err := db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
			if err := tx.CreateField(ctx, w.field("fld_dup_a")); err != nil {
				return err
			}
			dup := *w.Recipient
			if err := tx.CreateRecipient(ctx, &dup); err != nil {
				return err
			}
			_, err := tx.FieldsByEnvelope(ctx, w.Envelope.ID) // sends it
			return err
		})
		wantErr(t, err, esign.KindConflict, codeExists)
		if n := countFields(); n != 0 {
			t.Fatalf("%d fields after the failed transaction, want 0", n)
		}
	})

	t.Run("a duplicate with nothing after it fails the commit", func(t *testing.T) {
		err := db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
			dup := *w.Document
			return tx.CreateDocument(ctx, &dup)
		})
		wantErr(t, err, esign.KindConflict, codeExists)
	})

	t.Run("an update of a missing row is not found", func(t *testing.T) {
		err := db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
			missing := *w.Recipient
			missing.ID = "rcp_missing"
			return tx.UpdateRecipient(ctx, &missing)
		})
		wantErr(t, err, esign.KindNotFound, "")
	})

	t.Run("reads see the writes before them", func(t *testing.T) {
		inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
			f := w.field("fld_seen")
			if err := tx.CreateField(ctx, f); err != nil {
				return err
			}
			r := *w.Recipient
			r.Name = "Rita Renamed"
			if err := tx.UpdateRecipient(ctx, &r); err != nil {
				return err
			}
			c, err := tx.EnvelopeContents(ctx, w.Envelope.ID)
			if err != nil {
				return err
			}
			if len(c.Fields) != 1 || c.Fields[0].ID != f.ID || len(c.Recipients) != 1 || c.Recipients[0].Name != r.Name {
				t.Errorf("contents in the transaction: %d fields, recipients %v; want the new field and the new name", len(c.Fields), c.Recipients)
			}
			return nil
		})
	})

	t.Run("contents are the three listings", func(t *testing.T) {
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			c, err := tx.EnvelopeContents(ctx, w.Envelope.ID)
			if err != nil {
				return err
			}
			docs, _ := tx.DocumentsByEnvelope(ctx, w.Envelope.ID)
			rs, _ := tx.RecipientsByEnvelope(ctx, w.Envelope.ID)
			fs, err := tx.FieldsByEnvelope(ctx, w.Envelope.ID)
			wantEqual(t, c, &esign.EnvelopeContents{Documents: docs, Recipients: rs, Fields: fs})
			return err
		})
	})

	t.Run("connections serve again after failures", func(t *testing.T) {
		for i := range 25 { // more than the pool's connections
			err := db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
				dup := *w.Recipient
				return tx.CreateRecipient(ctx, &dup)
			})
			wantErr(t, err, esign.KindConflict, codeExists)
			view(t, db, func(ctx context.Context, tx esign.Tx) error {
				rs, err := tx.RecipientsByEnvelope(ctx, w.Envelope.ID)
				if err == nil && !slices.ContainsFunc(rs, func(r *esign.Recipient) bool { return r.ID == w.Recipient.ID }) {
					t.Errorf("round %d: the recipient is gone", i)
				}
				return err
			})
		}
	})
}
