package esign

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"
	"time"
)

// AuthCodeSent says where a one-time code went and until when it counts.
type AuthCodeSent struct {
	Method      string
	Destination string
	ExpiresAt   time.Time
}

// AuthResult is a successful authentication: the proof to present with
// every signing request (cookie or X-GSign-Recipient-Auth), shown once.
type AuthResult struct {
	Proof     string
	Method    string
	ExpiresAt time.Time
}

// JobAuthCode delivers one one-time code by email or SMS.
const JobAuthCode = "auth_code"

// authCodePayload carries the code sealed under the auth key, so that the
// outbox never holds it in the clear.
type authCodePayload struct {
	ChallengeID string `json:"challenge_id"`
	SealedCode  string `json:"sealed_code"`
}

// authContext resolves the token for an authentication step: the link must
// be usable, it must be the recipient's turn, and an embedded URL must
// have been opened (the session token authenticates).
func authContext(ctx context.Context, tx Tx, raw string) (*signingContext, error) {
	c, err := resolveToken(ctx, tx, raw)
	if err != nil {
		return nil, err
	}
	if err := checkTurn(c); err != nil {
		return nil, err
	}
	return c, requireSession(c)
}

// SendAuthCode sends the token's recipient a new one-time code by email
// (email_otp) or SMS (sms_otp), within the resend limits.
func (s *Service) SendAuthCode(ctx context.Context, raw string) (*AuthCodeSent, error) {
	var out *AuthCodeSent
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		c, err := authContext(ctx, tx, raw)
		if err != nil {
			return err
		}
		r := c.Recipient
		if r.AuthMethod != AuthEmailOTP && r.AuthMethod != AuthSMSOTP {
			return Errorf(KindConflict, CodeUnsupportedAuth, "your authentication is %s: no one-time code is sent", r.AuthMethod)
		}
		ch, err := s.newChallenge(ctx, tx, c)
		if err != nil {
			return err
		}
		code := newOTP()
		ch.SecretHash = s.codeMAC(ch.ID, code)
		if err := tx.CreateAuthChallenge(ctx, ch); err != nil {
			return err
		}
		_, box := s.keys()
		p := authCodePayload{ChallengeID: ch.ID, SealedCode: box.Seal(code, ch.ID)}
		if err := enqueue(ctx, tx, JobAuthCode, ch.ID, p, tx.Now()); err != nil {
			return err
		}
		out = &AuthCodeSent{Method: r.AuthMethod, Destination: ch.Destination, ExpiresAt: ch.ExpiresAt}
		return appendAudit(ctx, tx, c.Envelope, AuditAuthCodeSent, c.actor(ctx), map[string]string{
			"recipient_id": r.ID, "method": r.AuthMethod, "destination": ch.Destination, "challenge_id": ch.ID})
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	return out, nil
}

// newChallenge checks the send limits (one per AuthResendGap, at most
// AuthSendsPerHour an hour) and returns a challenge to fill in.
func (s *Service) newChallenge(ctx context.Context, tx Tx, c *signingContext) (*AuthChallenge, error) {
	now, r := tx.Now(), c.Recipient
	recent, err := tx.AuthChallenges(ctx, r.ID, now.Add(-time.Hour))
	if err != nil {
		return nil, err
	}
	if n := len(recent); n > 0 {
		wait := recent[0].CreatedAt.Add(AuthResendGap).Sub(now)
		if n >= AuthSendsPerHour {
			wait = max(wait, recent[n-1].CreatedAt.Add(time.Hour).Sub(now))
		}
		if wait > 0 {
			e := Errorf(KindRateLimited, CodeRateLimited, "a code was sent recently (at most one per %d seconds and %d an hour); retry in %d seconds",
				int(AuthResendGap.Seconds()), AuthSendsPerHour, int(wait.Round(time.Second).Seconds()))
			e.RetryAfter = wait
			return nil, e
		}
	}
	return &AuthChallenge{ID: NewID(PrefixChallenge, now), EnvelopeID: c.Envelope.ID, RecipientID: r.ID, Method: r.AuthMethod,
		Destination: maskedDestination(r), CreatedAt: now, ExpiresAt: now.Add(AuthCodeTTL)}, nil
}

// VerifyAuth checks a one-time code or an access code and, when it is
// right, returns the proof. Every attempt is audited, never with the code.
func (s *Service) VerifyAuth(ctx context.Context, raw, code string) (*AuthResult, error) {
	if code == "" {
		return nil, Invalid("code", "is required")
	}
	if len(code) > 64 {
		return nil, Invalid("code", "is too long")
	}
	method, err := s.authMethodOf(ctx, raw)
	if err != nil {
		return nil, err
	}
	switch method {
	case AuthAccessCode:
		return s.verifyAccessCode(ctx, raw, code)
	case AuthEmailOTP, AuthSMSOTP:
		return s.verifyOTP(ctx, raw, code)
	case AuthIDV:
		return nil, Errorf(KindConflict, CodeUnsupportedAuth, "your authentication is idv: start it with POST /api/v1/signing/{token}/auth/idv")
	}
	return nil, Errorf(KindConflict, CodeUnsupportedAuth, "your link needs no code")
}

// authMethodOf reads the token's recipient's method.
func (s *Service) authMethodOf(ctx context.Context, raw string) (string, error) {
	var method string
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		c, err := viewToken(ctx, tx, raw)
		if err == nil {
			method = c.Recipient.AuthMethod
		}
		return err
	})
	return method, err
}

// verifyOTP checks the recipient's newest one-time code. A wrong guess
// counts against the code, which is burned after AuthCodeAttempts; the
// count and the audit event commit even though the call fails.
func (s *Service) verifyOTP(ctx context.Context, raw, code string) (*AuthResult, error) {
	var res *AuthResult
	var failure error
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		res, failure = nil, nil
		c, err := authContext(ctx, tx, raw)
		if err != nil {
			return err
		}
		ch, err := currentChallenge(ctx, tx, c.Recipient)
		if err != nil {
			return err
		}
		ch.Attempts++
		if hmac.Equal([]byte(ch.SecretHash), []byte(s.codeMAC(ch.ID, code))) {
			now := tx.Now()
			ch.UsedAt = &now
			if err := tx.UpdateAuthChallenge(ctx, ch); err != nil {
				return err
			}
			res, err = s.authenticated(ctx, tx, c, ch.Destination, map[string]string{"challenge_id": ch.ID})
			return err
		}
		failure = otpFailure(ch, tx.Now())
		if err := tx.UpdateAuthChallenge(ctx, ch); err != nil {
			return err
		}
		return appendAudit(ctx, tx, c.Envelope, AuditAuthFailed, c.actor(ctx), map[string]string{"recipient_id": c.Recipient.ID,
			"method": c.Recipient.AuthMethod, "challenge_id": ch.ID, "attempt": strconv.Itoa(ch.Attempts), "burned": strconv.FormatBool(ch.UsedAt != nil)})
	})
	if err != nil {
		return nil, err
	}
	return res, failure
}

// otpFailure counts a wrong guess against ch, burning it after the last
// attempt, and says so.
func otpFailure(ch *AuthChallenge, now time.Time) error {
	left := AuthCodeAttempts - ch.Attempts
	if left > 0 {
		return Errorf(KindUnauthorized, CodeAuthCodeInvalid, "the code is wrong; %d attempts left for this code", left)
	}
	ch.UsedAt = &now
	return Errorf(KindUnauthorized, CodeAuthCodeExpired, "the code is wrong, and that was its last attempt; send a new code")
}

// currentChallenge is the recipient's newest code if it can still be entered.
func currentChallenge(ctx context.Context, tx Tx, r *Recipient) (*AuthChallenge, error) {
	now := tx.Now()
	recent, err := tx.AuthChallenges(ctx, r.ID, now.Add(-AuthCodeTTL))
	if err != nil {
		return nil, err
	}
	for _, ch := range recent {
		if ch.Method != r.AuthMethod {
			continue
		}
		if ch.UsedAt != nil || !now.Before(ch.ExpiresAt) {
			break
		}
		return ch, nil
	}
	return nil, Errorf(KindUnauthorized, CodeAuthCodeExpired, "there is no code to enter: it expired, was used, or none was sent; send a new code")
}

// authenticated records a success: a proof bound to the recipient and the
// token, and the audit event.
func (s *Service) authenticated(ctx context.Context, tx Tx, c *signingContext, detail string, data map[string]string) (*AuthResult, error) {
	r, now := c.Recipient, tx.Now()
	secret, hash := NewSecret(SecretAuthProof)
	p := &AuthProof{Hash: hash, EnvelopeID: c.Envelope.ID, RecipientID: r.ID, TokenHash: c.Token.Hash,
		Method: r.AuthMethod, Detail: detail, VerifiedAt: &now, ExpiresAt: now.Add(AuthProofTTL), CreatedAt: now}
	if err := tx.CreateAuthProof(ctx, p); err != nil {
		return nil, err
	}
	data["recipient_id"], data["method"] = r.ID, r.AuthMethod
	if detail != "" {
		data["detail"] = detail
	}
	if err := appendAudit(ctx, tx, c.Envelope, AuditAuthSucceeded, c.actor(ctx), data); err != nil {
		return nil, err
	}
	return &AuthResult{Proof: secret, Method: r.AuthMethod, ExpiresAt: p.ExpiresAt}, nil
}

// keys returns the auth key and the box that seals codes in jobs.
func (s *Service) keys() ([]byte, *SecretBox) {
	s.keyOnce.Do(func() {
		key := s.AuthKey
		if len(key) < 32 {
			key = make([]byte, 32)
			if _, err := rand.Read(key); err != nil {
				panic("esign: crypto/rand failed: " + err.Error())
			}
		}
		s.authKey = key
		box, err := NewSecretBox(key)
		if err != nil {
			panic("esign: auth key: " + err.Error())
		}
		s.codeBox = box
	})
	return s.authKey, s.codeBox
}

// codeMAC is how a one-time code is stored: HMAC-SHA256 under the auth key,
// bound to its challenge.
func (s *Service) codeMAC(challengeID, code string) string {
	key, _ := s.keys()
	m := hmac.New(sha256.New, key)
	m.Write([]byte(challengeID + ":" + code))
	return hex.EncodeToString(m.Sum(nil))
}

// newOTP returns six uniformly random digits.
func newOTP() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic("esign: crypto/rand failed: " + err.Error())
	}
	return fmt.Sprintf("%06d", n.Int64())
}
