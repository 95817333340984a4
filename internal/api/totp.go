package api

import (
	"encoding/base64"
	"net/http"

	"github.com/gsign/gsign/internal/esign"
)

type totpEnrollResponse struct {
	Secret     string `json:"secret"`
	OTPAuthURI string `json:"otpauth_uri"`
	QRCode     string `json:"qr_code"` // data:image/png;base64,…
}

// startTOTP begins an enrollment; the secret is shown this once.
func (a *api) startTOTP(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptionalJSON(r, &emptyRequest{}); err != nil {
		return err
	}
	k, err := a.svc.StartTOTP(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, totpEnrollResponse{Secret: k.Secret, OTPAuthURI: k.URI,
		QRCode: "data:image/png;base64," + base64.StdEncoding.EncodeToString(k.QRPNG)})
}

type totpCodeRequest struct {
	Code string `json:"code"`
}

type recoveryCodesResponse struct {
	RecoveryCodes []string `json:"recovery_codes"` // shown this once
}

func (a *api) confirmTOTP(w http.ResponseWriter, r *http.Request) error {
	var req totpCodeRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	codes, err := a.svc.ConfirmTOTP(r.Context(), principal(r), req.Code)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, recoveryCodesResponse{RecoveryCodes: codes})
}

type disableTOTPRequest struct {
	Password string `json:"password"`
	Code     string `json:"code"`
}

func (a *api) disableTOTP(w http.ResponseWriter, r *http.Request) error {
	var req disableTOTPRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := a.svc.DisableTOTP(r.Context(), principal(r), esign.DisableInput{Password: req.Password, Code: req.Code}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *api) regenerateRecoveryCodes(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptionalJSON(r, &emptyRequest{}); err != nil {
		return err
	}
	codes, err := a.svc.RegenerateRecoveryCodes(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, recoveryCodesResponse{RecoveryCodes: codes})
}

type totpStatusResponse struct {
	Enabled           bool `json:"enabled"`
	RecoveryCodesLeft int  `json:"recovery_codes_left"`
}

func (a *api) getTOTP(w http.ResponseWriter, r *http.Request) error {
	on, left, err := a.svc.TOTPStatus(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, totpStatusResponse{Enabled: on, RecoveryCodesLeft: left})
}
