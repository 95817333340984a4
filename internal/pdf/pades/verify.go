package pades

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"slices"
	"time"
)

// VerifyOptions says what Verify trusts.
type VerifyOptions struct {
	// Roots are the trust anchors: the platform root and/or a configured
	// trust store. Without any, no chain verifies: the system roots are
	// never used implicitly.
	Roots *x509.CertPool
	// Intermediates are extra issuers besides those in each signature.
	Intermediates *x509.CertPool
	// Now is the validation time for signatures without a valid
	// timestamp; zero means time.Now.
	Now time.Time
	// CRLs are optional DER certificate revocation lists.
	CRLs [][]byte
}

// Report is what Verify found. It is meant to be encoded as JSON as it is
// (the CLI's --json output and POST /api/v1/verify). Valid holds exactly
// when Problems is empty: every problem of a signature, a revision or the
// evidence is also listed in Problems.
type Report struct {
	Valid      bool              `json:"valid"`
	Signatures []SignatureReport `json:"signatures"`
	Revisions  []RevisionReport  `json:"revisions"`
	Evidence   *EvidenceReport   `json:"evidence"`
	Problems   []string          `json:"problems"`
}

// SignatureReport is one signature or document timestamp.
type SignatureReport struct {
	Field string `json:"field"`
	// Object is the signature dictionary's object number.
	Object int64 `json:"object"`
	// Revision is the index of the revision the signature dictionary was
	// written in (see RevisionReport.Index).
	Revision int `json:"revision"`
	// Type is "signature" or "document_timestamp".
	Type      string `json:"type"`
	SubFilter string `json:"subfilter"`
	// SignerName is the common name of the signer (for a document
	// timestamp, of the TSA); SignerSubject its whole subject.
	SignerName    string   `json:"signer_name"`
	SignerSubject string   `json:"signer_subject"`
	Chain         []string `json:"chain"`
	// SigningTime is the claimed time in /M; the timestamp is
	// authoritative.
	SigningTime         time.Time       `json:"signing_time,omitzero"`
	DigestAlgorithm     string          `json:"digest_algorithm"`
	ByteRange           []int64         `json:"byte_range"`
	CoversWholeDocument bool            `json:"covers_whole_document"`
	CoversWholeFile     bool            `json:"covers_whole_file"`
	IntegrityOK         bool            `json:"integrity_ok"`
	ChainOK             bool            `json:"chain_ok"`
	ChainReason         string          `json:"chain_reason,omitempty"`
	Timestamp           TimestampReport `json:"timestamp"`
	Problems            []string        `json:"problems"`
}

// TimestampReport is the signature timestamp of a signature, or for a
// document timestamp the token itself.
type TimestampReport struct {
	Present bool      `json:"present"`
	Time    time.Time `json:"time,omitzero"`
	// ImprintOK says the token's message imprint is the hash of the
	// signature value (for a document timestamp: of the ByteRange) and the
	// token's own signature verifies.
	ImprintOK   bool   `json:"imprint_ok"`
	TSASubject  string `json:"tsa_subject,omitempty"`
	ChainOK     bool   `json:"chain_ok"`
	ChainReason string `json:"chain_reason,omitempty"`
}

// RevisionReport is one revision of the file: the original document, or an
// incremental update. Index 0 is the oldest.
type RevisionReport struct {
	Index int `json:"index"`
	// Offset is where the revision's bytes start; End is just past its
	// %%EOF line; XRefOffset is where its cross-reference section starts.
	Offset     int64  `json:"offset"`
	End        int64  `json:"end"`
	XRefOffset int64  `json:"xref_offset"`
	Kind       string `json:"kind"`
	// SignedBy names the signature fields whose ByteRange covers this
	// revision.
	SignedBy []string `json:"signed_by"`
	// Changes lists the objects this revision adds or changes, for
	// revisions after a signature; an earlier revision's changes are not
	// judged and not listed.
	Changes []Change `json:"changes"`
}

// Change is one object an incremental update wrote.
type Change struct {
	Object  int64  `json:"object"`
	Kind    string `json:"kind"`
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
}

// EvidenceReport is the GSign evidence file embedded in the document.
type EvidenceReport struct {
	Present    bool   `json:"present"`
	ChainOK    bool   `json:"chain_ok"`
	EnvelopeID string `json:"envelope_id,omitempty"`
	HeadSeq    int64  `json:"head_seq"`
	HeadHash   string `json:"head_hash,omitempty"`
	Problem    string `json:"problem,omitempty"`
}

// Verify checks every signature of the PDF in r (size bytes long): the
// CMS, that the ByteRange covers everything but the signature itself, the
// certificate chain to opts.Roots, the timestamps. It then compares each
// revision written after a signature with the one before and flags every
// change beyond what adding signatures, document timestamps and validation
// data (DSS) needs, against shadow and incremental-saving attacks, and
// checks the embedded evidence.json against its audit chain.
//
// The error is only for input that cannot be read as a PDF at all (an
// *esign.Error of KindInvalid) or a cancelled ctx; everything about
// validity is in the Report.
func Verify(ctx context.Context, r io.ReaderAt, size int64, opts VerifyOptions) (*Report, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	v, err := openVerifier(ctx, r, size, opts)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	if err := v.run(); err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	return v.finish(), nil
}

// verifier holds the state of one Verify call.
type verifier struct {
	ctx    context.Context
	opts   VerifyOptions
	ra     io.ReaderAt
	size   int64 // what is analysed: the file, or its readable prefix
	r      *Reader
	revs   []*revision
	sigs   []*sigState
	crls   []*x509.RevocationList
	report Report
}

// run does the checks in order; only ctx errors abort it.
func (v *verifier) run() error {
	v.parseCRLs()
	v.checkLayout()
	if err := v.checkSignatures(); err != nil {
		return err
	}
	v.analyseRevisions()
	v.checkEvidence()
	v.checkSealedTail()
	return v.ctx.Err()
}

// problem records a document-level problem.
func (v *verifier) problem(format string, args ...any) {
	v.report.Problems = append(v.report.Problems, fmt.Sprintf(format, args...))
}

// finish collects every problem into the report and decides Valid.
func (v *verifier) finish() *Report {
	rep := &v.report
	if len(rep.Signatures) == 0 {
		rep.Problems = append([]string{"the document has no signatures"}, rep.Problems...)
	}
	for i := range rep.Signatures {
		s := &rep.Signatures[i]
		for _, p := range s.Problems {
			rep.Problems = append(rep.Problems, fmt.Sprintf("signature %q: %s", s.Field, p))
		}
		s.Problems = nonNil(s.Problems)
		s.Chain = nonNil(s.Chain)
	}
	for i := range rep.Revisions {
		rv := &rep.Revisions[i]
		for _, c := range rv.Changes {
			switch {
			case c.Allowed:
			case c.Object == 0:
				rep.Problems = append(rep.Problems, fmt.Sprintf("revision %d: %s", rv.Index, c.Reason))
			default:
				rep.Problems = append(rep.Problems, fmt.Sprintf("revision %d, object %d: %s", rv.Index, c.Object, c.Reason))
			}
		}
		rv.SignedBy = nonNil(rv.SignedBy)
		rv.Changes = nonNil(rv.Changes)
	}
	if e := rep.Evidence; e != nil && e.Problem != "" {
		rep.Problems = append(rep.Problems, "evidence: "+e.Problem)
	}
	rep.Signatures = nonNil(rep.Signatures)
	rep.Revisions = nonNil(rep.Revisions)
	rep.Problems = slices.Compact(nonNil(rep.Problems))
	rep.Valid = len(rep.Problems) == 0
	return rep
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
