package api

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

func logoPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestBrandingRoutes: an owner sets, reads and clears the branding; bad
// input gets a problem with a stable code and changes nothing.
func TestBrandingRoutes(t *testing.T) {
	e := newEnv(t)
	token := e.register("olive@example.com")
	const path = "/api/v1/organization/branding"
	golden(t, "branding_empty", e.expect(e.do(req{method: "GET", path: path, token: token}), 200, ""))
	golden(t, "branding", e.expect(e.do(req{method: "PUT", path: path, token: token, body: map[string]string{
		"display_name": "Acme Leasing", "color": "#C0392B", "reply_to": "contracts@acme.example"}}), 200, ""))
	logo := logoPNG(t, 80, 20)
	golden(t, "branding_logo", e.expect(e.do(req{method: "POST", path: path + "/logo", token: token, body: pdfUpload("file", "logo.png", logo)}), 200, ""))
	got := e.expect(e.do(req{method: "GET", path: path + "/logo", token: token}), 200, "")
	if !bytes.Equal(got.Body.Bytes(), logo) || got.Header().Get("Content-Type") != "image/png" {
		t.Fatalf("logo: %q, %d bytes", got.Header().Get("Content-Type"), got.Body.Len())
	}

	bad := []struct {
		name   string
		q      req
		status int
		code   string
	}{
		{"bad colour", req{method: "PUT", path: path, body: map[string]string{"color": "red"}}, 422, esign.CodeValidation},
		{"bad reply-to", req{method: "PUT", path: path, body: map[string]string{"reply_to": "contracts at acme"}}, 422, esign.CodeValidation},
		{"unknown field", req{method: "PUT", path: path, body: `{"colour": "#000000"}`}, 400, esign.CodeInvalidJSON},
		{"body over 1 MiB", req{method: "PUT", path: path, body: `{"display_name": "` + strings.Repeat("a", 1<<20) + `"}`}, 400, esign.CodeInvalidJSON},
		{"not an image", req{method: "POST", path: path + "/logo", body: pdfUpload("file", "logo.png", testPDF)}, 422, esign.CodeInvalidImage},
		{"oversized logo", req{method: "POST", path: path + "/logo", body: pdfUpload("file", "logo.png", append(bytes.Clone(logo), make([]byte, esign.MaxLogoBytes)...))}, 413, esign.CodeTooLarge},
		{"no file part", req{method: "POST", path: path + "/logo", body: pdfUpload("image", "logo.png", logo)}, 422, esign.CodeValidation},
		{"not multipart", req{method: "POST", path: path + "/logo", body: logo}, 400, codeInvalidMultipart},
		{"no credentials", req{method: "GET", path: path}, 401, esign.CodeUnauthorized},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if tt.status != 401 {
				tt.q.token = token
			}
			e.expect(e.do(tt.q), tt.status, tt.code)
		})
	}
	golden(t, "branding_logo", e.expect(e.do(req{method: "GET", path: path, token: token}), 200, "")) // unchanged by the refusals

	golden(t, "branding_preview", e.expect(e.do(req{method: "GET", path: path + "/preview?kind=recipient_completed", token: token}), 200, ""))
	e.expect(e.do(req{method: "GET", path: path + "/preview?kind=nope", token: token}), 422, esign.CodeValidation)
	golden(t, "branding_logo_deleted", e.expect(e.do(req{method: "DELETE", path: path + "/logo", token: token}), 200, ""))
	e.expect(e.do(req{method: "GET", path: path + "/logo", token: token}), 404, esign.CodeNotFound)
}

// TestBrandingMembersForbidden: a member of the organization is refused
// with 403 forbidden_role; owners and admins are not.
func TestBrandingMembersForbidden(t *testing.T) {
	e := newEnv(t)
	owner := e.register("olive@example.com")
	ctx := context.Background()
	p, err := e.svc.Authenticate(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := e.svc.Passwords.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	err = e.db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
		return tx.CreateUser(ctx, &esign.User{ID: esign.NewID(esign.PrefixUser, tx.Now()), OrgID: p.OrgID, Email: "mo@example.com", Name: "Mo",
			Role: esign.RoleMember, PasswordHash: hash, CreatedAt: tx.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	member := decode[tokensResponse](t, e.expect(e.do(req{method: "POST", path: "/api/v1/auth/login", body: map[string]string{
		"email": "mo@example.com", "password": "correct horse battery"}}), 200, "")).AccessToken
	const path = "/api/v1/organization/branding"
	for _, q := range []req{
		{method: "GET", path: path}, {method: "PUT", path: path, body: map[string]string{"color": "#000000"}},
		{method: "POST", path: path + "/logo", body: pdfUpload("file", "logo.png", logoPNG(t, 2, 2))},
		{method: "GET", path: path + "/logo"}, {method: "DELETE", path: path + "/logo"}, {method: "GET", path: path + "/preview"},
	} {
		q.token = member
		e.expect(e.do(q), 403, esign.CodeForbiddenRole)
	}
	e.expect(e.do(req{method: "GET", path: path, token: owner}), 200, "")
}

// TestSigningResultLink: results too large to attach reach a recipient as a
// link that downloads the sealed PDF without an account.
func TestSigningResultLink(t *testing.T) {
	e := newEnv(t)
	e.svc.Config.AttachMaxBytes = 1
	token := e.register("alice@example.com")
	envID, _, _, sig := e.signerDraft(token)
	base := "/api/v1/envelopes/" + envID
	e.expect(e.do(req{method: "POST", path: base + "/send", token: token}), 200, "")
	e.drain()
	link, err := e.mail.TokenFor("ana@example.com")
	if err != nil {
		t.Fatal(err)
	}
	sp := "/api/v1/signing/" + link
	e.expect(e.do(req{method: "GET", path: sp}), 200, "")
	e.expect(e.do(req{method: "POST", path: sp + "/fields/" + sig.ID, body: `{"signature": {"kind": "typed", "text": "Ana"}}`}), 200, "")
	e.expect(e.do(req{method: "POST", path: sp + "/complete"}), 200, "")
	e.drain()
	mails := e.mail.To("ana@example.com")
	text := mails[len(mails)-1].Text
	i := strings.Index(text, "https://sign.example.com/api/v1/signing/")
	if i < 0 || !strings.Contains(text, "too large to attach") {
		t.Fatalf("completed email:\n%s", text)
	}
	resultPath := strings.TrimPrefix(strings.Fields(text[i:])[0], "https://sign.example.com")
	w := e.expect(e.do(req{method: "GET", path: resultPath}), 200, "")
	if w.Header().Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(w.Body.Bytes(), []byte("%PDF-")) ||
		!strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment;") {
		t.Fatalf("result: %v, %d bytes", w.Header(), w.Body.Len())
	}
	e.expect(e.do(req{method: "GET", path: "/api/v1/signing/gst_nope/result"}), 404, esign.CodeNotFound)
	e.expect(e.do(req{method: "GET", path: sp + "/result"}), 404, esign.CodeNotFound) // a signing link never expires: it does not open results
}
