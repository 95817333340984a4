package esign_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// embeddedEnvelope sends an envelope with an embedded signer and a signer
// who gets email, both at routing order 1, and returns it with the embedded
// signer's id and each signer's signature field.
func embeddedEnvelope(h *harness, p *esign.Principal) (*esign.EnvelopeDetail, string, map[string]*esign.Field) {
	h.t.Helper()
	ctx := context.Background()
	d, doc := h.draft(p, 1)
	fields := map[string]*esign.Field{}
	var embeddedID string
	for _, in := range []esign.RecipientInput{
		{Name: "Emma Embedded", Email: "emma@example.com", Embedded: true},
		{Name: "Mia Mail", Email: "mia@example.com"},
	} {
		r, err := h.svc.AddRecipient(ctx, p, d.Envelope.ID, in)
		must(h.t, err)
		if r.Embedded != in.Embedded {
			h.t.Fatalf("%s: embedded = %v, want %v", in.Email, r.Embedded, in.Embedded)
		}
		if in.Embedded {
			embeddedID = r.ID
		}
		fields[in.Email] = h.signatureField(p, d.Envelope.ID, doc.ID, r.ID)
	}
	d, err := h.svc.Send(ctx, p, d.Envelope.ID)
	must(h.t, err)
	h.drain()
	return d, embeddedID, fields
}

// TestEmbeddedRecipientGetsNoEmail: an embedded recipient takes part in
// routing and signs through signing URLs, but GSign emails it nothing: no
// request, no copy of the result, no notice of a void. The other recipient
// and the sender are emailed as usual.
func TestEmbeddedRecipientGetsNoEmail(t *testing.T) {
	ctx := context.Background()
	t.Run("completed", func(t *testing.T) {
		h := newHarness(t)
		p := h.register("sender@example.com")
		d, rid, fields := embeddedEnvelope(h, p)
		for _, r := range d.Recipients {
			if r.Status != esign.RecipientSent {
				t.Fatalf("%s: status %s after send, want sent", r.Email, r.Status)
			}
		}
		u, err := h.svc.SigningURL(ctx, p, d.Envelope.ID, rid, esign.SigningURLOptions{})
		must(t, err)
		v, err := h.svc.OpenSigning(ctx, u[strings.LastIndex(u, "/")+1:])
		must(t, err)
		h.signTyped(v.SessionToken, fields["emma@example.com"].ID, "Emma")
		h.drain() // the sender hears that Emma finished
		h.signTyped(h.openAs("mia@example.com"), fields["mia@example.com"].ID, "Mia")
		h.drain()
		got, err := h.svc.GetEnvelope(ctx, p, d.Envelope.ID)
		must(t, err)
		if got.Envelope.Status != esign.StatusCompleted || got.Envelope.ResultStatus != esign.ResultReady {
			t.Fatalf("envelope %s, result %s; want completed and ready", got.Envelope.Status, got.Envelope.ResultStatus)
		}
		wantMail(t, h, "emma@example.com")
		wantMail(t, h, "mia@example.com", esign.MailSignRequest, esign.MailCompleted)
		wantMail(t, h, "sender@example.com", esign.MailRecipientCompleted, esign.MailCompleted)
	})
	t.Run("voided", func(t *testing.T) {
		h := newHarness(t)
		p := h.register("sender@example.com")
		d, _, _ := embeddedEnvelope(h, p)
		_, err := h.svc.Void(ctx, p, d.Envelope.ID, "wrong tenant")
		must(t, err)
		h.drain()
		wantMail(t, h, "emma@example.com")
		wantMail(t, h, "mia@example.com", esign.MailSignRequest, esign.MailVoided)
	})
}

// wantMail checks the kinds of the emails sent to addr, in order, by their
// subjects.
func wantMail(t *testing.T, h *harness, addr string, kinds ...string) {
	t.Helper()
	prefix := map[string]string{esign.MailSignRequest: "Please sign", esign.MailCompleted: "Completed", esign.MailVoided: "Voided",
		esign.MailRecipientCompleted: "Emma Embedded finished: "}
	got := h.mail.To(addr)
	if len(got) != len(kinds) {
		t.Fatalf("%s got %d emails, want %d (%v)", addr, len(got), len(kinds), kinds)
	}
	for i, k := range kinds {
		if !strings.HasPrefix(got[i].Subject, prefix[k]) {
			t.Errorf("%s email %d: subject %q, want a %s email", addr, i, got[i].Subject, k)
		}
	}
}
