package sqldb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

const orgCols = `id, name, created_at`

func scanOrg(s rowScanner) (*esign.Organization, error) {
	o := &esign.Organization{}
	return o, s.Scan(&o.ID, &o.Name, timeCol{&o.CreatedAt})
}

// CreateOrganization inserts o.
func (t *tx) CreateOrganization(ctx context.Context, o *esign.Organization) error {
	return t.insert(ctx, "organization", insertSQL("organizations", orgCols), o.ID, o.Name, micros(o.CreatedAt))
}

// OrganizationByID returns the organization with the id.
func (t *tx) OrganizationByID(ctx context.Context, id string) (*esign.Organization, error) {
	return getOne(ctx, t, "organization", scanOrg, `SELECT `+orgCols+` FROM organizations WHERE id = ?`, id)
}

const userCols = `id, org_id, email, name, role, password_hash, created_at, removed_at`

func scanUser(s rowScanner) (*esign.User, error) {
	u := &esign.User{}
	return u, s.Scan(&u.ID, &u.OrgID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, timeCol{&u.CreatedAt}, nullTimeCol{&u.RemovedAt})
}

// normEmail is the form in which emails are compared. Lowercasing happens
// here rather than in SQL so that every engine folds case the same way.
func normEmail(email string) string { return strings.ToLower(email) }

// CreateUser inserts u; its email is unique whatever its case.
func (t *tx) CreateUser(ctx context.Context, u *esign.User) error {
	const q = `INSERT INTO users (` + userCols + `, email_norm) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err := t.exec(ctx, q, u.ID, u.OrgID, u.Email, u.Name, u.Role, u.PasswordHash, micros(u.CreatedAt), nullMicros(u.RemovedAt), normEmail(u.Email))
	switch t.d.conflictOf(err) {
	case conflictUnique: // email_norm is the only UNIQUE column besides the key
		return esign.Errorf(esign.KindConflict, esign.CodeEmailTaken, "an account with this email already exists")
	case conflictPrimaryKey:
		return esign.Errorf(esign.KindConflict, codeExists, "user already exists")
	}
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

// UserByID returns the user with the id.
func (t *tx) UserByID(ctx context.Context, id string) (*esign.User, error) {
	return getOne(ctx, t, "user", scanUser, `SELECT `+userCols+` FROM users WHERE id = ?`, id)
}

// UserByEmail returns the user with the email, whatever its case.
func (t *tx) UserByEmail(ctx context.Context, email string) (*esign.User, error) {
	return getOne(ctx, t, "user", scanUser, `SELECT `+userCols+` FROM users WHERE email_norm = ?`, normEmail(email))
}

const authTokenCols = `hash, kind, user_id, org_id, family_id, expires_at, revoked_at, created_at`

func scanAuthToken(s rowScanner) (*esign.AuthToken, error) {
	k := &esign.AuthToken{}
	return k, s.Scan(&k.Hash, &k.Kind, &k.UserID, &k.OrgID, &k.FamilyID,
		timeCol{&k.ExpiresAt}, nullTimeCol{&k.RevokedAt}, timeCol{&k.CreatedAt})
}

// CreateAuthToken inserts k.
func (t *tx) CreateAuthToken(ctx context.Context, k *esign.AuthToken) error {
	return t.insert(ctx, "auth token", insertSQL("auth_tokens", authTokenCols),
		k.Hash, string(k.Kind), k.UserID, k.OrgID, k.FamilyID,
		micros(k.ExpiresAt), nullMicros(k.RevokedAt), micros(k.CreatedAt))
}

// AuthTokenByHash returns the token with the hash.
func (t *tx) AuthTokenByHash(ctx context.Context, hash string) (*esign.AuthToken, error) {
	return getOne(ctx, t, "auth token", scanAuthToken, `SELECT `+authTokenCols+` FROM auth_tokens WHERE hash = ?`, hash)
}

// RevokeAuthToken revokes the token unless it already is, and reports
// whether it did; the condition is in the UPDATE so two racing refreshes
// cannot both win.
func (t *tx) RevokeAuthToken(ctx context.Context, hash string, at time.Time) (bool, error) {
	n, err := t.changed(ctx, `UPDATE auth_tokens SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL`, micros(at), hash)
	if err != nil {
		return false, fmt.Errorf("revoke auth token: %w", err)
	}
	return n > 0, nil
}

// RevokeTokenFamily revokes every unrevoked token of the family, and its session.
func (t *tx) RevokeTokenFamily(ctx context.Context, familyID string, at time.Time) error {
	_, err := t.exec(ctx, `UPDATE auth_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL`, micros(at), familyID)
	if err != nil {
		return fmt.Errorf("revoke token family %s: %w", familyID, err)
	}
	_, err = t.exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, micros(at), familyID)
	if err != nil {
		return fmt.Errorf("revoke session %s: %w", familyID, err)
	}
	return nil
}

const apiKeyCols = `id, org_id, user_id, name, prefix, hash, created_at, revoked_at, last_used_at`

func scanAPIKey(s rowScanner) (*esign.APIKey, error) {
	k := &esign.APIKey{}
	return k, s.Scan(&k.ID, &k.OrgID, &k.UserID, &k.Name, &k.Prefix, &k.Hash,
		timeCol{&k.CreatedAt}, nullTimeCol{&k.RevokedAt}, nullTimeCol{&k.LastUsedAt})
}

// CreateAPIKey inserts k.
func (t *tx) CreateAPIKey(ctx context.Context, k *esign.APIKey) error {
	return t.insert(ctx, "API key", insertSQL("api_keys", apiKeyCols),
		k.ID, k.OrgID, k.UserID, k.Name, k.Prefix, k.Hash,
		micros(k.CreatedAt), nullMicros(k.RevokedAt), nullMicros(k.LastUsedAt))
}

// APIKeyByHash returns the key with the hash, revoked or not.
func (t *tx) APIKeyByHash(ctx context.Context, hash string) (*esign.APIKey, error) {
	return getOne(ctx, t, "API key", scanAPIKey, `SELECT `+apiKeyCols+` FROM api_keys WHERE hash = ?`, hash)
}

// TouchAPIKey records that the key was used at at.
func (t *tx) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	return t.updateOne(ctx, "API key", id, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, micros(at), id)
}
