package pades

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// tokenAllowance is the room reserved for the timestamp token. Tokens from
// public TSAs with their certificate chains run from 2 to 8 KiB; a larger
// one costs a second signing round, never a broken seal.
const tokenAllowance = 12 << 10

// Sealer signs finished PDFs with the platform's seal certificate as PAdES
// baseline signatures (ETSI EN 319 142-1): an incremental update with a
// /SubFilter /ETSI.CAdES.detached signature whose CMS carries an RFC 3161
// signature timestamp (B-T), optionally followed by an update with the
// validation data (B-LT) and one with a document timestamp (B-LTA). It
// implements esign.Sealer. A Sealer is safe for concurrent use if its
// Signer, TSA and Revocation are.
type Sealer struct {
	// Signer is the seal key: RSA (PKCS #1 v1.5 signatures) or ECDSA.
	Signer crypto.Signer
	// Chain is the seal certificate first, then its issuers, up to but
	// excluding or including the root. All of it goes into the signature.
	Chain []*x509.Certificate
	// TSA timestamps every signature, and the document at B-LTA. It is
	// required: a seal is never produced without a timestamp.
	TSA Timestamper
	// Hash is the digest algorithm: SHA-256 (the default), SHA-384 or
	// SHA-512. The document timestamp of B-LTA uses it too.
	Hash crypto.Hash
	// Level is the PAdES baseline level to produce; empty means LevelBT.
	Level Level
	// Revocation returns the DER CRLs that cover the seal chain and the
	// TSA's certificate (for the platform PKI, the root's CRL covers
	// both). It is required from LevelBLT on and called once per Seal,
	// before anything is written.
	Revocation func(ctx context.Context) ([][]byte, error)
	// ExtraCerts go into the document security store besides Chain and
	// the certificates the timestamp tokens carry: the root when Chain
	// stops short of it, or TSA issuers the tokens leave out.
	ExtraCerts []*x509.Certificate
}

var _ esign.Sealer = (*Sealer)(nil)

// Seal copies src to w unchanged and appends an incremental update that
// signs the whole file. At LevelBLT a second update follows with the
// validation data, at LevelBLTA a third with a document timestamp. Seal
// reads the few objects it changes from src, then streams src once from
// start to end; src is never held in memory, and memory use does not
// depend on its size. The signature dictionary's /M is info.Time, or the
// current time if that is zero.
//
// A document Seal refuses is refused before anything is written; its errors
// are *esign.Error values (CodeInvalidPDF, CodePDFTruncated,
// CodePDFEncrypted). But w receives the original bytes before the signature
// is made, so when signing fails (an unreachable TSA, a cancelled ctx) w
// may hold a prefix of the output that is not a sealed document: callers
// write to a temporary blob and discard it on any error. Errors other than
// *esign.Error, a TSA failure among them, are worth retrying.
func (s *Sealer) Seal(ctx context.Context, src io.ReadSeeker, w io.Writer, info esign.SealInfo) error {
	signer, err := s.signer()
	if err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	r, err := openSource(src)
	if err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	p, err := planUpdate(r, info)
	if err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	if p.needEOL, err = endsWithoutEOL(r); err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	// Validation data is gathered before the first byte is written, so a
	// CRL that cannot be had fails the seal early and cheaply.
	ltv, err := s.prepareLTV(ctx, signer)
	if err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	at := info.Time
	if at.IsZero() {
		at = time.Now()
	}
	h, err := copyHashed(ctx, src, w, r.Size(), signer.hash)
	if err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	u, err := signer.signUpdate(ctx, p, info, at, h)
	if err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	out := &appender{w: w, h: h, orig: r}
	if err := out.write(u.buf); err != nil {
		return fmt.Errorf("seal: write update: %w", err)
	}
	if ltv == nil {
		return nil
	}
	if err := ltv.extend(ctx, out, u, p.fieldName, at); err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	return nil
}

// signer checks the configuration and returns the CMS signer for it.
func (s *Sealer) signer() (*cmsSigner, error) {
	if s.Signer == nil || len(s.Chain) == 0 || s.TSA == nil {
		return nil, errors.New("sealer needs a Signer, a Chain and a TSA")
	}
	h := s.Hash
	if h == 0 {
		h = crypto.SHA256
	}
	if _, ok := algorithmsByHash[h]; !ok {
		return nil, fmt.Errorf("unsupported seal hash %v", h)
	}
	if err := s.checkLevel(); err != nil {
		return nil, err
	}
	switch s.Signer.Public().(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey:
	default:
		return nil, fmt.Errorf("unsupported seal key type %T (want RSA or ECDSA)", s.Signer.Public())
	}
	pub, ok := s.Chain[0].PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(s.Signer.Public()) {
		return nil, errors.New("the seal certificate does not match the seal key")
	}
	return &cmsSigner{key: s.Signer, chain: s.Chain, hash: h, tsa: s.TSA}, nil
}

// openSource measures src and reads its structure.
func openSource(src io.ReadSeeker) (*Reader, error) {
	size, err := src.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("measure source: %w", err)
	}
	ra, ok := src.(io.ReaderAt)
	if !ok {
		ra = &seekReaderAt{rs: src}
	}
	return NewReader(ra, size)
}

// endsWithoutEOL reports whether the file's last byte is not an
// end-of-line, in which case the update must start with one so that the
// original's %%EOF stays on a line of its own.
func endsWithoutEOL(r *Reader) (bool, error) {
	b := make([]byte, 1)
	if _, err := r.ra.ReadAt(b, r.size-1); err != nil {
		return false, fmt.Errorf("read last byte: %w", err)
	}
	return b[0] != '\n' && b[0] != '\r', nil
}

// signUpdate renders the update, hashes it after the original's state in h
// (skipping the /Contents hole), signs, timestamps and fills the hole. If
// the CMS outgrows the hole, it renders once more with a hole that fits.
func (c *cmsSigner) signUpdate(ctx context.Context, p *plan, info esign.SealInfo, at time.Time, h hash.Hash) (*update, error) {
	size := c.estimateSize()
	for range 2 {
		u, err := p.render(info, at, size)
		if err != nil {
			return nil, err
		}
		digest, err := digestUpdate(h, u)
		if err != nil {
			return nil, err
		}
		cms, err := c.build(ctx, digest)
		if err != nil {
			return nil, err
		}
		if len(cms) <= size {
			hex.Encode(u.buf[u.holeStart+1:], cms)
			return u, nil
		}
		size = len(cms) + 2048
	}
	return nil, fmt.Errorf("the signature does not fit the %d bytes reserved for it", size)
}

// digestUpdate finishes a copy of h over the update minus its hole.
func digestUpdate(h hash.Hash, u *update) ([]byte, error) {
	c, ok := h.(hash.Cloner)
	if !ok {
		return nil, errors.New("hash state cannot be cloned")
	}
	d, err := c.Clone()
	if err != nil {
		return nil, fmt.Errorf("clone hash: %w", err)
	}
	d.Write(u.buf[:u.holeStart])
	d.Write(u.buf[u.holeEnd:])
	return d.Sum(nil), nil
}

// seekReaderAt gives an io.ReadSeeker the io.ReaderAt the Reader needs.
// Reads are sequential here, so seeking before each one is fine.
type seekReaderAt struct{ rs io.ReadSeeker }

// ReadAt implements io.ReaderAt.
func (s *seekReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if _, err := s.rs.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	n, err := io.ReadFull(s.rs, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}
