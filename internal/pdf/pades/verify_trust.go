package pades

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

// oidTSTInfo is id-ct-TSTInfo, the content type of a timestamp token.
var oidTSTInfo = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}

// checkCMS checks a CAdES (or PKCS #7) detached signature: integrity
// against the ByteRange, the signature timestamp, the signer's chain.
func (v *verifier) checkCMS(s *sigState, der []byte, br [4]int64) {
	c, err := parseSignedCMS(der)
	if err != nil {
		s.problem("the CMS cannot be parsed: %v", err)
		return
	}
	if !c.contentType.Equal(oidData) || !c.detached {
		s.problem("the CMS is not a detached signature of id-data content")
		return
	}
	s.rep.DigestAlgorithm = c.hash.String()
	s.rep.SignerName, s.rep.SignerSubject = c.signer.Subject.CommonName, c.signer.Subject.String()
	if c.hash == crypto.SHA1 {
		s.problem("the digest algorithm SHA-1 is not accepted")
	}
	digest, err := v.hashRanges(c.hash, br)
	if err == nil {
		err = c.verify(digest)
	}
	if err != nil {
		s.problem("%v", err)
	} else {
		s.rep.IntegrityOK = true
	}
	at := v.opts.Now
	if token, ok := c.timestampToken(); ok {
		imprint := func(h crypto.Hash) ([]byte, error) { return hashOf(h, c.signature), nil }
		if ts := v.checkTimestamp(s, token, imprint, "the signature value"); ts.valid {
			at = ts.time
		}
	}
	s.rep.Chain, s.rep.ChainReason, s.rep.ChainOK = v.verifyChain(c.signer, c.certs, at, x509.ExtKeyUsageAny)
	if s.rep.ChainOK && c.signer.KeyUsage != 0 &&
		c.signer.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		s.rep.ChainOK = false
		s.rep.ChainReason = "the certificate's key usage allows neither digitalSignature nor contentCommitment"
	}
	if !s.rep.ChainOK {
		s.problem("the signer's certificate does not verify: %s", s.rep.ChainReason)
	}
}

// checkDocTimestamp checks a document timestamp: an RFC 3161 token whose
// imprint is the hash of the ByteRange.
func (v *verifier) checkDocTimestamp(s *sigState, token []byte, br [4]int64) {
	imprint := func(h crypto.Hash) ([]byte, error) { return v.hashRanges(h, br) }
	ts := v.checkTimestamp(s, token, imprint, "the signed bytes: the document was changed after timestamping")
	s.rep.DigestAlgorithm = ts.hash.String()
	if ts.tsa != nil {
		s.rep.SignerName, s.rep.SignerSubject = ts.tsa.Subject.CommonName, ts.tsa.Subject.String()
	}
	s.rep.Chain = ts.chain
	s.rep.IntegrityOK = s.rep.Timestamp.ImprintOK
	s.rep.ChainOK, s.rep.ChainReason = s.rep.Timestamp.ChainOK, s.rep.Timestamp.ChainReason
}

// tsResult is what checking a timestamp token found.
type tsResult struct {
	valid bool
	time  time.Time
	hash  crypto.Hash
	tsa   *x509.Certificate
	chain []string
}

// checkTimestamp checks an RFC 3161 token: its own signature, that its
// imprint is imprint(its hash) (over what), and the TSA's chain at the
// token's time. It fills s.rep.Timestamp.
func (v *verifier) checkTimestamp(s *sigState, token []byte, imprint func(crypto.Hash) ([]byte, error), what string) tsResult {
	tr := &s.rep.Timestamp
	tr.Present = true
	if c, err := parseSignedCMS(token); err != nil || !c.contentType.Equal(oidTSTInfo) || c.detached {
		s.problem("the timestamp token is not a well-formed RFC 3161 token: %v", firstErr(err, errors.New("it holds no TSTInfo")))
		return tsResult{}
	}
	ts, err := timestamp.Parse(token)
	if err != nil {
		s.problem("the timestamp token cannot be parsed or its signature does not verify: %v", err)
		return tsResult{}
	}
	res := tsResult{time: ts.Time, hash: ts.HashAlgorithm}
	tr.Time = ts.Time
	want, err := imprint(ts.HashAlgorithm)
	switch {
	case err != nil:
		s.problem("the timestamp cannot be checked: %v", err)
	case !bytes.Equal(want, ts.HashedMessage):
		s.problem("the timestamp's message imprint does not match %s", what)
	case !ts.AddTSACertificate:
		s.problem("the timestamp token carries no TSA certificate, so its signature cannot be checked")
	default:
		tr.ImprintOK = true
	}
	if p7, err := pkcs7.Parse(token); err == nil {
		res.tsa = p7.GetOnlySigner()
	}
	if res.tsa == nil {
		s.problem("the timestamp token names no signer certificate")
		return res
	}
	tr.TSASubject = res.tsa.Subject.String()
	res.chain, tr.ChainReason, tr.ChainOK = v.verifyChain(res.tsa, ts.Certificates, ts.Time, x509.ExtKeyUsageTimeStamping)
	if !tr.ChainOK {
		s.problem("the timestamp authority's certificate does not verify: %s", tr.ChainReason)
	}
	res.valid = tr.ImprintOK && tr.ChainOK
	return res
}

// verifyChain verifies leaf to the configured roots at time at, with the
// extra certificates as intermediates, and checks revocation against the
// configured CRLs. It returns the chain's subjects, leaf first, why it
// failed, and whether it verified.
func (v *verifier) verifyChain(leaf *x509.Certificate, extra []*x509.Certificate, at time.Time, usage x509.ExtKeyUsage) ([]string, string, bool) {
	if v.opts.Roots == nil {
		return subjects(naiveChain(leaf, extra)), "no trust anchors are configured", false
	}
	inter := x509.NewCertPool()
	if v.opts.Intermediates != nil {
		inter = v.opts.Intermediates.Clone()
	}
	for _, c := range extra {
		inter.AddCert(c)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots: v.opts.Roots, Intermediates: inter, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{usage},
	})
	if err != nil {
		return subjects(naiveChain(leaf, extra)), err.Error(), false
	}
	if why := v.revoked(chains[0], at); why != "" {
		return subjects(chains[0]), why, false
	}
	return subjects(chains[0]), "", true
}

// revoked checks each certificate of chain against the configured CRLs
// that its issuer signed. A revocation after at does not count, unless for
// key compromise, which taints earlier signatures too.
func (v *verifier) revoked(chain []*x509.Certificate, at time.Time) string {
	const keyCompromise = 1
	for i := 0; i+1 < len(chain); i++ {
		cert, issuer := chain[i], chain[i+1]
		for _, crl := range v.crls {
			if !bytes.Equal(crl.RawIssuer, cert.RawIssuer) || crl.CheckSignatureFrom(issuer) != nil {
				continue
			}
			for _, e := range crl.RevokedCertificateEntries {
				if e.SerialNumber.Cmp(cert.SerialNumber) != 0 || (e.RevocationTime.After(at) && e.ReasonCode != keyCompromise) {
					continue
				}
				return fmt.Sprintf("the certificate %q was revoked on %s", cert.Subject.CommonName, e.RevocationTime.UTC().Format(time.RFC3339))
			}
		}
	}
	return ""
}

// parseCRLs parses the configured revocation lists.
func (v *verifier) parseCRLs() {
	for i, der := range v.opts.CRLs {
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			v.problem("revocation list %d cannot be parsed: %v", i+1, err)
			continue
		}
		v.crls = append(v.crls, crl)
	}
}

// naiveChain orders extra after leaf by issuer name, for the report of a
// chain that does not verify.
func naiveChain(leaf *x509.Certificate, extra []*x509.Certificate) []*x509.Certificate {
	chain := []*x509.Certificate{leaf}
	for cur := leaf; len(chain) < 10 && !bytes.Equal(cur.RawIssuer, cur.RawSubject); {
		var next *x509.Certificate
		for _, c := range extra {
			if bytes.Equal(c.RawSubject, cur.RawIssuer) && !c.Equal(cur) {
				next = c
				break
			}
		}
		if next == nil {
			break
		}
		chain = append(chain, next)
		cur = next
	}
	return chain
}

func subjects(chain []*x509.Certificate) []string {
	out := make([]string, len(chain))
	for i, c := range chain {
		out[i] = c.Subject.String()
	}
	return out
}

func hashOf(h crypto.Hash, b []byte) []byte {
	d := h.New()
	d.Write(b)
	return d.Sum(nil)
}

// hashRanges hashes the two ranges of br, streaming them from the file.
func (v *verifier) hashRanges(h crypto.Hash, br [4]int64) ([]byte, error) {
	if !h.Available() {
		return nil, fmt.Errorf("hash %v is not available", h)
	}
	d := h.New()
	buf := make([]byte, copyChunk)
	for _, rg := range [][2]int64{{br[0], br[1]}, {br[2], br[3]}} {
		sr := io.NewSectionReader(v.ra, rg[0], rg[1])
		for {
			if err := v.ctx.Err(); err != nil {
				return nil, err
			}
			n, err := sr.Read(buf)
			d.Write(buf[:n])
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
		}
	}
	return d.Sum(nil), nil
}
