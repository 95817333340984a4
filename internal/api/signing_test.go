package api

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// TestSigningAndDownload drives one signer through the signing API and
// downloads the result; it checks the file responses and the refusals.
func TestSigningAndDownload(t *testing.T) {
	e := newEnv(t)
	token := e.register("alice@example.com")
	envID, docID, rcp, sig := e.signerDraft(token)
	base := "/api/v1/envelopes/" + envID
	e.expect(e.do(req{method: "POST", path: base + "/send", token: token}), 200, "")
	e.expect(e.do(req{method: "GET", path: base + "/download", token: token}), 409, esign.CodeNotCompleted)

	// Embedded signing: the URL is spent on opening and exchanged for a session.
	url := decode[signingURLResponse](t, e.do(req{method: "POST", path: base + "/recipients/" + rcp.ID + "/signing-url", token: token})).URL
	embedded := url[strings.LastIndex(url, "/")+1:]
	view := decode[signingViewResponse](t, e.expect(e.do(req{method: "GET", path: "/api/v1/signing/" + embedded}), 200, ""))
	if view.SessionToken == "" {
		t.Fatal("opening an embedded signing URL returned no session_token")
	}
	e.expect(e.do(req{method: "GET", path: "/api/v1/signing/" + embedded}), 410, esign.CodeLinkGone)
	sp := "/api/v1/signing/" + view.SessionToken

	pdf := e.expect(e.do(req{method: "GET", path: sp + "/documents/" + docID}), 200, "")
	if !bytes.Equal(pdf.Body.Bytes(), testPDF) || pdf.Header().Get("Content-Type") != "application/pdf" || pdf.Header().Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Errorf("signing document: %s %q %q", pdf.Header(), pdf.Header().Get("Content-Type"), pdf.Header().Get("X-Frame-Options"))
	}
	e.expect(e.do(req{method: "GET", path: sp + "/documents/doc_nope"}), 404, esign.CodeNotFound)
	e.expect(e.do(req{method: "POST", path: sp + "/fields/" + sig.ID, body: `{"signature": {"kind": "draw", "image_png_base64": "%%%not-base64"}}`}), 422, esign.CodeValidation)
	e.expect(e.do(req{method: "POST", path: sp + "/fields/" + sig.ID, body: `{"signature": {"kind": "draw", "image_png_base64": "aGVsbG8="}}`}), 422, esign.CodeValidation)
	for _, bad := range []struct {
		body, code, field string
		status            int
	}{
		{`{"signature": {"kind": "typed", "text": "Ana", "font": "comic-sans"}}`, esign.CodeValidation, "signature.font", 422},
		{`{"signature": {"kind": "typed", "text": "Ωμέγα", "font": "caveat"}}`, esign.CodeValidation, "signature.text", 422},
		{`{"signature": {"kind": "typed", "text": "Ana", "font": 7}}`, "invalid_json", "signature.font", 400},
	} {
		w := e.expect(e.do(req{method: "POST", path: sp + "/fields/" + sig.ID, body: bad.body}), bad.status, bad.code)
		if !strings.Contains(w.Body.String(), `"`+bad.field+`"`) {
			t.Errorf("%s: the problem does not name %s: %s", bad.body, bad.field, w.Body)
		}
	}
	e.expect(e.do(req{method: "POST", path: sp + "/fields/" + sig.ID, body: `{"signature": {"kind": "draw", "image_png_base64": "` + signaturePNG(t) + `"}}`}), 200, "")
	e.expect(e.do(req{method: "POST", path: sp + "/fields/" + sig.ID, body: `{"value": "x"}`}), 409, esign.CodeFieldFilled)
	e.expect(e.do(req{method: "POST", path: sp + "/complete"}), 200, "")
	e.expect(e.do(req{method: "POST", path: sp + "/decline", body: `{"reason": "late"}`}), 410, esign.CodeLinkGone)

	e.drain() // produces the result
	w := e.expect(e.do(req{method: "GET", path: base + "/download?part=document&document_id=" + docID, token: token}), 200, "")
	h := w.Header()
	if h.Get("Content-Type") != "application/pdf" || h.Get("Content-Disposition") != `attachment; filename="lease.pdf"` ||
		h.Get("Content-Length") != strconv.Itoa(w.Body.Len()) || !bytes.HasPrefix(w.Body.Bytes(), []byte("%PDF-")) {
		t.Errorf("download: %v, %d bytes", h, w.Body.Len())
	}
	e.expect(e.do(req{method: "GET", path: base + "/download?part=bogus", token: token}), 422, esign.CodeValidation)
}

func TestDecline(t *testing.T) {
	e := newEnv(t)
	token := e.register("alice@example.com")
	envID, docID := e.draft(token)
	base := "/api/v1/envelopes/" + envID
	rcp := decode[recipientResponse](t, e.do(req{method: "POST", path: base + "/recipients", token: token, body: map[string]any{"name": "Ana", "email": "ana@example.com"}}))
	e.expect(e.do(req{method: "POST", path: base + "/fields", token: token, body: map[string]any{
		"document_id": docID, "recipient_id": rcp.ID, "type": "signature", "page": 1, "x": 72, "y": 600, "width": 200, "height": 50}}), 201, "")
	e.expect(e.do(req{method: "POST", path: base + "/send", token: token}), 200, "")
	e.drain()
	link, err := e.mail.TokenFor("ana@example.com")
	if err != nil {
		t.Fatal(err)
	}
	e.expect(e.do(req{method: "POST", path: "/api/v1/signing/" + link + "/decline", body: `{"reason": "wrong rent"}`}), 200, "")
	d := decode[envelopeDetailResponse](t, e.do(req{method: "GET", path: base, token: token}))
	if d.Status != "declined" || d.Recipients[0].DeclineReason != "wrong rent" {
		t.Errorf("after decline: status %s, reason %q", d.Status, d.Recipients[0].DeclineReason)
	}
	e.expect(e.do(req{method: "GET", path: "/api/v1/signing/" + link}), 410, esign.CodeLinkGone)
}
