package esign

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"time"
)

// Severity grades an fsck finding.
type Severity string

// Severities. Only errors make gsign fsck exit non-zero.
const (
	SevError   Severity = "error"
	SevWarning Severity = "warning"
)

// Finding is one inconsistency fsck found.
type Finding struct {
	Severity   Severity
	EnvelopeID string
	Message    string
}

// FsckStats counts what fsck looked at.
type FsckStats struct {
	Envelopes int
	Blobs     int
	Jobs      int
}

// Fsck checks that the database, the blobs and the audit chains agree. It
// calls report for each finding and returns what it checked.
func (s *Service) Fsck(ctx context.Context, report func(Finding)) (FsckStats, error) {
	var st FsckStats
	referenced := map[string]bool{}
	err := s.eachEnvelope(ctx, "", func(ctx context.Context, tx Tx, e *Envelope) error {
		st.Envelopes++
		return s.fsckEnvelope(ctx, tx, e, referenced, report)
	})
	if err != nil {
		return st, err
	}
	if err := s.fsckOrphans(ctx, referenced, &st, report); err != nil {
		return st, err
	}
	return st, s.fsckJobs(ctx, &st, report)
}

func (s *Service) fsckEnvelope(ctx context.Context, tx Tx, e *Envelope, referenced map[string]bool, report func(Finding)) error {
	bad := func(sev Severity, format string, args ...any) {
		report(Finding{Severity: sev, EnvelopeID: e.ID, Message: fmt.Sprintf(format, args...)})
	}
	rep, err := auditReport(ctx, tx, e)
	if err != nil {
		return err
	}
	if !rep.Verified {
		bad(SevError, "audit chain broken at event %d: %s", rep.Problem.Seq, rep.Problem.Reason)
	}
	d, err := loadDetail(ctx, tx, e)
	if err != nil {
		return err
	}
	sigs, err := tx.SignaturesByEnvelope(ctx, e.ID)
	if err != nil {
		return err
	}
	for _, doc := range d.Documents {
		referenced[doc.BlobKey] = true
		s.fsckBlob(ctx, doc.BlobKey, doc.SHA256, doc.Size, bad)
		if doc.ResultKey != "" {
			referenced[doc.ResultKey] = true
			s.fsckBlob(ctx, doc.ResultKey, doc.ResultSHA256, doc.ResultSize, bad)
		}
	}
	for _, sig := range sigs {
		s.fsckSignature(ctx, sig, referenced, bad)
	}
	files, err := tx.ResultFiles(ctx, e.ID)
	if err != nil {
		return err
	}
	for _, f := range files {
		referenced[f.BlobKey] = true
		s.fsckBlob(ctx, f.BlobKey, f.SHA256, f.Size, bad)
	}
	if e.ResultStatus == ResultReady && len(files) != 3 {
		bad(SevError, "result is ready but %d of the 3 envelope outputs (certificate, combined, evidence) are recorded", len(files))
	}
	checkInvariants(d, sigs, tx.Now(), bad)
	return nil
}

// fsckBlob checks that a blob exists with the recorded size and hash.
func (s *Service) fsckBlob(ctx context.Context, key, sum string, size int64, bad func(Severity, string, ...any)) {
	f, err := s.Blobs.Open(ctx, key)
	if err != nil {
		bad(SevError, "blob %s: %v", key, err)
		return
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	switch {
	case err != nil:
		bad(SevError, "blob %s: read: %v", key, err)
	case size >= 0 && n != size:
		bad(SevError, "blob %s: size %d, recorded %d", key, n, size)
	case hex.EncodeToString(h.Sum(nil)) != sum:
		bad(SevError, "blob %s: SHA-256 differs from the recorded one: the file was altered", key)
	}
}

// fsckSignature checks that a signature has its image with the recorded
// SHA-256: in its row, or for one captured before images moved into the
// database, in its blob.
func (s *Service) fsckSignature(ctx context.Context, sig *Signature, referenced map[string]bool, bad func(Severity, string, ...any)) {
	if sig.BlobKey != "" {
		referenced[sig.BlobKey] = true
	}
	switch {
	case len(sig.Image) > 0:
		if sum := sha256.Sum256(sig.Image); hex.EncodeToString(sum[:]) != sig.SHA256 {
			bad(SevError, "signature %s: the image's SHA-256 differs from the recorded one: the image was altered", sig.ID)
		}
	case sig.BlobKey != "":
		s.fsckBlob(ctx, sig.BlobKey, sig.SHA256, -1, bad)
	default:
		bad(SevError, "signature %s has no image (neither in its row nor a blob)", sig.ID)
	}
}

// checkInvariants checks that the envelope's status agrees with its parts.
func checkInvariants(d *EnvelopeDetail, sigs []*Signature, now time.Time, bad func(Severity, string, ...any)) {
	e := d.Envelope
	if !e.Status.Valid() {
		bad(SevError, "unknown status %q", e.Status)
	}
	for _, r := range d.Recipients {
		switch {
		case e.Status == StatusDraft && r.Status != RecipientCreated:
			bad(SevError, "draft envelope has recipient %s in status %s", r.ID, r.Status)
		case e.Status == StatusCompleted && r.Status != RecipientCompleted:
			bad(SevError, "completed envelope has recipient %s in status %s", r.ID, r.Status)
		}
	}
	sigByID := map[string]bool{}
	for _, s := range sigs {
		sigByID[s.ID] = true
	}
	for _, f := range d.Fields {
		if f.SignatureID != "" && !sigByID[f.SignatureID] {
			bad(SevError, "field %s refers to missing signature %s", f.ID, f.SignatureID)
		}
		if e.Status == StatusCompleted && f.Required && !f.Filled() {
			bad(SevError, "completed envelope has unfilled required field %s", f.ID)
		}
	}
	checkResult(e, now, bad)
}

func checkResult(e *Envelope, now time.Time, bad func(Severity, string, ...any)) {
	switch {
	case e.Status == StatusCompleted && e.ResultStatus == ResultFailed:
		bad(SevError, "producing the completed documents failed: %s", e.ResultError)
	case e.Status == StatusCompleted && e.ResultStatus == ResultPending && e.CompletedAt != nil && now.Sub(*e.CompletedAt) > time.Hour:
		bad(SevWarning, "completed %s ago and its documents are still not produced", now.Sub(*e.CompletedAt).Round(time.Minute))
	case e.Status != StatusCompleted && e.ResultStatus != ResultNone:
		bad(SevError, "envelope is %s but has result status %s", e.Status, e.ResultStatus)
	}
}

// fsckOrphans reports blobs no row refers to (left by a crash between the
// blob write and its transaction). They are harmless; a warning.
func (s *Service) fsckOrphans(ctx context.Context, referenced map[string]bool, st *FsckStats, report func(Finding)) error {
	for _, prefix := range []string{"documents/", "results/", "signatures/"} {
		err := s.Blobs.List(ctx, prefix, func(b BlobInfo) error {
			st.Blobs++
			if !referenced[b.Key] {
				report(Finding{Severity: SevWarning, Message: "orphan blob " + b.Key + " (no row refers to it)"})
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// fsckJobs reports dead-lettered jobs: work that GSign gave up on. A dead
// webhook delivery is only a warning: its receiver was down for days, which
// says nothing about GSign's own data.
func (s *Service) fsckJobs(ctx context.Context, st *FsckStats, report func(Finding)) error {
	return s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		dead, err := tx.JobsByStatus(ctx, JobDead, 1000)
		for _, j := range dead {
			st.Jobs++
			sev := SevError
			if j.Kind == JobWebhook {
				sev = SevWarning
			}
			report(Finding{Severity: sev, Message: fmt.Sprintf("job %s (%s) is dead after %d attempts: %s", j.ID, j.Kind, j.Attempts, j.LastError)})
		}
		return err
	})
}
