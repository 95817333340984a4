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
		e, err := envelopeFor(ctx, tx, p, envelopeID, PermEnvelopeAudit, false)
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

// Download returns a completed envelope's output: part "document" (the
// sealed document; documentID picks one, default the first), "certificate",
// "combined" (documents and certificate in one sealed PDF) or "evidence".
func (s *Service) Download(ctx context.Context, p *Principal, envelopeID, part, documentID string) (*DownloadResult, error) {
	return s.openResult(ctx, func(ctx context.Context, tx Tx) (*Envelope, error) {
		return envelopeFor(ctx, tx, p, envelopeID, PermEnvelopeDownload, false)
	}, part, documentID)
}

// openResult opens a part of the results of the envelope that find
// returns; find refuses callers who may not have it.
func (s *Service) openResult(ctx context.Context, find func(context.Context, Tx) (*Envelope, error), part, documentID string) (*DownloadResult, error) {
	var docs []*Document
	var files []*ResultFile
	var name string
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		e, err := find(ctx, tx)
		if err != nil {
			return err
		}
		if err := checkResultReady(e); err != nil {
			return err
		}
		name = e.Name
		if docs, err = tx.DocumentsByEnvelope(ctx, e.ID); err != nil {
			return err
		}
		files, err = tx.ResultFiles(ctx, e.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	res, key, err := pickPart(docs, files, name, part, documentID)
	if err != nil {
		return nil, err
	}
	if res.Body, err = s.Blobs.Open(ctx, key); err != nil {
		return nil, err
	}
	return res, nil
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

// pickPart finds the blob of a part and describes the download.
func pickPart(docs []*Document, files []*ResultFile, envelopeName, part, documentID string) (*DownloadResult, string, error) {
	switch part {
	case "", PartDocument:
		doc, err := pickDocument(docs, documentID)
		if err != nil {
			return nil, "", err
		}
		return &DownloadResult{Name: doc.Name, ContentType: "application/pdf", Size: doc.ResultSize}, doc.ResultKey, nil
	case PartCertificate, PartCombined, PartEvidence:
		for _, f := range files {
			if f.Part == part {
				return &DownloadResult{Name: partFileName(envelopeName, part), ContentType: partType(part), Size: f.Size}, f.BlobKey, nil
			}
		}
		return nil, "", NotFound(part)
	default:
		return nil, "", Invalid("part", "must be combined, document, certificate or evidence")
	}
}

func pickDocument(docs []*Document, documentID string) (*Document, error) {
	if documentID == "" && len(docs) > 0 {
		return docs[0], nil
	}
	for _, d := range docs {
		if d.ID == documentID {
			return d, nil
		}
	}
	return nil, NotFound("document")
}

func partType(part string) string {
	if part == PartEvidence {
		return "application/json"
	}
	return "application/pdf"
}

func partFileName(envelopeName, part string) string {
	base := documentName(envelopeName)
	switch part {
	case PartEvidence:
		return base + " - evidence.json"
	case PartCertificate:
		return base + " - certificate.pdf"
	default:
		return base + ".pdf"
	}
}
