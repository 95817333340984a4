package sqldb

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/sqldb/sqldbtest"
)

// TestSQLiteSignatureImagesMigration: 0014 adds signatures.image.
func TestSQLiteSignatureImagesMigration(t *testing.T) {
	testSignatureImagesMigration(t, "sqlite", filepath.Join(t.TempDir(), "gsign.db"))
}

// TestPostgresSignatureImagesMigration: 0014 adds signatures.image.
func TestPostgresSignatureImagesMigration(t *testing.T) {
	testSignatureImagesMigration(t, "postgres", sqldbtest.PostgresTestURL(t))
}

// testSignatureImagesMigration: a signature written before 0014 keeps its
// blob key and reads back without an image; afterwards a new one stores its
// image in the row, next to the old one.
func testSignatureImagesMigration(t *testing.T, engine, dsn string) {
	before := migrationsBefore(t, engine, "0014")
	old := mustOpen(t, dsn, before, true)
	w := newWorld(t, old)
	inTx(t, old, func(ctx context.Context, tx esign.Tx) error { return tx.CreateField(ctx, w.field("fld_old")) })
	// The columns as the binaries before 0014 wrote them (no image).
	const q = `INSERT INTO signatures (id, envelope_id, recipient_id, field_id, kind, text, font, blob_key, sha256, ip, user_agent, created_at, created_seq)
		VALUES ('sig_old', ?, ?, 'fld_old', 'draw', '', '', 'signatures/e/sig_old.png', 'abc', '', '', 1, 1)`
	if _, err := old.writer.Exec(old.d.rebind(q), w.Envelope.ID, w.Recipient.ID); err != nil {
		t.Fatal(err)
	}
	closeDB(t, old)

	db := mustOpen(t, dsn, migrationFiles, true)
	defer closeDB(t, db)
	img := []byte("\x89PNG new")
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		return tx.CreateSignature(ctx, &esign.Signature{ID: "sig_new", EnvelopeID: w.Envelope.ID, RecipientID: w.Recipient.ID,
			FieldID: "fld_old", Kind: esign.SignatureTyped, Image: img, SHA256: "def", CreatedAt: t0})
	})
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		sigs, err := tx.SignaturesByEnvelope(ctx, w.Envelope.ID)
		if err == nil && (len(sigs) != 2 || sigs[0].ID != "sig_old" || sigs[0].Image != nil || sigs[0].BlobKey != "signatures/e/sig_old.png" ||
			sigs[1].ID != "sig_new" || string(sigs[1].Image) != string(img) || sigs[1].BlobKey != "") {
			t.Fatalf("signatures after the migration: %+v", sigs)
		}
		return err
	})
}
