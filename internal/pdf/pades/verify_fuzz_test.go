package pades

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary bytes to Verify: it must never panic or hang,
// refuse only with an *esign.Error, and be valid exactly when it reports
// no problem.
func FuzzVerify(f *testing.F) {
	pki := ecdsaPKI(f)
	s := &Sealer{Signer: pki.ecKey, Chain: []*x509.Certificate{pki.ecSeal, pki.root}, TSA: localTSA{pki: pki}}
	sealed := seal(f, s, pageDoc(1).build(modeTable), testInfo)
	f.Add(sealed)
	f.Add(seal(f, s, seal(f, s, pageDoc(2).build(modeStream), testInfo), testInfo))
	f.Add(addDSS(f, sealed, pki.root.Raw))
	f.Add(appendRevision(f, sealed, handUpdate{objects: map[int64]string{11: streamBody("", []byte("BT ET"))}}))
	f.Fuzz(func(t *testing.T, pdf []byte) {
		rep, err := Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), VerifyOptions{Roots: pki.rootPool})
		if err != nil {
			requireDomainError(t, err)
			return
		}
		if rep.Valid != (len(rep.Problems) == 0) {
			t.Fatalf("valid=%t with problems %q", rep.Valid, rep.Problems)
		}
	})
}

// ecdsaPKI is the test PKI without its RSA key, which takes too long to
// generate in every fuzzing worker.
func ecdsaPKI(t testing.TB) *testPKI {
	t.Helper()
	p := &testPKI{notBefore: time.Now().Add(-time.Hour), expiry: time.Now().Add(24 * time.Hour)}
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p.rootKey = rootKey
	if p.root, err = p.issue(&x509.Certificate{
		Subject: pkix.Name{CommonName: "Fuzz Root"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, rootKey.Public(), nil); err != nil {
		t.Fatal(err)
	}
	p.rootPool = x509.NewCertPool()
	p.rootPool.AddCert(p.root)
	if p.ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	if p.ecSeal, err = p.issueSeal("Fuzz Seal", p.ecKey.Public()); err != nil {
		t.Fatal(err)
	}
	if err := p.issueTSA(); err != nil {
		t.Fatal(err)
	}
	return p
}
