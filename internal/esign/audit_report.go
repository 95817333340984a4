package esign

import (
	"context"
	"io"
)

// AuditReport is an envelope's audit trail and whether its chain verifies.
type AuditReport struct {
	Events   []*AuditEvent
	Verified bool
	Problem  *ChainProblem
}

// Audit returns the envelope's audit events and verifies the chain.
func (s *Service) Audit(ctx context.Context, p *Principal, envelopeID string) (*AuditReport, error) {
	var rep *AuditReport
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		e, err := ownedEnvelope(ctx, tx, p, envelopeID, false)
		if err != nil {
			return err
		}
		rep, err = auditReport(ctx, tx, e)
		return err
	})
	return rep, err
}

func auditReport(ctx context.Context, tx Tx, e *Envelope) (*AuditReport, error) {
	events, err := tx.AuditEvents(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	p := VerifyChain(e.ID, events, e.AuditSeq, e.AuditHead)
	return &AuditReport{Events: events, Verified: p == nil, Problem: p}, nil
}

// VerifyAllChains verifies every envelope's chain (or one, if envelopeID is
// set) and calls fn with each result.
func (s *Service) VerifyAllChains(ctx context.Context, envelopeID string, fn func(e *Envelope, r *AuditReport) error) error {
	return s.eachEnvelope(ctx, envelopeID, func(ctx context.Context, tx Tx, e *Envelope) error {
		rep, err := auditReport(ctx, tx, e)
		if err != nil {
			return err
		}
		return fn(e, rep)
	})
}

// eachEnvelope calls fn for every envelope of every organization, a page at
// a time, each page in its own read transaction.
func (s *Service) eachEnvelope(ctx context.Context, only string, fn func(ctx context.Context, tx Tx, e *Envelope) error) error {
	if only != "" {
		return s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
			e, err := tx.EnvelopeByID(ctx, only)
			if err != nil {
				return err
			}
			return fn(ctx, tx, e)
		})
	}
	f := EnvelopeFilter{AllOrgs: true, Limit: 200}
	for {
		var page []*Envelope
		err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
			var err error
			if page, err = tx.ListEnvelopes(ctx, f); err != nil {
				return err
			}
			for _, e := range page {
				if err := fn(ctx, tx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || len(page) < f.Limit {
			return err
		}
		last := page[len(page)-1]
		f.BeforeCreatedAt, f.BeforeID = last.CreatedAt, last.ID
	}
}

// Download parts.
const (
	PartCombined    = "combined"
	PartDocument    = "document"
	PartCertificate = "certificate"
	PartEvidence    = "evidence"
)

// DownloadResult is one downloadable output.
type DownloadResult struct {
	Name        string
	ContentType string
	Size        int64
	Body        io.ReadSeekCloser
}

// Download returns a completed envelope's output. part "document" takes an
// optional documentID (default: the first document); "combined" is the
// single document of a one-document envelope.
func (s *Service) Download(ctx context.Context, p *Principal, envelopeID, part, documentID string) (*DownloadResult, error) {
	var docs []*Document
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		e, err := ownedEnvelope(ctx, tx, p, envelopeID, false)
		if err != nil {
			return err
		}
		if err := checkResultReady(e); err != nil {
			return err
		}
		docs, err = tx.DocumentsByEnvelope(ctx, e.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	doc, err := pickDocument(docs, part, documentID)
	if err != nil {
		return nil, err
	}
	f, err := s.Blobs.Open(ctx, doc.ResultKey)
	if err != nil {
		return nil, err
	}
	return &DownloadResult{Name: doc.Name, ContentType: "application/pdf", Size: doc.ResultSize, Body: f}, nil
}

func checkResultReady(e *Envelope) error {
	switch {
	case e.Status != StatusCompleted:
		return Errorf(KindConflict, CodeNotCompleted, "envelope is %s; results exist once it is completed", e.Status)
	case e.ResultStatus == ResultFailed:
		return Errorf(KindConflict, CodeResultPending, "producing the completed documents failed; an operator can retry it (see gsign fsck)")
	case e.ResultStatus != ResultReady:
		return Errorf(KindConflict, CodeResultPending, "the completed documents are being produced; try again in a moment")
	}
	return nil
}

func pickDocument(docs []*Document, part, documentID string) (*Document, error) {
	switch part {
	case "", PartDocument:
	case PartCombined:
		if len(docs) != 1 {
			return nil, Errorf(KindInvalid, CodeValidation, "a combined PDF of several documents is not available yet; download each with part=document&document_id=")
		}
	case PartCertificate, PartEvidence:
		return nil, Errorf(KindInvalid, CodeValidation, "part=%s is produced by sealing, which this server does not do yet", part)
	default:
		return nil, Invalid("part", "must be combined, document, certificate or evidence")
	}
	if documentID == "" {
		return docs[0], nil
	}
	for _, d := range docs {
		if d.ID == documentID {
			return d, nil
		}
	}
	return nil, NotFound("document")
}
