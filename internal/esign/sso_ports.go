package esign

import "context"

// OIDCClient is how GSign is registered at one organization's provider.
type OIDCClient struct {
	Issuer       string
	ClientID     string
	ClientSecret string // empty for a public client
	RedirectURL  string
}

// OIDCIdentity is what a verified ID token says about who signed in. The
// adapter has checked the signature, issuer, audience and expiry; the
// domain checks the rest (nonce, email, domain).
type OIDCIdentity struct {
	Issuer        string
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	Nonce         string
}

// OpenID talks to OpenID Connect providers.
type OpenID interface {
	// Discover reads and checks the issuer's discovery document: an
	// *Error of KindInvalid, CodeSSODiscovery, with the reason when the
	// issuer does not answer or the document is invalid.
	Discover(ctx context.Context, issuer string) error
	// AuthCodeURL is the provider's authorization URL for one sign-in:
	// the code flow with state, nonce and a PKCE S256 challenge of verifier.
	AuthCodeURL(ctx context.Context, c OIDCClient, state, nonce, verifier string) (string, error)
	// Exchange redeems code with verifier and verifies the ID token it
	// returns: an *Error of KindUnauthorized, CodeSSOToken, when the
	// provider refuses the code or the token does not verify, and of
	// KindUnavailable when the provider cannot be reached.
	Exchange(ctx context.Context, c OIDCClient, code, verifier string) (*OIDCIdentity, error)
}

// TXTResolver looks up DNS TXT records; *net.Resolver is one.
type TXTResolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}
