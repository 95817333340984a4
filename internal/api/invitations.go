package api

import (
	"net/http"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// invitationResponse is an invitation as admins see it; status is pending,
// accepted, revoked or expired.
type invitationResponse struct {
	ID         string     `json:"id"`
	Email      string     `json:"email"`
	Role       string     `json:"role"`
	TeamIDs    []string   `json:"team_ids"`
	InvitedBy  string     `json:"invited_by"`
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	AcceptedAt *time.Time `json:"accepted_at"`
	UserID     *string    `json:"user_id"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func newInvitation(i *esign.Invitation, now time.Time) invitationResponse {
	status := "pending"
	switch {
	case i.AcceptedAt != nil:
		status = "accepted"
	case i.RevokedAt != nil:
		status = "revoked"
	case !now.Before(i.ExpiresAt):
		status = "expired"
	}
	teams := i.TeamIDs
	if teams == nil {
		teams = []string{}
	}
	return invitationResponse{ID: i.ID, Email: i.Email, Role: i.Role, TeamIDs: teams, InvitedBy: i.InvitedBy, Status: status,
		CreatedAt: i.CreatedAt.UTC(), ExpiresAt: i.ExpiresAt.UTC(), AcceptedAt: utc(i.AcceptedAt), UserID: optional(i.UserID), RevokedAt: utc(i.RevokedAt)}
}

type invitationListResponse struct {
	Items []invitationResponse `json:"items"`
}

type inviteRequest struct {
	Email   string   `json:"email"`
	Role    string   `json:"role"`
	TeamIDs []string `json:"team_ids"`
}

func (a *api) invite(w http.ResponseWriter, r *http.Request) error {
	var req inviteRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	inv, err := a.svc.Invite(r.Context(), principal(r), esign.InviteInput{Email: req.Email, Role: req.Role, TeamIDs: req.TeamIDs})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, newInvitation(inv, a.cfg.Clock.Now()))
}

func (a *api) listInvitations(w http.ResponseWriter, r *http.Request) error {
	invs, err := a.svc.Invitations(r.Context(), principal(r))
	if err != nil {
		return err
	}
	now := a.cfg.Clock.Now()
	return writeJSON(w, http.StatusOK, invitationListResponse{Items: mapSlice(invs, func(i *esign.Invitation) invitationResponse { return newInvitation(i, now) })})
}

func (a *api) revokeInvitation(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.svc.RevokeInvitation(r.Context(), principal(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *api) resendInvitation(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptionalJSON(r, &emptyRequest{}); err != nil {
		return err
	}
	inv, err := a.svc.ResendInvitation(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newInvitation(inv, a.cfg.Clock.Now()))
}

// invitationViewResponse is what an invitation link shows before it is accepted.
type invitationViewResponse struct {
	Organization organizationResponse `json:"organization"`
	InviterName  string               `json:"inviter_name"`
	InviterEmail string               `json:"inviter_email"`
	Email        string               `json:"email"`
	Role         string               `json:"role"`
	ExpiresAt    time.Time            `json:"expires_at"`
}

func (a *api) openInvitation(w http.ResponseWriter, r *http.Request) error {
	v, err := a.svc.OpenInvitation(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	i := v.Invitation
	return writeJSON(w, http.StatusOK, invitationViewResponse{
		Organization: organizationResponse{ID: v.Organization.ID, Name: v.Organization.Name},
		InviterName:  v.Inviter.Name, InviterEmail: v.Inviter.Email, Email: i.Email, Role: i.Role, ExpiresAt: i.ExpiresAt.UTC(),
	})
}

type acceptRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

// acceptInvitation creates the account and answers like register.
func (a *api) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	var req acceptRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	reg, err := a.svc.AcceptInvitation(r.Context(), r.PathValue("token"), esign.AcceptInput{Name: req.Name, Password: req.Password})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, newRegistration(reg))
}
