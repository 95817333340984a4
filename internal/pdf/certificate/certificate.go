// Package certificate lays out GSign's certificate of completion as an A4
// PDF (esign.CertificateRenderer): the envelope, every recipient with
// their signature, the documents with their hashes and the head of the
// audit chain. It writes the PDF with internal/pdf/internal/pdfw.
//
// Text is set in the Go fonts, embedded as subsets, so that names in any
// Latin, Greek or Cyrillic script render and can be copied; hashes are set
// in Courier. The output depends only on the certificate: the same input
// gives the same bytes, which the golden test relies on.
package certificate

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pdf/internal/pdfw"
)

// Renderer renders certificates of completion. The zero value is ready to
// use and safe for concurrent use.
type Renderer struct{}

var _ esign.CertificateRenderer = (*Renderer)(nil)

// RenderCertificate writes c to w as a PDF. c.GeneratedAt must be set: it
// is printed in the footer and is the PDF's creation date.
func (r *Renderer) RenderCertificate(ctx context.Context, c *esign.Certificate, w io.Writer) error {
	doc, err := prepare(ctx, c)
	if err != nil {
		return err
	}
	if _, err := doc.WriteTo(w); err != nil {
		return fmt.Errorf("render certificate: %w", err)
	}
	return nil
}

var _ esign.KeepingCertificateRenderer = (*Renderer)(nil)

// RenderCertificateKept writes c to w like RenderCertificate and returns
// the certificate's objects as written, which pdf.Merger.MergeKept merges
// without reading the file (esign.KeepingCertificateRenderer).
func (r *Renderer) RenderCertificateKept(ctx context.Context, c *esign.Certificate, w io.Writer) (esign.KeptPDF, error) {
	doc, err := prepare(ctx, c)
	if err != nil {
		return nil, err
	}
	kept, err := doc.WriteKept(w)
	if err != nil {
		return nil, fmt.Errorf("render certificate: %w", err)
	}
	return kept, nil
}

// prepare checks c and lays it out.
func prepare(ctx context.Context, c *esign.Certificate) (*pdfw.Document, error) {
	if c == nil {
		return nil, errors.New("render certificate: no certificate")
	}
	if c.GeneratedAt.IsZero() {
		return nil, errors.New("render certificate: GeneratedAt is not set")
	}
	return layout(ctx, c, prepareSignatures(c.Recipients))
}

// layout lays out the whole certificate.
func layout(ctx context.Context, c *esign.Certificate, signatures []signatureImage) (*pdfw.Document, error) {
	w, err := newWriter(c, signatures)
	if err != nil {
		return nil, err
	}
	w.title()
	w.envelope()
	if err := w.recipients(ctx); err != nil {
		return nil, err
	}
	w.documents()
	w.audit()
	w.footers()
	return w.doc, nil
}

// writer lays out one certificate on one document.
type writer struct {
	doc        *pdfw.Document
	pdf        *canvas
	c          *esign.Certificate
	totalPages int              // 0 until the footers are drawn
	signatures []signatureImage // one per recipient
	text       *cleaner
	// pageTop is where content starts on the current page, below the
	// running header; a block that does not fit there fits nowhere.
	pageTop float64
}

func newWriter(c *esign.Certificate, signatures []signatureImage) (*writer, error) {
	fonts, err := goFonts()
	if err != nil {
		return nil, fmt.Errorf("render certificate: %w", err)
	}
	text := &cleaner{fonts: fonts}
	generated := c.GeneratedAt.UTC()
	doc := pdfw.New(pageWidth*pt, pageHeight*pt, pdfw.Metadata{
		Title:   text.metadata("Certificate of Completion: " + c.EnvelopeName),
		Subject: text.metadata("Envelope " + c.EnvelopeID),
		Creator: "GSign", Producer: "GSign",
		Created: generated, Modified: generated,
		Lang: "en",
	})
	w := &writer{doc: doc, pdf: newCanvas(doc, [3]*pdfw.Font{regular: fonts[0], bold: fonts[1], mono: pdfw.Courier}),
		c: c, signatures: signatures, text: text}
	w.pdf.SetHeaderFunc(w.runningHeader)
	w.addSignatures()
	w.pdf.AddPage()
	return w, nil
}
