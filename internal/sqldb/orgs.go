package sqldb

import (
	"context"
	"fmt"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// LockOrganization reads the organization and locks its row until the
// transaction ends (SELECT … FOR UPDATE on PostgreSQL; on SQLite the write
// transaction is the lock).
func (t *tx) LockOrganization(ctx context.Context, id string) (*esign.Organization, error) {
	return getOne(ctx, t, "organization", scanOrg, `SELECT `+orgCols+` FROM organizations WHERE id = ?`+t.lockRows(), id)
}

// UpdateOrganization writes the organization's name.
func (t *tx) UpdateOrganization(ctx context.Context, o *esign.Organization) error {
	return t.updateOne(ctx, "organization", o.ID, `UPDATE organizations SET name = ? WHERE id = ?`, o.Name, o.ID)
}

// UsersByOrg returns the organization's users in creation order.
func (t *tx) UsersByOrg(ctx context.Context, orgID string) ([]*esign.User, error) {
	return getAll(ctx, t, "users", scanUser, `SELECT `+userCols+` FROM users WHERE org_id = ? ORDER BY created_at, id`, orgID)
}

// UpdateUser writes the user's name, role, password hash and removal.
func (t *tx) UpdateUser(ctx context.Context, u *esign.User) error {
	return t.updateOne(ctx, "user", u.ID, `UPDATE users SET name = ?, role = ?, password_hash = ?, removed_at = ? WHERE id = ?`,
		u.Name, u.Role, u.PasswordHash, nullMicros(u.RemovedAt), u.ID)
}

// RevokeUserCredentials revokes the user's unrevoked tokens and API keys.
func (t *tx) RevokeUserCredentials(ctx context.Context, userID string, at time.Time) error {
	for _, q := range []string{
		`UPDATE auth_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`,
		`UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`,
	} {
		if _, err := t.exec(ctx, q, micros(at), userID); err != nil {
			return fmt.Errorf("revoke credentials of %s: %w", userID, err)
		}
	}
	return nil
}

// TransferEnvelopes moves the organization's envelopes owned by from to to.
func (t *tx) TransferEnvelopes(ctx context.Context, orgID, from, to string) (int64, error) {
	n, err := t.changed(ctx, `UPDATE envelopes SET owner_id = ? WHERE org_id = ? AND owner_id = ?`, to, orgID, from)
	if err != nil {
		return 0, fmt.Errorf("transfer envelopes of %s: %w", from, err)
	}
	return n, nil
}

// APIKeysByOrg lists the organization's keys (of one user when set), newest first.
func (t *tx) APIKeysByOrg(ctx context.Context, orgID, userID string) ([]*esign.APIKey, error) {
	q, args := `SELECT `+apiKeyCols+` FROM api_keys WHERE org_id = ?`, []any{orgID}
	if userID != "" {
		q, args = q+` AND user_id = ?`, append(args, userID)
	}
	return getAll(ctx, t, "API keys", scanAPIKey, q+` ORDER BY created_at DESC, id DESC`, args...)
}

// APIKeyByID returns the key with the id, revoked or not.
func (t *tx) APIKeyByID(ctx context.Context, id string) (*esign.APIKey, error) {
	return getOne(ctx, t, "API key", scanAPIKey, `SELECT `+apiKeyCols+` FROM api_keys WHERE id = ?`, id)
}

// RevokeAPIKey revokes the key unless it already is, and reports whether it did.
func (t *tx) RevokeAPIKey(ctx context.Context, id string, at time.Time) (bool, error) {
	n, err := t.changed(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, micros(at), id)
	if err != nil {
		return false, fmt.Errorf("revoke API key %s: %w", id, err)
	}
	return n > 0, nil
}

const orgAuditCols = `id, org_id, actor_id, actor_email, action, target_type, target_id, detail, created_at`

func scanOrgAudit(s rowScanner) (*esign.OrgAuditEntry, error) {
	e := &esign.OrgAuditEntry{}
	return e, s.Scan(&e.ID, &e.OrgID, &e.ActorID, &e.ActorEmail, &e.Action, &e.TargetType, &e.TargetID, &e.Detail, timeCol{&e.CreatedAt})
}

// AppendOrgAudit inserts e.
func (t *tx) AppendOrgAudit(ctx context.Context, e *esign.OrgAuditEntry) error {
	return t.insert(ctx, "organization audit entry", insertSQL("org_audit", orgAuditCols),
		e.ID, e.OrgID, e.ActorID, e.ActorEmail, e.Action, e.TargetType, e.TargetID, e.Detail, micros(e.CreatedAt))
}

// OrgAudit returns f's page of the organization's audit log, newest first.
func (t *tx) OrgAudit(ctx context.Context, f esign.OrgAuditFilter) ([]*esign.OrgAuditEntry, error) {
	q, args := `SELECT `+orgAuditCols+` FROM org_audit WHERE org_id = ?`, []any{f.OrgID}
	if !f.BeforeCreatedAt.IsZero() {
		q, args = q+` AND (created_at, id) < (?, ?)`, append(args, micros(f.BeforeCreatedAt), f.BeforeID)
	}
	q += ` ORDER BY created_at DESC, id DESC`
	if f.Limit > 0 {
		q, args = q+` LIMIT ?`, append(args, f.Limit)
	}
	return getAll(ctx, t, "organization audit", scanOrgAudit, q, args...)
}
