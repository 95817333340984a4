package api

import (
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// certRecorder keeps the certificates it renders, so a test can read what
// each recipient's block says.
type certRecorder struct {
	next esign.CertificateRenderer
	mu   sync.Mutex
	auth map[string]string // recipient email → its Authentication line
}

func (c *certRecorder) RenderCertificate(ctx context.Context, cert *esign.Certificate, w io.Writer) error {
	c.mu.Lock()
	for _, r := range cert.Recipients {
		c.auth[r.Email] = r.Authentication
	}
	c.mu.Unlock()
	return c.next.RenderCertificate(ctx, cert, w)
}

// recordCertificates makes e's Service render through a certRecorder.
func (e *env) recordCertificates() *certRecorder {
	c := &certRecorder{next: e.svc.Certificates, auth: map[string]string{}}
	e.svc.Certificates = c
	return c
}

func (c *certRecorder) line(email string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.auth[email]
}

// openEmbedded asks for a signing URL (with the body given) and opens it;
// it returns the view, whose session token a then continues with.
func (a *authEnvelope) openEmbedded(body string) signingViewResponse {
	a.e.t.Helper()
	w := a.e.expect(a.e.do(req{method: "POST", path: "/api/v1/envelopes/" + a.id + "/recipients/" + a.rcp.ID + "/signing-url", token: a.sender, body: body}), 200, "")
	url := decode[signingURLResponse](a.e.t, w).URL
	v := decode[signingViewResponse](a.e.t, a.e.expect(a.e.do(req{method: "GET", path: "/api/v1/signing/" + url[strings.LastIndex(url, "/")+1:]}), 200, ""))
	if v.SessionToken == "" {
		a.e.t.Fatal("opening the embedded URL returned no session token")
	}
	a.link = v.SessionToken
	return v
}

// TestEmbeddedRecipientAuth: an embedded session still asks for the
// method; a proof is bound to the session it was won with; a sender that
// authenticated the signer itself says so, and that is what is recorded.
func TestEmbeddedRecipientAuth(t *testing.T) {
	e := newEnv(t)
	certs := e.recordCertificates()
	sender := e.register("olive@example.com")

	ana := e.sendWithAuth(sender, map[string]any{"auth": "email_otp", "embedded": true})
	if v := ana.openEmbedded(""); v.AuthRequired == nil || len(v.Documents) != 0 {
		t.Fatalf("embedded view before auth: %+v", v)
	}
	wantAuthRequired(t, e, e.do(req{method: "GET", path: ana.path("/documents/" + ana.docID)}), "email_otp", "a***@example.com")
	e.expect(e.do(req{method: "POST", path: ana.path("/auth/code")}), 202, "")
	res := decode[authResponse](t, e.expect(ana.verify(e.mailedCode("ana@example.com")), 200, ""))
	e.expect(e.do(req{method: "GET", path: ana.path("/documents/" + ana.docID), header: proofHeader(res.AuthProof)}), 200, "")
	ana.openEmbedded("{}") // a new session: the proof was bound to the old one
	wantAuthRequired(t, e, e.do(req{method: "GET", path: ana.path("/documents/" + ana.docID), header: proofHeader(res.AuthProof)}), "email_otp", "a***@example.com")

	bea := e.sendWithAuth(sender, map[string]any{"auth": "sms_otp", "phone": "+15550001111", "embedded": true, "email": "bea@example.com"})
	if v := bea.openEmbedded(`{"auth_performed_by_sender": true}`); v.AuthRequired != nil || len(v.Documents) != 1 {
		t.Fatalf("embedded view, sender authenticated: %+v", v)
	}
	bea.sign("")
	if r := bea.recipient(); r.AuthUsed != esign.AuthSender {
		t.Errorf("recorded %q, want %s", r.AuthUsed, esign.AuthSender)
	}
	if types := bea.auditTypes(); !slices.Contains(types, esign.AuditSigningURLCreated) {
		t.Errorf("audit trail %v", types)
	}
	audit := e.do(req{method: "GET", path: "/api/v1/envelopes/" + bea.id + "/audit", token: sender}).Body.String()
	if !strings.Contains(audit, `"auth_performed_by":"sender_application"`) {
		t.Errorf("the audit trail does not say the sender authenticated the signer: %s", audit)
	}
	e.drain()
	if got := certs.line("bea@example.com"); got != "Sender application" {
		t.Errorf("certificate line %q, want Sender application", got)
	}
}

// TestCertificateRecordsTheMethod: the certificate of completion's block
// for each recipient says how they were authenticated.
func TestCertificateRecordsTheMethod(t *testing.T) {
	e := newEnv(t)
	certs := e.recordCertificates()
	sender := e.register("olive@example.com")
	for _, tc := range []struct {
		recipient map[string]any
		code      func() string
		want      string
	}{
		{map[string]any{"auth": "email_otp", "email": "eve@example.com"}, func() string { return e.mailedCode("eve@example.com") }, "Email one-time code to e***@example.com"},
		{map[string]any{"auth": "access_code", "access_code": "tulip-42", "email": "abe@example.com"}, func() string { return "tulip-42" }, "Access code"},
		{map[string]any{"email": "nia@example.com"}, nil, "None (the signing link)"},
	} {
		a := e.sendWithAuth(sender, tc.recipient)
		proof := ""
		if tc.code != nil {
			if tc.recipient["auth"] == "email_otp" {
				e.expect(e.do(req{method: "POST", path: a.path("/auth/code")}), 202, "")
			}
			proof = decode[authResponse](t, e.expect(a.verify(tc.code()), 200, "")).AuthProof
		}
		a.sign(proof)
		e.drain()
		if got := certs.line(a.email); got != tc.want {
			t.Errorf("%s: certificate line %q, want %q", a.email, got, tc.want)
		}
	}
}
