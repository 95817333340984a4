package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gsign/gsign/internal/esign"
)

// access says who may call a route, and so what an Idempotency-Key is scoped
// to. The zero value is no access at all: a row that forgets it makes the
// API refuse to start (checkPolicy).
type access int

const (
	accessUnset access = iota // invalid: every row must say
	public                    // anyone; keys are scoped to the client address
	sender                    // Authorization: Bearer; keys are scoped to the user
	recipient                 // the {token} in the path; keys are scoped to its hash
)

// noPerm is the permission column of public and recipient routes: they
// are not the organization's to grant.
const noPerm esign.Permission = ""

// bodyKind says what a route reads, and so how large its body may be.
type bodyKind int

const (
	noBody      bodyKind = iota // GET routes
	jsonBody                    // at most maxJSONBytes
	uploadBody                  // multipart, at most MaxUploadBytes plus multipartOverhead
	composeBody                 // JSON with base64 documents, or multipart: see composeLimit
)

// handlerFunc is a route's handler. It writes a response on success and
// returns an error otherwise, which is written as a problem response.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// route is one row of the route table. access and perm are its policy:
// who may call it and, for sender routes, the permission (docs/access.md)
// the caller's role needs; the middleware checks it after authenticating,
// and the domain checks it again.
type route struct {
	pattern string
	access  access
	perm    esign.Permission
	body    bodyKind
	rate    rateClass
	handle  handlerFunc
}

// routes is the route table: every route the API serves.
func (a *api) routes() []route {
	return []route{
		{"GET /healthz", public, noPerm, noBody, unlimited, a.healthz},
		{"GET /readyz", public, noPerm, noBody, unlimited, a.readyz},

		{"POST /api/v1/auth/register", public, noPerm, jsonBody, authRate, a.register},
		{"POST /api/v1/auth/login", public, noPerm, jsonBody, authRate, a.login},
		{"POST /api/v1/auth/refresh", public, noPerm, jsonBody, authRate, a.refresh},
		{"POST /api/v1/auth/session", public, noPerm, jsonBody, authRate, a.startSession},
		{"POST /api/v1/auth/session/refresh", public, noPerm, jsonBody, authRate, a.refreshSession},
		{"DELETE /api/v1/auth/session", public, noPerm, noBody, authRate, a.endSession},
		{"POST /api/v1/auth/login/mfa", public, noPerm, jsonBody, authRate, a.loginMFA},
		{"POST /api/v1/auth/session/mfa", public, noPerm, jsonBody, authRate, a.startSessionMFA},
		{"POST /api/v1/auth/password-reset", public, noPerm, jsonBody, authRate, a.requestPasswordReset},
		{"POST /api/v1/auth/password-reset/{token}", public, noPerm, jsonBody, authRate, a.resetPassword},
		{"POST /api/v1/auth/password", sender, esign.PermAccount, jsonBody, apiRate, a.changePassword},
		{"GET /api/v1/auth/totp", sender, esign.PermAccount, noBody, apiRate, a.getTOTP},
		{"POST /api/v1/auth/totp", sender, esign.PermAccount, jsonBody, apiRate, a.startTOTP},
		{"POST /api/v1/auth/totp/confirm", sender, esign.PermAccount, jsonBody, apiRate, a.confirmTOTP},
		{"DELETE /api/v1/auth/totp", sender, esign.PermAccount, jsonBody, apiRate, a.disableTOTP},
		{"POST /api/v1/auth/totp/recovery-codes", sender, esign.PermAccount, jsonBody, apiRate, a.regenerateRecoveryCodes},
		{"GET /api/v1/auth/sessions", sender, esign.PermAccount, noBody, apiRate, a.listSessions},
		{"DELETE /api/v1/auth/sessions/{id}", sender, esign.PermAccount, noBody, apiRate, a.revokeSession},
		{"POST /api/v1/auth/sessions/revoke-others", sender, esign.PermAccount, jsonBody, apiRate, a.revokeOtherSessions},
		{"POST /api/v1/api-keys", sender, esign.PermAPIKeysOwn, jsonBody, apiRate, a.createAPIKey},
		{"GET /api/v1/api-keys", sender, esign.PermAPIKeysOwn, noBody, apiRate, a.listAPIKeys},
		{"DELETE /api/v1/api-keys/{id}", sender, esign.PermAPIKeysOwn, noBody, apiRate, a.revokeAPIKey},
		{"GET /api/v1/me", sender, esign.PermAccount, noBody, apiRate, a.me},
		{"GET /api/v1/invitations/{token}", public, noPerm, noBody, authRate, a.openInvitation},
		{"POST /api/v1/invitations/{token}/accept", public, noPerm, jsonBody, authRate, a.acceptInvitation},
		{"GET /api/v1/sso/start", public, noPerm, noBody, authRate, a.startSSO},
		{"GET /api/v1/sso/callback", public, noPerm, noBody, authRate, a.ssoCallback},

		{"POST /api/v1/envelopes", sender, esign.PermEnvelopeCreate, composeBody, apiRate, a.createEnvelope},
		{"GET /api/v1/envelopes", sender, esign.PermEnvelopeRead, noBody, apiRate, a.listEnvelopes},
		{"GET /api/v1/envelopes/{id}", sender, esign.PermEnvelopeRead, noBody, apiRate, a.getEnvelope},
		{"POST /api/v1/envelopes/{id}/documents", sender, esign.PermEnvelopeEdit, uploadBody, apiRate, a.addDocument},
		{"GET /api/v1/envelopes/{id}/documents/{doc_id}", sender, esign.PermEnvelopeDownload, noBody, apiRate, a.originalDocument},
		{"POST /api/v1/envelopes/{id}/recipients", sender, esign.PermEnvelopeEdit, jsonBody, apiRate, a.addRecipient},
		{"POST /api/v1/envelopes/{id}/fields", sender, esign.PermEnvelopeEdit, jsonBody, apiRate, a.addField},
		{"PATCH /api/v1/envelopes/{id}/recipients/{rid}", sender, esign.PermEnvelopeEdit, jsonBody, apiRate, a.updateRecipient},
		{"DELETE /api/v1/envelopes/{id}/recipients/{rid}", sender, esign.PermEnvelopeEdit, noBody, apiRate, a.removeRecipient},
		{"PATCH /api/v1/envelopes/{id}/fields/{fid}", sender, esign.PermEnvelopeEdit, jsonBody, apiRate, a.updateField},
		{"DELETE /api/v1/envelopes/{id}/fields/{fid}", sender, esign.PermEnvelopeEdit, noBody, apiRate, a.removeField},
		{"DELETE /api/v1/envelopes/{id}/documents/{doc_id}", sender, esign.PermEnvelopeEdit, noBody, apiRate, a.removeDocument},
		{"POST /api/v1/envelopes/{id}/send", sender, esign.PermEnvelopeSend, jsonBody, apiRate, a.sendEnvelope},
		{"POST /api/v1/envelopes/{id}/void", sender, esign.PermEnvelopeVoid, jsonBody, apiRate, a.voidEnvelope},
		{"POST /api/v1/envelopes/{id}/recipients/{rid}/signing-url", sender, esign.PermEnvelopeSend, jsonBody, apiRate, a.signingURL},
		{"POST /api/v1/envelopes/{id}/recipients/{rid}/resend", sender, esign.PermEnvelopeSend, jsonBody, apiRate, a.resendRecipient},
		{"GET /api/v1/envelopes/{id}/audit", sender, esign.PermEnvelopeAudit, noBody, apiRate, a.audit},
		{"GET /api/v1/envelopes/{id}/download", sender, esign.PermEnvelopeDownload, noBody, apiRate, a.download},

		{"GET /api/v1/organization", sender, esign.PermOrgRead, noBody, apiRate, a.getOrganization},
		{"PATCH /api/v1/organization", sender, esign.PermOrgSettings, jsonBody, apiRate, a.patchOrganization},
		{"GET /api/v1/organization/members", sender, esign.PermOrgRead, noBody, apiRate, a.listMembers},
		{"PATCH /api/v1/organization/members/{user_id}", sender, esign.PermMembersManage, jsonBody, apiRate, a.patchMember},
		{"DELETE /api/v1/organization/members/{user_id}", sender, esign.PermMembersManage, noBody, apiRate, a.removeMember},
		{"POST /api/v1/organization/members/{user_id}/transfer", sender, esign.PermMembersManage, jsonBody, apiRate, a.transferEnvelopes},
		{"GET /api/v1/organization/audit", sender, esign.PermOrgAudit, noBody, apiRate, a.orgAudit},
		{"POST /api/v1/organization/invitations", sender, esign.PermMembersManage, jsonBody, apiRate, a.invite},
		{"GET /api/v1/organization/invitations", sender, esign.PermMembersManage, noBody, apiRate, a.listInvitations},
		{"DELETE /api/v1/organization/invitations/{id}", sender, esign.PermMembersManage, noBody, apiRate, a.revokeInvitation},
		{"POST /api/v1/organization/invitations/{id}/resend", sender, esign.PermMembersManage, jsonBody, apiRate, a.resendInvitation},
		{"POST /api/v1/teams", sender, esign.PermTeamsManage, jsonBody, apiRate, a.createTeam},
		{"GET /api/v1/teams", sender, esign.PermOrgRead, noBody, apiRate, a.listTeams},
		{"GET /api/v1/teams/{id}", sender, esign.PermOrgRead, noBody, apiRate, a.getTeam},
		{"PATCH /api/v1/teams/{id}", sender, esign.PermTeamsManage, jsonBody, apiRate, a.patchTeam},
		{"DELETE /api/v1/teams/{id}", sender, esign.PermTeamsManage, noBody, apiRate, a.deleteTeam},
		{"POST /api/v1/teams/{id}/members", sender, esign.PermTeamsManage, jsonBody, apiRate, a.addTeamMember},
		{"DELETE /api/v1/teams/{id}/members/{user_id}", sender, esign.PermTeamsManage, noBody, apiRate, a.removeTeamMember},
		{"GET /api/v1/organization/sso", sender, esign.PermOrgSettings, noBody, apiRate, a.getSSO},
		{"PUT /api/v1/organization/sso", sender, esign.PermOrgSettings, jsonBody, apiRate, a.putSSO},
		{"DELETE /api/v1/organization/sso", sender, esign.PermOrgSettings, noBody, apiRate, a.deleteSSO},
		{"POST /api/v1/organization/sso/domains/{domain}/verify", sender, esign.PermOrgSettings, jsonBody, apiRate, a.verifySSODomain},

		{"GET /api/v1/organization/branding", sender, esign.PermOrgSettings, noBody, apiRate, a.getBranding},
		{"PUT /api/v1/organization/branding", sender, esign.PermOrgSettings, jsonBody, apiRate, a.putBranding},
		{"GET /api/v1/organization/branding/logo", sender, esign.PermOrgSettings, noBody, apiRate, a.getLogo},
		{"POST /api/v1/organization/branding/logo", sender, esign.PermOrgSettings, uploadBody, apiRate, a.putLogo},
		{"DELETE /api/v1/organization/branding/logo", sender, esign.PermOrgSettings, noBody, apiRate, a.deleteLogo},
		{"GET /api/v1/organization/branding/preview", sender, esign.PermOrgSettings, noBody, apiRate, a.previewMail},
		{"POST /api/v1/webhooks", sender, esign.PermWebhooks, jsonBody, apiRate, a.createWebhook},
		{"GET /api/v1/webhooks", sender, esign.PermWebhooks, noBody, apiRate, a.listWebhooks},
		{"GET /api/v1/webhooks/{id}", sender, esign.PermWebhooks, noBody, apiRate, a.getWebhook},
		{"PATCH /api/v1/webhooks/{id}", sender, esign.PermWebhooks, jsonBody, apiRate, a.updateWebhook},
		{"DELETE /api/v1/webhooks/{id}", sender, esign.PermWebhooks, noBody, apiRate, a.deleteWebhook},
		{"POST /api/v1/webhooks/{id}/rotate-secret", sender, esign.PermWebhooks, jsonBody, apiRate, a.rotateWebhookSecret},
		{"GET /api/v1/webhooks/{id}/deliveries", sender, esign.PermWebhooks, noBody, apiRate, a.listWebhookDeliveries},
		{"POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/replay", sender, esign.PermWebhooks, jsonBody, apiRate, a.replayWebhookDelivery},

		{"GET /api/v1/notifications", sender, esign.PermAccount, noBody, apiRate, a.listNotifications},
		{"POST /api/v1/notifications/{id}/read", sender, esign.PermAccount, jsonBody, apiRate, a.readNotification},
		{"POST /api/v1/notifications/read-all", sender, esign.PermAccount, jsonBody, apiRate, a.readAllNotifications},

		{"GET /api/v1/signing/{token}", recipient, noPerm, noBody, signingRate, a.openSigning},
		{"GET /api/v1/signing/{token}/documents/{doc_id}", recipient, noPerm, noBody, signingRate, a.signingDocument},
		{"POST /api/v1/signing/{token}/fields/{field_id}", recipient, noPerm, jsonBody, signingRate, a.fillField},
		{"POST /api/v1/signing/{token}/complete", recipient, noPerm, jsonBody, signingRate, a.completeSigning},
		{"POST /api/v1/signing/{token}/decline", recipient, noPerm, jsonBody, signingRate, a.declineSigning},
		{"GET /api/v1/signing/{token}/result", recipient, noPerm, noBody, signingRate, a.signingResult},
		{"POST /api/v1/signing/{token}/auth", recipient, noPerm, jsonBody, signingRate, a.verifyAuth},
		{"POST /api/v1/signing/{token}/auth/code", recipient, noPerm, jsonBody, signingRate, a.sendAuthCode},
		{"POST /api/v1/signing/{token}/auth/idv", recipient, noPerm, jsonBody, signingRate, a.startIDV},
		{"POST /api/v1/idv/callback", public, noPerm, jsonBody, publicRate, a.idvCallback},

		{"GET /s/{token}", recipient, noPerm, noBody, signingRate, a.signingPage},

		{"POST /api/v1/verify", public, noPerm, uploadBody, publicRate, a.verify},

		{"GET /{$}", public, noPerm, noBody, unlimited, a.home},
		{"GET /app/{path...}", public, noPerm, noBody, unlimited, a.appFile},
		{"GET /verify", public, noPerm, noBody, unlimited, a.appPage},
	}
}

// checkPolicy reports a row whose policy is missing or makes no sense.
func checkPolicy(rt route) error {
	switch {
	case rt.access != public && rt.access != sender && rt.access != recipient:
		return fmt.Errorf("route %s has no access (public, sender or recipient)", rt.pattern)
	case rt.access == sender && !slices.Contains(esign.Permissions(), rt.perm):
		return fmt.Errorf("sender route %s needs a permission from esign.Permissions(), not %q", rt.pattern, rt.perm)
	case rt.access != sender && rt.perm != noPerm:
		return fmt.Errorf("route %s is not a sender route but requires %q", rt.pattern, rt.perm)
	}
	return nil
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
		h = a.authenticate(a.authorize(rt.perm, h))
	case recipient:
		h = recipientProof(h)
	}
	if takesToken(rt.pattern) {
		h = a.guardGuesses(h) // first: a cut-off address costs nothing more
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
