package api

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// TestListEnvelopesSearch: q finds envelopes by name or subject, and a q
// too long is refused.
func TestListEnvelopesSearch(t *testing.T) {
	e := newEnv(t)
	token := e.register("olive@example.com")
	for _, b := range []map[string]string{{"name": "Office lease"}, {"name": "NDA", "subject": "Please sign the LEASE annex"}, {"name": "Invoice"}} {
		e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: b}), 201, "")
	}
	list := func(q string) []string {
		w := e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes?q=" + url.QueryEscape(q), token: token}), 200, "")
		var names []string
		for _, it := range decode[struct{ Items []envelopeResponse }](t, w).Items {
			names = append(names, it.Name)
		}
		slices.Sort(names) // the fixed clock gives every envelope the same time
		return names
	}
	if got := strings.Join(list("Lease"), ","); got != "NDA,Office lease" {
		t.Errorf("q=Lease found %q", got)
	}
	if got := len(list("")); got != 3 {
		t.Errorf("an empty q found %d envelopes, want all 3", got)
	}
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes?q=" + strings.Repeat("x", 201), token: token}), 422, esign.CodeValidation)
}
