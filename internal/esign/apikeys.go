package esign

import "context"

// APIKeys lists the caller's own API keys, or with all every key of the
// organization (PermAPIKeysAll), newest first.
func (s *Service) APIKeys(ctx context.Context, p *Principal, all bool) ([]*APIKey, error) {
	if err := p.Require(PermAPIKeysOwn); err != nil {
		return nil, err
	}
	userID := p.UserID
	if all {
		if err := p.Require(PermAPIKeysAll); err != nil {
			return nil, err
		}
		userID = ""
	}
	var keys []*APIKey
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) (err error) {
		keys, err = tx.APIKeysByOrg(ctx, p.OrgID, userID)
		return err
	})
	return keys, err
}

// RevokeAPIKey revokes one of the caller's keys, or with PermAPIKeysAll any
// key of the organization. Another's key the caller may not revoke, like
// another organization's, is not found; revoking twice is a no-op.
func (s *Service) RevokeAPIKey(ctx context.Context, p *Principal, id string) (*APIKey, error) {
	if err := p.Require(PermAPIKeysOwn); err != nil {
		return nil, err
	}
	var k *APIKey
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		k, err = tx.APIKeyByID(ctx, id)
		if IsKind(err, KindNotFound) || (err == nil && (k.OrgID != p.OrgID || (k.UserID != p.UserID && !p.Can(PermAPIKeysAll)))) {
			return NotFound("API key")
		}
		if err != nil || k.RevokedAt != nil {
			return err
		}
		now := tx.Now()
		if _, err := tx.RevokeAPIKey(ctx, k.ID, now); err != nil {
			return err
		}
		k.RevokedAt = &now
		return orgAudit(ctx, tx, p, "api_key.revoked", "api_key", k.ID, k.Name)
	})
	return k, err
}
