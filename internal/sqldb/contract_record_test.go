package sqldb

import (
	"context"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// testEnvelopeRecord checks that EnvelopeRecord reads what the single
// reads it stands for read, in one transaction that also writes before it,
// and that a missing envelope is not found.
func testEnvelopeRecord(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	newWorld(t, db) // another envelope, whose rows must not show
	f := w.field("fld_rec")
	sig := &esign.Signature{ID: "sig_rec", EnvelopeID: w.Envelope.ID, RecipientID: w.Recipient.ID, FieldID: f.ID,
		Kind: esign.SignatureTyped, Text: "Rita R", Font: "caveat", Image: []byte("\x89PNG\r\n\x1a\n"), SHA256: "s", CreatedAt: t0}
	ev := &esign.AuditEvent{EnvelopeID: w.Envelope.ID, Seq: 1, Version: esign.AuditEncodingVersion, Type: esign.AuditSigned,
		Actor:      esign.Actor{Type: esign.ActorRecipient, ID: w.Recipient.ID, Email: "rita@example.com"},
		OccurredAt: t0.Add(time.Second), Data: map[string]string{"recipient_id": w.Recipient.ID}, PreviousHash: "prev", Hash: "hash"}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		if err := tx.CreateField(ctx, f); err != nil {
			return err
		}
		if err := tx.CreateSignature(ctx, sig); err != nil {
			return err
		}
		if err := tx.AppendAudit(ctx, ev); err != nil {
			return err
		}
		got, err := tx.EnvelopeRecord(ctx, w.Envelope.ID) // sees the writes before it
		if err == nil && (len(got.Signatures) != 1 || len(got.Audit) != 1 || len(got.Fields) != 1) {
			t.Errorf("record in the writing transaction: %d signatures, %d events, %d fields; want 1 each",
				len(got.Signatures), len(got.Audit), len(got.Fields))
		}
		return err
	})
	t.Run("the single reads together", func(t *testing.T) {
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			got, err := tx.EnvelopeRecord(ctx, w.Envelope.ID)
			if err != nil {
				return err
			}
			e, _ := tx.EnvelopeByID(ctx, w.Envelope.ID)
			c, _ := tx.EnvelopeContents(ctx, w.Envelope.ID)
			sigs, _ := tx.SignaturesByEnvelope(ctx, w.Envelope.ID)
			events, _ := tx.AuditEvents(ctx, w.Envelope.ID)
			owner, _ := tx.UserByID(ctx, w.Envelope.OwnerID)
			org, err := tx.OrganizationByID(ctx, w.Envelope.OrgID)
			wantEqual(t, got, &esign.EnvelopeRecord{Envelope: e, EnvelopeContents: *c, Signatures: sigs, Audit: events, Owner: owner, Org: org})
			wantEqual(t, got.Owner.ID, w.User.ID)
			return err
		})
	})
	t.Run("a missing envelope is not found", func(t *testing.T) {
		err := db.View(context.Background(), func(ctx context.Context, tx esign.Tx) error {
			_, err := tx.EnvelopeRecord(ctx, "env_nope")
			return err
		})
		wantErr(t, err, esign.KindNotFound, "")
	})
}

// testEnvelopeMailing checks that EnvelopeMailing reads what the single
// reads it stands for read, with the lock or without: no branding until
// the organization sets one, the result files once saved, and a missing
// envelope is not found.
func testEnvelopeMailing(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	newWorld(t, db) // another organization and envelope, which must not show
	read := func() *esign.EnvelopeMailing {
		var m, locked *esign.EnvelopeMailing
		view(t, db, func(ctx context.Context, tx esign.Tx) (err error) {
			m, err = tx.EnvelopeMailing(ctx, w.Envelope.ID, false)
			return err
		})
		inTx(t, db, func(ctx context.Context, tx esign.Tx) (err error) {
			locked, err = tx.EnvelopeMailing(ctx, w.Envelope.ID, true)
			return err
		})
		wantEqual(t, locked, m)
		return m
	}
	if m := read(); m.Branding != nil || len(m.Results) != 0 || m.Owner.ID != w.User.ID || m.Envelope.ID != w.Envelope.ID {
		t.Fatalf("before branding and results: %+v", m)
	}
	b := &esign.Branding{OrgID: w.Org.ID, DisplayName: "Acme", Color: "#112233", UpdatedAt: t0}
	files := []*esign.ResultFile{
		{EnvelopeID: w.Envelope.ID, Part: esign.PartCombined, BlobKey: "results/c", SHA256: "c", Size: 3, CreatedAt: t0},
		{EnvelopeID: w.Envelope.ID, Part: esign.PartCertificate, BlobKey: "results/a", SHA256: "a", Size: 1, CreatedAt: t0},
	}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		if err := tx.SaveBranding(ctx, b); err != nil {
			return err
		}
		for _, f := range files {
			if err := tx.SaveResultFile(ctx, f); err != nil {
				return err
			}
		}
		return nil
	})
	got := read()
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		e, _ := tx.EnvelopeByID(ctx, w.Envelope.ID)
		owner, _ := tx.UserByID(ctx, w.Envelope.OwnerID)
		brand, _ := tx.BrandingByOrg(ctx, w.Org.ID)
		results, err := tx.ResultFiles(ctx, w.Envelope.ID)
		wantEqual(t, got, &esign.EnvelopeMailing{Envelope: e, Owner: owner, Branding: brand, Results: results})
		return err
	})
	err := db.View(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.EnvelopeMailing(ctx, "env_nope", false)
		return err
	})
	wantErr(t, err, esign.KindNotFound, "")
}
