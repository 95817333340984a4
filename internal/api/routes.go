package api

import (
	"net/http"
	"strings"
)

// access says who may call a route, and so what an Idempotency-Key is scoped to.
type access int

const (
	public    access = iota // anyone; keys are scoped to the client address
	sender                  // Authorization: Bearer; keys are scoped to the user
	recipient               // the {token} in the path; keys are scoped to its hash
)

// bodyKind says what a route reads, and so how large its body may be.
type bodyKind int

const (
	noBody     bodyKind = iota // GET routes
	jsonBody                   // at most maxJSONBytes
	uploadBody                 // multipart, at most MaxUploadBytes plus multipartOverhead
)

// handlerFunc is a route's handler. It writes a response on success and
// returns an error otherwise, which is written as a problem response.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// route is one row of the route table.
type route struct {
	pattern string
	access  access
	body    bodyKind
	rate    rateClass
	handle  handlerFunc
}

// routes is the route table: every route the API serves.
func (a *api) routes() []route {
	return []route{
		{"GET /healthz", public, noBody, unlimited, a.healthz},
		{"GET /readyz", public, noBody, unlimited, a.readyz},

		{"POST /api/v1/auth/register", public, jsonBody, authRate, a.register},
		{"POST /api/v1/auth/login", public, jsonBody, authRate, a.login},
		{"POST /api/v1/auth/refresh", public, jsonBody, authRate, a.refresh},
		{"POST /api/v1/auth/session", public, jsonBody, authRate, a.startSession},
		{"POST /api/v1/auth/session/refresh", public, jsonBody, authRate, a.refreshSession},
		{"DELETE /api/v1/auth/session", public, noBody, authRate, a.endSession},
		{"POST /api/v1/api-keys", sender, jsonBody, apiRate, a.createAPIKey},

		{"POST /api/v1/envelopes", sender, jsonBody, apiRate, a.createEnvelope},
		{"GET /api/v1/envelopes", sender, noBody, apiRate, a.listEnvelopes},
		{"GET /api/v1/envelopes/{id}", sender, noBody, apiRate, a.getEnvelope},
		{"POST /api/v1/envelopes/{id}/documents", sender, uploadBody, apiRate, a.addDocument},
		{"GET /api/v1/envelopes/{id}/documents/{doc_id}", sender, noBody, apiRate, a.originalDocument},
		{"POST /api/v1/envelopes/{id}/recipients", sender, jsonBody, apiRate, a.addRecipient},
		{"POST /api/v1/envelopes/{id}/fields", sender, jsonBody, apiRate, a.addField},
		{"PATCH /api/v1/envelopes/{id}/recipients/{rid}", sender, jsonBody, apiRate, a.updateRecipient},
		{"DELETE /api/v1/envelopes/{id}/recipients/{rid}", sender, noBody, apiRate, a.removeRecipient},
		{"PATCH /api/v1/envelopes/{id}/fields/{fid}", sender, jsonBody, apiRate, a.updateField},
		{"DELETE /api/v1/envelopes/{id}/fields/{fid}", sender, noBody, apiRate, a.removeField},
		{"DELETE /api/v1/envelopes/{id}/documents/{doc_id}", sender, noBody, apiRate, a.removeDocument},
		{"POST /api/v1/envelopes/{id}/send", sender, jsonBody, apiRate, a.sendEnvelope},
		{"POST /api/v1/envelopes/{id}/void", sender, jsonBody, apiRate, a.voidEnvelope},
		{"POST /api/v1/envelopes/{id}/recipients/{rid}/signing-url", sender, jsonBody, apiRate, a.signingURL},
		{"POST /api/v1/envelopes/{id}/recipients/{rid}/resend", sender, jsonBody, apiRate, a.resendRecipient},
		{"GET /api/v1/envelopes/{id}/audit", sender, noBody, apiRate, a.audit},
		{"GET /api/v1/envelopes/{id}/download", sender, noBody, apiRate, a.download},

		{"GET /api/v1/organization/branding", sender, noBody, apiRate, a.getBranding},
		{"PUT /api/v1/organization/branding", sender, jsonBody, apiRate, a.putBranding},
		{"GET /api/v1/organization/branding/logo", sender, noBody, apiRate, a.getLogo},
		{"POST /api/v1/organization/branding/logo", sender, uploadBody, apiRate, a.putLogo},
		{"DELETE /api/v1/organization/branding/logo", sender, noBody, apiRate, a.deleteLogo},
		{"GET /api/v1/organization/branding/preview", sender, noBody, apiRate, a.previewMail},
		{"POST /api/v1/webhooks", sender, jsonBody, apiRate, a.createWebhook},
		{"GET /api/v1/webhooks", sender, noBody, apiRate, a.listWebhooks},
		{"GET /api/v1/webhooks/{id}", sender, noBody, apiRate, a.getWebhook},
		{"PATCH /api/v1/webhooks/{id}", sender, jsonBody, apiRate, a.updateWebhook},
		{"DELETE /api/v1/webhooks/{id}", sender, noBody, apiRate, a.deleteWebhook},
		{"POST /api/v1/webhooks/{id}/rotate-secret", sender, jsonBody, apiRate, a.rotateWebhookSecret},
		{"GET /api/v1/webhooks/{id}/deliveries", sender, noBody, apiRate, a.listWebhookDeliveries},
		{"POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/replay", sender, jsonBody, apiRate, a.replayWebhookDelivery},

		{"GET /api/v1/notifications", sender, noBody, apiRate, a.listNotifications},
		{"POST /api/v1/notifications/{id}/read", sender, jsonBody, apiRate, a.readNotification},
		{"POST /api/v1/notifications/read-all", sender, jsonBody, apiRate, a.readAllNotifications},

		{"GET /api/v1/signing/{token}", recipient, noBody, signingRate, a.openSigning},
		{"GET /api/v1/signing/{token}/documents/{doc_id}", recipient, noBody, signingRate, a.signingDocument},
		{"POST /api/v1/signing/{token}/fields/{field_id}", recipient, jsonBody, signingRate, a.fillField},
		{"POST /api/v1/signing/{token}/complete", recipient, jsonBody, signingRate, a.completeSigning},
		{"POST /api/v1/signing/{token}/decline", recipient, jsonBody, signingRate, a.declineSigning},
		{"GET /api/v1/signing/{token}/result", recipient, noBody, signingRate, a.signingResult},
		{"POST /api/v1/signing/{token}/auth", recipient, jsonBody, signingRate, a.verifyAuth},
		{"POST /api/v1/signing/{token}/auth/code", recipient, jsonBody, signingRate, a.sendAuthCode},
		{"POST /api/v1/signing/{token}/auth/idv", recipient, jsonBody, signingRate, a.startIDV},
		{"POST /api/v1/idv/callback", public, jsonBody, publicRate, a.idvCallback},

		{"GET /s/{token}", recipient, noBody, signingRate, a.signingPage},

		{"POST /api/v1/verify", public, uploadBody, publicRate, a.verify},

		{"GET /{$}", public, noBody, unlimited, a.home},
		{"GET /app/{path...}", public, noBody, unlimited, a.appFile},
		{"GET /verify", public, noBody, unlimited, a.appPage},
	}
}

// handle wraps a route's handler in the policy its row declares.
func (a *api) handle(rt route) http.Handler {
	h := a.writeErrors(rt.handle)
	if strings.HasPrefix(rt.pattern, "POST ") {
		h = a.idempotent(rt.access, rt.body, h)
	}
	// Every route with a body is size-limited; only POST takes an
	// Idempotency-Key (PUT and PATCH are idempotent by nature).
	if strings.HasPrefix(rt.pattern, "POST ") || rt.body != noBody {
		h = a.limitBody(rt.body, h)
	}
	h = a.rateLimit(rt.rate, h) // before any body is read; after authenticate, for apiRate
	switch rt.access {
	case sender:
		h = a.authenticate(h)
	case recipient:
		h = recipientProof(h)
	}
	return h
}

// writeErrors turns a handlerFunc into an http.Handler that writes the
// handler's error as a problem response.
func (a *api) writeErrors(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			a.writeError(w, r, err)
		}
	})
}
