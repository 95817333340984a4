package esign

import (
	"strings"
	"testing"
)

// TestPermissionTable checks every role × permission against the table as
// docs/access.md writes it: O owner, A admin, M member, V viewer.
func TestPermissionTable(t *testing.T) {
	want := map[Permission]string{
		PermAccount:          "OAMV",
		PermOrgRead:          "OAMV",
		PermOrgSettings:      "OA",
		PermOrgAudit:         "OA",
		PermMembersManage:    "OA",
		PermOwnership:        "O",
		PermTeamsManage:      "OA",
		PermAPIKeysOwn:       "OAMV",
		PermAPIKeysAll:       "OA",
		PermWebhooks:         "OA",
		PermBillingRead:      "OA",
		PermBillingManage:    "O",
		PermEnvelopeCreate:   "OAM",
		PermEnvelopeEdit:     "OAM",
		PermEnvelopeSend:     "OAM",
		PermEnvelopeVoid:     "OAM",
		PermEnvelopeRead:     "OAMV",
		PermEnvelopeDownload: "OAMV",
		PermEnvelopeAudit:    "OAMV",
		PermSeeOwnEnvelopes:  "OAM",
		PermSeeAllEnvelopes:  "OA",
	}
	letters := map[string]string{RoleOwner: "O", RoleAdmin: "A", RoleMember: "M", RoleOrgViewer: "V"}
	if len(want) != len(Permissions()) {
		t.Fatalf("the test knows %d permissions, the table %d", len(want), len(Permissions()))
	}
	for _, perm := range Permissions() {
		for _, role := range OrgRoles {
			w := strings.Contains(want[perm], letters[role])
			if got := Can(role, perm); got != w {
				t.Errorf("Can(%s, %s) = %v, want %v", role, perm, got, w)
			}
		}
		if Can("superuser", perm) || Can("", perm) {
			t.Errorf("an unknown role may %s", perm)
		}
	}
	for _, role := range OrgRoles {
		if Can(role, "") {
			t.Errorf("%s may do the empty permission", role)
		}
	}
}

// TestEnvelopeScope: owners and admins see everything; members their own
// and their teams'; viewers their teams' only.
func TestEnvelopeScope(t *testing.T) {
	own := &Envelope{OwnerID: "usr_me"}
	teamed := &Envelope{OwnerID: "usr_other", TeamID: "team_a"}
	otherTeam := &Envelope{OwnerID: "usr_other", TeamID: "team_b"}
	untouched := &Envelope{OwnerID: "usr_other"}
	tests := []struct {
		role string
		want [4]bool // own, teamed, otherTeam, untouched
	}{
		{RoleOwner, [4]bool{true, true, true, true}},
		{RoleAdmin, [4]bool{true, true, true, true}},
		{RoleMember, [4]bool{true, true, false, false}},
		{RoleOrgViewer, [4]bool{false, true, false, false}},
		{"unknown", [4]bool{false, true, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.role, func(t *testing.T) {
			p := &Principal{UserID: "usr_me", Role: tt.role, TeamIDs: []string{"team_a"}}
			s := p.envelopeScope()
			for i, e := range []*Envelope{own, teamed, otherTeam, untouched} {
				if got := s.Contains(e); got != tt.want[i] {
					t.Errorf("envelope %d (%+v): Contains = %v, want %v", i, e, got, tt.want[i])
				}
			}
		})
	}
	if (EnvelopeScope{}).Contains(&Envelope{OwnerID: "", TeamID: ""}) {
		t.Error("an empty scope contains an envelope without owner or team")
	}
}

// TestRoleChangeNeedsOwnershipForPrivilegedRoles: admins move people
// between member and viewer; owner and admin are the owners' to give or
// take.
func TestRoleChangeNeedsOwnershipForPrivilegedRoles(t *testing.T) {
	tests := []struct {
		actor, from, to string
		ok              bool
	}{
		{RoleAdmin, RoleMember, RoleOrgViewer, true},
		{RoleAdmin, RoleOrgViewer, RoleMember, true},
		{RoleAdmin, RoleMember, RoleAdmin, false},
		{RoleAdmin, RoleAdmin, RoleMember, false},
		{RoleAdmin, RoleOwner, RoleMember, false},
		{RoleAdmin, RoleMember, RoleOwner, false},
		{RoleOwner, RoleMember, RoleAdmin, true},
		{RoleOwner, RoleAdmin, RoleOwner, true},
		{RoleOwner, RoleOwner, RoleOrgViewer, true},
	}
	for _, tt := range tests {
		err := checkRoleChange(&Principal{Role: tt.actor}, tt.from, tt.to)
		if (err == nil) != tt.ok {
			t.Errorf("%s changing %s to %s: err = %v, want ok %v", tt.actor, tt.from, tt.to, err, tt.ok)
		}
		if err != nil && ErrorCode(err) != CodeForbiddenRole {
			t.Errorf("code %s, want %s", ErrorCode(err), CodeForbiddenRole)
		}
	}
}
