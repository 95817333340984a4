package api

import (
	"testing"
)

// TestGoldenResponses pins the JSON of every resource the API returns. It
// walks a sender and a signer far enough to see each response once; the
// full flow is tested end to end in package cli.
func TestGoldenResponses(t *testing.T) {
	e := newEnv(t)
	reg := e.expect(e.do(req{method: "POST", path: "/api/v1/auth/register", body: map[string]string{
		"email": "olive@example.com", "password": "correct horse battery", "name": "Olive Owner", "organization": "Acme"}}), 201, "")
	golden(t, "register", reg)
	token := decode[registerResponse](t, reg).AccessToken

	golden(t, "login", e.expect(e.do(req{method: "POST", path: "/api/v1/auth/login", body: map[string]string{
		"email": "olive@example.com", "password": "correct horse battery"}}), 200, ""))
	golden(t, "api_key", e.expect(e.do(req{method: "POST", path: "/api/v1/api-keys", token: token, body: map[string]string{"name": "CI"}}), 201, ""))

	created := e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: map[string]any{
		"name": "Office lease", "subject": "Please sign the lease", "message": "By Friday, please.", "expires_at": "2026-06-01T00:00:00Z",
		"reminder_delay_hours": 48, "reminder_frequency_hours": 24, "expiry_warning_hours": 72}}), 201, "")
	golden(t, "envelope_created", created)
	envID := decode[envelopeResponse](t, created).ID
	base := "/api/v1/envelopes/" + envID

	doc := e.expect(e.do(req{method: "POST", path: base + "/documents", token: token, body: pdfUpload("file", "lease.pdf", testPDF)}), 201, "")
	golden(t, "document", doc)
	docID := decode[documentResponse](t, doc).ID

	rcp := e.expect(e.do(req{method: "POST", path: base + "/recipients", token: token, body: map[string]any{
		"name": "Ana Signer", "email": "ana@example.com", "role": "signer", "routing_order": 1, "phone": "+15550001111"}}), 201, "")
	golden(t, "recipient", rcp)
	rcpID := decode[recipientResponse](t, rcp).ID

	fld := e.expect(e.do(req{method: "POST", path: base + "/fields", token: token, body: map[string]any{
		"document_id": docID, "recipient_id": rcpID, "type": "signature", "page": 1, "x": 72, "y": 600, "width": 200, "height": 50}}), 201, "")
	golden(t, "field", fld)
	e.expect(e.do(req{method: "POST", path: base + "/fields", token: token, body: map[string]any{
		"document_id": docID, "recipient_id": rcpID, "type": "text", "page": 2, "x": 72, "y": 100, "width": 200, "height": 20, "required": false}}), 201, "")

	golden(t, "envelope_sent", e.expect(e.do(req{method: "POST", path: base + "/send", token: token}), 200, ""))
	golden(t, "envelope_list", e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes?status=sent", token: token}), 200, ""))
	golden(t, "signing_url", e.expect(e.do(req{method: "POST", path: base + "/recipients/" + rcpID + "/signing-url", token: token}), 200, ""))

	e.drain()
	link, err := e.mail.TokenFor("ana@example.com")
	if err != nil {
		t.Fatal(err)
	}
	sp := "/api/v1/signing/" + link
	view := e.expect(e.do(req{method: "GET", path: sp}), 200, "")
	golden(t, "signing_view", view)
	fieldID := decode[signingViewResponse](t, view).Fields[0].ID
	golden(t, "field_filled", e.expect(e.do(req{method: "POST", path: sp + "/fields/" + fieldID, body: map[string]any{
		"signature": map[string]string{"kind": "typed", "text": "Ana Signer", "font": "dancing-script"}}}), 200, ""))
	golden(t, "signing_complete", e.expect(e.do(req{method: "POST", path: sp + "/complete"}), 200, ""))

	golden(t, "envelope", e.expect(e.do(req{method: "GET", path: base, token: token}), 200, ""))
	golden(t, "audit", e.expect(e.do(req{method: "GET", path: base + "/audit", token: token}), 200, ""))
	golden(t, "problem_validation", e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: map[string]string{"name": " "}}), 422, "validation_failed"))
	golden(t, "problem_not_found", e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes/env_00000000000000000000000000", token: token}), 404, "not_found"))
}
