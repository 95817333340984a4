package api

import (
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/webhook/webhooktest"
)

// caller is one of the identities the authorization matrix calls every
// route as.
type caller string

// The matrix's callers. Sender callers present a bearer token; recipient
// callers present their signing link, in the path of signing routes and as
// a bearer token on sender routes (a link is not a sender's credential).
const (
	anonymous      caller = "anonymous"
	otherAdmin     caller = "another organization's admin"
	viewer         caller = "a viewer of the owner's organization"
	otherRecipient caller = "another envelope's recipient"
	unverified     caller = "the recipient before giving the access code"
	theRecipient   caller = "the recipient"
	owner          caller = "the owner"
)

// callers is every caller, in the order the matrix calls them: those
// expected to be refused come before those expected to succeed, since a
// success may change what a later call finds.
var callers = []caller{anonymous, otherAdmin, viewer, otherRecipient, unverified, theRecipient, owner}

// stage is how far the world's envelopes have come.
type stage int

const (
	drafted   stage = iota // drafts, editable
	sent                   // sent to one signer, who has opened nothing
	filled                 // the signer has filled the signature field
	completed              // signed, sealed; results ready
)

// resources are the ids of one organization's things: the matrix fills a
// route's path from them.
type resources struct {
	envelope, document, recipient, field string
	signingToken, resultToken            string
	webhook, delivery, notification      string
	team, member, self                   string // a team, a member in it, the organization's first owner
	invitation, apiKey                   string // pending; the owner's
	session                              string // the owner's sign-in
	totpCode                             string // the owner's TOTP code now, once enrolment started
	domain                               string // its people's email domain
}

// world is two organizations with one envelope each, at the same stage: the
// owner's (mine), which the matrix's routes aim at, and another (theirs),
// whose ids and recipient the matrix borrows.
type world struct {
	e            *env
	bearer       map[caller]string // sender credentials; the recipients' links
	mine, theirs resources
	marker       string // in the owner's envelope's name: a response that shows it leaked it
	// proof is the owner's signer's, for having given the access code on
	// the link proofToken.
	proof, proofToken string
}

// accessCode is what the owner's signer must give before signing.
const accessCode = "7391-lark"

// asSigner adds the signer's proof of authentication to a request with the
// owner's signer's link.
func (w *world) asSigner(q req) req {
	if w.proof != "" && strings.Contains(q.path, w.proofToken) {
		q.header = map[string]string{recipientAuthHeader: w.proof}
	}
	return q
}

// totpState is how far the owner's TOTP has come.
type totpState int

const (
	totpOff     totpState = iota
	totpStarted           // enrolment started, not confirmed
	totpOn
)

// withTOTP takes the owner's TOTP to state s.
func (w *world) withTOTP(s totpState) *world {
	e, token := w.e, w.bearer[owner]
	switch s {
	case totpStarted:
		secret := decode[totpEnrollResponse](e.t, e.expect(e.do(req{method: "POST", path: "/api/v1/auth/totp", token: token}), 201, "")).Secret
		w.mine.totpCode = e.code(secret)
	case totpOn:
		e.enrollTOTP(token)
	}
	return w
}

// newWorld builds a world with envelopes at stage s.
func newWorld(t *testing.T, s stage) *world {
	t.Helper()
	e := newEnv(t).withWebhooks()
	e.a.cfg.RateLimits = &RateLimits{}
	w := &world{e: e, bearer: map[caller]string{}, marker: "Marker-7f3a9c"}
	ownerToken := e.register("olive@example.com")
	otherToken := e.register("bea@other.example")
	w.bearer[owner], w.bearer[otherAdmin] = ownerToken, otherToken
	w.mine = w.organization(ownerToken, w.marker, "ana@example.com", s)
	w.theirs = w.organization(otherToken, "Their lease", "otto@other.example", s)
	w.bearer[viewer] = e.join(ownerToken, "vic@example.com", "viewer", w.mine.team)
	w.bearer[theRecipient], w.bearer[otherRecipient] = w.mine.signingToken, w.theirs.signingToken
	w.bearer[unverified] = w.mine.signingToken
	return w
}

// organization gives one organization an envelope at stage s with one
// signer, a webhook endpoint with a delivery, and (once completed) a
// notification; it returns their ids.
func (w *world) organization(token, name, signer string, s stage) resources {
	e := w.e
	e.t.Helper()
	rcv := webhooktest.NewReceiver(e.t)
	rcv.IgnoreTimestamps()
	ep := decode[webhookSecretResponse](e.t, e.expect(e.do(req{method: "POST", path: "/api/v1/webhooks", token: token, body: map[string]any{
		"url": rcv.URL + "/hooks", "events": []string{"envelope.sent", "envelope.completed"}}}), 201, ""))
	rcv.SetSecrets(ep.Secret)
	var x resources
	x.webhook = ep.ID
	x.self = e.me(token).User.ID
	x.domain = domainOf(signer)
	x.team = e.team(token, "Leasing")
	x.member = e.me(e.join(token, "mo@"+domainOf(signer), "member", x.team)).User.ID
	x.invitation = e.invite(token, "pending@"+domainOf(signer), "member").ID
	x.apiKey = e.apiKey(token).ID
	sessions := decode[sessionListResponse](e.t, e.expect(e.do(req{method: "GET", path: "/api/v1/auth/sessions", token: token}), 200, "")).Sessions
	if len(sessions) == 0 {
		e.t.Fatal("registering started no session")
	}
	x.session = sessions[0].ID
	x.envelope = e.envelope(token, name, x.team)
	base := "/api/v1/envelopes/" + x.envelope
	x.document = decode[documentResponse](e.t, e.expect(e.do(req{method: "POST", path: base + "/documents", token: token,
		body: pdfUpload("file", "lease.pdf", testPDF)}), 201, "")).ID
	signerBody := map[string]any{"name": "Signer", "email": signer}
	if name == w.marker { // the owner's signer must give an access code first
		signerBody["auth"], signerBody["access_code"] = "access_code", accessCode
	}
	x.recipient = decode[recipientResponse](e.t, e.expect(e.do(req{method: "POST", path: base + "/recipients", token: token,
		body: signerBody}), 201, "")).ID
	x.field = decode[fieldResponse](e.t, e.expect(e.do(req{method: "POST", path: base + "/fields", token: token, body: map[string]any{
		"document_id": x.document, "recipient_id": x.recipient, "type": "signature", "page": 1, "x": 72, "y": 600, "width": 200, "height": 50}}), 201, "")).ID
	if s == drafted {
		x.signingToken = "gst_" + strings.Repeat("A", 43) // a link that never existed
		return x
	}
	e.expect(e.do(req{method: "POST", path: base + "/send", token: token}), 200, "")
	e.drain()
	var err error
	if x.signingToken, err = e.mail.TokenFor(signer); err != nil {
		e.t.Fatal(err)
	}
	if name == w.marker {
		w.proofToken = x.signingToken
		w.proof = decode[struct {
			AuthProof string `json:"auth_proof"`
		}](e.t, e.expect(e.do(req{method: "POST", path: "/api/v1/signing/" + x.signingToken + "/auth", body: map[string]string{"code": accessCode}}), 200, "")).AuthProof
	}
	x.delivery = decode[webhookDeliveryListResponse](e.t, e.expect(e.do(req{method: "GET", path: "/api/v1/webhooks/" + ep.ID + "/deliveries", token: token}), 200, "")).Items[0].ID
	if s >= filled {
		w.fill(x)
	}
	if s == completed {
		w.complete(token, &x, signer)
	}
	return x
}

// fill has the signer open the envelope and sign its field.
func (w *world) fill(x resources) {
	e := w.e
	sp := "/api/v1/signing/" + x.signingToken
	e.expect(e.do(w.asSigner(req{method: "GET", path: sp})), 200, "")
	e.expect(e.do(w.asSigner(req{method: "POST", path: sp + "/fields/" + x.field, body: `{"signature": {"kind": "typed", "text": "Signer"}}`})), 200, "")
}

// complete finishes the signing and the jobs, and picks up the result link
// and the owner's notification.
func (w *world) complete(token string, x *resources, signer string) {
	e := w.e
	e.expect(e.do(w.asSigner(req{method: "POST", path: "/api/v1/signing/" + x.signingToken + "/complete"})), 200, "")
	e.svc.Config.AttachMaxBytes = 1 // the completed email links to the result
	e.drain()
	mails := e.mail.To(signer)
	text := mails[len(mails)-1].Text
	if i := strings.Index(text, "/api/v1/signing/"); i >= 0 {
		link := strings.Fields(text[i+len("/api/v1/signing/"):])[0]
		x.resultToken = strings.TrimSuffix(link, "/result")
	}
	list := decode[notificationListResponse](e.t, e.expect(e.do(req{method: "GET", path: "/api/v1/notifications", token: token}), 200, ""))
	if len(list.Items) == 0 {
		e.t.Fatal("no notification after completion")
	}
	x.notification = list.Items[0].ID
}

// domainOf is the part of an address after the @.
func domainOf(addr string) string { return addr[strings.LastIndex(addr, "@")+1:] }
