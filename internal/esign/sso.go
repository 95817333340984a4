package esign

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// SSOConfig is an organization's OpenID Connect provider: where its users
// sign in when they choose single sign-on, and what a user created on
// their first sign-in becomes.
type SSOConfig struct {
	OrgID    string
	Issuer   string
	ClientID string
	// ClientSecret is sealed at rest (SecretBox, bound to the organization);
	// empty for a public client that relies on PKCE alone.
	ClientSecret string
	// DefaultRole is the role of users created just in time.
	DefaultRole string
	// Enforce refuses password login to every email of the organization's
	// verified domains.
	Enforce   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SSODomain is one organization's claim on an email domain. Several
// organizations may claim the same domain, each with its own token; a claim
// admits no one until a DNS TXT record with its token proves the
// organization controls the domain, and only one claim per domain can be
// verified.
type SSODomain struct {
	Domain     string
	OrgID      string
	Token      string // the value of the TXT record, after "gsign-verification="
	VerifiedAt *time.Time
	CreatedAt  time.Time
}

// TXTRecord is the DNS TXT record that proves control of d.
func (d *SSODomain) TXTRecord() string { return ssoTXTPrefix + d.Token }

// SSOState is one sign-in in progress: what the callback needs to finish
// it. Only the state's hash is stored, it is single-use, and it is bound to
// the browser that started it (a cookie whose hash is BrowserHash).
type SSOState struct {
	Hash        string
	OrgID       string
	Nonce       string
	Verifier    string // the PKCE code verifier, sealed
	BrowserHash string
	ExpiresAt   time.Time
	UsedAt      *time.Time
	CreatedAt   time.Time
}

// SSOIdentity links a provider's subject to a user.
type SSOIdentity struct {
	Issuer      string
	Subject     string
	UserID      string
	OrgID       string
	Email       string
	CreatedAt   time.Time
	LastLoginAt time.Time
}

// SSOTx persists single sign-on: configurations, domains, sign-ins in
// progress and the links of subjects to users.
type SSOTx interface {
	// SSOConfigByOrg returns the organization's configuration; KindNotFound
	// when it has none.
	SSOConfigByOrg(ctx context.Context, orgID string) (*SSOConfig, error)
	// SaveSSOConfig inserts or replaces the organization's configuration.
	SaveSSOConfig(ctx context.Context, c *SSOConfig) error
	// DeleteSSO deletes the organization's configuration, domains, states
	// and identities; KindNotFound when it has no configuration.
	DeleteSSO(ctx context.Context, orgID string) error

	// SSODomainsByOrg returns the organization's claims in name order.
	SSODomainsByOrg(ctx context.Context, orgID string) ([]*SSODomain, error)
	// SSODomainClaim returns the organization's claim on the domain;
	// KindNotFound when it has none.
	SSODomainClaim(ctx context.Context, orgID, domain string) (*SSODomain, error)
	// VerifiedSSODomain returns the one verified claim on the domain,
	// whatever its organization; KindNotFound when no claim is verified.
	VerifiedSSODomain(ctx context.Context, domain string) (*SSODomain, error)
	// CreateSSODomain inserts the claim d; KindConflict when its
	// organization claims the domain already.
	CreateSSODomain(ctx context.Context, d *SSODomain) error
	// DeleteSSODomain deletes the organization's claim on the domain.
	DeleteSSODomain(ctx context.Context, orgID, domain string) error
	// MarkSSODomainVerified records when the claim's TXT record was found;
	// SSODomainTaken's error when another organization's claim on the
	// domain is verified, even by a transaction not yet committed: of two
	// simultaneous verifications one wins.
	MarkSSODomainVerified(ctx context.Context, orgID, domain string, at time.Time) error

	CreateSSOState(ctx context.Context, st *SSOState) error
	SSOStateByHash(ctx context.Context, hash string) (*SSOState, error)
	// UseSSOState sets used_at if unset and reports whether it did, so a
	// state finishes one sign-in at most.
	UseSSOState(ctx context.Context, hash string, at time.Time) (bool, error)
	// PurgeSSOStates deletes states that expired before t.
	PurgeSSOStates(ctx context.Context, t time.Time) (int64, error)

	// SSOIdentityBySubject returns the link of (issuer, subject).
	SSOIdentityBySubject(ctx context.Context, issuer, subject string) (*SSOIdentity, error)
	// SSOIdentitiesByUser returns the user's links, oldest first.
	SSOIdentitiesByUser(ctx context.Context, userID string) ([]*SSOIdentity, error)
	CreateSSOIdentity(ctx context.Context, id *SSOIdentity) error
	// TouchSSOIdentity records a sign-in through the link.
	TouchSSOIdentity(ctx context.Context, issuer, subject string, at time.Time) error
}

// Problem codes of single sign-on.
const (
	// CodeSSONotConfigured: no organization signs in this email (or id) with SSO.
	CodeSSONotConfigured = "sso_not_configured"
	// CodeSSODiscovery: the issuer's discovery document could not be read or is invalid.
	CodeSSODiscovery = "sso_discovery_failed"
	// CodeSSODomainTaken: another organization verified the domain.
	CodeSSODomainTaken = "sso_domain_taken"
	// CodeSSODomainCheck: the domain's TXT record was not found.
	CodeSSODomainCheck = "sso_domain_verification_failed"
	// CodeSSOState: the sign-in's state is unknown, used, expired or from another browser.
	CodeSSOState = "sso_state_invalid"
	// CodeSSODenied: the provider answered the sign-in with an error.
	CodeSSODenied = "sso_denied"
	// CodeSSOToken: the code exchange failed or the ID token was refused.
	CodeSSOToken = "sso_token_invalid"
	// CodeSSOEmailUnverified: the provider does not vouch for the email.
	CodeSSOEmailUnverified = "sso_email_unverified"
	// CodeSSODomainUnverified: the email's domain is not one the organization verified.
	CodeSSODomainUnverified = "sso_domain_unverified"
	// CodeSSOOtherOrg: the email belongs to a user of another organization.
	CodeSSOOtherOrg = "sso_email_other_org"
	// CodeSSOIdentityConflict: the user is linked to another subject of the issuer.
	CodeSSOIdentityConflict = "sso_identity_conflict"
	// CodeSSORequired: the email's domain signs in with SSO only.
	CodeSSORequired = "sso_required"
	// CodeSSOUnavailable: the provider could not be reached.
	CodeSSOUnavailable = "sso_provider_unavailable"
)

// SSODomainTaken is the error of verifying a domain another organization
// has verified.
func SSODomainTaken(domain string) error {
	return Errorf(KindConflict, CodeSSODomainTaken,
		"%s is verified by another organization; it can be verified again once that organization releases it", domain)
}

// Limits and fixed values of single sign-on.
const (
	ssoTXTPrefix      = "gsign-verification="
	maxSSODomains     = 20
	ssoStateTTL       = 10 * time.Minute
	ssoRoleViewer     = "viewer"
	ssoCallbackPath   = "/api/v1/sso/callback"
	maxSSOClientField = 1024
)

// SSOCallbackURL is the redirect URL to register at the provider.
func (s *Service) SSOCallbackURL() string {
	return strings.TrimSuffix(s.Config.PublicURL, "/") + ssoCallbackPath
}

// checkIssuer accepts an https URL, or plain http to a loopback host (a
// provider on the same machine, in development), without query or fragment.
func checkIssuer(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if raw == "" {
		return "", Invalid("issuer", "is required")
	}
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || len(raw) > 2048 {
		return "", Invalid("issuer", "must be an absolute URL without query, fragment or credentials")
	}
	if u.Scheme != "https" && (u.Scheme != "http" || !isLoopbackHost(u.Hostname())) {
		return "", Invalid("issuer", "must use https (plain http only for localhost)")
	}
	return raw, nil
}

func isLoopbackHost(h string) bool {
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

// normalizeDomain lowercases an email domain and checks that it is a DNS
// name of at least two labels: letters, digits and hyphens.
func normalizeDomain(field, d string) (string, error) {
	d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
	labels := strings.Split(d, ".")
	if len(d) > 253 || len(labels) < 2 {
		return "", Invalid(field, "must be a domain name such as example.com")
	}
	for _, l := range labels {
		if !validLabel(l) {
			return "", Invalid(field, "must be a domain name such as example.com")
		}
	}
	return d, nil
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, c := range l {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// emailDomain is the domain of a normalized email.
func emailDomain(email string) string {
	_, d, _ := strings.Cut(email, "@")
	return d
}
