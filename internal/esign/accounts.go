package esign

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Principal is an authenticated sender: a user, directly or through an API key.
type Principal struct {
	UserID   string
	OrgID    string
	Email    string
	Role     string
	APIKeyID string // set when authenticated with an API key
	// TeamIDs are the teams the user belongs to, read when authenticating.
	TeamIDs []string
	// SessionID is the session (refresh-token family) of an access token.
	SessionID string
}

// actor returns the audit actor for p, with the request's origin from ctx.
func (p *Principal) actor(ctx context.Context) Actor {
	m := MetaFrom(ctx)
	a := Actor{Type: ActorUser, ID: p.UserID, Email: p.Email, IP: m.IP, UserAgent: m.UserAgent}
	if p.APIKeyID != "" {
		a.Type, a.ID = ActorAPIKey, p.APIKeyID
	}
	return a
}

// RegisterInput is a new user with a new organization.
type RegisterInput struct {
	Email        string
	Password     string
	Name         string
	Organization string
}

// TokenPair is what a login hands out.
type TokenPair struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    time.Duration
}

// Registration is the result of Register.
type Registration struct {
	User         *User
	Organization *Organization
	Tokens       TokenPair
}

// Password length bounds. The upper bound keeps hashing cost bounded.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 1024
)

func normalizeEmail(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		return "", Invalid(field, "must be a valid email address")
	}
	return strings.ToLower(s), nil
}

func requireText(field, s string, max int) (string, error) {
	s = strings.TrimSpace(CleanText(s))
	if s == "" {
		return "", Invalid(field, "is required")
	}
	if utf8.RuneCountInString(s) > max {
		return "", Invalid(field, "is too long")
	}
	return s, nil
}

// checkPasswordLen refuses a new password that is too short or too long.
func checkPasswordLen(field, pw string) error {
	if n := utf8.RuneCountInString(pw); n < MinPasswordLen || len(pw) > MaxPasswordLen {
		return Invalid(field, "must be at least 10 characters (and at most 1024 bytes)")
	}
	return nil
}

func (in *RegisterInput) validate() error {
	var err error
	if in.Email, err = normalizeEmail("email", in.Email); err != nil {
		return err
	}
	if err := checkPasswordLen("password", in.Password); err != nil {
		return err
	}
	if in.Name, err = requireText("name", in.Name, 200); err != nil {
		return err
	}
	in.Organization, err = requireText("organization", in.Organization, 200)
	return err
}

// Register creates a user and its organization, the user as owner, and logs
// the user in.
func (s *Service) Register(ctx context.Context, in RegisterInput) (*Registration, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	hash, err := s.Passwords.Hash(in.Password)
	if err != nil {
		return nil, err
	}
	var reg *Registration
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if err := refuseEnforcedPassword(ctx, tx, in.Email); err != nil {
			return err
		}
		now := tx.Now()
		org := &Organization{ID: NewID(PrefixOrg, now), Name: in.Organization, CreatedAt: now}
		u := &User{ID: NewID(PrefixUser, now), OrgID: org.ID, Email: in.Email, Name: in.Name, Role: RoleOwner, PasswordHash: hash, CreatedAt: now}
		if err := tx.CreateOrganization(ctx, org); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		pair, err := s.newSession(ctx, tx, u)
		reg = &Registration{User: u, Organization: org, Tokens: pair}
		return err
	})
	return reg, err
}

// burnPasswordCheck verifies against a dummy hash when no user matches, so a
// login for an unknown email costs as much as one with a wrong password.
func (s *Service) burnPasswordCheck(password string) {
	s.dummyOnce.Do(func() { s.dummyHash, _ = s.Passwords.Hash("gsign-dummy-password") })
	_, _ = s.Passwords.Verify(s.dummyHash, password[:min(len(password), MaxPasswordLen)])
}

// Refresh rotates a refresh token: the presented one is revoked and a new
// pair issued in the same family. A refresh token presented after it was
// rotated means it leaked: the whole family is revoked.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (TokenPair, error) {
	bad := Errorf(KindUnauthorized, CodeUnauthorized, "refresh token is invalid or expired")
	if !SecretHasPrefix(refreshToken, SecretRefresh) {
		return TokenPair{}, bad
	}
	var pair TokenPair
	reused := false
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		t, err := tx.AuthTokenByHash(ctx, HashSecret(refreshToken))
		if IsKind(err, KindNotFound) || (err == nil && (t.Kind != TokenRefresh || !tx.Now().Before(t.ExpiresAt))) {
			return bad
		}
		if err != nil {
			return err
		}
		if t.RevokedAt != nil {
			reused = true
			return tx.RevokeTokenFamily(ctx, t.FamilyID, tx.Now())
		}
		if ok, err := tx.RevokeAuthToken(ctx, t.Hash, tx.Now()); err != nil || !ok {
			if err == nil {
				err = bad
			}
			return err
		}
		u, err := tx.UserByID(ctx, t.UserID)
		if err != nil {
			return err
		}
		if !u.Active() {
			return bad
		}
		if pair, err = s.issueTokens(ctx, tx, u, t.FamilyID); err != nil {
			return err
		}
		return tx.TouchSession(ctx, t.FamilyID, tx.Now(), tx.Now().Add(s.Config.RefreshTTL))
	})
	if err == nil && reused {
		s.Log.Warn("refresh token reused; token family revoked")
		return TokenPair{}, bad
	}
	return pair, err
}

func (s *Service) issueTokens(ctx context.Context, tx Tx, u *User, family string) (TokenPair, error) {
	now := tx.Now()
	access, accessHash := NewSecret(SecretAccess)
	refresh, refreshHash := NewSecret(SecretRefresh)
	for _, t := range []*AuthToken{
		{Hash: accessHash, Kind: TokenAccess, ExpiresAt: now.Add(s.Config.AccessTTL)},
		{Hash: refreshHash, Kind: TokenRefresh, ExpiresAt: now.Add(s.Config.RefreshTTL)},
	} {
		t.UserID, t.OrgID, t.FamilyID, t.CreatedAt = u.ID, u.OrgID, family, now
		if err := tx.CreateAuthToken(ctx, t); err != nil {
			return TokenPair{}, err
		}
	}
	return TokenPair{AccessToken: access, RefreshToken: refresh, ExpiresIn: s.Config.AccessTTL}, nil
}

// Authenticate resolves a bearer credential (access token or API key).
func (s *Service) Authenticate(ctx context.Context, bearer string) (*Principal, error) {
	bad := Errorf(KindUnauthorized, CodeUnauthorized, "missing, invalid or expired credentials")
	var p *Principal
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		var c *Credential
		var keyID, family string
		switch {
		case SecretHasPrefix(bearer, SecretAccess):
			var err error
			c, err = tx.AuthTokenCredential(ctx, HashSecret(bearer))
			if err != nil || c.Token.Kind != TokenAccess || c.Token.RevokedAt != nil || !tx.Now().Before(c.Token.ExpiresAt) {
				return bad
			}
			family = c.Token.FamilyID
		case SecretHasPrefix(bearer, SecretAPIKey):
			var err error
			c, err = tx.APIKeyCredential(ctx, HashSecret(bearer))
			if err != nil || c.APIKey.RevokedAt != nil {
				return bad
			}
			keyID = c.APIKey.ID
		default:
			return bad
		}
		u := c.User
		if !u.Active() {
			return bad
		}
		// The role is the user's current one: a demoted user's keys are demoted.
		p = &Principal{UserID: u.ID, OrgID: u.OrgID, Email: u.Email, Role: u.Role, APIKeyID: keyID, TeamIDs: c.TeamIDs, SessionID: family}
		return nil
	})
	return p, err
}

// CreateAPIKey makes an API key for the caller. The key is returned once.
func (s *Service) CreateAPIKey(ctx context.Context, p *Principal, name string) (*APIKey, string, error) {
	if err := p.Require(PermAPIKeysOwn); err != nil {
		return nil, "", err
	}
	name, err := requireText("name", name, 100)
	if err != nil {
		return nil, "", err
	}
	secret, hash := NewSecret(SecretAPIKey)
	var k *APIKey
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		now := tx.Now()
		k = &APIKey{ID: NewID(PrefixAPIKey, now), OrgID: p.OrgID, UserID: p.UserID, Name: name, Prefix: secret[:12], Hash: hash, CreatedAt: now}
		return tx.CreateAPIKey(ctx, k)
	})
	if err != nil {
		return nil, "", err
	}
	return k, secret, nil
}
