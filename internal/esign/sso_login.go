package esign

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"strings"
)

// SSOStartInput picks the organization a sign-in goes to: by the domain of
// Email, or by OrgID.
type SSOStartInput struct {
	Email string
	OrgID string
	// Browser is the caller's browser binding cookie, if it has one; a
	// missing or malformed one is replaced.
	Browser string
}

// SSOStart is where to send the browser, and the binding cookie to set.
type SSOStart struct {
	URL     string
	Browser string
}

// SSOFinishInput is what the provider sent back to the callback.
type SSOFinishInput struct {
	State   string
	Code    string
	Browser string
	// Error and ErrorDescription are the provider's error parameters.
	Error, ErrorDescription string
}

// SSOLogin is a finished sign-in.
type SSOLogin struct {
	User    *User
	Tokens  TokenPair
	Created bool // the user was created just in time
}

// Secret prefixes of single sign-on.
const (
	SecretSSOState   = "gss_"
	SecretSSOBrowser = "gsb_"
)

// StartSSO begins a sign-in at the organization's provider: it stores the
// state (hashed), the nonce and the PKCE verifier, and returns the
// provider's authorization URL.
func (s *Service) StartSSO(ctx context.Context, in SSOStartInput) (*SSOStart, error) {
	if s.OpenID == nil {
		return nil, Errorf(KindUnavailable, CodeSSOUnavailable, "single sign-on is not available on this server")
	}
	c, err := s.ssoTarget(ctx, in)
	if err != nil {
		return nil, err
	}
	secret, err := s.Secrets.Open(c.ClientSecret, ssoSecretAD(c.OrgID))
	if err != nil {
		return nil, err
	}
	browser := in.Browser
	if !SecretHasPrefix(browser, SecretSSOBrowser) {
		browser, _ = NewSecret(SecretSSOBrowser)
	}
	state, stateHash := NewSecret(SecretSSOState)
	nonce, verifier := randomURLText(32), randomURLText(32)
	client := OIDCClient{Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: secret, RedirectURL: s.SSOCallbackURL()}
	u, err := s.OpenID.AuthCodeURL(ctx, client, state, nonce, verifier)
	if err != nil {
		return nil, err
	}
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		now := tx.Now()
		if _, err := tx.PurgeSSOStates(ctx, now); err != nil {
			return err
		}
		return tx.CreateSSOState(ctx, &SSOState{Hash: stateHash, OrgID: c.OrgID, Nonce: nonce,
			Verifier: s.Secrets.Seal(verifier, "sso-state:"+stateHash), BrowserHash: HashSecret(browser),
			ExpiresAt: now.Add(ssoStateTTL), CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return &SSOStart{URL: u, Browser: browser}, nil
}

// ssoTarget finds the configuration a sign-in goes to.
func (s *Service) ssoTarget(ctx context.Context, in SSOStartInput) (*SSOConfig, error) {
	orgID, domain := strings.TrimSpace(in.OrgID), ""
	if orgID == "" {
		email, err := normalizeEmail("email", in.Email)
		if in.Email == "" {
			return nil, Invalid("email", "is required (or org)")
		}
		if err != nil {
			return nil, err
		}
		domain = emailDomain(email)
	}
	none := Errorf(KindNotFound, CodeSSONotConfigured, "no organization signs in %s with SSO", orNamed(domain, "this organization"))
	var c *SSOConfig
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		if domain != "" {
			d, err := tx.VerifiedSSODomain(ctx, domain) // pending claims lead nowhere
			if IsKind(err, KindNotFound) {
				return none
			} else if err != nil {
				return err
			}
			orgID = d.OrgID
		}
		var err error
		if c, err = tx.SSOConfigByOrg(ctx, orgID); IsKind(err, KindNotFound) {
			return none
		}
		return err
	})
	return c, err
}

func orNamed(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

// randomURLText is n random bytes in unpadded base64url: nonces and PKCE
// verifiers (32 bytes give the 43 characters RFC 7636 asks for at least).
func randomURLText(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("esign: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// FinishSSO completes a sign-in: it spends the state, exchanges the code,
// checks the ID token's nonce, email and domain, finds, links or creates
// the user, and logs the user in.
func (s *Service) FinishSSO(ctx context.Context, in SSOFinishInput) (*SSOLogin, error) {
	st, c, err := s.spendSSOState(ctx, in)
	if err != nil {
		return nil, err
	}
	if in.Error != "" {
		return nil, Errorf(KindUnauthorized, CodeSSODenied, "the identity provider refused the sign-in: %s", providerError(in.Error, in.ErrorDescription))
	}
	if in.Code == "" {
		return nil, Errorf(KindUnauthorized, CodeSSOToken, "the identity provider sent no authorization code")
	}
	id, err := s.exchangeSSO(ctx, st, c, in.Code)
	if err != nil {
		return nil, err
	}
	var login *SSOLogin
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		login, err = s.ssoUser(ctx, tx, c, id)
		if err != nil {
			return err
		}
		login.Tokens, err = s.newSession(ctx, tx, login.User)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.Log.Info("sso login", "org_id", c.OrgID, "user_id", login.User.ID, "email", login.User.Email,
		"issuer", id.Issuer, "subject", id.Subject, "jit_created", login.Created, "ip", MetaFrom(ctx).IP)
	return login, nil
}

// spendSSOState marks the state used if it is known, unused, unexpired and
// bound to this browser, and returns it with its organization's configuration.
func (s *Service) spendSSOState(ctx context.Context, in SSOFinishInput) (*SSOState, *SSOConfig, error) {
	bad := Errorf(KindUnauthorized, CodeSSOState, "this sign-in is unknown, expired, already used or was started in another browser; start again")
	if !SecretHasPrefix(in.State, SecretSSOState) || !SecretHasPrefix(in.Browser, SecretSSOBrowser) {
		return nil, nil, bad
	}
	var st *SSOState
	var c *SSOConfig
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		st, err = tx.SSOStateByHash(ctx, HashSecret(in.State))
		if IsKind(err, KindNotFound) {
			return bad
		}
		if err != nil {
			return err
		}
		browserOK := subtle.ConstantTimeCompare([]byte(st.BrowserHash), []byte(HashSecret(in.Browser))) == 1
		if st.UsedAt != nil || !tx.Now().Before(st.ExpiresAt) || !browserOK {
			return bad
		}
		if ok, err := tx.UseSSOState(ctx, st.Hash, tx.Now()); err != nil || !ok {
			return orErr(err, bad)
		}
		if c, err = tx.SSOConfigByOrg(ctx, st.OrgID); IsKind(err, KindNotFound) {
			return Errorf(KindUnauthorized, CodeSSOState, "the organization's SSO configuration was removed during the sign-in")
		}
		return err
	})
	return st, c, err
}

func orErr(err error, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// providerError quotes the provider's error for the message, cut short
// and stripped of control characters.
func providerError(code, desc string) string {
	s := code
	if desc != "" {
		s += " (" + desc + ")"
	}
	s = CleanText(s)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// exchangeSSO redeems the code and checks what the adapter leaves to the
// domain: the nonce, the provider's word on the email, and its domain.
func (s *Service) exchangeSSO(ctx context.Context, st *SSOState, c *SSOConfig, code string) (*OIDCIdentity, error) {
	secret, err := s.Secrets.Open(c.ClientSecret, ssoSecretAD(c.OrgID))
	if err != nil {
		return nil, err
	}
	verifier, err := s.Secrets.Open(st.Verifier, "sso-state:"+st.Hash)
	if err != nil {
		return nil, err
	}
	client := OIDCClient{Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: secret, RedirectURL: s.SSOCallbackURL()}
	id, err := s.OpenID.Exchange(ctx, client, code, verifier)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(id.Nonce), []byte(st.Nonce)) != 1 {
		return nil, Errorf(KindUnauthorized, CodeSSOToken, "the ID token was refused: its nonce is not this sign-in's")
	}
	if !id.EmailVerified {
		return nil, Errorf(KindForbidden, CodeSSOEmailUnverified, "the identity provider does not say the email address is verified")
	}
	if id.Email, err = normalizeEmail("email", id.Email); err != nil {
		return nil, Errorf(KindForbidden, CodeSSODomainUnverified, "the ID token carries no usable email address")
	}
	return id, nil
}
