package pades

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

var oidSigningTime = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}

// signature is the newest signature of a sealed file, read back with this
// package's Reader.
type signature struct {
	field     string
	dict      Dict
	byteRange [4]int64
	cms       []byte
	signed    []byte // the bytes the ByteRange covers
}

// lastSignature reads the newest signature field's signature dictionary.
func lastSignature(t *testing.T, pdf []byte) signature {
	t.Helper()
	r, err := NewReader(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		t.Fatalf("read sealed file: %v", err)
	}
	_, cat, err := r.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	form, err := r.ResolveDict(cat.Get("AcroForm"))
	if err != nil {
		t.Fatal(err)
	}
	if flags, _ := form.Int("SigFlags"); flags&3 != 3 {
		t.Errorf("/SigFlags = %d, want bits 1 and 2 set", flags)
	}
	fields, err := r.resolveArray(form.Get("Fields"))
	if err != nil || len(fields) == 0 {
		t.Fatalf("acroform fields: %v, %v", fields, err)
	}
	field, err := r.ResolveDict(fields[len(fields)-1])
	if err != nil {
		t.Fatal(err)
	}
	sigDict, err := r.ResolveDict(field.Get("V"))
	if err != nil {
		t.Fatal(err)
	}
	return parseSignature(t, pdf, decodeText(field.Get("T").(String)), sigDict)
}

func parseSignature(t *testing.T, pdf []byte, name string, d Dict) signature {
	t.Helper()
	sig := signature{field: name, dict: d}
	br, _ := d.Get("ByteRange").(Array)
	if len(br) != 4 {
		t.Fatalf("ByteRange = %v", d.Get("ByteRange"))
	}
	for i, v := range br {
		sig.byteRange[i] = int64(v.(Integer))
	}
	b := sig.byteRange
	sig.signed = append(bytes.Clone(pdf[b[0]:b[0]+b[1]]), pdf[b[2]:b[2]+b[3]]...)
	contents, _ := d.Get("Contents").(String)
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal([]byte(contents), &raw); err != nil {
		t.Fatalf("parse /Contents: %v", err)
	}
	sig.cms = raw.FullBytes
	if hole := pdf[b[0]+b[1] : b[2]]; hole[0] != '<' || hole[len(hole)-1] != '>' {
		t.Errorf("the ByteRange gap is not exactly the /Contents string")
	}
	for key, want := range map[Name]Name{"Type": "Sig", "Filter": "Adobe.PPKLite", "SubFilter": "ETSI.CAdES.detached"} {
		if got := d.Name(key); got != want {
			t.Errorf("/%s = /%s, want /%s", key, got, want)
		}
	}
	if _, ok := d.Get("M").(String); !ok {
		t.Error("signature dictionary has no /M")
	}
	return sig
}

// inspectCMS verifies the CMS against the signed bytes and checks the PAdES
// baseline profile: exactly content-type, message-digest and
// signing-certificate-v2 signed, no signing-time, and a signature
// timestamp over the signature value.
func inspectCMS(t *testing.T, sig signature, pki *testPKI) {
	t.Helper()
	p7, err := pkcs7.Parse(sig.cms)
	if err != nil {
		t.Fatalf("parse CMS: %v", err)
	}
	if len(p7.Content) != 0 {
		t.Error("the CMS is not detached")
	}
	p7.Content = sig.signed
	if err := p7.VerifyWithChain(pki.rootPool); err != nil {
		t.Fatalf("verify CMS: %v", err)
	}
	if len(p7.Signers) != 1 {
		t.Fatalf("%d signer infos, want 1", len(p7.Signers))
	}
	si := p7.Signers[0]
	var types []asn1.ObjectIdentifier
	for _, a := range si.AuthenticatedAttributes {
		types = append(types, a.Type)
		if a.Type.Equal(oidSigningTime) {
			t.Error("the CMS has a signing-time attribute")
		}
	}
	want := []asn1.ObjectIdentifier{oidContentType, oidMessageDigest, oidSigningCertV2}
	if len(types) != len(want) {
		t.Errorf("signed attributes %v, want %v", types, want)
	}
	for _, w := range want {
		if !containsOID(types, w) {
			t.Errorf("signed attribute %v missing", w)
		}
	}
	checkSignatureAlgorithm(t, si.DigestAlgorithm, si.DigestEncryptionAlgorithm, p7.GetOnlySigner())
	checkSigningCertV2(t, p7)
	checkTimestamp(t, p7, pki)
}

// checkSignatureAlgorithm checks the SignerInfo's signatureAlgorithm
// against the signer's key: sha*WithRSAEncryption with NULL parameters
// (RFC 4055) or ecdsa-with-SHA* without parameters (RFC 5758 3.2).
func checkSignatureAlgorithm(t *testing.T, digestAlg, sigAlg pkix.AlgorithmIdentifier, signer *x509.Certificate) {
	t.Helper()
	var algs algorithms
	for _, a := range algorithmsByHash {
		if a.digest.Equal(digestAlg.Algorithm) {
			algs = a
		}
	}
	want, params := algs.rsa, []byte{tagNull, 0}
	if _, ok := signer.PublicKey.(*ecdsa.PublicKey); ok {
		want, params = algs.ecdsa, nil
	}
	if !sigAlg.Algorithm.Equal(want) || !bytes.Equal(sigAlg.Parameters.FullBytes, params) {
		t.Errorf("signatureAlgorithm %v params %x, want %v params %x for a %T key", sigAlg.Algorithm, sigAlg.Parameters.FullBytes, want, params, signer.PublicKey)
	}
}

func containsOID(list []asn1.ObjectIdentifier, o asn1.ObjectIdentifier) bool {
	for _, l := range list {
		if l.Equal(o) {
			return true
		}
	}
	return false
}

// checkSigningCertV2 compares the ESSCertIDv2 with the signer certificate.
func checkSigningCertV2(t *testing.T, p7 *pkcs7.PKCS7) {
	t.Helper()
	var scv2 struct {
		Certs []struct {
			CertHash     []byte
			IssuerSerial asn1.RawValue
		}
	}
	if err := p7.UnmarshalSignedAttribute(oidSigningCertV2, &scv2); err != nil {
		t.Fatalf("signing-certificate-v2: %v", err)
	}
	leaf := p7.GetOnlySigner()
	if len(scv2.Certs) != 1 || !bytes.Equal(scv2.Certs[0].CertHash, sha256Sum(leaf.Raw)) {
		t.Error("signing-certificate-v2 does not hold the SHA-256 of the signer certificate")
	}
	if !bytes.Contains(scv2.Certs[0].IssuerSerial.FullBytes, leaf.RawIssuer) {
		t.Error("signing-certificate-v2 issuerSerial does not name the issuer")
	}
}

// checkTimestamp checks the signature timestamp token: issued by the test
// TSA, over the hash of the signature value.
func checkTimestamp(t *testing.T, p7 *pkcs7.PKCS7, pki *testPKI) {
	t.Helper()
	si := p7.Signers[0]
	if len(si.UnauthenticatedAttributes) != 1 || !si.UnauthenticatedAttributes[0].Type.Equal(oidSignatureTimeStamp) {
		t.Fatalf("unsigned attributes: want exactly the signature timestamp token")
	}
	ts, err := timestamp.Parse(si.UnauthenticatedAttributes[0].Value.Bytes)
	if err != nil {
		t.Fatalf("parse timestamp token: %v", err)
	}
	h := ts.HashAlgorithm.New()
	h.Write(si.EncryptedDigest)
	if !bytes.Equal(ts.HashedMessage, h.Sum(nil)) {
		t.Error("the timestamp imprint is not the hash of the signature value")
	}
	if len(ts.Certificates) == 0 || !ts.Certificates[0].Equal(pki.tsaCert) {
		t.Error("the timestamp token does not carry the TSA certificate")
	}
	opts := x509.VerifyOptions{Roots: pki.rootPool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}
	if _, err := pki.tsaCert.Verify(opts); err != nil {
		t.Errorf("TSA certificate: %v", err)
	}
}

func sha256Sum(b []byte) []byte {
	h := crypto.SHA256.New()
	h.Write(b)
	return h.Sum(nil)
}
