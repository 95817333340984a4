package esign

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// SignInPolicy is how sign-ins are throttled and how long their secrets live.
type SignInPolicy struct {
	// LockAfter consecutive failures lock an email for LockFor, doubling
	// with each further failure up to LockMax. Zero turns lockouts off.
	LockAfter int
	LockFor   time.Duration
	LockMax   time.Duration
	// ResetTTL is how long a password reset link works.
	ResetTTL time.Duration
	// MFATTL is how long the second step of a sign-in may wait.
	MFATTL time.Duration
}

// DefaultSignInPolicy: 5 failures lock for a minute, doubling up to an
// hour; reset links live an hour, MFA challenges five minutes.
func DefaultSignInPolicy() SignInPolicy {
	return SignInPolicy{LockAfter: 5, LockFor: time.Minute, LockMax: time.Hour, ResetTTL: time.Hour, MFATTL: 5 * time.Minute}
}

// signInRetention is how long spent sign-in state is kept: expired
// challenges and reset links, and failure counts that saw no failure for
// that long (so "consecutive" failures a day apart do not add up).
const signInRetention = 24 * time.Hour

// PurgeSignIn deletes sign-in state older than signInRetention; the
// scheduler's housekeeping calls it.
func (s *Service) PurgeSignIn(ctx context.Context) (int64, error) {
	var n int64
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		n, err = tx.PurgeSignIn(ctx, tx.Now().Add(-signInRetention))
		return err
	})
	return n, err
}

// lockDuration is how long the failures-th consecutive failure locks for.
func (p SignInPolicy) lockDuration(failures int) time.Duration {
	d := p.LockFor
	for i := p.LockAfter; i < failures && d < p.LockMax; i++ {
		d *= 2
	}
	return min(d, p.LockMax)
}

// lockKey is what failures are counted under: the hash of the normalized
// email, whether or not an account has it, so a lock tells nothing about
// which emails exist and the table holds no addresses.
func lockKey(email string) string {
	return "email:" + HashSecret(strings.ToLower(strings.TrimSpace(email)))
}

// checkLock refuses with 429 account_locked while key is locked. It reads
// one row, so a locked account costs no password hash.
func (s *Service) checkLock(ctx context.Context, key string) error {
	if s.Config.SignIn.LockAfter <= 0 {
		return nil
	}
	var l *LoginLock
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		l, err = tx.LoginLockByKey(ctx, key)
		return err
	})
	if IsKind(err, KindNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check sign-in lock: %w", err)
	}
	if now := s.now(); l.LockedUntil != nil && now.Before(*l.LockedUntil) {
		return lockedError(l.LockedUntil.Sub(now))
	}
	return nil
}

// lockedError is the refusal of a locked email, with its Retry-After.
func lockedError(wait time.Duration) error {
	secs := int64((wait + time.Second - 1) / time.Second)
	e := Errorf(KindRateLimited, CodeAccountLocked,
		"too many failed sign-ins for this email: try again in %d seconds, or reset the password", secs)
	e.RetryAfter = wait
	return e
}

// recordFailure counts a failed sign-in of key and locks it once the
// failures reach the policy's threshold.
func (s *Service) recordFailure(ctx context.Context, key string) error {
	pol := s.Config.SignIn
	if pol.LockAfter <= 0 {
		return nil
	}
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		n, err := tx.AddLoginFailure(ctx, key, tx.Now())
		if err != nil || n < pol.LockAfter {
			return err
		}
		return tx.LockLogin(ctx, key, tx.Now().Add(pol.lockDuration(n)))
	})
	if err != nil {
		return fmt.Errorf("record failed sign-in: %w", err)
	}
	return nil
}

// countsAsFailure reports whether err is a wrong credential, which counts
// toward the lockout (rather than a malformed request or an outage).
func countsAsFailure(err error) bool {
	code := ErrorCode(err)
	return code == CodeInvalidCredentials || code == CodeInvalidOTP
}

// failed records err against key when it is a wrong credential, and
// returns err.
func (s *Service) failed(ctx context.Context, key string, err error) error {
	if countsAsFailure(err) {
		if ferr := s.recordFailure(ctx, key); ferr != nil {
			return ferr
		}
	}
	return err
}
