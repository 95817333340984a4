package api

import (
	"regexp"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

var inviteLinkRE = regexp.MustCompile(`/app/invite/(gsi_[A-Za-z0-9_-]+)`)

// inviteToken returns the token of the newest invitation link emailed to addr.
func (e *env) inviteToken(addr string) string {
	e.t.Helper()
	e.drain()
	sent := e.mail.To(addr)
	for i := len(sent) - 1; i >= 0; i-- {
		if m := inviteLinkRE.FindStringSubmatch(sent[i].Text); m != nil {
			return m[1]
		}
	}
	e.t.Fatalf("no invitation link was emailed to %s", addr)
	return ""
}

// invite invites email with role (and teams) on the inviter's token and
// returns the invitation.
func (e *env) invite(inviter, email, role string, teamIDs ...string) invitationResponse {
	e.t.Helper()
	w := e.expect(e.do(req{method: "POST", path: "/api/v1/organization/invitations", token: inviter,
		body: map[string]any{"email": email, "role": role, "team_ids": teamIDs}}), 201, "")
	return decode[invitationResponse](e.t, w)
}

// accept accepts an invitation token and returns the new account's access token.
func (e *env) accept(token string) registerResponse {
	e.t.Helper()
	w := e.expect(e.do(req{method: "POST", path: "/api/v1/invitations/" + token + "/accept",
		body: map[string]string{"name": "Invited Person", "password": "correct horse battery"}}), 201, "")
	return decode[registerResponse](e.t, w)
}

// join invites email into the inviter's organization, accepts by the
// emailed link, and returns the new member's access token.
func (e *env) join(inviter, email, role string, teamIDs ...string) string {
	e.t.Helper()
	e.invite(inviter, email, role, teamIDs...)
	return e.accept(e.inviteToken(email)).AccessToken
}

// login signs in with the test password and returns an access token.
func (e *env) login(email string) string {
	e.t.Helper()
	w := e.expect(e.do(req{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": email, "password": "correct horse battery"}}), 200, "")
	return decode[tokensResponse](e.t, w).AccessToken
}

// me returns who the token is.
func (e *env) me(token string) meResponse {
	e.t.Helper()
	return decode[meResponse](e.t, e.expect(e.do(req{method: "GET", path: "/api/v1/me", token: token}), 200, ""))
}

// team creates a team with the members (user ids) and returns its id.
func (e *env) team(admin, name string, userIDs ...string) string {
	e.t.Helper()
	id := decode[teamResponse](e.t, e.expect(e.do(req{method: "POST", path: "/api/v1/teams", token: admin, body: map[string]string{"name": name}}), 201, "")).ID
	for _, u := range userIDs {
		e.expect(e.do(req{method: "POST", path: "/api/v1/teams/" + id + "/members", token: admin, body: map[string]string{"user_id": u}}), 200, "")
	}
	return id
}

// envelope creates a draft (for a team when set) and returns its id.
func (e *env) envelope(token, name, teamID string) string {
	e.t.Helper()
	w := e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: map[string]string{"name": name, "team_id": teamID}}), 201, "")
	return decode[envelopeResponse](e.t, w).ID
}

// apiKey creates an API key for the token's user and returns it.
func (e *env) apiKey(token string) apiKeyResponse {
	e.t.Helper()
	return decode[apiKeyResponse](e.t, e.expect(e.do(req{method: "POST", path: "/api/v1/api-keys", token: token, body: map[string]string{"name": "ci"}}), 201, ""))
}

// listedIDs returns the ids of the envelopes the token lists.
func (e *env) listedIDs(token string) []string {
	e.t.Helper()
	page := decode[struct {
		Items []envelopeResponse `json:"items"`
	}](e.t, e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes", token: token}), 200, ""))
	ids := []string{}
	for _, it := range page.Items {
		ids = append(ids, it.ID)
	}
	return ids
}

// notFoundLikeMissing checks that GET path answers exactly what it answers
// for an id that does not exist: the same status and the same bytes.
func (e *env) notFoundLikeMissing(t *testing.T, token, path, missingPath string) {
	t.Helper()
	got := e.expect(e.do(req{method: "GET", path: path, token: token}), 404, esign.CodeNotFound)
	want := e.do(req{method: "GET", path: missingPath, token: token})
	if got.Body.String() != want.Body.String() || got.Code != want.Code {
		t.Fatalf("hidden resource answers\n%d %s\nbut a missing one\n%d %s", got.Code, got.Body, want.Code, want.Body)
	}
}
