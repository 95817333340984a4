package pdf

import (
	"bytes"
	"context"
	"testing"

	"github.com/gsign/gsign/internal/cpumeter"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pdf/sigfont"
)

// benchSigners are typed signatures like those of the envelope throughput
// benchmark (docs/benchmarks.md): three signers on one page.
var benchSigners = []string{"Alice Example", "Bob Q. Signer", "Carol Lindqvist-Øberg"}

// BenchmarkRenderTyped renders the three typed signatures, reporting
// also the PNGs' total size (png-B/op).
func BenchmarkRenderTyped(b *testing.B) {
	b.ReportAllocs()
	stop := cpumeter.Start(b)
	size := 0
	for b.Loop() {
		size = 0
		for _, name := range benchSigners {
			png, err := (SignatureRenderer{}).RenderTyped(name, sigfont.Default)
			if err != nil {
				b.Fatal(err)
			}
			size += len(png)
		}
	}
	stop()
	b.ReportMetric(float64(size), "png-B/op")
}

// BenchmarkStamp stamps the three typed signatures into a one-page PDF,
// as finalizing an envelope does, reporting also the stamped PDF's size
// (pdf-B/op).
func BenchmarkStamp(b *testing.B) {
	doc := onePage(letter)
	var stamps []esign.Stamp
	for i, name := range benchSigners {
		png, err := (SignatureRenderer{}).RenderTyped(name, sigfont.Default)
		if err != nil {
			b.Fatal(err)
		}
		stamps = append(stamps, esign.Stamp{Page: 1, X: 60, Y: 100 + 120*float64(i), Width: 200, Height: 60,
			Kind: esign.StampImage, PNG: png})
	}
	b.ReportAllocs()
	stop := cpumeter.Start(b)
	var out bytes.Buffer
	for b.Loop() {
		out.Reset()
		if err := (&Stamper{}).Stamp(context.Background(), bytes.NewReader(doc), stamps, nil, &out); err != nil {
			b.Fatal(err)
		}
	}
	stop()
	b.ReportMetric(float64(out.Len()), "pdf-B/op")
}
