package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

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

// joinedRows runs q, a join, and for each row has row gather the
// destinations of the row's columns (the scan functions of its tables, in
// column order, into d), scans the row into them and calls what row
// returned, to keep what was scanned.
func (t *tx) joinedRows(ctx context.Context, what, q string, args []any, row func(d *destinations) func()) error {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		var d destinations
		keep := row(&d)
		if err := rows.Scan(d...); err != nil {
			return fmt.Errorf("read %s: %w", what, err)
		}
		keep()
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	return nil
}

// destinations gathers what scan functions would scan into, so that the
// columns of several tables' scan functions can be read from one row.
type destinations []any

// Scan records dest; it reads nothing.
func (d *destinations) Scan(dest ...any) error {
	*d = append(*d, dest...)
	return nil
}

// qualified prefixes each column of the comma-separated list cols with
// alias, for a join.
func qualified(alias, cols string) string {
	names := strings.Split(cols, ",")
	for i, n := range names {
		names[i] = alias + "." + strings.TrimSpace(n)
	}
	return strings.Join(names, ", ")
}
