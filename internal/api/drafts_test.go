package api

import (
	"context"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// TestDraftEditing changes and removes a draft's recipients, fields and
// documents, and checks that the envelope reads back as edited.
func TestDraftEditing(t *testing.T) {
	e := newEnv(t)
	token := e.register("olive@example.com")
	envID, docID, ana, sig := e.signerDraft(token)
	base := "/api/v1/envelopes/" + envID
	bob := decode[recipientResponse](t, e.expect(e.do(req{method: "POST", path: base + "/recipients", token: token, body: map[string]any{
		"name": "Bob", "email": "bob@example.com", "routing_order": 2}}), 201, ""))
	bobText := decode[fieldResponse](t, e.expect(e.do(req{method: "POST", path: base + "/fields", token: token, body: map[string]any{
		"document_id": docID, "recipient_id": bob.ID, "type": "text", "page": 1, "x": 72, "y": 100, "width": 100, "height": 20}}), 201, ""))

	golden(t, "recipient_updated", e.expect(e.do(req{method: "PATCH", path: base + "/recipients/" + ana.ID, token: token, body: map[string]any{
		"name": "Ana Maria", "routing_order": 3}}), 200, ""))
	golden(t, "field_updated", e.expect(e.do(req{method: "PATCH", path: base + "/fields/" + sig.ID, token: token, body: map[string]any{
		"x": 100, "y": 500, "width": 180, "height": 40}}), 200, ""))
	moved := decode[fieldResponse](t, e.expect(e.do(req{method: "PATCH", path: base + "/fields/" + bobText.ID, token: token, body: map[string]any{
		"recipient_id": ana.ID, "required": false}}), 200, ""))
	if moved.RecipientID != ana.ID || moved.Required || moved.X != 72 {
		t.Errorf("reassigned field = %+v", moved)
	}
	e.expect(e.do(req{method: "DELETE", path: base + "/fields/" + bobText.ID, token: token}), 204, "")
	e.expect(e.do(req{method: "DELETE", path: base + "/fields/" + bobText.ID, token: token}), 404, esign.CodeNotFound)
	e.expect(e.do(req{method: "DELETE", path: base + "/recipients/" + bob.ID, token: token}), 204, "")

	d := decode[envelopeDetailResponse](t, e.expect(e.do(req{method: "GET", path: base, token: token}), 200, ""))
	if len(d.Recipients) != 1 || d.Recipients[0].Name != "Ana Maria" || d.Recipients[0].RoutingOrder != 3 {
		t.Errorf("recipients after editing = %+v", d.Recipients)
	}
	if len(d.Fields) != 1 || d.Fields[0].ID != sig.ID || d.Fields[0].X != 100 || d.Fields[0].Height != 40 {
		t.Errorf("fields after editing = %+v", d.Fields)
	}

	// Removing a recipient takes its fields; removing a document takes its fields.
	e.expect(e.do(req{method: "DELETE", path: base + "/recipients/" + ana.ID, token: token}), 204, "")
	if d := decode[envelopeDetailResponse](t, e.do(req{method: "GET", path: base, token: token})); len(d.Fields) != 0 || len(d.Recipients) != 0 {
		t.Errorf("after removing the recipient: %d recipients, %d fields", len(d.Recipients), len(d.Fields))
	}
	envID2, docID2, _, _ := e.signerDraft(token)
	blobKey := "documents/" + envID2 + "/" + docID2 + ".pdf"
	if _, err := e.svc.Blobs.Stat(context.Background(), blobKey); err != nil {
		t.Fatalf("the uploaded document's blob: %v", err)
	}
	e.expect(e.do(req{method: "DELETE", path: "/api/v1/envelopes/" + envID2 + "/documents/" + docID2, token: token}), 204, "")
	if _, err := e.svc.Blobs.Stat(context.Background(), blobKey); !esign.IsKind(err, esign.KindNotFound) {
		t.Errorf("the removed document's blob is still there: %v", err)
	}
	if d := decode[envelopeDetailResponse](t, e.do(req{method: "GET", path: "/api/v1/envelopes/" + envID2, token: token})); len(d.Fields) != 0 || len(d.Documents) != 0 || len(d.Recipients) != 1 {
		t.Errorf("after removing the document: %d documents, %d fields, %d recipients", len(d.Documents), len(d.Fields), len(d.Recipients))
	}
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes/" + envID2 + "/documents/" + docID2, token: token}), 404, esign.CodeNotFound)

	audit := e.expect(e.do(req{method: "GET", path: base + "/audit", token: token}), 200, "")
	for _, typ := range []string{esign.AuditRecipientUpdated, esign.AuditFieldUpdated, esign.AuditFieldRemoved, esign.AuditRecipientRemoved} {
		if !strings.Contains(audit.Body.String(), `"`+typ+`"`) {
			t.Errorf("audit trail lacks %s", typ)
		}
	}
}

// TestDraftEditingBadInput sends bad changes, other organizations' ids and
// changes to a sent envelope; none of them changes anything.
func TestDraftEditingBadInput(t *testing.T) {
	e := newEnv(t)
	token := e.register("olive@example.com")
	other := e.register("otto@example.com")
	envID, docID, ana, sig := e.signerDraft(token)
	base := "/api/v1/envelopes/" + envID
	for _, tc := range []struct {
		name, path string
		body       map[string]any
		status     int
		code       string
	}{
		{"empty name", "/recipients/" + ana.ID, map[string]any{"name": " "}, 422, esign.CodeValidation},
		{"bad email", "/recipients/" + ana.ID, map[string]any{"email": "nope"}, 422, esign.CodeValidation},
		{"bad role", "/recipients/" + ana.ID, map[string]any{"role": "boss"}, 422, esign.CodeValidation},
		{"cc with a field", "/recipients/" + ana.ID, map[string]any{"role": "cc"}, 422, esign.CodeValidation},
		{"routing order", "/recipients/" + ana.ID, map[string]any{"routing_order": 5000}, 422, esign.CodeValidation},
		{"unknown member", "/recipients/" + ana.ID, map[string]any{"colour": "red"}, 400, esign.CodeInvalidJSON},
		{"unknown recipient", "/recipients/rcp_nope", map[string]any{"name": "X"}, 404, esign.CodeNotFound},
		{"off the page", "/fields/" + sig.ID, map[string]any{"x": 5000}, 422, esign.CodeValidation},
		{"tiny", "/fields/" + sig.ID, map[string]any{"width": 0}, 422, esign.CodeValidation},
		{"no such page", "/fields/" + sig.ID, map[string]any{"page": 9}, 422, esign.CodeValidation},
		{"bad type", "/fields/" + sig.ID, map[string]any{"type": "stamp"}, 422, esign.CodeValidation},
		{"stranger", "/fields/" + sig.ID, map[string]any{"recipient_id": "rcp_nope"}, 422, esign.CodeValidation},
		{"unknown field", "/fields/fld_nope", map[string]any{"x": 1}, 404, esign.CodeNotFound},
	} {
		t.Log(tc.name)
		e.expect(e.do(req{method: "PATCH", path: base + tc.path, token: token, body: tc.body}), tc.status, tc.code)
	}
	e.expect(e.do(req{method: "DELETE", path: base + "/documents/doc_nope", token: token}), 404, esign.CodeNotFound)
	edits := []req{
		{method: "PATCH", path: base + "/recipients/" + ana.ID, body: map[string]any{"name": "X"}},
		{method: "DELETE", path: base + "/recipients/" + ana.ID},
		{method: "PATCH", path: base + "/fields/" + sig.ID, body: map[string]any{"x": 1}},
		{method: "DELETE", path: base + "/fields/" + sig.ID},
		{method: "DELETE", path: base + "/documents/" + docID},
	}
	for _, q := range edits {
		q.token = other
		e.expect(e.do(q), 404, esign.CodeNotFound)
	}
	d := decode[envelopeDetailResponse](t, e.do(req{method: "GET", path: base, token: token}))
	if len(d.Recipients) != 1 || d.Recipients[0].Name != "Ana" || d.Recipients[0].Role != "signer" || len(d.Fields) != 1 || d.Fields[0].X != 72 || len(d.Documents) != 1 {
		t.Errorf("bad input changed the draft: %+v", d)
	}

	e.expect(e.do(req{method: "POST", path: base + "/send", token: token}), 200, "")
	for _, q := range edits {
		q.token = token
		e.expect(e.do(q), 409, esign.CodeNotDraft)
	}
}
