package esign

import (
	"context"
	"crypto/rand"
	"strings"
)

// RecoveryCodeCount is how many recovery codes a user gets at a time.
const RecoveryCodeCount = 10

// totpIssuer names GSign in authenticator apps.
const totpIssuer = "GSign"

// totpAD binds a sealed TOTP secret to its user.
func totpAD(userID string) string { return "totp:" + userID }

// requireUser refuses API keys: only a signed-in user manages their own
// second factor, password and sessions.
func requireUser(p *Principal) error {
	if p.APIKeyID != "" {
		return Errorf(KindForbidden, CodeSessionRequired, "sign in as the user to do this; an API key cannot")
	}
	return nil
}

// StartTOTP begins (or restarts) an enrollment: a new secret, stored
// sealed, that ConfirmTOTP turns on once the user's app shows a code.
func (s *Service) StartTOTP(ctx context.Context, p *Principal) (TOTPKey, error) {
	if err := requireUser(p); err != nil {
		return TOTPKey{}, err
	}
	if s.TOTP == nil {
		return TOTPKey{}, Errorf(KindConflict, CodeTOTPNotStarted, "TOTP is not available on this server")
	}
	key, err := s.TOTP.Generate(totpIssuer, p.Email)
	if err != nil {
		return TOTPKey{}, err
	}
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		t, err := tx.UserTOTPByUser(ctx, p.UserID)
		if err == nil && t.EnabledAt != nil {
			return Errorf(KindConflict, CodeTOTPEnabled, "TOTP is already on: turn it off first to enroll another device")
		}
		if err != nil && !IsKind(err, KindNotFound) {
			return err
		}
		return tx.SaveUserTOTP(ctx, &UserTOTP{UserID: p.UserID, Secret: s.Secrets.Seal(key.Secret, totpAD(p.UserID)), CreatedAt: tx.Now()})
	})
	return key, err
}

// ConfirmTOTP turns TOTP on with a first code from the app, and returns the
// recovery codes, shown this once.
func (s *Service) ConfirmTOTP(ctx context.Context, p *Principal, code string) ([]string, error) {
	if err := requireUser(p); err != nil {
		return nil, err
	}
	var codes []string
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		t, err := s.pendingTOTP(ctx, tx, p.UserID)
		if err != nil {
			return err
		}
		step, err := s.matchTOTP(tx, t, code)
		if IsKind(err, KindUnauthorized) {
			return Errorf(KindInvalid, CodeInvalidOTP, "the code is not the one the app shows now")
		}
		if err != nil {
			return err
		}
		now := tx.Now()
		t.EnabledAt, t.LastStep = &now, step
		if err := tx.SaveUserTOTP(ctx, t); err != nil {
			return err
		}
		codes, err = s.newRecoveryCodes(ctx, tx, p.UserID)
		return err
	})
	return codes, err
}

// pendingTOTP returns the user's enrollment that awaits confirmation.
func (s *Service) pendingTOTP(ctx context.Context, tx Tx, userID string) (*UserTOTP, error) {
	t, err := tx.UserTOTPByUser(ctx, userID)
	if IsKind(err, KindNotFound) {
		return nil, Errorf(KindConflict, CodeTOTPNotStarted, "start the TOTP enrollment first (POST /api/v1/auth/totp)")
	}
	if err == nil && t.EnabledAt != nil {
		return nil, Errorf(KindConflict, CodeTOTPEnabled, "TOTP is already on")
	}
	return t, err
}

// matchTOTP returns the step at which code is valid for t's secret, and
// refuses a step at or before the last one accepted (a replay).
func (s *Service) matchTOTP(tx Tx, t *UserTOTP, code string) (int64, error) {
	secret, err := s.Secrets.Open(t.Secret, totpAD(t.UserID))
	if err != nil {
		return 0, err
	}
	step, ok := s.TOTP.Match(secret, strings.TrimSpace(code), tx.Now())
	if !ok || step <= t.LastStep {
		return 0, Errorf(KindUnauthorized, CodeInvalidOTP, "the code is wrong or was already used")
	}
	return step, nil
}

// secondFactor checks a TOTP code or spends a recovery code of the user.
func (s *Service) secondFactor(ctx context.Context, tx Tx, userID, code, recovery string) error {
	bad := Errorf(KindUnauthorized, CodeInvalidOTP, "the code is wrong or was already used")
	if recovery != "" {
		ok, err := tx.UseRecoveryCode(ctx, userID, hashRecoveryCode(recovery), tx.Now())
		return firstErr(err, condErr(!ok, bad))
	}
	t, err := tx.UserTOTPByUser(ctx, userID)
	if err != nil || t.EnabledAt == nil || s.TOTP == nil {
		return firstErr(ignoreNotFound(err), bad)
	}
	step, err := s.matchTOTP(tx, t, code)
	if err != nil {
		return err
	}
	ok, err := tx.UseTOTPStep(ctx, userID, step)
	return firstErr(err, condErr(!ok, bad))
}

// condErr returns err when cond holds, and nil otherwise.
func condErr(cond bool, err error) error {
	if cond {
		return err
	}
	return nil
}

// ignoreNotFound returns nil for a not-found error, and err otherwise.
func ignoreNotFound(err error) error {
	if IsKind(err, KindNotFound) {
		return nil
	}
	return err
}

// DisableInput proves who turns TOTP off: the password or a current code.
type DisableInput struct {
	Password string
	Code     string
}

// DisableTOTP turns TOTP off and deletes the recovery codes, given the
// user's password or a current code (TOTP or recovery).
func (s *Service) DisableTOTP(ctx context.Context, p *Principal, in DisableInput) error {
	if err := requireUser(p); err != nil {
		return err
	}
	if (in.Password == "") == (in.Code == "") {
		return Invalid("password", "give either password or code")
	}
	if in.Password != "" {
		if err := s.verifyOwnPassword(ctx, p.UserID, "password", in.Password); err != nil {
			return err
		}
	}
	return s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if in.Code != "" {
			if err := s.ownCode(ctx, tx, p.UserID, in.Code); err != nil {
				return err
			}
		}
		if err := tx.DeleteUserTOTP(ctx, p.UserID); err != nil {
			return err
		}
		return tx.ReplaceRecoveryCodes(ctx, p.UserID, nil, tx.Now())
	})
}

// ownCode accepts a TOTP code, or else a recovery code, of the user.
func (s *Service) ownCode(ctx context.Context, tx Tx, userID, code string) error {
	if err := s.secondFactor(ctx, tx, userID, code, ""); err == nil || !IsKind(err, KindUnauthorized) {
		return err
	}
	if err := s.secondFactor(ctx, tx, userID, "", code); err != nil {
		return Errorf(KindInvalid, CodeInvalidOTP, "the code is wrong or was already used")
	}
	return nil
}

// RegenerateRecoveryCodes replaces the user's recovery codes with new ones,
// shown this once.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, p *Principal) ([]string, error) {
	if err := requireUser(p); err != nil {
		return nil, err
	}
	var codes []string
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		t, err := tx.UserTOTPByUser(ctx, p.UserID)
		if IsKind(err, KindNotFound) || (err == nil && t.EnabledAt == nil) {
			return Errorf(KindConflict, CodeTOTPNotStarted, "TOTP is off: there are no recovery codes")
		}
		if err != nil {
			return err
		}
		codes, err = s.newRecoveryCodes(ctx, tx, p.UserID)
		return err
	})
	return codes, err
}

// TOTPStatus says whether the user has TOTP on, and how many unused
// recovery codes remain.
func (s *Service) TOTPStatus(ctx context.Context, p *Principal) (enabled bool, codesLeft int, err error) {
	err = s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		t, err := tx.UserTOTPByUser(ctx, p.UserID)
		if err != nil {
			return ignoreNotFound(err)
		}
		enabled = t.EnabledAt != nil
		codesLeft, err = tx.CountRecoveryCodes(ctx, p.UserID)
		return err
	})
	return enabled, codesLeft, err
}

// newRecoveryCodes stores RecoveryCodeCount fresh codes, hashed, in place
// of the user's old ones and returns them.
func (s *Service) newRecoveryCodes(ctx context.Context, tx Tx, userID string) ([]string, error) {
	codes := make([]string, RecoveryCodeCount)
	hashes := make([]string, RecoveryCodeCount)
	for i := range codes {
		codes[i] = newRecoveryCode()
		hashes[i] = hashRecoveryCode(codes[i])
	}
	return codes, tx.ReplaceRecoveryCodes(ctx, userID, hashes, tx.Now())
}

// newRecoveryCode is 80 random bits as xxxx-xxxx-xxxx-xxxx in Crockford's
// base32: easy to type, long enough that its SHA-256 cannot be reversed.
func newRecoveryCode() string {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("esign: crypto/rand failed: " + err.Error())
	}
	s := crockford.EncodeToString(b[:])
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}

// hashRecoveryCode hashes a code as typed: case, spaces and dashes aside.
func hashRecoveryCode(code string) string {
	code = strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
	return HashSecret("recovery:" + code)
}
