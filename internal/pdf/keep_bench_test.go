package pdf_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/gsign/gsign/internal/cpumeter"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pdf"
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

// combineKept is finalize's third step with a KeptMerger: the kept
// document and the certificate, which is read, merged.
func (in *finalizeInputs) combineKept(b *testing.B, flat []byte, kept esign.KeptPDF, cert []byte) []byte {
	var out bytes.Buffer
	parts := []esign.MergePart{{Src: bytes.NewReader(flat), Kept: kept}, {Src: bytes.NewReader(cert)}}
	if err := (&pdf.Merger{}).MergeKept(context.Background(), parts, in.files, &out); err != nil {
		b.Fatal(err)
	}
	return out.Bytes()
}

// BenchmarkMergeKept is BenchmarkMergeEmbedding from a kept document: the
// StampKept that makes it runs with the timer stopped, so ns/op, B/op and
// allocs/op are the merge's alone. It reports no cpu-ns/op, which would
// include the stamping; BenchmarkFinalizePDFKept has that.
func BenchmarkMergeKept(b *testing.B) {
	in := newFinalizeInputs(b)
	cert := in.certificate(b)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		flat, kept := in.flattenKept(b)
		b.StartTimer()
		in.combineKept(b, flat, kept, cert)
	}
}

// BenchmarkFinalizePDFKept is BenchmarkFinalizePDF with the stamper
// keeping the flattened document and the merger starting from it, as
// finalize does with GSign's own Stamper and Merger.
func BenchmarkFinalizePDFKept(b *testing.B) {
	in := newFinalizeInputs(b)
	b.ReportAllocs()
	stop := cpumeter.Start(b)
	for b.Loop() {
		flat, kept := in.flattenKept(b)
		in.combineKept(b, flat, kept, in.certificate(b))
	}
	stop()
}
