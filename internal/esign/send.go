package esign

import (
	"context"
	"strconv"
)

// Send moves a draft to sent and notifies the first routing group, all in one
// transaction with its audit event and outbox jobs.
func (s *Service) Send(ctx context.Context, p *Principal, envelopeID string) (*EnvelopeDetail, error) {
	var d *EnvelopeDetail
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		e, err := envelopeFor(ctx, tx, p, envelopeID, PermEnvelopeSend, true)
		if err != nil {
			return err
		}
		if e.Status != StatusDraft {
			return Errorf(KindConflict, CodeNotDraft, "envelope is %s, not a draft; only a draft can be sent", e.Status)
		}
		if d, err = loadDetail(ctx, tx, e); err != nil {
			return err
		}
		return s.sendDraft(ctx, tx, p, d)
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	return d, nil
}

// sendDraft sends the draft d, loaded in tx: it checks that d can be
// completed, records the send and notifies the first routing group.
func (s *Service) sendDraft(ctx context.Context, tx Tx, p *Principal, d *EnvelopeDetail) error {
	if err := checkSendable(d, tx); err != nil {
		return err
	}
	e := d.Envelope
	to, _ := Transition(e.Status, EventSend)
	now := tx.Now()
	e.Status, e.SentAt = to, &now
	scheduleExpiryWarning(e, now)
	err := appendAudit(ctx, tx, e, AuditSent, p.actor(ctx), map[string]string{
		"documents": strconv.Itoa(len(d.Documents)), "recipients": strconv.Itoa(len(d.Recipients)), "fields": strconv.Itoa(len(d.Fields)),
	})
	if err != nil {
		return err
	}
	return s.advance(ctx, tx, e, d.Recipients)
}

// checkSendable refuses an envelope that could never be completed.
func checkSendable(d *EnvelopeDetail, tx Tx) error {
	incomplete := func(msg string) error { return Errorf(KindInvalid, CodeIncomplete, "%s", msg) }
	if len(d.Documents) == 0 {
		return incomplete("add at least one document before sending")
	}
	if len(d.Recipients) == 0 {
		return incomplete("add at least one recipient before sending")
	}
	if e := d.Envelope; e.ExpiresAt != nil && !e.ExpiresAt.After(tx.Now()) {
		return incomplete("expires_at has already passed")
	}
	actors := 0
	for _, r := range d.Recipients {
		if r.Role != RoleCC {
			actors++
		}
		if r.Role == RoleSigner && !hasSignatureField(r, d.Fields) {
			err := Errorf(KindInvalid, CodeIncomplete, "signer %s (%s) has no signature field", r.Email, r.ID)
			err.Details = map[string]string{"recipient_id": r.ID}
			return err
		}
	}
	if actors == 0 {
		return incomplete("add a signer, approver or viewer: cc recipients alone cannot complete an envelope")
	}
	return nil
}

func hasSignatureField(r *Recipient, fs []*Field) bool {
	for _, f := range fs {
		if f.RecipientID == r.ID && f.Type == FieldSignature {
			return true
		}
	}
	return false
}

// Void cancels an envelope that is not finished. Signatures already captured
// stay; links stop working.
func (s *Service) Void(ctx context.Context, p *Principal, envelopeID, reason string) (*EnvelopeDetail, error) {
	reason, err := requireText("reason", reason, 500)
	if err != nil {
		return nil, err
	}
	var d *EnvelopeDetail
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		e, err := envelopeFor(ctx, tx, p, envelopeID, PermEnvelopeVoid, true)
		if err != nil {
			return err
		}
		to, err := Transition(e.Status, EventVoid)
		if err != nil {
			return err
		}
		now := tx.Now()
		e.Status, e.VoidedAt, e.VoidReason = to, &now, reason
		if err := appendAudit(ctx, tx, e, AuditVoided, p.actor(ctx), map[string]string{"reason": reason}); err != nil {
			return err
		}
		if d, err = loadDetail(ctx, tx, e); err != nil {
			return err
		}
		return notifyTouched(ctx, tx, e, d.Recipients, MailVoided)
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	return d, nil
}

// notifyTouched tells every recipient who has already been notified.
func notifyTouched(ctx context.Context, tx Tx, e *Envelope, rs []*Recipient, kind string) error {
	for _, r := range rs {
		if r.Status == RecipientCreated {
			continue
		}
		if err := mailRecipient(ctx, tx, e, kind, r); err != nil {
			return err
		}
	}
	return nil
}
