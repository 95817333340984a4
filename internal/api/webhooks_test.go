package api

import (
	"context"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/webhook"
	"github.com/gsign/gsign/internal/webhook/webhooktest"
)

// withWebhooks lets the env's Service deliver to loopback.
func (e *env) withWebhooks() *env {
	e.svc.Webhooks = webhook.New(webhook.Config{Policy: webhook.Policy{Allow: webhooktest.Loopback}})
	return e
}

// sentEnvelope drafts and sends an envelope to one signer.
func (e *env) sentEnvelope(token string) string {
	e.t.Helper()
	envID, docID := e.draft(token)
	base := "/api/v1/envelopes/" + envID
	rcp := e.expect(e.do(req{method: "POST", path: base + "/recipients", token: token, body: map[string]any{
		"name": "Ana Signer", "email": "ana@example.com", "role": "signer", "routing_order": 1}}), 201, "")
	e.expect(e.do(req{method: "POST", path: base + "/fields", token: token, body: map[string]any{
		"document_id": docID, "recipient_id": decode[recipientResponse](e.t, rcp).ID, "type": "signature", "page": 1, "x": 72, "y": 600, "width": 200, "height": 50}}), 201, "")
	e.expect(e.do(req{method: "POST", path: base + "/send", token: token}), 200, "")
	return envID
}

var (
	durationMS = regexp.MustCompile(`"duration_ms":\d+`)
	nextRetry  = regexp.MustCompile(`"next_attempt_at":"[^"]+"`)
)

// steady hides what differs from run to run in a delivery log: how long an
// attempt took, and the jitter of the next one's time.
func steady(w *httptest.ResponseRecorder) *httptest.ResponseRecorder {
	out := httptest.NewRecorder()
	out.Code = w.Code
	for k, v := range w.Header() {
		out.Header()[k] = v
	}
	b := durationMS.ReplaceAll(w.Body.Bytes(), []byte(`"duration_ms":0`))
	out.Body.Write(nextRetry.ReplaceAll(b, []byte(`"next_attempt_at":"<5s after the attempt, ±10%>"`)))
	return out
}

func TestWebhookRoutes(t *testing.T) {
	e := newEnv(t).withWebhooks()
	token := e.register("olive@example.com")
	// Port 9 (discard) on loopback: allow-listed, nobody listens, so every
	// attempt fails the same way.
	created := e.expect(e.do(req{method: "POST", path: "/api/v1/webhooks", token: token, body: map[string]any{
		"url": "http://127.0.0.1:9/hooks", "events": []string{"envelope.sent", "envelope.completed", "envelope.sent"}, "description": "CRM"}}), 201, "")
	golden(t, "webhook_created", created)
	ep := decode[webhookSecretResponse](t, created)
	base := "/api/v1/webhooks/" + ep.ID

	golden(t, "webhook_list", e.expect(e.do(req{method: "GET", path: "/api/v1/webhooks", token: token}), 200, ""))
	golden(t, "webhook_updated", e.expect(e.do(req{method: "PATCH", path: base, token: token, body: map[string]any{
		"events": []string{"envelope.sent", "envelope.voided"}, "description": "CRM (prod)"}}), 200, ""))
	rotated := e.expect(e.do(req{method: "POST", path: base + "/rotate-secret", token: token}), 200, "")
	golden(t, "webhook_rotated", rotated)
	if decode[webhookSecretResponse](t, rotated).Secret == ep.Secret {
		t.Fatal("rotation kept the secret")
	}

	envID := e.sentEnvelope(token)
	e.drain()
	deliveries := e.expect(e.do(req{method: "GET", path: base + "/deliveries", token: token}), 200, "")
	golden(t, "webhook_deliveries", steady(deliveries))
	d := decode[webhookDeliveryListResponse](t, deliveries).Items[0]
	e.expect(e.do(req{method: "POST", path: base + "/deliveries/" + d.ID + "/replay", token: token}), 409, esign.CodeInvalidTransition)

	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes/" + envID + "/void", token: token, body: map[string]string{"reason": "superseded"}}), 200, "")
	golden(t, "notification_list", e.expect(e.do(req{method: "GET", path: "/api/v1/notifications?unread=true", token: token}), 200, ""))
	n := decode[notificationListResponse](t, e.do(req{method: "GET", path: "/api/v1/notifications", token: token})).Items[0]
	golden(t, "notification_read", e.expect(e.do(req{method: "POST", path: "/api/v1/notifications/" + n.ID + "/read", token: token}), 200, ""))
	golden(t, "notifications_read_all", e.expect(e.do(req{method: "POST", path: "/api/v1/notifications/read-all", token: token}), 200, ""))
	if got := decode[notificationListResponse](t, e.do(req{method: "GET", path: "/api/v1/notifications?unread=true", token: token})); len(got.Items) != 0 {
		t.Errorf("%d unread after reading all", len(got.Items))
	}

	e.expect(e.do(req{method: "DELETE", path: base, token: token}), 204, "")
	e.expect(e.do(req{method: "GET", path: base, token: token}), 404, esign.CodeNotFound)
}

func TestWebhookBadInput(t *testing.T) {
	e := newEnv(t).withWebhooks()
	token := e.register("olive@example.com")
	other := e.register("otto@example.com")
	ep := decode[webhookSecretResponse](t, e.expect(e.do(req{method: "POST", path: "/api/v1/webhooks", token: token, body: map[string]any{
		"url": "http://127.0.0.1:9/", "events": []string{"envelope.sent"}}}), 201, ""))

	golden(t, "problem_url_not_allowed", e.expect(e.do(req{method: "POST", path: "/api/v1/webhooks", token: token, body: map[string]any{
		"url": "http://0x0a000001/", "events": []string{"envelope.sent"}}}), 422, esign.CodeURLNotAllowed))
	for name, tc := range map[string]struct {
		body   any
		status int
		code   string
	}{
		"no url":             {map[string]any{"events": []string{"envelope.sent"}}, 422, esign.CodeValidation},
		"no events":          {map[string]any{"url": "https://127.0.0.1:9/"}, 422, esign.CodeValidation},
		"empty events":       {map[string]any{"url": "https://127.0.0.1:9/", "events": []string{}}, 422, esign.CodeValidation},
		"unknown event":      {map[string]any{"url": "https://127.0.0.1:9/", "events": []string{"envelope.burned"}}, 422, esign.CodeValidation},
		"relative url":       {map[string]any{"url": "/hooks", "events": []string{"envelope.sent"}}, 422, esign.CodeValidation},
		"userinfo":           {map[string]any{"url": "https://u:p@127.0.0.1:9/", "events": []string{"envelope.sent"}}, 422, esign.CodeValidation},
		"ftp":                {map[string]any{"url": "ftp://127.0.0.1:9/", "events": []string{"envelope.sent"}}, 422, esign.CodeValidation},
		"metadata":           {map[string]any{"url": "https://169.254.169.254/latest", "events": []string{"envelope.sent"}}, 422, esign.CodeURLNotAllowed},
		"private v6":         {map[string]any{"url": "https://[fd00::1]/", "events": []string{"envelope.sent"}}, 422, esign.CodeURLNotAllowed},
		"http to the public": {map[string]any{"url": "http://93.184.216.34/", "events": []string{"envelope.sent"}}, 422, esign.CodeURLNotAllowed},
		"unknown field":      {map[string]any{"url": "https://127.0.0.1:9/", "events": []string{"envelope.sent"}, "secret": "mine"}, 400, esign.CodeInvalidJSON},
	} {
		t.Log(name)
		e.expect(e.do(req{method: "POST", path: "/api/v1/webhooks", token: token, body: tc.body}), tc.status, tc.code)
	}
	e.expect(e.do(req{method: "PATCH", path: "/api/v1/webhooks/" + ep.ID, token: token, body: map[string]any{"url": "http://localhost/"}}), 422, esign.CodeURLNotAllowed)
	e.expect(e.do(req{method: "GET", path: "/api/v1/webhooks?limit=1", token: token}), 200, "")
	e.expect(e.do(req{method: "GET", path: "/api/v1/webhooks/" + ep.ID + "/deliveries?limit=500", token: token}), 422, esign.CodeValidation)
	e.expect(e.do(req{method: "GET", path: "/api/v1/webhooks/" + ep.ID + "/deliveries?cursor=bogus", token: token}), 422, esign.CodeValidation)
	e.expect(e.do(req{method: "GET", path: "/api/v1/notifications?unread=maybe", token: token}), 422, esign.CodeValidation)

	// Another organization's endpoint and another user's notification are 404.
	for _, q := range []req{
		{method: "GET", path: "/api/v1/webhooks/" + ep.ID},
		{method: "PATCH", path: "/api/v1/webhooks/" + ep.ID, body: map[string]any{"enabled": false}},
		{method: "DELETE", path: "/api/v1/webhooks/" + ep.ID},
		{method: "POST", path: "/api/v1/webhooks/" + ep.ID + "/rotate-secret"},
		{method: "GET", path: "/api/v1/webhooks/" + ep.ID + "/deliveries"},
		{method: "POST", path: "/api/v1/webhooks/" + ep.ID + "/deliveries/msg_00000000000000000000000000/replay"},
	} {
		q.token = other
		e.expect(e.do(q), 404, esign.CodeNotFound)
	}
	e.sentEnvelope(token)
	envID := e.sentEnvelope(token)
	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes/" + envID + "/void", token: token, body: map[string]string{"reason": "x"}}), 200, "")
	n := decode[notificationListResponse](t, e.do(req{method: "GET", path: "/api/v1/notifications", token: token})).Items[0]
	e.expect(e.do(req{method: "POST", path: "/api/v1/notifications/" + n.ID + "/read", token: other}), 404, esign.CodeNotFound)

	member := e.member("mo@example.com", token)
	golden(t, "problem_forbidden_role", e.expect(e.do(req{method: "GET", path: "/api/v1/webhooks", token: member}), 403, esign.CodeForbiddenRole))
	e.expect(e.do(req{method: "POST", path: "/api/v1/webhooks", token: member, body: map[string]any{"url": "http://127.0.0.1:9/", "events": []string{"envelope.sent"}}}), 403, esign.CodeForbiddenRole)
}

// member adds a member to the organization of the owner's token (there is
// no invitation API yet) and returns the member's access token.
func (e *env) member(email, ownerToken string) string {
	e.t.Helper()
	ctx := context.Background()
	owner, err := e.svc.Authenticate(ctx, ownerToken)
	if err != nil {
		e.t.Fatal(err)
	}
	hash, err := e.svc.Passwords.Hash("correct horse battery")
	if err != nil {
		e.t.Fatal(err)
	}
	err = e.db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
		return tx.CreateUser(ctx, &esign.User{ID: esign.NewID(esign.PrefixUser, tx.Now()), OrgID: owner.OrgID, Email: email,
			Name: "Mo Member", Role: esign.RoleMember, PasswordHash: hash, CreatedAt: tx.Now()})
	})
	if err != nil {
		e.t.Fatal(err)
	}
	pair, err := e.svc.Login(ctx, email, "correct horse battery")
	if err != nil {
		e.t.Fatal(err)
	}
	return pair.Tokens.AccessToken
}
