package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pdf/certificate"
)

// labelled is a document whose page i prints "<name> page <i>".
func labelled(name string, pages int, entries string) []byte {
	d := testDoc{}
	for i := 1; i <= pages; i++ {
		d.pages = append(d.pages, testPage{entries: entries, content: label(fmt.Sprintf("%s page %d", name, i))})
	}
	return d.build()
}

func merge(t *testing.T, pdfs ...[]byte) []byte {
	t.Helper()
	srcs := make([]io.ReadSeeker, len(pdfs))
	for i, p := range pdfs {
		srcs[i] = bytes.NewReader(p)
	}
	var out bytes.Buffer
	if err := (&Merger{}).Merge(context.Background(), srcs, &out); err != nil {
		t.Fatalf("Merge: %v", err)
	}
	return out.Bytes()
}

var pagesLine = regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`)

// pageCount asks pdfinfo how many pages pdf has.
func pageCount(t *testing.T, pdf []byte) string {
	t.Helper()
	requireTool(t, "pdfinfo")
	m := pagesLine.FindSubmatch(run(t, "pdfinfo", writeTemp(t, pdf)))
	if m == nil {
		t.Fatal("pdfinfo printed no page count")
	}
	return string(m[1])
}

// text returns the text pdftotext extracts from the whole document.
func text(t *testing.T, pdf []byte) string {
	t.Helper()
	requireTool(t, "pdftotext")
	return string(run(t, "pdftotext", "-layout", writeTemp(t, pdf), "-"))
}

func TestMerge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		parts [][]byte
		want  []string // page labels in order
	}{
		{"two documents", [][]byte{labelled("Alpha", 2, letter), labelled("Bravo", 1, letter)},
			[]string{"Alpha page 1", "Alpha page 2", "Bravo page 1"}},
		{"three documents of mixed sizes and rotations", [][]byte{
			labelled("Alpha", 1, letter),
			labelled("Bravo", 2, "/MediaBox [0 0 595 842] /Rotate 90"),
			rewritten(t, labelled("Charlie", 3, letter)),
		}, []string{"Alpha page 1", "Bravo page 1", "Bravo page 2", "Charlie page 1", "Charlie page 2", "Charlie page 3"}},
		{"one document", [][]byte{labelled("Alpha", 2, letter)}, []string{"Alpha page 1", "Alpha page 2"}},
		{"the same document twice", [][]byte{labelled("Alpha", 1, letter), labelled("Alpha", 1, letter)},
			[]string{"Alpha page 1", "Alpha page 1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := merge(t, tc.parts...)
			qpdfCheck(t, out)
			if got, want := pageCount(t, out), fmt.Sprint(len(tc.want)); got != want {
				t.Errorf("%s pages, want %s", got, want)
			}
			pages := strings.Split(text(t, out), "\f")
			for i, want := range tc.want {
				if i >= len(pages) || !strings.Contains(pages[i], want) {
					t.Errorf("page %d does not read %q", i+1, want)
				}
			}
		})
	}
}

func TestMergeStampedDocumentsThenEmbed(t *testing.T) {
	t.Parallel()
	a := stampFiles(t, labelled("Alpha", 1, letter), []esign.Stamp{checkBox}, evidence)
	b := stampFiles(t, labelled("Bravo", 1, letter), []esign.Stamp{checkBox}, evidence)
	merged := merge(t, a, b, labelled("Certificate", 1, letter))
	qpdfCheck(t, merged)
	if got := pageCount(t, merged); got != "3" {
		t.Errorf("%s pages, want 3", got)
	}
	combined := stampFiles(t, merged, nil, evidence)
	qpdfCheck(t, combined)
	if got := attachments(t, combined); len(got) != 1 || got[0] != "evidence.json" {
		t.Fatalf("pdfdetach lists %q, want one evidence.json", got)
	}
	if got := attachment(t, combined, 1); !bytes.Equal(got, evidence.Data) {
		t.Errorf("extracted %q", got)
	}
	if _, specs := catalogAF(t, combined); len(specs) != 1 {
		t.Errorf("/AF has %d entries, want 1", len(specs))
	}
}

// TestMergeWithCertificate follows the combined output of a completed
// envelope: stamped documents with the evidence, the certificate of
// completion, merged, then the evidence embedded once more.
func TestMergeWithCertificate(t *testing.T) {
	t.Parallel()
	doc := stampFiles(t, labelled("Alpha", 2, letter), []esign.Stamp{checkBox}, evidence)
	now := time.Date(2026, 3, 14, 15, 9, 27, 0, time.UTC)
	c := &esign.Certificate{EnvelopeID: "env_1", EnvelopeName: "Alpha", Status: "completed", CreatedAt: now,
		AuditEvents: 3, AuditHeadHash: strings.Repeat("ab", 32), GeneratedAt: now,
		Recipients: []esign.CertificateRecipient{{Name: "Μαρία", Email: "maria@example.gr", Role: "signer", Status: "completed",
			SignaturePNG: halfPNG(t)}},
		Documents: []esign.CertificateDocument{{Name: "alpha.pdf", Pages: 2, OriginalSHA256: strings.Repeat("cd", 32)}}}
	var cert bytes.Buffer
	if err := (&certificate.Renderer{}).RenderCertificate(context.Background(), c, &cert); err != nil {
		t.Fatal(err)
	}
	combined := stampFiles(t, merge(t, doc, cert.Bytes()), nil, evidence)
	qpdfCheck(t, combined)
	if got := pageCount(t, combined); got != "3" {
		t.Errorf("%s pages, want 3", got)
	}
	all := text(t, combined)
	for _, want := range []string{"Alpha page 1", "Alpha page 2", "Certificate of Completion", "Μαρία", c.AuditHeadHash} {
		if !strings.Contains(all, want) {
			t.Errorf("the combined PDF does not show %q", want)
		}
	}
	if got := attachments(t, combined); len(got) != 1 || got[0] != "evidence.json" {
		t.Errorf("pdfdetach lists %q, want one evidence.json", got)
	}
}

func TestMergePDF20(t *testing.T) {
	t.Parallel()
	v20 := bytes.Replace(labelled("Bravo", 1, letter), []byte("%PDF-1.7"), []byte("%PDF-2.0"), 1)
	stamped := stampFiles(t, v20, nil, evidence)
	out := merge(t, labelled("Alpha", 1, letter), stamped)
	qpdfCheck(t, out)
	if !bytes.HasPrefix(out, []byte("%PDF-2.0")) {
		t.Errorf("header %q, want %%PDF-2.0 since a part is 2.0", out[:8])
	}
	if got := pageCount(t, out); got != "2" {
		t.Errorf("%s pages, want 2", got)
	}
	stampFiles(t, out, nil, evidence) // GSign can read its own PDF 2.0 output
}

func TestMergeRefuses(t *testing.T) {
	t.Parallel()
	good := labelled("Alpha", 1, letter)
	tests := []struct {
		name  string
		parts [][]byte
		code  string
		want  string // in the message
	}{
		{"no documents", nil, esign.CodeValidation, "no PDFs"},
		{"a text file", [][]byte{good, []byte("hello, world")}, esign.CodeInvalidPDF, "PDF 2 of 2 to merge"},
		{"an empty file", [][]byte{{}, good}, esign.CodeInvalidPDF, "PDF 1 of 2 to merge"},
		{"an encrypted file", [][]byte{good, encrypted(t, good, "", true, 256)}, esign.CodePDFEncrypted, "encrypted"},
		{"a signed file", [][]byte{good, signedDoc(t)}, esign.CodeValidation, "srcs[1]: the PDF is signed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srcs := make([]io.ReadSeeker, len(tc.parts))
			for i, p := range tc.parts {
				srcs[i] = bytes.NewReader(p)
			}
			var out bytes.Buffer
			err := (&Merger{}).Merge(context.Background(), srcs, &out)
			assertInvalid(t, err, tc.code)
			if msg := err.(*esign.Error).Message; !strings.Contains(msg, tc.want) {
				t.Errorf("message %q does not say %q", msg, tc.want)
			}
			if out.Len() != 0 {
				t.Error("output was written despite the error")
			}
		})
	}
}

// signedDoc is a page with a signature field holding a (fake) signature:
// Merge must look at the field, not verify the signature.
func signedDoc(t *testing.T) []byte {
	t.Helper()
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] /SigFlags 3 >> >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Annots [5 0 R] >>",
		"<< /Length 0 >>\nstream\n\nendstream",
		"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /Rect [0 0 0 0] /F 132 /P 3 0 R /V 6 0 R >>",
		"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange [0 10 20 10] /Contents <" +
			strings.Repeat("00", 64) + "> /M (D:20260314150926Z) >>",
	}
	pdf := writeObjects(objs)
	if err := api.Validate(bytes.NewReader(pdf), newConfig()); err != nil {
		t.Fatalf("the signed test document is invalid: %v", err)
	}
	return pdf
}

func TestMergeHonoursCancellation(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	err := (&Merger{}).Merge(ctx, []io.ReadSeeker{bytes.NewReader(labelled("Alpha", 1, letter))}, &out)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}
