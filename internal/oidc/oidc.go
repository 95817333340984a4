// Package oidc is the esign.OpenID port over coreos/go-oidc and
// golang.org/x/oauth2: discovery, the authorization code flow with PKCE,
// and ID token verification (signature by the provider's JWKS, issuer,
// audience, expiry). The nonce, the email and its domain are the domain's
// to check.
package oidc

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gsign/gsign/internal/esign"
)

// Config configures a Client.
type Config struct {
	// HTTP reaches the providers; nil means a client with a 10-second timeout.
	HTTP *http.Client
	// Now is the time ID tokens are checked against; nil means time.Now.
	Now func() time.Time
	// CacheFor is how long a provider's discovery document is reused
	// before it is read again; zero means an hour.
	CacheFor time.Duration
}

// Client talks to OpenID providers. It implements esign.OpenID.
type Client struct {
	cfg       Config
	mu        sync.Mutex
	providers map[string]cachedProvider
}

type cachedProvider struct {
	p  *oidc.Provider
	at time.Time
}

var _ esign.OpenID = (*Client)(nil)

// signingAlgs are the algorithms an ID token may be signed with: public-key
// ones only, so a token signed with a MAC (keyed with whatever the attacker
// thinks the verifier holds) or with none is refused.
var signingAlgs = []string{oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512,
	oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA}

// New returns a Client.
func New(cfg Config) *Client {
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CacheFor <= 0 {
		cfg.CacheFor = time.Hour
	}
	return &Client{cfg: cfg, providers: map[string]cachedProvider{}}
}

// discoveryDoc is what GSign needs from a discovery document.
type discoveryDoc struct {
	AuthURL       string   `json:"authorization_endpoint"`
	TokenURL      string   `json:"token_endpoint"`
	JWKSURL       string   `json:"jwks_uri"`
	ResponseTypes []string `json:"response_types_supported"`
}

// Discover reads the issuer's discovery document afresh and checks it.
func (c *Client) Discover(ctx context.Context, issuer string) error {
	_, err := c.discover(ctx, issuer)
	return err
}

func (c *Client) discover(ctx context.Context, issuer string) (*oidc.Provider, error) {
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, c.cfg.HTTP), issuer)
	if err != nil {
		return nil, discoveryError(issuer, err)
	}
	var doc discoveryDoc
	if err := p.Claims(&doc); err != nil {
		return nil, discoveryError(issuer, err)
	}
	if err := doc.check(); err != nil {
		return nil, discoveryError(issuer, err)
	}
	c.mu.Lock()
	c.providers[issuer] = cachedProvider{p: p, at: c.cfg.Now()}
	c.mu.Unlock()
	return p, nil
}

func (d *discoveryDoc) check() error {
	for name, v := range map[string]string{"authorization_endpoint": d.AuthURL, "token_endpoint": d.TokenURL, "jwks_uri": d.JWKSURL} {
		if u, err := url.Parse(v); v == "" || err != nil || !u.IsAbs() {
			return errors.New("the document has no valid " + name)
		}
	}
	for _, t := range d.ResponseTypes {
		if t == "code" {
			return nil
		}
	}
	if len(d.ResponseTypes) > 0 {
		return errors.New(`the provider does not support the "code" response type`)
	}
	return nil
}

func discoveryError(issuer string, err error) error {
	var mismatch *oidc.IssuerMismatchError
	msg := "the issuer did not answer with a valid discovery document at " + strings.TrimSuffix(issuer, "/") +
		"/.well-known/openid-configuration: " + reason(err)
	if errors.As(err, &mismatch) {
		msg = "the discovery document names the issuer " + short(mismatch.Discovered) + ", not " + issuer +
			" (the issuer must match exactly, including any trailing slash)"
	}
	return esign.Errorf(esign.KindInvalid, esign.CodeSSODiscovery, "%s", msg)
}

// statusError is how go-oidc reports a discovery answer other than 200:
// the status, then the body.
var statusError = regexp.MustCompile(`^([1-5][0-9]{2} [^:]*): `)

// reason explains a failed discovery without quoting what the server
// answered beyond its status: the admin who typed the URL learns whether
// it answered, not what an internal page says.
func reason(err error) string {
	if m := statusError.FindStringSubmatch(err.Error()); m != nil {
		return "it answered " + m[1]
	}
	return short(err.Error())
}

// short keeps the first line of a reason, at most 200 bytes: a provider's
// error page is no message.
func short(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// provider returns the issuer's provider, from the cache while it is fresh.
func (c *Client) provider(ctx context.Context, issuer string) (*oidc.Provider, error) {
	c.mu.Lock()
	cp, ok := c.providers[issuer]
	c.mu.Unlock()
	if ok && c.cfg.Now().Sub(cp.at) < c.cfg.CacheFor {
		return cp.p, nil
	}
	p, err := c.discover(ctx, issuer)
	if err != nil {
		return nil, esign.Errorf(esign.KindUnavailable, esign.CodeSSOUnavailable, "the identity provider is not answering: %s", esign.ErrorMessage(err))
	}
	return p, nil
}

func oauthConfig(p *oidc.Provider, oc esign.OIDCClient) *oauth2.Config {
	return &oauth2.Config{ClientID: oc.ClientID, ClientSecret: oc.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: oc.RedirectURL, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// AuthCodeURL is the authorization URL of a code flow sign-in with PKCE S256.
func (c *Client) AuthCodeURL(ctx context.Context, oc esign.OIDCClient, state, nonce, verifier string) (string, error) {
	p, err := c.provider(ctx, oc.Issuer)
	if err != nil {
		return "", err
	}
	return oauthConfig(p, oc).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}
