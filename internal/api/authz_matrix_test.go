package api

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Who may succeed at a route, by the permission table (docs/access.md).
var (
	readers    = []caller{owner, viewer} // the envelope is in the viewer's team
	writers    = []caller{owner}
	admins     = []caller{owner}
	anySender  = []caller{owner, viewer, otherAdmin} // acts on the caller's own things
	recipients = []caller{theRecipient}
)

// routeCase is how the matrix calls one route: on a world at a stage, with
// a body that a caller who may succeed does succeed with.
type routeCase struct {
	stage stage
	body  func(x resources) any
	query string
	allow []caller
	// page routes answer 200 with a page to anyone; for them, success is
	// a page that shows the owner's envelope.
	page bool
	// result routes take the result link in {token}, not the signing link.
	result bool
	// totp is how far the owner's TOTP has come: not at all, enrolment
	// started, or on.
	totp totpState
}

// publicRoutes are the routes anyone may call, reviewed one by one: the
// matrix checks that nothing else is public.
var publicRoutes = []string{
	"GET /healthz", "GET /readyz",
	"POST /api/v1/auth/register", "POST /api/v1/auth/login", "POST /api/v1/auth/refresh",
	"POST /api/v1/auth/session", "POST /api/v1/auth/session/refresh", "DELETE /api/v1/auth/session",
	"POST /api/v1/verify", "GET /{$}", "GET /app/{path...}", "GET /verify",
	"GET /api/v1/invitations/{token}", "POST /api/v1/invitations/{token}/accept",
	"POST /api/v1/auth/login/mfa", "POST /api/v1/auth/session/mfa",
	"POST /api/v1/auth/password-reset", "POST /api/v1/auth/password-reset/{token}",
	"GET /api/v1/sso/start", "GET /api/v1/sso/callback",
	"POST /api/v1/idv/callback", // the provider's, signed with the shared secret
}

func withBody(v any) func(resources) any { return func(resources) any { return v } }

// matrix is every non-public route's case. A route missing from it fails
// the test: a new route must say who may call it.
var matrix = map[string]routeCase{
	"POST /api/v1/api-keys":        {body: withBody(map[string]string{"name": "ci"}), allow: anySender},
	"GET /api/v1/api-keys":         {allow: anySender},
	"DELETE /api/v1/api-keys/{id}": {allow: []caller{owner}},
	"GET /api/v1/me":               {allow: anySender},

	// Each caller's own account: a recipient's link is no sign-in.
	"POST /api/v1/auth/password":               {body: withBody(map[string]string{"current_password": "correct horse battery", "new_password": "another horse battery"}), allow: anySender},
	"GET /api/v1/auth/totp":                    {allow: anySender},
	"POST /api/v1/auth/totp":                   {allow: anySender},
	"POST /api/v1/auth/totp/confirm":           {totp: totpStarted, body: func(x resources) any { return map[string]string{"code": x.totpCode} }, allow: []caller{owner}},
	"DELETE /api/v1/auth/totp":                 {body: withBody(map[string]string{"password": "correct horse battery"}), allow: anySender}, // nothing to turn off: 204
	"POST /api/v1/auth/totp/recovery-codes":    {totp: totpOn, allow: []caller{owner}},
	"GET /api/v1/auth/sessions":                {allow: anySender},
	"DELETE /api/v1/auth/sessions/{id}":        {allow: []caller{owner}},
	"POST /api/v1/auth/sessions/revoke-others": {allow: anySender},

	"GET /api/v1/organization":                             {allow: anySender},
	"PATCH /api/v1/organization":                           {body: withBody(map[string]string{"name": "Renamed"}), allow: []caller{owner, otherAdmin}},
	"GET /api/v1/organization/members":                     {allow: anySender},
	"PATCH /api/v1/organization/members/{user_id}":         {body: withBody(map[string]string{"role": "viewer"}), allow: admins},
	"DELETE /api/v1/organization/members/{user_id}":        {allow: admins},
	"POST /api/v1/organization/members/{user_id}/transfer": {body: func(x resources) any { return map[string]string{"to_user_id": x.self} }, allow: admins},
	"GET /api/v1/organization/audit":                       {allow: []caller{owner, otherAdmin}},
	"POST /api/v1/organization/invitations":                {body: withBody(map[string]string{"email": "new@example.net", "role": "member"}), allow: []caller{owner, otherAdmin}},
	"GET /api/v1/organization/invitations":                 {allow: []caller{owner, otherAdmin}},
	"DELETE /api/v1/organization/invitations/{id}":         {allow: admins},
	"POST /api/v1/organization/invitations/{id}/resend":    {allow: admins},
	"POST /api/v1/teams":                                   {body: withBody(map[string]string{"name": "Sales"}), allow: []caller{owner, otherAdmin}},
	"GET /api/v1/teams":                                    {allow: anySender},
	"GET /api/v1/teams/{id}":                               {allow: readers},
	"PATCH /api/v1/teams/{id}":                             {body: withBody(map[string]string{"name": "Renamed"}), allow: admins},
	"DELETE /api/v1/teams/{id}":                            {allow: admins},
	"POST /api/v1/teams/{id}/members":                      {body: func(x resources) any { return map[string]string{"user_id": x.self} }, allow: admins},
	"DELETE /api/v1/teams/{id}/members/{user_id}":          {allow: admins},

	"POST /api/v1/envelopes":                        {body: withBody(map[string]string{"name": "New"}), allow: []caller{owner, otherAdmin}},
	"GET /api/v1/envelopes":                         {allow: anySender},
	"GET /api/v1/envelopes/{id}":                    {stage: sent, allow: readers},
	"POST /api/v1/envelopes/{id}/documents":         {body: func(resources) any { return pdfUpload("file", "b.pdf", testPDF) }, allow: writers},
	"GET /api/v1/envelopes/{id}/documents/{doc_id}": {stage: sent, allow: readers},
	"POST /api/v1/envelopes/{id}/recipients":        {body: withBody(map[string]any{"name": "Cy", "email": "cy@example.com"}), allow: writers},
	"POST /api/v1/envelopes/{id}/fields": {body: func(x resources) any {
		return map[string]any{"document_id": x.document, "recipient_id": x.recipient, "type": "text", "page": 1, "x": 72, "y": 500, "width": 100, "height": 20}
	}, allow: writers},
	"PATCH /api/v1/envelopes/{id}/recipients/{rid}":            {body: withBody(map[string]any{"name": "Renamed"}), allow: writers},
	"DELETE /api/v1/envelopes/{id}/recipients/{rid}":           {allow: writers},
	"PATCH /api/v1/envelopes/{id}/fields/{fid}":                {body: withBody(map[string]any{"x": 80}), allow: writers},
	"DELETE /api/v1/envelopes/{id}/fields/{fid}":               {allow: writers},
	"DELETE /api/v1/envelopes/{id}/documents/{doc_id}":         {allow: writers},
	"POST /api/v1/envelopes/{id}/send":                         {allow: writers},
	"POST /api/v1/envelopes/{id}/void":                         {stage: sent, body: withBody(map[string]string{"reason": "wrong file"}), allow: writers},
	"POST /api/v1/envelopes/{id}/recipients/{rid}/signing-url": {stage: sent, allow: writers},
	"POST /api/v1/envelopes/{id}/recipients/{rid}/resend":      {stage: sent, allow: writers},
	"GET /api/v1/envelopes/{id}/audit":                         {stage: sent, allow: readers},
	"GET /api/v1/envelopes/{id}/download":                      {stage: completed, allow: readers},

	// Single sign-on is not configured in the world (it needs an OpenID
	// provider: the SSO tests run one); the matrix still finds no success
	// for those who may not call these, and the middleware's 403 for the
	// organization's viewer.
	"GET /api/v1/organization/sso":                          {allow: nil},
	"PUT /api/v1/organization/sso":                          {body: withBody(map[string]any{"issuer": "https://idp.example.com", "client_id": "gsign", "domains": []string{"example.com"}}), allow: nil},
	"DELETE /api/v1/organization/sso":                       {allow: nil},
	"POST /api/v1/organization/sso/domains/{domain}/verify": {allow: nil},
	"GET /api/v1/organization/branding":                     {allow: []caller{owner, otherAdmin}},
	"PUT /api/v1/organization/branding":                     {body: withBody(map[string]string{"display_name": "Acme", "color": "#123456"}), allow: []caller{owner, otherAdmin}},
	"GET /api/v1/organization/branding/logo":                {allow: nil}, // no logo yet: 404 for everyone
	"POST /api/v1/organization/branding/logo":               {body: func(resources) any { return logoUpload() }, allow: []caller{owner, otherAdmin}},
	"DELETE /api/v1/organization/branding/logo":             {allow: []caller{owner, otherAdmin}},
	"GET /api/v1/organization/branding/preview":             {query: "?kind=sign_request", allow: []caller{owner, otherAdmin}},

	"POST /api/v1/webhooks":                                      {body: withBody(map[string]any{"url": "http://127.0.0.1:9/h", "events": []string{"envelope.sent"}}), allow: []caller{owner, otherAdmin}},
	"GET /api/v1/webhooks":                                       {allow: []caller{owner, otherAdmin}},
	"GET /api/v1/webhooks/{id}":                                  {allow: admins},
	"PATCH /api/v1/webhooks/{id}":                                {body: withBody(map[string]any{"description": "CRM"}), allow: admins},
	"DELETE /api/v1/webhooks/{id}":                               {allow: admins},
	"POST /api/v1/webhooks/{id}/rotate-secret":                   {allow: admins},
	"GET /api/v1/webhooks/{id}/deliveries":                       {stage: sent, allow: admins},
	"POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/replay": {stage: sent, allow: admins},

	"GET /api/v1/notifications":            {allow: anySender},
	"POST /api/v1/notifications/{id}/read": {stage: completed, allow: []caller{owner}},
	"POST /api/v1/notifications/read-all":  {allow: anySender},

	// Before the access code, the link opens only the envelope's name and
	// sender (TestAccessCodeBruteForce and the e-mail OTP test check what
	// that view leaves out); the completed results go to the same address
	// as the e-mail they are attached to, so their link asks nothing more.
	"GET /api/v1/signing/{token}":                    {stage: sent, allow: []caller{unverified, theRecipient}},
	"GET /api/v1/signing/{token}/documents/{doc_id}": {stage: sent, allow: recipients},
	"POST /api/v1/signing/{token}/fields/{field_id}": {stage: sent, body: withBody(map[string]any{"signature": map[string]string{"kind": "typed", "text": "Signer"}}), allow: recipients},
	"POST /api/v1/signing/{token}/complete":          {stage: sent, allow: nil}, // the field is still empty: 409 for the recipient
	"POST /api/v1/signing/{token}/decline":           {stage: sent, body: withBody(map[string]string{"reason": "no"}), allow: recipients},
	"GET /api/v1/signing/{token}/result":             {stage: completed, allow: []caller{unverified, theRecipient}, result: true},
	"POST /api/v1/signing/{token}/auth":              {stage: sent, body: withBody(map[string]string{"code": accessCode}), allow: []caller{unverified, theRecipient}},
	// The owner\'s signer gives an access code: no code is sent, and
	// identity verification needs a provider (the recipient-auth tests run
	// both): 409 for the signer too.
	"POST /api/v1/signing/{token}/auth/code": {stage: sent, allow: nil},
	"POST /api/v1/signing/{token}/auth/idv":  {stage: sent, allow: nil},
	"GET /s/{token}":                         {stage: sent, allow: recipients, page: true},
}

// TestAuthorizationMatrix calls every route as every caller and finds no
// success that the permission table does not grant; it checks each case's
// allowed callers do succeed, so that the refusals are the policy's and not
// a malformed request's; and it finds another organization's resources
// answered exactly as missing ones.
func TestAuthorizationMatrix(t *testing.T) {
	shared, parent := map[stage]*world{}, t
	for _, rt := range newEnv(t).a.routes() {
		if slices.Contains(publicRoutes, rt.pattern) {
			if rt.access != public {
				t.Errorf("%s is listed as public but its policy is %v", rt.pattern, rt.access)
			}
			continue
		}
		c, ok := matrix[rt.pattern]
		if !ok {
			t.Errorf("%s: no case in the authorization matrix; add one saying who may call it", rt.pattern)
			continue
		}
		if rt.access == public {
			t.Errorf("%s is public but not in the reviewed list of public routes", rt.pattern)
			continue
		}
		t.Run(rt.pattern, func(t *testing.T) {
			fresh := func() *world { return newWorld(t, c.stage).withTOTP(c.totp) }
			method, _, _ := strings.Cut(rt.pattern, " ")
			if method == "GET" {
				if shared[c.stage] == nil {
					shared[c.stage] = newWorld(parent, c.stage) // lives as long as the whole test
				}
				fresh = func() *world { return shared[c.stage] }
			}
			w := fresh()
			for _, who := range callers {
				if slices.Contains(c.allow, who) || (who == otherRecipient && rt.access == recipient && !strings.Contains(rt.pattern, "_id}")) {
					continue // a link to another envelope names no resource of the owner's here: it acts on its own
				}
				if got := w.call(rt, c, who); w.succeeded(got, c) {
					t.Errorf("%s succeeded (%d): %.300s", who, got.Code, got.Body)
				}
			}
			for _, who := range c.allow {
				if got := w.call(rt, c, who); got.Code >= 300 {
					t.Errorf("%s may call it but got %d: %.300s", who, got.Code, got.Body)
				}
				w = fresh()
			}
			w.crossOrganization(t, rt, c)
		})
	}
}

// call makes the route's request as who, aimed at the owner's resources.
func (w *world) call(rt route, c routeCase, who caller) *httptest.ResponseRecorder {
	method, pattern, _ := strings.Cut(rt.pattern, " ")
	q := req{method: method}
	token := "gst_" + strings.Repeat("Z", 43) // nobody's link
	holdsLink := who == theRecipient || who == otherRecipient || who == unverified
	if holdsLink {
		token = w.bearer[who]
	}
	if c.result && (who == theRecipient || who == unverified) {
		token = w.mine.resultToken
	}
	if rt.access == recipient {
		if !holdsLink && who != anonymous {
			q.token = w.bearer[who] // a sender's credential opens no signing link
		}
	} else if who != anonymous {
		q.token = w.bearer[who]
	}
	q.path = fill(pattern, w.mine, token) + c.query
	if c.body != nil {
		q.body = c.body(w.mine)
	}
	if who == unverified {
		return w.e.do(q)
	}
	return w.e.do(w.asSigner(q))
}

// succeeded reports whether a response granted what it should not have.
func (w *world) succeeded(got *httptest.ResponseRecorder, c routeCase) bool {
	if c.page {
		return bytes.Contains(got.Body.Bytes(), []byte(w.marker))
	}
	return got.Code < 300
}

// crossOrganization calls a route that names resources with the other
// organization's ids, as the owner (or the owner's recipient), and wants
// the answer a missing id gets, byte for byte once the ids are blanked.
func (w *world) crossOrganization(t *testing.T, rt route, c routeCase) {
	method, pattern, _ := strings.Cut(rt.pattern, " ")
	if !strings.Contains(pattern, "{") || pattern == "/s/{token}" || (rt.access == recipient && !strings.Contains(pattern, "_id}")) {
		return
	}
	as := owner
	token := w.mine.signingToken
	if c.result {
		token = w.mine.resultToken
	}
	ask := func(x resources) *httptest.ResponseRecorder {
		q := req{method: method, path: fill(pattern, x, token) + c.query}
		if rt.access == sender {
			q.token = w.bearer[as]
		}
		if c.body != nil {
			q.body = c.body(x)
		}
		return w.e.do(w.asSigner(q))
	}
	theirs := w.theirs
	theirs.signingToken, theirs.resultToken = token, token
	missing := missingResources(theirs)
	got, want := ask(theirs), ask(missing)
	if got.Code != 404 || want.Code != 404 {
		t.Errorf("another organization's ids: %d, missing ids: %d; want 404 for both\n%s\n%s", got.Code, want.Code, got.Body, want.Body)
		return
	}
	if g, m := blankIDs(got, theirs.domain), blankIDs(want, missing.domain); g != m {
		t.Errorf("another organization's ids are answered unlike missing ones:\n%s\n%s", g, m)
	}
}

// missingResources is x with every id replaced by one of the same kind that
// does not exist.
func missingResources(x resources) resources {
	m := func(id string) string {
		prefix, _, _ := strings.Cut(id, "_")
		return prefix + "_" + strings.Repeat("0", 26)
	}
	return resources{envelope: m(x.envelope), document: m(x.document), recipient: m(x.recipient), field: m(x.field),
		signingToken: x.signingToken, resultToken: x.resultToken, webhook: m(x.webhook), delivery: m(x.delivery), notification: m(x.notification),
		team: m(x.team), member: m(x.member), self: m(x.self), invitation: m(x.invitation), apiKey: m(x.apiKey), session: m(x.session), domain: "missing.example"}
}

var anyID = regexp.MustCompile(`\b[a-z]{3}_[0-9a-z]{26}\b`)

// blankIDs is a problem response without what differs between two requests
// for different ids: the ids (and the domain named in the path) and the
// request's own id.
func blankIDs(w *httptest.ResponseRecorder, domain string) string {
	var p map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		return w.Body.String()
	}
	delete(p, "request_id")
	delete(p, "instance")
	b, _ := json.Marshal(p)
	return strings.ReplaceAll(anyID.ReplaceAllString(string(b), "<id>"), domain, "<domain>")
}

// fill puts x's ids and token into a route's path.
func fill(pattern string, x resources, token string) string {
	byPrefix := map[string]string{"/api/v1/envelopes/": x.envelope, "/api/v1/webhooks/": x.webhook, "/api/v1/notifications/": x.notification,
		"/api/v1/api-keys/": x.apiKey, "/api/v1/teams/": x.team, "/api/v1/organization/invitations/": x.invitation,
		"/api/v1/auth/sessions/": x.session}
	id := ""
	for prefix, v := range byPrefix {
		if strings.HasPrefix(pattern, prefix) {
			id = v
		}
	}
	return strings.NewReplacer("{id}", id, "{doc_id}", x.document, "{rid}", x.recipient, "{fid}", x.field, "{field_id}", x.field,
		"{delivery_id}", x.delivery, "{user_id}", x.member, "{domain}", x.domain, "{token}", token).Replace(pattern)
}

// logoUpload is a small PNG logo as an upload.
func logoUpload() *upload {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 40, 10))); err != nil {
		panic(err)
	}
	return pdfUpload("file", "logo.png", b.Bytes())
}
