package sqldb

import (
	"context"
	"fmt"

	"github.com/gsign/gsign/internal/esign"
)

// pageJSON is how one esign.PageInfo is stored, with names of its own so that
// renaming a Go field cannot change what is on disk.
type pageJSON struct {
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
}

// pagesCol scans the pages JSON of a document into *p.
type pagesCol struct{ p *[]esign.PageInfo }

func (c pagesCol) Scan(src any) error {
	var pages []pageJSON
	if err := (jsonCol{&pages}).Scan(src); err != nil {
		return fmt.Errorf("document pages: %w", err)
	}
	*c.p = nil
	for _, pg := range pages {
		*c.p = append(*c.p, esign.PageInfo{Width: pg.Width, Height: pg.Height})
	}
	return nil
}

func pagesText(pages []esign.PageInfo) (string, error) {
	out := make([]pageJSON, len(pages))
	for i, pg := range pages {
		out[i] = pageJSON{Width: pg.Width, Height: pg.Height}
	}
	return jsonText(out)
}

const documentCols = `id, envelope_id, name, position, pages, size, sha256, blob_key,
	result_key, result_sha256, result_size, created_at`

func scanDocument(s rowScanner) (*esign.Document, error) {
	d := &esign.Document{}
	return d, s.Scan(&d.ID, &d.EnvelopeID, &d.Name, &d.Position, pagesCol{&d.Pages}, &d.Size, &d.SHA256, &d.BlobKey,
		&d.ResultKey, &d.ResultSHA256, &d.ResultSize, timeCol{&d.CreatedAt})
}

// CreateDocument inserts d.
func (t *tx) CreateDocument(ctx context.Context, d *esign.Document) error {
	pages, err := pagesText(d.Pages)
	if err != nil {
		return fmt.Errorf("create document: %w", err)
	}
	return t.insertLater(ctx, "document", insertSeqSQL("documents", documentCols),
		d.ID, d.EnvelopeID, d.Name, d.Position, pages, d.Size, d.SHA256, d.BlobKey,
		d.ResultKey, d.ResultSHA256, d.ResultSize, micros(d.CreatedAt), d.EnvelopeID)
}

// UpdateDocument writes the mutable columns of d: its name, position and
// result. The original (pages, size, hash, blob) is immutable.
func (t *tx) UpdateDocument(ctx context.Context, d *esign.Document) error {
	const q = `UPDATE documents SET name = ?, position = ?, result_key = ?, result_sha256 = ?, result_size = ?
		WHERE id = ?`
	return t.updateOneLater(ctx, "document", d.ID, q, d.Name, d.Position, d.ResultKey, d.ResultSHA256, d.ResultSize, d.ID)
}

// DeleteDocument deletes the document row; the Service deletes its fields
// first and its blob after commit.
func (t *tx) DeleteDocument(ctx context.Context, id string) error {
	return t.updateOne(ctx, "document", id, `DELETE FROM documents WHERE id = ?`, id)
}

// documentsSQL lists an envelope's documents in their order.
const documentsSQL = `SELECT ` + documentCols + ` FROM documents WHERE envelope_id = ? ORDER BY position, created_seq, id`

// DocumentsByEnvelope returns the envelope's documents ordered by position.
func (t *tx) DocumentsByEnvelope(ctx context.Context, envelopeID string) ([]*esign.Document, error) {
	return getAll(ctx, t, "documents", scanDocument, documentsSQL, envelopeID)
}

const recipientCols = `id, envelope_id, name, email, role, routing_order, status, auth_method, embedded,
	sent_at, delivered_at, completed_at, declined_at, decline_reason, sign_ip, sign_user_agent, created_at,
	phone, next_reminder_at, reminders_sent,
	access_code_hash, auth_failures, auth_lockouts, auth_locked_until, auth_used, auth_detail`

func scanRecipient(s rowScanner) (*esign.Recipient, error) {
	r := &esign.Recipient{}
	return r, s.Scan(&r.ID, &r.EnvelopeID, &r.Name, &r.Email, &r.Role, &r.RoutingOrder, &r.Status, &r.AuthMethod, &r.Embedded,
		nullTimeCol{&r.SentAt}, nullTimeCol{&r.DeliveredAt}, nullTimeCol{&r.CompletedAt}, nullTimeCol{&r.DeclinedAt},
		&r.DeclineReason, &r.SignIP, &r.SignUserAgent, timeCol{&r.CreatedAt},
		&r.Phone, nullTimeCol{&r.NextReminderAt}, &r.RemindersSent,
		&r.AccessCodeHash, &r.AuthFailures, &r.AuthLockouts, nullTimeCol{&r.AuthLockedUntil}, &r.AuthUsed, &r.AuthDetail)
}

// CreateRecipient inserts r.
func (t *tx) CreateRecipient(ctx context.Context, r *esign.Recipient) error {
	return t.insertLater(ctx, "recipient", insertSeqSQL("recipients", recipientCols),
		r.ID, r.EnvelopeID, r.Name, r.Email, string(r.Role), r.RoutingOrder, string(r.Status), r.AuthMethod, r.Embedded,
		nullMicros(r.SentAt), nullMicros(r.DeliveredAt), nullMicros(r.CompletedAt), nullMicros(r.DeclinedAt),
		r.DeclineReason, r.SignIP, r.SignUserAgent, micros(r.CreatedAt),
		r.Phone, nullMicros(r.NextReminderAt), r.RemindersSent,
		r.AccessCodeHash, r.AuthFailures, r.AuthLockouts, nullMicros(r.AuthLockedUntil), r.AuthUsed, r.AuthDetail, r.EnvelopeID)
}

// UpdateRecipient writes every mutable column of r.
func (t *tx) UpdateRecipient(ctx context.Context, r *esign.Recipient) error {
	const q = `UPDATE recipients SET name = ?, email = ?, role = ?, routing_order = ?, status = ?, auth_method = ?, embedded = ?,
		sent_at = ?, delivered_at = ?, completed_at = ?, declined_at = ?, decline_reason = ?,
		sign_ip = ?, sign_user_agent = ?, phone = ?, next_reminder_at = ?, reminders_sent = ?,
		access_code_hash = ?, auth_failures = ?, auth_lockouts = ?, auth_locked_until = ?, auth_used = ?, auth_detail = ?
		WHERE id = ?`
	return t.updateOneLater(ctx, "recipient", r.ID, q,
		r.Name, r.Email, string(r.Role), r.RoutingOrder, string(r.Status), r.AuthMethod, r.Embedded,
		nullMicros(r.SentAt), nullMicros(r.DeliveredAt), nullMicros(r.CompletedAt), nullMicros(r.DeclinedAt), r.DeclineReason,
		r.SignIP, r.SignUserAgent, r.Phone, nullMicros(r.NextReminderAt), r.RemindersSent,
		r.AccessCodeHash, r.AuthFailures, r.AuthLockouts, nullMicros(r.AuthLockedUntil), r.AuthUsed, r.AuthDetail, r.ID)
}

// DeleteRecipient deletes the recipient row; the Service deletes its fields
// first.
func (t *tx) DeleteRecipient(ctx context.Context, id string) error {
	return t.updateOne(ctx, "recipient", id, `DELETE FROM recipients WHERE id = ?`, id)
}

// recipientsSQL lists an envelope's recipients in their order.
const recipientsSQL = `SELECT ` + recipientCols + ` FROM recipients WHERE envelope_id = ? ORDER BY routing_order, created_seq, id`

// RecipientsByEnvelope returns the envelope's recipients by routing order,
// then creation.
func (t *tx) RecipientsByEnvelope(ctx context.Context, envelopeID string) ([]*esign.Recipient, error) {
	return getAll(ctx, t, "recipients", scanRecipient, recipientsSQL, envelopeID)
}

const fieldCols = `id, envelope_id, document_id, recipient_id, type, page, x, y, width, height,
	required, value, signature_id, filled_at, created_at`

func scanField(s rowScanner) (*esign.Field, error) {
	f := &esign.Field{}
	return f, s.Scan(&f.ID, &f.EnvelopeID, &f.DocumentID, &f.RecipientID, &f.Type, &f.Page, &f.X, &f.Y, &f.Width, &f.Height,
		&f.Required, &f.Value, &f.SignatureID, nullTimeCol{&f.FilledAt}, timeCol{&f.CreatedAt})
}

// CreateField inserts f.
func (t *tx) CreateField(ctx context.Context, f *esign.Field) error {
	return t.insertLater(ctx, "field", insertSeqSQL("fields", fieldCols),
		f.ID, f.EnvelopeID, f.DocumentID, f.RecipientID, string(f.Type), f.Page, f.X, f.Y, f.Width, f.Height,
		f.Required, f.Value, f.SignatureID, nullMicros(f.FilledAt), micros(f.CreatedAt), f.EnvelopeID)
}

// UpdateField writes every mutable column of f.
func (t *tx) UpdateField(ctx context.Context, f *esign.Field) error {
	const q = `UPDATE fields SET document_id = ?, recipient_id = ?, type = ?, page = ?, x = ?, y = ?, width = ?, height = ?,
		required = ?, value = ?, signature_id = ?, filled_at = ?
		WHERE id = ?`
	return t.updateOneLater(ctx, "field", f.ID, q,
		f.DocumentID, f.RecipientID, string(f.Type), f.Page, f.X, f.Y, f.Width, f.Height,
		f.Required, f.Value, f.SignatureID, nullMicros(f.FilledAt), f.ID)
}

// DeleteField deletes the field row.
func (t *tx) DeleteField(ctx context.Context, id string) error {
	return t.updateOne(ctx, "field", id, `DELETE FROM fields WHERE id = ?`, id)
}

// fieldsSQL lists an envelope's fields in their order.
const fieldsSQL = `SELECT ` + fieldCols + ` FROM fields WHERE envelope_id = ? ORDER BY created_seq, id`

// FieldsByEnvelope returns the envelope's fields in creation order.
func (t *tx) FieldsByEnvelope(ctx context.Context, envelopeID string) ([]*esign.Field, error) {
	return getAll(ctx, t, "fields", scanField, fieldsSQL, envelopeID)
}
