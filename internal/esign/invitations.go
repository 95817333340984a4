package esign

import (
	"context"
	"slices"
	"strconv"
)

// InviteInput asks someone to join the caller's organization.
type InviteInput struct {
	Email   string
	Role    string
	TeamIDs []string
}

// JobInvitationMail sends an invitation's email.
const JobInvitationMail = "invitation_mail"

type invitationPayload struct {
	InvitationID string `json:"invitation_id"`
}

// Invite invites someone by email. Admins invite members and viewers; only
// owners invite owners and admins. An email with an active account is
// refused (409); a removed member of this organization may be invited
// back, and accepting reactivates their account.
func (s *Service) Invite(ctx context.Context, p *Principal, in InviteInput) (*Invitation, error) {
	if err := p.Require(PermMembersManage); err != nil {
		return nil, err
	}
	email, err := normalizeEmail("email", in.Email)
	if err != nil {
		return nil, err
	}
	if !ValidOrgRole(in.Role) {
		return nil, Invalid("role", "must be one of owner, admin, member, viewer")
	}
	if err := checkRoleChange(p, RoleMember, in.Role); err != nil {
		return nil, err
	}
	var inv *Invitation
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if _, err := tx.LockOrganization(ctx, p.OrgID); err != nil {
			return err
		}
		if err := checkInvitable(ctx, tx, p.OrgID, email); err != nil {
			return err
		}
		teams, err := inviteTeams(ctx, tx, p.OrgID, in.TeamIDs)
		if err != nil {
			return err
		}
		now := tx.Now()
		inv = &Invitation{ID: NewID(PrefixInvitation, now), OrgID: p.OrgID, Email: email, Role: in.Role, TeamIDs: teams,
			InvitedBy: p.UserID, CreatedAt: now, ExpiresAt: now.Add(InvitationTTL)}
		if err := tx.CreateInvitation(ctx, inv); err != nil {
			return err
		}
		if err := enqueueInvitationMail(ctx, tx, inv); err != nil {
			return err
		}
		return orgAudit(ctx, tx, p, "member.invited", "invitation", inv.ID, email+" as "+in.Role)
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	return inv, nil
}

// checkInvitable refuses an email that has an active account, an account
// in another organization, or a pending invitation to this one.
func checkInvitable(ctx context.Context, tx Tx, orgID, email string) error {
	u, err := tx.UserByEmail(ctx, email)
	switch {
	case err == nil && u.OrgID == orgID && u.Active():
		return Errorf(KindConflict, CodeAlreadyMember, "%s is already a member of the organization", email)
	case err == nil && u.OrgID != orgID:
		return Errorf(KindConflict, CodeEmailTaken, "%s has an account in another organization; an account belongs to one organization", email)
	case err != nil && !IsKind(err, KindNotFound):
		return err
	}
	invs, err := tx.InvitationsByOrg(ctx, orgID)
	if err != nil {
		return err
	}
	for _, i := range invs {
		if i.Email == email && i.Pending(tx.Now()) {
			return Errorf(KindConflict, CodeInvitationPending, "%s already has a pending invitation (%s); resend or revoke it", email, i.ID)
		}
	}
	return nil
}

// inviteTeams checks that every id is a team of the organization.
func inviteTeams(ctx context.Context, tx Tx, orgID string, ids []string) ([]string, error) {
	out := []string{}
	for _, id := range ids {
		t, err := orgTeam(ctx, tx, orgID, id)
		if IsKind(err, KindNotFound) {
			return nil, Invalid("team_ids", "contains "+strconv.Quote(id)+", which is not a team of the organization")
		}
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, t.ID) {
			out = append(out, t.ID)
		}
	}
	return out, nil
}

// enqueueInvitationMail schedules the invitation's email; each call (the
// invitation, then each resend) sends one, named by the time.
func enqueueInvitationMail(ctx context.Context, tx Tx, inv *Invitation) error {
	id := inv.ID + ":" + strconv.FormatInt(tx.Now().UnixMicro(), 10)
	return enqueue(ctx, tx, JobInvitationMail, id, invitationPayload{InvitationID: inv.ID}, tx.Now())
}

// Invitations lists the organization's invitations, newest first.
func (s *Service) Invitations(ctx context.Context, p *Principal) ([]*Invitation, error) {
	if err := p.Require(PermMembersManage); err != nil {
		return nil, err
	}
	var out []*Invitation
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) (err error) {
		out, err = tx.InvitationsByOrg(ctx, p.OrgID)
		return err
	})
	return out, err
}

// RevokeInvitation withdraws a pending invitation: its link stops working.
func (s *Service) RevokeInvitation(ctx context.Context, p *Principal, id string) (*Invitation, error) {
	return s.changeInvitation(ctx, p, id, "invitation.revoked", func(tx Tx, inv *Invitation) error {
		now := tx.Now()
		inv.RevokedAt = &now
		return nil
	})
}

// ResendInvitation emails a pending or expired invitation again with a new
// link, valid for another InvitationTTL; the earlier link stops working.
func (s *Service) ResendInvitation(ctx context.Context, p *Principal, id string) (*Invitation, error) {
	inv, err := s.changeInvitation(ctx, p, id, "invitation.resent", func(tx Tx, inv *Invitation) error {
		inv.ExpiresAt = tx.Now().Add(InvitationTTL)
		return enqueueInvitationMail(ctx, tx, inv)
	})
	if err == nil {
		s.wake()
	}
	return inv, err
}

// changeInvitation applies change to an invitation of the caller's
// organization that was neither accepted nor revoked, and audits it.
func (s *Service) changeInvitation(ctx context.Context, p *Principal, id, action string, change func(Tx, *Invitation) error) (*Invitation, error) {
	if err := p.Require(PermMembersManage); err != nil {
		return nil, err
	}
	var inv *Invitation
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		inv, err = tx.InvitationByID(ctx, id)
		if err == nil && inv.OrgID != p.OrgID {
			return NotFound("invitation")
		}
		if err != nil {
			return err
		}
		if inv.AcceptedAt != nil || inv.RevokedAt != nil {
			return errInvitationGone()
		}
		if err := checkRoleChange(p, RoleMember, inv.Role); err != nil {
			return err
		}
		if err := change(tx, inv); err != nil {
			return err
		}
		if err := tx.UpdateInvitation(ctx, inv); err != nil {
			return err
		}
		return orgAudit(ctx, tx, p, action, "invitation", inv.ID, inv.Email)
	})
	return inv, err
}

func errInvitationGone() error {
	return Errorf(KindGone, CodeInvitationGone, "the invitation was already accepted or revoked, or has expired")
}
