package sqldb

import (
	"context"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// testDraftDeletes deletes a draft's fields, recipients and documents: a
// missing row is not found, a row with fields still on it is refused (the
// Service deletes the fields first), and other rows stay.
func testDraftDeletes(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	kept := *w.Recipient
	kept.ID, kept.Email = w.Recipient.ID+"_kept", "kept@example.com"
	f1, f2 := w.field("fld_del_1"), w.field("fld_del_2")
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		if err := tx.CreateRecipient(ctx, &kept); err != nil {
			return err
		}
		if err := tx.CreateField(ctx, f1); err != nil {
			return err
		}
		return tx.CreateField(ctx, f2)
	})
	tests := []struct {
		name     string
		run      func(ctx context.Context, tx esign.Tx) error
		wantKind esign.Kind
	}{
		{"missing field", func(ctx context.Context, tx esign.Tx) error { return tx.DeleteField(ctx, "fld_nope") }, esign.KindNotFound},
		{"missing recipient", func(ctx context.Context, tx esign.Tx) error { return tx.DeleteRecipient(ctx, "rcp_nope") }, esign.KindNotFound},
		{"missing document", func(ctx context.Context, tx esign.Tx) error { return tx.DeleteDocument(ctx, "doc_nope") }, esign.KindNotFound},
		{"field", func(ctx context.Context, tx esign.Tx) error { return tx.DeleteField(ctx, f1.ID) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, db.InTx(context.Background(), tt.run), tt.wantKind, "")
		})
	}
	t.Run("recipient with a field is refused", func(t *testing.T) {
		if err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error { return tx.DeleteRecipient(ctx, w.Recipient.ID) }); err == nil {
			t.Fatal("deleted a recipient that still has a field")
		}
	})
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		if err := tx.DeleteField(ctx, f2.ID); err != nil {
			return err
		}
		if err := tx.DeleteRecipient(ctx, w.Recipient.ID); err != nil {
			return err
		}
		return tx.DeleteDocument(ctx, w.Document.ID)
	})
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		rs, err := tx.RecipientsByEnvelope(ctx, w.Envelope.ID)
		if err != nil {
			return err
		}
		wantEqual(t, rs, []*esign.Recipient{&kept})
		fs, err := tx.FieldsByEnvelope(ctx, w.Envelope.ID)
		if len(fs) != 0 {
			t.Errorf("%d fields left", len(fs))
		}
		ds, err2 := tx.DocumentsByEnvelope(ctx, w.Envelope.ID)
		if len(ds) != 0 {
			t.Errorf("%d documents left", len(ds))
		}
		if err != nil {
			return err
		}
		return err2
	})
}
