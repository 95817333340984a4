package api

import (
	"slices"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// TestViewerCannotSend: a viewer reads the envelopes of their teams but may
// not create, send or void one (403 forbidden_role), while a member of the
// same team may.
func TestViewerCannotSend(t *testing.T) {
	e := newEnv(t)
	owner := e.register("olive@example.com")
	viewer := e.join(owner, "vic@example.com", esign.RoleOrgViewer)
	member := e.join(owner, "mo@example.com", esign.RoleMember)
	teamID := e.team(owner, "Sales", e.me(viewer).User.ID, e.me(member).User.ID)
	envID, _, _, _ := e.signerDraft(owner)
	shared := e.envelope(member, "Shared", teamID)

	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes/" + shared, token: viewer}), 200, "")
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes/" + shared + "/audit", token: viewer}), 200, "")
	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes/" + shared + "/send", token: viewer}), 403, esign.CodeForbiddenRole)
	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes/" + shared + "/void", token: viewer, body: map[string]string{"reason": "x"}}), 403, esign.CodeForbiddenRole)
	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: viewer, body: map[string]string{"name": "Mine"}}), 403, esign.CodeForbiddenRole)
	// The owner's envelope is outside the viewer's teams: not found, not forbidden.
	e.notFoundLikeMissing(t, viewer, "/api/v1/envelopes/"+envID, "/api/v1/envelopes/env_00000000000000000000000000")
	if got := e.listedIDs(viewer); !slices.Equal(got, []string{shared}) {
		t.Fatalf("viewer lists %v, want only the team's %s", got, shared)
	}
}

// TestMemberVisibility: a member sees their own envelopes and their teams',
// never another member's outside them; another member's envelope and
// another organization's answer exactly like a missing id.
func TestMemberVisibility(t *testing.T) {
	e := newEnv(t)
	owner := e.register("olive@example.com")
	mo := e.join(owner, "mo@example.com", esign.RoleMember)
	mia := e.join(owner, "mia@example.com", esign.RoleMember)
	stranger := e.register("sam@elsewhere.example")
	mine := e.envelope(mo, "Mo's", "")
	e.clock.Advance(time.Second) // the listing's order is by creation
	hers := e.envelope(mia, "Mia's", "")
	foreign := e.envelope(stranger, "Elsewhere", "")
	missing := "/api/v1/envelopes/env_00000000000000000000000000"

	e.notFoundLikeMissing(t, mo, "/api/v1/envelopes/"+hers, missing)
	e.notFoundLikeMissing(t, mo, "/api/v1/envelopes/"+foreign, missing)
	e.notFoundLikeMissing(t, mo, "/api/v1/envelopes/"+hers+"/audit", missing+"/audit")
	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes/" + hers + "/recipients", token: mo,
		body: map[string]string{"name": "X", "email": "x@example.com"}}), 404, esign.CodeNotFound)
	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes/" + hers + "/void", token: mo, body: map[string]string{"reason": "x"}}), 404, esign.CodeNotFound)
	if got := e.listedIDs(mo); !slices.Equal(got, []string{mine}) {
		t.Fatalf("mo lists %v, want %v", got, []string{mine})
	}
	if got := e.listedIDs(owner); !slices.Equal(got, []string{hers, mine}) {
		t.Fatalf("the owner lists %v, want every envelope of the organization", got)
	}
}

// TestTeamSharing: an envelope created for a team is visible to and
// workable by the team's members; a team one is not in cannot be chosen
// (admins may choose any); deleting the team keeps the envelope.
func TestTeamSharing(t *testing.T) {
	e := newEnv(t)
	owner := e.register("olive@example.com")
	mo := e.join(owner, "mo@example.com", esign.RoleMember)
	mia := e.join(owner, "mia@example.com", esign.RoleMember)
	outsider := e.join(owner, "otto@example.com", esign.RoleMember)
	sales := e.team(owner, "Sales", e.me(mo).User.ID, e.me(mia).User.ID)
	legal := e.team(owner, "Legal")

	shared := e.envelope(mia, "Team lease", sales)
	got := decode[envelopeResponse](t, e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes/" + shared, token: mo}), 200, ""))
	if got.TeamID == nil || *got.TeamID != sales || got.OwnerID != e.me(mia).User.ID {
		t.Fatalf("team %v owner %s", got.TeamID, got.OwnerID)
	}
	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes/" + shared + "/recipients", token: mo,
		body: map[string]string{"name": "Ana", "email": "ana@example.com"}}), 201, "")
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes/" + shared, token: outsider}), 404, esign.CodeNotFound)

	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: mo, body: map[string]string{"name": "x", "team_id": legal}}), 422, esign.CodeValidation)
	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: mo, body: map[string]string{"name": "x", "team_id": "team_nope"}}), 422, esign.CodeValidation)
	e.envelope(owner, "Legal's", legal)

	e.expect(e.do(req{method: "DELETE", path: "/api/v1/teams/" + sales, token: owner}), 204, "")
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes/" + shared, token: mo}), 404, esign.CodeNotFound)
	kept := decode[envelopeResponse](t, e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes/" + shared, token: mia}), 200, ""))
	if kept.TeamID != nil {
		t.Fatalf("the deleted team is still on the envelope: %v", *kept.TeamID)
	}
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes/" + shared, token: owner}), 200, "")
}

// TestRemovedMember: removal revokes the member's access token, refresh
// token and API key (401), sign-in fails like a wrong password, and the
// member's envelopes stay, visible to the admin and transferable; the
// removed member can be invited back.
func TestRemovedMember(t *testing.T) {
	e := newEnv(t)
	owner := e.register("olive@example.com")
	admin := e.join(owner, "ada@example.com", esign.RoleAdmin)
	e.invite(owner, "mo@example.com", esign.RoleMember)
	reg := e.accept(e.inviteToken("mo@example.com"))
	mo, moID := reg.AccessToken, reg.User.ID
	key := e.apiKey(mo)
	envID := e.envelope(mo, "Mo's lease", "")

	e.expect(e.do(req{method: "DELETE", path: "/api/v1/organization/members/" + moID, token: admin}), 204, "")
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes", token: mo}), 401, esign.CodeUnauthorized)
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes", token: key.Key}), 401, esign.CodeUnauthorized)
	e.expect(e.do(req{method: "POST", path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": reg.RefreshToken}}), 401, esign.CodeUnauthorized)
	wrong := e.do(req{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "olive@example.com", "password": "not the password"}})
	removed := e.expect(e.do(req{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "mo@example.com", "password": "correct horse battery"}}), 401, esign.CodeInvalidCredentials)
	if removed.Body.String() != wrong.Body.String() {
		t.Fatalf("a removed member's sign-in answers %s, a wrong password %s", removed.Body, wrong.Body)
	}

	got := decode[envelopeResponse](t, e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes/" + envID, token: admin}), 200, ""))
	if got.OwnerID != moID {
		t.Fatalf("owner %s, want the removed member %s", got.OwnerID, moID)
	}
	members := decode[memberListResponse](t, e.do(req{method: "GET", path: "/api/v1/organization/members", token: admin})).Items
	all := decode[memberListResponse](t, e.do(req{method: "GET", path: "/api/v1/organization/members?removed=true", token: admin})).Items
	removedAt := func(ms []memberResponse) map[string]bool {
		out := map[string]bool{}
		for _, m := range ms {
			out[m.Email] = m.RemovedAt != nil
		}
		return out
	}
	if r := removedAt(members); len(r) != 2 || r["mo@example.com"] {
		t.Fatalf("members %+v", members)
	}
	if r := removedAt(all); len(r) != 3 || !r["mo@example.com"] || r["ada@example.com"] {
		t.Fatalf("members with removed ones %+v", all)
	}
	e.expect(e.do(req{method: "DELETE", path: "/api/v1/organization/members/" + moID, token: admin}), 404, esign.CodeNotFound)

	adminID := e.me(admin).User.ID
	e.expect(e.do(req{method: "POST", path: "/api/v1/organization/members/" + moID + "/transfer", token: admin, body: map[string]string{"to_user_id": moID}}), 422, esign.CodeValidation)
	w := e.expect(e.do(req{method: "POST", path: "/api/v1/organization/members/" + moID + "/transfer", token: admin, body: map[string]string{"to_user_id": adminID}}), 200, "")
	if n := decode[transferResponse](t, w).Transferred; n != 1 {
		t.Fatalf("transferred %d, want 1", n)
	}
	if got := e.listedIDs(admin); !slices.Contains(got, envID) {
		t.Fatalf("admin lists %v", got)
	}

	e.invite(admin, "mo@example.com", esign.RoleOrgViewer)
	back := e.accept(e.inviteToken("mo@example.com"))
	if back.User.ID != moID || back.User.Role != esign.RoleOrgViewer {
		t.Fatalf("reactivated %+v, want %s as viewer", back.User, moID)
	}
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes", token: key.Key}), 401, esign.CodeUnauthorized)
}

// TestLastOwner: the last owner can neither be demoted nor removed; only
// owners change owners and admins.
func TestLastOwner(t *testing.T) {
	e := newEnv(t)
	owner := e.register("olive@example.com")
	admin := e.join(owner, "ada@example.com", esign.RoleAdmin)
	ownerID, adminID := e.me(owner).User.ID, e.me(admin).User.ID
	const member = "/api/v1/organization/members/"

	e.expect(e.do(req{method: "PATCH", path: member + ownerID, token: owner, body: map[string]string{"role": "admin"}}), 409, esign.CodeLastOwner)
	e.expect(e.do(req{method: "DELETE", path: member + ownerID, token: owner}), 409, esign.CodeLastOwner)
	e.expect(e.do(req{method: "PATCH", path: member + ownerID, token: admin, body: map[string]string{"role": "member"}}), 403, esign.CodeForbiddenRole)
	e.expect(e.do(req{method: "DELETE", path: member + ownerID, token: admin}), 403, esign.CodeForbiddenRole)
	e.expect(e.do(req{method: "PATCH", path: member + adminID, token: admin, body: map[string]string{"role": "owner"}}), 403, esign.CodeForbiddenRole)
	e.expect(e.do(req{method: "PATCH", path: member + adminID, token: owner, body: map[string]string{"role": "boss"}}), 422, esign.CodeValidation)
	e.expect(e.do(req{method: "PATCH", path: member + adminID, token: owner, body: map[string]any{"role": 1}}), 400, esign.CodeInvalidJSON)
	e.expect(e.do(req{method: "PATCH", path: member + "usr_nope", token: owner, body: map[string]string{"role": "member"}}), 404, esign.CodeNotFound)

	e.expect(e.do(req{method: "PATCH", path: member + adminID, token: owner, body: map[string]string{"role": "owner"}}), 200, "")
	e.expect(e.do(req{method: "PATCH", path: member + ownerID, token: owner, body: map[string]string{"role": "member"}}), 200, "")
	e.expect(e.do(req{method: "DELETE", path: member + adminID, token: admin}), 409, esign.CodeLastOwner)
}

// TestAPIKeysActWithCurrentRole: members list and revoke their own keys,
// admins every key of the organization; a key acts with its user's role
// of the moment.
func TestAPIKeysActWithCurrentRole(t *testing.T) {
	e := newEnv(t)
	owner := e.register("olive@example.com")
	mo := e.join(owner, "mo@example.com", esign.RoleMember)
	moID := e.me(mo).User.ID
	key := e.apiKey(mo)
	ownerKey := e.apiKey(owner)

	e.expect(e.do(req{method: "GET", path: "/api/v1/webhooks", token: key.Key}), 403, esign.CodeForbiddenRole)
	e.expect(e.do(req{method: "PATCH", path: "/api/v1/organization/members/" + moID, token: owner, body: map[string]string{"role": "admin"}}), 200, "")
	e.expect(e.do(req{method: "GET", path: "/api/v1/webhooks", token: key.Key}), 200, "")
	e.expect(e.do(req{method: "PATCH", path: "/api/v1/organization/members/" + moID, token: owner, body: map[string]string{"role": "member"}}), 200, "")
	e.expect(e.do(req{method: "GET", path: "/api/v1/webhooks", token: key.Key}), 403, esign.CodeForbiddenRole)

	own := decode[apiKeyListResponse](t, e.expect(e.do(req{method: "GET", path: "/api/v1/api-keys", token: mo}), 200, "")).Items
	if len(own) != 1 || own[0].ID != key.ID || own[0].UserID != moID {
		t.Fatalf("own keys %+v", own)
	}
	e.expect(e.do(req{method: "GET", path: "/api/v1/api-keys?all=1", token: mo}), 403, esign.CodeForbiddenRole)
	e.expect(e.do(req{method: "GET", path: "/api/v1/api-keys?all=maybe", token: owner}), 422, esign.CodeValidation)
	all := decode[apiKeyListResponse](t, e.expect(e.do(req{method: "GET", path: "/api/v1/api-keys?all=1", token: owner}), 200, "")).Items
	if len(all) != 2 {
		t.Fatalf("all keys %+v", all)
	}
	e.expect(e.do(req{method: "DELETE", path: "/api/v1/api-keys/" + ownerKey.ID, token: mo}), 404, esign.CodeNotFound)
	e.expect(e.do(req{method: "DELETE", path: "/api/v1/api-keys/" + key.ID, token: owner}), 204, "")
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes", token: key.Key}), 401, esign.CodeUnauthorized)
	e.expect(e.do(req{method: "DELETE", path: "/api/v1/api-keys/" + key.ID, token: mo}), 204, "")
}

// TestOrgAuditLog: membership changes are recorded, newest first, for admins.
func TestOrgAuditLog(t *testing.T) {
	e := newEnv(t)
	owner := e.register("olive@example.com")
	e.invite(owner, "mo@example.com", esign.RoleMember)
	e.clock.Advance(time.Second)
	mo := e.accept(e.inviteToken("mo@example.com")).AccessToken
	e.clock.Advance(time.Second)
	e.expect(e.do(req{method: "PATCH", path: "/api/v1/organization/members/" + e.me(mo).User.ID, token: owner, body: map[string]string{"role": "viewer"}}), 200, "")
	e.clock.Advance(time.Second)
	e.expect(e.do(req{method: "PATCH", path: "/api/v1/organization", token: owner, body: map[string]string{"name": "Acme Leasing"}}), 200, "")
	e.expect(e.do(req{method: "GET", path: "/api/v1/organization/audit", token: mo}), 403, esign.CodeForbiddenRole)
	page := decode[orgAuditListResponse](t, e.expect(e.do(req{method: "GET", path: "/api/v1/organization/audit?limit=2", token: owner}), 200, ""))
	if len(page.Items) != 2 || page.Items[0].Action != "organization.renamed" || page.Items[1].Action != "member.role_changed" ||
		page.Items[1].Detail != "member -> viewer" || page.NextCursor == nil {
		t.Fatalf("audit page %+v", page)
	}
	rest := decode[orgAuditListResponse](t, e.expect(e.do(req{method: "GET", path: "/api/v1/organization/audit?cursor=" + *page.NextCursor, token: owner}), 200, ""))
	var actions []string
	for _, it := range rest.Items {
		actions = append(actions, it.Action)
	}
	if !slices.Equal(actions, []string{"invitation.accepted", "member.invited"}) {
		t.Fatalf("older entries %v", actions)
	}
	if name := e.me(mo).Organization.Name; name != "Acme Leasing" {
		t.Fatalf("organization name %q", name)
	}
}
