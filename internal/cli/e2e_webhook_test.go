package cli

import (
	"testing"
	"time"

	"github.com/gsign/gsign/internal/config"
	"github.com/gsign/gsign/internal/esign/esigntest"
	"github.com/gsign/gsign/internal/webhook/webhooktest"
)

// TestWebhooksEndToEnd runs the real wiring: GSIGN_WEBHOOK_ALLOW_NETS lets
// a loopback receiver in, which verifies every delivery with the Standard
// Webhooks reference library and the secret the API showed once.
func TestWebhooksEndToEnd(t *testing.T) {
	closed := startServer(t)
	closed.token = closed.expect(closed.do("POST", "/api/v1/auth/register", map[string]any{"email": "o@example.com", "password": "correct horse battery", "name": "O", "organization": "A"}), 201, "").json(t)["access_token"].(string)
	r := webhooktest.NewReceiver(t)
	closed.expect(closed.do("POST", "/api/v1/webhooks", map[string]any{"url": r.URL, "events": []string{"envelope.sent"}}), 422, "url_not_allowed")

	e := startServer(t, func(c *config.Config) { c.WebhookAllowNets = webhooktest.Loopback })
	e.token = e.expect(e.do("POST", "/api/v1/auth/register", map[string]any{"email": "o@example.com", "password": "correct horse battery", "name": "O", "organization": "A"}), 201, "").json(t)["access_token"].(string)
	ep := e.expect(e.do("POST", "/api/v1/webhooks", map[string]any{"url": r.URL, "events": []string{"envelope.sent", "envelope.voided"}}), 201, "").json(t)
	r.SetSecrets(ep["secret"].(string))

	envID := id(e.expect(e.do("POST", "/api/v1/envelopes", map[string]any{"name": "Lease"}), 201, "").json(t))
	base := "/api/v1/envelopes/" + envID
	docID := id(e.expect(e.do("POST", base+"/documents", pdfUpload("lease.pdf", esigntest.PDF(1, 612, 792))), 201, "").json(t))
	rcp := id(e.expect(e.do("POST", base+"/recipients", map[string]any{"name": "Ana", "email": "ana@example.com", "role": "signer", "routing_order": 1}), 201, "").json(t))
	e.expect(e.do("POST", base+"/fields", map[string]any{"document_id": docID, "recipient_id": rcp, "type": "signature", "page": 1, "x": 72, "y": 600, "width": 200, "height": 50}), 201, "")
	e.expect(e.do("POST", base+"/send", nil), 200, "")
	e.expect(e.do("POST", base+"/void", map[string]any{"reason": "superseded"}), 200, "")

	deadline := time.Now().Add(20 * time.Second)
	for len(r.Requests()) < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := len(r.Requests()); got != 2 {
		t.Fatalf("the receiver got %d deliveries, want 2", got)
	}
	// The attempt is recorded just after the receiver answered.
	for succeeded := 0; succeeded < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("%d of 2 deliveries recorded as succeeded", succeeded)
		}
		succeeded = 0
		for _, d := range e.expect(e.do("GET", "/api/v1/webhooks/"+id(ep)+"/deliveries", nil), 200, "").json(t)["items"].([]any) {
			if d.(map[string]any)["status"] == "succeeded" {
				succeeded++
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}
