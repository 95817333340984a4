package api

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// TestRecipientAuthValidation sends the bad inputs a sender may send when
// choosing a method, and checks each is refused with its field named.
func TestRecipientAuthValidation(t *testing.T) {
	e := newEnv(t)
	token := e.register("olive@example.com")
	envID, _ := e.draft(token)
	base := "/api/v1/envelopes/" + envID + "/recipients"
	for _, tc := range []struct {
		name   string
		body   map[string]any
		code   string
		member string
	}{
		{"sms without a phone", map[string]any{"auth": "sms_otp"}, esign.CodeValidation, "phone"},
		{"access code without a code", map[string]any{"auth": "access_code"}, esign.CodeValidation, "access_code"},
		{"access code too short", map[string]any{"auth": "access_code", "access_code": "abc"}, esign.CodeValidation, "access_code"},
		{"access code too long", map[string]any{"auth": "access_code", "access_code": strings.Repeat("x", 33)}, esign.CodeValidation, "access_code"},
		{"a code for another method", map[string]any{"auth": "email_otp", "access_code": "1234"}, esign.CodeValidation, "access_code"},
		{"an unknown method", map[string]any{"auth": "retina"}, esign.CodeUnsupportedAuth, ""},
		{"idv without a provider", map[string]any{"auth": "idv"}, esign.CodeUnsupportedAuth, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := map[string]any{"name": "Ana", "email": "ana@example.com"}
			for k, v := range tc.body {
				body[k] = v
			}
			w := e.expect(e.do(req{method: "POST", path: base, token: token, body: body}), 422, tc.code)
			if p := problemOf(t, w); tc.member != "" && p.Errors[tc.member] == "" {
				t.Errorf("the problem does not name %s: %s", tc.member, w.Body)
			}
		})
	}

	// Drafts: the code is kept across other changes, dropped with the method.
	rcp := decode[recipientResponse](t, e.expect(e.do(req{method: "POST", path: base, token: token, body: map[string]any{
		"name": "Ana", "email": "ana@example.com", "auth": "access_code", "access_code": "tulip-42"}}), 201, ""))
	if !rcp.AccessCodeSet || strings.Contains(e.do(req{method: "GET", path: "/api/v1/envelopes/" + envID, token: token}).Body.String(), "tulip-42") {
		t.Fatalf("access code set %v, or the code is shown", rcp.AccessCodeSet)
	}
	patch := func(body map[string]any, status int, code string) recipientResponse {
		w := e.expect(e.do(req{method: "PATCH", path: base + "/" + rcp.ID, token: token, body: body}), status, code)
		if status != 200 {
			return recipientResponse{}
		}
		return decode[recipientResponse](t, w)
	}
	if got := patch(map[string]any{"name": "Ana B"}, 200, ""); !got.AccessCodeSet || got.Auth != esign.AuthAccessCode {
		t.Errorf("a name change lost the access code: %+v", got)
	}
	patch(map[string]any{"auth": "sms_otp"}, 422, esign.CodeValidation)
	if got := patch(map[string]any{"auth": "sms_otp", "phone": "+447700900789"}, 200, ""); got.AccessCodeSet || got.Auth != esign.AuthSMSOTP {
		t.Errorf("switching to sms_otp kept the access code: %+v", got)
	}
	patch(map[string]any{"auth": "access_code"}, 422, esign.CodeValidation)
	if got := patch(map[string]any{"auth": "access_code", "access_code": "rose-77"}, 200, ""); !got.AccessCodeSet {
		t.Errorf("a new access code was not set: %+v", got)
	}
}

// TestEmailOTPEndToEnd: until Ana enters the emailed code, she sees only
// what and from whom; then she signs with the proof (header, then cookie),
// and the method is recorded on her, in the audit trail and the evidence.
func TestEmailOTPEndToEnd(t *testing.T) {
	e := newEnv(t)
	a := e.sendWithAuth(e.register("olive@example.com"), map[string]any{"auth": "email_otp"})

	view := decode[signingViewResponse](t, e.expect(e.do(req{method: "GET", path: a.path("")}), 200, ""))
	if q := view.AuthRequired; q == nil || q.Method != "email_otp" || q.Destination != "a***@example.com" ||
		len(view.Documents)+len(view.Fields) != 0 || view.Envelope.Name != "Lease" || view.Envelope.Message != "" || view.Sender.Name != "Olive Owner" {
		t.Fatalf("unauthenticated view: %+v", view)
	}
	if r := a.recipient(); r.DeliveredAt != nil {
		t.Error("an unauthenticated look counted as a view")
	}
	for _, q := range []req{
		{method: "GET", path: a.path("/documents/" + a.docID)},
		{method: "POST", path: a.path("/fields/" + a.sig.ID), body: `{"signature": {"kind": "typed", "text": "Ana"}}`},
		{method: "POST", path: a.path("/complete")},
		{method: "POST", path: a.path("/decline")},
		{method: "GET", path: a.path("/documents/" + a.docID), header: proofHeader("gsp_" + strings.Repeat("A", 43))},
	} {
		wantAuthRequired(t, e, e.do(q), "email_otp", "a***@example.com")
	}
	e.expect(a.verify("123456"), 401, esign.CodeAuthCodeExpired) // none sent yet

	sent := decode[authCodeResponse](t, e.expect(e.do(req{method: "POST", path: a.path("/auth/code")}), 202, ""))
	if sent.Destination != "a***@example.com" || !sent.ExpiresAt.Equal(e.clock.Now().Add(10*time.Minute)) {
		t.Errorf("code sent: %+v", sent)
	}
	code := e.mailedCode("ana@example.com")
	e.expect(a.verify(wrong(code)), 401, esign.CodeAuthCodeInvalid)
	w := e.expect(a.verify(code), 200, "")
	res := decode[authResponse](t, w)
	if !strings.HasPrefix(res.AuthProof, "gsp_") || res.Method != "email_otp" {
		t.Fatalf("auth result: %+v", res)
	}
	checkProofCookies(t, w, res.AuthProof)
	e.expect(a.verify(code), 401, esign.CodeAuthCodeExpired) // used

	full := decode[signingViewResponse](t, e.expect(e.do(req{method: "GET", path: a.path(""), header: proofHeader(res.AuthProof)}), 200, ""))
	if full.AuthRequired != nil || len(full.Documents) != 1 || len(full.Fields) != 1 {
		t.Fatalf("authenticated view: %+v", full)
	}
	cookie := map[string]string{"Cookie": proofCookieName(a.link) + "=" + res.AuthProof}
	e.expect(e.do(req{method: "GET", path: a.path("/documents/" + a.docID), header: cookie}), 200, "")
	a.sign(res.AuthProof)

	if r := a.recipient(); r.AuthUsed != "email_otp" || r.AuthDetail != "a***@example.com" {
		t.Errorf("recorded %q %q", r.AuthUsed, r.AuthDetail)
	}
	types := a.auditTypes(code)
	for _, want := range []string{esign.AuditAuthCodeSent, esign.AuditAuthFailed, esign.AuditAuthSucceeded, esign.AuditSigned} {
		if !slices.Contains(types, want) {
			t.Errorf("audit trail %v lacks %s", types, want)
		}
	}
	e.drain()
	ev := e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes/" + a.id + "/download?part=evidence", token: a.sender}), 200, "").Body.String()
	if !strings.Contains(ev, `"authentication": "Email one-time code to a***@example.com"`) || strings.Contains(ev, code) {
		t.Errorf("the evidence does not record the method, or holds the code:\n%s", ev)
	}
}

// wrong is a six-digit code other than code.
func wrong(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

// checkProofCookies: the proof is set HttpOnly, SameSite=Strict, for the
// signing API and the signing page.
func checkProofCookies(t *testing.T, w *httptest.ResponseRecorder, proof string) {
	t.Helper()
	paths := map[string]bool{}
	for _, c := range w.Result().Cookies() {
		if c.Value == proof && c.HttpOnly && c.SameSite == http.SameSiteStrictMode {
			paths[c.Path] = true
		}
	}
	if !paths["/api/v1/signing/"] || !paths["/s/"] {
		t.Errorf("proof cookies for %v, want /api/v1/signing/ and /s/ (HttpOnly, SameSite=Strict)", paths)
	}
}

// TestSMSOTPEndToEnd reads the code from the texts sent.
func TestSMSOTPEndToEnd(t *testing.T) {
	e := newEnv(t)
	a := e.sendWithAuth(e.register("olive@example.com"), map[string]any{"auth": "sms_otp", "phone": "+44 7700 900789"})
	wantAuthRequired(t, e, e.do(req{method: "GET", path: a.path("/documents/" + a.docID)}), "sms_otp", "+44*******789")
	e.expect(e.do(req{method: "POST", path: a.path("/auth/code")}), 202, "")
	res := decode[authResponse](t, e.expect(a.verify(e.textedCode("+447700900789")), 200, ""))
	a.sign(res.AuthProof)
	if r := a.recipient(); r.AuthUsed != "sms_otp" || r.AuthDetail != "+44*******789" {
		t.Errorf("recorded %q %q", r.AuthUsed, r.AuthDetail)
	}
}

// TestOTPLimits: a code expires after 10 minutes, is burned by its fifth
// wrong attempt, and codes are sent at most once per 30 s and 5 an hour.
func TestOTPLimits(t *testing.T) {
	e := newEnv(t)
	a := e.sendWithAuth(e.register("olive@example.com"), map[string]any{"auth": "email_otp"})
	send := func(status int, code string) *httptest.ResponseRecorder {
		return e.expect(e.do(req{method: "POST", path: a.path("/auth/code")}), status, code)
	}
	send(202, "")
	code := e.mailedCode("ana@example.com")
	w := send(429, esign.CodeRateLimited)
	if ra := w.Header().Get("Retry-After"); ra != "30" {
		t.Errorf("resend Retry-After %q, want 30", ra)
	}
	e.clock.Advance(10*time.Minute + time.Second)
	e.expect(a.verify(code), 401, esign.CodeAuthCodeExpired)

	send(202, "")
	code = e.mailedCode("ana@example.com")
	for i := 1; i < esign.AuthCodeAttempts; i++ {
		e.expect(a.verify(wrong(code)), 401, esign.CodeAuthCodeInvalid)
	}
	e.expect(a.verify(wrong(code)), 401, esign.CodeAuthCodeExpired) // the fifth burns it
	e.expect(a.verify(code), 401, esign.CodeAuthCodeExpired)

	for i := 3; i <= esign.AuthSendsPerHour; i++ {
		e.clock.Advance(31 * time.Second)
		send(202, "")
	}
	e.clock.Advance(31 * time.Second)
	w = send(429, esign.CodeRateLimited)
	if ra := w.Header().Get("Retry-After"); ra == "" || ra == "30" {
		t.Errorf("the sixth code in an hour: Retry-After %q, want the wait for the hour", ra)
	}
	e.drain()
	if n := len(e.mail.To("ana@example.com")); n != 1+esign.AuthSendsPerHour {
		t.Errorf("%d emails to Ana, want the sign request and %d codes", n, esign.AuthSendsPerHour)
	}
}
