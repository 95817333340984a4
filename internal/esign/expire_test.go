package esign_test

import (
	"context"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// TestLinksExpireLazily: a signer acting on an envelope past its expiry
// (before the scheduler got to it) is refused with 410, and the operations
// that would change the envelope first expire it, exactly once, and tell
// the owner; reading through the link refuses without changing anything.
func TestLinksExpireLazily(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		act     func(h *harness, tok string, f *esign.Field, doc *esign.Document) error
		expires bool
	}{
		{"open", func(h *harness, tok string, f *esign.Field, doc *esign.Document) error {
			_, err := h.svc.OpenSigning(ctx, tok)
			return err
		}, true},
		{"fill", func(h *harness, tok string, f *esign.Field, doc *esign.Document) error {
			_, err := h.svc.FillField(ctx, tok, f.ID, typed("Ana"))
			return err
		}, true},
		{"complete with fields", func(h *harness, tok string, f *esign.Field, doc *esign.Document) error {
			_, err := h.svc.CompleteWithFields(ctx, tok, esign.FieldFills{f.ID: typed("Ana")})
			return err
		}, true},
		{"complete", func(h *harness, tok string, f *esign.Field, doc *esign.Document) error {
			_, err := h.svc.CompleteRecipient(ctx, tok)
			return err
		}, true},
		{"decline", func(h *harness, tok string, f *esign.Field, doc *esign.Document) error {
			return h.svc.Decline(ctx, tok, "too late")
		}, true},
		{"read a document", func(h *harness, tok string, f *esign.Field, doc *esign.Document) error {
			_, rc, err := h.svc.SigningDocument(ctx, tok, doc.ID)
			if rc != nil {
				rc.Close()
			}
			return err
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			p := h.register("sender@example.com")
			d, doc := h.draftWith(p, 1, esign.CreateEnvelopeInput{Name: "Lease", ExpiresAt: ptr(h.clock.Now().Add(24 * time.Hour))})
			id := d.Envelope.ID
			r, err := h.svc.AddRecipient(ctx, p, id, esign.RecipientInput{Name: "Ana", Email: "a@example.com", Role: "signer", RoutingOrder: 1})
			must(t, err)
			f := h.signatureField(p, id, doc.ID, r.ID)
			_, err = h.svc.Send(ctx, p, id)
			must(t, err)
			h.drain()
			tok := h.openAs("a@example.com")
			before, err := h.svc.GetEnvelope(ctx, p, id)
			must(t, err)
			h.clock.Advance(48 * time.Hour)

			err = tt.act(h, tok, f, doc)
			wantCode(t, err, esign.KindGone, esign.CodeLinkGone)
			// Again: refused the same way, and never expired twice.
			err = tt.act(h, tok, f, doc)
			wantCode(t, err, esign.KindGone, esign.CodeLinkGone)
			got, err := h.svc.GetEnvelope(ctx, p, id)
			must(t, err)
			want, wantAudits := before.Envelope.Status, 0
			if tt.expires {
				want, wantAudits = esign.StatusExpired, 1
			}
			if got.Envelope.Status != want {
				t.Fatalf("status %s, want %s", got.Envelope.Status, want)
			}
			if n := countAudit(t, h, p, id, esign.AuditExpired); n != wantAudits {
				t.Fatalf("%d expired events, want %d", n, wantAudits)
			}
			if got.Fields[0].Filled() {
				t.Fatal("a refused signer filled a field")
			}
			// The scheduler finds it due later, or already done.
			n, err := h.svc.ExpireDue(ctx)
			must(t, err)
			if tt.expires == (n != 0) {
				t.Fatalf("ExpireDue expired %d envelopes afterwards", n)
			}
		})
	}
}
