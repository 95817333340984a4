package esign

import (
	"context"
	"sort"
	"strings"
	"time"
)

// CompleteRecipient finishes the token's recipient: required fields must be
// filled; GSign fills the name, email and date fields; routing moves on, and
// when this was the last recipient the envelope completes, all in one
// transaction so it completes exactly once.
func (s *Service) CompleteRecipient(ctx context.Context, raw string) (*Recipient, error) {
	return s.CompleteWithFields(ctx, raw, nil)
}

// CompleteWithFields is CompleteRecipient that first fills the recipient's
// fields in fills, each exactly as FillField would, in the same
// transaction: all of them and the completion, or nothing. Signatures are
// rendered before the transaction, as FillField does, and written with
// their images in it. The audit trail is the one filling the fields one
// by one (in the envelope's field order) and then completing would leave.
func (s *Service) CompleteWithFields(ctx context.Context, raw string, fills FieldFills) (*Recipient, error) {
	var r *Recipient
	err := s.expiringFirst(ctx, func() (err error) {
		r, err = s.completeWithFields(ctx, raw, fills)
		return err
	})
	return r, err
}

func (s *Service) completeWithFields(ctx context.Context, raw string, fills FieldFills) (*Recipient, error) {
	prepared, err := s.prepareFills(ctx, raw, fills)
	if err != nil {
		return nil, err
	}
	var r *Recipient
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		// The fields come with the lock: nothing before writeFills
		// changes them.
		c, err := loadToken(ctx, tx, raw, TokenRead{Lock: true, Fields: true})
		if err != nil {
			return err
		}
		if err := checkCanFinish(ctx, tx, c); err != nil {
			return err
		}
		if c.Recipient.DeliveredAt == nil {
			if err := markDelivered(ctx, tx, c); err != nil {
				return err
			}
		}
		fields := c.Fields
		if err := writeFills(ctx, tx, c, fields, prepared); err != nil {
			return err
		}
		if err := autofill(ctx, tx, c, fields); err != nil {
			return err
		}
		r = c.Recipient
		if err := s.finishRecipient(ctx, tx, c); err != nil {
			return err
		}
		failpoint("complete.before-commit")
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	return r, nil
}

func checkCanFinish(ctx context.Context, tx Tx, c *signingContext) error {
	if err := checkActing(ctx, tx, c); err != nil {
		return err
	}
	if r := c.Recipient; r.Role != RoleSigner && r.Role != RoleApprover {
		return Errorf(KindConflict, CodeNotARecipientAction, "a %s does not complete the envelope; opening it is enough", r.Role)
	}
	return nil
}

// autofill checks required fields and fills the ones GSign knows; fields
// are the envelope's, as this transaction left them.
func autofill(ctx context.Context, tx Tx, c *signingContext, fields []*Field) error {
	var missing []string
	now := tx.Now()
	for _, f := range fields {
		if f.RecipientID != c.Recipient.ID || f.Filled() {
			continue
		}
		if !f.Type.AutoFilled() {
			if f.Required {
				missing = append(missing, f.ID)
			}
			continue
		}
		f.Value, f.FilledAt = autoValue(f.Type, c.Recipient, now), &now
		if err := tx.UpdateField(ctx, f); err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return &Error{Kind: KindInvalid, Code: CodeMissingFields, Message: "fill the required fields first: " + strings.Join(missing, ", "), Fields: map[string]string{"fields": strings.Join(missing, ",")}}
	}
	return requireCheckedBoxes(fields, c.Recipient.ID)
}

// requireCheckedBoxes: a required checkbox must be checked, not merely answered.
func requireCheckedBoxes(fields []*Field, recipientID string) error {
	for _, f := range fields {
		if f.RecipientID == recipientID && f.Type == FieldCheckbox && f.Required && f.Value != "true" {
			return &Error{Kind: KindInvalid, Code: CodeMissingFields, Message: "required checkbox " + f.ID + " must be checked", Fields: map[string]string{"fields": f.ID}}
		}
	}
	return nil
}

func autoValue(t FieldType, r *Recipient, now time.Time) string {
	switch t {
	case FieldName:
		return r.Name
	case FieldEmail:
		return r.Email
	default:
		return now.Format("2006-01-02")
	}
}

// finishRecipient marks the recipient completed, audits it and advances routing.
func (s *Service) finishRecipient(ctx context.Context, tx Tx, c *signingContext) error {
	r, m := c.Recipient, MetaFrom(ctx)
	now := tx.Now()
	r.Status, r.CompletedAt, r.SignIP, r.SignUserAgent = RecipientCompleted, &now, m.IP, truncate(m.UserAgent, 512)
	c.recordAuth()
	r.NextReminderAt = nil // finished: no more reminders
	if err := tx.UpdateRecipient(ctx, r); err != nil {
		return err
	}
	typ := AuditSigned
	if r.Role == RoleApprover {
		typ = AuditApproved
	}
	if err := appendAudit(ctx, tx, c.Envelope, typ, c.actor(ctx), map[string]string{"recipient_id": r.ID}); err != nil {
		return err
	}
	if err := s.advance(ctx, tx, c.Envelope, c.Recipients); err != nil {
		return err
	}
	if c.Envelope.Status == StatusCompleted { // the owner gets the completed email instead
		return supersedeOwnerFinished(ctx, tx, c.Envelope, c.Recipients)
	}
	return mailOwnerFinished(ctx, tx, c.Envelope, r)
}

// Decline ends the envelope for everyone: the recipient refuses to sign.
// Signatures already captured are kept.
func (s *Service) Decline(ctx context.Context, raw, reason string) error {
	reason = strings.TrimSpace(CleanText(reason))
	if len(reason) > 1000 {
		return Invalid("reason", "is too long (at most 1000 bytes)")
	}
	err := s.expiringFirst(ctx, func() error {
		return s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
			c, err := resolveToken(ctx, tx, raw)
			if err != nil {
				return err
			}
			if err := checkCanFinish(ctx, tx, c); err != nil {
				return err
			}
			return s.decline(ctx, tx, c, reason)
		})
	})
	if err == nil {
		s.wake()
	}
	return err
}

func (s *Service) decline(ctx context.Context, tx Tx, c *signingContext, reason string) error {
	r, e := c.Recipient, c.Envelope
	to, err := Transition(e.Status, EventDecline)
	if err != nil {
		return err
	}
	now := tx.Now()
	r.Status, r.DeclinedAt, r.DeclineReason = RecipientDeclined, &now, reason
	c.recordAuth()
	r.NextReminderAt = nil
	if err := tx.UpdateRecipient(ctx, r); err != nil {
		return err
	}
	e.Status, e.DeclinedAt = to, &now
	if err := appendAudit(ctx, tx, e, AuditDeclined, c.actor(ctx), map[string]string{"recipient_id": r.ID, "reason": reason}); err != nil {
		return err
	}
	others := make([]*Recipient, 0, len(c.Recipients))
	for _, o := range c.Recipients {
		if o.ID != r.ID {
			others = append(others, o)
		}
	}
	if err := notifyTouched(ctx, tx, e, others, MailDeclined); err != nil {
		return err
	}
	return enqueueMail(ctx, tx, e, MailDeclined, "")
}
