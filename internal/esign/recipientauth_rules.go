package esign

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Access codes are chosen by the sender: 4 to 32 characters.
const (
	minAccessCode = 4
	maxAccessCode = 32
)

// authMethod checks the recipient's authentication method against what it
// needs: sms_otp a phone, access_code a code (checked by setAccessCode).
func (in *RecipientInput) authMethod(phone string) (string, error) {
	method := in.Auth
	switch method {
	case "", AuthNone:
		method = AuthNone
	case AuthAccessCode, AuthEmailOTP, AuthIDV:
	case AuthSMSOTP:
		if phone == "" {
			return "", Invalid("phone", "is required for auth sms_otp: the one-time code is texted to it")
		}
	default:
		return "", onAuth(Errorf(KindInvalid, CodeUnsupportedAuth,
			"recipient authentication %q is not supported; use none, access_code, email_otp, sms_otp or idv", in.Auth))
	}
	if in.AccessCode != "" && method != AuthAccessCode {
		return "", Invalid("access_code", "is only for auth access_code (the recipient's auth is "+method+")")
	}
	return method, nil
}

// hashAccessCode checks a code the sender set and hashes it; empty stays
// empty. It runs before any transaction: the hash is deliberately slow.
func (s *Service) hashAccessCode(code string) (string, error) {
	if code == "" {
		return "", nil
	}
	n := utf8.RuneCountInString(code)
	if !utf8.ValidString(code) || n < minAccessCode || n > maxAccessCode {
		return "", Invalid("access_code", fmt.Sprintf("must be %d to %d characters", minAccessCode, maxAccessCode))
	}
	for _, c := range code {
		if unicode.IsControl(c) {
			return "", Invalid("access_code", "must not contain control characters")
		}
	}
	h, err := s.Passwords.Hash(code)
	if err != nil {
		return "", fmt.Errorf("hash access code: %w", err)
	}
	return h, nil
}

// setAccessCode gives an access_code recipient the new code's hash, or
// keeps the old one; other methods hold none.
func setAccessCode(r *Recipient, newHash, oldHash string) error {
	switch {
	case r.AuthMethod != AuthAccessCode:
		r.AccessCodeHash = ""
	case newHash != "":
		r.AccessCodeHash = newHash
	case oldHash != "":
		r.AccessCodeHash = oldHash
	default:
		return Invalid("access_code", fmt.Sprintf("is required for auth access_code: %d to %d characters that you give the recipient yourself, out of band", minAccessCode, maxAccessCode))
	}
	return nil
}

// checkIDVConfigured refuses the idv method when no provider is set up.
func (s *Service) checkIDVConfigured(r *Recipient) error {
	if r.AuthMethod == AuthIDV && (s.Config.IDVURL == "" || len(s.Config.IDVSecret) == 0) {
		return onAuth(Errorf(KindInvalid, CodeUnsupportedAuth, "recipient authentication idv needs an identity verification provider; the operator sets GSIGN_IDV_URL and GSIGN_IDV_SECRET"))
	}
	return nil
}

// onAuth names the request's auth member as the offending input.
func onAuth(e *Error) *Error {
	e.Fields = map[string]string{"auth": e.Message}
	return e
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
