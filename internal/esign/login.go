package esign

import (
	"context"
	"strings"
	"time"
)

// SignInResult is what the password step of a sign-in gives: tokens, or,
// for a user with TOTP on, a challenge to answer with a code at LoginMFA.
type SignInResult struct {
	Tokens TokenPair
	// MFAToken, when set, is the challenge; Tokens is then empty.
	MFAToken     string
	MFAExpiresIn time.Duration
}

// Login checks a password and issues tokens, or a second-factor challenge.
// A locked email is refused before any password is hashed, whether or not
// an account has it, and every wrong password counts toward its lock.
func (s *Service) Login(ctx context.Context, email, password string) (*SignInResult, error) {
	key := lockKey(email)
	if err := s.checkLock(ctx, key); err != nil {
		return nil, err
	}
	u, err := s.checkPassword(ctx, email, password)
	if err != nil {
		return nil, s.failed(ctx, key, err)
	}
	s.rehashIfWeak(ctx, u, password)
	var res *SignInResult
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		t, err := tx.UserTOTPByUser(ctx, u.ID)
		if err == nil && t.EnabledAt != nil {
			res, err = s.challenge(ctx, tx, u)
			return err
		}
		if err != nil && !IsKind(err, KindNotFound) {
			return err
		}
		res = &SignInResult{}
		res.Tokens, err = s.signedIn(ctx, tx, u, key)
		return err
	})
	return res, err
}

// checkPassword returns the user whose email and password these are.
func (s *Service) checkPassword(ctx context.Context, email, password string) (*User, error) {
	bad := Errorf(KindUnauthorized, CodeInvalidCredentials, "email or password is incorrect")
	email = strings.ToLower(strings.TrimSpace(email))
	var u *User
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		if err := refuseEnforcedPassword(ctx, tx, email); err != nil {
			return err
		}
		var err error
		u, err = tx.UserByEmail(ctx, email)
		return err
	})
	if err != nil && !IsKind(err, KindNotFound) {
		return nil, err
	}
	// Removed users and users of single sign-on only (no password) are
	// refused exactly like a wrong password.
	if u == nil || !u.Active() || u.PasswordHash == "" || len(password) > MaxPasswordLen {
		s.burnPasswordCheck(password)
		return nil, bad
	}
	ok, err := s.Passwords.Verify(u.PasswordHash, password)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, bad
	}
	return u, nil
}

// rehashIfWeak stores the password hashed with the current parameters when
// its hash was made with weaker ones. A failure is logged, never fatal: the
// old hash still works.
func (s *Service) rehashIfWeak(ctx context.Context, u *User, password string) {
	if !s.Passwords.NeedsRehash(u.PasswordHash) {
		return
	}
	hash, err := s.Passwords.Hash(password)
	if err == nil {
		err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
			_, err := tx.UpdatePasswordHash(ctx, u.ID, u.PasswordHash, hash)
			return err
		})
	}
	if err != nil {
		s.Log.WarnContext(ctx, "rehash password", "user_id", u.ID, "err", err)
		return
	}
	u.PasswordHash = hash
}

// signedIn ends a successful sign-in: the lock is forgotten and a new
// session issued.
func (s *Service) signedIn(ctx context.Context, tx Tx, u *User, key string) (TokenPair, error) {
	if err := tx.DeleteLoginLock(ctx, key); err != nil {
		return TokenPair{}, err
	}
	return s.newSession(ctx, tx, u)
}

// newSession starts a session (a new refresh-token family) for u, recording
// where the request came from, and issues its first tokens.
func (s *Service) newSession(ctx context.Context, tx Tx, u *User) (TokenPair, error) {
	now, m := tx.Now(), MetaFrom(ctx)
	ss := &Session{ID: NewID(PrefixFamily, now), UserID: u.ID, OrgID: u.OrgID, IP: m.IP,
		UserAgent: truncate(m.UserAgent, 500), CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(s.Config.RefreshTTL)}
	if err := tx.CreateSession(ctx, ss); err != nil {
		return TokenPair{}, err
	}
	return s.issueTokens(ctx, tx, u, ss.ID)
}

// challenge starts the second step of u's sign-in.
func (s *Service) challenge(ctx context.Context, tx Tx, u *User) (*SignInResult, error) {
	secret, hash := NewSecret(SecretMFA)
	now, ttl := tx.Now(), s.Config.SignIn.MFATTL
	c := &MFAChallenge{Hash: hash, UserID: u.ID, ExpiresAt: now.Add(ttl), CreatedAt: now}
	if err := tx.CreateMFAChallenge(ctx, c); err != nil {
		return nil, err
	}
	return &SignInResult{MFAToken: secret, MFAExpiresIn: ttl}, nil
}

// MFAInput answers a sign-in challenge with a TOTP code or a recovery code.
type MFAInput struct {
	MFAToken     string
	Code         string
	RecoveryCode string
}

// LoginMFA completes a sign-in with a second factor. A wrong code counts
// toward the email's lock like a wrong password; the challenge stays usable
// until it expires or succeeds once.
func (s *Service) LoginMFA(ctx context.Context, in MFAInput) (TokenPair, error) {
	if (in.Code == "") == (in.RecoveryCode == "") {
		return TokenPair{}, Invalid("code", "give either code or recovery_code")
	}
	c, u, err := s.openChallenge(ctx, in.MFAToken)
	if err != nil {
		return TokenPair{}, err
	}
	key := lockKey(u.Email)
	if err := s.checkLock(ctx, key); err != nil {
		return TokenPair{}, err
	}
	var pair TokenPair
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if err := s.secondFactor(ctx, tx, u.ID, in.Code, in.RecoveryCode); err != nil {
			return err
		}
		if ok, err := tx.UseMFAChallenge(ctx, c.Hash, tx.Now()); err != nil || !ok {
			return firstErr(err, badChallenge())
		}
		pair, err = s.signedIn(ctx, tx, u, key)
		return err
	})
	if err != nil {
		return TokenPair{}, s.failed(ctx, key, err)
	}
	return pair, nil
}

func badChallenge() error {
	return Errorf(KindUnauthorized, CodeUnauthorized, "mfa_token is invalid or expired: sign in again")
}

// firstErr returns err, or else fallback.
func firstErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

// openChallenge returns the unused, unexpired challenge of token and its user.
func (s *Service) openChallenge(ctx context.Context, token string) (*MFAChallenge, *User, error) {
	if !SecretHasPrefix(token, SecretMFA) {
		return nil, nil, badChallenge()
	}
	var c *MFAChallenge
	var u *User
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if c, err = tx.MFAChallengeByHash(ctx, HashSecret(token)); err != nil {
			return err
		}
		if c.UsedAt != nil || !tx.Now().Before(c.ExpiresAt) {
			return badChallenge()
		}
		u, err = tx.UserByID(ctx, c.UserID)
		return err
	})
	if IsKind(err, KindNotFound) {
		return nil, nil, badChallenge()
	}
	return c, u, err
}
