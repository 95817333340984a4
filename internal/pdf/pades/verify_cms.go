package pades

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// The CMS of a signature is parsed here with encoding/asn1 rather than
// with a PKCS #7 library: the signature covers the signed attributes as
// they were encoded, which must be hashed as found, and the document's
// digest is computed by streaming the ByteRange, never by holding the
// document in memory.

var (
	oidSigningCertV1 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidRSAPSS        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
)

// hashesByOID maps digest algorithm identifiers to hashes.
var hashesByOID = map[string]crypto.Hash{
	"1.3.14.3.2.26":          crypto.SHA1,
	"2.16.840.1.101.3.4.2.4": crypto.SHA224,
	"2.16.840.1.101.3.4.2.1": crypto.SHA256,
	"2.16.840.1.101.3.4.2.2": crypto.SHA384,
	"2.16.840.1.101.3.4.2.3": crypto.SHA512,
}

type cmsContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

// cmsRaw keeps an optional, implicitly tagged element as encoded.
type cmsRaw struct{ Raw asn1.RawContent }

type cmsSignedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	EncapContentInfo cmsEncapContent
	Certificates     cmsRaw          `asn1:"optional,tag:0"`
	CRLs             cmsRaw          `asn1:"optional,tag:1"`
	SignerInfos      []cmsSignerInfo `asn1:"set"`
}

type cmsEncapContent struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type cmsSignerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        cmsRaw `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      cmsRaw `asn1:"optional,tag:1"`
}

type cmsAttribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

// signedCMS is the one SignerInfo of a SignedData, ready to check.
type signedCMS struct {
	contentType asn1.ObjectIdentifier // eContentType
	detached    bool
	hash        crypto.Hash
	certs       []*x509.Certificate
	signer      *x509.Certificate
	signedAttrs []byte // the SET OF as signed, tag 0x31
	attrs       []cmsAttribute
	sigAlg      asn1.ObjectIdentifier
	signature   []byte
	unsigned    []cmsAttribute
}

// parseSignedCMS parses a DER ContentInfo holding a SignedData with one
// signer, and checks that its parts agree with each other.
func parseSignedCMS(der []byte) (*signedCMS, error) {
	if err := strictDER(der); err != nil {
		return nil, fmt.Errorf("not DER: %v", err)
	}
	var ci cmsContentInfo
	if rest, err := asn1.Unmarshal(der, &ci); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("not a DER ContentInfo: %v", err)
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, errors.New("not a SignedData")
	}
	var sd cmsSignedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("bad SignedData: %v", err)
	}
	if len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("%d signer infos, want 1", len(sd.SignerInfos))
	}
	si := sd.SignerInfos[0]
	if err := checkShape(&sd, &si); err != nil {
		return nil, err
	}
	c := &signedCMS{
		contentType: sd.EncapContentInfo.ContentType, detached: len(sd.EncapContentInfo.Content.FullBytes) == 0,
		sigAlg: si.SignatureAlgorithm.Algorithm, signature: si.Signature,
	}
	if inner := sd.EncapContentInfo.Content.Bytes; !c.detached && (len(inner) == 0 || inner[0] != tagOctetString) {
		return nil, errors.New("the encapsulated content is not an OCTET STRING")
	}
	var ok bool
	if c.hash, ok = hashesByOID[si.DigestAlgorithm.Algorithm.String()]; !ok {
		return nil, fmt.Errorf("unknown digest algorithm %v", si.DigestAlgorithm.Algorithm)
	}
	var err error
	if c.certs, err = parseCertSet(sd.Certificates.Raw); err != nil {
		return nil, err
	}
	if c.signer = findSigner(c.certs, si.SID); c.signer == nil {
		return nil, errors.New("the signer's certificate is not in the CMS")
	}
	if !sigAlgFits(c.sigAlg, c.signer.PublicKey) {
		return nil, fmt.Errorf("the signature algorithm %v does not fit the signer's %T key", c.sigAlg, c.signer.PublicKey)
	}
	if c.signedAttrs, c.attrs, err = parseAttrs(si.SignedAttrs.Raw); err != nil {
		return nil, fmt.Errorf("signed attributes: %v", err)
	}
	if _, c.unsigned, err = parseAttrs(si.UnsignedAttrs.Raw); err != nil {
		return nil, fmt.Errorf("unsigned attributes: %v", err)
	}
	return c, nil
}

// checkShape checks the version numbers against the signer identifier
// (RFC 5652, 5.1 and 5.3) and that the signer's digest algorithm is among
// those the SignedData declares.
func checkShape(sd *cmsSignedData, si *cmsSignerInfo) error {
	if sd.Version != 1 && sd.Version != 3 && sd.Version != 4 && sd.Version != 5 {
		return fmt.Errorf("SignedData version %d", sd.Version)
	}
	bySKI := si.SID.Class == asn1.ClassContextSpecific && si.SID.Tag == 0
	if (bySKI && si.Version != 3) || (!bySKI && si.Version != 1) {
		return fmt.Errorf("SignerInfo version %d does not fit its signer identifier", si.Version)
	}
	for _, a := range sd.DigestAlgorithms {
		if a.Algorithm.Equal(si.DigestAlgorithm.Algorithm) {
			return nil
		}
	}
	return errors.New("the signer's digest algorithm is not among the SignedData's")
}

// Signature algorithm identifiers by key type: the key decides how a
// signature is checked, so an identifier that names another algorithm is
// refused rather than ignored.
var sigAlgsByKey = map[string][]string{
	"rsa":     {"1.2.840.113549.1.1.1", "1.2.840.113549.1.1.10", "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13", "1.2.840.113549.1.1.14"},
	"ecdsa":   {"1.2.840.10045.2.1", "1.2.840.10045.4.3.1", "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4"},
	"ed25519": {"1.3.101.112"},
}

func sigAlgFits(alg asn1.ObjectIdentifier, pub any) bool {
	var key string
	switch pub.(type) {
	case *rsa.PublicKey:
		key = "rsa"
	case *ecdsa.PublicKey:
		key = "ecdsa"
	case ed25519.PublicKey:
		key = "ed25519"
	}
	return slices.Contains(sigAlgsByKey[key], alg.String())
}

// parseCertSet parses the [0] certificates of a SignedData, skipping the
// other certificate choices.
func parseCertSet(raw []byte) ([]*x509.Certificate, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var set asn1.RawValue
	if _, err := asn1.Unmarshal(raw, &set); err != nil {
		return nil, fmt.Errorf("certificates: %v", err)
	}
	var certs []*x509.Certificate
	for rest := set.Bytes; len(rest) > 0; {
		var el asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &el); err != nil {
			return nil, fmt.Errorf("certificates: %v", err)
		}
		if el.Class != asn1.ClassUniversal || el.Tag != asn1.TagSequence {
			continue
		}
		cert, err := x509.ParseCertificate(el.FullBytes)
		if err != nil {
			return nil, fmt.Errorf("certificate: %v", err)
		}
		certs = append(certs, cert)
	}
	return certs, nil
}

// findSigner finds the certificate a SignerIdentifier names: issuer and
// serial number, or [0] subject key identifier.
func findSigner(certs []*x509.Certificate, sid asn1.RawValue) *x509.Certificate {
	if sid.Class == asn1.ClassContextSpecific && sid.Tag == 0 {
		for _, c := range certs {
			if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, sid.Bytes) {
				return c
			}
		}
		return nil
	}
	var ias struct {
		Issuer asn1.RawValue
		Serial *big.Int
	}
	if _, err := asn1.Unmarshal(sid.FullBytes, &ias); err != nil {
		return nil
	}
	for _, c := range certs {
		if bytes.Equal(c.RawIssuer, ias.Issuer.FullBytes) && c.SerialNumber.Cmp(ias.Serial) == 0 {
			return c
		}
	}
	return nil
}

// parseAttrs re-tags an implicit [n] SET OF Attribute as the SET it
// stands for and parses it.
func parseAttrs(raw []byte) ([]byte, []cmsAttribute, error) {
	if len(raw) == 0 {
		return nil, nil, nil
	}
	set := bytes.Clone(raw)
	set[0] = tagSet
	var attrs []cmsAttribute
	if rest, err := asn1.UnmarshalWithParams(set, &attrs, "set"); err != nil || len(rest) > 0 {
		return nil, nil, fmt.Errorf("bad attributes: %v", err)
	}
	return set, attrs, nil
}

// attr returns the first value of the attribute typ.
func attr(attrs []cmsAttribute, typ asn1.ObjectIdentifier) ([]byte, bool) {
	for _, a := range attrs {
		if a.Type.Equal(typ) {
			var v asn1.RawValue
			if _, err := asn1.Unmarshal(a.Values.Bytes, &v); err != nil {
				return nil, false
			}
			return v.FullBytes, true
		}
	}
	return nil, false
}

// errDigestMismatch means the document changed after signing.
var errDigestMismatch = errors.New("the message digest does not match the signed bytes: the document was changed after signing")

// verify checks the CMS against digest, the hash of the ByteRange: the
// signed message-digest, content-type and signing certificate
// attributes, then the signature with the signer's key.
func (c *signedCMS) verify(digest []byte) error {
	if c.signedAttrs == nil {
		return c.checkSignature(digest, nil)
	}
	md, ok := attr(c.attrs, oidMessageDigest)
	var got []byte
	if !ok {
		return errors.New("the CMS has no message-digest attribute")
	}
	if _, err := asn1.Unmarshal(md, &got); err != nil {
		return errors.New("the message-digest attribute is malformed")
	}
	if !bytes.Equal(got, digest) {
		return errDigestMismatch
	}
	if ct, ok := attr(c.attrs, oidContentType); !ok || !bytes.Equal(ct, oid(c.contentType)) {
		return errors.New("the content-type attribute is missing or differs from the encapsulated content type")
	}
	if err := c.checkSigningCert(); err != nil {
		return err
	}
	h := c.hash.New()
	h.Write(c.signedAttrs)
	return c.checkSignature(h.Sum(nil), c.signedAttrs)
}

// checkSigningCert compares the signing-certificate(-v2) attribute, when
// present, with the signer's certificate, against substitution.
func (c *signedCMS) checkSigningCert() error {
	want, h, err := c.essCertHash()
	if err != nil || want == nil {
		return err
	}
	d := h.New()
	d.Write(c.signer.Raw)
	if !bytes.Equal(want, d.Sum(nil)) {
		return errors.New("the signing-certificate attribute names another certificate than the signer's")
	}
	return nil
}

// essCertHash returns the certificate hash of the first ESSCertIDv2 (or,
// failing that, ESSCertID) and its algorithm; nil when there is none.
func (c *signedCMS) essCertHash() ([]byte, crypto.Hash, error) {
	if v2, ok := attr(c.attrs, oidSigningCertV2); ok {
		var ids struct {
			Certs []struct {
				Alg  pkix.AlgorithmIdentifier `asn1:"optional"`
				Hash []byte
			}
		}
		if _, err := asn1.Unmarshal(v2, &ids); err != nil || len(ids.Certs) == 0 {
			return nil, 0, errors.New("the signing-certificate-v2 attribute is malformed")
		}
		if len(ids.Certs[0].Alg.Algorithm) == 0 {
			return ids.Certs[0].Hash, crypto.SHA256, nil // the DEFAULT
		}
		h, known := hashesByOID[ids.Certs[0].Alg.Algorithm.String()]
		if !known {
			return nil, 0, errors.New("the signing-certificate-v2 attribute uses an unknown hash")
		}
		return ids.Certs[0].Hash, h, nil
	}
	if v1, ok := attr(c.attrs, oidSigningCertV1); ok {
		var ids struct{ Certs []struct{ Hash []byte } }
		if _, err := asn1.Unmarshal(v1, &ids); err != nil || len(ids.Certs) == 0 {
			return nil, 0, errors.New("the signing-certificate attribute is malformed")
		}
		return ids.Certs[0].Hash, crypto.SHA1, nil
	}
	return nil, 0, nil
}

// checkSignature verifies the signature value over digest (and, for
// Ed25519, msg) with the signer's public key.
func (c *signedCMS) checkSignature(digest, msg []byte) error {
	bad := errors.New("the CMS signature does not verify with the signer's certificate")
	switch pub := c.signer.PublicKey.(type) {
	case *rsa.PublicKey:
		var err error
		if c.sigAlg.Equal(oidRSAPSS) {
			err = rsa.VerifyPSS(pub, c.hash, digest, c.signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
		} else {
			err = rsa.VerifyPKCS1v15(pub, c.hash, digest, c.signature)
		}
		if err != nil {
			return bad
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, digest, c.signature) {
			return bad
		}
	case ed25519.PublicKey:
		if msg == nil || !ed25519.Verify(pub, msg, c.signature) {
			return bad
		}
	default:
		return fmt.Errorf("unsupported signer key type %T", pub)
	}
	return nil
}

// timestampToken returns the signature timestamp token, if any.
func (c *signedCMS) timestampToken() ([]byte, bool) {
	return attr(c.unsigned, oidSignatureTimeStamp)
}
