package pades

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
)

// Object identifiers of the CMS structure (RFC 5652, RFC 5035, RFC 3161,
// RFC 5754, RFC 5758).
var (
	oidData               = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningCertV2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidSignatureTimeStamp = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
)

// algorithms are the identifiers for one digest.
type algorithms struct {
	digest, rsa, ecdsa asn1.ObjectIdentifier
}

var algorithmsByHash = map[crypto.Hash]algorithms{
	crypto.SHA256: {
		digest: asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1},
		rsa:    asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11},
		ecdsa:  asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2},
	},
	crypto.SHA384: {
		digest: asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2},
		rsa:    asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12},
		ecdsa:  asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3},
	},
	crypto.SHA512: {
		digest: asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3},
		rsa:    asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13},
		ecdsa:  asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4},
	},
}

// cmsSigner holds what every CMS built for one seal shares.
type cmsSigner struct {
	key   crypto.Signer
	chain []*x509.Certificate
	hash  crypto.Hash
	tsa   Timestamper
}

// build signs digest (of the document's signed byte ranges) and returns the
// timestamped CMS. A timestamp failure fails the build: there is no
// fallback to an untimestamped signature.
func (c *cmsSigner) build(ctx context.Context, digest []byte) ([]byte, error) {
	attrs := c.signedAttributes(digest)
	sig, err := c.sign(attrs)
	if err != nil {
		return nil, err
	}
	h := c.hash.New()
	h.Write(sig)
	imprint := h.Sum(nil)
	token, err := c.tsa.Timestamp(ctx, imprint, c.hash)
	if err != nil {
		return nil, fmt.Errorf("timestamp signature: %w", err)
	}
	if err := checkTokenFrom(c.tsa, token, imprint, c.hash); err != nil {
		return nil, fmt.Errorf("timestamp signature: %w", err)
	}
	return c.assemble(attrs, sig, token)
}

// estimateSize is the CMS size to reserve: the real structure with the
// largest signature the key makes and tokenAllowance for the token.
func (c *cmsSigner) estimateSize() int {
	attrs := c.signedAttributes(make([]byte, c.hash.Size()))
	cms, err := c.assemble(attrs, make([]byte, c.maxSignatureSize()), make([]byte, tokenAllowance))
	if err != nil {
		return tokenAllowance * 2
	}
	return len(cms) + 64
}

// signedAttributes encodes, as the SET that gets signed, exactly the three
// attributes PAdES baseline asks for: content-type, message-digest and
// signing-certificate-v2. There is no signing-time: the time is in /M and,
// authoritatively, in the timestamp token.
func (c *cmsSigner) signedAttributes(digest []byte) []byte {
	return setOf(
		attribute(oidContentType, oid(oidData)),
		attribute(oidMessageDigest, octets(digest)),
		attribute(oidSigningCertV2, signingCertificateV2(c.chain[0])),
	)
}

// signingCertificateV2 encodes SigningCertificateV2 (RFC 5035) with one
// ESSCertIDv2: the SHA-256 of the certificate (the DEFAULT algorithm, so
// not written) and its issuer and serial number.
func signingCertificateV2(cert *x509.Certificate) []byte {
	sum := sha256.Sum256(cert.Raw)
	issuerSerial := seq(
		seq(tlv(tagContext4, cert.RawIssuer)), // GeneralNames { directoryName }
		integer(cert.SerialNumber),
	)
	return seq(seq(seq(octets(sum[:]), issuerSerial)))
}

// sign signs the signed attributes and returns the signature value.
func (c *cmsSigner) sign(signedAttrs []byte) ([]byte, error) {
	h := c.hash.New()
	h.Write(signedAttrs)
	sig, err := c.key.Sign(rand.Reader, h.Sum(nil), c.hash)
	if err != nil {
		return nil, fmt.Errorf("sign attributes: %w", err)
	}
	return sig, nil
}

// signatureAlgorithm returns the AlgorithmIdentifier for the key type:
// sha*WithRSAEncryption (NULL parameters) or ecdsa-with-SHA* (none).
func (c *cmsSigner) signatureAlgorithm() ([]byte, error) {
	algs := algorithmsByHash[c.hash]
	switch c.key.Public().(type) {
	case *rsa.PublicKey:
		return seq(oid(algs.rsa), []byte{tagNull, 0}), nil
	case *ecdsa.PublicKey:
		return seq(oid(algs.ecdsa)), nil
	}
	return nil, fmt.Errorf("unsupported seal key type %T (want RSA or ECDSA)", c.key.Public())
}

// maxSignatureSize is the largest signature value the key can produce.
func (c *cmsSigner) maxSignatureSize() int {
	switch pub := c.key.Public().(type) {
	case *rsa.PublicKey:
		return pub.Size()
	case *ecdsa.PublicKey:
		n := (pub.Curve.Params().BitSize + 7) / 8
		return 2*(n+3) + 4 // SEQUENCE of two INTEGERs, each maybe with a leading zero
	}
	return 1024
}

// assemble builds the detached SignedData ContentInfo: version 1, one
// SignerInfo identified by issuer and serial number, the chain as
// certificates and the timestamp token as the only unsigned attribute.
func (c *cmsSigner) assemble(signedAttrs, signature, token []byte) ([]byte, error) {
	sigAlg, err := c.signatureAlgorithm()
	if err != nil {
		return nil, err
	}
	digestAlg := seq(oid(algorithmsByHash[c.hash].digest))
	leaf := c.chain[0]
	signerInfo := seq(
		integer(1),
		seq(leaf.RawIssuer, integer(leaf.SerialNumber)),
		digestAlg,
		implicit(tagContext0, signedAttrs),
		sigAlg,
		octets(signature),
		tlv(tagContext1, attribute(oidSignatureTimeStamp, token)),
	)
	var certs [][]byte
	for _, cert := range c.chain {
		certs = append(certs, cert.Raw)
	}
	signedData := seq(
		integer(1),
		setOf(digestAlg),
		seq(oid(oidData)),
		tlv(tagContext0, certs...),
		setOf(signerInfo),
	)
	return seq(oid(oidSignedData), tlv(tagContext0, signedData)), nil
}
