package esign

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// JobAccountMail sends an email about a user's account (a password reset
// link), as opposed to JobMail's emails about an envelope.
const JobAccountMail = "account_mail"

// MailPasswordReset is the email with a password reset link.
const MailPasswordReset = "password_reset"

// accountMailPayload is an account email's job.
type accountMailPayload struct {
	UserID string `json:"user_id"`
	Kind   string `json:"kind"`
}

// resetMailEvery is the least time between two reset emails to one
// account, so that nobody can flood a mailbox with them: requests within
// the same interval share one job id, and so one email.
const resetMailEvery = time.Minute

// RequestPasswordReset emails a reset link to the account with the email,
// if there is one. It answers the same either way, so it tells nobody
// which emails have accounts.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	email, err := normalizeEmail("email", email)
	if err != nil {
		return err
	}
	enqueued := false
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		u, err := tx.UserByEmail(ctx, email)
		if err != nil {
			return ignoreNotFound(err)
		}
		bucket := tx.Now().Truncate(resetMailEvery).Unix()
		p := accountMailPayload{UserID: u.ID, Kind: MailPasswordReset}
		enqueued = true
		return enqueue(ctx, tx, JobAccountMail, fmt.Sprintf("%s:%s:%d", p.Kind, u.ID, bucket), p, tx.Now())
	})
	if err == nil && enqueued {
		s.wake()
	}
	return err
}

// handleAccountMail runs an account email's job.
func (s *Service) handleAccountMail(ctx context.Context, j *Job) error {
	var p accountMailPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.Kind != MailPasswordReset {
		return permanent(fmt.Errorf("decode account mail job %s: %v", j.ID, err))
	}
	var msg *Email
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		u, err := tx.UserByID(ctx, p.UserID)
		if err != nil {
			return err
		}
		link, expires, err := s.mintReset(ctx, tx, u)
		if err != nil {
			return err
		}
		msg, err = renderMail(MailPasswordReset, mailView{Envelope: &Envelope{}, ToName: u.Name, ToEmail: u.Email, Link: link, ResultExpires: expires})
		return err
	})
	if IsKind(err, KindNotFound) {
		return permanent(fmt.Errorf("account mail job %s: %w", j.ID, err)) // the user is gone
	}
	if err != nil {
		return err
	}
	msg.ID = j.ID
	if err := s.Mailer.Send(ctx, msg); err != nil {
		return fmt.Errorf("send password reset mail to %s: %w", p.UserID, err)
	}
	return nil
}

// mintReset stores a new reset link's hash and returns the link. As with
// signing links, the raw token exists only in the email: a retried send
// mints another.
func (s *Service) mintReset(ctx context.Context, tx Tx, u *User) (string, time.Time, error) {
	secret, hash := NewSecret(SecretReset)
	now := tx.Now()
	r := &PasswordReset{Hash: hash, UserID: u.ID, ExpiresAt: now.Add(s.Config.SignIn.ResetTTL), CreatedAt: now}
	if err := tx.CreatePasswordReset(ctx, r); err != nil {
		return "", time.Time{}, err
	}
	return s.Config.PublicURL + "/app/reset/" + secret, r.ExpiresAt, nil
}

// ResetPassword sets a new password with a reset link's token. The token
// works once, and using it spends every other link of the user too; every
// session of the user ends (API keys stay) and the lock is lifted.
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	gone := Errorf(KindGone, CodeResetTokenInvalid, "this reset link is invalid, used or expired: ask for a new one")
	if err := checkPasswordLen("password", password); err != nil {
		return err
	}
	if !SecretHasPrefix(token, SecretReset) {
		return gone
	}
	hash, err := s.Passwords.Hash(password)
	if err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		r, err := tx.PasswordResetByHash(ctx, HashSecret(token))
		if IsKind(err, KindNotFound) || (err == nil && (r.UsedAt != nil || !tx.Now().Before(r.ExpiresAt))) {
			return gone
		}
		if err != nil {
			return err
		}
		if n, err := tx.SpendPasswordResets(ctx, r.UserID, tx.Now()); err != nil || n == 0 {
			return firstErr(err, gone)
		}
		return s.setPassword(ctx, tx, r.UserID, hash, "")
	})
}

// setPassword stores a new password hash, ends every session of the user
// but except (empty: all of them), and lifts the user's lock.
func (s *Service) setPassword(ctx context.Context, tx Tx, userID, hash, except string) error {
	u, err := tx.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if _, err := tx.UpdatePasswordHash(ctx, u.ID, u.PasswordHash, hash); err != nil {
		return err
	}
	if _, err := tx.RevokeUserTokens(ctx, u.ID, except, tx.Now()); err != nil {
		return err
	}
	return tx.DeleteLoginLock(ctx, lockKey(u.Email))
}

// ChangePassword sets a new password given the current one, and ends the
// user's other sessions.
func (s *Service) ChangePassword(ctx context.Context, p *Principal, current, password string) error {
	if err := requireUser(p); err != nil {
		return err
	}
	if err := checkPasswordLen("new_password", password); err != nil {
		return err
	}
	if err := s.verifyOwnPassword(ctx, p.UserID, "current_password", current); err != nil {
		return err
	}
	hash, err := s.Passwords.Hash(password)
	if err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		return s.setPassword(ctx, tx, p.UserID, hash, p.SessionID)
	})
}

// verifyOwnPassword checks a signed-in user's password, refusing a wrong
// one as invalid input in field.
func (s *Service) verifyOwnPassword(ctx context.Context, userID, field, password string) error {
	var u *User
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		u, err = tx.UserByID(ctx, userID)
		return err
	})
	if err != nil {
		return err
	}
	if len(password) > MaxPasswordLen {
		return Invalid(field, "is incorrect")
	}
	ok, err := s.Passwords.Verify(u.PasswordHash, password)
	if err != nil {
		return err
	}
	if !ok {
		return Invalid(field, "is incorrect")
	}
	return nil
}
