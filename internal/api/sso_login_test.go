package api

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/ssotest"
)

// signedIn checks that the callback started a session and opened the app,
// and returns the access cookie.
func (s *ssoEnv) signedIn(w *httptest.ResponseRecorder) *http.Cookie {
	s.t.Helper()
	s.expect(w, 302, "")
	if loc := w.Header().Get("Location"); loc != "/app/" {
		s.t.Fatalf("the callback redirected to %q", loc)
	}
	c := cookiesOf(w.Result().Cookies())
	if c[accessCookie] == nil || c[refreshCookie] == nil || !c[accessCookie].HttpOnly {
		s.t.Fatalf("no session cookies: %v", c)
	}
	return c[accessCookie]
}

// whoami is the user the access cookie authenticates.
func (s *ssoEnv) whoami(access *http.Cookie) *esign.User {
	s.t.Helper()
	s.expect(s.do(req{method: "GET", path: "/api/v1/envelopes", header: map[string]string{"Cookie": cookieHeader(access)}}), 200, "")
	p, err := s.svc.Authenticate(context.Background(), access.Value)
	if err != nil {
		s.t.Fatal(err)
	}
	return s.user(p.Email)
}

// user reads the user with the email, nil when there is none.
func (s *ssoEnv) user(email string) *esign.User {
	s.t.Helper()
	var u *esign.User
	err := s.db.View(context.Background(), func(ctx context.Context, tx esign.Tx) (err error) {
		u, err = tx.UserByEmail(ctx, email)
		return err
	})
	if esign.IsKind(err, esign.KindNotFound) {
		return nil
	}
	if err != nil {
		s.t.Fatal(err)
	}
	return u
}

// linked reports whether the provider's subject is linked to a user.
func (s *ssoEnv) linked(subject string) bool {
	s.t.Helper()
	err := s.db.View(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.SSOIdentityBySubject(ctx, s.idp.Issuer, subject)
		return err
	})
	if err != nil && !esign.IsKind(err, esign.KindNotFound) {
		s.t.Fatal(err)
	}
	return err == nil
}

// TestSSOLogin: end to end through the real handlers and the in-test
// provider: a new email of a verified domain is created just in time with
// the default role; the same subject signs in again as the same user; an
// existing user of the organization is linked; an email of another
// organization is refused and nothing is linked.
func TestSSOLogin(t *testing.T) {
	s := newSSOEnv(t)
	rival := s.register("carol@acme.example") // registered before Acme claimed the domain
	_ = rival
	s.verified("acme.example")

	s.idp.SignIn(ssotest.User{Subject: "sub-bob", Email: "Bob@Acme.Example", EmailVerified: true, Name: "Bob Builder"})
	bob := s.whoami(s.signedIn(s.finish(s.begin("bob@acme.example"))))
	if bob.Email != "bob@acme.example" || bob.Name != "Bob Builder" || bob.Role != esign.RoleMember || bob.PasswordHash != "" {
		t.Fatalf("created %+v", bob)
	}
	if !strings.Contains(s.logs.String(), "jit_created=true") {
		t.Fatalf("the creation is not logged:\n%s", s.logs)
	}
	again := s.whoami(s.signedIn(s.finish(s.begin("bob@acme.example"))))
	if again.ID != bob.ID {
		t.Fatalf("signed in as %s, then %s", bob.ID, again.ID)
	}
	// A user created by SSO has no password to sign in with.
	s.expect(s.do(req{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "bob@acme.example", "password": "anything at all"}}),
		401, esign.CodeInvalidCredentials)

	s.idp.SignIn(ssotest.User{Subject: "sub-olive", Email: "olive@acme.example", EmailVerified: "true"})
	olive := s.whoami(s.signedIn(s.finish(s.begin("olive@acme.example"))))
	if olive.Role != esign.RoleOwner || !s.linked("sub-olive") {
		t.Fatalf("olive %+v, linked %v", olive, s.linked("sub-olive"))
	}
	// Another subject with olive's email must not take over her account.
	s.idp.SignIn(ssotest.User{Subject: "sub-olive-2", Email: "olive@acme.example", EmailVerified: true})
	s.expect(s.finish(s.begin("olive@acme.example")), 403, esign.CodeSSOIdentityConflict)

	s.idp.SignIn(ssotest.User{Subject: "sub-carol", Email: "carol@acme.example", EmailVerified: true})
	w := s.expect(s.finish(s.begin("carol@acme.example")), 403, esign.CodeSSOOtherOrg)
	if len(w.Result().Cookies()) != 0 || s.linked("sub-carol") {
		t.Fatal("a refused sign-in set cookies or linked the subject")
	}

	// ?org= starts a sign-in without an email.
	owner, _ := s.svc.Authenticate(context.Background(), s.owner)
	s.expect(s.do(req{method: "GET", path: "/api/v1/sso/start?org=" + owner.OrgID}), 302, "")
	s.expect(s.do(req{method: "GET", path: "/api/v1/sso/start?org=org_nope"}), 404, esign.CodeSSONotConfigured)
	s.expect(s.do(req{method: "GET", path: "/api/v1/sso/start"}), 422, esign.CodeValidation)
	s.expect(s.do(req{method: "GET", path: "/api/v1/sso/start?email=not-an-email"}), 422, esign.CodeValidation)
	s.expect(s.do(req{method: "GET", path: "/api/v1/sso/start?email=x@gmail.example"}), 404, esign.CodeSSONotConfigured)
}

// TestSSOState: a state is single-use, bound to the browser that started
// it, and lives 10 minutes; a provider's error is a 401 that names it.
func TestSSOState(t *testing.T) {
	s := newSSOEnv(t)
	s.verified("acme.example")
	s.idp.SignIn(ssotest.User{Subject: "sub-bob", Email: "bob@acme.example", EmailVerified: true})

	f := s.begin("bob@acme.example")
	s.signedIn(s.finish(f))
	s.expect(s.finish(f), 401, esign.CodeSSOState) // replayed

	f = s.begin("bob@acme.example")
	s.expect(s.do(req{method: "GET", path: f.callback}), 401, esign.CodeSSOState) // no cookie
	other := *f.browser
	other.Value = "gsb_" + strings.Repeat("A", 43)
	s.expect(s.finish(ssoFlow{browser: &other, callback: f.callback}), 401, esign.CodeSSOState) // another browser
	s.signedIn(s.finish(f))                                                                     // the right browser still can

	f = s.begin("bob@acme.example")
	s.clock.Advance(10*time.Minute + time.Second)
	s.expect(s.finish(f), 401, esign.CodeSSOState) // expired

	f = s.begin("bob@acme.example")
	u, _ := url.Parse(f.callback)
	q := u.Query()
	q.Del("code")
	q.Set("error", "access_denied")
	q.Set("error_description", "The user said no")
	f.callback = u.Path + "?" + q.Encode()
	w := s.expect(s.finish(f), 401, esign.CodeSSODenied)
	if !strings.Contains(w.Body.String(), "access_denied (The user said no)") {
		t.Fatalf("the problem does not name the provider's error: %s", w.Body)
	}
	s.expect(s.do(req{method: "GET", path: "/api/v1/sso/callback?state=gss_nope&code=x",
		header: map[string]string{"Cookie": cookieHeader(f.browser)}}), 401, esign.CodeSSOState)
}

// TestSSOForgedTokens: whatever the token endpoint hands back, only a
// genuine ID token for this sign-in signs anyone in; each forgery is
// refused with 401 (403 for the policy refusals), and creates no user,
// link or session.
func TestSSOForgedTokens(t *testing.T) {
	s := newSSOEnv(t)
	s.verified("acme.example")
	s.configurePlusUnverified(t)
	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := s.clock.Now()
	cases := []struct {
		name   string
		forge  func(c ssotest.Claims) string
		status int
		code   string
	}{
		{"alg none", ssotest.Unsigned, 401, esign.CodeSSOToken},
		{"alg none, signature stripped from a genuine token", func(c ssotest.Claims) string {
			tok := s.idp.Sign(c)
			return tok[:strings.LastIndex(tok, ".")+1]
		}, 401, esign.CodeSSOToken},
		{"HS256 keyed with the provider's public key", s.idp.SignHS256WithPublicKey, 401, esign.CodeSSOToken},
		{"signed by another key under the provider's kid", func(c ssotest.Claims) string { return ssotest.SignRS256(attacker, s.idp.KeyID, c) }, 401, esign.CodeSSOToken},
		{"signed by another key under its own kid", func(c ssotest.Claims) string { return ssotest.SignRS256(attacker, "k2", c) }, 401, esign.CodeSSOToken},
		{"expired", func(c ssotest.Claims) string {
			return s.idp.Sign(c.With(map[string]any{"iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()}))
		}, 401, esign.CodeSSOToken},
		{"wrong audience", func(c ssotest.Claims) string { return s.idp.Sign(c.With(map[string]any{"aud": "another-client"})) }, 401, esign.CodeSSOToken},
		{"wrong issuer", func(c ssotest.Claims) string {
			return s.idp.Sign(c.With(map[string]any{"iss": "https://evil.example"}))
		}, 401, esign.CodeSSOToken},
		{"wrong nonce", func(c ssotest.Claims) string { return s.idp.Sign(c.With(map[string]any{"nonce": "replayed-nonce"})) }, 401, esign.CodeSSOToken},
		{"no nonce", func(c ssotest.Claims) string { return s.idp.Sign(c.With(map[string]any{"nonce": nil})) }, 401, esign.CodeSSOToken},
		{"not a JWT", func(ssotest.Claims) string { return "gsa_" + strings.Repeat("x", 43) }, 401, esign.CodeSSOToken},
		{"email_verified false", func(c ssotest.Claims) string { return s.idp.Sign(c.With(map[string]any{"email_verified": false})) }, 403, esign.CodeSSOEmailUnverified},
		{"email_verified missing", func(c ssotest.Claims) string { return s.idp.Sign(c.With(map[string]any{"email_verified": nil})) }, 403, esign.CodeSSOEmailUnverified},
		{"domain claimed, not verified", func(c ssotest.Claims) string {
			return s.idp.Sign(c.With(map[string]any{"email": "eve@unverified.example"}))
		}, 403, esign.CodeSSODomainUnverified},
		{"domain never claimed", func(c ssotest.Claims) string { return s.idp.Sign(c.With(map[string]any{"email": "eve@gmail.example"})) }, 403, esign.CodeSSODomainUnverified},
	}
	// reasons keeps each case honest: refused for its forgery, not another fault.
	reasons := map[string]string{
		"alg none": `unexpected signature algorithm \"none\"`, "alg none, signature stripped from a genuine token": "failed to verify signature",
		"HS256 keyed with the provider's public key":     `unexpected signature algorithm \"HS256\"`,
		"signed by another key under the provider's kid": "failed to verify signature", "signed by another key under its own kid": "failed to verify signature",
		"expired": "token is expired", "wrong audience": `expected audience \"gsign-client\"`, "wrong issuer": "issued by a different provider",
		"wrong nonce": "nonce", "no nonce": "nonce", "not a JWT": "compact JWS format", "email_verified false": "email address is verified",
		"email_verified missing": "email address is verified", "domain claimed, not verified": "unverified.example is not a domain",
		"domain never claimed": "gmail.example is not a domain",
	}
	s.idp.SignIn(ssotest.User{Subject: "sub-eve", Email: "eve@acme.example", EmailVerified: true})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s.idp.Forge(c.forge)
			defer s.idp.Forge(nil)
			w := s.expect(s.finish(s.begin("eve@acme.example")), c.status, c.code)
			if !strings.Contains(w.Body.String(), reasons[c.name]) {
				t.Fatalf("refused, but not because %q: %s", reasons[c.name], w.Body)
			}
			if len(w.Result().Cookies()) != 0 {
				t.Fatalf("a refused sign-in set cookies: %v", w.Result().Cookies())
			}
			if s.user("eve@acme.example") != nil || s.user("eve@unverified.example") != nil || s.user("eve@gmail.example") != nil || s.linked("sub-eve") {
				t.Fatal("a refused sign-in created a user or a link")
			}
		})
	}
	// The same sign-in with a genuine token works, so the refusals above
	// were the forgeries'.
	s.signedIn(s.finish(s.begin("eve@acme.example")))
}

// configurePlusUnverified adds unverified.example to the claimed domains.
func (s *ssoEnv) configurePlusUnverified(t *testing.T) {
	t.Helper()
	got := s.configure("acme.example", "unverified.example")
	if !got.Domains[0].Verified || got.Domains[1].Verified {
		t.Fatalf("domains %+v", got.Domains)
	}
}

// TestSSOEnforce: with enforce, no email of the organization's verified
// domains signs in with a password (whether or not an account exists) or
// registers, while other domains and SSO still work.
func TestSSOEnforce(t *testing.T) {
	s := newSSOEnv(t)
	s.verified("acme.example")
	login := func(path, email string) *httptest.ResponseRecorder {
		return s.do(req{method: "POST", path: path, body: map[string]string{"email": email, "password": "correct horse battery"}})
	}
	s.expect(login("/api/v1/auth/login", "olive@acme.example"), 200, "")
	s.register("pat@else.example")
	s.expect(s.putSSO(s.owner, map[string]any{"issuer": s.idp.Issuer, "client_id": s.idp.ClientID, "domains": []string{"acme.example"}, "enforce": true}), 200, "")
	for _, path := range []string{"/api/v1/auth/login", "/api/v1/auth/session"} {
		w := s.expect(login(path, "Olive@acme.example"), 403, esign.CodeSSORequired)
		if len(w.Result().Cookies()) != 0 {
			t.Fatal("a refused password sign-in set cookies")
		}
		s.expect(login(path, "nobody@acme.example"), 403, esign.CodeSSORequired)
		s.expect(login(path, "pat@else.example"), 200, "")
	}
	// Nor can a new account with a password be registered at the domain.
	s.expect(s.do(req{method: "POST", path: "/api/v1/auth/register", body: map[string]string{
		"email": "newbie@acme.example", "password": "correct horse battery", "name": "N", "organization": "Side"}}), 403, esign.CodeSSORequired)
	if s.user("newbie@acme.example") != nil {
		t.Fatal("a refused registration created the user")
	}
	s.idp.SignIn(ssotest.User{Subject: "sub-olive", Email: "olive@acme.example", EmailVerified: true})
	s.signedIn(s.finish(s.begin("olive@acme.example")))
}

// TestForgedBearerTokens: a sender route accepts only GSign's own opaque
// tokens: JWT-shaped ones (alg none, HS256 keyed with a public key),
// random and expired opaque tokens all get 401.
func TestForgedBearerTokens(t *testing.T) {
	s := newSSOEnv(t)
	claims := ssotest.Claims{"sub": "usr_x", "iss": "https://sign.example.com", "exp": s.clock.Now().Add(time.Hour).Unix(), "role": "owner"}
	access := s.owner
	s.clock.Advance(16 * time.Minute) // access tokens live 15 minutes
	for name, token := range map[string]string{
		"alg none JWT":               ssotest.Unsigned(claims),
		"HS256 with a public key":    s.idp.SignHS256WithPublicKey(claims),
		"RS256 from an OIDC issuer":  s.idp.Sign(claims),
		"random opaque":              "gsa_" + rand.Text() + rand.Text(),
		"random without a prefix":    rand.Text(),
		"expired access token":       access,
		"access token with a suffix": access + "x",
	} {
		t.Run(name, func(t *testing.T) {
			s.expect(s.do(req{method: "GET", path: "/api/v1/envelopes", token: token}), 401, esign.CodeUnauthorized)
		})
	}
}
