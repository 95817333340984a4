package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/oidc"
	"github.com/gsign/gsign/internal/ratelimit"
	"github.com/gsign/gsign/internal/ssotest"
)

// ssoEnv is the API with single sign-on wired to a provider and a DNS
// server started inside the test, and an organization (Acme, whose owner
// is olive@acme.example) whose admin token is owner.
type ssoEnv struct {
	*env
	idp   *ssotest.Provider
	dns   *ssotest.DNS
	owner string
}

func newSSOEnv(t *testing.T) *ssoEnv {
	t.Helper()
	// Sign-ins are limited per address, and every request here comes from one.
	e := newEnv(t, func(c *Config) {
		limits := DefaultRateLimits()
		limits.Auth = ratelimit.Limit{}
		c.RateLimits = &limits
	})
	box, err := esign.NewSecretBox([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	s := &ssoEnv{env: e, idp: ssotest.NewProvider(t, "gsign-client", "client-s3cret", e.clock.Now), dns: ssotest.NewDNS(t)}
	e.svc.Secrets, e.svc.DNS = box, s.dns.Resolver()
	e.svc.OpenID = oidc.New(oidc.Config{Now: e.clock.Now})
	s.owner = e.register("olive@acme.example")
	return s
}

// configure saves the configuration with the domains.
func (s *ssoEnv) configure(domains ...string) ssoResponse {
	s.t.Helper()
	w := s.expect(s.do(req{method: "PUT", path: "/api/v1/organization/sso", token: s.owner, body: map[string]any{
		"issuer": s.idp.Issuer, "client_id": s.idp.ClientID, "client_secret": s.idp.ClientSecret, "domains": domains}}), 200, "")
	return decode[ssoResponse](s.t, w)
}

// verified configures SSO with the domains, publishes their TXT records
// and verifies them.
func (s *ssoEnv) verified(domains ...string) {
	s.t.Helper()
	for _, d := range s.configure(domains...).Domains {
		s.dns.SetTXT(d.TXTName, "v=spf1 -all", d.TXTValue)
		w := s.expect(s.do(req{method: "POST", path: "/api/v1/organization/sso/domains/" + d.Domain + "/verify", token: s.owner}), 200, "")
		if got := decode[ssoDomainResponse](s.t, w); !got.Verified || got.VerifiedAt == nil {
			s.t.Fatalf("domain not verified: %+v", got)
		}
	}
}

func (s *ssoEnv) putSSO(token string, body any) *httptest.ResponseRecorder {
	return s.do(req{method: "PUT", path: "/api/v1/organization/sso", token: token, body: body})
}

// TestSSOConfig: admins save, read and delete the configuration; the
// secret is sealed at rest and never shown; bad input and an issuer that
// fails discovery get clear 422s; members get 403.
func TestSSOConfig(t *testing.T) {
	s := newSSOEnv(t)
	s.expect(s.do(req{method: "GET", path: "/api/v1/organization/sso", token: s.owner}), 404, esign.CodeSSONotConfigured)
	got := s.configure("Acme.Example", "acme.example", "eu.acme.example")
	if got.Issuer != s.idp.Issuer || !got.ClientSecretSet || got.DefaultRole != "member" || got.Enforce ||
		got.RedirectURL != "https://sign.example.com/api/v1/sso/callback" || len(got.Domains) != 2 || got.Domains[0].Verified {
		t.Fatalf("saved %+v", got)
	}
	if got.Domains[0].Domain != "acme.example" || !strings.HasPrefix(got.Domains[0].TXTValue, "gsign-verification=") {
		t.Fatalf("domains %+v", got.Domains)
	}
	w := s.expect(s.do(req{method: "GET", path: "/api/v1/organization/sso", token: s.owner}), 200, "")
	if strings.Contains(w.Body.String(), s.idp.ClientSecret) || strings.Contains(w.Body.String(), "sealed") {
		t.Fatalf("the secret is shown: %s", w.Body)
	}
	stored := s.storedConfig(t)
	if !strings.HasPrefix(stored.ClientSecret, "sealed:v1:") || strings.Contains(stored.ClientSecret, s.idp.ClientSecret) {
		t.Fatalf("the secret is not sealed at rest: %q", stored.ClientSecret)
	}

	// Without client_secret the stored one stays; "" removes it.
	keep := decode[ssoResponse](t, s.expect(s.putSSO(s.owner, map[string]any{"issuer": s.idp.Issuer, "client_id": "gsign-client",
		"domains": []string{"acme.example"}, "default_role": "viewer", "enforce": true}), 200, ""))
	if !keep.ClientSecretSet || keep.DefaultRole != "viewer" || !keep.Enforce || len(keep.Domains) != 1 || s.storedConfig(t).ClientSecret != stored.ClientSecret {
		t.Fatalf("update %+v", keep)
	}
	if keep.Domains[0].TXTValue != got.Domains[0].TXTValue {
		t.Fatal("a kept domain got a new verification token")
	}
	cleared := decode[ssoResponse](t, s.expect(s.putSSO(s.owner, map[string]any{"issuer": s.idp.Issuer, "client_id": "gsign-client", "client_secret": ""}), 200, ""))
	if cleared.ClientSecretSet || len(cleared.Domains) != 0 {
		t.Fatalf("cleared %+v", cleared)
	}

	member := s.member("mo@acme.example", s.owner)
	s.expect(s.do(req{method: "GET", path: "/api/v1/organization/sso", token: member}), 403, esign.CodeForbiddenRole)
	s.expect(s.putSSO(member, map[string]any{"issuer": s.idp.Issuer, "client_id": "x"}), 403, esign.CodeForbiddenRole)
	s.expect(s.do(req{method: "DELETE", path: "/api/v1/organization/sso", token: member}), 403, esign.CodeForbiddenRole)

	s.expect(s.do(req{method: "DELETE", path: "/api/v1/organization/sso", token: s.owner}), 204, "")
	s.expect(s.do(req{method: "GET", path: "/api/v1/organization/sso", token: s.owner}), 404, esign.CodeSSONotConfigured)
	s.expect(s.do(req{method: "DELETE", path: "/api/v1/organization/sso", token: s.owner}), 404, esign.CodeSSONotConfigured)
}

func (s *ssoEnv) storedConfig(t *testing.T) *esign.SSOConfig {
	t.Helper()
	owner, err := s.svc.Authenticate(context.Background(), s.owner)
	if err != nil {
		t.Fatal(err)
	}
	var c *esign.SSOConfig
	err = s.db.View(context.Background(), func(ctx context.Context, tx esign.Tx) (err error) {
		c, err = tx.SSOConfigByOrg(ctx, owner.OrgID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSSOConfigBadInput: each bad configuration is refused with its
// status, code and the field named, and nothing is saved.
func TestSSOConfigBadInput(t *testing.T) {
	s := newSSOEnv(t)
	elsewhere := ssotest.NewProvider(t, "gsign-client", "x", s.clock.Now)
	elsewhere.SetDiscovery("issuer", "https://evil.example")
	noToken := ssotest.NewProvider(t, "gsign-client", "x", s.clock.Now)
	noToken.SetDiscovery("token_endpoint", nil)
	implicit := ssotest.NewProvider(t, "gsign-client", "x", s.clock.Now)
	implicit.SetDiscovery("response_types_supported", []string{"id_token"})
	many := make([]string, 21)
	for i := range many {
		many[i] = string(rune('a'+i)) + ".example"
	}
	ok := map[string]any{"issuer": s.idp.Issuer, "client_id": "gsign-client"}
	cases := []struct {
		name    string
		body    any
		status  int
		code    string
		message string
	}{
		{"no issuer", map[string]any{"client_id": "c"}, 422, esign.CodeValidation, "issuer: is required"},
		{"issuer over plain http", with(ok, "issuer", "http://idp.example"), 422, esign.CodeValidation, "must use https"},
		{"issuer with a query", with(ok, "issuer", "https://idp.example/?x=1"), 422, esign.CodeValidation, "without query"},
		{"no client id", with(ok, "client_id", "  "), 422, esign.CodeValidation, "client_id: is required"},
		{"admin as default role", with(ok, "default_role", "admin"), 422, esign.CodeValidation, "or \\\"viewer\\\""},
		{"a domain that is not one", with(ok, "domains", []string{"acme"}), 422, esign.CodeValidation, "domains[0]"},
		{"a domain with an underscore", with(ok, "domains", []string{"ok.example", "a_b.example"}), 422, esign.CodeValidation, "domains[1]"},
		{"too many domains", with(ok, "domains", many), 422, esign.CodeValidation, "at most 20"},
		{"domains not a list", with(ok, "domains", "acme.example"), 400, esign.CodeInvalidJSON, ""},
		{"issuer that does not answer", with(ok, "issuer", "http://127.0.0.1:1"), 422, esign.CodeSSODiscovery, "did not answer"},
		{"issuer with no discovery document", with(ok, "issuer", s.idp.Issuer+"/nope"), 422, esign.CodeSSODiscovery, "404"},
		{"discovery naming another issuer", with(ok, "issuer", elsewhere.Issuer), 422, esign.CodeSSODiscovery, "names the issuer https://evil.example"},
		{"discovery without token endpoint", with(ok, "issuer", noToken.Issuer), 422, esign.CodeSSODiscovery, "token_endpoint"},
		{"provider without the code flow", with(ok, "issuer", implicit.Issuer), 422, esign.CodeSSODiscovery, "code\\\" response type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := s.expect(s.putSSO(s.owner, c.body), c.status, c.code)
			if !strings.Contains(w.Body.String(), c.message) {
				t.Fatalf("the problem does not say %q: %s", c.message, w.Body)
			}
		})
	}
	s.expect(s.do(req{method: "GET", path: "/api/v1/organization/sso", token: s.owner}), 404, esign.CodeSSONotConfigured)
}

func with(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}

// TestSSODomains: a domain is claimed by one organization only, and
// admits no one until its TXT record is found through DNS.
func TestSSODomains(t *testing.T) {
	s := newSSOEnv(t)
	cfg := s.configure("acme.example")
	d := cfg.Domains[0]
	verify := func(token, domain string) *httptest.ResponseRecorder {
		return s.do(req{method: "POST", path: "/api/v1/organization/sso/domains/" + domain + "/verify", token: token})
	}
	w := s.expect(verify(s.owner, "acme.example"), 422, esign.CodeSSODomainCheck)
	if !strings.Contains(w.Body.String(), d.TXTValue) {
		t.Fatalf("the problem does not say which record to publish: %s", w.Body)
	}
	s.expect(s.do(req{method: "GET", path: "/api/v1/sso/start?email=bob@acme.example"}), 404, esign.CodeSSONotConfigured)
	s.dns.SetTXT("acme.example", "gsign-verification=not-the-token")
	s.expect(verify(s.owner, "acme.example"), 422, esign.CodeSSODomainCheck)
	s.dns.SetTXT("acme.example", "v=spf1 -all", d.TXTValue)
	before := s.dns.Queries()
	got := decode[ssoDomainResponse](t, s.expect(verify(s.owner, "ACME.example."), 200, ""))
	if !got.Verified || s.dns.Queries() == before {
		t.Fatalf("verify %+v after %d queries", got, s.dns.Queries()-before)
	}
	s.expect(verify(s.owner, "other.example"), 404, esign.CodeNotFound)
	s.expect(verify(s.owner, "not_a_domain"), 422, esign.CodeValidation)

	// Another organization can claim it, but its claim is inert and
	// cannot be verified; one that does not claim it gets 404.
	rival := s.register("rita@rival.example")
	s.expect(verify(rival, "acme.example"), 404, esign.CodeNotFound)
	claims := decode[ssoResponse](t, s.expect(s.putSSO(rival, map[string]any{"issuer": s.idp.Issuer, "client_id": "c",
		"domains": []string{"rival.example", "acme.example"}}), 200, "")).Domains
	if claims[0].Status != "verified_by_another_organization" || claims[0].Verified || claims[1].Status != "pending" {
		t.Fatalf("the rival's claims %+v", claims)
	}
	s.expect(verify(rival, "acme.example"), 409, esign.CodeSSODomainTaken)
}

// ssoFlow is one sign-in through the browser's eyes: start, the provider's
// authorization endpoint over real HTTP, and the callback.
type ssoFlow struct {
	browser  *http.Cookie
	callback string // the path and query the provider redirected to
}

// begin starts a sign-in for the email and follows the provider's redirect.
func (s *ssoEnv) begin(email string) ssoFlow {
	s.t.Helper()
	w := s.expect(s.do(req{method: "GET", path: "/api/v1/sso/start?email=" + url.QueryEscape(email)}), 302, "")
	f := ssoFlow{browser: cookiesOf(w.Result().Cookies())[ssoBrowserCookie]}
	if f.browser == nil || !f.browser.HttpOnly || f.browser.Path != "/api/v1/sso" {
		s.t.Fatalf("browser cookie %+v", f.browser)
	}
	f.callback = s.authorize(w.Header().Get("Location"))
	return f
}

// authorize visits the provider's authorization URL and returns the path
// and query it redirects back to.
func (s *ssoEnv) authorize(authURL string) string {
	s.t.Helper()
	return s.authorizeAt(s.idp, authURL)
}

// authorizeAt is authorize at the provider idp.
func (s *ssoEnv) authorizeAt(idp *ssotest.Provider, authURL string) string {
	s.t.Helper()
	if !strings.HasPrefix(authURL, idp.Issuer+"/authorize?") {
		s.t.Fatalf("start redirected to %q", authURL)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(authURL)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || back.Host != "sign.example.com" {
		s.t.Fatalf("the provider answered %d, to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return back.RequestURI()
}

// finish sends the callback with the browser's cookie.
func (s *ssoEnv) finish(f ssoFlow) *httptest.ResponseRecorder {
	return s.do(req{method: "GET", path: f.callback, header: map[string]string{"Cookie": cookieHeader(f.browser)}})
}
