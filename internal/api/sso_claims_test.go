package api

import (
	"context"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/ssotest"
)

// verifyDomain asks to verify the domain with the admin's token.
func (s *ssoEnv) verifyDomain(token, domain string) *httptest.ResponseRecorder {
	return s.do(req{method: "POST", path: "/api/v1/organization/sso/domains/" + domain + "/verify", token: token})
}

// claimsOf is the admin's organization's claims, by domain.
func (s *ssoEnv) claimsOf(token string) map[string]ssoDomainResponse {
	s.t.Helper()
	cfg := decode[ssoResponse](s.t, s.expect(s.do(req{method: "GET", path: "/api/v1/organization/sso", token: token}), 200, ""))
	out := map[string]ssoDomainResponse{}
	for _, d := range cfg.Domains {
		out[d.Domain] = d
	}
	return out
}

func (s *ssoEnv) orgOf(token string) string {
	s.t.Helper()
	p, err := s.svc.Authenticate(context.Background(), token)
	if err != nil {
		s.t.Fatal(err)
	}
	return p.OrgID
}

// wantStatus checks a claim's status as the organization's admin sees it.
func (s *ssoEnv) wantStatus(token, domain, status string) ssoDomainResponse {
	s.t.Helper()
	d := s.claimsOf(token)[domain]
	if d.Status != status || d.Verified != (status == "verified") || (d.VerifiedAt != nil) != (status == "verified") {
		s.t.Fatalf("%s is %+v for this organization, want %s", domain, d, status)
	}
	return d
}

// TestSSODomainSquatting: a rival that claims the domain first and never
// verifies it does not block the real owner; each claim has its own
// token, and the owner's published record verifies the owner's claim
// only; once verified, the rival's claim shows as verified by another
// organization and cannot be verified; released, the domain is free again.
func TestSSODomainSquatting(t *testing.T) {
	s := newSSOEnv(t)
	squatter := s.register("sam@squat.example")
	s.expect(s.putSSO(squatter, map[string]any{"issuer": s.idp.Issuer, "client_id": "c", "domains": []string{"acme.example"}}), 200, "")
	squat := s.wantStatus(squatter, "acme.example", "pending")

	owned := s.configure("acme.example").Domains[0]
	if owned.Status != "pending" || owned.TXTValue == squat.TXTValue {
		t.Fatalf("the owner's claim %+v beside the squatter's %+v", owned, squat)
	}
	s.dns.SetTXT("acme.example", owned.TXTValue)
	s.expect(s.verifyDomain(squatter, "acme.example"), 422, esign.CodeSSODomainCheck)
	s.wantStatus(squatter, "acme.example", "pending")
	got := decode[ssoDomainResponse](t, s.expect(s.verifyDomain(s.owner, "acme.example"), 200, ""))
	if got.Status != "verified" || !got.Verified {
		t.Fatalf("verified %+v", got)
	}

	s.wantStatus(squatter, "acme.example", "verified_by_another_organization")
	s.wantStatus(s.owner, "acme.example", "verified")
	// Even with its own record published, the squatter gets 409 without a lookup.
	s.dns.SetTXT("acme.example", owned.TXTValue, squat.TXTValue)
	before := s.dns.Queries()
	w := s.expect(s.verifyDomain(squatter, "acme.example"), 409, esign.CodeSSODomainTaken)
	if s.dns.Queries() != before {
		t.Fatal("a domain verified elsewhere was looked up")
	}
	if got := decode[problem](t, w).Detail; got != "acme.example is verified by another organization; it can be verified again once that organization releases it" {
		t.Fatalf("detail %q", got)
	}
	// The owner re-checks its own verified domain freely.
	s.expect(s.verifyDomain(s.owner, "acme.example"), 200, "")

	// Released, the domain is free for the next organization whose record is published.
	s.configure()
	s.wantStatus(squatter, "acme.example", "pending")
	s.expect(s.verifyDomain(squatter, "acme.example"), 200, "")
	s.configure("acme.example")
	s.wantStatus(s.owner, "acme.example", "verified_by_another_organization")
}

// TestSSODomainFreedByDeletingSSO: deleting the SSO configuration releases
// the verified domain for another organization.
func TestSSODomainFreedByDeletingSSO(t *testing.T) {
	s := newSSOEnv(t)
	s.verified("acme.example")
	other := s.register("otto@other.example")
	s.expect(s.putSSO(other, map[string]any{"issuer": s.idp.Issuer, "client_id": "c", "domains": []string{"acme.example"}}), 200, "")
	d := s.wantStatus(other, "acme.example", "verified_by_another_organization")
	s.dns.SetTXT("acme.example", d.TXTValue)
	s.expect(s.verifyDomain(other, "acme.example"), 409, esign.CodeSSODomainTaken)
	s.expect(s.do(req{method: "DELETE", path: "/api/v1/organization/sso", token: s.owner}), 204, "")
	s.wantStatus(other, "acme.example", "pending")
	s.expect(s.verifyDomain(other, "acme.example"), 200, "")
}

// TestSSOSignInUsesVerifiedClaim: with a squatter's claim beside the
// owner's verified one, sign-in by email goes to the owner's provider and
// creates users in the owner's organization; a sign-in through the
// squatter's own provider (?org=) admits no one of the domain; and the
// squatter's enforce does not touch the domain's passwords.
func TestSSOSignInUsesVerifiedClaim(t *testing.T) {
	s := newSSOEnv(t)
	squatIdP := ssotest.NewProvider(t, "squat-client", "squat-s3cret", s.clock.Now)
	squatter := s.register("sam@squat.example")
	s.expect(s.putSSO(squatter, map[string]any{"issuer": squatIdP.Issuer, "client_id": squatIdP.ClientID,
		"client_secret": squatIdP.ClientSecret, "domains": []string{"acme.example"}, "enforce": true}), 200, "")
	// While nobody verified the domain, nobody signs in with it, and nothing is enforced.
	s.expect(s.do(req{method: "GET", path: "/api/v1/sso/start?email=bob@acme.example"}), 404, esign.CodeSSONotConfigured)
	s.login("olive@acme.example")
	s.verified("acme.example")

	s.idp.SignIn(ssotest.User{Subject: "sub-bob", Email: "bob@acme.example", EmailVerified: true})
	bob := s.whoami(s.signedIn(s.finish(s.begin("bob@acme.example")))) // begin checks it is the owner's provider
	if bob.OrgID != s.orgOf(s.owner) {
		t.Fatalf("bob was created in %s, not the owner's organization", bob.OrgID)
	}

	squatIdP.SignIn(ssotest.User{Subject: "sub-mallory", Email: "mallory@acme.example", EmailVerified: true})
	w := s.expect(s.do(req{method: "GET", path: "/api/v1/sso/start?org=" + url.QueryEscape(s.orgOf(squatter))}), 302, "")
	f := ssoFlow{browser: cookiesOf(w.Result().Cookies())[ssoBrowserCookie], callback: s.authorizeAt(squatIdP, w.Header().Get("Location"))}
	s.expect(s.finish(f), 403, esign.CodeSSODomainUnverified)
	if s.user("mallory@acme.example") != nil {
		t.Fatal("the squatter's provider created a user of the domain")
	}

	// The squatter enforces SSO; the owner does not: passwords still work.
	s.login("olive@acme.example")
	s.expect(s.do(req{method: "POST", path: "/api/v1/auth/register", body: map[string]string{
		"email": "newbie@acme.example", "password": "correct horse battery", "name": "N", "organization": "Side"}}), 201, "")
}

// TestSSOConcurrentVerification: two organizations whose records are both
// published verify the domain at once; one gets 200, the other 409.
func TestSSOConcurrentVerification(t *testing.T) {
	s := newSSOEnv(t)
	other := s.register("otto@other.example")
	first := s.configure("both.example").Domains[0]
	s.expect(s.putSSO(other, map[string]any{"issuer": s.idp.Issuer, "client_id": "c", "domains": []string{"both.example"}}), 200, "")
	second := s.wantStatus(other, "both.example", "pending")
	s.dns.SetTXT("both.example", first.TXTValue, second.TXTValue)

	results := make([]*httptest.ResponseRecorder, 2)
	var wg sync.WaitGroup
	for i, token := range []string{s.owner, other} {
		wg.Go(func() { results[i] = s.verifyDomain(token, "both.example") })
	}
	wg.Wait()
	won, lost := 0, 0
	for _, w := range results {
		switch {
		case w.Code == 200:
			won++
		case w.Code == 409 && decode[problem](t, w).Code == esign.CodeSSODomainTaken:
			lost++
		default:
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	if won != 1 || lost != 1 {
		t.Fatalf("%d won and %d lost, want one each", won, lost)
	}
	verified := 0
	for _, token := range []string{s.owner, other} {
		if s.claimsOf(token)["both.example"].Verified {
			verified++
		}
	}
	if verified != 1 {
		t.Fatalf("%d claims verified", verified)
	}
}
