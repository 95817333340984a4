package certificate

import (
	"bytes"
	"context"
	"testing"

	"github.com/gsign/gsign/internal/cpumeter"
	"github.com/gsign/gsign/internal/pdf"
	"github.com/gsign/gsign/internal/pdf/sigfont"
)

// BenchmarkCertificate renders the certificate of an envelope with three
// signers who typed their signatures, as the envelope throughput
// benchmark (docs/benchmarks.md) completes them, reporting also the
// certificate's size (pdf-B/op).
func BenchmarkCertificate(b *testing.B) {
	c := sample(b)
	for i, name := range []string{"Alice Example", "Bob Q. Signer", "Carol Lindqvist-Øberg"} {
		png, err := (pdf.SignatureRenderer{}).RenderTyped(name, sigfont.Default)
		if err != nil {
			b.Fatal(err)
		}
		c.Recipients[i].SignaturePNG = png
	}
	b.ReportAllocs()
	stop := cpumeter.Start(b)
	var out bytes.Buffer
	for b.Loop() {
		out.Reset()
		if err := (&Renderer{}).RenderCertificate(context.Background(), c, &out); err != nil {
			b.Fatal(err)
		}
	}
	stop()
	b.ReportMetric(float64(out.Len()), "pdf-B/op")
}
