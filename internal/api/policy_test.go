package api

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// TestEveryRouteHasAPolicy fails when a row of the route table has no
// access, a sender route has no permission (or one the table does not
// know), or a public or recipient route claims one. newAPI panics on such
// a row; this names it.
func TestEveryRouteHasAPolicy(t *testing.T) {
	for _, rt := range (&api{}).routes() {
		if err := checkPolicy(rt); err != nil {
			t.Error(err)
		}
	}
}

// TestCheckPolicyRefusesBadRows: the zero access is invalid, and the
// permission column must fit the access.
func TestCheckPolicyRefusesBadRows(t *testing.T) {
	tests := []struct {
		name string
		rt   route
		ok   bool
	}{
		{"no access", route{pattern: "GET /x"}, false},
		{"sender without permission", route{pattern: "GET /x", access: sender}, false},
		{"sender with an unknown permission", route{pattern: "GET /x", access: sender, perm: "envelope.everything"}, false},
		{"public with a permission", route{pattern: "GET /x", access: public, perm: esign.PermEnvelopeRead}, false},
		{"recipient with a permission", route{pattern: "GET /x", access: recipient, perm: esign.PermEnvelopeRead}, false},
		{"sender", route{pattern: "GET /x", access: sender, perm: esign.PermEnvelopeRead}, true},
		{"public", route{pattern: "GET /x", access: public}, true},
		{"recipient", route{pattern: "GET /x", access: recipient}, true},
	}
	for _, tt := range tests {
		if err := checkPolicy(tt.rt); (err == nil) != tt.ok {
			t.Errorf("%s: checkPolicy = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// TestRoutePermissionsEnforced sends every sender route the role may not
// use with a viewer's and a member's token: each is 403 forbidden_role
// before anything else happens (no body is even needed).
func TestRoutePermissionsEnforced(t *testing.T) {
	e := newEnv(t)
	owner := e.register("olive@example.com")
	tokens := map[string]string{
		esign.RoleOrgViewer: e.join(owner, "vic@example.com", esign.RoleOrgViewer),
		esign.RoleMember:    e.join(owner, "mo@example.com", esign.RoleMember),
	}
	checked := 0
	for _, rt := range e.a.routes() {
		if rt.access != sender {
			continue
		}
		method, path, _ := strings.Cut(rt.pattern, " ")
		path = pathParam.ReplaceAllString(path, "x")
		for role, token := range tokens {
			if esign.Can(role, rt.perm) {
				continue
			}
			w := e.do(req{method: method, path: path, token: token})
			if w.Code != 403 {
				t.Errorf("%s as %s: status %d, want 403: %s", rt.pattern, role, w.Code, w.Body)
			}
			checked++
		}
	}
	if checked < 20 {
		t.Fatalf("only %d refusals checked", checked)
	}
}
