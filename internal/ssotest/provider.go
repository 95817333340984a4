// Package ssotest runs, inside a test, what single sign-on talks to: an
// OpenID provider (discovery, JWKS, an authorization endpoint that signs
// the next configured user in at once, a token endpoint that checks the
// client and PKCE) and a DNS server that answers TXT records.
package ssotest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// User is who signs in at the provider's authorization endpoint.
type User struct {
	Subject       string
	Email         string
	EmailVerified any // true, false, "true", or nil to leave the claim out
	Name          string
}

// Claims are an ID token's claims.
type Claims map[string]any

// Provider is an OpenID provider on loopback.
type Provider struct {
	// Issuer is the provider's URL, its discovery document's issuer.
	Issuer       string
	ClientID     string
	ClientSecret string
	// Key signs ID tokens (RS256) under KeyID; the JWKS publishes it.
	Key   *rsa.PrivateKey
	KeyID string
	// Now is the clock tokens are issued by.
	Now func() time.Time

	srv *httptest.Server
	mu  sync.Mutex
	// user signs in at the next authorization.
	user User
	// forge, when set, makes the token endpoint answer with its ID token.
	forge  func(Claims) string
	grants map[string]grant
	// Discovery overrides fields of the discovery document (tests of bad ones).
	discovery map[string]any
}

// grant is an authorization code's context.
type grant struct {
	nonce, challenge, redirect string
	user                       User
}

// NewProvider starts a provider for the client id and secret, stopped
// when the test ends.
func NewProvider(t testing.TB, clientID, clientSecret string, now func() time.Time) *Provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{ClientID: clientID, ClientSecret: clientSecret, Key: key, KeyID: "k1", Now: now, grants: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.serveDiscovery)
	mux.HandleFunc("GET /jwks", p.serveJWKS)
	mux.HandleFunc("GET /authorize", p.serveAuthorize)
	mux.HandleFunc("POST /token", p.serveToken)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	p.Issuer = p.srv.URL
	return p
}

// SignIn sets who signs in at the next authorizations.
func (p *Provider) SignIn(u User) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.user = u
}

// Forge makes the token endpoint answer with the ID token forge returns
// for the claims a genuine token would carry; nil stops forging.
func (p *Provider) Forge(forge func(Claims) string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.forge = forge
}

// SetDiscovery overrides a field of the discovery document; a nil value
// removes it.
func (p *Provider) SetDiscovery(field string, v any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.discovery == nil {
		p.discovery = map[string]any{}
	}
	p.discovery[field] = v
}

func (p *Provider) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	doc := map[string]any{
		"issuer": p.Issuer, "authorization_endpoint": p.Issuer + "/authorize", "token_endpoint": p.Issuer + "/token",
		"jwks_uri": p.Issuer + "/jwks", "response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
	}
	p.mu.Lock()
	for k, v := range p.discovery {
		if v == nil {
			delete(doc, k)
		} else {
			doc[k] = v
		}
	}
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, doc)
}

func (p *Provider) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &p.Key.PublicKey, KeyID: p.KeyID, Algorithm: string(jose.RS256), Use: "sig"}}})
}

// serveAuthorize signs the configured user in at once and redirects back
// with a code, after checking the request as a provider would.
func (p *Provider) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("client_id") != p.ClientID:
		http.Error(w, "unknown client", http.StatusBadRequest)
		return
	case q.Get("response_type") != "code" || !strings.Contains(" "+q.Get("scope")+" ", " openid "):
		http.Error(w, "code flow with the openid scope only", http.StatusBadRequest)
		return
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("redirect_uri") == "":
		http.Error(w, "PKCE S256 and a redirect_uri are required", http.StatusBadRequest)
		return
	}
	code := rand.Text()
	p.mu.Lock()
	p.grants[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri"), user: p.user}
	p.mu.Unlock()
	back, _ := url.Parse(q.Get("redirect_uri"))
	v := back.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// serveToken redeems a code once, for the client that holds the secret and
// the PKCE verifier, with the redirect URI it was issued for.
func (p *Provider) serveToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "authorization_code" {
		tokenError(w, "invalid_request")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != p.ClientID || secret != p.ClientSecret {
		tokenError(w, "invalid_client")
		return
	}
	p.mu.Lock()
	g, found := p.grants[r.PostForm.Get("code")]
	delete(p.grants, r.PostForm.Get("code"))
	forge := p.forge
	p.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if !found || g.redirect != r.PostForm.Get("redirect_uri") || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		tokenError(w, "invalid_grant")
		return
	}
	claims := p.claims(g)
	idToken := p.Sign(claims)
	if forge != nil {
		idToken = forge(claims)
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": rand.Text(), "token_type": "Bearer", "expires_in": 300, "id_token": idToken})
}

// claims are those of a genuine ID token for the grant.
func (p *Provider) claims(g grant) Claims {
	now := p.Now()
	c := Claims{"iss": p.Issuer, "sub": g.user.Subject, "aud": p.ClientID, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"nonce": g.nonce, "email": g.user.Email, "name": g.user.Name}
	if g.user.EmailVerified != nil {
		c["email_verified"] = g.user.EmailVerified
	}
	return c
}

func tokenError(w http.ResponseWriter, code string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
