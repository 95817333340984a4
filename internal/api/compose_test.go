package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"mime/multipart"
	"net/textproto"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// leaseBody is a whole envelope in one JSON body: testPDF in base64, an
// embedded signer (Ana) and a signer by email (Ben), each with a
// signature field, and the status given.
func leaseBody(status string) map[string]any {
	sig := func(page int) map[string]any {
		return map[string]any{"type": "signature", "page": page, "x": 72, "y": 600, "width": 200, "height": 50}
	}
	return map[string]any{
		"name": "Lease", "message": "Please sign", "status": status,
		"documents": []any{map[string]any{"name": "lease.pdf", "content_base64": base64.StdEncoding.EncodeToString(testPDF)}},
		"recipients": []any{
			map[string]any{"name": "Ana", "email": "ana@example.com", "embedded": true, "fields": []any{sig(1),
				map[string]any{"type": "text", "page": 2, "x": 72, "y": 100, "width": 200, "height": 20, "required": false}}},
			map[string]any{"name": "Ben", "email": "ben@example.com", "role": "signer", "routing_order": 1, "fields": []any{sig(2)}},
		},
	}
}

// One request creates, fills and sends the envelope; its answer is what GET
// shows, with the ids the caller needs to sign; the signers sign and the
// envelope is sealed.
func TestComposeSendAndSign(t *testing.T) {
	e := newEnv(t)
	token := e.register("olive@example.com")
	w := e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: leaseBody("sent")}), 201, "")
	d := decode[envelopeDetailResponse](t, w)
	if d.Status != "sent" || len(d.Documents) != 1 || d.Documents[0].Pages != 2 || len(d.Recipients) != 2 || len(d.Fields) != 3 {
		t.Fatalf("composed envelope: %s", w.Body)
	}
	if loc := w.Header().Get("Location"); loc != "/api/v1/envelopes/"+d.ID {
		t.Errorf("Location %q", loc)
	}
	base := "/api/v1/envelopes/" + d.ID
	if got := e.expect(e.do(req{method: "GET", path: base, token: token}), 200, ""); !bytes.Equal(got.Body.Bytes(), w.Body.Bytes()) {
		t.Errorf("GET differs from the answer to POST\n--- GET\n%s\n--- POST\n%s", got.Body, w.Body)
	}
	ana, ben := d.Recipients[0], d.Recipients[1]
	if !ana.Embedded || ana.Status != "sent" || ben.Status != "sent" || d.Fields[0].RecipientID != ana.ID || d.Fields[2].RecipientID != ben.ID ||
		d.Fields[2].DocumentID != d.Documents[0].ID || d.Fields[1].Required {
		t.Fatalf("recipients and fields: %s", w.Body)
	}

	url := decode[signingURLResponse](t, e.expect(e.do(req{method: "POST", path: base + "/recipients/" + ana.ID + "/signing-url", token: token}), 200, "")).URL
	view := decode[signingViewResponse](t, e.expect(e.do(req{method: "GET", path: "/api/v1/signing/" + url[strings.LastIndex(url, "/")+1:]}), 200, ""))
	e.signWith(view.SessionToken, d.Fields[0].ID)
	e.drain()
	link, err := e.mail.TokenFor("ben@example.com")
	if err != nil {
		t.Fatal(err)
	}
	e.signWith(link, d.Fields[2].ID)
	e.drain()

	done := decode[envelopeDetailResponse](t, e.expect(e.do(req{method: "GET", path: base, token: token}), 200, ""))
	if done.Status != "completed" || done.ResultStatus != string(esign.ResultReady) {
		t.Fatalf("after signing: status %s, result %s", done.Status, done.ResultStatus)
	}
	pdf := e.expect(e.do(req{method: "GET", path: base + "/download?part=combined", token: token}), 200, "")
	if !bytes.HasPrefix(pdf.Body.Bytes(), []byte("%PDF-")) {
		t.Error("the combined result is not a PDF")
	}
	audit := decode[auditResponse](t, e.expect(e.do(req{method: "GET", path: base + "/audit", token: token}), 200, ""))
	if !audit.Verified || audit.Events[0].Type != esign.AuditCreated || audit.Events[6].Type != esign.AuditFieldAdded || audit.Events[7].Type != esign.AuditSent {
		t.Errorf("audit trail: %+v", audit)
	}
}

// signWith signs field with a typed signature and finishes, as the
// recipient holding the signing token tok.
func (e *env) signWith(tok, field string) {
	e.t.Helper()
	sp := "/api/v1/signing/" + tok
	e.expect(e.do(req{method: "GET", path: sp}), 200, "")
	e.expect(e.do(req{method: "POST", path: sp + "/fields/" + field, body: `{"signature": {"kind": "typed", "text": "Signer"}}`}), 200, "")
	e.expect(e.do(req{method: "POST", path: sp + "/complete"}), 200, "")
}

// composeMultipart is a multipart body: the envelope part, then a part per
// file (each named "file" unless given as "name=filename").
func composeMultipart(t *testing.T, envelope any, files ...string) *upload {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if envelope != nil {
		j, err := json.Marshal(envelope)
		if err != nil {
			t.Fatal(err)
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="envelope"`)
		h.Set("Content-Type", "application/json")
		pw, _ := mw.CreatePart(h)
		pw.Write(j)
	}
	for _, f := range files {
		field, name, ok := strings.Cut(f, "=")
		if !ok {
			field, name = "file", f
		}
		fw, _ := mw.CreateFormFile(field, name)
		fw.Write(testPDF)
	}
	mw.Close()
	return &upload{data: b.Bytes(), ctype: mw.FormDataContentType()}
}

// Multipart carries the PDFs as files, in order, named by their file names.
func TestComposeMultipart(t *testing.T) {
	e := newEnv(t)
	token := e.register("olive@example.com")
	body := leaseBody("draft")
	delete(body, "documents")
	body["recipients"].([]any)[1].(map[string]any)["fields"].([]any)[0].(map[string]any)["document"] = 1
	w := e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: composeMultipart(t, body, "lease.pdf", "annex.pdf")}), 201, "")
	d := decode[envelopeDetailResponse](t, w)
	if d.Status != "draft" || len(d.Documents) != 2 || d.Documents[0].Name != "lease.pdf" || d.Documents[1].Name != "annex.pdf" ||
		d.Fields[2].DocumentID != d.Documents[1].ID || d.Fields[0].DocumentID != d.Documents[0].ID || d.Recipients[1].Status != "created" {
		t.Fatalf("composed draft: %s", w.Body)
	}
	e.drain()
	if n := len(e.mail.To("ben@example.com")); n != 0 {
		t.Errorf("a draft mailed its signer %d times", n)
	}
	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes/" + d.ID + "/send", token: token}), 200, "")
}

// With signing_urls the answer also carries the signing URLs of the
// embedded signers whose turn it is, each good for one session; without it
// the answer has no such member; a draft cannot ask for them.
func TestComposeSigningURLs(t *testing.T) {
	e := newEnv(t)
	token := e.register("olive@example.com")
	body := leaseBody("sent")
	body["signing_urls"] = true
	w := e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: body}), 201, "")
	d := decode[composeResponse](t, w)
	if d.SigningURLs == nil || len(*d.SigningURLs) != 1 {
		t.Fatalf("signing URLs: %s", w.Body)
	}
	u := (*d.SigningURLs)[0]
	if u.RecipientID != d.Recipients[0].ID || u.ExpiresAt.IsZero() || !strings.Contains(u.URL, "/s/") {
		t.Fatalf("signing URL for Ana: %+v", u)
	}
	view := decode[signingViewResponse](t, e.expect(e.do(req{method: "GET", path: "/api/v1/signing/" + u.URL[strings.LastIndex(u.URL, "/")+1:]}), 200, ""))
	e.signWith(view.SessionToken, d.Fields[0].ID)
	e.expect(e.do(req{method: "GET", path: "/api/v1/signing/" + u.URL[strings.LastIndex(u.URL, "/")+1:]}), 410, esign.CodeLinkGone)

	plain := e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: leaseBody("sent")}), 201, "")
	if strings.Contains(plain.Body.String(), "signing_urls") {
		t.Errorf("an answer not asked for signing URLs has them: %s", plain.Body)
	}
	before := len(e.listedIDs(token))
	draft := leaseBody("draft")
	draft["signing_urls"] = true
	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: draft}), 422, esign.CodeValidation)
	if after := len(e.listedIDs(token)); after != before {
		t.Errorf("a refused request created an envelope (%d, then %d)", before, after)
	}
}

// The draft-only body keeps its contract.
func TestComposeDraftOnly(t *testing.T) {
	e := newEnv(t)
	token := e.register("olive@example.com")
	w := e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: map[string]any{"name": "Lease", "status": "draft"}}), 201, "")
	d := decode[envelopeDetailResponse](t, w)
	if d.Status != "draft" || d.Documents == nil || len(d.Documents)+len(d.Recipients)+len(d.Fields) != 0 {
		t.Fatalf("draft: %s", w.Body)
	}
}

// A viewer may neither create nor send; a member may do both at once.
func TestComposePermissions(t *testing.T) {
	e := newEnv(t)
	owner := e.register("olive@example.com")
	viewer := e.join(owner, "vic@example.com", esign.RoleOrgViewer)
	member := e.join(owner, "meg@example.com", esign.RoleMember)
	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: viewer, body: leaseBody("sent")}), 403, esign.CodeForbiddenRole)
	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: viewer, body: composeMultipart(t, map[string]any{"name": "x", "status": "sent"}, "a.pdf")}), 403, esign.CodeForbiddenRole)
	e.noTrace(owner)
	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: member, body: leaseBody("sent")}), 201, "")
}

// A replayed Idempotency-Key answers the first response and creates
// nothing more, for JSON and multipart bodies alike.
func TestComposeIdempotent(t *testing.T) {
	e := newEnv(t)
	token := e.register("olive@example.com")
	key := map[string]string{"Idempotency-Key": "compose-1"}
	first := e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: leaseBody("sent"), header: key}), 201, "")
	again := e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: leaseBody("sent"), header: key}), 201, "")
	if again.Header().Get("Idempotent-Replayed") != "true" || !bytes.Equal(first.Body.Bytes(), again.Body.Bytes()) {
		t.Errorf("not replayed: %q\n%s", again.Header().Get("Idempotent-Replayed"), again.Body)
	}
	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: leaseBody("draft"), header: key}), 422, esign.CodeIdempotencyMismatch)

	mp := composeMultipart(t, map[string]any{"name": "Annex"}, "annex.pdf")
	key = map[string]string{"Idempotency-Key": "compose-2"}
	first = e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: mp, header: key}), 201, "")
	again = e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: mp, header: key}), 201, "")
	if again.Header().Get("Idempotent-Replayed") != "true" || !bytes.Equal(first.Body.Bytes(), again.Body.Bytes()) {
		t.Errorf("multipart not replayed: %q", again.Header().Get("Idempotent-Replayed"))
	}
	if n := len(e.listedIDs(token)); n != 2 {
		t.Errorf("%d envelopes, want 2", n)
	}
	e.drain()
	if n := len(e.mail.To("ben@example.com")); n != 1 {
		t.Errorf("the signer got %d sign requests, want 1", n)
	}
}

// noTrace checks that the caller's organization has no envelope and the
// blob store no document.
func (e *env) noTrace(token string) {
	e.t.Helper()
	if ids := e.listedIDs(token); len(ids) != 0 {
		e.t.Errorf("envelopes left behind: %v", ids)
	}
	var keys []string
	err := e.svc.Blobs.List(context.Background(), "documents/", func(b esign.BlobInfo) error {
		keys = append(keys, b.Key)
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(keys) != 0 {
		e.t.Errorf("blobs left behind: %v", keys)
	}
}
