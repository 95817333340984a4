package pdf

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pdf/certificate"
	"github.com/gsign/gsign/internal/pdf/sigfont"
)

// signedCertificate is a certificate of completion of several pages,
// with a signature image and a name in Greek or Cyrillic for each
// recipient, as RenderCertificateKept wrote it: the file and what was
// kept.
func signedCertificate(t *testing.T) ([]byte, esign.KeptPDF) {
	t.Helper()
	now := time.Date(2026, 3, 14, 15, 9, 27, 0, time.UTC)
	c := &esign.Certificate{EnvelopeID: "env_1", EnvelopeName: "Λίζινγκ", Status: "completed", CreatedAt: now,
		AuditEvents: 9, AuditHeadHash: strings.Repeat("ab", 32), GeneratedAt: now,
		Documents: []esign.CertificateDocument{{Name: "alpha.pdf", Pages: 2, OriginalSHA256: strings.Repeat("cd", 32)}}}
	for _, name := range []string{"Ann Example", "Δήμητρα Παπαδοπούλου", "Борис Иванов", "Carol Øberg", "Dan Q.", "Eve"} {
		png, err := (SignatureRenderer{}).RenderTyped(name, sigfont.Default)
		if err != nil {
			t.Fatal(err)
		}
		c.Recipients = append(c.Recipients, esign.CertificateRecipient{Name: name, Email: "r@example.com", Role: "signer",
			Status: "completed", SignedAt: &now, SignaturePNG: png})
	}
	var out bytes.Buffer
	kept, err := (&certificate.Renderer{}).RenderCertificateKept(context.Background(), c, &out)
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), kept
}

// MergeKept takes a kept certificate in place of its file: the combined
// PDF has the pages, text and attachments of the one MergeEmbedding makes
// from the certificate's file, and qpdf accepts it, whether the
// certificate comes after a document or first. A kept certificate is not
// changed by a merge, so it can be merged again.
func TestMergeKeptCertificate(t *testing.T) {
	t.Parallel()
	cert, kept := signedCertificate(t)
	if n, err := pageCount(t, cert), "1"; n == err {
		t.Fatal("the certificate has one page; the test wants several")
	}
	doc := labelled("Alpha", 2, letter)
	tests := []struct {
		name      string
		parts     []esign.MergePart
		fromFiles [][]byte
	}{
		{"after a document", []esign.MergePart{{Src: bytes.NewReader(doc)}, {Kept: kept}}, [][]byte{doc, cert}},
		{"first", []esign.MergePart{{Kept: kept}, {Src: bytes.NewReader(doc)}}, [][]byte{cert, doc}},
		{"twice", []esign.MergePart{{Kept: kept}, {Kept: kept}}, [][]byte{cert, cert}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := mergeKept(t, tc.parts, evidence)
			want := mergeEmbedding(t, tc.fromFiles, evidence)
			qpdfCheck(t, got)
			compareMerged(t, got, want)
		})
	}
}

// A kept certificate gives the combined PDF the objects its file gives,
// as qpdf normalizes both (numbered in the order they are reached,
// streams uncompressed): the model built from the kept objects is the one
// pdfcpu reads from the file. The bytes differ, as two merges of the same
// files differ: pdfcpu renumbers a part's objects in map order. (A kept
// document gives the same pages, not the same objects; see
// TestMergeKeptMatchesMergeEmbedding.)
func TestMergeKeptCertificateSameObjects(t *testing.T) {
	t.Parallel()
	cert, kept := signedCertificate(t)
	flat, _ := stampKept(t, labelled("Alpha", 2, letter), []esign.Stamp{checkBox}, evidence)
	got := mergeKept(t, []esign.MergePart{{Src: bytes.NewReader(flat)}, {Kept: kept}}, evidence)
	want := mergeEmbedding(t, [][]byte{flat, cert}, evidence)
	if g, w := normalized(t, got), normalized(t, want); !bytes.Equal(g, w) {
		t.Errorf("the combined PDF from the kept certificate differs from the one from its file:\n%s", firstDifference(g, w))
	}
}

// normalized returns pdf as qpdf rewrites it in QDF form, without the
// comments that name each object's original number and with a fixed /ID:
// the second part of the /ID pdfcpu writes changes with the time.
func normalized(t *testing.T, pdf []byte) []byte {
	t.Helper()
	requireTool(t, "qpdf")
	return run(t, "qpdf", "--qdf", "--object-streams=disable", "--no-original-object-ids", "--static-id", writeTemp(t, pdf), "-")
}

// firstDifference shows the first line where got and want differ.
func firstDifference(got, want []byte) string {
	g, w := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := range min(len(g), len(w)) {
		if !bytes.Equal(g[i], w[i]) {
			return fmt.Sprintf("line %d: %q, want %q", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(g), len(w))
}
