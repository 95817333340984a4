package esign

import "context"

// Logout ends a sign-in: every token of the refresh token's family stops
// working, the access tokens issued with it included, so a copy of either
// is useless after the user signs out. A token that is unknown, expired or
// of another kind is not an error: there is nothing left to end.
func (s *Service) Logout(ctx context.Context, refreshToken string) error {
	if !SecretHasPrefix(refreshToken, SecretRefresh) {
		return nil
	}
	return s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		t, err := tx.AuthTokenByHash(ctx, HashSecret(refreshToken))
		if IsKind(err, KindNotFound) {
			return nil
		}
		if err != nil || t.Kind != TokenRefresh {
			return err
		}
		return tx.RevokeTokenFamily(ctx, t.FamilyID, tx.Now())
	})
}
