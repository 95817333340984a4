package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// sessionCookies signs in through the cookie route and returns the cookies.
func (e *env) sessionCookies(email string, header map[string]string) map[string]*http.Cookie {
	e.t.Helper()
	w := e.expect(e.do(req{method: "POST", path: "/api/v1/auth/session", header: header,
		body: map[string]string{"email": email, "password": "correct horse battery"}}), 200, "")
	if strings.Contains(w.Body.String(), "gsa_") || strings.Contains(w.Body.String(), "gsr_") {
		e.t.Fatalf("the session response shows a token to scripts: %s", w.Body)
	}
	return cookiesOf(w.Result().Cookies())
}

func cookiesOf(cs []*http.Cookie) map[string]*http.Cookie {
	m := map[string]*http.Cookie{}
	for _, c := range cs {
		m[c.Name] = c
	}
	return m
}

func cookieHeader(cs ...*http.Cookie) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// TestSessionCookies: the cookie login sets HttpOnly, SameSite=Lax cookies,
// Secure only over TLS; they authenticate sender routes; refresh rotates
// them; sign-out clears them; bad credentials set nothing.
func TestSessionCookies(t *testing.T) {
	e := newEnv(t)
	e.register("olive@example.com")
	w := e.expect(e.do(req{method: "POST", path: "/api/v1/auth/session",
		body: map[string]string{"email": "olive@example.com", "password": "wrong password!"}}), 401, esign.CodeInvalidCredentials)
	if len(w.Result().Cookies()) != 0 {
		t.Fatal("a failed sign-in set cookies")
	}
	c := e.sessionCookies("olive@example.com", nil)
	access, refresh := c[accessCookie], c[refreshCookie]
	if access == nil || refresh == nil {
		t.Fatalf("cookies %v", c)
	}
	for _, ck := range []*http.Cookie{access, refresh} {
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure || ck.MaxAge <= 0 {
			t.Errorf("cookie %s: HttpOnly=%v SameSite=%v Secure=%v MaxAge=%d", ck.Name, ck.HttpOnly, ck.SameSite, ck.Secure, ck.MaxAge)
		}
	}
	if access.Path != "/" || refresh.Path != "/api/v1/auth/session" {
		t.Errorf("paths %q and %q", access.Path, refresh.Path)
	}
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes", header: map[string]string{"Cookie": cookieHeader(access)}}), 200, "")

	e.expect(e.do(req{method: "POST", path: "/api/v1/auth/session/refresh"}), 401, esign.CodeUnauthorized)
	w = e.expect(e.do(req{method: "POST", path: "/api/v1/auth/session/refresh", header: map[string]string{"Cookie": cookieHeader(refresh)}}), 200, "")
	renewed := cookiesOf(w.Result().Cookies())
	if renewed[accessCookie] == nil || renewed[accessCookie].Value == access.Value || renewed[refreshCookie].Value == refresh.Value {
		t.Fatal("refresh did not rotate the cookies")
	}
	e.expect(e.do(req{method: "POST", path: "/api/v1/auth/session/refresh", header: map[string]string{"Cookie": cookieHeader(refresh)}}), 401, esign.CodeUnauthorized)

	e.clock.Advance(16 * time.Minute)
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes", header: map[string]string{"Cookie": cookieHeader(renewed[accessCookie])}}), 401, esign.CodeUnauthorized)
}

// TestSessionSignOut: signing out clears the cookies and revokes both
// tokens, so copies of them no longer work; without a session it still
// answers 204.
func TestSessionSignOut(t *testing.T) {
	e := newEnv(t)
	e.register("olive@example.com")
	c := e.sessionCookies("olive@example.com", nil)
	other := e.sessionCookies("olive@example.com", nil) // another browser
	w := e.expect(e.do(req{method: "DELETE", path: "/api/v1/auth/session", header: map[string]string{"Cookie": cookieHeader(c[accessCookie], c[refreshCookie])}}), 204, "")
	for _, ck := range w.Result().Cookies() {
		if ck.MaxAge >= 0 || ck.Value != "" {
			t.Errorf("sign-out left cookie %s=%q max-age %d", ck.Name, ck.Value, ck.MaxAge)
		}
	}
	if len(w.Result().Cookies()) != 2 {
		t.Errorf("sign-out cleared %d cookies, want 2", len(w.Result().Cookies()))
	}
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes", header: map[string]string{"Cookie": cookieHeader(c[accessCookie])}}), 401, esign.CodeUnauthorized)
	e.expect(e.do(req{method: "POST", path: "/api/v1/auth/session/refresh", header: map[string]string{"Cookie": cookieHeader(c[refreshCookie])}}), 401, esign.CodeUnauthorized)
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes", header: map[string]string{"Cookie": cookieHeader(other[accessCookie])}}), 200, "")
	for _, junk := range []string{"", "gsr_unknown", "gsa_not_a_refresh_token"} {
		e.expect(e.do(req{method: "DELETE", path: "/api/v1/auth/session", header: map[string]string{"Cookie": refreshCookie + "=" + junk}}), 204, "")
	}
}

// TestSessionCookieSecureBehindTLSProxy: a trusted proxy that says the
// browser used HTTPS gets Secure cookies; an untrusted header does not.
func TestSessionCookieSecureBehindTLSProxy(t *testing.T) {
	for _, trust := range []bool{true, false} {
		e := newEnv(t, func(c *Config) { c.TrustProxyHeaders = trust })
		e.register("olive@example.com")
		c := e.sessionCookies("olive@example.com", map[string]string{"X-Forwarded-Proto": "https"})
		if c[accessCookie].Secure != trust || c[refreshCookie].Secure != trust {
			t.Errorf("trust proxy %v: Secure %v/%v", trust, c[accessCookie].Secure, c[refreshCookie].Secure)
		}
	}
}

// TestSessionCSRF: a cookie-authenticated write needs the app's header and,
// with Origin, this origin; a refused one changes nothing. Bearer callers
// need neither.
func TestSessionCSRF(t *testing.T) {
	e := newEnv(t)
	token := e.register("olive@example.com")
	cookie := cookieHeader(e.sessionCookies("olive@example.com", nil)[accessCookie])
	body := map[string]string{"name": "Lease"}
	tests := []struct {
		name   string
		header map[string]string
		status int
		code   string
	}{
		{"cookie without the header", map[string]string{"Cookie": cookie}, 403, codeCSRF},
		{"cookie, header, another origin", map[string]string{"Cookie": cookie, csrfHeader: "1", "Origin": "https://evil.example"}, 403, codeCSRF},
		{"cookie, header, a malformed origin", map[string]string{"Cookie": cookie, csrfHeader: "1", "Origin": "::"}, 403, codeCSRF},
		{"cookie, header, no origin", map[string]string{"Cookie": cookie, csrfHeader: "1"}, 201, ""},
		{"cookie, header, this origin", map[string]string{"Cookie": cookie, csrfHeader: "1", "Origin": "http://example.com"}, 201, ""},
		{"bearer needs no header", map[string]string{"Authorization": "Bearer " + token, "Origin": "https://evil.example"}, 201, ""},
	}
	created := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", header: tt.header, body: body}), tt.status, tt.code)
			if tt.status == 201 {
				created++
			}
		})
	}
	list := decode[struct{ Items []envelopeResponse }](t, e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes", token: token}), 200, ""))
	if len(list.Items) != created {
		t.Errorf("%d envelopes exist, want %d: refused requests must change nothing", len(list.Items), created)
	}
}

// TestOriginalDocument: the sender reads an uploaded PDF back, also in
// ranges; another organization and an unknown document are 404.
func TestOriginalDocument(t *testing.T) {
	e := newEnv(t)
	token := e.register("olive@example.com")
	envID, docID := e.draft(token)
	path := "/api/v1/envelopes/" + envID + "/documents/" + docID
	w := e.expect(e.do(req{method: "GET", path: path, token: token}), 200, "")
	if w.Body.String() != string(testPDF) || w.Header().Get("Content-Type") != "application/pdf" {
		t.Fatalf("got %s %d bytes", w.Header().Get("Content-Type"), w.Body.Len())
	}
	w = e.expect(e.do(req{method: "GET", path: path, token: token, header: map[string]string{"Range": "bytes=0-4"}}), 206, "")
	if w.Body.String() != "%PDF-" {
		t.Errorf("range body %q", w.Body)
	}
	other := e.register("mallory@example.com")
	e.expect(e.do(req{method: "GET", path: path, token: other}), 404, esign.CodeNotFound)
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes/" + envID + "/documents/doc_nope", token: token}), 404, esign.CodeNotFound)
	e.expect(e.do(req{method: "GET", path: path}), 401, esign.CodeUnauthorized)
}
