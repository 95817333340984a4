package esign

import (
	"context"
	"time"
)

// Sign-in hardening: lockouts, password resets, TOTP, sessions. The state
// lives in tables of its own (not in users), keyed by the user's id or, for
// lockouts, by the hash of the normalized email, so that an unknown email
// is treated exactly like a known one.

// Error codes of sign-in hardening.
const (
	// CodeAccountLocked: too many failed sign-ins for this email; retry
	// after Retry-After. Unknown emails are locked the same way.
	CodeAccountLocked = "account_locked"
	// CodeInvalidOTP: the TOTP code or recovery code is wrong, or was used.
	CodeInvalidOTP = "invalid_otp"
	// CodeResetTokenInvalid: the password reset link is unknown, used or expired.
	CodeResetTokenInvalid = "reset_token_invalid"
	// CodeTOTPNotStarted: confirming TOTP before starting the enrollment,
	// or managing recovery codes with TOTP off.
	CodeTOTPNotStarted = "totp_not_enabled"
	// CodeTOTPEnabled: starting an enrollment while TOTP is already on.
	CodeTOTPEnabled = "totp_already_enabled"
	// CodeSessionRequired: the route manages a user's own sign-in, which an
	// API key cannot do.
	CodeSessionRequired = "session_required"
)

// Secret prefixes of sign-in secrets.
const (
	SecretReset = "gsp_" // password reset link
	SecretMFA   = "gsm_" // the second step of a sign-in with TOTP
)

// TOTPKey is a new TOTP secret and how to hand it to an authenticator app.
type TOTPKey struct {
	Secret string // base32, as authenticator apps take it
	URI    string // otpauth://totp/…
	QRPNG  []byte // the URI as a QR code
}

// TOTP generates and checks time-based one-time passwords (RFC 6238:
// 30-second steps, 6 digits, SHA-1, as every authenticator app does).
type TOTP interface {
	Generate(issuer, account string) (TOTPKey, error)
	// Match returns the time step at which code is valid for secret,
	// looking one step either side of t for clock drift, and false when it
	// is valid at none.
	Match(secret, code string, t time.Time) (step int64, ok bool)
}

// LoginLock counts consecutive failed sign-ins of one key.
type LoginLock struct {
	Key         string
	Failures    int
	LockedUntil *time.Time
	UpdatedAt   time.Time
}

// PasswordReset is a password reset link, stored only as its hash.
type PasswordReset struct {
	Hash      string
	UserID    string
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

// UserTOTP is a user's TOTP secret, sealed by the Service's SecretBox.
// EnabledAt is nil while the enrollment awaits its first code.
type UserTOTP struct {
	UserID    string
	Secret    string
	EnabledAt *time.Time
	// LastStep is the time step of the last code accepted, so that a code
	// cannot be used twice.
	LastStep  int64
	CreatedAt time.Time
}

// MFAChallenge is the pending second step of a sign-in, stored as its hash.
type MFAChallenge struct {
	Hash      string
	UserID    string
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

// Session is a sign-in: one refresh-token family, and the access tokens
// issued with it. Its id is the family's id.
type Session struct {
	ID         string
	UserID     string
	OrgID      string
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastUsedAt time.Time // the last refresh
	ExpiresAt  time.Time // when its newest refresh token expires
	RevokedAt  *time.Time
}

// SignInTx persists lockouts, resets, TOTP, recovery codes, MFA challenges
// and sessions.
type SignInTx interface {
	// LoginLockByKey returns the key's lock; KindNotFound when it has none.
	LoginLockByKey(ctx context.Context, key string) (*LoginLock, error)
	// AddLoginFailure counts one failure of key atomically and returns the
	// count of consecutive failures, this one included.
	AddLoginFailure(ctx context.Context, key string, at time.Time) (int, error)
	// LockLogin sets the key's locked_until.
	LockLogin(ctx context.Context, key string, until time.Time) error
	// DeleteLoginLock forgets the key's failures.
	DeleteLoginLock(ctx context.Context, key string) error

	// UpdatePasswordHash replaces the user's hash if it still is old, and
	// reports whether it did.
	UpdatePasswordHash(ctx context.Context, userID, old, hash string) (bool, error)

	CreatePasswordReset(ctx context.Context, r *PasswordReset) error
	PasswordResetByHash(ctx context.Context, hash string) (*PasswordReset, error)
	// SpendPasswordResets marks every unused reset of the user used and
	// reports how many it marked.
	SpendPasswordResets(ctx context.Context, userID string, at time.Time) (int64, error)

	// UserTOTPByUser returns the user's TOTP; KindNotFound when none.
	UserTOTPByUser(ctx context.Context, userID string) (*UserTOTP, error)
	// SaveUserTOTP inserts or replaces the user's TOTP.
	SaveUserTOTP(ctx context.Context, t *UserTOTP) error
	DeleteUserTOTP(ctx context.Context, userID string) error
	// UseTOTPStep sets last_step to step if it is greater, and reports
	// whether it did: a code's step is accepted once.
	UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error)

	// ReplaceRecoveryCodes deletes the user's recovery codes and stores
	// the hashes as the new ones.
	ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string, at time.Time) error
	// UseRecoveryCode marks the user's unused code with the hash used, and
	// reports whether it did.
	UseRecoveryCode(ctx context.Context, userID, hash string, at time.Time) (bool, error)
	// CountRecoveryCodes counts the user's unused recovery codes.
	CountRecoveryCodes(ctx context.Context, userID string) (int, error)

	CreateMFAChallenge(ctx context.Context, c *MFAChallenge) error
	MFAChallengeByHash(ctx context.Context, hash string) (*MFAChallenge, error)
	// UseMFAChallenge sets used_at if unset and reports whether it did.
	UseMFAChallenge(ctx context.Context, hash string, at time.Time) (bool, error)

	CreateSession(ctx context.Context, s *Session) error
	SessionByID(ctx context.Context, id string) (*Session, error)
	// TouchSession records a refresh: last used at at, expiring at expires.
	TouchSession(ctx context.Context, id string, at, expires time.Time) error
	// SessionsByUser lists the user's sessions that are neither revoked
	// nor expired at now, newest first.
	SessionsByUser(ctx context.Context, userID string, now time.Time) ([]*Session, error)
	// RevokeUserTokens revokes every token and session of the user except
	// those of the family except (empty: none spared), and reports how many
	// sessions it revoked. API keys are not tokens: they stay.
	RevokeUserTokens(ctx context.Context, userID, except string, at time.Time) (int64, error)

	// PurgeSignIn deletes MFA challenges and password resets that expired
	// before before, and failure counts last updated before it whose lock
	// (if any) ended before it; it reports how many rows it deleted.
	PurgeSignIn(ctx context.Context, before time.Time) (int64, error)
}
