package sqldb

import (
	"context"
	"fmt"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// signatureCols includes the image (up to MaxSignatureBytes): only the
// queries that use the images select from signatures; no list view joins it.
const signatureCols = `id, envelope_id, recipient_id, field_id, kind, text, font, image, blob_key, sha256, ip, user_agent, created_at`

func scanSignature(s rowScanner) (*esign.Signature, error) {
	g := &esign.Signature{}
	return g, s.Scan(&g.ID, &g.EnvelopeID, &g.RecipientID, &g.FieldID, &g.Kind, &g.Text, &g.Font, &g.Image, &g.BlobKey, &g.SHA256,
		&g.IP, &g.UserAgent, timeCol{&g.CreatedAt})
}

// CreateSignature appends g with its image. Signatures are never updated or
// deleted.
func (t *tx) CreateSignature(ctx context.Context, g *esign.Signature) error {
	return t.insertLater(ctx, "signature", insertSeqSQL("signatures", signatureCols),
		g.ID, g.EnvelopeID, g.RecipientID, g.FieldID, string(g.Kind), g.Text, g.Font, nullBlob(g.Image), g.BlobKey, g.SHA256,
		g.IP, g.UserAgent, micros(g.CreatedAt), g.EnvelopeID)
}

// SignaturesByEnvelope returns the envelope's signatures, images included,
// in creation order.
func (t *tx) SignaturesByEnvelope(ctx context.Context, envelopeID string) ([]*esign.Signature, error) {
	return getAll(ctx, t, "signatures", scanSignature, signaturesSQL, envelopeID)
}

// signaturesSQL is what SignaturesByEnvelope runs.
const signaturesSQL = `SELECT ` + signatureCols + ` FROM signatures WHERE envelope_id = ? ORDER BY created_seq, id`

const recipientTokenCols = `hash, envelope_id, recipient_id, kind, expires_at, used_at, created_at, sender_auth`

func scanRecipientToken(s rowScanner) (*esign.RecipientToken, error) {
	k := &esign.RecipientToken{}
	return k, s.Scan(&k.Hash, &k.EnvelopeID, &k.RecipientID, &k.Kind,
		nullTimeCol{&k.ExpiresAt}, nullTimeCol{&k.UsedAt}, timeCol{&k.CreatedAt}, &k.SenderAuth)
}

// CreateRecipientToken inserts k.
func (t *tx) CreateRecipientToken(ctx context.Context, k *esign.RecipientToken) error {
	return t.insertLater(ctx, "recipient token", insertSQL("recipient_tokens", recipientTokenCols),
		k.Hash, k.EnvelopeID, k.RecipientID, string(k.Kind),
		nullMicros(k.ExpiresAt), nullMicros(k.UsedAt), micros(k.CreatedAt), k.SenderAuth)
}

// RecipientTokenByHash returns the token with the hash.
func (t *tx) RecipientTokenByHash(ctx context.Context, hash string) (*esign.RecipientToken, error) {
	const q = `SELECT ` + recipientTokenCols + ` FROM recipient_tokens WHERE hash = ?`
	return getOne(ctx, t, "recipient token", scanRecipientToken, q, hash)
}

// UseRecipientToken marks the token used, or fails (maybe later) if it
// already is; the condition is in the UPDATE so that a single-use token is
// used once however many requests race for it.
func (t *tx) UseRecipientToken(ctx context.Context, hash string, at time.Time) error {
	return t.write(ctx, `UPDATE recipient_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL`, func(n int64, err error) error {
		if err != nil {
			return fmt.Errorf("use recipient token: %w", err)
		}
		if n == 0 {
			return esign.Errorf(esign.KindConflict, esign.CodeLinkGone, "the recipient token is unknown or already used")
		}
		return nil
	}, micros(at), hash)
}
