package certificate

import (
	"bytes"
	"context"
	"testing"

	"github.com/gsign/gsign/internal/cpumeter"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pdf"
	"github.com/gsign/gsign/internal/pdf/sigfont"
)

// BenchmarkCertificate renders the certificate of an envelope with three
// signers who typed their signatures, as the envelope throughput
// benchmark (docs/benchmarks.md) completes them, reporting also the
// certificate's size (pdf-B/op). Every op draws the same glyphs, as the
// throughput benchmark's envelopes mostly do.
func BenchmarkCertificate(b *testing.B) {
	benchCertificate(b, func(*esign.Certificate, int) {})
}

// BenchmarkCertificateNewGlyphs is BenchmarkCertificate with the first
// signer's name and the envelope's name ending in a letter of Latin
// Extended-A that changes with every op, so that each op embeds font
// subsets that the last 127 ops did not: the cost of a certificate whose
// names draw glyphs no recent one drew.
func BenchmarkCertificateNewGlyphs(b *testing.B) {
	var name, envelope string
	benchCertificate(b, func(c *esign.Certificate, i int) {
		if name == "" {
			name, envelope = c.Recipients[0].Name, c.EnvelopeName
		}
		letter := string(rune(0x100 + i%128))
		c.Recipients[0].Name, c.EnvelopeName = name+" "+letter, envelope+" "+letter
	})
}

// benchCertificate renders the sample certificate with typed signatures,
// changed by vary before each op.
func benchCertificate(b *testing.B, vary func(c *esign.Certificate, op int)) {
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
	op := 0
	for b.Loop() {
		vary(c, op)
		op++
		out.Reset()
		if err := (&Renderer{}).RenderCertificate(context.Background(), c, &out); err != nil {
			b.Fatal(err)
		}
	}
	stop()
	b.ReportMetric(float64(out.Len()), "pdf-B/op")
}
