package sqldb

import (
	"context"
	"database/sql"

	"github.com/gsign/gsign/internal/esign"
)

// Every authenticated request resolves its bearer credential, so the
// credential, its user and the user's teams are read with one statement
// (a join, one row per team) instead of three.

// AuthTokenCredential returns the auth token with the hash, its user and the
// user's teams.
func (t *tx) AuthTokenCredential(ctx context.Context, hash string) (*esign.Credential, error) {
	c := &esign.Credential{}
	err := t.credential(ctx, "auth token", "auth_tokens", authTokenCols, hash, func(d *destinations) {
		c.Token, _ = scanAuthToken(d)
	}, c)
	return c, err
}

// APIKeyCredential returns the API key with the hash, revoked or not, its
// user and the user's teams.
func (t *tx) APIKeyCredential(ctx context.Context, hash string) (*esign.Credential, error) {
	c := &esign.Credential{}
	err := t.credential(ctx, "API key", "api_keys", apiKeyCols, hash, func(d *destinations) {
		c.APIKey, _ = scanAPIKey(d)
	}, c)
	return c, err
}

// credential reads the row of table (columns cols) with the hash into what
// scanCred sets, and its user and teams into c; NotFound(what) if there is
// no such row or user.
func (t *tx) credential(ctx context.Context, what, table, cols, hash string, scanCred func(*destinations), c *esign.Credential) error {
	q := `SELECT ` + qualified("k", cols) + `, ` + qualified("u", userCols) + `, tm.team_id
		FROM ` + table + ` k JOIN users u ON u.id = k.user_id LEFT JOIN team_members tm ON tm.user_id = u.id
		WHERE k.hash = ? ORDER BY tm.team_id`
	c.TeamIDs = []string{}
	err := t.joinedRows(ctx, what, q, []any{hash}, func(d *destinations) func() {
		scanCred(d)
		u, _ := scanUser(d)
		team := &sql.NullString{}
		*d = append(*d, team)
		return func() {
			if c.User = u; team.Valid {
				c.TeamIDs = append(c.TeamIDs, team.String)
			}
		}
	})
	if err != nil {
		return err
	}
	if c.User == nil {
		return esign.NotFound(what)
	}
	return nil
}
