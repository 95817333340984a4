package esign

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// accessAttempt is an access code attempt reserved before the (slow) hash
// comparison runs outside any transaction.
type accessAttempt struct {
	hash     string
	failures int        // counting this attempt as a failure
	lockedAt *time.Time // this attempt started a lockout, until then
	lockout  int
}

// verifyAccessCode checks an access code. The attempt is first counted as a
// failure under the envelope lock, so that however many requests race, at
// most AccessCodeFailures guesses are compared before the lockout; a right
// code then clears the count.
func (s *Service) verifyAccessCode(ctx context.Context, raw, code string) (*AuthResult, error) {
	at, err := s.reserveAccessAttempt(ctx, raw)
	if err != nil {
		return nil, err
	}
	ok, err := s.Passwords.Verify(at.hash, code)
	if err != nil {
		return nil, fmt.Errorf("verify access code: %w", err)
	}
	var res *AuthResult
	var failure error
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		res, failure = nil, nil
		c, err := authContext(ctx, tx, raw)
		if err != nil {
			return err
		}
		if ok {
			r := c.Recipient
			r.AuthFailures, r.AuthLockouts, r.AuthLockedUntil = 0, 0, nil
			if err := tx.UpdateRecipient(ctx, r); err != nil {
				return err
			}
			res, err = s.authenticated(ctx, tx, c, "", map[string]string{})
			return err
		}
		failure, err = recordAccessFailure(ctx, tx, c, at)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, failure
}

// reserveAccessAttempt refuses a locked-out recipient and counts the
// attempt, starting a lockout when it is the last one allowed.
func (s *Service) reserveAccessAttempt(ctx context.Context, raw string) (*accessAttempt, error) {
	var at *accessAttempt
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		c, err := authContext(ctx, tx, raw)
		if err != nil {
			return err
		}
		r, now := c.Recipient, tx.Now()
		if r.AuthLockedUntil != nil && now.Before(*r.AuthLockedUntil) {
			return lockedOut(r.AuthLockedUntil.Sub(now))
		}
		r.AuthFailures++
		at = &accessAttempt{hash: r.AccessCodeHash, failures: r.AuthFailures}
		if r.AuthFailures >= AccessCodeFailures {
			r.AuthLockouts++
			until := now.Add(lockoutFor(r.AuthLockouts))
			r.AuthFailures, r.AuthLockedUntil = 0, &until
			at.lockedAt, at.lockout = &until, r.AuthLockouts
		}
		return tx.UpdateRecipient(ctx, r)
	})
	return at, err
}

// recordAccessFailure audits a wrong access code (and the lockout it
// started) and returns what the caller is told.
func recordAccessFailure(ctx context.Context, tx Tx, c *signingContext, at *accessAttempt) (error, error) {
	r := c.Recipient
	data := map[string]string{"recipient_id": r.ID, "method": AuthAccessCode, "failures": strconv.Itoa(at.failures)}
	if err := appendAudit(ctx, tx, c.Envelope, AuditAuthFailed, c.actor(ctx), data); err != nil {
		return nil, err
	}
	if at.lockedAt == nil {
		return Errorf(KindUnauthorized, CodeAuthCodeInvalid, "the access code is wrong; %d attempts left before a lockout",
			AccessCodeFailures-at.failures), nil
	}
	err := appendAudit(ctx, tx, c.Envelope, AuditAuthLocked, c.actor(ctx), map[string]string{"recipient_id": r.ID,
		"lockout": strconv.Itoa(at.lockout), "locked_until": at.lockedAt.UTC().Format(AuditTimeFormat)})
	return lockedOut(at.lockedAt.Sub(tx.Now())), err
}

// lockoutFor is the n-th lockout's length: AccessCodeLockout, doubling.
func lockoutFor(n int) time.Duration {
	d := AccessCodeLockout
	for i := 1; i < n && d < AccessCodeMaxLockout; i++ {
		d *= 2
	}
	return min(d, AccessCodeMaxLockout)
}

// lockedOut is 429 with how long to wait.
func lockedOut(wait time.Duration) error {
	e := Errorf(KindRateLimited, CodeAuthLocked, "too many wrong access codes; try again in %d seconds", int(wait.Round(time.Second).Seconds()))
	e.RetryAfter = wait
	return e
}
