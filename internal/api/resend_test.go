package api

import (
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
)

// signRequestsTo counts the emails sent to addr and checks that each has an
// id of its own (a resend is a new email, not a retry of the first).
func (e *env) signRequestsTo(addr string) int {
	e.t.Helper()
	ids := map[string]bool{}
	for _, m := range e.mail.Sent() {
		if m.To == addr {
			if ids[m.ID] {
				e.t.Errorf("two emails to %s with id %s", addr, m.ID)
			}
			ids[m.ID] = true
		}
	}
	return len(ids)
}

// TestResend resends sign requests by email and SMS, and refuses them before
// sending, before the recipient's turn, for embedded recipients and across
// organizations.
func TestResend(t *testing.T) {
	e := newEnv(t)
	token := e.register("olive@example.com")
	other := e.register("otto@example.com")
	envID, docID, ana, _ := e.signerDraft(token)
	base := "/api/v1/envelopes/" + envID
	resend := func(rid, tok string) req {
		return req{method: "POST", path: base + "/recipients/" + rid + "/resend", token: tok}
	}
	e.expect(e.do(req{method: "PATCH", path: base + "/recipients/" + ana.ID, token: token, body: map[string]any{"phone": "+15550001111"}}), 200, "")
	bob := decode[recipientResponse](t, e.expect(e.do(req{method: "POST", path: base + "/recipients", token: token, body: map[string]any{
		"name": "Bob", "email": "bob@example.com", "routing_order": 2}}), 201, ""))
	e.expect(e.do(req{method: "POST", path: base + "/fields", token: token, body: map[string]any{
		"document_id": docID, "recipient_id": bob.ID, "type": "signature", "page": 1, "x": 72, "y": 300, "width": 200, "height": 50}}), 201, "")
	e.expect(e.do(resend(ana.ID, token)), 409, esign.CodeInvalidTransition) // a draft sends nothing yet

	e.expect(e.do(req{method: "POST", path: base + "/send", token: token}), 200, "")
	e.drain()
	if n := e.signRequestsTo("ana@example.com"); n != 1 {
		t.Fatalf("%d emails to Ana after sending, want 1", n)
	}
	for want := 2; want <= 3; want++ {
		e.expect(e.do(resend(ana.ID, token)), 200, "")
		e.drain()
		if n := e.signRequestsTo("ana@example.com"); n != want {
			t.Errorf("%d emails to Ana after resending, want %d", n, want)
		}
		if n := len(e.svc.SMS.(*esigntest.SMS).To("+15550001111")); n != want {
			t.Errorf("%d texts to Ana after resending, want %d", n, want)
		}
	}
	e.expect(e.do(resend(bob.ID, token)), 409, esign.CodeNotYourTurn)
	e.expect(e.do(resend("rcp_nope", token)), 404, esign.CodeNotFound)
	e.expect(e.do(resend(ana.ID, other)), 404, esign.CodeNotFound)
	if n := e.signRequestsTo("bob@example.com"); n != 0 {
		t.Errorf("%d emails to Bob before his turn", n)
	}
	audit := e.expect(e.do(req{method: "GET", path: base + "/audit", token: token}), 200, "")
	if got := strings.Count(audit.Body.String(), `"`+esign.AuditResent+`"`); got != 2 {
		t.Errorf("%d resent audit events, want 2", got)
	}

	// Embedded recipients get links from signing-url, never an email.
	envID2, _, eve, _ := e.signerDraft(token)
	base = "/api/v1/envelopes/" + envID2
	e.expect(e.do(req{method: "PATCH", path: base + "/recipients/" + eve.ID, token: token, body: map[string]any{"embedded": true}}), 200, "")
	e.expect(e.do(req{method: "POST", path: base + "/send", token: token}), 200, "")
	e.expect(e.do(resend(eve.ID, token)), 409, esign.CodeInvalidTransition)
}
