package sqldb

import (
	"context"
	"fmt"

	"github.com/gsign/gsign/internal/esign"
)

const invitationCols = `id, org_id, email, role, team_ids, invited_by, token_hash, created_at, expires_at, accepted_at, user_id, revoked_at`

func scanInvitation(s rowScanner) (*esign.Invitation, error) {
	i := &esign.Invitation{}
	return i, s.Scan(&i.ID, &i.OrgID, &i.Email, &i.Role, jsonCol{&i.TeamIDs}, &i.InvitedBy, nullStringCol{&i.TokenHash},
		timeCol{&i.CreatedAt}, timeCol{&i.ExpiresAt}, nullTimeCol{&i.AcceptedAt}, &i.UserID, nullTimeCol{&i.RevokedAt})
}

// CreateInvitation inserts i.
func (t *tx) CreateInvitation(ctx context.Context, i *esign.Invitation) error {
	teams, err := jsonText(nonNilIDs(i.TeamIDs))
	if err != nil {
		return fmt.Errorf("create invitation: %w", err)
	}
	return t.insert(ctx, "invitation", insertSQL("invitations", invitationCols),
		i.ID, i.OrgID, i.Email, i.Role, teams, i.InvitedBy, nullString(i.TokenHash),
		micros(i.CreatedAt), micros(i.ExpiresAt), nullMicros(i.AcceptedAt), i.UserID, nullMicros(i.RevokedAt))
}

func nonNilIDs(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// InvitationByID returns the invitation with the id.
func (t *tx) InvitationByID(ctx context.Context, id string) (*esign.Invitation, error) {
	return getOne(ctx, t, "invitation", scanInvitation, `SELECT `+invitationCols+` FROM invitations WHERE id = ?`, id)
}

// InvitationByTokenHash returns the invitation whose current token has the hash.
func (t *tx) InvitationByTokenHash(ctx context.Context, hash string) (*esign.Invitation, error) {
	return getOne(ctx, t, "invitation", scanInvitation, `SELECT `+invitationCols+` FROM invitations WHERE token_hash = ?`, hash)
}

// UpdateInvitation writes the token hash, expiry, acceptance and revocation.
func (t *tx) UpdateInvitation(ctx context.Context, i *esign.Invitation) error {
	return t.updateOne(ctx, "invitation", i.ID,
		`UPDATE invitations SET token_hash = ?, expires_at = ?, accepted_at = ?, user_id = ?, revoked_at = ? WHERE id = ?`,
		nullString(i.TokenHash), micros(i.ExpiresAt), nullMicros(i.AcceptedAt), i.UserID, nullMicros(i.RevokedAt), i.ID)
}

// InvitationsByOrg lists the organization's invitations, newest first.
func (t *tx) InvitationsByOrg(ctx context.Context, orgID string) ([]*esign.Invitation, error) {
	return getAll(ctx, t, "invitations", scanInvitation,
		`SELECT `+invitationCols+` FROM invitations WHERE org_id = ? ORDER BY created_at DESC, id DESC`, orgID)
}
