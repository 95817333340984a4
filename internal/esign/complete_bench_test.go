package esign_test

import (
	"context"
	"testing"

	"github.com/gsign/gsign/internal/blob"
	"github.com/gsign/gsign/internal/cpumeter"
	"github.com/gsign/gsign/internal/esign"
)

// BenchmarkFinishSigner: the cost of a signer's last steps, a typed
// signature and a text field then completing, as three transactions
// (fill, fill, complete) or as one (CompleteWithFields). Envelopes are
// prepared, sent and opened before the clock starts; the jobs the
// completions enqueue are not run. Fix the op count, since each op needs
// its own envelope:
//
//	go test -run '^$' -bench BenchmarkFinishSigner -benchtime 200x -count 6 ./internal/esign
func BenchmarkFinishSigner(b *testing.B) {
	oneRequest := func(h *harness, s *openSigner) {
		_, err := h.svc.CompleteWithFields(context.Background(), s.token, esign.FieldFills{
			s.sig: typed("Ana Signer"), s.text: {Value: &s.value}})
		must(b, err)
	}
	for _, c := range []struct {
		name   string
		finish func(h *harness, s *openSigner)
		disk   bool // the disk blob store the server uses, not the in-memory one
	}{
		{"one-by-one", func(h *harness, s *openSigner) {
			ctx := context.Background()
			_, err := h.svc.FillField(ctx, s.token, s.sig, typed("Ana Signer"))
			must(b, err)
			_, err = h.svc.FillField(ctx, s.token, s.text, esign.FieldValueInput{Value: &s.value})
			must(b, err)
			_, err = h.svc.CompleteRecipient(ctx, s.token)
			must(b, err)
		}, false},
		{"one-request", oneRequest, false},
		// On disk a blob costs a file create, fsyncs and a rename that the
		// in-memory store hides: where signature images go shows here.
		{"one-request-disk", oneRequest, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			h := newHarness(b)
			if c.disk {
				disk, err := blob.NewDisk(b.TempDir())
				must(b, err)
				h.svc.Blobs = disk
			}
			p := h.register("sender@example.com")
			open := make([]*openSigner, b.N)
			for i := range open {
				open[i] = h.openSigner(p)
			}
			b.ReportAllocs()
			b.ResetTimer()
			stop := cpumeter.Start(b)
			for i := range b.N {
				c.finish(h, open[i])
			}
			stop()
		})
	}
}

// openSigner is a sent envelope's one signer, who opened it.
type openSigner struct {
	token, sig, text, value string
}

func (h *harness) openSigner(p *esign.Principal) *openSigner {
	h.t.Helper()
	ctx := context.Background()
	d, doc := h.draft(p, 1)
	r, err := h.svc.AddRecipient(ctx, p, d.Envelope.ID, esign.RecipientInput{Name: "Ana Signer", Email: "ana@example.com", Role: "signer", RoutingOrder: 1})
	must(h.t, err)
	sig := h.signatureField(p, d.Envelope.ID, doc.ID, r.ID)
	text, err := h.svc.AddField(ctx, p, d.Envelope.ID, esign.FieldInput{DocumentID: doc.ID, RecipientID: r.ID, Type: "text", Page: 1, X: 72, Y: 500, Width: 200, Height: 30})
	must(h.t, err)
	_, err = h.svc.Send(ctx, p, d.Envelope.ID)
	must(h.t, err)
	h.drain()
	return &openSigner{token: h.openAs("ana@example.com"), sig: sig.ID, text: text.ID, value: "Apartment 4B"}
}
