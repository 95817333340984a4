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
	var ids []string
	now := s.now()
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		es, err := tx.ListEnvelopes(ctx, EnvelopeFilter{AllOrgs: true, ExpiresBefore: &now, Limit: 500})
		for _, e := range es {
			ids = append(ids, e.ID)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		done, err := s.expire(ctx, id)
		if err != nil {
			return n, err
		}
		if done {
			n++
		}
	}
	if n > 0 {
		s.wake()
	}
	return n, nil
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
