package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/digitorus/timestamp"
)

// Level is a PAdES baseline level (ETSI EN 319 142-1, clause 6).
type Level string

const (
	// LevelBT is a signature with an RFC 3161 signature timestamp.
	LevelBT Level = "B-T"
	// LevelBLT adds, in a second incremental update, a document security
	// store (/DSS) with the certificates and CRLs that validate the
	// signature and its timestamp.
	LevelBLT Level = "B-LT"
	// LevelBLTA adds, in a third incremental update, a document timestamp
	// over the whole file, validation data included.
	LevelBLTA Level = "B-LTA"
)

// level returns the configured level, LevelBT when none is.
func (s *Sealer) level() Level {
	if s.Level == "" {
		return LevelBT
	}
	return s.Level
}

// checkLevel checks that the level is known and has what it needs.
func (s *Sealer) checkLevel() error {
	switch s.level() {
	case LevelBT:
		return nil
	case LevelBLT, LevelBLTA:
		if s.Revocation == nil {
			return fmt.Errorf("level %s needs a Revocation source", s.level())
		}
		return nil
	}
	return fmt.Errorf("unknown PAdES level %q (want %s, %s or %s)", s.Level, LevelBT, LevelBLT, LevelBLTA)
}

// ltvSeal is what the updates after the signature need: the validation
// data gathered before the seal, and the signature timestamp's token,
// which brings the TSA's certificates.
type ltvSeal struct {
	level  Level
	signer *cmsSigner
	tokens *tokenRecorder
	certs  []*x509.Certificate // the seal chain and ExtraCerts
	crls   [][]byte
	parsed []*x509.RevocationList
}

// prepareLTV fetches and checks the revocation data and makes signer
// record its timestamp tokens. It returns nil at LevelBT, which needs
// neither.
func (s *Sealer) prepareLTV(ctx context.Context, signer *cmsSigner) (*ltvSeal, error) {
	if s.level() == LevelBT {
		return nil, nil
	}
	crls, err := s.Revocation(ctx)
	if err != nil {
		return nil, fmt.Errorf("revocation data: %w", err)
	}
	if len(crls) == 0 {
		return nil, fmt.Errorf("revocation data: level %s needs at least one CRL", s.level())
	}
	l := &ltvSeal{level: s.level(), signer: signer, crls: crls}
	for i, der := range crls {
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			return nil, fmt.Errorf("revocation data: CRL %d: %w", i+1, err)
		}
		l.parsed = append(l.parsed, crl)
	}
	l.certs = append(append(l.certs, s.Chain...), s.ExtraCerts...)
	if err := l.checkNotRevoked(l.certs); err != nil {
		return nil, err
	}
	l.tokens = &tokenRecorder{Timestamper: signer.tsa}
	signer.tsa = l.tokens
	return l, nil
}

// checkNotRevoked refuses certificates that the CRLs list: a seal or a
// timestamp that its own validation data shows as revoked is worthless.
func (l *ltvSeal) checkNotRevoked(certs []*x509.Certificate) error {
	for _, cert := range certs {
		for _, crl := range l.parsed {
			if !bytes.Equal(crl.RawIssuer, cert.RawIssuer) {
				continue
			}
			for _, e := range crl.RevokedCertificateEntries {
				if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
					return fmt.Errorf("certificate %q (serial %x) is revoked", cert.Subject.CommonName, cert.SerialNumber)
				}
			}
		}
	}
	return nil
}

// tokenRecorder keeps the last token its Timestamper granted: after the
// signature is made, the signature timestamp's.
type tokenRecorder struct {
	Timestamper
	last []byte
}

// Timestamp implements Timestamper.
func (t *tokenRecorder) Timestamp(ctx context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	token, err := t.Timestamper.Timestamp(ctx, digest, h)
	if err == nil {
		t.last = token
	}
	return token, err
}

// extend appends, after the signed update u, the update with the document
// security store and, at LevelBLTA, the document timestamp's.
func (l *ltvSeal) extend(ctx context.Context, out *appender, u *update, sealField string, at time.Time) error {
	vd, err := l.validationData()
	if err != nil {
		return err
	}
	contents, err := u.contents()
	if err != nil {
		return err
	}
	if err := appendDSS(out, vd, contents, at); err != nil {
		return err
	}
	if l.level == LevelBLT {
		return nil
	}
	return l.docTimestamp(ctx, out, sealField+" timestamp", at)
}

// validationData lists the DER certificates and CRLs for the DSS, each
// once: the seal chain, ExtraCerts and the certificates of the signature
// timestamp token, and the CRLs.
func (l *ltvSeal) validationData() (validationData, error) {
	if l.tokens.last == nil {
		return validationData{}, errors.New("no signature timestamp token was recorded")
	}
	ts, err := timestamp.Parse(l.tokens.last)
	if err != nil {
		return validationData{}, fmt.Errorf("parse signature timestamp token: %w", err)
	}
	if err := l.checkNotRevoked(ts.Certificates); err != nil {
		return validationData{}, fmt.Errorf("timestamp authority: %w", err)
	}
	var vd validationData
	seen := map[string]bool{}
	for _, c := range append(l.certs[:len(l.certs):len(l.certs)], ts.Certificates...) {
		if !seen[string(c.Raw)] {
			seen[string(c.Raw)] = true
			vd.certs = append(vd.certs, c.Raw)
		}
	}
	for _, crl := range l.crls {
		if !seen[string(crl)] {
			seen[string(crl)] = true
			vd.crls = append(vd.crls, crl)
		}
	}
	return vd, nil
}

// validationData is what a DSS update adds: DER certificates and CRLs.
type validationData struct {
	certs, crls [][]byte
}

// appender writes the updates that follow the signed one. Each goes to w,
// through h, the running hash of all output so far, and into tail, so
// that a Reader over the original and tail sees the file as written: the
// next update is planned from it like the first was from the original.
// tail holds only updates, a few dozen kilobytes, whatever the document.
type appender struct {
	w    io.Writer
	h    hash.Hash
	orig *Reader
	tail []byte
}

func (a *appender) write(b []byte) error {
	if _, err := a.w.Write(b); err != nil {
		return err
	}
	a.h.Write(b)
	a.tail = append(a.tail, b...)
	return nil
}

// reader returns a Reader of the file as written so far. It reads only
// the sections of the updates; the original's, already read, are shared.
func (a *appender) reader() (*Reader, error) {
	r := &Reader{ra: a, size: a.orig.Size() + int64(len(a.tail)), locs: map[int64]location{}, rowCacheLimit: maxCachedRows}
	var err error
	if r.startxref, err = r.findStartXRef(); err != nil {
		return nil, err
	}
	for off := r.startxref; off != a.orig.StartXRef(); {
		if off < a.orig.Size() || len(r.sections) > maxSections {
			return nil, fmt.Errorf("update cross-reference chain leads to %d, not to the original's %d", off, a.orig.StartXRef())
		}
		sec, err := r.readSection(off)
		if err != nil {
			return nil, err
		}
		r.sections = append(r.sections, sec)
		off = sec.Prev()
	}
	r.sections = append(r.sections, a.orig.Sections()...)
	return r, nil
}

// ReadAt implements io.ReaderAt over the original followed by tail.
func (a *appender) ReadAt(p []byte, off int64) (int, error) {
	n, size := 0, a.orig.Size()
	if off < size {
		k := min(int64(len(p)), size-off)
		m, err := a.orig.ra.ReadAt(p[:k], off)
		if int64(m) < k {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF // the original is shorter than it was
			}
			return m, err
		}
		n, off = m, size
	}
	if t := off - size; t < int64(len(a.tail)) {
		n += copy(p[n:], a.tail[t:])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// planFollowUp starts an empty plan for an update after the newest
// revision r reads, continuing its object numbers, /Prev chain, /Root,
// /Info and first /ID element, and its kind of cross-reference section. It
// also returns the catalog, which every update reads.
func planFollowUp(r *Reader) (*plan, Dict, error) {
	trailer := r.Trailer()
	last := r.Sections()[0]
	p := &plan{
		origSize: r.Size(),
		prev:     r.StartXRef(),
		stream:   last.Kind == XRefStream || last.XRefStm != 0,
		info:     trailer.Get("Info"),
		next:     nextObjectNumber(r),
	}
	if ids, ok := trailer.Get("ID").(Array); ok && len(ids) > 0 {
		p.id0, _ = ids[0].(String)
	}
	root, cat, err := r.Catalog()
	if err != nil {
		return nil, nil, err
	}
	p.root = root
	return p, cat, nil
}

// streamData is the data of a new unfiltered stream object, which a plan
// of a follow-up update may hold among its objects.
type streamData []byte

// appendBody appends p's objects, then the cross-reference section for
// them and for the entries already in u.buf, to u.buf.
func (p *plan) appendBody(u *update, entries []xrefEntry, at time.Time) error {
	for _, o := range p.objects {
		entries = append(entries, xrefEntry{o.ref, p.offset(u.buf)})
		u.buf = fmt.Appendf(u.buf, "%d %d obj\n", o.ref.Num, o.ref.Gen)
		if data, ok := o.obj.(streamData); ok {
			u.buf = fmt.Appendf(u.buf, "<</Length %d>>\nstream\n", len(data))
			u.buf = append(append(u.buf, data...), "\nendstream"...)
		} else {
			var err error
			if u.buf, err = appendObject(u.buf, o.obj); err != nil {
				return fmt.Errorf("write object %d: %w", o.ref.Num, err)
			}
		}
		u.buf = append(u.buf, "\nendobj\n"...)
	}
	if p.stream {
		u.buf = p.appendXRefStream(u.buf, entries, p.trailer(at))
	} else {
		u.buf = p.appendXRefTable(u.buf, entries, p.trailer(at))
	}
	return nil
}
