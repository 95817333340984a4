package api

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// The browser app signs in with cookies rather than bearer tokens, so that
// no script can read the credentials: both cookies are HttpOnly and
// SameSite=Lax, and Secure when the request came over TLS.
const (
	accessCookie  = "gsign_access"
	refreshCookie = "gsign_refresh"
	// refreshCookiePath sends the refresh token only to the session routes.
	refreshCookiePath = "/api/v1/auth/session"
	// csrfHeader must accompany every cookie-authenticated request that is
	// not a GET: a cross-site form cannot set it, and a cross-site script
	// cannot either without a CORS preflight, which GSign never grants.
	csrfHeader = "X-GSign-Request"
	// refreshCookieAge matches the refresh token's lifetime.
	refreshCookieAge = 30 * 24 * time.Hour
)

// codeCSRF is the problem code of a cookie-authenticated request that lacks
// the CSRF header or comes from another origin.
const codeCSRF = "csrf_rejected"

type sessionResponse struct {
	ExpiresIn int64 `json:"expires_in"` // seconds until the access cookie expires
}

// startSession signs in with email and password and sets the session cookies.
func (a *api) startSession(w http.ResponseWriter, r *http.Request) error {
	res, err := a.checkPassword(r)
	if err != nil {
		return err
	}
	if res.MFAToken != "" {
		return writeJSON(w, http.StatusOK, newMFAChallenge(res))
	}
	return a.writeSession(w, r, res.Tokens)
}

// refreshSession rotates the refresh cookie and issues a new access cookie.
func (a *api) refreshSession(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptionalJSON(r, &emptyRequest{}); err != nil {
		return err
	}
	c, err := r.Cookie(refreshCookie)
	if err != nil || c.Value == "" {
		return esign.Errorf(esign.KindUnauthorized, esign.CodeUnauthorized, "no session: sign in again")
	}
	pair, err := a.svc.Refresh(r.Context(), c.Value)
	if err != nil {
		return err
	}
	return a.writeSession(w, r, pair)
}

// endSession revokes the session's tokens and clears the cookies.
func (a *api) endSession(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(refreshCookie); err == nil {
		if err := a.svc.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, a.cookie(r, accessCookie, "", "/", -1))
	http.SetCookie(w, a.cookie(r, refreshCookie, "", refreshCookiePath, -1))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *api) writeSession(w http.ResponseWriter, r *http.Request, pair esign.TokenPair) error {
	a.setSessionCookies(w, r, pair)
	return writeJSON(w, http.StatusOK, sessionResponse{ExpiresIn: int64(pair.ExpiresIn.Seconds())})
}

// setSessionCookies starts the browser's session with the pair: a
// password sign-in, a refresh, or a finished SSO sign-in.
func (a *api) setSessionCookies(w http.ResponseWriter, r *http.Request, pair esign.TokenPair) {
	http.SetCookie(w, a.cookie(r, accessCookie, pair.AccessToken, "/", pair.ExpiresIn))
	http.SetCookie(w, a.cookie(r, refreshCookie, pair.RefreshToken, refreshCookiePath, refreshCookieAge))
}

// cookie builds a session cookie; a negative age deletes it.
func (a *api) cookie(r *http.Request, name, value, path string, age time.Duration) *http.Cookie {
	maxAge := int(age.Seconds())
	if age < 0 {
		maxAge = -1
	}
	return &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, Secure: a.overTLS(r), SameSite: http.SameSiteLaxMode}
}

// overTLS says whether the browser reached us over TLS: directly, or through
// a trusted proxy that says so.
func (a *api) overTLS(r *http.Request) bool {
	return r.TLS != nil || a.cfg.TrustProxyHeaders && r.Header.Get("X-Forwarded-Proto") == "https"
}

// sessionToken returns the access cookie's token. For anything but a safe
// method it also checks that the request came from this origin's own
// scripts; ok is false, with a problem already written, when it did not.
func (a *api) sessionToken(w http.ResponseWriter, r *http.Request) (token string, found, ok bool) {
	c, err := r.Cookie(accessCookie)
	if err != nil || c.Value == "" {
		return "", false, true
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return c.Value, true, true
	}
	if r.Header.Get(csrfHeader) == "" || !a.sameOrigin(r) {
		a.writeProblem(w, r, http.StatusForbidden, codeCSRF,
			"a request signed in with the session cookie must come from GSign's own pages and send "+csrfHeader, nil)
		return "", true, false
	}
	return c.Value, true, true
}

// sameOrigin accepts a request without Origin (same-origin GETs and old
// browsers; the custom header already requires a script of this origin)
// and one whose Origin names this host.
func (a *api) sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	host := r.Host
	if a.cfg.TrustProxyHeaders && r.Header.Get("X-Forwarded-Host") != "" {
		host = r.Header.Get("X-Forwarded-Host")
	}
	return u.Host == host
}
