package api

import (
	"encoding/base64"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/totp"
)

var resetLinkRE = regexp.MustCompile(`https://sign\.example\.com/app/reset/(gsp_[A-Za-z0-9_-]+)`)

// resetToken asks for a reset of email, runs the outbox and returns the
// token of the link emailed, or "" when none was.
func (e *env) resetToken(email string) string {
	e.t.Helper()
	w := e.expect(e.do(req{method: "POST", path: "/api/v1/auth/password-reset", body: map[string]string{"email": email}}), 202, "")
	if !strings.Contains(w.Body.String(), "if an account has this email") {
		e.t.Fatalf("reset answer %s", w.Body)
	}
	e.drain()
	for _, m := range e.mail.To(email) {
		if mm := resetLinkRE.FindStringSubmatch(m.Text); mm != nil && m.Subject == "Reset your GSign password" {
			return mm[1]
		}
	}
	return ""
}

func resetReq(token, password string) req {
	return req{method: "POST", path: "/api/v1/auth/password-reset/" + token, body: map[string]string{"password": password}}
}

// TestPasswordReset: an unknown email gets the same 202 and no email; the
// link sets a new password once, ends every session (the old access token
// is refused at once), keeps API keys, and lifts the lock; a used,
// expired, unknown or malformed token is 410, a short password 422.
func TestPasswordReset(t *testing.T) {
	e := unlimitedEnv(t)
	oldToken := e.register("olive@example.com")
	key := decode[apiKeyResponse](t, e.expect(e.do(req{method: "POST", path: "/api/v1/api-keys", token: oldToken, body: map[string]string{"name": "CI"}}), 201, "")).Key
	if tok := e.resetToken("nobody@example.com"); tok != "" || len(e.mail.To("nobody@example.com")) != 0 {
		t.Fatal("an unknown email was sent a reset link")
	}
	for range 5 {
		e.expect(e.do(loginReq("olive@example.com", "wrong password!")), 401, esign.CodeInvalidCredentials)
	}
	e.expect(e.do(loginReq("olive@example.com", goodPassword)), 429, esign.CodeAccountLocked)
	tok := e.resetToken("olive@example.com")
	if tok == "" {
		t.Fatal("no reset link emailed")
	}
	e.expect(e.do(resetReq(tok, "short")), 422, esign.CodeValidation)
	e.expect(e.do(resetReq(tok+"x", "a brand new password")), 410, esign.CodeResetTokenInvalid)
	e.expect(e.do(resetReq("not-a-token", "a brand new password")), 410, esign.CodeResetTokenInvalid)
	e.expect(e.do(resetReq(tok, "a brand new password")), 204, "")
	e.expect(e.do(resetReq(tok, "another new password")), 410, esign.CodeResetTokenInvalid)
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes", token: oldToken}), 401, esign.CodeUnauthorized)
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes", token: key}), 200, "")
	e.expect(e.do(loginReq("olive@example.com", goodPassword)), 401, esign.CodeInvalidCredentials)
	e.expect(e.do(loginReq("olive@example.com", "a brand new password")), 200, "")

	e.clock.Advance(2 * time.Minute) // the next reset email is not throttled
	late := e.resetToken("olive@example.com")
	e.clock.Advance(time.Hour)
	e.expect(e.do(resetReq(late, "too late a password")), 410, esign.CodeResetTokenInvalid)
}

// TestPasswordResetThrottled: requests within a minute send one email.
func TestPasswordResetThrottled(t *testing.T) {
	e := unlimitedEnv(t)
	e.register("olive@example.com")
	e.resetToken("olive@example.com")
	e.resetToken("olive@example.com")
	if n := len(e.mail.To("olive@example.com")); n != 1 {
		t.Fatalf("%d reset emails, want 1", n)
	}
}

// enrollTOTP turns TOTP on for the token's user and returns the secret and
// the recovery codes.
func (e *env) enrollTOTP(token string) (string, []string) {
	e.t.Helper()
	w := e.expect(e.do(req{method: "POST", path: "/api/v1/auth/totp", token: token}), 201, "")
	en := decode[totpEnrollResponse](e.t, w)
	png, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(en.QRCode, "data:image/png;base64,"))
	if err != nil || !strings.HasPrefix(string(png), "\x89PNG") || !strings.HasPrefix(en.OTPAuthURI, "otpauth://totp/GSign:") {
		e.t.Fatalf("enrollment %+v", en)
	}
	e.expect(e.do(req{method: "POST", path: "/api/v1/auth/totp/confirm", token: token, body: map[string]string{"code": "000000"}}), 422, esign.CodeInvalidOTP)
	w = e.expect(e.do(req{method: "POST", path: "/api/v1/auth/totp/confirm", token: token, body: map[string]string{"code": e.code(en.Secret)}}), 200, "")
	codes := decode[recoveryCodesResponse](e.t, w).RecoveryCodes
	if len(codes) != esign.RecoveryCodeCount {
		e.t.Fatalf("%d recovery codes", len(codes))
	}
	return en.Secret, codes
}

// code is the TOTP code an app shows for secret at the env's clock.
func (e *env) code(secret string) string {
	e.t.Helper()
	c, err := totp.Code(secret, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) mfaToken(email string) string {
	e.t.Helper()
	w := e.expect(e.do(loginReq(email, goodPassword)), 200, "")
	ch := decode[mfaChallengeResponse](e.t, w)
	if !ch.MFARequired || ch.MFAToken == "" || strings.Contains(w.Body.String(), "access_token") {
		e.t.Fatalf("login with TOTP on answered %s", w.Body)
	}
	return ch.MFAToken
}

func mfaReq(path, token string, body map[string]string) req {
	body["mfa_token"] = token
	return req{method: "POST", path: path, body: body}
}

// TestTOTPSignIn: with TOTP on, the password step gives a challenge; a
// code works once (the one used to confirm cannot sign in, nor can a code
// be replayed), a recovery code works once, wrong codes count toward the
// lock, and the cookie login has the same second step.
func TestTOTPSignIn(t *testing.T) {
	e := unlimitedEnv(t)
	token := e.register("olive@example.com")
	secret, codes := e.enrollTOTP(token)
	e.expect(e.do(req{method: "POST", path: "/api/v1/auth/totp", token: token}), 409, esign.CodeTOTPEnabled)

	ch := e.mfaToken("olive@example.com")
	e.expect(e.do(mfaReq("/api/v1/auth/login/mfa", ch, map[string]string{"code": e.code(secret)})), 401, esign.CodeInvalidOTP)
	e.expect(e.do(mfaReq("/api/v1/auth/login/mfa", ch, map[string]string{})), 422, esign.CodeValidation)
	e.clock.Advance(30 * time.Second)
	c := e.code(secret)
	e.expect(e.do(mfaReq("/api/v1/auth/login/mfa", ch, map[string]string{"code": c})), 200, "")
	e.expect(e.do(mfaReq("/api/v1/auth/login/mfa", ch, map[string]string{"code": c})), 401, esign.CodeUnauthorized)
	e.expect(e.do(mfaReq("/api/v1/auth/login/mfa", e.mfaToken("olive@example.com"), map[string]string{"code": c})), 401, esign.CodeInvalidOTP)

	e.expect(e.do(mfaReq("/api/v1/auth/login/mfa", e.mfaToken("olive@example.com"), map[string]string{"recovery_code": strings.ToUpper(codes[0])})), 200, "")
	e.expect(e.do(mfaReq("/api/v1/auth/login/mfa", e.mfaToken("olive@example.com"), map[string]string{"recovery_code": codes[0]})), 401, esign.CodeInvalidOTP)

	e.clock.Advance(30 * time.Second)
	w := e.expect(e.do(mfaReq("/api/v1/auth/session/mfa", e.mfaToken("olive@example.com"), map[string]string{"code": e.code(secret)})), 200, "")
	if c := cookiesOf(w.Result().Cookies()); c[accessCookie] == nil || c[refreshCookie] == nil {
		t.Fatal("the cookie login's second step set no cookies")
	}
	w = e.expect(e.do(req{method: "GET", path: "/api/v1/auth/totp", token: token}), 200, "")
	if st := decode[totpStatusResponse](t, w); !st.Enabled || st.RecoveryCodesLeft != 9 {
		t.Fatalf("status %+v", st)
	}

	// Failed codes lock the email like failed passwords.
	ch = e.mfaToken("olive@example.com")
	for range 5 {
		e.expect(e.do(mfaReq("/api/v1/auth/login/mfa", ch, map[string]string{"code": "123456"})), 401, esign.CodeInvalidOTP)
	}
	e.expect(e.do(mfaReq("/api/v1/auth/login/mfa", ch, map[string]string{"code": e.code(secret)})), 429, esign.CodeAccountLocked)
	e.expect(e.do(mfaReq("/api/v1/auth/login/mfa", "gsm_"+strings.Repeat("x", 43), map[string]string{"code": "123456"})), 401, esign.CodeUnauthorized)
}

// TestTOTPManage: recovery codes can be replaced (the old ones stop
// working), TOTP is turned off with the password or a code (not with a
// wrong one), and then a login needs no second step; an API key cannot
// manage TOTP.
func TestTOTPManage(t *testing.T) {
	e := unlimitedEnv(t)
	token := e.register("olive@example.com")
	key := decode[apiKeyResponse](t, e.do(req{method: "POST", path: "/api/v1/api-keys", token: token, body: map[string]string{"name": "CI"}})).Key
	e.expect(e.do(req{method: "POST", path: "/api/v1/auth/totp", token: key}), 403, esign.CodeSessionRequired)
	e.expect(e.do(req{method: "POST", path: "/api/v1/auth/totp/confirm", token: token, body: map[string]string{"code": "123456"}}), 409, esign.CodeTOTPNotStarted)
	e.expect(e.do(req{method: "POST", path: "/api/v1/auth/totp/recovery-codes", token: token}), 409, esign.CodeTOTPNotStarted)
	_, old := e.enrollTOTP(token)
	w := e.expect(e.do(req{method: "POST", path: "/api/v1/auth/totp/recovery-codes", token: token}), 200, "")
	fresh := decode[recoveryCodesResponse](t, w).RecoveryCodes
	e.expect(e.do(mfaReq("/api/v1/auth/login/mfa", e.mfaToken("olive@example.com"), map[string]string{"recovery_code": old[1]})), 401, esign.CodeInvalidOTP)

	off := func(body map[string]string) *httptest.ResponseRecorder {
		return e.do(req{method: "DELETE", path: "/api/v1/auth/totp", token: token, body: body})
	}
	e.expect(off(map[string]string{"password": "wrong password!"}), 422, esign.CodeValidation)
	e.expect(off(map[string]string{"code": "999999"}), 422, esign.CodeInvalidOTP)
	e.expect(off(map[string]string{}), 422, esign.CodeValidation)
	e.expect(off(map[string]string{"code": fresh[0]}), 204, "")
	e.expect(e.do(loginReq("olive@example.com", goodPassword)), 200, "")
	if strings.Contains(e.do(loginReq("olive@example.com", goodPassword)).Body.String(), "mfa_required") {
		t.Fatal("a login still asks for a code once TOTP is off")
	}
}

// TestSessions: each sign-in is a session; the list marks the current one;
// revoking one refuses its access token at once; revoke-others and a
// password change end all but the current one; another user's session is
// not found.
func TestSessions(t *testing.T) {
	e := unlimitedEnv(t)
	first := e.register("olive@example.com")
	e.clock.Advance(time.Second)
	second := decode[tokensResponse](t, e.expect(e.do(loginReq("olive@example.com", goodPassword)), 200, "")).AccessToken
	e.clock.Advance(time.Second)
	third := decode[tokensResponse](t, e.expect(e.do(loginReq("olive@example.com", goodPassword)), 200, "")).AccessToken
	list := func(token string) []sessionItem {
		return decode[sessionListResponse](t, e.expect(e.do(req{method: "GET", path: "/api/v1/auth/sessions", token: token}), 200, "")).Sessions
	}
	ss := list(first)
	if len(ss) != 3 || !ss[2].Current || ss[0].Current || ss[0].IP != "192.0.2.10" || ss[0].UserAgent != "gsign-test" {
		t.Fatalf("sessions %+v", ss)
	}
	e.expect(e.do(req{method: "DELETE", path: "/api/v1/auth/sessions/" + ss[0].ID, token: first}), 204, "")
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes", token: third}), 401, esign.CodeUnauthorized)
	e.expect(e.do(req{method: "DELETE", path: "/api/v1/auth/sessions/" + ss[0].ID, token: first}), 404, esign.CodeNotFound)

	other := e.register("ben@example.com")
	e.expect(e.do(req{method: "DELETE", path: "/api/v1/auth/sessions/" + ss[1].ID, token: other}), 404, esign.CodeNotFound)

	w := e.expect(e.do(req{method: "POST", path: "/api/v1/auth/sessions/revoke-others", token: first}), 200, "")
	if n := decode[revokedResponse](t, w).Revoked; n != 1 {
		t.Fatalf("revoked %d, want 1", n)
	}
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes", token: second}), 401, esign.CodeUnauthorized)
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes", token: first}), 200, "")

	fourth := decode[tokensResponse](t, e.expect(e.do(loginReq("olive@example.com", goodPassword)), 200, "")).AccessToken
	change := func(current, next string) *httptest.ResponseRecorder {
		return e.do(req{method: "POST", path: "/api/v1/auth/password", token: first, body: map[string]string{"current_password": current, "new_password": next}})
	}
	e.expect(change("wrong password!", "a brand new password"), 422, esign.CodeValidation)
	e.expect(change(goodPassword, "short"), 422, esign.CodeValidation)
	e.expect(change(goodPassword, "a brand new password"), 204, "")
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes", token: fourth}), 401, esign.CodeUnauthorized)
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes", token: first}), 200, "")
	if ss := list(first); len(ss) != 1 || !ss[0].Current {
		t.Fatalf("after the change: %+v", ss)
	}
}
