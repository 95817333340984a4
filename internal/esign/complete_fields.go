package esign

import (
	"context"
	"errors"
	"maps"
	"slices"
)

// FieldFills maps field ids of the token's recipient to their values, for
// CompleteWithFields: one request instead of one per field and one more to
// finish, and one durable commit instead of as many.
type FieldFills map[string]FieldValueInput

// preparedFill is one field's checked value, its signature image rendered
// or checked, to be written by the transaction.
type preparedFill struct {
	fieldID string
	value   string
	sig     *Signature
}

// prepareFills checks fills against the recipient's fields and prepares
// every value outside any transaction, as FillField does: a signature is
// rendered or checked here so the transaction only writes it. Any error
// names its field.
func (s *Service) prepareFills(ctx context.Context, raw string, fills FieldFills) ([]preparedFill, error) {
	if len(fills) == 0 {
		return nil, nil
	}
	fields, err := s.lookupFillable(ctx, raw, slices.Sorted(maps.Keys(fills)))
	if err != nil {
		return nil, err
	}
	out := make([]preparedFill, 0, len(fields))
	for _, f := range fields {
		value, sig, err := s.prepareValue(ctx, f, fills[f.ID])
		if err != nil {
			return nil, InField(f.ID, err)
		}
		out = append(out, preparedFill{fieldID: f.ID, value: value, sig: sig})
	}
	return out, nil
}

// lookupFillable checks the link and the fields before any work is done.
func (s *Service) lookupFillable(ctx context.Context, raw string, ids []string) ([]*Field, error) {
	var out []*Field
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		// The fields come with the token: one round trip on PostgreSQL.
		c, err := loadToken(ctx, tx, raw, TokenRead{Fields: true})
		if err != nil {
			return err
		}
		if err := checkActing(ctx, tx, c); err != nil {
			return err
		}
		out, err = pickFillable(c.Fields, c.Recipient.ID, ids)
		return err
	})
	return out, err
}

// pickFillable returns the recipient's fields named by ids (sorted), in the
// envelope's field order, which is the order they are filled and audited
// in. An id that is not one of the recipient's fields is not found, as on
// the single-field route, and a field that cannot be filled is refused.
func pickFillable(fields []*Field, recipientID string, ids []string) ([]*Field, error) {
	own := make(map[string]*Field)
	for _, f := range fields {
		if f.RecipientID == recipientID {
			own[f.ID] = f
		}
	}
	for _, id := range ids {
		if own[id] == nil {
			return nil, NotFound("field " + id)
		}
	}
	out := make([]*Field, 0, len(ids))
	for _, f := range fields {
		if _, ok := slices.BinarySearch(ids, f.ID); ok && f.RecipientID == recipientID {
			if _, err := checkFillable(f); err != nil {
				return nil, InField(f.ID, err)
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// writeFills re-checks the prepared fields under the envelope lock (another
// request may have filled one meanwhile) and writes them in order.
func writeFills(ctx context.Context, tx Tx, c *signingContext, fields []*Field, prepared []preparedFill) error {
	if len(prepared) == 0 {
		return nil
	}
	ids := make([]string, 0, len(prepared))
	byID := make(map[string]preparedFill, len(prepared))
	for _, p := range prepared {
		ids, byID[p.fieldID] = append(ids, p.fieldID), p
	}
	slices.Sort(ids)
	picked, err := pickFillable(fields, c.Recipient.ID, ids)
	if err != nil {
		return err
	}
	for _, f := range picked {
		p := byID[f.ID]
		if err := writeValue(ctx, tx, c, f, p.value, p.sig); err != nil {
			return err
		}
	}
	return nil
}

// InField names the field fieldID in err, for requests that carry several
// fields' values: a validation error's offending input becomes
// "fields.<id>.<input>" in its Fields and its message says "field <id>: ",
// and not found names the field. Other errors are returned as they are; a conflict
// already names its field.
func InField(fieldID string, err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Kind {
	case KindNotFound:
		return NotFound("field " + fieldID)
	case KindInvalid, KindBadRequest:
		prefix := "fields." + fieldID
		out := &Error{Kind: e.Kind, Code: e.Code, Message: "field " + fieldID + ": " + e.Message, Fields: map[string]string{}}
		for k, v := range e.Fields {
			out.Fields[prefix+"."+k] = v
		}
		if len(e.Fields) == 0 {
			out.Fields[prefix] = e.Message
		}
		return out
	}
	return err
}
