package esign

import (
	"context"
	"fmt"
	"io"
)

type finalizePayload struct {
	EnvelopeID string `json:"envelope_id"`
}

// finalInputs is everything finalize reads before it produces files.
type finalInputs struct {
	d      *EnvelopeDetail
	sigs   []*Signature
	events []*AuditEvent
	owner  *User
	org    *Organization
}

// finalize produces a completed envelope's outputs: each document flattened
// (field values drawn from stored data) with the evidence embedded and
// sealed; the certificate of completion, sealed; the combined PDF of both,
// sealed; and the evidence JSON. Then, in one transaction, it records them,
// audits them and schedules the completion emails. Running it twice is
// harmless: outputs are overwritten and a finished envelope is left alone.
// The transaction that records the results also ends j, the job that asked
// for them (FinishClaimedJob), rather than leaving that to one of the
// runner's own.
func (s *Service) finalize(ctx context.Context, j *Job, envelopeID string) error {
	in, err := s.loadFinalInputs(ctx, envelopeID)
	if err != nil || in == nil {
		return err
	}
	w := &finalWork{s: s, in: in, now: s.now(), scratch: newScratchSpace(s)}
	defer w.cleanup()
	if err := w.produce(ctx); err != nil {
		return fmt.Errorf("finalize %s: %w", envelopeID, err)
	}
	failpoint("finalize.rendered")
	err = s.inTxEndingJob(ctx, j, func(ctx context.Context, tx Tx) error {
		return s.recordResults(ctx, tx, envelopeID, in.d.Documents, w.files)
	})
	if err == nil {
		s.wake()
	}
	return err
}

// loadFinalInputs reads the envelope; nil when there is nothing to do.
func (s *Service) loadFinalInputs(ctx context.Context, envelopeID string) (*finalInputs, error) {
	in := &finalInputs{}
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		r, err := tx.EnvelopeRecord(ctx, envelopeID)
		if err != nil {
			return err
		}
		in.d = &EnvelopeDetail{Envelope: r.Envelope, EnvelopeContents: r.EnvelopeContents}
		in.sigs, in.events, in.owner, in.org = r.Signatures, r.Audit, r.Owner, r.Org
		return nil
	})
	if err != nil {
		return nil, err
	}
	if e := in.d.Envelope; e.Status != StatusCompleted || e.ResultStatus == ResultReady {
		return nil, nil
	}
	return in, nil
}

func (s *Service) recordResults(ctx context.Context, tx Tx, envelopeID string, docs []*Document, files []*ResultFile) error {
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
		data["document."+doc.ID+".sealed_sha256"] = doc.ResultSHA256
	}
	for _, f := range files {
		f.CreatedAt = tx.Now()
		if err := tx.SaveResultFile(ctx, f); err != nil {
			return err
		}
		data[f.Part+".sha256"] = f.SHA256
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
		if err := mailRecipient(ctx, tx, e, MailCompleted, r); err != nil {
			return err
		}
	}
	return enqueueMail(ctx, tx, e, MailCompleted, "")
}

// ScratchBlobs is implemented by blob stores that can keep a file more
// cheaply when it need not survive a crash, such as without fsyncs.
// Finalize writes its intermediate files (under work/) with it when they
// are too large to keep in memory (scratchSpace): each is
// read back at once and deleted when finalize ends, and a finalize that
// crashed runs again from the start and writes them anew, so making them
// durable buys nothing. With a store that lacks it they go through Put.
type ScratchBlobs interface {
	// PutScratch stores r under key like Put; after a crash the blob may
	// be missing, empty or partial.
	PutScratch(ctx context.Context, key string, r io.Reader) (BlobInfo, error)
}

// EmbeddingMerger is implemented by Mergers that can embed files in the
// merged document as they write it, as Stamper.Stamp embeds them: finalize
// then writes the combined document once, where it would merge, read the
// result back and write it again to embed the evidence.
type EmbeddingMerger interface {
	MergeEmbedding(ctx context.Context, srcs []io.ReadSeeker, files []EmbeddedFile, w io.Writer) error
}

// putFunc stores a blob: Blobs.Put or ScratchBlobs.PutScratch.
type putFunc func(ctx context.Context, key string, r io.Reader) (BlobInfo, error)

// writeBlob streams what produce writes into a new blob at key.
func (s *Service) writeBlob(ctx context.Context, key string, produce func(w io.Writer) error) (BlobInfo, error) {
	return streamBlob(ctx, s.Blobs.Put, key, produce)
}

func streamBlob(ctx context.Context, put putFunc, key string, produce func(w io.Writer) error) (BlobInfo, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(produce(pw)) }()
	info, err := put(ctx, key, pr)
	pr.CloseWithError(err) // unblocks the producer if Put gave up early
	if err != nil {
		return BlobInfo{}, fmt.Errorf("write %s: %w", key, err)
	}
	return info, nil
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
			png, err := s.signatureImage(ctx, sig)
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
