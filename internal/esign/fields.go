package esign

import (
	"context"
	"math"
	"strconv"
)

// FieldInput is a field to place on a draft's document.
type FieldInput struct {
	DocumentID  string
	RecipientID string
	Type        string
	Page        int
	X, Y        float64
	Width       float64
	Height      float64
	// Required defaults to true, except for checkboxes.
	Required *bool
}

// MaxFieldsPerEnvelope bounds an envelope's fields.
const MaxFieldsPerEnvelope = 2000

func (in *FieldInput) validate() (*Field, error) {
	t := FieldType(in.Type)
	switch t {
	case FieldSignature, FieldInitials, FieldDateSigned, FieldName, FieldEmail, FieldText, FieldCheckbox:
	default:
		return nil, Invalid("type", "must be one of signature, initials, date_signed, name, email, text, checkbox")
	}
	for name, v := range map[string]float64{"x": in.X, "y": in.Y, "width": in.Width, "height": in.Height} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, Invalid(name, "must be a finite number")
		}
	}
	if in.Width < 1 || in.Height < 1 {
		return nil, Invalid("width", "width and height must be at least 1 point")
	}
	if in.X < 0 || in.Y < 0 {
		return nil, Invalid("x", "x and y must not be negative")
	}
	if in.Page < 1 {
		return nil, Invalid("page", "must be at least 1")
	}
	required := t != FieldCheckbox
	if in.Required != nil {
		required = *in.Required
	}
	return &Field{DocumentID: in.DocumentID, RecipientID: in.RecipientID, Type: t, Page: in.Page,
		X: in.X, Y: in.Y, Width: in.Width, Height: in.Height, Required: required}, nil
}

// AddField places a field on a draft's document for one of its recipients.
func (s *Service) AddField(ctx context.Context, p *Principal, envelopeID string, in FieldInput) (*Field, error) {
	f, err := in.validate()
	if err != nil {
		return nil, err
	}
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		e, err := lockDraft(ctx, tx, p, envelopeID)
		if err != nil {
			return err
		}
		if err := checkFieldPlacement(ctx, tx, s.Stamper, e, f); err != nil {
			return err
		}
		if err := checkFieldCount(ctx, tx, e.ID); err != nil {
			return err
		}
		return insertField(ctx, tx, p, e, f)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// insertField records a checked field, with its audit event.
func insertField(ctx context.Context, tx Tx, p *Principal, e *Envelope, f *Field) error {
	f.ID, f.EnvelopeID, f.CreatedAt = NewID(PrefixField, tx.Now()), e.ID, tx.Now()
	if err := tx.CreateField(ctx, f); err != nil {
		return err
	}
	return appendAudit(ctx, tx, e, AuditFieldAdded, p.actor(ctx), fieldAuditData(f))
}

// checkFieldPlacement checks the field against its document, its page and its
// recipient's role.
func checkFieldPlacement(ctx context.Context, tx Tx, stamper Stamper, e *Envelope, f *Field) error {
	doc, err := findDocument(ctx, tx, e.ID, f.DocumentID)
	if err != nil {
		return err
	}
	r, err := findRecipient(ctx, tx, e.ID, f.RecipientID)
	if err != nil {
		return err
	}
	if err := checkFieldRecipient(stamper, r, f); err != nil {
		return err
	}
	return checkFieldOnPage(doc, f)
}

// checkFieldOnPage checks that the field lies on a page of its document.
func checkFieldOnPage(doc *Document, f *Field) error {
	if f.Page > len(doc.Pages) {
		return Invalid("page", "document has "+strconv.Itoa(len(doc.Pages))+" pages")
	}
	pg := doc.Pages[f.Page-1]
	if f.X+f.Width > pg.Width+0.01 || f.Y+f.Height > pg.Height+0.01 {
		return Invalid("x", "field lies outside its page ("+strconv.FormatFloat(pg.Width, 'f', -1, 64)+" x "+strconv.FormatFloat(pg.Height, 'f', -1, 64)+" points)")
	}
	return nil
}

// checkFieldRecipient checks that r's role takes a field like f.
func checkFieldRecipient(stamper Stamper, r *Recipient, f *Field) error {
	switch {
	case r.Role == RoleCC || r.Role == RoleViewer:
		return Invalid("recipient_id", "cc and viewer recipients do not fill fields")
	case r.Role == RoleApprover && f.Type.TakesSignature():
		return Invalid("type", "approvers complete without a signature or initials field")
	case f.Type == FieldName:
		if err := stamper.CheckText(r.Name); err != nil {
			return Invalid("type", "the recipient's name cannot be drawn on the document: "+ErrorMessage(err))
		}
	}
	return nil
}

// checkFieldCount refuses a field beyond MaxFieldsPerEnvelope.
func checkFieldCount(ctx context.Context, tx Tx, envelopeID string) error {
	fields, err := tx.FieldsByEnvelope(ctx, envelopeID)
	if err != nil {
		return err
	}
	if len(fields) >= MaxFieldsPerEnvelope {
		return errTooManyFields()
	}
	return nil
}

func errTooManyFields() *Error {
	return Errorf(KindInvalid, CodeValidation, "an envelope holds at most %d fields", MaxFieldsPerEnvelope)
}

func findDocument(ctx context.Context, tx Tx, envelopeID, id string) (*Document, error) {
	docs, err := tx.DocumentsByEnvelope(ctx, envelopeID)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		if d.ID == id {
			return d, nil
		}
	}
	return nil, Invalid("document_id", "is not a document of this envelope")
}

// findRecipient is recipientOf for an id given in a request body, where an
// unknown id is invalid input rather than a missing resource.
func findRecipient(ctx context.Context, tx Tx, envelopeID, id string) (*Recipient, error) {
	r, err := recipientOf(ctx, tx, envelopeID, id)
	if IsKind(err, KindNotFound) {
		return nil, Invalid("recipient_id", "is not a recipient of this envelope")
	}
	return r, err
}

func formatBox(f *Field) string {
	g := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	return g(f.X) + "," + g(f.Y) + "," + g(f.Width) + "," + g(f.Height)
}

// fieldAuditData is what the audit trail records of a field placed or changed.
func fieldAuditData(f *Field) map[string]string {
	return map[string]string{
		"field_id": f.ID, "document_id": f.DocumentID, "recipient_id": f.RecipientID, "type": string(f.Type),
		"page": strconv.Itoa(f.Page), "box": formatBox(f), "required": strconv.FormatBool(f.Required),
	}
}
