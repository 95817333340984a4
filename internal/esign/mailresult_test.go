package esign_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/jobs"
)

// TestCompletedMailAttachesResult: the owner's completed email carries the
// sealed combined PDF, byte for byte as the blob store holds it, and its
// job reads what it composes and attaches in one read transaction (and
// writes only its claim and its audit record with its end).
func TestCompletedMailAttachesResult(t *testing.T) {
	h := newHarness(t)
	envelopeID := h.completedEnvelope(h.register("owner@example.com"))
	cs := h.counted()
	h.enqueueMailJob("mail:completed:again", envelopeID, esign.MailCompleted, "", "")
	views, writes := cs.views.Load(), cs.writes.Load()
	out, err := h.runner.RunByID(context.Background(), "mail:completed:again")
	must(t, err)
	if out.Result != jobs.Done {
		t.Fatalf("job: %s, want done", out.Result)
	}
	if v, w := cs.views.Load()-views, cs.writes.Load()-writes; v != 1 || w != 2 {
		t.Errorf("%d read and %d write transactions, want 1 and 2", v, w)
	}
	sent := h.mail.Sent()
	m := sent[len(sent)-1]
	if m.ID != "mail:completed:again" || len(m.Attachments) != 1 || m.Attachments[0].ContentType != "application/pdf" {
		t.Fatalf("email %s with %d attachments, want the completed one with the PDF", m.ID, len(m.Attachments))
	}
	if want := h.combinedBlob(envelopeID); !bytes.Equal(m.Attachments[0].Data, want) {
		t.Fatalf("attachment of %d bytes differs from the combined PDF's %d", len(m.Attachments[0].Data), len(want))
	}
}

// combinedKey returns the blob key of the envelope's combined result file.
func (h *harness) combinedKey(envelopeID string) (key string) {
	h.t.Helper()
	must(h.t, h.db.View(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		files, err := tx.ResultFiles(ctx, envelopeID)
		for _, f := range files {
			if f.Part == esign.PartCombined {
				key = f.BlobKey
			}
		}
		return err
	}))
	return key
}

// combinedBlob returns the bytes of the envelope's combined result file.
func (h *harness) combinedBlob(envelopeID string) []byte {
	h.t.Helper()
	r, err := h.blobs.Open(context.Background(), h.combinedKey(envelopeID))
	must(h.t, err)
	defer r.Close()
	data, err := io.ReadAll(r)
	must(h.t, err)
	return data
}

// TestCompletedMailMissingResult: when the combined PDF's blob is missing,
// the completed email is not sent without it: its job fails with an error
// naming the blob and waits to retry, sending nothing and recording
// nothing.
func TestCompletedMailMissingResult(t *testing.T) {
	h := newHarness(t)
	envelopeID := h.completedEnvelope(h.register("owner@example.com"))
	ctx := context.Background()
	key := h.combinedKey(envelopeID)
	must(t, h.blobs.Delete(ctx, key))
	sent, notified := len(h.mail.Sent()), h.notified(envelopeID)
	h.enqueueMailJob("mail:completed:again", envelopeID, esign.MailCompleted, "", "")
	out, err := h.runner.RunByID(ctx, "mail:completed:again")
	must(t, err)
	if j := h.job("mail:completed:again"); out.Result != jobs.Retry || !strings.Contains(j.LastError, key) {
		t.Fatalf("job: %s, last error %q; want a retry naming %s", out.Result, j.LastError, key)
	}
	if len(h.mail.Sent()) != sent || h.notified(envelopeID) != notified {
		t.Fatal("an email was sent or recorded without its results")
	}
}
