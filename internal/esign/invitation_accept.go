package esign

import (
	"context"
	"fmt"
	"unicode/utf8"
)

// InvitationView is what the holder of an invitation link sees before
// accepting it.
type InvitationView struct {
	Invitation   *Invitation
	Organization *Organization
	Inviter      *User
}

// AcceptInput is the account an invitation creates.
type AcceptInput struct {
	Name     string
	Password string
}

// OpenInvitation returns the pending invitation the token belongs to: 404
// for an unknown token, 410 once it was accepted or revoked or expired.
func (s *Service) OpenInvitation(ctx context.Context, raw string) (*InvitationView, error) {
	var v *InvitationView
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) (err error) {
		v, err = pendingInvitation(ctx, tx, raw)
		return err
	})
	return v, err
}

func pendingInvitation(ctx context.Context, tx Tx, raw string) (*InvitationView, error) {
	if !SecretHasPrefix(raw, SecretInvitation) {
		return nil, NotFound("invitation")
	}
	inv, err := tx.InvitationByTokenHash(ctx, HashSecret(raw))
	if err != nil {
		return nil, err
	}
	if !inv.Pending(tx.Now()) {
		return nil, errInvitationGone()
	}
	v := &InvitationView{Invitation: inv}
	if v.Organization, err = tx.OrganizationByID(ctx, inv.OrgID); err != nil {
		return nil, err
	}
	v.Inviter, err = tx.UserByID(ctx, inv.InvitedBy)
	return v, err
}

// AcceptInvitation creates the invited account in the organization with
// the invitation's role and teams, or reactivates a removed member's, and
// signs it in. The invitation works once.
func (s *Service) AcceptInvitation(ctx context.Context, raw string, in AcceptInput) (*Registration, error) {
	var err error
	if in.Name, err = requireText("name", in.Name, 200); err != nil {
		return nil, err
	}
	if n := utf8.RuneCountInString(in.Password); n < MinPasswordLen || len(in.Password) > MaxPasswordLen {
		return nil, Invalid("password", "must be at least 10 characters (and at most 1024 bytes)")
	}
	hash, err := s.Passwords.Hash(in.Password)
	if err != nil {
		return nil, err
	}
	var reg *Registration
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		v, err := pendingInvitation(ctx, tx, raw)
		if err != nil {
			return err
		}
		inv := v.Invitation
		if v.Organization, err = tx.LockOrganization(ctx, inv.OrgID); err != nil {
			return err
		}
		u, err := s.joinUser(ctx, tx, inv, in.Name, hash)
		if err != nil {
			return err
		}
		if err := joinTeams(ctx, tx, inv, u.ID); err != nil {
			return err
		}
		now := tx.Now()
		inv.AcceptedAt, inv.UserID = &now, u.ID
		if err := tx.UpdateInvitation(ctx, inv); err != nil {
			return err
		}
		p := &Principal{UserID: u.ID, OrgID: u.OrgID, Email: u.Email, Role: u.Role}
		if err := orgAudit(ctx, tx, p, "invitation.accepted", "user", u.ID, inv.ID+" as "+u.Role); err != nil {
			return err
		}
		pair, err := s.newSession(ctx, tx, u)
		reg = &Registration{User: u, Organization: v.Organization, Tokens: pair}
		return err
	})
	return reg, err
}

// joinUser creates the invited user, or reactivates the organization's
// removed user with the email; an active account is a conflict.
func (s *Service) joinUser(ctx context.Context, tx Tx, inv *Invitation, name, hash string) (*User, error) {
	u, err := tx.UserByEmail(ctx, inv.Email)
	if IsKind(err, KindNotFound) {
		now := tx.Now()
		u = &User{ID: NewID(PrefixUser, now), OrgID: inv.OrgID, Email: inv.Email, Name: name, Role: inv.Role, PasswordHash: hash, CreatedAt: now}
		return u, tx.CreateUser(ctx, u)
	}
	if err != nil {
		return nil, err
	}
	if u.OrgID != inv.OrgID {
		return nil, Errorf(KindConflict, CodeEmailTaken, "an account with this email already exists in another organization")
	}
	if u.Active() {
		return nil, Errorf(KindConflict, CodeAlreadyMember, "an account with this email is already a member; sign in instead")
	}
	u.Name, u.Role, u.PasswordHash, u.RemovedAt = name, inv.Role, hash, nil
	if err := tx.UpdateUser(ctx, u); err != nil {
		return nil, fmt.Errorf("reactivate user %s: %w", u.ID, err)
	}
	return u, nil
}

// joinTeams adds the user to the invitation's teams that still exist.
func joinTeams(ctx context.Context, tx Tx, inv *Invitation, userID string) error {
	for _, id := range inv.TeamIDs {
		if _, err := orgTeam(ctx, tx, inv.OrgID, id); IsKind(err, KindNotFound) {
			continue // deleted since the invitation was sent
		} else if err != nil {
			return err
		}
		if _, err := tx.AddTeamMember(ctx, &TeamMember{TeamID: id, UserID: userID, CreatedAt: tx.Now()}); err != nil {
			return err
		}
	}
	return nil
}

// sendInvitationMail mints the invitation's token, which replaces any
// earlier one (a resent invitation's old link stops working), and emails
// the link. Only the hash is stored; the raw token lives in the email.
func (s *Service) sendInvitationMail(ctx context.Context, jobID string, p invitationPayload) error {
	var msg *Email
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		inv, err := tx.InvitationByID(ctx, p.InvitationID)
		if err != nil || !inv.Pending(tx.Now()) {
			return err // revoked, accepted or expired meanwhile: nothing to send
		}
		secret, hash := NewSecret(SecretInvitation)
		inv.TokenHash = hash
		if err := tx.UpdateInvitation(ctx, inv); err != nil {
			return err
		}
		msg, err = s.composeInvitation(ctx, tx, inv, s.Config.PublicURL+"/app/invite/"+secret)
		return err
	})
	if err != nil || msg == nil {
		return err
	}
	msg.ID = jobID
	if err := s.Mailer.Send(ctx, msg); err != nil {
		return fmt.Errorf("send invitation mail for %s: %w", p.InvitationID, err)
	}
	return nil
}

// composeInvitation renders the invitation email in the organization's
// branding.
func (s *Service) composeInvitation(ctx context.Context, tx Tx, inv *Invitation, link string) (*Email, error) {
	org, err := tx.OrganizationByID(ctx, inv.OrgID)
	if err != nil {
		return nil, err
	}
	inviter, err := tx.UserByID(ctx, inv.InvitedBy)
	if err != nil {
		return nil, err
	}
	brand, err := loadBranding(ctx, tx, inv.OrgID)
	if err != nil {
		return nil, err
	}
	v := mailView{SenderName: inviter.Name, SenderEmail: inviter.Email, ToEmail: inv.Email, Role: inv.Role, Link: link,
		Brand: newBrandView(brand), Invite: &inviteView{OrgName: org.Name, ExpiresAt: inv.ExpiresAt}}
	return renderMail(MailInvitation, v)
}
