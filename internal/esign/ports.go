package esign

import (
	"context"
	"io"
	"time"
)

// Clock tells the time. Every use case reads time from the Service's Clock so
// tests can pin it; transactions carry one fixed "now" taken from it.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, in UTC, truncated to microseconds so values
// survive a round trip through every supported database unchanged.
type SystemClock struct{}

// Now returns the current UTC time truncated to microseconds.
func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// PageInfo describes one page as a viewer displays it: width and height in PDF
// points after applying the page's /Rotate, measured on its crop box.
type PageInfo struct {
	Width  float64
	Height float64
}

// PDFInfo is what GSign needs to know about an uploaded PDF.
type PDFInfo struct {
	Pages []PageInfo
}

// PDFInspector checks that an upload is a usable PDF and reports its pages.
// It returns an *Error with Kind KindInvalid and Code CodeInvalidPDF,
// CodePDFEncrypted or CodePDFTruncated for unusable input.
type PDFInspector interface {
	Inspect(ctx context.Context, r io.ReadSeeker) (PDFInfo, error)
}

// StampKind says how a stamp is drawn.
type StampKind string

// Stamp kinds.
const (
	StampText  StampKind = "text"  // Text, fitted into the box
	StampImage StampKind = "image" // PNG bytes, scaled into the box keeping aspect ratio
	StampCheck StampKind = "check" // a check mark filling the box
)

// Stamp is one field value to draw onto a page. Page is 1-based; X, Y, Width
// and Height are PDF points from the displayed page's top-left corner, the same
// coordinates the API uses for fields.
type Stamp struct {
	Page   int
	X, Y   float64
	Width  float64
	Height float64
	Kind   StampKind
	Text   string
	PNG    []byte
}

// Stamper draws field values onto a PDF and embeds files, writing a new
// flattened PDF to w. It never trusts client-supplied PDF bytes: src is the
// stored original. files may be nil.
type Stamper interface {
	Stamp(ctx context.Context, src io.ReadSeeker, stamps []Stamp, files []EmbeddedFile, w io.Writer) error
	// CheckText returns a KindInvalid error when text has characters the
	// stamper cannot draw. Values are checked when they are filled, so a
	// value that cannot be drawn is refused then, not when the envelope
	// completes.
	CheckText(text string) error
}

// SignatureRenderer turns a typed signature into a PNG image on the server, so
// a typed signature looks the same in every output and in the certificate.
// font is a signature font's id; an unknown one is refused as invalid.
type SignatureRenderer interface {
	RenderTyped(text, font string) ([]byte, error)
}

// BlobInfo describes a stored blob.
type BlobInfo struct {
	Key    string
	Size   int64
	SHA256 string // lowercase hex; empty from List on stores that cannot tell cheaply
}

// Blobs stores immutable files (documents, signature images, results) by key.
// Keys are slash-separated relative paths such as "documents/env_x/doc_y.pdf".
// Put is atomic: a reader never sees a partial blob, and a crash mid-write
// leaves either the old blob, the new one, or none.
type Blobs interface {
	// Put stores r under key, replacing any blob there, and returns its size and SHA-256.
	Put(ctx context.Context, key string, r io.Reader) (BlobInfo, error)
	// Open returns the blob for reading; a missing key gives an *Error of KindNotFound.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, error)
	// Stat returns size (and SHA-256 where known) or KindNotFound.
	Stat(ctx context.Context, key string) (BlobInfo, error)
	// Delete removes the blob; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every blob whose key starts with prefix, in key order.
	List(ctx context.Context, prefix string, fn func(BlobInfo) error) error
}

// KeepingCertificateRenderer is implemented by CertificateRenderers that
// can keep the certificate they wrote: finalize hands it to a KeptMerger
// with the certificate's file, and the merger builds the combined PDF's
// certificate pages from it instead of parsing the file.
type KeepingCertificateRenderer interface {
	// RenderCertificateKept renders like RenderCertificate and returns
	// the certificate exactly as it was written to w.
	RenderCertificateKept(ctx context.Context, c *Certificate, w io.Writer) (KeptPDF, error)
}
