package esign

import "context"

// ListSessions returns the caller's live sessions, newest first.
func (s *Service) ListSessions(ctx context.Context, p *Principal) ([]*Session, error) {
	var out []*Session
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		out, err = tx.SessionsByUser(ctx, p.UserID, tx.Now())
		return err
	})
	return out, err
}

// RevokeSession ends one of the caller's sessions: its refresh and access
// tokens stop working at once. Another user's session is not found.
func (s *Service) RevokeSession(ctx context.Context, p *Principal, id string) error {
	return s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		ss, err := tx.SessionByID(ctx, id)
		if err != nil {
			return err
		}
		if ss.UserID != p.UserID || ss.RevokedAt != nil {
			return NotFound("session")
		}
		return tx.RevokeTokenFamily(ctx, id, tx.Now())
	})
}

// RevokeOtherSessions ends every session of the caller but the current one
// (all of them for an API key, which has none) and reports how many.
func (s *Service) RevokeOtherSessions(ctx context.Context, p *Principal) (int64, error) {
	var n int64
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		n, err = tx.RevokeUserTokens(ctx, p.UserID, p.SessionID, tx.Now())
		return err
	})
	return n, err
}
