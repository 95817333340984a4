package esign_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/gsign/gsign/internal/cpumeter"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/jobs"
)

// txCounter is the real Store, counting the transactions that go
// through it: write transactions hold SQLite's one writer, so how many a
// job takes is what limits envelopes per second.
type txCounter struct {
	esign.Store
	writes, views atomic.Int64
}

// InTx counts and runs fn in the real store's write transaction.
func (c *txCounter) InTx(ctx context.Context, fn func(ctx context.Context, tx esign.Tx) error) error {
	c.writes.Add(1)
	return c.Store.InTx(ctx, fn)
}

// View counts and runs fn in the real store's read transaction.
func (c *txCounter) View(ctx context.Context, fn func(ctx context.Context, tx esign.Tx) error) error {
	c.views.Add(1)
	return c.Store.View(ctx, fn)
}

// counted puts a txCounter between h's Service and runner and the
// database.
func (h *harness) counted() *txCounter {
	cs := &txCounter{Store: h.db}
	h.svc.Store = cs
	cfg := jobs.DefaultConfig("test")
	h.runner = jobs.New(cs, h.svc.HandleJob, h.clock, h.svc.Log, cfg)
	return cs
}

// enqueueMailJob writes a mail job with the payload the domain writes for
// kind about envelopeID, to recipientID (the owner when empty), about
// aboutID (for a recipient-completed email), under a fresh id so that the
// same email can be sent again and again.
func (h *harness) enqueueMailJob(id, envelopeID, kind, recipientID, aboutID string) {
	h.t.Helper()
	payload, err := json.Marshal(map[string]string{"envelope_id": envelopeID, "kind": kind, "recipient_id": recipientID, "about_recipient_id": aboutID})
	must(h.t, err)
	err = h.db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.EnqueueJob(ctx, &esign.Job{ID: id, Kind: esign.JobMail, Payload: payload, Status: esign.JobPending,
			RunAt: tx.Now(), MaxAttempts: esign.DefaultMaxAttempts, CreatedAt: tx.Now(), UpdatedAt: tx.Now()})
		return err
	})
	must(h.t, err)
}

// halfSigned sends an envelope to two parallel signers and has the first
// finish; it returns the envelope's id and the signers' recipient ids.
func (h *harness) halfSigned(p *esign.Principal) (envelopeID, done, waiting string) {
	h.t.Helper()
	d, fields := h.sentEnvelope(p, recipientSpec{"a@example.com", esign.RoleSigner, 1}, recipientSpec{"b@example.com", esign.RoleSigner, 1})
	h.signAndFinish("a@example.com", fields["a@example.com"])
	h.drain()
	for _, r := range d.Recipients {
		if r.Email == "a@example.com" {
			done = r.ID
		} else {
			waiting = r.ID
		}
	}
	return d.Envelope.ID, done, waiting
}

// completedEnvelope sends an envelope to two parallel signers and has both
// finish, sealing it; it returns the envelope's id.
func (h *harness) completedEnvelope(p *esign.Principal) string {
	h.t.Helper()
	d, fields := h.sentEnvelope(p, recipientSpec{"a@example.com", esign.RoleSigner, 1}, recipientSpec{"b@example.com", esign.RoleSigner, 1})
	h.signAndFinish("a@example.com", fields["a@example.com"])
	h.signAndFinish("b@example.com", fields["b@example.com"])
	h.drain()
	return d.Envelope.ID
}

// attachmentMailer is a Mailer that keeps nothing, so that a benchmark
// sending thousands of completed emails does not hold their PDFs, and
// fails a send whose attachment is missing or not a PDF.
type attachmentMailer struct{ want int }

// Send checks m's attachments.
func (m attachmentMailer) Send(_ context.Context, e *esign.Email) error {
	if len(e.Attachments) != m.want || (m.want > 0 && !bytes.HasPrefix(e.Attachments[0].Data, []byte("%PDF"))) {
		return fmt.Errorf("email %s: %d attachments, want %d PDF", e.ID, len(e.Attachments), m.want)
	}
	return nil
}

// BenchmarkMailJob runs one mail job per op end to end, as a queue
// consumer does (RunByID: claim, compose, send, audit, finish), on real
// SQLite (PostgreSQL with GSIGN_TEST_POSTGRES_URL) with a mailer that
// keeps nothing: the owner's recipient-completed email, which stores
// nothing but its audit record, a sign request, which stores a fresh link
// token too, and the owner's completed email, which reads the sealed
// combined PDF to attach it, as every envelope of the throughput
// benchmark sends.
// Each op also enqueues its job, in one transaction of its own. writes/op
// counts the write transactions of the job alone:
//
//	go test -run '^$' -bench BenchmarkMailJob -benchmem -count 6 ./internal/esign
func BenchmarkMailJob(b *testing.B) {
	for _, c := range []struct{ name, kind string }{
		{"owner-recipient-completed", esign.MailRecipientCompleted},
		{"sign-request", esign.MailSignRequest},
		{"owner-completed", esign.MailCompleted},
	} {
		b.Run(c.name, func(b *testing.B) {
			h := newHarness(b)
			envelopeID, to, about := h.mailJobSubject(c.kind)
			cs := h.counted()
			ctx := context.Background()
			var writes int64
			b.ReportAllocs()
			stop := cpumeter.Start(b)
			n := 0
			for b.Loop() {
				n++
				id := fmt.Sprintf("mail:bench:%d", n)
				h.enqueueMailJob(id, envelopeID, c.kind, to, about)
				before := cs.writes.Load()
				out, err := h.runner.RunByID(ctx, id)
				must(b, err)
				if out.Result != jobs.Done {
					b.Fatalf("job %s: %s, want done", id, out.Result)
				}
				writes += cs.writes.Load() - before
			}
			stop()
			b.ReportMetric(float64(writes)/float64(n), "writes/op")
		})
	}
}

// mailJobSubject prepares an envelope for BenchmarkMailJob's email of
// kind, and returns it, the recipient the email goes to (empty: the owner)
// and the one it is about.
func (h *harness) mailJobSubject(kind string) (envelopeID, to, about string) {
	p := h.register("sender@example.com")
	if kind == esign.MailCompleted {
		envelopeID = h.completedEnvelope(p)
		h.svc.Mailer = attachmentMailer{want: 1}
		return envelopeID, "", ""
	}
	envelopeID, done, waiting := h.halfSigned(p)
	h.svc.Mailer = attachmentMailer{}
	if kind == esign.MailSignRequest {
		return envelopeID, waiting, ""
	}
	return envelopeID, "", done
}
