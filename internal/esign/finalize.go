package esign

import (
	"context"
	"fmt"
	"io"
)

type finalizePayload struct {
	EnvelopeID string `json:"envelope_id"`
}

// finalize renders every document of a completed envelope with its field
// values drawn from stored data, stores the results, and then, in one
// transaction, records them, audits them and schedules the completion emails.
// Running it twice is harmless: results are overwritten by identical content
// and a finished envelope is left alone.
func (s *Service) finalize(ctx context.Context, envelopeID string) error {
	var d *EnvelopeDetail
	var sigs []*Signature
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		e, err := tx.EnvelopeByID(ctx, envelopeID)
		if err != nil {
			return err
		}
		if d, err = loadDetail(ctx, tx, e); err != nil {
			return err
		}
		sigs, err = tx.SignaturesByEnvelope(ctx, envelopeID)
		return err
	})
	if err != nil {
		return err
	}
	if d.Envelope.Status != StatusCompleted || d.Envelope.ResultStatus == ResultReady {
		return nil
	}
	for _, doc := range d.Documents {
		if err := s.renderResult(ctx, doc, d.Fields, sigs); err != nil {
			return fmt.Errorf("finalize %s: %w", envelopeID, err)
		}
	}
	failpoint("finalize.rendered")
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		return s.recordResults(ctx, tx, envelopeID, d.Documents)
	})
	if err == nil {
		s.wake()
	}
	return err
}

func (s *Service) recordResults(ctx context.Context, tx Tx, envelopeID string, docs []*Document) error {
	e, err := tx.LockEnvelope(ctx, envelopeID)
	if err != nil || e.ResultStatus == ResultReady {
		return err
	}
	data := map[string]string{}
	for _, doc := range docs {
		if err := tx.UpdateDocument(ctx, doc); err != nil {
			return err
		}
		data["document."+doc.ID+".original_sha256"] = doc.SHA256
		data["document."+doc.ID+".result_sha256"] = doc.ResultSHA256
	}
	e.ResultStatus, e.ResultError = ResultReady, ""
	if err := appendAudit(ctx, tx, e, AuditResultReady, systemActor(), data); err != nil {
		return err
	}
	rs, err := tx.RecipientsByEnvelope(ctx, e.ID)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if err := enqueueMail(ctx, tx, e, MailCompleted, r.ID); err != nil {
			return err
		}
	}
	return enqueueMail(ctx, tx, e, MailCompleted, "")
}

// renderResult stamps one document and streams the output into blob storage.
func (s *Service) renderResult(ctx context.Context, doc *Document, fields []*Field, sigs []*Signature) error {
	stamps, err := s.stampsFor(ctx, doc, fields, sigs)
	if err != nil {
		return err
	}
	src, err := s.Blobs.Open(ctx, doc.BlobKey)
	if err != nil {
		return err
	}
	defer src.Close()
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(s.Stamper.Stamp(ctx, src, stamps, nil, pw)) }()
	key := "results/" + doc.EnvelopeID + "/" + doc.ID + ".pdf"
	info, err := s.Blobs.Put(ctx, key, pr)
	pr.CloseWithError(err) // unblocks the stamper if Put gave up early
	if err != nil {
		return fmt.Errorf("render %s: %w", doc.ID, err)
	}
	doc.ResultKey, doc.ResultSHA256, doc.ResultSize = key, info.SHA256, info.Size
	return nil
}

// stampsFor turns the document's filled fields into stamps.
func (s *Service) stampsFor(ctx context.Context, doc *Document, fields []*Field, sigs []*Signature) ([]Stamp, error) {
	byID := make(map[string]*Signature, len(sigs))
	for _, sig := range sigs {
		byID[sig.ID] = sig
	}
	var stamps []Stamp
	for _, f := range fields {
		if f.DocumentID != doc.ID || !f.Filled() {
			continue
		}
		st := Stamp{Page: f.Page, X: f.X, Y: f.Y, Width: f.Width, Height: f.Height, Kind: StampText, Text: f.Value}
		switch {
		case f.Type.TakesSignature():
			sig, ok := byID[f.SignatureID]
			if !ok {
				return nil, fmt.Errorf("field %s: signature %s missing", f.ID, f.SignatureID)
			}
			png, err := s.readBlob(ctx, sig.BlobKey)
			if err != nil {
				return nil, err
			}
			st.Kind, st.PNG, st.Text = StampImage, png, ""
		case f.Type == FieldCheckbox:
			if f.Value != "true" {
				continue
			}
			st.Kind, st.Text = StampCheck, ""
		}
		stamps = append(stamps, st)
	}
	return stamps, nil
}

// markResultFailed makes a finalize job that gave up visible to the owner
// (result_status "failed") and to gsign fsck.
func (s *Service) markResultFailed(ctx context.Context, envelopeID string, cause error) {
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		e, err := tx.LockEnvelope(ctx, envelopeID)
		if err != nil || e.ResultStatus == ResultReady {
			return err
		}
		e.ResultStatus, e.ResultError = ResultFailed, "producing the completed documents failed; GSign logged the cause"
		return tx.UpdateEnvelope(ctx, e)
	})
	s.Log.Error("finalize gave up", "envelope", envelopeID, "cause", cause, "err", err)
}
