package pdf

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pdf/certificate"
)

// stampKept runs StampKept and returns the written file and what was kept.
func stampKept(t *testing.T, pdf []byte, stamps []esign.Stamp, files ...esign.EmbeddedFile) ([]byte, esign.KeptPDF) {
	t.Helper()
	var out bytes.Buffer
	kept, err := (&Stamper{}).StampKept(context.Background(), bytes.NewReader(pdf), stamps, files, &out)
	if err != nil {
		t.Fatalf("StampKept: %v", err)
	}
	return out.Bytes(), kept
}

// mergeKept runs MergeKept and fails the test on error.
func mergeKept(t *testing.T, parts []esign.MergePart, files ...esign.EmbeddedFile) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := (&Merger{}).MergeKept(context.Background(), parts, files, &out); err != nil {
		t.Fatalf("MergeKept: %v", err)
	}
	return out.Bytes()
}

// mergeEmbedding runs MergeEmbedding and fails the test on error.
func mergeEmbedding(t *testing.T, pdfs [][]byte, files ...esign.EmbeddedFile) []byte {
	t.Helper()
	srcs := make([]io.ReadSeeker, len(pdfs))
	for i, p := range pdfs {
		srcs[i] = bytes.NewReader(p)
	}
	var out bytes.Buffer
	if err := (&Merger{}).MergeEmbedding(context.Background(), srcs, files, &out); err != nil {
		t.Fatalf("MergeEmbedding: %v", err)
	}
	return out.Bytes()
}

// linkedDoc is a page named "intro" in its /Dests name tree, with a link
// to that name: two of them merged collide on the name.
func linkedDoc(name string) []byte {
	return writeObjects([]string{
		"<< /Type /Catalog /Pages 2 0 R /Names << /Dests 5 0 R >> >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Annots [6 0 R] >>",
		"<< /Length " + strconv.Itoa(len(label(name))) + " >>\nstream\n" + label(name) + "\nendstream",
		"<< /Names [(intro) [3 0 R /Fit]] >>",
		"<< /Type /Annot /Subtype /Link /Rect [72 72 200 100] /Border [0 0 0] /Dest (intro) >>",
	})
}

// MergeKept, from kept documents, gives what MergeEmbedding gives from
// the files they were written to: the same pages, text, attachments and
// named destinations, and a file qpdf accepts. The certificate is read.
func TestMergeKeptMatchesMergeEmbedding(t *testing.T) {
	t.Parallel()
	v20 := bytes.Replace(labelled("Bravo", 1, letter), []byte("%PDF-1.7"), []byte("%PDF-2.0"), 1)
	tests := []struct {
		name      string
		originals [][]byte
	}{
		{"one document", [][]byte{labelled("Alpha", 2, letter)}},
		{"two documents", [][]byte{labelled("Alpha", 2, letter), labelled("Bravo", 1, letter)}},
		{"object streams", [][]byte{rewritten(t, labelled("Alpha", 1, letter)), rewritten(t, labelled("Bravo", 2, letter))}},
		{"PDF 2.0 second", [][]byte{labelled("Alpha", 1, letter), v20}},
		{"attachments", [][]byte{attachedDoc("%PDF-1.7"), attachedDoc("%PDF-2.0")}},
		{"attachments in the second", [][]byte{labelled("Alpha", 1, letter), attachedDoc("%PDF-1.7")}},
		{"colliding named destinations", [][]byte{linkedDoc("Alpha"), linkedDoc("Bravo")}},
	}
	cert := testCertificate(t)
	// The same stamps on every document, the image too, as finalize draws
	// one signer's signature into each document.
	stamps := []esign.Stamp{checkBox, {Page: 1, X: 100, Y: 400, Width: 200, Height: 100, Kind: esign.StampImage, PNG: halfPNG(t)}}
	for _, tc := range tests {
		for _, files := range [][]esign.EmbeddedFile{{evidence}, nil} {
			t.Run(fmt.Sprintf("%s, %d files", tc.name, len(files)), func(t *testing.T) {
				t.Parallel()
				var flats [][]byte
				var parts []esign.MergePart
				for _, orig := range tc.originals {
					flat, kept := stampKept(t, orig, stamps, evidence)
					qpdfCheck(t, flat)
					flats = append(flats, flat)
					parts = append(parts, esign.MergePart{Src: bytes.NewReader(flat), Kept: kept})
				}
				before := slices.Clone(flats[0])
				parts = append(parts, esign.MergePart{Src: bytes.NewReader(cert)})
				got := mergeKept(t, parts, files...)
				want := mergeEmbedding(t, append(flats, cert), files...)
				if !bytes.Equal(flats[0], before) {
					t.Error("the written document changed")
				}
				qpdfCheck(t, got)
				compareMerged(t, got, want)
			})
		}
	}
}

// compareMerged checks that got shows what want shows.
func compareMerged(t *testing.T, got, want []byte) {
	t.Helper()
	if g, w := pageCount(t, got), pageCount(t, want); g != w {
		t.Errorf("%s pages, want %s", g, w)
	}
	if g, w := text(t, got), text(t, want); g != w {
		t.Errorf("text\n%s\nwant\n%s", g, w)
	}
	gotFiles, wantFiles := attachments(t, got), attachments(t, want)
	if !slices.Equal(gotFiles, wantFiles) {
		t.Fatalf("attachments %q, want %q", gotFiles, wantFiles)
	}
	for i := range gotFiles {
		if g, w := attachment(t, got, i+1), attachment(t, want, i+1); !bytes.Equal(g, w) {
			t.Errorf("%s holds %q, want %q", gotFiles[i], g, w)
		}
	}
	if g, w := destNames(t, got), destNames(t, want); !slices.Equal(g, w) {
		t.Errorf("named destinations %q, want %q", g, w)
	}
	if g, w := version(got), version(want); g != w {
		t.Errorf("header %s, want %s", g, w)
	}
	pages, _ := strconv.Atoi(pageCount(t, want))
	for page := 1; page <= pages; page++ {
		if !sameImage(render(t, got, page), render(t, want, page)) {
			t.Errorf("page %d looks different", page)
		}
	}
}

// sameImage reports whether a and b have the same size and pixels.
func sameImage(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				return false
			}
		}
	}
	return true
}

func version(pdf []byte) string { return string(pdf[:min(8, len(pdf))]) }

// destNames lists the keys of pdf's /Dests name tree and the names its
// links go to, sorted.
func destNames(t *testing.T, pdf []byte) []string {
	t.Helper()
	doc, err := readDocument(context.Background(), bytes.NewReader(pdf))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	if tree := doc.Names["Dests"]; tree != nil {
		if err := tree.Process(doc.XRefTable, func(_ *model.XRefTable, k string, _ *types.Object) error {
			names = append(names, "key "+k)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	for nr, e := range doc.Table {
		if d, ok := e.Object.(types.Dict); ok && nr > 0 && d.NameEntry("Subtype") != nil && *d.NameEntry("Subtype") == "Link" {
			if s, err := stringBytes(doc, d["Dest"]); err == nil {
				names = append(names, "link "+string(s))
			}
		}
	}
	slices.Sort(names)
	return names
}

// testCertificate is a certificate of completion as finalize renders it.
func testCertificate(t *testing.T) []byte {
	t.Helper()
	now := time.Date(2026, 3, 14, 15, 9, 27, 0, time.UTC)
	c := &esign.Certificate{EnvelopeID: "env_1", EnvelopeName: "Alpha", Status: "completed", CreatedAt: now,
		AuditEvents: 3, AuditHeadHash: strings.Repeat("ab", 32), GeneratedAt: now,
		Recipients: []esign.CertificateRecipient{{Name: "Ann", Email: "ann@example.com", Role: "signer", Status: "completed"}},
		Documents:  []esign.CertificateDocument{{Name: "alpha.pdf", Pages: 2, OriginalSHA256: strings.Repeat("cd", 32)}}}
	var out bytes.Buffer
	if err := (&certificate.Renderer{}).RenderCertificate(context.Background(), c, &out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
