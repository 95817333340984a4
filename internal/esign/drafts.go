package esign

import (
	"context"
	"strconv"
)

// RecipientPatch changes a draft's recipient; nil fields stay as they are.
type RecipientPatch struct {
	Name, Email, Role, Auth, Phone *string
	// AccessCode sets a new access code; absent, an access_code recipient
	// keeps the one it has.
	AccessCode   *string
	RoutingOrder *int
	Embedded     *bool
}

// apply returns the recipient's input with the patch laid over it, so that
// a change is validated exactly as an addition is.
func (pt *RecipientPatch) apply(r *Recipient) RecipientInput {
	in := RecipientInput{Name: r.Name, Email: r.Email, Role: string(r.Role), RoutingOrder: r.RoutingOrder,
		Auth: r.AuthMethod, Embedded: r.Embedded, Phone: r.Phone}
	patchValue(&in.Name, pt.Name)
	patchValue(&in.Email, pt.Email)
	patchValue(&in.Role, pt.Role)
	patchValue(&in.Auth, pt.Auth)
	patchValue(&in.Phone, pt.Phone)
	patchValue(&in.RoutingOrder, pt.RoutingOrder)
	patchValue(&in.Embedded, pt.Embedded)
	patchValue(&in.AccessCode, pt.AccessCode)
	return in
}

// patchValue sets *dst to *v when the patch has v.
func patchValue[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// UpdateRecipient changes a draft's recipient. Its fields are checked again
// against its new role and name.
func (s *Service) UpdateRecipient(ctx context.Context, p *Principal, envelopeID, id string, pt RecipientPatch) (*Recipient, error) {
	var out *Recipient
	codeHash, err := s.hashAccessCode(deref(pt.AccessCode))
	if err != nil {
		return nil, err
	}
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		e, err := lockDraft(ctx, tx, p, envelopeID)
		if err != nil {
			return err
		}
		old, err := recipientOf(ctx, tx, e.ID, id)
		if err != nil {
			return err
		}
		in := pt.apply(old)
		r, err := in.validate()
		if err != nil {
			return err
		}
		if err := setAccessCode(r, codeHash, old.AccessCodeHash); err != nil {
			return err
		}
		if err := s.checkIDVConfigured(r); err != nil {
			return err
		}
		r.ID, r.EnvelopeID, r.CreatedAt = old.ID, old.EnvelopeID, old.CreatedAt
		if err := s.checkRecipientFields(ctx, tx, e.ID, r); err != nil {
			return err
		}
		if err := tx.UpdateRecipient(ctx, r); err != nil {
			return err
		}
		out = r
		return appendAudit(ctx, tx, e, AuditRecipientUpdated, p.actor(ctx), recipientAuditData(r))
	})
	return out, err
}

// checkRecipientFields checks r's placed fields against its changed role and
// name, so an edit cannot leave a cc with a signature field to fill.
func (s *Service) checkRecipientFields(ctx context.Context, tx Tx, envelopeID string, r *Recipient) error {
	fields, err := tx.FieldsByEnvelope(ctx, envelopeID)
	if err != nil {
		return err
	}
	for _, f := range fields {
		if f.RecipientID != r.ID {
			continue
		}
		if err := checkFieldRecipient(s.Stamper, r, f); err != nil {
			if !IsKind(err, KindInvalid) {
				return err
			}
			member := "role"
			if f.Type == FieldName {
				member = "name"
			}
			return Invalid(member, "the recipient's fields do not fit the change ("+ErrorMessage(err)+"); remove or reassign them first")
		}
	}
	return nil
}

// RemoveRecipient deletes a draft's recipient and the fields placed for it.
func (s *Service) RemoveRecipient(ctx context.Context, p *Principal, envelopeID, id string) error {
	return s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		e, err := lockDraft(ctx, tx, p, envelopeID)
		if err != nil {
			return err
		}
		r, err := recipientOf(ctx, tx, e.ID, id)
		if err != nil {
			return err
		}
		n, err := deleteFields(ctx, tx, e.ID, func(f *Field) bool { return f.RecipientID == r.ID })
		if err != nil {
			return err
		}
		if err := tx.DeleteRecipient(ctx, r.ID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, e, AuditRecipientRemoved, p.actor(ctx), map[string]string{
			"recipient_id": r.ID, "email": r.Email, "fields_removed": strconv.Itoa(n),
		})
	})
}

// deleteFields deletes the envelope's fields that match and counts them.
func deleteFields(ctx context.Context, tx Tx, envelopeID string, match func(*Field) bool) (int, error) {
	fields, err := tx.FieldsByEnvelope(ctx, envelopeID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, f := range fields {
		if !match(f) {
			continue
		}
		if err := tx.DeleteField(ctx, f.ID); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// recipientOf returns the envelope's recipient id; an id of another
// envelope is not found.
func recipientOf(ctx context.Context, tx Tx, envelopeID, id string) (*Recipient, error) {
	rs, err := tx.RecipientsByEnvelope(ctx, envelopeID)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if r.ID == id {
			return r, nil
		}
	}
	return nil, NotFound("recipient")
}
