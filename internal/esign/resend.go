package esign

import (
	"context"
	"strconv"
)

// Resend sends a recipient whose turn it is, and who has not finished, a
// fresh sign request: by email, and by SMS when it gave a phone. Each resend
// is a job of its own, numbered after the first request (2, 3, …), so a
// retried request cannot send it twice and a later resend is not swallowed
// as a duplicate. Embedded recipients get their links from SigningURL.
func (s *Service) Resend(ctx context.Context, p *Principal, envelopeID, recipientID string) (*Recipient, error) {
	var out *Recipient
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		e, err := envelopeFor(ctx, tx, p, envelopeID, PermEnvelopeSend, true)
		if err != nil {
			return err
		}
		r, err := recipientOf(ctx, tx, e.ID, recipientID)
		if err != nil {
			return err
		}
		if err := checkResendable(e, r); err != nil {
			return err
		}
		n, err := countResends(ctx, tx, e.ID, r.ID)
		if err != nil {
			return err
		}
		suffix := ":" + strconv.Itoa(n+2)
		pl := mailPayload{EnvelopeID: e.ID, Kind: MailSignRequest, RecipientID: r.ID}
		if err := enqueue(ctx, tx, JobMail, MailSignRequest+":"+e.ID+":"+r.ID+suffix, pl, tx.Now()); err != nil {
			return err
		}
		if err := smsRecipient(ctx, tx, e, MailSignRequest, r, suffix); err != nil {
			return err
		}
		out = r
		return appendAudit(ctx, tx, e, AuditResent, p.actor(ctx), map[string]string{
			"recipient_id": r.ID, "email": r.Email, "number": strconv.Itoa(n + 2),
		})
	})
	if err == nil {
		s.wake()
	}
	return out, err
}

// checkResendable refuses a resend unless e is out for signature and r has
// been asked to act (its turn) and has not finished.
func checkResendable(e *Envelope, r *Recipient) error {
	switch {
	case !e.Status.InProgress():
		return Errorf(KindConflict, CodeInvalidTransition, "envelope is %s; sign requests are resent only while it is out for signature", e.Status)
	case r.Embedded:
		return Errorf(KindConflict, CodeInvalidTransition, "recipient is embedded: GSign sends it no email; create a link with signing-url")
	case r.Role == RoleCC:
		return Errorf(KindConflict, CodeInvalidTransition, "cc recipients have nothing to sign")
	case r.Done():
		return Errorf(KindConflict, CodeRecipientDone, "recipient has already finished")
	case r.Status != RecipientSent && r.Status != RecipientDelivered:
		return Errorf(KindConflict, CodeNotYourTurn, "it is not this recipient's turn yet; it gets its sign request when it is")
	}
	return nil
}

// countResends counts the earlier resends to r, from the audit trail.
func countResends(ctx context.Context, tx Tx, envelopeID, recipientID string) (int, error) {
	events, err := tx.AuditEvents(ctx, envelopeID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ev := range events {
		if ev.Type == AuditResent && ev.Data["recipient_id"] == recipientID {
			n++
		}
	}
	return n, nil
}
