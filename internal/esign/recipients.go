package esign

import (
	"context"
	"strconv"
)

// RecipientInput is a recipient to add to a draft.
type RecipientInput struct {
	Name         string
	Email        string
	Role         string
	RoutingOrder int // 0 means 1
	Auth         string
	Embedded     bool // no emails: the sender hands out signing URLs
	Phone        string
	// AccessCode is the code an access_code recipient must enter; it is
	// stored only hashed and never returned.
	AccessCode string
}

// MaxRecipientsPerEnvelope bounds an envelope's recipients.
const MaxRecipientsPerEnvelope = 100

func (in *RecipientInput) validate() (*Recipient, error) {
	name, err := requireText("name", in.Name, 200)
	if err != nil {
		return nil, err
	}
	email, err := normalizeEmail("email", in.Email)
	if err != nil {
		return nil, err
	}
	role := RecipientRole(in.Role)
	switch role {
	case RoleSigner, RoleApprover, RoleViewer, RoleCC:
	case "":
		role = RoleSigner
	default:
		return nil, Invalid("role", "must be one of signer, approver, viewer, cc")
	}
	order := in.RoutingOrder
	if order == 0 {
		order = 1
	}
	if order < 1 || order > 1000 {
		return nil, Invalid("routing_order", "must be between 1 and 1000")
	}
	phone, err := normalizePhone("phone", in.Phone)
	if err != nil {
		return nil, err
	}
	r := &Recipient{Name: name, Email: email, Phone: phone, Role: role, RoutingOrder: order, Embedded: in.Embedded, Status: RecipientCreated}
	if r.AuthMethod, err = in.authMethod(phone); err != nil {
		return nil, err
	}
	return r, nil
}

// newRecipient validates a new recipient and hashes its access code: all
// that needs no transaction.
func (s *Service) newRecipient(in RecipientInput) (*Recipient, error) {
	r, err := in.validate()
	if err != nil {
		return nil, err
	}
	codeHash, err := s.hashAccessCode(in.AccessCode)
	if err != nil {
		return nil, err
	}
	if err := setAccessCode(r, codeHash, ""); err != nil {
		return nil, err
	}
	if err := s.checkIDVConfigured(r); err != nil {
		return nil, err
	}
	return r, nil
}

// AddRecipient adds a recipient to a draft.
func (s *Service) AddRecipient(ctx context.Context, p *Principal, envelopeID string, in RecipientInput) (*Recipient, error) {
	r, err := s.newRecipient(in)
	if err != nil {
		return nil, err
	}
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		e, err := lockDraft(ctx, tx, p, envelopeID)
		if err != nil {
			return err
		}
		existing, err := tx.RecipientsByEnvelope(ctx, e.ID)
		if err != nil {
			return err
		}
		return insertRecipient(ctx, tx, p, e, r, len(existing))
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// insertRecipient records a validated recipient, with its audit event.
func insertRecipient(ctx context.Context, tx Tx, p *Principal, e *Envelope, r *Recipient, existing int) error {
	if existing >= MaxRecipientsPerEnvelope {
		return errTooManyRecipients()
	}
	r.ID, r.EnvelopeID, r.CreatedAt = NewID(PrefixRecipient, tx.Now()), e.ID, tx.Now()
	if err := tx.CreateRecipient(ctx, r); err != nil {
		return err
	}
	return appendAudit(ctx, tx, e, AuditRecipientAdded, p.actor(ctx), recipientAuditData(r))
}

func errTooManyRecipients() *Error {
	return Errorf(KindInvalid, CodeValidation, "an envelope holds at most %d recipients", MaxRecipientsPerEnvelope)
}

// recipientAuditData is what the audit trail records of a recipient added or
// changed.
func recipientAuditData(r *Recipient) map[string]string {
	data := map[string]string{
		"recipient_id": r.ID, "name": r.Name, "email": r.Email, "role": string(r.Role),
		"routing_order": strconv.Itoa(r.RoutingOrder), "auth": r.AuthMethod,
	}
	if r.Phone != "" {
		data["phone"] = r.Phone
	}
	if r.AccessCodeHash != "" {
		data["access_code"] = "set" // never the code
	}
	return data
}
