package api

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// recipientAuthHeader carries the recipient-auth proof for API clients;
// browsers hold it in a cookie named for the signing token.
const recipientAuthHeader = "X-GSign-Recipient-Auth"

// proofCookiePaths are where the browser sends the proof cookie: the
// signing API and the signing page.
var proofCookiePaths = []string{"/api/v1/signing/", "/s/"}

// proofCookieName names the cookie after the token, so that one browser
// can hold the proofs of several recipients (a sender trying their links).
func proofCookieName(token string) string {
	return "gsign_rauth_" + esign.HashSecret(token)[:16]
}

// recipientProof puts the proof the request presents, header first, into
// the context the domain checks it in.
func recipientProof(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proof := r.Header.Get(recipientAuthHeader)
		if proof == "" {
			if c, err := r.Cookie(proofCookieName(r.PathValue("token"))); err == nil {
				proof = c.Value
			}
		}
		if proof != "" {
			r = r.WithContext(esign.WithAuthProof(r.Context(), proof))
		}
		next.ServeHTTP(w, r)
	})
}

// setProofCookies hands the browser the proof: HttpOnly, SameSite=Strict,
// scoped to the signing API and page, expiring with the proof.
func (a *api) setProofCookies(w http.ResponseWriter, r *http.Request, proof string) {
	secure := r.TLS != nil || strings.HasPrefix(a.svc.Config.PublicURL, "https://")
	for _, path := range proofCookiePaths {
		http.SetCookie(w, &http.Cookie{Name: proofCookieName(r.PathValue("token")), Value: proof, Path: path,
			MaxAge: int(esign.AuthProofTTL.Seconds()), HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	}
}

type authCodeResponse struct {
	Method      string    `json:"method"`
	Destination string    `json:"destination"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// sendAuthCode sends the recipient a one-time code by email or SMS.
func (a *api) sendAuthCode(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptionalJSON(r, &emptyRequest{}); err != nil {
		return err
	}
	sent, err := a.svc.SendAuthCode(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, authCodeResponse{Method: sent.Method, Destination: sent.Destination, ExpiresAt: sent.ExpiresAt.UTC()})
}

type verifyAuthRequest struct {
	Code string `json:"code"`
}

// authResponse carries the proof for API clients, who send it back as
// X-GSign-Recipient-Auth; browsers get it as a cookie as well.
type authResponse struct {
	AuthProof string    `json:"auth_proof"`
	Method    string    `json:"method"`
	ExpiresAt time.Time `json:"expires_at"`
}

// verifyAuth checks an access code or a one-time code.
func (a *api) verifyAuth(w http.ResponseWriter, r *http.Request) error {
	var req verifyAuthRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	res, err := a.svc.VerifyAuth(r.Context(), r.PathValue("token"), strings.TrimSpace(req.Code))
	if err != nil {
		return err
	}
	a.setProofCookies(w, r, res.Proof)
	return writeJSON(w, http.StatusOK, authResponse{AuthProof: res.Proof, Method: res.Method, ExpiresAt: res.ExpiresAt.UTC()})
}

type idvStartResponse struct {
	RedirectURL string    `json:"redirect_url"`
	AuthProof   string    `json:"auth_proof"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// startIDV begins an identity verification: the browser goes to the
// provider holding a proof that counts once the provider reports a pass.
func (a *api) startIDV(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptionalJSON(r, &emptyRequest{}); err != nil {
		return err
	}
	st, err := a.svc.StartIDV(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	a.setProofCookies(w, r, st.Proof)
	return writeJSON(w, http.StatusOK, idvStartResponse{RedirectURL: st.RedirectURL, AuthProof: st.Proof, ExpiresAt: st.ExpiresAt.UTC()})
}

type idvCallbackResponse struct {
	Status string `json:"status"`
}

// idvCallback takes the provider's signed result; the signature covers the
// exact body bytes, so they are read as they are.
func (a *api) idvCallback(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return decodeError(err)
	}
	if err := a.svc.IDVCallback(r.Context(), body, r.Header.Get("X-GSign-IDV-Signature")); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, idvCallbackResponse{Status: "accepted"})
}
