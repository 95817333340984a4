package sqldb

import (
	"context"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// testCredentials: an access token or API key comes back with its user
// and the user's teams in id order (none, or several), as the three reads
// it stands for would give them; an unknown hash, or another kind's, is
// not found.
func testCredentials(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	tok := &esign.AuthToken{Hash: "th1", Kind: esign.TokenAccess, UserID: w.User.ID, OrgID: w.Org.ID, FamilyID: "fam_1",
		ExpiresAt: t0.Add(15 * time.Minute), CreatedAt: t0}
	key := &esign.APIKey{ID: "key_c", OrgID: w.Org.ID, UserID: w.User.ID, Name: "CI", Prefix: "gsk_cred", Hash: "kh_c", CreatedAt: t0, RevokedAt: &t0}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		if err := tx.CreateAuthToken(ctx, tok); err != nil {
			return err
		}
		return tx.CreateAPIKey(ctx, key)
	})
	check := func(name string, want []string) {
		t.Run(name, func(t *testing.T) {
			view(t, db, func(ctx context.Context, tx esign.Tx) error {
				c, err := tx.AuthTokenCredential(ctx, "th1")
				if err != nil {
					return err
				}
				wantEqual(t, c, &esign.Credential{Token: tok, User: w.User, TeamIDs: want})
				if c, err = tx.APIKeyCredential(ctx, "kh_c"); err != nil {
					return err
				}
				wantEqual(t, c, &esign.Credential{APIKey: key, User: w.User, TeamIDs: want})
				return nil
			})
		})
	}
	check("no teams", []string{})
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		for _, id := range []string{"team_b", "team_a"} {
			if err := tx.CreateTeam(ctx, &esign.Team{ID: id, OrgID: w.Org.ID, Name: id, CreatedAt: t0}); err != nil {
				return err
			}
			if _, err := tx.AddTeamMember(ctx, &esign.TeamMember{TeamID: id, UserID: w.User.ID, CreatedAt: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	check("two teams", []string{"team_a", "team_b"})
	for _, c := range []struct {
		name string
		read func(ctx context.Context, tx esign.Tx) error
	}{
		{"unknown token", func(ctx context.Context, tx esign.Tx) error {
			_, err := tx.AuthTokenCredential(ctx, "nope")
			return err
		}},
		{"unknown key", func(ctx context.Context, tx esign.Tx) error { _, err := tx.APIKeyCredential(ctx, "nope"); return err }},
		{"a key's hash as a token's", func(ctx context.Context, tx esign.Tx) error {
			_, err := tx.AuthTokenCredential(ctx, "kh_c")
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			checkErr(t, db.View(context.Background(), c.read), esign.KindNotFound, esign.CodeNotFound)
		})
	}
}
