package sqldb

import (
	"context"
	"fmt"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

const sessionCols = `id, user_id, org_id, ip, user_agent, created_at, last_used_at, expires_at, revoked_at`

func scanSession(s rowScanner) (*esign.Session, error) {
	ss := &esign.Session{}
	return ss, s.Scan(&ss.ID, &ss.UserID, &ss.OrgID, &ss.IP, &ss.UserAgent,
		timeCol{&ss.CreatedAt}, timeCol{&ss.LastUsedAt}, timeCol{&ss.ExpiresAt}, nullTimeCol{&ss.RevokedAt})
}

// CreateSession inserts s.
func (t *tx) CreateSession(ctx context.Context, s *esign.Session) error {
	return t.insert(ctx, "session", insertSQL("sessions", sessionCols), s.ID, s.UserID, s.OrgID, s.IP, s.UserAgent,
		micros(s.CreatedAt), micros(s.LastUsedAt), micros(s.ExpiresAt), nullMicros(s.RevokedAt))
}

// SessionByID returns the session with the id.
func (t *tx) SessionByID(ctx context.Context, id string) (*esign.Session, error) {
	return getOne(ctx, t, "session", scanSession, `SELECT `+sessionCols+` FROM sessions WHERE id = ?`, id)
}

// TouchSession records a refresh. A family issued before sessions were
// recorded has no row, and stays without one.
func (t *tx) TouchSession(ctx context.Context, id string, at, expires time.Time) error {
	if _, err := t.exec(ctx, `UPDATE sessions SET last_used_at = ?, expires_at = ? WHERE id = ?`, micros(at), micros(expires), id); err != nil {
		return fmt.Errorf("touch session %s: %w", id, err)
	}
	return nil
}

// SessionsByUser lists the user's live sessions, newest first.
func (t *tx) SessionsByUser(ctx context.Context, userID string, now time.Time) ([]*esign.Session, error) {
	return getAll(ctx, t, "sessions", scanSession, `SELECT `+sessionCols+` FROM sessions
WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at DESC, id DESC`, userID, micros(now))
}

// RevokeUserTokens revokes the user's tokens and sessions but except's.
func (t *tx) RevokeUserTokens(ctx context.Context, userID, except string, at time.Time) (int64, error) {
	_, err := t.exec(ctx, `UPDATE auth_tokens SET revoked_at = ? WHERE user_id = ? AND family_id <> ? AND revoked_at IS NULL`, micros(at), userID, except)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens of %s: %w", userID, err)
	}
	n, err := t.changed(ctx, `UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND id <> ? AND revoked_at IS NULL AND expires_at > ?`, micros(at), userID, except, micros(at))
	if err != nil {
		return 0, fmt.Errorf("revoke sessions of %s: %w", userID, err)
	}
	return n, nil
}
