package esign

import (
	"context"
	"strconv"
)

// FieldPatch changes a draft's field; nil fields stay as they are. A field
// stays on its document: move it by removing and placing it again.
type FieldPatch struct {
	RecipientID, Type   *string
	Page                *int
	X, Y, Width, Height *float64
	Required            *bool
}

func (pt *FieldPatch) apply(f *Field) FieldInput {
	in := FieldInput{DocumentID: f.DocumentID, RecipientID: f.RecipientID, Type: string(f.Type), Page: f.Page,
		X: f.X, Y: f.Y, Width: f.Width, Height: f.Height, Required: &f.Required}
	patchValue(&in.RecipientID, pt.RecipientID)
	patchValue(&in.Type, pt.Type)
	patchValue(&in.Page, pt.Page)
	patchValue(&in.X, pt.X)
	patchValue(&in.Y, pt.Y)
	patchValue(&in.Width, pt.Width)
	patchValue(&in.Height, pt.Height)
	if pt.Required != nil {
		in.Required = pt.Required
	}
	return in
}

// UpdateField moves, resizes, reassigns or retypes a draft's field, under the
// same rules as placing it.
func (s *Service) UpdateField(ctx context.Context, p *Principal, envelopeID, id string, pt FieldPatch) (*Field, error) {
	var out *Field
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		e, err := lockDraft(ctx, tx, p, envelopeID)
		if err != nil {
			return err
		}
		old, err := fieldOf(ctx, tx, e.ID, id)
		if err != nil {
			return err
		}
		in := pt.apply(old)
		f, err := in.validate()
		if err != nil {
			return err
		}
		if err := checkFieldPlacement(ctx, tx, s.Stamper, e, f); err != nil {
			return err
		}
		f.ID, f.EnvelopeID, f.CreatedAt = old.ID, old.EnvelopeID, old.CreatedAt
		if err := tx.UpdateField(ctx, f); err != nil {
			return err
		}
		out = f
		return appendAudit(ctx, tx, e, AuditFieldUpdated, p.actor(ctx), fieldAuditData(f))
	})
	return out, err
}

// RemoveField deletes a draft's field.
func (s *Service) RemoveField(ctx context.Context, p *Principal, envelopeID, id string) error {
	return s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		e, err := lockDraft(ctx, tx, p, envelopeID)
		if err != nil {
			return err
		}
		f, err := fieldOf(ctx, tx, e.ID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteField(ctx, f.ID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, e, AuditFieldRemoved, p.actor(ctx), map[string]string{
			"field_id": f.ID, "document_id": f.DocumentID, "recipient_id": f.RecipientID,
		})
	})
}

func fieldOf(ctx context.Context, tx Tx, envelopeID, id string) (*Field, error) {
	fields, err := tx.FieldsByEnvelope(ctx, envelopeID)
	if err != nil {
		return nil, err
	}
	for _, f := range fields {
		if f.ID == id {
			return f, nil
		}
	}
	return nil, NotFound("field")
}

// RemoveDocument deletes a draft's document with the fields placed on it, and
// renumbers the documents after it. Its blob is deleted once the row is gone;
// if that fails, gsign fsck reports the orphan.
func (s *Service) RemoveDocument(ctx context.Context, p *Principal, envelopeID, id string) error {
	var blobKey string
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		e, err := lockDraft(ctx, tx, p, envelopeID)
		if err != nil {
			return err
		}
		docs, err := tx.DocumentsByEnvelope(ctx, e.ID)
		if err != nil {
			return err
		}
		doc, rest := splitDocument(docs, id)
		if doc == nil {
			return NotFound("document")
		}
		n, err := deleteFields(ctx, tx, e.ID, func(f *Field) bool { return f.DocumentID == doc.ID })
		if err != nil {
			return err
		}
		if err := tx.DeleteDocument(ctx, doc.ID); err != nil {
			return err
		}
		if err := renumberDocuments(ctx, tx, rest); err != nil {
			return err
		}
		blobKey = doc.BlobKey
		return appendAudit(ctx, tx, e, AuditDocumentRemoved, p.actor(ctx), map[string]string{
			"document_id": doc.ID, "name": doc.Name, "sha256": doc.SHA256, "fields_removed": strconv.Itoa(n),
		})
	})
	if err != nil {
		return err
	}
	s.deleteBlob(blobKey)
	return nil
}

// splitDocument finds document id among docs and returns the others.
func splitDocument(docs []*Document, id string) (*Document, []*Document) {
	var doc *Document
	var rest []*Document
	for _, d := range docs {
		if d.ID == id {
			doc = d
		} else {
			rest = append(rest, d)
		}
	}
	return doc, rest
}

// renumberDocuments gives docs the positions 1..n in their order, so a later
// upload does not share a position with a remaining document.
func renumberDocuments(ctx context.Context, tx Tx, docs []*Document) error {
	for i, d := range docs {
		if d.Position == i+1 {
			continue
		}
		d.Position = i + 1
		if err := tx.UpdateDocument(ctx, d); err != nil {
			return err
		}
	}
	return nil
}
