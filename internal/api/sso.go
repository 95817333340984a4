package api

import (
	"net/http"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// ssoBrowserCookie binds a sign-in to the browser that started it: the
// callback finishes only a state started with the same cookie, so a link
// with someone else's state and code signs no one in here.
const (
	ssoBrowserCookie = "gsign_sso"
	ssoCookiePath    = "/api/v1/sso"
	ssoCookieAge     = 10 * time.Minute
)

type ssoRequest struct {
	Issuer   string `json:"issuer"`
	ClientID string `json:"client_id"`
	// ClientSecret is write-only: absent keeps the stored one, "" removes it.
	ClientSecret *string  `json:"client_secret"`
	Domains      []string `json:"domains"`
	DefaultRole  string   `json:"default_role"`
	Enforce      bool     `json:"enforce"`
}

type ssoDomainResponse struct {
	Domain string `json:"domain"`
	// Status is pending, verified, or verified_by_another_organization
	// (this claim is inert); Verified is true for verified alone.
	Status     string     `json:"status"`
	Verified   bool       `json:"verified"`
	VerifiedAt *time.Time `json:"verified_at"`
	// TXTName and TXTValue are the DNS record that verifies the domain.
	TXTName  string `json:"txt_name"`
	TXTValue string `json:"txt_value"`
}

type ssoResponse struct {
	Issuer          string              `json:"issuer"`
	ClientID        string              `json:"client_id"`
	ClientSecretSet bool                `json:"client_secret_set"`
	Domains         []ssoDomainResponse `json:"domains"`
	DefaultRole     string              `json:"default_role"`
	Enforce         bool                `json:"enforce"`
	RedirectURL     string              `json:"redirect_url"`
	CreatedAt       time.Time           `json:"created_at"`
	UpdatedAt       time.Time           `json:"updated_at"`
}

func newSSODomain(c esign.SSOClaim) ssoDomainResponse {
	return ssoDomainResponse{Domain: c.Domain, Status: string(c.Status), Verified: c.Status == esign.SSODomainVerified,
		VerifiedAt: c.VerifiedAt, TXTName: c.Domain, TXTValue: c.TXTRecord()}
}

func newSSO(s *esign.SSOSettings) ssoResponse {
	out := ssoResponse{Issuer: s.Config.Issuer, ClientID: s.Config.ClientID, ClientSecretSet: s.HasSecret, Domains: []ssoDomainResponse{},
		DefaultRole: s.Config.DefaultRole, Enforce: s.Config.Enforce, RedirectURL: s.CallbackURL, CreatedAt: s.Config.CreatedAt, UpdatedAt: s.Config.UpdatedAt}
	for _, d := range s.Domains {
		out.Domains = append(out.Domains, newSSODomain(d))
	}
	return out
}

func (a *api) getSSO(w http.ResponseWriter, r *http.Request) error {
	s, err := a.svc.GetSSO(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newSSO(s))
}

func (a *api) putSSO(w http.ResponseWriter, r *http.Request) error {
	var req ssoRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	s, err := a.svc.PutSSO(r.Context(), principal(r), esign.SSOInput{Issuer: req.Issuer, ClientID: req.ClientID,
		ClientSecret: req.ClientSecret, Domains: req.Domains, DefaultRole: req.DefaultRole, Enforce: req.Enforce})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newSSO(s))
}

func (a *api) deleteSSO(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.DeleteSSO(r.Context(), principal(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *api) verifySSODomain(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptionalJSON(r, &emptyRequest{}); err != nil {
		return err
	}
	d, err := a.svc.VerifySSODomain(r.Context(), principal(r), r.PathValue("domain"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newSSODomain(*d))
}

// startSSO sends the browser to the organization's provider, setting the
// cookie the callback checks.
func (a *api) startSSO(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	in := esign.SSOStartInput{Email: q.Get("email"), OrgID: q.Get("org")}
	if c, err := r.Cookie(ssoBrowserCookie); err == nil {
		in.Browser = c.Value
	}
	start, err := a.svc.StartSSO(r.Context(), in)
	if err != nil {
		return err
	}
	http.SetCookie(w, a.cookie(r, ssoBrowserCookie, start.Browser, ssoCookiePath, ssoCookieAge))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, start.URL, http.StatusFound)
	return nil
}

// ssoCallback finishes the sign-in the provider redirected back from,
// starts the web app's session and opens the app.
func (a *api) ssoCallback(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	in := esign.SSOFinishInput{State: q.Get("state"), Code: q.Get("code"), Error: q.Get("error"), ErrorDescription: q.Get("error_description")}
	if c, err := r.Cookie(ssoBrowserCookie); err == nil {
		in.Browser = c.Value
	}
	login, err := a.svc.FinishSSO(r.Context(), in)
	if err != nil {
		return err
	}
	a.setSessionCookies(w, r, login.Tokens)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, "/app/", http.StatusFound)
	return nil
}
