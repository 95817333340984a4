package esign

import (
	"context"
	"errors"
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

// expiryDue is the refusal of a signing link whose envelope is past its
// expiry but still in progress: the token's checks (checkUsable) return
// it, within the operation's own first transaction, where the envelope is
// read anyway. It unwraps to the 410 the signer gets. Operations that
// change the envelope run under expiringFirst, which then expires the
// envelope in a transaction of its own, so that the refusal is backed by a
// committed state change, and runs the operation again, which refuses as
// for any expired envelope. Checking there costs nothing when the envelope
// is not due, which is almost always.
type expiryDue struct {
	envelopeID string
	gone       error
}

func (e *expiryDue) Error() string { return e.gone.Error() }
func (e *expiryDue) Unwrap() error { return e.gone }

// expiringFirst runs op; if op found its envelope due (expiryDue), it
// expires the envelope and runs op once more, which now sees it expired.
func (s *Service) expiringFirst(ctx context.Context, op func() error) error {
	err := op()
	var d *expiryDue
	if !errors.As(err, &d) {
		return err
	}
	if _, err := s.expire(ctx, d.envelopeID); err != nil {
		return err
	}
	s.wake()
	return op()
}
