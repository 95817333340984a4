package pdf

import (
	"bytes"
	"context"
	"errors"
	"math"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// FuzzInspect feeds Inspect hostile bytes. Whatever the input, Inspect must
// not panic and must either describe at least one sensible page or refuse
// the file with one of the three documented codes. `go test` runs the seed
// corpus; `go test -fuzz=FuzzInspect ./internal/pdf/` explores further.
func FuzzInspect(f *testing.F) {
	valid := testDoc{pages: []testPage{
		{entries: letter, content: label("one")},
		{entries: "/MediaBox [0 0 400 300] /CropBox [50 20 350 280] /Rotate 90", content: label("two")},
	}}.build()
	seeds := [][]byte{
		valid,
		rewritten(f, valid),
		encrypted(f, valid, "", true, 256),
		valid[:len(valid)/2],
		onePage("/MediaBox [0 0 0 0]"),
		onePage("/MediaBox [0 0 1e400 5]"),
		onePage("/MediaBox [0 0 612]"),
		onePage("/MediaBox (not a box)"),
		testDoc{pagesEntries: "/Kids [2 0 R]", pages: []testPage{{entries: letter}}}.build(),
		writeObjects([]string{"<< /Type /Catalog /Pages 1 0 R >>"}),
		[]byte("%PDF-1.7\nstartxref\n0\n%%EOF"),
		[]byte("%PDF-"),
		nil,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := (&Inspector{}).Inspect(context.Background(), bytes.NewReader(data))
		if err != nil {
			var e *esign.Error
			if !errors.As(err, &e) || e.Kind != esign.KindInvalid {
				t.Fatalf("got %v (%T), want an *esign.Error of KindInvalid", err, err)
			}
			switch e.Code {
			case esign.CodeInvalidPDF, esign.CodePDFEncrypted, esign.CodePDFTruncated:
			default:
				t.Fatalf("unexpected code %s: %v", e.Code, err)
			}
			return
		}
		if len(info.Pages) == 0 {
			t.Fatal("no error, yet no pages")
		}
		for i, p := range info.Pages {
			if !(p.Width > 0 && p.Height > 0) || math.IsInf(p.Width, 0) || math.IsInf(p.Height, 0) {
				t.Fatalf("page %d has size %v×%v", i+1, p.Width, p.Height)
			}
		}
	})
}
