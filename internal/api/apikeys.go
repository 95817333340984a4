package api

import (
	"net/http"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// apiKeyInfoResponse is an API key as listings show it: never the key itself.
type apiKeyInfoResponse struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func newAPIKeyInfo(k *esign.APIKey) apiKeyInfoResponse {
	return apiKeyInfoResponse{ID: k.ID, UserID: k.UserID, Name: k.Name, Prefix: k.Prefix,
		CreatedAt: k.CreatedAt.UTC(), LastUsedAt: utc(k.LastUsedAt), RevokedAt: utc(k.RevokedAt)}
}

type apiKeyListResponse struct {
	Items []apiKeyInfoResponse `json:"items"`
}

func (a *api) listAPIKeys(w http.ResponseWriter, r *http.Request) error {
	all := false
	switch r.URL.Query().Get("all") {
	case "", "0", "false":
	case "1", "true":
		all = true
	default:
		return esign.Invalid("all", "must be 1 or 0")
	}
	keys, err := a.svc.APIKeys(r.Context(), principal(r), all)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiKeyListResponse{Items: mapSlice(keys, newAPIKeyInfo)})
}

func (a *api) revokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.svc.RevokeAPIKey(r.Context(), principal(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
