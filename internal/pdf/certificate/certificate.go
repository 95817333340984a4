// Package certificate lays out GSign's certificate of completion as an A4
// PDF with fpdf (esign.CertificateRenderer): the envelope, every recipient
// with their signature, the documents with their hashes and the head of
// the audit chain.
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

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/gsign/gsign/internal/esign"
)

// Renderer renders certificates of completion. The zero value is ready to
// use and safe for concurrent use.
type Renderer struct{}

var _ esign.CertificateRenderer = (*Renderer)(nil)

// RenderCertificate writes c to w as a PDF. c.GeneratedAt must be set: it
// is printed in the footer and is the PDF's creation date.
func (r *Renderer) RenderCertificate(ctx context.Context, c *esign.Certificate, w io.Writer) error {
	if c == nil {
		return errors.New("render certificate: no certificate")
	}
	if c.GeneratedAt.IsZero() {
		return errors.New("render certificate: GeneratedAt is not set")
	}
	doc, err := layout(ctx, c, prepareSignatures(c.Recipients))
	if err != nil {
		return err
	}
	if err := doc.Output(w); err != nil {
		return fmt.Errorf("render certificate: %w", err)
	}
	return nil
}

// layout lays out the whole certificate. fpdf reports most problems
// through its error state, but it indexes slices with user text in places,
// so a panic is turned into an error too.
func layout(ctx context.Context, c *esign.Certificate, signatures []signatureImage) (doc *fpdf.Fpdf, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("render certificate: fpdf panicked: %v", p)
		}
	}()
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
	if err := w.pdf.Error(); err != nil {
		return nil, fmt.Errorf("render certificate: %w", err)
	}
	return w.pdf, nil
}

// writer lays out one certificate on one fpdf document.
type writer struct {
	pdf        *fpdf.Fpdf
	c          *esign.Certificate
	totalPages int              // 0 until the footers are drawn
	signatures []signatureImage // one per recipient
	text       *cleaner
	// pageTop is where content starts on the current page, below the
	// running header; a block that does not fit there fits nowhere.
	pageTop float64
}

func newWriter(c *esign.Certificate, signatures []signatureImage) (*writer, error) {
	text, err := newCleaner()
	if err != nil {
		return nil, fmt.Errorf("render certificate: %w", err)
	}
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"})
	w := &writer{pdf: pdf, c: c, signatures: signatures, text: text}
	generated := c.GeneratedAt.UTC()
	pdf.SetCreationDate(generated)
	pdf.SetModificationDate(generated)
	pdf.SetCatalogSort(true) // resources in a fixed order, not map order
	pdf.SetCompression(true)
	pdf.SetProducer("GSign", false)
	pdf.SetCreator("GSign", false)
	pdf.SetTitle(text.metadata("Certificate of Completion: "+c.EnvelopeName), true)
	pdf.SetSubject(text.metadata("Envelope "+c.EnvelopeID), true)
	pdf.SetLang("en")
	pdf.SetMargins(margin, topMargin, margin)
	pdf.SetAutoPageBreak(true, bottomMargin)
	pdf.SetCellMargin(0)
	pdf.AddUTF8FontFromBytes(sans, "", goregular.TTF)
	pdf.AddUTF8FontFromBytes(sans, "B", gobold.TTF)
	pdf.SetHeaderFunc(w.runningHeader)
	w.registerSignatures()
	pdf.AddPage()
	return w, nil
}
