package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/gsign/gsign/internal/esign"
)

const p12Password = "correct horse"

// testCA issues certificates for PKCS#12 tests.
type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// newTestCA returns a CA valid from notBefore to notAfter.
func newTestCA(t *testing.T, notBefore, notAfter time.Time) testCA {
	t.Helper()
	key := newECKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Customer CA"},
		NotBefore: notBefore, NotAfter: notAfter,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	return testCA{cert: mustCreate(t, tmpl, tmpl, key.Public(), key), key: key}
}

// issue returns a seal certificate for pub, changed by mod.
func (ca testCA) issue(t *testing.T, pub crypto.PublicKey, mod func(*x509.Certificate)) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Customer Seal", Organization: []string{"Customer"}},
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	if mod != nil {
		mod(tmpl)
	}
	return mustCreate(t, tmpl, ca.cert, pub, ca.key)
}

// mustCreate signs a certificate or fails the test.
func mustCreate(t *testing.T, tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func newECKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newRSAKey(t *testing.T, bits int) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// encodeP12 encodes key, leaf and cas with enc or fails the test.
func encodeP12(t *testing.T, enc *pkcs12.Encoder, key any, leaf *x509.Certificate, cas ...*x509.Certificate) []byte {
	t.Helper()
	data, err := enc.Encode(key, leaf, cas, p12Password)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestImportSealPKCS12(t *testing.T) {
	ca := newTestCA(t, testNow.Add(-time.Hour), testNow.AddDate(5, 0, 0))
	ecKey, rsaKey := newECKey(t), newRSAKey(t, 2048)
	ecLeaf, rsaLeaf := ca.issue(t, ecKey.Public(), nil), ca.issue(t, rsaKey.Public(), nil)
	tests := []struct {
		name  string
		data  []byte
		key   crypto.Signer
		leaf  *x509.Certificate
		chain int
	}{
		{"modern", encodeP12(t, pkcs12.Modern, ecKey, ecLeaf, ca.cert), ecKey, ecLeaf, 2},
		{"modern 2026 (PBMAC1)", encodeP12(t, pkcs12.Modern2026, ecKey, ecLeaf, ca.cert), ecKey, ecLeaf, 2},
		{"legacy 3DES", encodeP12(t, pkcs12.LegacyDES, rsaKey, rsaLeaf, ca.cert), rsaKey, rsaLeaf, 2},
		{"legacy RC2", encodeP12(t, pkcs12.LegacyRC2, rsaKey, rsaLeaf, ca.cert), rsaKey, rsaLeaf, 2},
		{"BER", toBER(t, encodeP12(t, pkcs12.Legacy, rsaKey, rsaLeaf, ca.cert)), rsaKey, rsaLeaf, 2},
		{"leaf not first", encodeP12(t, pkcs12.Modern, ecKey, ca.cert, ecLeaf), ecKey, ecLeaf, 2},
		{"no chain", encodeP12(t, pkcs12.Modern, ecKey, ecLeaf), ecKey, ecLeaf, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, store := copyPKI(t)
			got, err := p.ImportSealPKCS12(t.Context(), tt.data, p12Password)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.leaf) {
				t.Error("returned certificate is not the leaf")
			}
			checkSealIs(t, p, tt.key, tt.leaf, tt.chain)
			if err := p.SelfTest(t.Context()); err != nil {
				t.Errorf("SelfTest after import: %v", err)
			}
			again, err := Open(t.Context(), testOptions(store))
			if err != nil {
				t.Fatal(err)
			}
			checkSealIs(t, again, tt.key, tt.leaf, tt.chain)
		})
	}
}

// checkSealIs checks that p seals with key and a chain of n starting at leaf.
func checkSealIs(t *testing.T, p *PKI, key crypto.Signer, leaf *x509.Certificate, n int) {
	t.Helper()
	signer, chain := p.Seal()
	if !samePublicKey(signer.Public(), key.Public()) || !samePublicKey(p.SealSigner().Public(), key.Public()) {
		t.Error("seal key is not the imported one")
	}
	if len(chain) != n || !chain[0].Equal(leaf) || !p.SealChain()[0].Equal(leaf) {
		t.Errorf("seal chain has %d certificates starting at %q, want %d from the imported leaf", len(chain), chain[0].Subject, n)
	}
}

func TestImportSealPKCS12Refuses(t *testing.T) {
	ca := newTestCA(t, testNow.Add(-time.Hour), testNow.AddDate(5, 0, 0))
	oldCA := newTestCA(t, testNow.AddDate(-2, 0, 0), testNow.Add(-time.Hour))
	key, other := newECKey(t), newECKey(t)
	leaf := ca.issue(t, key.Public(), nil)
	small := newRSAKey(t, 1024)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	tests := []struct {
		name     string
		data     []byte
		password string
		field    string
	}{
		{"wrong password", encodeP12(t, pkcs12.Modern, key, leaf, ca.cert), "wrong", "password"},
		{"wrong password, legacy", encodeP12(t, pkcs12.Legacy, key, leaf, ca.cert), "wrong", "password"},
		{"not PKCS#12", []byte("-----BEGIN CERTIFICATE-----"), p12Password, "file"},
		{"empty", nil, p12Password, "file"},
		{"key does not match", encodeP12(t, pkcs12.Modern, other, leaf, ca.cert), p12Password, "file"},
		{"expired", encodeP12(t, pkcs12.Modern, key, ca.issue(t, key.Public(), func(c *x509.Certificate) {
			c.NotBefore, c.NotAfter = testNow.AddDate(-1, 0, 0), testNow.Add(-time.Minute)
		}), ca.cert), p12Password, "file"},
		{"not yet valid", encodeP12(t, pkcs12.Modern, key, ca.issue(t, key.Public(), func(c *x509.Certificate) {
			c.NotBefore = testNow.Add(time.Hour)
		}), ca.cert), p12Password, "file"},
		{"no signing key usage", encodeP12(t, pkcs12.Modern, key, ca.issue(t, key.Public(), func(c *x509.Certificate) {
			c.KeyUsage = x509.KeyUsageKeyEncipherment
		}), ca.cert), p12Password, "file"},
		{"issuer expired", encodeP12(t, pkcs12.Modern, key, oldCA.issue(t, key.Public(), nil), oldCA.cert), p12Password, "file"},
		{"RSA 1024", encodeP12(t, pkcs12.Modern, small, ca.issue(t, small.Public(), nil), ca.cert), p12Password, "file"},
		{"Ed25519", encodeP12(t, pkcs12.Modern, edKey, ca.issue(t, edKey.Public(), nil), ca.cert), p12Password, "file"},
	}
	p, store := copyPKI(t)
	platform := p.SealChain()[0]
	before := keys(t, store)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.ImportSealPKCS12(t.Context(), tt.data, tt.password)
			var e *esign.Error
			if !errors.As(err, &e) || e.Kind != esign.KindInvalid || e.Fields[tt.field] == "" {
				t.Fatalf("import = %v, want invalid %s", err, tt.field)
			}
			t.Log(e.Message)
		})
	}
	if !p.SealChain()[0].Equal(platform) {
		t.Error("a refused import changed the seal")
	}
	if after := keys(t, store); len(after) != len(before) {
		t.Error("a refused import wrote to the store")
	}
}

// toBER re-encodes DER the way Java and old Windows write PKCS#12: every
// constructed element with an indefinite length, and long OCTET STRINGs in
// segments.
func toBER(t *testing.T, der []byte) []byte {
	t.Helper()
	var v asn1.RawValue
	rest, err := asn1.Unmarshal(der, &v)
	if err != nil || len(rest) != 0 {
		t.Fatalf("toBER: %v", err)
	}
	id, _, _ := readIdentifier(v.FullBytes)
	switch {
	case v.IsCompound:
		out := append(append([]byte(nil), id...), 0x80)
		for b := v.Bytes; len(b) > 0; {
			var kid asn1.RawValue
			b, _ = asn1.Unmarshal(b, &kid)
			out = append(out, toBER(t, kid.FullBytes)...)
		}
		return append(out, 0, 0)
	case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagOctetString && len(v.Bytes) > 16:
		out := []byte{0x24, 0x80}
		for b := v.Bytes; len(b) > 0; b = b[min(16, len(b)):] {
			out = append(out, berElem{id: []byte{0x04}, content: b[:min(16, len(b))]}.der()...)
		}
		return append(out, 0, 0)
	}
	return v.FullBytes
}
