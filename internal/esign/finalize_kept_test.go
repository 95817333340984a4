package esign_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"io"
	"slices"
	"sync"
	"testing"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
	"github.com/gsign/gsign/internal/pdf"
	"github.com/gsign/gsign/internal/pdf/pades"
	"github.com/gsign/gsign/internal/pki/pkitest"
)

// keptRecorder is the Merger it wraps, a KeptMerger, recording for each
// MergeKept which parts came with a kept document.
type keptRecorder struct {
	esign.Merger
	mu    sync.Mutex
	calls [][]bool
}

func (r *keptRecorder) MergeKept(ctx context.Context, parts []esign.MergePart, files []esign.EmbeddedFile, w io.Writer) error {
	kept := make([]bool, len(parts))
	for i, p := range parts {
		kept[i] = p.Kept != nil
	}
	r.mu.Lock()
	r.calls = append(r.calls, kept)
	r.mu.Unlock()
	return r.Merger.(esign.KeptMerger).MergeKept(ctx, parts, files, w)
}

// plainStamper hides the keeping of the Stamper it wraps.
type plainStamper struct{ esign.Stamper }

// plainCertificates hides the keeping of the CertificateRenderer it wraps.
type plainCertificates struct{ esign.CertificateRenderer }

// embeddingMerger offers of the Merger it wraps only MergeEmbedding.
type embeddingMerger struct{ esign.Merger }

func (m embeddingMerger) MergeEmbedding(ctx context.Context, srcs []io.ReadSeeker, files []esign.EmbeddedFile, w io.Writer) error {
	return m.Merger.(esign.EmbeddingMerger).MergeEmbedding(ctx, srcs, files, w)
}

// Finalize hands the Merger what the Stamper kept of each flattened
// document and what the CertificateRenderer kept of the certificate; what
// a Stamper or a renderer that keeps nothing wrote, the Merger gets as a
// file, and a Merger that cannot merge kept documents gets files only. Either way the combined PDF holds every document
// and the certificate, and its seal and evidence verify.
func TestFinalizeMergesKeptDocuments(t *testing.T) {
	same := func(s esign.Stamper) esign.Stamper { return s }
	tests := []struct {
		name     string
		stamper  func(esign.Stamper) esign.Stamper
		plain    bool   // the CertificateRenderer keeps nothing
		embedder bool   // the Merger only embeds, it does not take kept documents
		want     []bool // nil: no MergeKept
	}{
		{"keeping stamper", same, false, false, []bool{true, true, true}},
		{"plain stamper", func(s esign.Stamper) esign.Stamper { return plainStamper{s} }, false, false, []bool{false, false, true}},
		{"plain certificates", same, true, false, []bool{true, true, false}},
		{"embedding merger", same, false, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			rec := &keptRecorder{Merger: h.svc.Merger}
			h.svc.Merger, h.svc.Stamper = rec, tc.stamper(h.svc.Stamper)
			if tc.plain {
				h.svc.Certificates = plainCertificates{h.svc.Certificates}
			}
			if tc.embedder {
				h.svc.Merger = embeddingMerger{rec.Merger}
			}
			p, id := signTwoDocuments(t, h)
			if tc.want == nil && len(rec.calls) != 0 || tc.want != nil && (len(rec.calls) != 1 || !slices.Equal(rec.calls[0], tc.want)) {
				t.Fatalf("MergeKept got kept parts %v, want %v", rec.calls, tc.want)
			}
			combined := download(t, h, p, id, esign.PartCombined)
			info, err := (&pdf.Inspector{}).Inspect(context.Background(), bytes.NewReader(combined))
			must(t, err)
			cert := download(t, h, p, id, esign.PartCertificate)
			certInfo, err := (&pdf.Inspector{}).Inspect(context.Background(), bytes.NewReader(cert))
			must(t, err)
			if want := 2 + 1 + len(certInfo.Pages); len(info.Pages) != want {
				t.Errorf("the combined PDF has %d pages, want %d", len(info.Pages), want)
			}
			verifyCombined(t, h, combined)
		})
	}
}

// signTwoDocuments sends an envelope of two documents, a two-page and a
// one-page one, with a signature field on each, to one signer, who signs
// both; the result must be ready.
func signTwoDocuments(t *testing.T, h *harness) (*esign.Principal, string) {
	t.Helper()
	ctx := context.Background()
	p := h.register("sender@example.com")
	d, doc1 := h.draft(p, 2)
	doc2, err := h.svc.AddDocument(ctx, p, d.Envelope.ID, "annex.pdf", bytes.NewReader(esigntest.PDF(1, 612, 792)))
	must(t, err)
	r, err := h.svc.AddRecipient(ctx, p, d.Envelope.ID, esign.RecipientInput{Name: "Ann", Email: "a@example.com", Role: string(esign.RoleSigner), RoutingOrder: 1})
	must(t, err)
	f1 := h.signatureField(p, d.Envelope.ID, doc1.ID, r.ID)
	f2 := h.signatureField(p, d.Envelope.ID, doc2.ID, r.ID)
	_, err = h.svc.Send(ctx, p, d.Envelope.ID)
	must(t, err)
	h.drain()
	tok := h.openAs("a@example.com")
	_, err = h.svc.FillField(ctx, tok, f1.ID, typed("Ann"))
	must(t, err)
	h.signTyped(tok, f2.ID, "Ann")
	h.drain()
	got, err := h.svc.GetEnvelope(ctx, p, d.Envelope.ID)
	must(t, err)
	if got.Envelope.ResultStatus != esign.ResultReady {
		t.Fatalf("result %s, want ready", got.Envelope.ResultStatus)
	}
	return p, d.Envelope.ID
}

func download(t *testing.T, h *harness, p *esign.Principal, id, part string) []byte {
	t.Helper()
	res, err := h.svc.Download(context.Background(), p, id, part, "")
	must(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(t, err)
	return b
}

// verifyCombined checks the combined PDF's seal and embedded evidence.
func verifyCombined(t *testing.T, h *harness, combined []byte) {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(pkitest.Shared(t).Root())
	rep, err := pades.Verify(context.Background(), bytes.NewReader(combined), int64(len(combined)),
		pades.VerifyOptions{Roots: roots, Now: h.clock.Now()})
	must(t, err)
	if !rep.Valid || rep.Evidence == nil || !rep.Evidence.Present || !rep.Evidence.ChainOK {
		t.Errorf("the combined PDF does not verify: valid=%t evidence=%+v problems=%q", rep.Valid, rep.Evidence, rep.Problems)
	}
}
