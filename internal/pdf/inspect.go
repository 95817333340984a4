package pdf

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"github.com/gsign/gsign/internal/esign"
)

// Inspector checks uploads with pdfcpu in relaxed validation mode.
// The zero value is ready to use and safe for concurrent use.
type Inspector struct{}

var _ esign.PDFInspector = (*Inspector)(nil)

// Inspect reports the displayed size of every page of the PDF in r. It
// refuses files that are empty, not PDFs, cut off, encrypted (even with an
// empty user password) or without pages, with an *esign.Error of KindInvalid.
func (in *Inspector) Inspect(ctx context.Context, r io.ReadSeeker) (esign.PDFInfo, error) {
	if err := checkFraming(r); err != nil {
		return esign.PDFInfo{}, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return esign.PDFInfo{}, fmt.Errorf("inspect pdf: rewind: %w", err)
	}
	doc, err := readDocument(ctx, r)
	if err != nil {
		return esign.PDFInfo{}, err
	}
	geoms, err := pageGeometries(doc)
	if err != nil {
		return esign.PDFInfo{}, err
	}
	if len(geoms) == 0 {
		return esign.PDFInfo{}, errInvalid("the PDF has no pages")
	}
	info := esign.PDFInfo{Pages: make([]esign.PageInfo, len(geoms))}
	for i, g := range geoms {
		info.Pages[i].Width, info.Pages[i].Height = g.size()
	}
	return info, nil
}

// Viewers look for the header in the first KiB and for the end-of-file
// marker in the last KiB; so do we.
const framingWindow = 1024

// afterEOFMarker matches PDF syntax that must not follow the last %%EOF: if
// it does, that marker closed an earlier revision and the file was cut.
var afterEOFMarker = regexp.MustCompile(`\b(obj|endobj|stream|endstream|xref|trailer|startxref)\b`)

// checkFraming checks the header and the end of the file before pdfcpu sees
// it. pdfcpu silently rebuilds the cross-reference table of a cut-off file
// from the objects it can still find, which would let a partial document
// through. So a file whose end lacks "startxref <offset> %%EOF", or whose
// offset does not lead to a cross-reference section, is refused here as
// truncated (or damaged in a way that lost bytes).
func checkFraming(r io.ReadSeeker) error {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("inspect pdf: size: %w", err)
	}
	if size == 0 {
		return errInvalid("the file is empty")
	}
	head, err := readAt(r, 0, min(size, framingWindow))
	if err != nil {
		return err
	}
	if !bytes.Contains(head, []byte("%PDF-")) {
		return errInvalid("the file is not a PDF document")
	}
	n := min(size, framingWindow)
	tail, err := readAt(r, size-n, n)
	if err != nil {
		return err
	}
	offset, ok := lastXRefOffset(tail, size)
	if !ok {
		return errTruncated()
	}
	// Offsets count from the header, which a few files do not start with.
	header := int64(bytes.Index(head, []byte("%PDF-")))
	for _, at := range []int64{offset, header + offset} {
		if found, err := xrefAt(r, size, at); err != nil || found {
			return err
		}
	}
	return errTruncated()
}

// lastXRefOffset reads "startxref <offset> %%EOF" from the end of the file
// and reports whether it is there and the offset lies inside the file.
func lastXRefOffset(tail []byte, size int64) (int64, bool) {
	eof := bytes.LastIndex(tail, []byte("%%EOF"))
	if eof < 0 || afterEOFMarker.Match(tail[eof+len("%%EOF"):]) {
		return 0, false
	}
	sx := bytes.LastIndex(tail[:eof], []byte("startxref"))
	if sx < 0 {
		return 0, false
	}
	digits := bytes.TrimSpace(tail[sx+len("startxref") : eof])
	offset, err := strconv.ParseInt(string(digits), 10, 64)
	if err != nil || offset < 0 || offset >= size {
		return 0, false
	}
	return offset, true
}

// xrefSlack is how far from its recorded offset the last cross-reference
// section may start: a few producers miscount by a byte or two, which
// viewers forgive. Bytes lost in the middle of a file move it further.
const xrefSlack = 8

// xrefStart matches the start of a cross-reference table or stream.
var xrefStart = regexp.MustCompile(`\bxref\b|\d+\s+\d+\s+obj\b`)

// xrefAt reports whether a cross-reference section starts near offset.
func xrefAt(r io.ReadSeeker, size, offset int64) (bool, error) {
	from := max(0, offset-xrefSlack)
	if from >= size {
		return false, nil
	}
	window, err := readAt(r, from, min(size-from, 2*xrefSlack+64))
	if err != nil {
		return false, err
	}
	loc := xrefStart.FindIndex(window)
	return loc != nil && int64(loc[0]) <= offset-from+xrefSlack, nil
}

func readAt(r io.ReadSeeker, off, n int64) ([]byte, error) {
	if _, err := r.Seek(off, io.SeekStart); err != nil {
		return nil, fmt.Errorf("inspect pdf: seek: %w", err)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("inspect pdf: read: %w", err)
	}
	return buf, nil
}
