package api

import (
	"net/http"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// memberResponse is a user as their organization lists them.
type memberResponse struct {
	ID        string     `json:"id"`
	Email     string     `json:"email"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	TeamIDs   []string   `json:"team_ids"`
	CreatedAt time.Time  `json:"created_at"`
	RemovedAt *time.Time `json:"removed_at"`
}

func newMember(m *esign.Member) memberResponse {
	u := m.User
	return memberResponse{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, TeamIDs: m.TeamIDs,
		CreatedAt: u.CreatedAt.UTC(), RemovedAt: utc(u.RemovedAt)}
}

type memberListResponse struct {
	Items []memberResponse `json:"items"`
}

// meResponse is the caller: account, organization, role, teams, and what
// the role allows (so a client can hide what it may not do).
type meResponse struct {
	User         userResponse         `json:"user"`
	Organization organizationResponse `json:"organization"`
	Role         string               `json:"role"`
	Teams        []teamResponse       `json:"teams"`
	Permissions  []string             `json:"permissions"`
}

func (a *api) me(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	me, err := a.svc.Me(r.Context(), p)
	if err != nil {
		return err
	}
	u, o := me.User, me.Organization
	resp := meResponse{
		User:         userResponse{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role},
		Organization: organizationResponse{ID: o.ID, Name: o.Name},
		Role:         u.Role,
		Teams:        mapSlice(me.Teams, func(t *esign.Team) teamResponse { return newTeam(&esign.TeamDetail{Team: t}) }),
		Permissions:  []string{},
	}
	for _, perm := range esign.Permissions() {
		if p.Can(perm) {
			resp.Permissions = append(resp.Permissions, string(perm))
		}
	}
	return writeJSON(w, http.StatusOK, resp)
}

func (a *api) getOrganization(w http.ResponseWriter, r *http.Request) error {
	o, err := a.svc.Organization(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, organizationResponse{ID: o.ID, Name: o.Name})
}

type organizationRequest struct {
	Name string `json:"name"`
}

func (a *api) patchOrganization(w http.ResponseWriter, r *http.Request) error {
	var req organizationRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	o, err := a.svc.RenameOrganization(r.Context(), principal(r), req.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, organizationResponse{ID: o.ID, Name: o.Name})
}

func (a *api) listMembers(w http.ResponseWriter, r *http.Request) error {
	withRemoved := false
	switch r.URL.Query().Get("removed") {
	case "", "false":
	case "true":
		withRemoved = true
	default:
		return esign.Invalid("removed", "must be true or false")
	}
	ms, err := a.svc.Members(r.Context(), principal(r), withRemoved)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, memberListResponse{Items: mapSlice(ms, newMember)})
}

type memberRequest struct {
	Role string `json:"role"`
}

func (a *api) patchMember(w http.ResponseWriter, r *http.Request) error {
	var req memberRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	u, err := a.svc.ChangeRole(r.Context(), principal(r), r.PathValue("user_id"), req.Role)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, userResponse{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role})
}

func (a *api) removeMember(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.RemoveMember(r.Context(), principal(r), r.PathValue("user_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type transferRequest struct {
	ToUserID string `json:"to_user_id"`
}

type transferResponse struct {
	Transferred int64 `json:"transferred"`
}

func (a *api) transferEnvelopes(w http.ResponseWriter, r *http.Request) error {
	var req transferRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	n, err := a.svc.TransferEnvelopes(r.Context(), principal(r), r.PathValue("user_id"), req.ToUserID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, transferResponse{Transferred: n})
}

// orgAuditResponse is one entry of the organization's audit log.
type orgAuditResponse struct {
	ID         string    `json:"id"`
	ActorID    string    `json:"actor_id"`
	ActorEmail string    `json:"actor_email"`
	Action     string    `json:"action"`
	TargetType string    `json:"target_type"`
	TargetID   string    `json:"target_id"`
	Detail     string    `json:"detail"`
	At         time.Time `json:"at"`
}

func newOrgAudit(e *esign.OrgAuditEntry) orgAuditResponse {
	return orgAuditResponse{ID: e.ID, ActorID: e.ActorID, ActorEmail: e.ActorEmail, Action: e.Action,
		TargetType: e.TargetType, TargetID: e.TargetID, Detail: e.Detail, At: e.CreatedAt.UTC()}
}

type orgAuditListResponse struct {
	Items      []orgAuditResponse `json:"items"`
	NextCursor *string            `json:"next_cursor"`
}

func (a *api) orgAudit(w http.ResponseWriter, r *http.Request) error {
	in, err := listInput(r)
	if err != nil {
		return err
	}
	page, err := a.svc.OrgAuditLog(r.Context(), principal(r), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, orgAuditListResponse{Items: mapSlice(page.Items, newOrgAudit), NextCursor: cursorOrNull(page.NextCursor)})
}
