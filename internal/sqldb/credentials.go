package sqldb

import (
	"context"
	"database/sql"

	"github.com/gsign/gsign/internal/esign"
)

// Every authenticated request resolves its bearer credential, so the
// credential, its user and the user's teams are read with one statement
// (a join, one row per team) instead of three.

// credentialSQL reads the credential of table (its columns cols) with the
// hash, its user and the user's teams.
func credentialSQL(table, cols string) string {
	return `SELECT ` + qualified("k", cols) + `, ` + qualified("u", userCols) + `, tm.team_id
		FROM ` + table + ` k JOIN users u ON u.id = k.user_id LEFT JOIN team_members tm ON tm.user_id = u.id
		WHERE k.hash = ? ORDER BY tm.team_id`
}

// What AuthTokenCredential and APIKeyCredential run, written once.
var (
	authTokenCredentialSQL = credentialSQL("auth_tokens", authTokenCols)
	apiKeyCredentialSQL    = credentialSQL("api_keys", apiKeyCols)
)

// AuthTokenCredential returns the auth token with the hash, its user and the
// user's teams.
func (t *tx) AuthTokenCredential(ctx context.Context, hash string) (*esign.Credential, error) {
	c := &esign.Credential{}
	return c, t.credential(ctx, "auth token", authTokenCredentialSQL, hash, c, func(d *destinations) { c.Token, _ = scanAuthToken(d) })
}

// APIKeyCredential returns the API key with the hash, revoked or not, its
// user and the user's teams.
func (t *tx) APIKeyCredential(ctx context.Context, hash string) (*esign.Credential, error) {
	c := &esign.Credential{}
	return c, t.credential(ctx, "API key", apiKeyCredentialSQL, hash, c, func(d *destinations) { c.APIKey, _ = scanAPIKey(d) })
}

// credential runs q, a credentialSQL, for the hash: scanCred gathers the
// credential's destinations, and the user and teams go into c.
// NotFound(what) if there is no such credential or user.
func (t *tx) credential(ctx context.Context, what, q, hash string, c *esign.Credential, scanCred func(*destinations)) error {
	c.TeamIDs = []string{}
	head := func(d *destinations) {
		scanCred(d)
		c.User, _ = scanUser(d)
	}
	var team sql.NullString
	found, err := t.joinedRows(ctx, what, q, []any{hash}, head, func(d *destinations) func() {
		*d = append(*d, &team)
		return func() {
			if team.Valid {
				c.TeamIDs = append(c.TeamIDs, team.String)
			}
		}
	})
	if err == nil && !found {
		err = esign.NotFound(what)
	}
	return err
}
