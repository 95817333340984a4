package pdf_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/cpumeter"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
	"github.com/gsign/gsign/internal/pdf"
	"github.com/gsign/gsign/internal/pdf/certificate"
	"github.com/gsign/gsign/internal/pdf/sigfont"
)

// finalizeInputs is what finalize hands the PDF code for the envelope of
// the throughput benchmark (docs/benchmarks.md): a two-page document, three
// signers who typed their signatures, and the evidence JSON.
type finalizeInputs struct {
	original []byte
	stamps   []esign.Stamp
	cert     *esign.Certificate
	files    []esign.EmbeddedFile
}

func newFinalizeInputs(b *testing.B) *finalizeInputs {
	names := []string{"Alice Example", "Bob Q. Signer", "Carol Lindqvist-Øberg"}
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	in := &finalizeInputs{original: esigntest.PDF(2, 612, 792), cert: &esign.Certificate{
		EnvelopeID: "env_bench", EnvelopeName: "Lease", Status: "completed", SenderName: "Sender",
		SenderEmail: "sender@example.com", Organization: "Acme", CreatedAt: now, SentAt: &now, CompletedAt: &now,
		AuditEvents: 14, AuditHeadHash: string(bytes.Repeat([]byte("ab"), 32)), GeneratedAt: now,
		Documents: []esign.CertificateDocument{{Name: "lease.pdf", Pages: 2,
			OriginalSHA256: string(bytes.Repeat([]byte("cd"), 32)), SealedSHA256: string(bytes.Repeat([]byte("ef"), 32))}},
	}}
	for i, name := range names {
		png, err := (pdf.SignatureRenderer{}).RenderTyped(name, sigfont.Default)
		if err != nil {
			b.Fatal(err)
		}
		in.stamps = append(in.stamps, esign.Stamp{Page: 1, X: 72, Y: 600 - 60*float64(i), Width: 200, Height: 50,
			Kind: esign.StampImage, PNG: png})
		in.cert.Recipients = append(in.cert.Recipients, esign.CertificateRecipient{Name: name,
			Email: "signer@example.com", Role: "signer", RoutingOrder: 1, Status: "completed", AuthMethod: "none",
			IP: "203.0.113.7", UserAgent: "Go-http-client/1.1", SentAt: &now, ViewedAt: &now, SignedAt: &now,
			SignaturePNG: png})
	}
	evidence := bytes.Repeat([]byte(`{"seq":1,"type":"recipient.signed","hash":"0123456789abcdef0123456789abcdef"},`), 60)
	in.files = []esign.EmbeddedFile{{Name: "evidence.json", MIMEType: "application/json", Relationship: "Supplement",
		Data: evidence, ModTime: now}}
	return in
}

// flatten is finalize's first step: the document stamped, evidence embedded.
func (in *finalizeInputs) flatten(b *testing.B) []byte {
	var out bytes.Buffer
	if err := (&pdf.Stamper{}).Stamp(context.Background(), bytes.NewReader(in.original), in.stamps, in.files, &out); err != nil {
		b.Fatal(err)
	}
	return out.Bytes()
}

// certificate is finalize's second step.
func (in *finalizeInputs) certificate(b *testing.B) []byte {
	var out bytes.Buffer
	if err := (&certificate.Renderer{}).RenderCertificate(context.Background(), in.cert, &out); err != nil {
		b.Fatal(err)
	}
	return out.Bytes()
}

// combine is finalize's third step: both merged, the evidence embedded.
func (in *finalizeInputs) combine(b *testing.B, flat, cert []byte) []byte {
	var out bytes.Buffer
	srcs := []io.ReadSeeker{bytes.NewReader(flat), bytes.NewReader(cert)}
	if err := (&pdf.Merger{}).MergeEmbedding(context.Background(), srcs, in.files, &out); err != nil {
		b.Fatal(err)
	}
	return out.Bytes()
}

// BenchmarkMergeEmbedding merges a flattened document and a certificate of
// completion and embeds the evidence, as finalize makes the combined PDF.
func BenchmarkMergeEmbedding(b *testing.B) {
	in := newFinalizeInputs(b)
	flat, cert := in.flatten(b), in.certificate(b)
	b.ReportAllocs()
	stop := cpumeter.Start(b)
	for b.Loop() {
		in.combine(b, flat, cert)
	}
	stop()
}

// BenchmarkFinalizePDF is all the PDF work of finalizing a one-document
// envelope but sealing: flatten, render the certificate, combine. Sealing
// has its own benchmarks in package pades.
func BenchmarkFinalizePDF(b *testing.B) {
	in := newFinalizeInputs(b)
	b.ReportAllocs()
	stop := cpumeter.Start(b)
	for b.Loop() {
		in.combine(b, in.flatten(b), in.certificate(b))
	}
	stop()
}
