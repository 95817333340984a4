package api

import (
	"net/http"

	"github.com/gsign/gsign/internal/esign"
)

type registerRequest struct {
	Email        string `json:"email"`
	Password     string `json:"password"`
	Name         string `json:"name"`
	Organization string `json:"organization"`
}

type userResponse struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}

type organizationResponse struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type tokensResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"` // seconds
}

func newTokens(p esign.TokenPair) tokensResponse {
	return tokensResponse{AccessToken: p.AccessToken, RefreshToken: p.RefreshToken, ExpiresIn: int64(p.ExpiresIn.Seconds())}
}

type registerResponse struct {
	User         userResponse         `json:"user"`
	Organization organizationResponse `json:"organization"`
	tokensResponse
}

// newRegistration is the answer to a new account: register, or an
// accepted invitation.
func newRegistration(reg *esign.Registration) registerResponse {
	u, o := reg.User, reg.Organization
	return registerResponse{
		User:           userResponse{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role},
		Organization:   organizationResponse{ID: o.ID, Name: o.Name},
		tokensResponse: newTokens(reg.Tokens),
	}
}

func (a *api) register(w http.ResponseWriter, r *http.Request) error {
	var req registerRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	reg, err := a.svc.Register(r.Context(), esign.RegisterInput{
		Email: req.Email, Password: req.Password, Name: req.Name, Organization: req.Organization,
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, newRegistration(reg))
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (a *api) login(w http.ResponseWriter, r *http.Request) error {
	res, err := a.checkPassword(r)
	if err != nil {
		return err
	}
	if res.MFAToken != "" {
		return writeJSON(w, http.StatusOK, newMFAChallenge(res))
	}
	return writeJSON(w, http.StatusOK, newTokens(res.Tokens))
}

// checkPassword signs in with the loginRequest in the body; the token and
// the cookie login share it.
func (a *api) checkPassword(r *http.Request) (*esign.SignInResult, error) {
	var req loginRequest
	if err := decodeJSON(r, &req); err != nil {
		return nil, err
	}
	var res *esign.SignInResult
	err := a.limitFailures(r, func() (err error) {
		res, err = a.svc.Login(r.Context(), req.Email, req.Password)
		return err
	})
	return res, err
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func (a *api) refresh(w http.ResponseWriter, r *http.Request) error {
	var req refreshRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	pair, err := a.svc.Refresh(r.Context(), req.RefreshToken)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newTokens(pair))
}

type apiKeyRequest struct {
	Name string `json:"name"`
}

type apiKeyResponse struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Key  string `json:"key"` // shown this once
}

func (a *api) createAPIKey(w http.ResponseWriter, r *http.Request) error {
	var req apiKeyRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	k, secret, err := a.svc.CreateAPIKey(r.Context(), principal(r), req.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, apiKeyResponse{ID: k.ID, Name: k.Name, Key: secret})
}
