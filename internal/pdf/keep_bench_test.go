package pdf_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/gsign/gsign/internal/cpumeter"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pdf"
	"github.com/gsign/gsign/internal/pdf/certificate"
)

// flattenKept is finalize's first step with a KeepingStamper: the written
// document, and the document kept for the merge.
func (in *finalizeInputs) flattenKept(b *testing.B) ([]byte, esign.KeptPDF) {
	var out bytes.Buffer
	kept, err := (&pdf.Stamper{}).StampKept(context.Background(), bytes.NewReader(in.original), in.stamps, in.files, &out)
	if err != nil {
		b.Fatal(err)
	}
	return out.Bytes(), kept
}

// certificateKept is finalize's second step with a
// KeepingCertificateRenderer: the certificate as written, and kept.
func (in *finalizeInputs) certificateKept(b *testing.B) esign.MergePart {
	var out bytes.Buffer
	kept, err := (&certificate.Renderer{}).RenderCertificateKept(context.Background(), in.cert, &out)
	if err != nil {
		b.Fatal(err)
	}
	return esign.MergePart{Src: bytes.NewReader(out.Bytes()), Kept: kept}
}

// combineKept is finalize's third step with a KeptMerger: the kept
// document and the certificate, read or kept, merged.
func (in *finalizeInputs) combineKept(b *testing.B, flat []byte, kept esign.KeptPDF, cert esign.MergePart) []byte {
	var out bytes.Buffer
	parts := []esign.MergePart{{Src: bytes.NewReader(flat), Kept: kept}, cert}
	if err := (&pdf.Merger{}).MergeKept(context.Background(), parts, in.files, &out); err != nil {
		b.Fatal(err)
	}
	return out.Bytes()
}

// BenchmarkMergeKept is BenchmarkMergeEmbedding from a kept document and
// the certificate's file: the StampKept that makes the document runs with
// the timer stopped, so ns/op, B/op and allocs/op are the merge's alone.
// It reports no cpu-ns/op, which would include the stamping;
// BenchmarkFinalizePDFKept has that.
func BenchmarkMergeKept(b *testing.B) {
	in := newFinalizeInputs(b)
	cert := in.certificate(b)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		flat, kept := in.flattenKept(b)
		b.StartTimer()
		in.combineKept(b, flat, kept, esign.MergePart{Src: bytes.NewReader(cert)})
	}
}

// BenchmarkMergeKeptCertificate is BenchmarkMergeKept with the
// certificate kept too, as finalize merges them: the difference is what
// reading the certificate's file cost. A kept certificate is not used up,
// so one serves every merge.
func BenchmarkMergeKeptCertificate(b *testing.B) {
	in := newFinalizeInputs(b)
	cert := in.certificateKept(b)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		flat, kept := in.flattenKept(b)
		b.StartTimer()
		in.combineKept(b, flat, kept, cert)
	}
}

// BenchmarkFinalizePDFKept is BenchmarkFinalizePDF with the stamper
// keeping the flattened document and the certificate renderer the
// certificate, and the merger starting from them, as finalize does with
// GSign's own Stamper, CertificateRenderer and Merger.
func BenchmarkFinalizePDFKept(b *testing.B) {
	in := newFinalizeInputs(b)
	b.ReportAllocs()
	stop := cpumeter.Start(b)
	for b.Loop() {
		flat, kept := in.flattenKept(b)
		in.combineKept(b, flat, kept, in.certificateKept(b))
	}
	stop()
}
