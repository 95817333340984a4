package esign

import (
	"context"
	"io"
)

// OriginalDocument opens the uploaded original of one of an envelope's
// documents for its sender, in any status: the web app shows it to place
// fields on a draft and to follow an envelope in progress.
func (s *Service) OriginalDocument(ctx context.Context, p *Principal, envelopeID, documentID string) (*Document, io.ReadSeekCloser, error) {
	var doc *Document
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		e, err := envelopeFor(ctx, tx, p, envelopeID, PermEnvelopeDownload, false)
		if err != nil {
			return err
		}
		docs, err := tx.DocumentsByEnvelope(ctx, e.ID)
		if err != nil {
			return err
		}
		doc, err = pickDocument(docs, documentID) // the path always names one
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	f, err := s.Blobs.Open(ctx, doc.BlobKey)
	return doc, f, err
}
