package esign

import (
	"context"
	"io"
	"path"
	"strconv"
	"strings"
	"time"
)

// MaxDocumentsPerEnvelope bounds an envelope's documents.
const MaxDocumentsPerEnvelope = 50

// AddDocument stores an uploaded PDF and adds it to a draft. The body is
// streamed to blob storage, checked, and only then recorded; anything that
// fails on the way leaves no document behind. Call CheckDraft first to
// refuse before reading a large body.
func (s *Service) AddDocument(ctx context.Context, p *Principal, envelopeID, name string, body io.Reader) (*Document, error) {
	doc := newDocument(envelopeID, name, s.now())
	if err := s.storeUpload(ctx, doc, body, s.Config.MaxUploadBytes); err != nil {
		return nil, err
	}
	failpoint("document.stored")
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		e, err := lockDraft(ctx, tx, p, envelopeID)
		if err != nil {
			return err
		}
		docs, err := tx.DocumentsByEnvelope(ctx, e.ID)
		if err != nil {
			return err
		}
		return insertDocument(ctx, tx, p, e, doc, len(docs))
	})
	if err != nil {
		s.deleteBlob(doc.BlobKey)
		return nil, err
	}
	return doc, nil
}

// insertDocument records a stored document as the envelope's document after
// the existing ones, with its audit event.
func insertDocument(ctx context.Context, tx Tx, p *Principal, e *Envelope, doc *Document, existing int) error {
	if existing >= MaxDocumentsPerEnvelope {
		return errTooManyDocuments()
	}
	doc.Position, doc.CreatedAt = existing+1, tx.Now()
	if err := tx.CreateDocument(ctx, doc); err != nil {
		return err
	}
	return appendAudit(ctx, tx, e, AuditDocumentAdded, p.actor(ctx), map[string]string{
		"document_id": doc.ID, "name": doc.Name, "sha256": doc.SHA256, "pages": strconv.Itoa(len(doc.Pages)), "size": strconv.FormatInt(doc.Size, 10),
	})
}

func errTooManyDocuments() *Error {
	return Errorf(KindInvalid, CodeValidation, "an envelope holds at most %d documents", MaxDocumentsPerEnvelope)
}

// newDocument is a document of the envelope, not stored yet, with the blob
// key it will be stored under.
func newDocument(envelopeID, name string, now time.Time) *Document {
	doc := &Document{ID: NewID(PrefixDocument, now), EnvelopeID: envelopeID, Name: documentName(name), CreatedAt: now}
	doc.BlobKey = "documents/" + envelopeID + "/" + doc.ID + ".pdf"
	return doc
}

// storeUpload streams body into the blob store, refusing more than limit
// bytes, then inspects what was stored.
func (s *Service) storeUpload(ctx context.Context, doc *Document, body io.Reader, limit int64) error {
	limited := &io.LimitedReader{R: body, N: limit + 1}
	info, err := s.Blobs.Put(ctx, doc.BlobKey, limited)
	if err != nil {
		s.deleteBlob(doc.BlobKey)
		return err
	}
	if info.Size > limit {
		s.deleteBlob(doc.BlobKey)
		return ErrTooLarge(limit)
	}
	if info.Size == 0 {
		s.deleteBlob(doc.BlobKey)
		return Errorf(KindInvalid, CodeInvalidPDF, "the uploaded file is empty")
	}
	doc.Size, doc.SHA256 = info.Size, info.SHA256
	pdfInfo, err := s.inspectBlob(ctx, doc.BlobKey)
	if err != nil {
		s.deleteBlob(doc.BlobKey)
		return err
	}
	doc.Pages = pdfInfo.Pages
	return nil
}

// ErrTooLarge is the error for an upload over the limit.
func ErrTooLarge(limit int64) *Error {
	return Errorf(KindTooLarge, CodeTooLarge, "the upload is larger than the limit of %d bytes", limit)
}

func (s *Service) inspectBlob(ctx context.Context, key string) (PDFInfo, error) {
	f, err := s.Blobs.Open(ctx, key)
	if err != nil {
		return PDFInfo{}, err
	}
	defer f.Close()
	return s.Inspector.Inspect(ctx, f)
}

// deleteBlob removes a blob that no row refers to. Failures are logged: the
// orphan is harmless and gsign fsck reports it.
func (s *Service) deleteBlob(key string) {
	if err := s.Blobs.Delete(context.WithoutCancel(context.Background()), key); err != nil {
		s.Log.Warn("delete orphan blob", "key", key, "err", err)
	}
}

// CheckDraft answers early when the envelope does not exist for the caller
// or is no longer a draft, so a transport can refuse an upload before
// reading its body. AddDocument re-checks under the envelope's lock.
func (s *Service) CheckDraft(ctx context.Context, p *Principal, envelopeID string) error {
	return s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		e, err := envelopeFor(ctx, tx, p, envelopeID, PermEnvelopeEdit, false)
		if err != nil {
			return err
		}
		if e.Status != StatusDraft {
			return errNotDraft(e)
		}
		return nil
	})
}

// lockDraft locks an envelope of the caller's organization that must still
// be a draft.
func lockDraft(ctx context.Context, tx Tx, p *Principal, envelopeID string) (*Envelope, error) {
	e, err := envelopeFor(ctx, tx, p, envelopeID, PermEnvelopeEdit, true)
	if err != nil {
		return nil, err
	}
	if e.Status != StatusDraft {
		return nil, errNotDraft(e)
	}
	return e, nil
}

func errNotDraft(e *Envelope) *Error {
	return Errorf(KindConflict, CodeNotDraft, "envelope is %s; documents, recipients and fields can only change while it is a draft", e.Status)
}

func documentName(name string) string {
	name = path.Base(strings.ReplaceAll(CleanText(name), `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.TrimSpace(name))
	if name == "" || name == "." || name == "/" {
		name = "document.pdf"
	}
	return truncate(name, 200)
}
