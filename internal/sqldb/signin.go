package sqldb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

const loginLockCols = `lock_key, failures, locked_until, updated_at`

func scanLoginLock(s rowScanner) (*esign.LoginLock, error) {
	l := &esign.LoginLock{}
	return l, s.Scan(&l.Key, &l.Failures, nullTimeCol{&l.LockedUntil}, timeCol{&l.UpdatedAt})
}

// LoginLockByKey returns the key's failure count and lock.
func (t *tx) LoginLockByKey(ctx context.Context, key string) (*esign.LoginLock, error) {
	return getOne(ctx, t, "login lock", scanLoginLock, `SELECT `+loginLockCols+` FROM login_locks WHERE lock_key = ?`, key)
}

// AddLoginFailure counts a failure in one statement, so that concurrent
// failures on any engine all count.
func (t *tx) AddLoginFailure(ctx context.Context, key string, at time.Time) (int, error) {
	const q = `INSERT INTO login_locks (lock_key, failures, updated_at) VALUES (?, 1, ?)
ON CONFLICT (lock_key) DO UPDATE SET failures = login_locks.failures + 1, updated_at = excluded.updated_at
RETURNING failures`
	var n int
	if err := t.queryRow(ctx, q, key, micros(at)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count login failure: %w", err)
	}
	return n, nil
}

// LockLogin sets the key's lock.
func (t *tx) LockLogin(ctx context.Context, key string, until time.Time) error {
	return t.updateOne(ctx, "login lock", key, `UPDATE login_locks SET locked_until = ? WHERE lock_key = ?`, micros(until), key)
}

// DeleteLoginLock forgets the key's failures.
func (t *tx) DeleteLoginLock(ctx context.Context, key string) error {
	if _, err := t.exec(ctx, `DELETE FROM login_locks WHERE lock_key = ?`, key); err != nil {
		return fmt.Errorf("delete login lock: %w", err)
	}
	return nil
}

// UpdatePasswordHash replaces the user's hash if it is still old.
func (t *tx) UpdatePasswordHash(ctx context.Context, userID, old, hash string) (bool, error) {
	n, err := t.changed(ctx, `UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?`, hash, userID, old)
	if err != nil {
		return false, fmt.Errorf("update password of %s: %w", userID, err)
	}
	return n > 0, nil
}

const resetCols = `hash, user_id, expires_at, used_at, created_at`

func scanReset(s rowScanner) (*esign.PasswordReset, error) {
	r := &esign.PasswordReset{}
	return r, s.Scan(&r.Hash, &r.UserID, timeCol{&r.ExpiresAt}, nullTimeCol{&r.UsedAt}, timeCol{&r.CreatedAt})
}

// CreatePasswordReset inserts r.
func (t *tx) CreatePasswordReset(ctx context.Context, r *esign.PasswordReset) error {
	return t.insert(ctx, "password reset", insertSQL("password_resets", resetCols),
		r.Hash, r.UserID, micros(r.ExpiresAt), nullMicros(r.UsedAt), micros(r.CreatedAt))
}

// PasswordResetByHash returns the reset with the hash.
func (t *tx) PasswordResetByHash(ctx context.Context, hash string) (*esign.PasswordReset, error) {
	return getOne(ctx, t, "password reset", scanReset, `SELECT `+resetCols+` FROM password_resets WHERE hash = ?`, hash)
}

// SpendPasswordResets marks the user's unused resets used.
func (t *tx) SpendPasswordResets(ctx context.Context, userID string, at time.Time) (int64, error) {
	n, err := t.changed(ctx, `UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL`, micros(at), userID)
	if err != nil {
		return 0, fmt.Errorf("spend password resets: %w", err)
	}
	return n, nil
}

const totpCols = `user_id, secret, enabled_at, last_step, created_at`

func scanTOTP(s rowScanner) (*esign.UserTOTP, error) {
	u := &esign.UserTOTP{}
	return u, s.Scan(&u.UserID, &u.Secret, nullTimeCol{&u.EnabledAt}, &u.LastStep, timeCol{&u.CreatedAt})
}

// UserTOTPByUser returns the user's TOTP.
func (t *tx) UserTOTPByUser(ctx context.Context, userID string) (*esign.UserTOTP, error) {
	return getOne(ctx, t, "TOTP", scanTOTP, `SELECT `+totpCols+` FROM user_totp WHERE user_id = ?`, userID)
}

// SaveUserTOTP inserts or replaces the user's TOTP.
func (t *tx) SaveUserTOTP(ctx context.Context, u *esign.UserTOTP) error {
	const q = `INSERT INTO user_totp (` + totpCols + `) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, enabled_at = excluded.enabled_at,
last_step = excluded.last_step, created_at = excluded.created_at`
	if _, err := t.exec(ctx, q, u.UserID, u.Secret, nullMicros(u.EnabledAt), u.LastStep, micros(u.CreatedAt)); err != nil {
		return fmt.Errorf("save TOTP of %s: %w", u.UserID, err)
	}
	return nil
}

// DeleteUserTOTP deletes the user's TOTP, if any.
func (t *tx) DeleteUserTOTP(ctx context.Context, userID string) error {
	if _, err := t.exec(ctx, `DELETE FROM user_totp WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("delete TOTP of %s: %w", userID, err)
	}
	return nil
}

// UseTOTPStep moves last_step forward to step, never back.
func (t *tx) UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error) {
	n, err := t.changed(ctx, `UPDATE user_totp SET last_step = ? WHERE user_id = ? AND last_step < ?`, step, userID, step)
	if err != nil {
		return false, fmt.Errorf("use TOTP step: %w", err)
	}
	return n > 0, nil
}

// ReplaceRecoveryCodes replaces the user's recovery codes with hashes.
func (t *tx) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string, at time.Time) error {
	if _, err := t.exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("delete recovery codes: %w", err)
	}
	for _, h := range hashes {
		if err := t.insert(ctx, "recovery code", `INSERT INTO recovery_codes (hash, user_id, created_at) VALUES (?, ?, ?)`, h, userID, micros(at)); err != nil {
			return err
		}
	}
	return nil
}

// UseRecoveryCode spends the user's unused code with the hash.
func (t *tx) UseRecoveryCode(ctx context.Context, userID, hash string, at time.Time) (bool, error) {
	n, err := t.changed(ctx, `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND hash = ? AND used_at IS NULL`, micros(at), userID, hash)
	if err != nil {
		return false, fmt.Errorf("use recovery code: %w", err)
	}
	return n > 0, nil
}

// CountRecoveryCodes counts the user's unused codes.
func (t *tx) CountRecoveryCodes(ctx context.Context, userID string) (int, error) {
	var n int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count recovery codes: %w", err)
	}
	return n, nil
}

const mfaCols = `hash, user_id, expires_at, used_at, created_at`

func scanMFA(s rowScanner) (*esign.MFAChallenge, error) {
	c := &esign.MFAChallenge{}
	return c, s.Scan(&c.Hash, &c.UserID, timeCol{&c.ExpiresAt}, nullTimeCol{&c.UsedAt}, timeCol{&c.CreatedAt})
}

// CreateMFAChallenge inserts c.
func (t *tx) CreateMFAChallenge(ctx context.Context, c *esign.MFAChallenge) error {
	return t.insert(ctx, "MFA challenge", insertSQL("mfa_challenges", mfaCols),
		c.Hash, c.UserID, micros(c.ExpiresAt), nullMicros(c.UsedAt), micros(c.CreatedAt))
}

// MFAChallengeByHash returns the challenge with the hash.
func (t *tx) MFAChallengeByHash(ctx context.Context, hash string) (*esign.MFAChallenge, error) {
	return getOne(ctx, t, "MFA challenge", scanMFA, `SELECT `+mfaCols+` FROM mfa_challenges WHERE hash = ?`, hash)
}

// UseMFAChallenge spends the challenge unless it already was.
func (t *tx) UseMFAChallenge(ctx context.Context, hash string, at time.Time) (bool, error) {
	n, err := t.changed(ctx, `UPDATE mfa_challenges SET used_at = ? WHERE hash = ? AND used_at IS NULL`, micros(at), hash)
	if err != nil {
		return false, fmt.Errorf("use MFA challenge: %w", err)
	}
	return n > 0, nil
}

// PurgeSignIn deletes spent sign-in state from before before.
func (t *tx) PurgeSignIn(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for _, q := range []string{
		`DELETE FROM mfa_challenges WHERE expires_at < ?`,
		`DELETE FROM password_resets WHERE expires_at < ?`,
		`DELETE FROM login_locks WHERE updated_at < ? AND (locked_until IS NULL OR locked_until < ?)`,
	} {
		args := []any{micros(before)}
		if strings.Count(q, "?") == 2 {
			args = append(args, micros(before))
		}
		n, err := t.changed(ctx, q, args...)
		if err != nil {
			return total, fmt.Errorf("purge sign-in state: %w", err)
		}
		total += n
	}
	return total, nil
}
