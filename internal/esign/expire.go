package esign

import (
	"context"
	"time"
)

// MailExpired tells the owner an envelope expired.
const MailExpired = "expired"

// ExpireDue expires every envelope out for signature whose expires_at has
// passed, and reports how many it expired. The scheduler calls it
// periodically; links also expire envelopes lazily when opened.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	return runDue(ctx, s, expiringEnvelopes, func(ctx context.Context, id string) (int, error) {
		done, err := s.expire(ctx, id)
		if done {
			return 1, err
		}
		return 0, err
	})
}

// expiringEnvelopes lists the envelopes out for signature whose expires_at
// is at or before now.
func expiringEnvelopes(tx Tx, ctx context.Context, now time.Time, limit int) ([]string, error) {
	es, err := tx.ListEnvelopes(ctx, EnvelopeFilter{AllOrgs: true, ExpiresBefore: &now, Limit: limit})
	ids := make([]string, 0, len(es))
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	return ids, err
}

// expire expires one envelope if it is due; it reports whether it did.
func (s *Service) expire(ctx context.Context, envelopeID string) (bool, error) {
	done := false
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		e, err := tx.LockEnvelope(ctx, envelopeID)
		if err != nil || !due(e, tx.Now()) {
			return err
		}
		to, err := Transition(e.Status, EventExpire)
		if err != nil {
			return err
		}
		now := tx.Now()
		e.Status, e.ExpiredAt, done = to, &now, true
		if err := appendAudit(ctx, tx, e, AuditExpired, systemActor(), map[string]string{"expires_at": e.ExpiresAt.Format(AuditTimeFormat)}); err != nil {
			return err
		}
		return enqueueMail(ctx, tx, e, MailExpired, "")
	})
	return done, err
}

func due(e *Envelope, now time.Time) bool {
	return e.Status.InProgress() && e.ExpiresAt != nil && !now.Before(*e.ExpiresAt)
}

// expireByToken expires the token's envelope if it is due, in its own
// transaction, so that the 410 the caller then gets is backed by a
// committed state change.
func (s *Service) expireByToken(ctx context.Context, raw string) error {
	if !SecretHasPrefix(raw, SecretRecipient) {
		return nil
	}
	var envelopeID string
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		t, err := tx.RecipientTokenByHash(ctx, HashSecret(raw))
		if err != nil {
			return err
		}
		e, err := tx.EnvelopeByID(ctx, t.EnvelopeID)
		if err == nil && due(e, tx.Now()) {
			envelopeID = e.ID
		}
		return err
	})
	if IsKind(err, KindNotFound) || envelopeID == "" {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = s.expire(ctx, envelopeID)
	s.wake()
	return err
}
