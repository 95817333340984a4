package api

import (
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// TestInvitationAccept: the emailed link shows the invitation, accepting
// creates the account in the organization with the role and teams and
// signs it in; the link then answers 410 and cannot be used again.
func TestInvitationAccept(t *testing.T) {
	e := newEnv(t)
	owner := e.register("olive@example.com")
	sales := e.team(owner, "Sales")
	inv := e.invite(owner, "Ana@Example.com", esign.RoleMember, sales)
	if inv.Email != "ana@example.com" || inv.Status != "pending" || inv.ExpiresAt.Sub(inv.CreatedAt) != 7*24*time.Hour {
		t.Fatalf("invitation %+v", inv)
	}
	token := e.inviteToken("ana@example.com")
	mail := e.mail.To("ana@example.com")[0]
	if !strings.Contains(mail.Subject, "Acme") || !strings.Contains(mail.Text, "Olive Owner") {
		t.Fatalf("invitation email %q:\n%s", mail.Subject, mail.Text)
	}
	view := decode[invitationViewResponse](t, e.expect(e.do(req{method: "GET", path: "/api/v1/invitations/" + token}), 200, ""))
	if view.Organization.Name != "Acme" || view.InviterEmail != "olive@example.com" || view.Role != "member" || view.Email != "ana@example.com" {
		t.Fatalf("view %+v", view)
	}

	accept := "/api/v1/invitations/" + token + "/accept"
	for _, tt := range []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"short password", map[string]string{"name": "Ana", "password": "short"}, 422, esign.CodeValidation},
		{"no name", map[string]string{"name": " ", "password": "correct horse battery"}, 422, esign.CodeValidation},
		{"unknown field", map[string]string{"name": "Ana", "password": "correct horse battery", "role": "owner"}, 400, esign.CodeInvalidJSON},
		{"no body", nil, 400, esign.CodeInvalidJSON},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e.expect(e.do(req{method: "POST", path: accept, body: tt.body}), tt.status, tt.code)
		})
	}

	reg := e.accept(token)
	me := e.me(reg.AccessToken)
	if me.Role != "member" || me.Organization.Name != "Acme" || len(me.Teams) != 1 || me.Teams[0].ID != sales {
		t.Fatalf("me %+v", me)
	}
	e.expect(e.do(req{method: "POST", path: accept, body: map[string]string{"name": "Eve", "password": "correct horse battery"}}), 410, esign.CodeInvitationGone)
	e.expect(e.do(req{method: "GET", path: "/api/v1/invitations/" + token}), 410, esign.CodeInvitationGone)
	e.expect(e.do(req{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "ana@example.com", "password": "correct horse battery"}}), 200, "")
	list := decode[invitationListResponse](t, e.do(req{method: "GET", path: "/api/v1/organization/invitations", token: owner})).Items
	if len(list) != 1 || list[0].Status != "accepted" || list[0].UserID == nil || *list[0].UserID != reg.User.ID {
		t.Fatalf("invitations %+v", list)
	}
}

// TestInvitationBadInput: what an invitation refuses, and links that are
// unknown, expired, revoked or replaced by a resend.
func TestInvitationBadInput(t *testing.T) {
	e := newEnv(t)
	owner := e.register("olive@example.com")
	admin := e.join(owner, "ada@example.com", esign.RoleAdmin)
	e.register("sam@elsewhere.example")
	foreignTeam := e.team(e.register("zed@other.example"), "Theirs")
	const invite = "/api/v1/organization/invitations"
	for _, tt := range []struct {
		name   string
		token  string
		body   any
		status int
		code   string
	}{
		{"bad email", owner, map[string]any{"email": "not an email", "role": "member"}, 422, esign.CodeValidation},
		{"bad role", owner, map[string]any{"email": "x@example.com", "role": "boss"}, 422, esign.CodeValidation},
		{"no role", owner, map[string]any{"email": "x@example.com"}, 422, esign.CodeValidation},
		{"another organization's team", owner, map[string]any{"email": "x@example.com", "role": "member", "team_ids": []string{foreignTeam}}, 422, esign.CodeValidation},
		{"admin invites an admin", admin, map[string]any{"email": "x@example.com", "role": "admin"}, 403, esign.CodeForbiddenRole},
		{"active member", owner, map[string]any{"email": "ADA@example.com", "role": "member"}, 409, esign.CodeAlreadyMember},
		{"account elsewhere", owner, map[string]any{"email": "sam@elsewhere.example", "role": "member"}, 409, esign.CodeEmailTaken},
		{"wrong type", owner, map[string]any{"email": "x@example.com", "role": "member", "team_ids": "t"}, 400, esign.CodeInvalidJSON},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e.expect(e.do(req{method: "POST", path: invite, token: tt.token, body: tt.body}), tt.status, tt.code)
		})
	}

	inv := e.invite(admin, "vic@example.com", esign.RoleOrgViewer)
	e.expect(e.do(req{method: "POST", path: invite, token: owner, body: map[string]any{"email": "vic@example.com", "role": "member"}}), 409, esign.CodeInvitationPending)
	first := e.inviteToken("vic@example.com")
	e.clock.Advance(7*24*time.Hour + time.Second)
	e.expect(e.do(req{method: "GET", path: "/api/v1/invitations/" + first}), 410, esign.CodeInvitationGone)
	e.expect(e.do(req{method: "POST", path: "/api/v1/invitations/" + first + "/accept", body: map[string]string{"name": "Vic", "password": "correct horse battery"}}), 410, esign.CodeInvitationGone)
	admin = e.login("ada@example.com") // the access token expired meanwhile

	resent := decode[invitationResponse](t, e.expect(e.do(req{method: "POST", path: invite + "/" + inv.ID + "/resend", token: admin}), 200, ""))
	if resent.Status != "pending" {
		t.Fatalf("resent %+v", resent)
	}
	second := e.inviteToken("vic@example.com")
	if second == first {
		t.Fatal("a resend emailed the same link")
	}
	e.expect(e.do(req{method: "GET", path: "/api/v1/invitations/" + first}), 404, esign.CodeNotFound)
	e.expect(e.do(req{method: "GET", path: "/api/v1/invitations/" + second}), 200, "")

	e.expect(e.do(req{method: "DELETE", path: invite + "/" + inv.ID, token: admin}), 204, "")
	e.expect(e.do(req{method: "GET", path: "/api/v1/invitations/" + second}), 410, esign.CodeInvitationGone)
	e.expect(e.do(req{method: "DELETE", path: invite + "/" + inv.ID, token: admin}), 410, esign.CodeInvitationGone)
	e.expect(e.do(req{method: "POST", path: invite + "/" + inv.ID + "/resend", token: admin}), 410, esign.CodeInvitationGone)
	e.expect(e.do(req{method: "DELETE", path: invite + "/inv_nope", token: admin}), 404, esign.CodeNotFound)

	e.expect(e.do(req{method: "GET", path: "/api/v1/invitations/gsi_unknown"}), 404, esign.CodeNotFound)
	e.expect(e.do(req{method: "GET", path: "/api/v1/invitations/gsi_" + strings.Repeat("A", 43)}), 404, esign.CodeNotFound)
}

// TestInvitationOfActiveAccountAtAccept: an account created with the
// invited email between invitation and acceptance makes the accept 409.
func TestInvitationOfActiveAccountAtAccept(t *testing.T) {
	e := newEnv(t)
	owner := e.register("olive@example.com")
	e.invite(owner, "late@example.com", esign.RoleMember)
	token := e.inviteToken("late@example.com")
	e.register("late@example.com")
	e.expect(e.do(req{method: "POST", path: "/api/v1/invitations/" + token + "/accept",
		body: map[string]string{"name": "Late", "password": "correct horse battery"}}), 409, esign.CodeEmailTaken)
}
