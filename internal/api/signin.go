package api

import (
	"net/http"
	"strconv"

	"github.com/gsign/gsign/internal/esign"
)

// mfaChallengeResponse is the password step's answer for a user with TOTP
// on: no tokens yet, but a challenge to answer at …/login/mfa.
type mfaChallengeResponse struct {
	MFARequired bool   `json:"mfa_required"`
	MFAToken    string `json:"mfa_token"`
	ExpiresIn   int64  `json:"expires_in"` // seconds the challenge stays valid
}

func newMFAChallenge(res *esign.SignInResult) mfaChallengeResponse {
	return mfaChallengeResponse{MFARequired: true, MFAToken: res.MFAToken, ExpiresIn: int64(res.MFAExpiresIn.Seconds())}
}

type mfaRequest struct {
	MFAToken     string `json:"mfa_token"`
	Code         string `json:"code"`
	RecoveryCode string `json:"recovery_code"`
}

// answerMFA completes a sign-in with the mfaRequest in the body; the token
// and the cookie logins share it.
func (a *api) answerMFA(r *http.Request) (esign.TokenPair, error) {
	var req mfaRequest
	if err := decodeJSON(r, &req); err != nil {
		return esign.TokenPair{}, err
	}
	var pair esign.TokenPair
	err := a.limitFailures(r, func() (err error) {
		pair, err = a.svc.LoginMFA(r.Context(), esign.MFAInput{MFAToken: req.MFAToken, Code: req.Code, RecoveryCode: req.RecoveryCode})
		return err
	})
	return pair, err
}

func (a *api) loginMFA(w http.ResponseWriter, r *http.Request) error {
	pair, err := a.answerMFA(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newTokens(pair))
}

// startSessionMFA is the cookie login's second step.
func (a *api) startSessionMFA(w http.ResponseWriter, r *http.Request) error {
	pair, err := a.answerMFA(r)
	if err != nil {
		return err
	}
	return a.writeSession(w, r, pair)
}

// limitFailures runs a sign-in step under the per-address failure limit:
// an address over it is refused before the step runs (and so before any
// password is hashed), and a wrong password or code counts against it.
// A failing limiter lets the step run, as for every rate limit.
func (a *api) limitFailures(r *http.Request, step func() error) error {
	limit := a.cfg.RateLimits.AuthFailures
	if !limit.Enabled() {
		return step()
	}
	key := "authfail:" + addressKey(a.clientIP(r))
	if d, over := a.overBudget(r, key, limit); over {
		e := esign.Errorf(esign.KindRateLimited, esign.CodeRateLimited,
			"too many failed sign-ins from this address; retry in %d seconds", ceilSeconds(d.RetryAfter, 1))
		e.RetryAfter = d.RetryAfter
		return e
	}
	err := step()
	if code := esign.ErrorCode(err); code == esign.CodeInvalidCredentials || code == esign.CodeInvalidOTP {
		a.chargeFailure(r, key, limit)
	}
	return err
}

type resetRequest struct {
	Email string `json:"email"`
}

type acceptedResponse struct {
	Message string `json:"message"`
}

// requestPasswordReset always answers 202 to a well-formed email, so it
// tells nobody whether an account has it.
func (a *api) requestPasswordReset(w http.ResponseWriter, r *http.Request) error {
	var req resetRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := a.svc.RequestPasswordReset(r.Context(), req.Email); err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, acceptedResponse{
		Message: "if an account has this email, a link to reset its password is on its way; it works once, within " +
			strconv.Itoa(int(a.svc.Config.SignIn.ResetTTL.Minutes())) + " minutes"})
}

type setPasswordRequest struct {
	Password string `json:"password"`
}

func (a *api) resetPassword(w http.ResponseWriter, r *http.Request) error {
	var req setPasswordRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := a.svc.ResetPassword(r.Context(), r.PathValue("token"), req.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (a *api) changePassword(w http.ResponseWriter, r *http.Request) error {
	var req changePasswordRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := a.svc.ChangePassword(r.Context(), principal(r), req.CurrentPassword, req.NewPassword); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
