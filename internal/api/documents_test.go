package api

import (
	"bytes"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// untouchable is a request body that fails the test if anything reads it.
type untouchable struct{ t *testing.T }

func (u untouchable) Read([]byte) (int, error) {
	u.t.Error("the request body was read")
	return 0, io.ErrUnexpectedEOF
}

// TestUploadRefusedBeforeReading: uploads that cannot succeed are refused
// without reading their body.
func TestUploadRefusedBeforeReading(t *testing.T) {
	const limit = 1024
	e := newEnv(t, func(c *Config) { c.MaxUploadBytes = limit })
	alice, bob := e.register("alice@example.com"), e.register("bob@example.com")
	draft, _ := e.draft(alice)
	voided, _ := e.draft(alice)
	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes/" + voided + "/void", token: alice, body: `{"reason": "wrong file"}`}), 200, "")
	tests := []struct {
		name     string
		envelope string
		token    string
		length   int64
		key      string
		status   int
		code     string
	}{
		{"declared too large", draft, alice, limit + multipartOverhead + 1, "", 413, esign.CodeTooLarge},
		{"declared too large with an idempotency key", draft, alice, limit + multipartOverhead + 1, "k", 413, esign.CodeTooLarge},
		{"declared far too large", draft, alice, 1 << 40, "", 413, esign.CodeTooLarge},
		{"not a draft", voided, alice, 100, "", 409, esign.CodeNotDraft},
		{"another organization's envelope", draft, bob, 100, "", 404, esign.CodeNotFound},
		{"no credentials", draft, "", 100, "", 401, esign.CodeUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.newRequest(req{method: "POST", path: "/api/v1/envelopes/" + tt.envelope + "/documents", token: tt.token,
				body: untouchable{t}, header: map[string]string{"Content-Type": "multipart/form-data; boundary=x", "Idempotency-Key": tt.key}})
			r.ContentLength = tt.length
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, r)
			e.expect(w, tt.status, tt.code)
		})
	}
}

// TestUploadLimits: bodies that turn out too large while streaming are cut
// off, and what is not a usable upload is refused.
func TestUploadLimits(t *testing.T) {
	const limit = 2048
	e := newEnv(t, func(c *Config) { c.MaxUploadBytes = limit })
	token := e.register("alice@example.com")
	envID, _ := e.draft(token)
	huge := pdfUpload("file", "huge.pdf", bytes.Repeat([]byte("%"), limit+multipartOverhead))
	over := pdfUpload("file", "over.pdf", append(testPDF, bytes.Repeat([]byte(" "), limit)...))
	tests := []struct {
		name   string
		body   any
		ctype  string
		key    string
		status int
		code   string
	}{
		{"chunked past the body limit", io.MultiReader(bytes.NewReader(huge.data)), huge.ctype, "", 413, esign.CodeTooLarge},
		{"chunked past the body limit, keyed", io.MultiReader(bytes.NewReader(huge.data)), huge.ctype, "k1", 413, esign.CodeTooLarge},
		{"file over the limit", bytes.NewReader(over.data), over.ctype, "", 413, esign.CodeTooLarge},
		{"file over the limit, keyed", bytes.NewReader(over.data), over.ctype, "k2", 413, esign.CodeTooLarge},
		{"no file part", pdfUpload("document", "a.pdf", testPDF), "", "", 422, esign.CodeValidation},
		{"not multipart", strings.NewReader(`{"file": "x"}`), "application/json", "", 400, codeInvalidMultipart},
		{"not a PDF", pdfUpload("file", "notes.txt", []byte("just text")), "", "", 422, esign.CodeInvalidPDF},
		{"empty file", pdfUpload("file", "empty.pdf", nil), "", "", 422, esign.CodeInvalidPDF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{"Idempotency-Key": tt.key}
			if tt.ctype != "" {
				hdr["Content-Type"] = tt.ctype
			}
			e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes/" + envID + "/documents", token: token, body: tt.body, header: hdr}), tt.status, tt.code)
		})
	}
	d := decode[envelopeDetailResponse](t, e.do(req{method: "GET", path: "/api/v1/envelopes/" + envID, token: token}))
	if len(d.Documents) != 1 {
		t.Errorf("%d documents after refused uploads, want 1", len(d.Documents))
	}
	// A key whose upload was refused before it ran is not spent.
	up := pdfUpload("file", "ok.pdf", testPDF)
	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes/" + envID + "/documents", token: token, body: up, header: map[string]string{"Idempotency-Key": "k1"}}), 201, "")
}

func TestContentDisposition(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "lease.pdf", `attachment; filename="lease.pdf"`},
		{"quotes and slashes", `a"b\c/d.pdf`, `attachment; filename="a_b_c_d.pdf"; filename*=UTF-8''a%22b%5Cc%2Fd.pdf`},
		{"unicode", "Mietvertrag ü.pdf", `attachment; filename="Mietvertrag _.pdf"; filename*=UTF-8''Mietvertrag%20%C3%BC.pdf`},
		{"control characters", "a\r\nb.pdf", `attachment; filename="a__b.pdf"; filename*=UTF-8''a%0D%0Ab.pdf`},
		{"nothing usable", "ü", `attachment; filename="document.pdf"; filename*=UTF-8''%C3%BC`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := contentDisposition("attachment", tt.in); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
