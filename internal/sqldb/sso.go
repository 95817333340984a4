package sqldb

import (
	"context"
	"fmt"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

const ssoConfigCols = `org_id, issuer, client_id, client_secret, default_role, enforce, created_at, updated_at`

func scanSSOConfig(s rowScanner) (*esign.SSOConfig, error) {
	c := &esign.SSOConfig{}
	return c, s.Scan(&c.OrgID, &c.Issuer, &c.ClientID, &c.ClientSecret, &c.DefaultRole, &c.Enforce, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
}

// SSOConfigByOrg returns the organization's SSO configuration.
func (t *tx) SSOConfigByOrg(ctx context.Context, orgID string) (*esign.SSOConfig, error) {
	return getOne(ctx, t, "SSO configuration", scanSSOConfig, `SELECT `+ssoConfigCols+` FROM sso_configs WHERE org_id = ?`, orgID)
}

// SaveSSOConfig inserts or replaces the organization's SSO configuration.
func (t *tx) SaveSSOConfig(ctx context.Context, c *esign.SSOConfig) error {
	const q = `INSERT INTO sso_configs (` + ssoConfigCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET issuer = excluded.issuer, client_id = excluded.client_id,
		client_secret = excluded.client_secret, default_role = excluded.default_role, enforce = excluded.enforce,
		updated_at = excluded.updated_at`
	return t.insert(ctx, "SSO configuration", q, c.OrgID, c.Issuer, c.ClientID, c.ClientSecret, c.DefaultRole, c.Enforce,
		micros(c.CreatedAt), micros(c.UpdatedAt))
}

// DeleteSSO deletes the organization's SSO configuration and everything
// that hangs on it.
func (t *tx) DeleteSSO(ctx context.Context, orgID string) error {
	for _, table := range []string{"sso_identities", "sso_states", "sso_domains"} {
		if _, err := t.exec(ctx, `DELETE FROM `+table+` WHERE org_id = ?`, orgID); err != nil {
			return fmt.Errorf("delete SSO of %s: %w", orgID, err)
		}
	}
	return t.updateOne(ctx, "SSO configuration", orgID, `DELETE FROM sso_configs WHERE org_id = ?`, orgID)
}

const ssoDomainCols = `domain, org_id, token, verified_at, created_at`

func scanSSODomain(s rowScanner) (*esign.SSODomain, error) {
	d := &esign.SSODomain{}
	return d, s.Scan(&d.Domain, &d.OrgID, &d.Token, nullTimeCol{&d.VerifiedAt}, timeCol{&d.CreatedAt})
}

// SSODomainsByOrg returns the organization's claims in name order.
func (t *tx) SSODomainsByOrg(ctx context.Context, orgID string) ([]*esign.SSODomain, error) {
	return getAll(ctx, t, "SSO domains", scanSSODomain, `SELECT `+ssoDomainCols+` FROM sso_domains WHERE org_id = ? ORDER BY domain`, orgID)
}

// SSODomainClaim returns the organization's claim on the domain.
func (t *tx) SSODomainClaim(ctx context.Context, orgID, domain string) (*esign.SSODomain, error) {
	return getOne(ctx, t, "SSO domain", scanSSODomain, `SELECT `+ssoDomainCols+` FROM sso_domains WHERE domain = ? AND org_id = ?`, domain, orgID)
}

// VerifiedSSODomain returns the domain's verified claim; the partial
// unique index sso_domains_verified makes it one at most.
func (t *tx) VerifiedSSODomain(ctx context.Context, domain string) (*esign.SSODomain, error) {
	return getOne(ctx, t, "SSO domain", scanSSODomain,
		`SELECT `+ssoDomainCols+` FROM sso_domains WHERE domain = ? AND verified_at IS NOT NULL`, domain)
}

// CreateSSODomain inserts the claim. The key is (domain, org_id): other
// organizations' claims on the domain are no conflict, a second claim by
// the same one is.
func (t *tx) CreateSSODomain(ctx context.Context, d *esign.SSODomain) error {
	_, err := t.exec(ctx, insertSQL("sso_domains", ssoDomainCols), d.Domain, d.OrgID, d.Token, nullMicros(d.VerifiedAt), micros(d.CreatedAt))
	switch t.d.conflictOf(err) {
	case conflictPrimaryKey:
		return esign.Errorf(esign.KindConflict, codeExists, "the organization claims %s already", d.Domain)
	case conflictUnique: // inserted verified, and another claim is
		return esign.SSODomainTaken(d.Domain)
	}
	if err != nil {
		return fmt.Errorf("create SSO domain: %w", err)
	}
	return nil
}

// DeleteSSODomain releases the organization's claim on the domain.
func (t *tx) DeleteSSODomain(ctx context.Context, orgID, domain string) error {
	return t.updateOne(ctx, "SSO domain", domain, `DELETE FROM sso_domains WHERE domain = ? AND org_id = ?`, domain, orgID)
}

// MarkSSODomainVerified sets the claim's verified_at. The partial unique
// index on verified claims refuses a second one, also against a
// transaction not yet committed (PostgreSQL waits for it, and fails this
// one if it commits; SQLite's single writer runs them in turn).
func (t *tx) MarkSSODomainVerified(ctx context.Context, orgID, domain string, at time.Time) error {
	err := t.updateOne(ctx, "SSO domain", domain, `UPDATE sso_domains SET verified_at = ? WHERE domain = ? AND org_id = ?`,
		micros(at), domain, orgID)
	if t.d.conflictOf(err) == conflictUnique {
		return esign.SSODomainTaken(domain)
	}
	return err
}

const ssoStateCols = `hash, org_id, nonce, verifier, browser_hash, expires_at, used_at, created_at`

func scanSSOState(s rowScanner) (*esign.SSOState, error) {
	st := &esign.SSOState{}
	return st, s.Scan(&st.Hash, &st.OrgID, &st.Nonce, &st.Verifier, &st.BrowserHash, timeCol{&st.ExpiresAt},
		nullTimeCol{&st.UsedAt}, timeCol{&st.CreatedAt})
}

// CreateSSOState inserts st.
func (t *tx) CreateSSOState(ctx context.Context, st *esign.SSOState) error {
	return t.insert(ctx, "SSO state", insertSQL("sso_states", ssoStateCols), st.Hash, st.OrgID, st.Nonce, st.Verifier,
		st.BrowserHash, micros(st.ExpiresAt), nullMicros(st.UsedAt), micros(st.CreatedAt))
}

// SSOStateByHash returns the state with the hash, locking it where the
// engine has row locks.
func (t *tx) SSOStateByHash(ctx context.Context, hash string) (*esign.SSOState, error) {
	return getOne(ctx, t, "SSO state", scanSSOState, `SELECT `+ssoStateCols+` FROM sso_states WHERE hash = ?`+t.lockRows(), hash)
}

// UseSSOState sets used_at if it is unset and reports whether it did.
func (t *tx) UseSSOState(ctx context.Context, hash string, at time.Time) (bool, error) {
	n, err := t.changed(ctx, `UPDATE sso_states SET used_at = ? WHERE hash = ? AND used_at IS NULL`, micros(at), hash)
	return n == 1, err
}

// PurgeSSOStates deletes the states that expired before at.
func (t *tx) PurgeSSOStates(ctx context.Context, at time.Time) (int64, error) {
	return t.changed(ctx, `DELETE FROM sso_states WHERE expires_at < ?`, micros(at))
}

const ssoIdentityCols = `issuer, subject, user_id, org_id, email, created_at, last_login_at`

func scanSSOIdentity(s rowScanner) (*esign.SSOIdentity, error) {
	id := &esign.SSOIdentity{}
	return id, s.Scan(&id.Issuer, &id.Subject, &id.UserID, &id.OrgID, &id.Email, timeCol{&id.CreatedAt}, timeCol{&id.LastLoginAt})
}

// SSOIdentityBySubject returns the link of (issuer, subject).
func (t *tx) SSOIdentityBySubject(ctx context.Context, issuer, subject string) (*esign.SSOIdentity, error) {
	return getOne(ctx, t, "SSO identity", scanSSOIdentity,
		`SELECT `+ssoIdentityCols+` FROM sso_identities WHERE issuer = ? AND subject = ?`, issuer, subject)
}

// SSOIdentitiesByUser returns the user's links, oldest first.
func (t *tx) SSOIdentitiesByUser(ctx context.Context, userID string) ([]*esign.SSOIdentity, error) {
	return getAll(ctx, t, "SSO identities", scanSSOIdentity,
		`SELECT `+ssoIdentityCols+` FROM sso_identities WHERE user_id = ? ORDER BY created_at, issuer, subject`, userID)
}

// CreateSSOIdentity inserts the link.
func (t *tx) CreateSSOIdentity(ctx context.Context, id *esign.SSOIdentity) error {
	return t.insert(ctx, "SSO identity", insertSQL("sso_identities", ssoIdentityCols), id.Issuer, id.Subject, id.UserID,
		id.OrgID, id.Email, micros(id.CreatedAt), micros(id.LastLoginAt))
}

// TouchSSOIdentity sets last_login_at.
func (t *tx) TouchSSOIdentity(ctx context.Context, issuer, subject string, at time.Time) error {
	return t.updateOne(ctx, "SSO identity", issuer+" "+subject,
		`UPDATE sso_identities SET last_login_at = ? WHERE issuer = ? AND subject = ?`, micros(at), issuer, subject)
}
