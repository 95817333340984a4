package sqldb

import (
	"context"
	"fmt"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

const challengeCols = `id, envelope_id, recipient_id, method, secret_hash, destination, attempts, created_at, expires_at, used_at`

func scanChallenge(s rowScanner) (*esign.AuthChallenge, error) {
	c := &esign.AuthChallenge{}
	return c, s.Scan(&c.ID, &c.EnvelopeID, &c.RecipientID, &c.Method, &c.SecretHash, &c.Destination, &c.Attempts,
		timeCol{&c.CreatedAt}, timeCol{&c.ExpiresAt}, nullTimeCol{&c.UsedAt})
}

// CreateAuthChallenge inserts c.
func (t *tx) CreateAuthChallenge(ctx context.Context, c *esign.AuthChallenge) error {
	return t.insert(ctx, "auth challenge", insertSQL("recipient_auth_challenges", challengeCols),
		c.ID, c.EnvelopeID, c.RecipientID, c.Method, c.SecretHash, c.Destination, c.Attempts,
		micros(c.CreatedAt), micros(c.ExpiresAt), nullMicros(c.UsedAt))
}

// AuthChallengeByID returns the challenge with the id.
func (t *tx) AuthChallengeByID(ctx context.Context, id string) (*esign.AuthChallenge, error) {
	const q = `SELECT ` + challengeCols + ` FROM recipient_auth_challenges WHERE id = ?`
	return getOne(ctx, t, "auth challenge", scanChallenge, q, id)
}

// AuthChallenges lists the recipient's challenges created at or after
// since, newest first.
func (t *tx) AuthChallenges(ctx context.Context, recipientID string, since time.Time) ([]*esign.AuthChallenge, error) {
	const q = `SELECT ` + challengeCols + ` FROM recipient_auth_challenges
		WHERE recipient_id = ? AND created_at >= ? ORDER BY created_at DESC, id DESC`
	return getAll(ctx, t, "auth challenges", scanChallenge, q, recipientID, micros(since))
}

// UpdateAuthChallenge writes attempts and used_at.
func (t *tx) UpdateAuthChallenge(ctx context.Context, c *esign.AuthChallenge) error {
	const q = `UPDATE recipient_auth_challenges SET attempts = ?, used_at = ? WHERE id = ?`
	return t.updateOne(ctx, "auth challenge", c.ID, q, c.Attempts, nullMicros(c.UsedAt), c.ID)
}

const proofCols = `hash, envelope_id, recipient_id, token_hash, method, detail, challenge_id, verified_at, expires_at, created_at`

func scanProof(s rowScanner) (*esign.AuthProof, error) {
	p := &esign.AuthProof{}
	return p, s.Scan(&p.Hash, &p.EnvelopeID, &p.RecipientID, &p.TokenHash, &p.Method, &p.Detail, &p.ChallengeID,
		nullTimeCol{&p.VerifiedAt}, timeCol{&p.ExpiresAt}, timeCol{&p.CreatedAt})
}

// CreateAuthProof inserts p.
func (t *tx) CreateAuthProof(ctx context.Context, p *esign.AuthProof) error {
	return t.insert(ctx, "auth proof", insertSQL("recipient_auth_proofs", proofCols),
		p.Hash, p.EnvelopeID, p.RecipientID, p.TokenHash, p.Method, p.Detail, p.ChallengeID,
		nullMicros(p.VerifiedAt), micros(p.ExpiresAt), micros(p.CreatedAt))
}

// AuthProofByHash returns the proof with the hash.
func (t *tx) AuthProofByHash(ctx context.Context, hash string) (*esign.AuthProof, error) {
	const q = `SELECT ` + proofCols + ` FROM recipient_auth_proofs WHERE hash = ?`
	return getOne(ctx, t, "auth proof", scanProof, q, hash)
}

// VerifyAuthProofs marks the unverified proofs of the challenge verified.
func (t *tx) VerifyAuthProofs(ctx context.Context, challengeID, detail string, at time.Time) (int64, error) {
	n, err := t.changed(ctx, `UPDATE recipient_auth_proofs SET verified_at = ?, detail = ?
		WHERE challenge_id = ? AND challenge_id <> '' AND verified_at IS NULL`, micros(at), detail, challengeID)
	if err != nil {
		return 0, fmt.Errorf("verify auth proofs: %w", err)
	}
	return n, nil
}
