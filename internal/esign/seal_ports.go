package esign

import (
	"context"
	"io"
	"time"
)

// EmbeddedFile is a file embedded in a PDF as an associated file (PDF 2.0
// /AF, PDF/A-3 style), such as the evidence JSON.
type EmbeddedFile struct {
	Name        string // file name shown by viewers, e.g. "evidence.json"
	Description string
	MIMEType    string // e.g. "application/json"
	// Relationship is the /AFRelationship: "Supplement", "Data", "Source"…
	Relationship string
	Data         []byte
	ModTime      time.Time
}

// Merger concatenates PDFs (before signing; never on a signed file).
type Merger interface {
	Merge(ctx context.Context, srcs []io.ReadSeeker, w io.Writer) error
}

// KeptPDF is a flattened document as a KeepingStamper wrote it, kept in
// memory for the KeptMerger of the same adapter. It is opaque to esign,
// which only hands it back, and it is used up by the merge that takes it.
type KeptPDF interface{}

// KeepingStamper is implemented by Stampers that can keep the document
// they stamped: finalize hands it to a KeptMerger, which then builds the
// combined PDF from it instead of parsing the written file again.
type KeepingStamper interface {
	// StampKept stamps like Stamp and returns the document exactly as it
	// was written to w.
	StampKept(ctx context.Context, src io.ReadSeeker, stamps []Stamp, files []EmbeddedFile, w io.Writer) (KeptPDF, error)
}

// MergePart is one document to merge: the file, and what a KeepingStamper
// or a KeepingCertificateRenderer kept when it wrote that file (nil if
// nothing was kept).
type MergePart struct {
	Src  io.ReadSeeker
	Kept KeptPDF
}

// KeptMerger is implemented by Mergers that can merge documents a
// KeepingStamper or a KeepingCertificateRenderer kept: finalize then makes
// the combined PDF without parsing the flattened documents and the
// certificate it has just written.
type KeptMerger interface {
	// MergeKept merges like EmbeddingMerger.MergeEmbedding. A part whose
	// Kept it knows is merged from that, and its Src is not read; any
	// other part is read from Src.
	MergeKept(ctx context.Context, parts []MergePart, files []EmbeddedFile, w io.Writer) error
}

// SealInfo is what the seal signature says about itself.
type SealInfo struct {
	// Name is the signature field's name; unique within the document.
	Name     string
	Reason   string
	Location string
	Contact  string
	// Time goes into the signature dictionary's /M (there is no CMS
	// signing-time attribute in PAdES); the timestamp token is authoritative.
	Time time.Time
}

// Sealer signs a finished PDF with the platform's seal certificate as a
// PAdES signature appended in an incremental update, so everything before it
// stays byte for byte. src is read twice (to hash, then to copy) and never
// held in memory.
type Sealer interface {
	Seal(ctx context.Context, src io.ReadSeeker, w io.Writer, info SealInfo) error
}

// CertificateRecipient is one recipient as the certificate of completion
// reports them.
type CertificateRecipient struct {
	Name         string
	Email        string
	Role         string
	RoutingOrder int
	Status       string
	AuthMethod   string
	// Authentication describes how the recipient was authenticated, e.g.
	// "Email one-time code to a***@example.com"; empty: AuthMethod is shown.
	Authentication string
	IP             string
	UserAgent      string
	SentAt         *time.Time
	ViewedAt       *time.Time
	SignedAt       *time.Time // completed (signed, approved, viewed or received)
	DeclinedAt     *time.Time
	// SignaturePNG is the recipient's first signature image, if any.
	SignaturePNG []byte
}

// CertificateDocument is one document as the certificate reports it.
type CertificateDocument struct {
	Name           string
	Pages          int
	OriginalSHA256 string
	SealedSHA256   string
}

// Certificate is the certificate of completion's content.
type Certificate struct {
	EnvelopeID    string
	EnvelopeName  string
	Status        string
	SenderName    string
	SenderEmail   string
	Organization  string
	CreatedAt     time.Time
	SentAt        *time.Time
	CompletedAt   *time.Time
	Recipients    []CertificateRecipient
	Documents     []CertificateDocument
	AuditEvents   int64
	AuditHeadHash string
	GeneratedAt   time.Time
}

// CertificateRenderer lays out a certificate of completion as a PDF (not yet
// sealed).
type CertificateRenderer interface {
	RenderCertificate(ctx context.Context, c *Certificate, w io.Writer) error
}
