package api

import (
	"net/http"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

type sessionItem struct {
	ID         string    `json:"id"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
	Current    bool      `json:"current"`
}

type sessionListResponse struct {
	Sessions []sessionItem `json:"sessions"`
}

func (a *api) listSessions(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	list, err := a.svc.ListSessions(r.Context(), p)
	if err != nil {
		return err
	}
	out := sessionListResponse{Sessions: make([]sessionItem, 0, len(list))}
	for _, s := range list {
		out.Sessions = append(out.Sessions, newSessionItem(s, p))
	}
	return writeJSON(w, http.StatusOK, out)
}

func newSessionItem(s *esign.Session, p *esign.Principal) sessionItem {
	return sessionItem{ID: s.ID, CreatedAt: s.CreatedAt, LastUsedAt: s.LastUsedAt, ExpiresAt: s.ExpiresAt,
		IP: s.IP, UserAgent: s.UserAgent, Current: s.ID == p.SessionID}
}

func (a *api) revokeSession(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.RevokeSession(r.Context(), principal(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type revokedResponse struct {
	Revoked int64 `json:"revoked"`
}

func (a *api) revokeOtherSessions(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptionalJSON(r, &emptyRequest{}); err != nil {
		return err
	}
	n, err := a.svc.RevokeOtherSessions(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, revokedResponse{Revoked: n})
}
