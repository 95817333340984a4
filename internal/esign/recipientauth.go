package esign

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Recipient authentication limits (docs/recipient-auth.md).
const (
	// AuthCodeTTL is how long a one-time code may be entered.
	AuthCodeTTL = 10 * time.Minute
	// AuthCodeAttempts is how many guesses one code allows before it is burned.
	AuthCodeAttempts = 5
	// AuthResendGap and AuthSendsPerHour bound how often codes are sent.
	AuthResendGap    = 30 * time.Second
	AuthSendsPerHour = 5
	// AccessCodeFailures wrong access codes lock the recipient out for
	// AccessCodeLockout, doubling with each lockout up to AccessCodeMaxLockout.
	AccessCodeFailures   = 5
	AccessCodeLockout    = 5 * time.Minute
	AccessCodeMaxLockout = 24 * time.Hour
	// AuthProofTTL is how long a successful authentication lasts.
	AuthProofTTL = time.Hour
	// IDVStateTTL is how long an identity verification may take.
	IDVStateTTL = 30 * time.Minute
)

// SecretAuthProof prefixes a recipient-auth proof: the bearer secret a
// recipient holds after authenticating (a cookie, or X-GSign-Recipient-Auth).
const SecretAuthProof = "gsp_"

// Audit event types of recipient authentication. None carries a code.
const (
	AuditAuthCodeSent  = "auth_code_sent"
	AuditAuthSucceeded = "auth_succeeded"
	AuditAuthFailed    = "auth_failed"
	AuditAuthLocked    = "auth_locked"
	AuditIDVStarted    = "auth_idv_started"
)

// AuthChallenge is a one-time code sent to a recipient, or an identity
// verification started: its secret is stored only hashed.
type AuthChallenge struct {
	ID          string
	EnvelopeID  string
	RecipientID string
	Method      string // AuthEmailOTP, AuthSMSOTP or AuthIDV
	SecretHash  string // HMAC of the code (or of the idv nonce) under the auth key
	Destination string // masked: a***@example.com, +44******789
	Attempts    int
	CreatedAt   time.Time
	ExpiresAt   time.Time
	UsedAt      *time.Time // verified, burned, or the idv callback came
}

// AuthProof is what a recipient holds after authenticating, bound to the
// recipient and the signing token it authenticated with; stored as SHA-256.
type AuthProof struct {
	Hash        string
	EnvelopeID  string
	RecipientID string
	TokenHash   string
	Method      string
	Detail      string
	ChallengeID string     // the idv challenge that must pass first; empty otherwise
	VerifiedAt  *time.Time // nil while an identity verification is pending
	ExpiresAt   time.Time
	CreatedAt   time.Time
}

// RecipientAuthTx persists authentication challenges and proofs.
type RecipientAuthTx interface {
	CreateAuthChallenge(ctx context.Context, c *AuthChallenge) error
	AuthChallengeByID(ctx context.Context, id string) (*AuthChallenge, error)
	// AuthChallenges lists the recipient's challenges created at or after
	// since, newest first.
	AuthChallenges(ctx context.Context, recipientID string, since time.Time) ([]*AuthChallenge, error)
	// UpdateAuthChallenge writes attempts and used_at.
	UpdateAuthChallenge(ctx context.Context, c *AuthChallenge) error
	CreateAuthProof(ctx context.Context, p *AuthProof) error
	AuthProofByHash(ctx context.Context, hash string) (*AuthProof, error)
	// VerifyAuthProofs marks the proofs waiting for the challenge verified
	// at at, with the detail, and reports how many.
	VerifyAuthProofs(ctx context.Context, challengeID, detail string, at time.Time) (int64, error)
}

type proofKey struct{}

// WithAuthProof returns ctx carrying the recipient-auth proof the request
// presented (cookie or X-GSign-Recipient-Auth).
func WithAuthProof(ctx context.Context, proof string) context.Context {
	return context.WithValue(ctx, proofKey{}, proof)
}

func proofFrom(ctx context.Context) string {
	p, _ := ctx.Value(proofKey{}).(string)
	return p
}

// recipientAuth is how a recipient proved who they are.
type recipientAuth struct {
	Method, Detail string
}

// requireAuth returns how the recipient authenticated, or 401
// recipient_auth_required. A recipient of method none needs nothing
// beyond the link, nor does one the sender's application vouched for.
func requireAuth(ctx context.Context, tx Tx, c *signingContext) error {
	r := c.Recipient
	switch {
	case r.AuthMethod == AuthNone || r.AuthMethod == "":
		c.auth = &recipientAuth{Method: AuthNone}
		return nil
	case c.Token.SenderAuth:
		c.auth = &recipientAuth{Method: AuthSender}
		return nil
	}
	if raw := proofFrom(ctx); SecretHasPrefix(raw, SecretAuthProof) {
		p, err := tx.AuthProofByHash(ctx, HashSecret(raw))
		if err != nil && !IsKind(err, KindNotFound) {
			return err
		}
		if err == nil && p.RecipientID == r.ID && p.TokenHash == c.Token.Hash && p.VerifiedAt != nil && tx.Now().Before(p.ExpiresAt) {
			c.auth = &recipientAuth{Method: p.Method, Detail: p.Detail}
			return nil
		}
	}
	return authRequired(r)
}

// recordAuth keeps on the recipient how they authenticated, as they finish.
func (c *signingContext) recordAuth() {
	if c.auth != nil {
		c.Recipient.AuthUsed, c.Recipient.AuthDetail = c.auth.Method, c.auth.Detail
	}
}

// authRequired is the 401 that names the method and where a code goes.
func authRequired(r *Recipient) error {
	e := Errorf(KindUnauthorized, CodeRecipientAuthRequired, "%s", authPrompt(r))
	e.Details = map[string]string{"method": r.AuthMethod}
	if d := maskedDestination(r); d != "" {
		e.Details["destination"] = d
	}
	return e
}

// authPrompt says what the recipient must do.
func authPrompt(r *Recipient) string {
	switch r.AuthMethod {
	case AuthAccessCode:
		return "enter the access code the sender gave you (POST /api/v1/signing/{token}/auth)"
	case AuthEmailOTP, AuthSMSOTP:
		return "enter the one-time code sent to " + maskedDestination(r) + " (POST /api/v1/signing/{token}/auth/code sends one)"
	default:
		return "verify your identity first (POST /api/v1/signing/{token}/auth/idv)"
	}
}

// maskedDestination is where a one-time code goes, masked; empty for
// other methods.
func maskedDestination(r *Recipient) string {
	switch r.AuthMethod {
	case AuthEmailOTP:
		return MaskEmail(r.Email)
	case AuthSMSOTP:
		return MaskPhone(r.Phone)
	}
	return ""
}

// MaskEmail keeps an address's first character and domain: a***@example.com.
func MaskEmail(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" {
		return "***"
	}
	return local[:1] + "***@" + domain
}

// MaskPhone keeps an E.164 number's country code (two digits) and last
// three digits: +44******789.
func MaskPhone(phone string) string {
	digits := strings.TrimPrefix(phone, "+")
	if len(digits) < 6 {
		return "+***"
	}
	return "+" + digits[:2] + strings.Repeat("*", len(digits)-5) + digits[len(digits)-3:]
}

// DescribeAuth renders how a recipient was authenticated, for the
// certificate of completion: "Email one-time code to a***@example.com".
func DescribeAuth(method, detail string) string {
	name := map[string]string{
		AuthNone: "None (the signing link)", AuthAccessCode: "Access code", AuthEmailOTP: "Email one-time code",
		AuthSMSOTP: "SMS one-time code", AuthIDV: "Identity verification", AuthSender: "Sender application",
	}[method]
	if name == "" {
		name = method
	}
	switch {
	case detail == "":
		return name
	case method == AuthEmailOTP || method == AuthSMSOTP:
		return name + " to " + detail
	}
	return fmt.Sprintf("%s (%s)", name, detail)
}
