package esign

import (
	"context"
	"fmt"
	"time"
)

// Team groups members of an organization. An envelope created for a team
// is visible to every member of it (viewers included), not only its owner.
type Team struct {
	ID        string
	OrgID     string
	Name      string
	CreatedAt time.Time
}

// TeamMember is one user's membership of one team.
type TeamMember struct {
	TeamID    string
	UserID    string
	CreatedAt time.Time
}

// Invitation asks someone, by email, to join an organization with a role.
// Its token is stored only as a hash and works once, until ExpiresAt.
type Invitation struct {
	ID        string
	OrgID     string
	Email     string
	Role      string
	TeamIDs   []string // teams the new member joins
	InvitedBy string   // user id
	TokenHash string   // empty until the email minted a token
	CreatedAt time.Time
	ExpiresAt time.Time
	// AcceptedAt and UserID are set when someone accepted; RevokedAt when
	// an admin withdrew it.
	AcceptedAt *time.Time
	UserID     string
	RevokedAt  *time.Time
}

// Pending reports whether the invitation may still be accepted at now.
func (i *Invitation) Pending(now time.Time) bool {
	return i.AcceptedAt == nil && i.RevokedAt == nil && now.Before(i.ExpiresAt)
}

// OrgAuditEntry records one change to an organization's membership, teams,
// settings or API keys: who did what to whom, and when.
type OrgAuditEntry struct {
	ID         string
	OrgID      string
	ActorID    string
	ActorEmail string
	Action     string
	TargetType string // "user", "invitation", "team", "api_key", "organization"
	TargetID   string
	Detail     string // e.g. "member -> admin"
	CreatedAt  time.Time
}

// OrgAuditFilter selects a page of an organization's audit log, newest first.
type OrgAuditFilter struct {
	OrgID           string
	BeforeCreatedAt time.Time
	BeforeID        string
	Limit           int
}

// OrgTx persists what an organization is made of beyond its users' own
// accounts: membership changes, teams, invitations, API keys as the
// organization sees them, and the organization's audit log.
type OrgTx interface {
	// LockOrganization reads the organization and locks its row until the
	// transaction ends, which serializes membership changes (so two owners
	// cannot demote each other at once and leave none).
	LockOrganization(ctx context.Context, id string) (*Organization, error)
	UpdateOrganization(ctx context.Context, o *Organization) error
	// UsersByOrg returns the organization's users, removed ones included,
	// in creation order.
	UsersByOrg(ctx context.Context, orgID string) ([]*User, error)
	// UpdateUser writes the user's name, role, password hash and removed_at.
	UpdateUser(ctx context.Context, u *User) error
	// RevokeUserCredentials revokes every unrevoked access and refresh token
	// and API key of the user.
	RevokeUserCredentials(ctx context.Context, userID string, at time.Time) error
	// TransferEnvelopes gives every envelope of the organization owned by
	// from to to, and reports how many.
	TransferEnvelopes(ctx context.Context, orgID, from, to string) (int64, error)

	// APIKeysByOrg lists the organization's API keys, of one user when
	// userID is set, newest first.
	APIKeysByOrg(ctx context.Context, orgID, userID string) ([]*APIKey, error)
	APIKeyByID(ctx context.Context, id string) (*APIKey, error)
	// RevokeAPIKey sets revoked_at if unset and reports whether it did.
	RevokeAPIKey(ctx context.Context, id string, at time.Time) (bool, error)

	CreateTeam(ctx context.Context, t *Team) error
	TeamByID(ctx context.Context, id string) (*Team, error)
	// TeamsByOrg returns the organization's teams by name.
	TeamsByOrg(ctx context.Context, orgID string) ([]*Team, error)
	UpdateTeam(ctx context.Context, t *Team) error
	// DeleteTeam deletes the team and its memberships, and clears the team
	// of its envelopes, which stay in the organization.
	DeleteTeam(ctx context.Context, id string) error
	// AddTeamMember adds m unless the user is already in the team, and
	// reports whether it did.
	AddTeamMember(ctx context.Context, m *TeamMember) (bool, error)
	// RemoveTeamMember reports whether the user was in the team.
	RemoveTeamMember(ctx context.Context, teamID, userID string) (bool, error)
	// RemoveUserFromTeams removes the user from every team.
	RemoveUserFromTeams(ctx context.Context, userID string) error
	// TeamMembersByOrg returns the memberships of every team of the
	// organization, by team then joining time.
	TeamMembersByOrg(ctx context.Context, orgID string) ([]*TeamMember, error)
	// TeamIDsByUser returns the ids of the teams the user belongs to.
	TeamIDsByUser(ctx context.Context, userID string) ([]string, error)

	CreateInvitation(ctx context.Context, i *Invitation) error
	InvitationByID(ctx context.Context, id string) (*Invitation, error)
	InvitationByTokenHash(ctx context.Context, hash string) (*Invitation, error)
	// UpdateInvitation writes the token hash, expiry, acceptance and
	// revocation.
	UpdateInvitation(ctx context.Context, i *Invitation) error
	// InvitationsByOrg lists the organization's invitations, newest first.
	InvitationsByOrg(ctx context.Context, orgID string) ([]*Invitation, error)

	AppendOrgAudit(ctx context.Context, e *OrgAuditEntry) error
	// OrgAudit returns f's page of the audit log, newest first (created_at,
	// id descending).
	OrgAudit(ctx context.Context, f OrgAuditFilter) ([]*OrgAuditEntry, error)
}

// Identifier prefixes of the organization's records.
const (
	PrefixTeam       = "team"
	PrefixInvitation = "inv"
	PrefixOrgAudit   = "oau"
)

// SecretInvitation prefixes invitation tokens.
const SecretInvitation = "gsi_"

// InvitationTTL is how long an invitation (or its resent email) lasts.
const InvitationTTL = 7 * 24 * time.Hour

// orgAudit appends an entry to the organization's audit log in tx.
func orgAudit(ctx context.Context, tx Tx, p *Principal, action, targetType, targetID, detail string) error {
	now := tx.Now()
	e := &OrgAuditEntry{
		ID: NewID(PrefixOrgAudit, now), OrgID: p.OrgID, ActorID: p.UserID, ActorEmail: p.Email,
		Action: action, TargetType: targetType, TargetID: targetID, Detail: CleanText(detail), CreatedAt: now,
	}
	if err := tx.AppendOrgAudit(ctx, e); err != nil {
		return fmt.Errorf("record %s of %s: %w", action, targetID, err)
	}
	return nil
}

// OrgAuditPage is one page of an organization's audit log.
type OrgAuditPage struct {
	Items      []*OrgAuditEntry
	NextCursor string
}

// OrgAuditLog returns a page of the caller's organization's audit log,
// newest first.
func (s *Service) OrgAuditLog(ctx context.Context, p *Principal, in ListInput) (*OrgAuditPage, error) {
	if err := p.Require(PermOrgAudit); err != nil {
		return nil, err
	}
	f := OrgAuditFilter{OrgID: p.OrgID}
	var err error
	if f.Limit, f.BeforeCreatedAt, f.BeforeID, err = pageParams(in, PrefixOrgAudit); err != nil {
		return nil, err
	}
	page := &OrgAuditPage{}
	err = s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		f.Limit++ // one more tells whether there is a next page
		items, err := tx.OrgAudit(ctx, f)
		if err != nil {
			return err
		}
		page.Items, page.NextCursor = trimPage(items, f.Limit, func(e *OrgAuditEntry) (time.Time, string) { return e.CreatedAt, e.ID })
		return nil
	})
	return page, err
}
