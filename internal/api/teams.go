package api

import (
	"net/http"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// teamResponse is a team with its members' user ids.
type teamResponse struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	MemberIDs []string  `json:"member_ids"`
	CreatedAt time.Time `json:"created_at"`
}

func newTeam(d *esign.TeamDetail) teamResponse {
	ids := d.MemberIDs
	if ids == nil {
		ids = []string{}
	}
	return teamResponse{ID: d.Team.ID, Name: d.Team.Name, MemberIDs: ids, CreatedAt: d.Team.CreatedAt.UTC()}
}

type teamListResponse struct {
	Items []teamResponse `json:"items"`
}

type teamRequest struct {
	Name string `json:"name"`
}

func (a *api) createTeam(w http.ResponseWriter, r *http.Request) error {
	var req teamRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	t, err := a.svc.CreateTeam(r.Context(), principal(r), req.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, newTeam(&esign.TeamDetail{Team: t}))
}

func (a *api) listTeams(w http.ResponseWriter, r *http.Request) error {
	ts, err := a.svc.Teams(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, teamListResponse{Items: mapSlice(ts, newTeam)})
}

func (a *api) getTeam(w http.ResponseWriter, r *http.Request) error {
	t, err := a.svc.Team(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newTeam(t))
}

func (a *api) patchTeam(w http.ResponseWriter, r *http.Request) error {
	var req teamRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	p := principal(r)
	if _, err := a.svc.RenameTeam(r.Context(), p, r.PathValue("id"), req.Name); err != nil {
		return err
	}
	return a.getTeam(w, r)
}

func (a *api) deleteTeam(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.DeleteTeam(r.Context(), principal(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type teamMemberRequest struct {
	UserID string `json:"user_id"`
}

func (a *api) addTeamMember(w http.ResponseWriter, r *http.Request) error {
	var req teamMemberRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := a.svc.AddTeamMember(r.Context(), principal(r), r.PathValue("id"), req.UserID); err != nil {
		return err
	}
	return a.getTeam(w, r)
}

func (a *api) removeTeamMember(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.RemoveTeamMember(r.Context(), principal(r), r.PathValue("id"), r.PathValue("user_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
