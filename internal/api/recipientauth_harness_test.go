package api

import (
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
)

// authEnvelope is a sent envelope whose one signer, Ana, authenticates.
type authEnvelope struct {
	e      *env
	sender string // the sender's access token
	id     string // envelope id
	docID  string
	rcp    recipientResponse
	sig    fieldResponse
	link   string // Ana's signing token
	email  string
}

// sendWithAuth sends an envelope to Ana with the recipient members given
// (auth, access_code, phone, embedded, or another email) and, unless
// embedded, reads her link from the mail.
func (e *env) sendWithAuth(sender string, recipient map[string]any) *authEnvelope {
	e.t.Helper()
	a := &authEnvelope{e: e, sender: sender, email: "ana@example.com"}
	if addr, ok := recipient["email"].(string); ok {
		a.email = addr
	}
	a.id, a.docID = e.draft(sender)
	body := map[string]any{"name": "Ana", "email": "ana@example.com"}
	for k, v := range recipient {
		body[k] = v
	}
	base := "/api/v1/envelopes/" + a.id
	a.rcp = decode[recipientResponse](e.t, e.expect(e.do(req{method: "POST", path: base + "/recipients", token: sender, body: body}), 201, ""))
	a.sig = decode[fieldResponse](e.t, e.expect(e.do(req{method: "POST", path: base + "/fields", token: sender, body: map[string]any{
		"document_id": a.docID, "recipient_id": a.rcp.ID, "type": "signature", "page": 1, "x": 72, "y": 600, "width": 200, "height": 50}}), 201, ""))
	e.expect(e.do(req{method: "POST", path: base + "/send", token: sender}), 200, "")
	e.drain()
	if embedded, _ := recipient["embedded"].(bool); !embedded {
		link, err := e.mail.TokenFor(a.email)
		if err != nil {
			e.t.Fatal(err)
		}
		a.link = link
	}
	return a
}

// relogin gives the sender a fresh access token, after the clock moved
// past the old one's life.
func (a *authEnvelope) relogin() {
	a.e.t.Helper()
	w := a.e.expect(a.e.do(req{method: "POST", path: "/api/v1/auth/login", body: map[string]string{
		"email": "olive@example.com", "password": "correct horse battery"}}), 200, "")
	a.sender = decode[tokensResponse](a.e.t, w).AccessToken
}

// path is the signing API path of Ana's link (or of tok, when given).
func (a *authEnvelope) path(suffix string) string { return "/api/v1/signing/" + a.link + suffix }

// proofHeader sends a recipient-auth proof as API clients do.
func proofHeader(proof string) map[string]string {
	return map[string]string{recipientAuthHeader: proof}
}

// verify enters code and returns the response.
func (a *authEnvelope) verify(code string) *httptest.ResponseRecorder {
	return a.e.do(req{method: "POST", path: a.path("/auth"), body: map[string]string{"code": code}})
}

// sign fills Ana's signature field and completes, with the proof.
func (a *authEnvelope) sign(proof string) {
	a.e.t.Helper()
	h := proofHeader(proof)
	a.e.expect(a.e.do(req{method: "POST", path: a.path("/fields/" + a.sig.ID), header: h,
		body: `{"signature": {"kind": "typed", "text": "Ana"}}`}), 200, "")
	a.e.expect(a.e.do(req{method: "POST", path: a.path("/complete"), header: h}), 200, "")
}

// recipient reads Ana as the sender sees her.
func (a *authEnvelope) recipient() recipientResponse {
	a.e.t.Helper()
	d := decode[envelopeDetailResponse](a.e.t, a.e.expect(a.e.do(req{method: "GET", path: "/api/v1/envelopes/" + a.id, token: a.sender}), 200, ""))
	return d.Recipients[0]
}

// auditTypes lists the envelope's audit event types, and fails if any
// event's data holds one of the secrets.
func (a *authEnvelope) auditTypes(secrets ...string) []string {
	a.e.t.Helper()
	w := a.e.expect(a.e.do(req{method: "GET", path: "/api/v1/envelopes/" + a.id + "/audit", token: a.sender}), 200, "")
	for _, s := range secrets {
		if s != "" && strings.Contains(w.Body.String(), s) {
			a.e.t.Errorf("the audit trail contains the secret %q", s)
		}
	}
	var rep struct {
		Events []struct {
			Type string            `json:"type"`
			Data map[string]string `json:"data"`
		} `json:"events"`
		Verified bool `json:"verified"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
		a.e.t.Fatal(err)
	}
	if !rep.Verified {
		a.e.t.Error("the audit chain does not verify")
	}
	var types []string
	for _, ev := range rep.Events {
		types = append(types, ev.Type)
	}
	return types
}

var codePattern = regexp.MustCompile(`\b\d{6}\b`)

// mailedCode is the one-time code in the newest email to addr.
func (e *env) mailedCode(addr string) string {
	e.t.Helper()
	e.drain()
	msgs := e.mail.To(addr)
	if len(msgs) == 0 {
		e.t.Fatalf("no email to %s", addr)
	}
	m := msgs[len(msgs)-1]
	code := codePattern.FindString(m.Text)
	if code == "" || strings.Contains(m.Subject, code) {
		e.t.Fatalf("the newest email to %s carries no code, or shows it in its subject: %q %q", addr, m.Subject, m.Text)
	}
	return code
}

// textedCode is the one-time code in the newest text to phone.
func (e *env) textedCode(phone string) string {
	e.t.Helper()
	e.drain()
	msgs := e.svc.SMS.(*esigntest.SMS).To(phone)
	if len(msgs) == 0 {
		e.t.Fatalf("no text to %s", phone)
	}
	code := codePattern.FindString(msgs[len(msgs)-1].Body)
	if code == "" {
		e.t.Fatalf("the newest text to %s carries no code: %q", phone, msgs[len(msgs)-1].Body)
	}
	return code
}

// problemOf decodes a problem response.
func problemOf(t *testing.T, w *httptest.ResponseRecorder) problem {
	t.Helper()
	return decode[problem](t, w)
}

// wantAuthRequired checks a 401 recipient_auth_required naming the method
// and destination.
func wantAuthRequired(t *testing.T, e *env, w *httptest.ResponseRecorder, method, destination string) {
	t.Helper()
	e.expect(w, 401, esign.CodeRecipientAuthRequired)
	p := problemOf(t, w)
	if p.Details["method"] != method || p.Details["destination"] != destination {
		t.Errorf("details %v, want method %s destination %q", p.Details, method, destination)
	}
	if got := w.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "GSign-Recipient-Auth") {
		t.Errorf("WWW-Authenticate %q", got)
	}
}
