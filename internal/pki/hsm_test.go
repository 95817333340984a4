package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/gsign/gsign/internal/blob"
	"github.com/gsign/gsign/internal/esign"
)

func TestHSMSeal(t *testing.T) {
	for _, alg := range []string{algRSA3072, algECDSAP256} {
		t.Run(alg, func(t *testing.T) {
			cfg := newSoftHSM(t)
			pub := generateHSMKey(t, cfg, alg, "seal-1")
			t.Run("pkcs11-tool", func(t *testing.T) { checkToolSeesNotExtractable(t, cfg) })
			_, src := sharedPKI(t)
			store := copyStore(t, src)
			before := blobNames(t, store)

			p := openHSMPKI(t, store, cfg)
			leaf := checkHSMSeal(t, p, pub)
			if added := newNames(before, blobNames(t, store)); !slices.Equal(added, []string{p.hsmChainKey()}) {
				t.Errorf("Open stored %v, want the certificate chain only", added)
			}
			signAndVerify(t, p)
			if err := p.SelfTest(t.Context()); err != nil {
				t.Errorf("SelfTest: %v", err)
			}

			again := openHSMPKI(t, store, cfg)
			if !again.SealChain()[0].Equal(leaf) {
				t.Error("reopening issued another certificate")
			}
			if err := again.SelfTest(t.Context()); err != nil {
				t.Errorf("SelfTest after reopening: %v", err)
			}
		})
	}
}

// checkHSMSeal checks that the seal of p is the HSM key with a certificate
// the root issued in the platform seal's profile, and returns that certificate.
func checkHSMSeal(t *testing.T, p *PKI, pub crypto.PublicKey) *x509.Certificate {
	t.Helper()
	signer, chain := p.Seal()
	if !samePublicKey(pub, signer.Public()) || !samePublicKey(pub, p.SealSigner().Public()) {
		t.Fatal("the seal key is not the HSM key")
	}
	if len(chain) != 2 || !chain[1].Equal(p.Root()) || !slices.EqualFunc(p.SealChain(), chain, (*x509.Certificate).Equal) {
		t.Fatalf("seal chain has %d certificates, want the leaf and the root", len(chain))
	}
	leaf := chain[0]
	if !samePublicKey(pub, leaf.PublicKey) {
		t.Error("the seal certificate is not for the HSM key")
	}
	checkIssued(t, leaf, p.Root())
	if leaf.Subject.CommonName != "Acme Document Seal" || leaf.IsCA {
		t.Errorf("subject %q (CA: %v), want the document seal", leaf.Subject, leaf.IsCA)
	}
	if leaf.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
		t.Errorf("key usage %b, want digitalSignature|contentCommitment", leaf.KeyUsage)
	}
	if len(leaf.ExtKeyUsage) != 0 || !slices.EqualFunc(leaf.UnknownExtKeyUsage, []asn1.ObjectIdentifier{oidKPDocumentSigning}, asn1.ObjectIdentifier.Equal) {
		t.Errorf("extended key usage %v %v, want documentSigning only", leaf.ExtKeyUsage, leaf.UnknownExtKeyUsage)
	}
	if want := testNow.AddDate(sealYears, 0, 0); !leaf.NotAfter.Equal(want) {
		t.Errorf("not after %v, want %v", leaf.NotAfter, want)
	}
	return leaf
}

// signAndVerify signs a digest with the seal key and verifies the signature
// with the public key of the seal certificate, as a validator would.
func signAndVerify(t *testing.T, p *PKI) {
	t.Helper()
	signer, chain := p.Seal()
	digest := sha256.Sum256([]byte("a finished document"))
	sig, err := signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatalf("sign with the HSM key: %v", err)
	}
	switch pub := chain[0].PublicKey.(type) {
	case *rsa.PublicKey:
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, digest[:], sig) {
			err = errors.New("invalid ECDSA signature")
		}
	default:
		err = errors.New("unexpected key type")
	}
	if err != nil {
		t.Errorf("verify with the seal certificate: %v", err)
	}
}

func TestHSMIssueReplacesTheCertificate(t *testing.T) {
	cfg := newSoftHSM(t)
	generateHSMKey(t, cfg, algECDSAP256, "seal-1")
	p, store := copyPKI(t)
	software := p.SealChain()[0]
	hsmPKI := openHSMPKI(t, store, cfg)
	other := openHSMPKI(t, store, cfg) // another process
	old := hsmPKI.SealChain()[0]
	if old.Equal(software) {
		t.Fatal("the HSM seal uses the software seal certificate")
	}

	cert, err := hsmPKI.IssueHSMSeal(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if cert.Equal(old) || !hsmPKI.SealChain()[0].Equal(cert) {
		t.Fatal("IssueHSMSeal did not replace the seal certificate")
	}
	if err := hsmPKI.SelfTest(t.Context()); err != nil {
		t.Errorf("SelfTest of the issuing process: %v", err)
	}
	if err := other.SelfTest(t.Context()); !errors.Is(err, errStale) {
		t.Errorf("SelfTest of a process with the old certificate = %v, want stale", err)
	}
	if got := openHSMPKI(t, store, cfg).SealChain()[0]; !got.Equal(cert) {
		t.Error("reopening does not use the new certificate")
	}
	if !p.SealChain()[0].Equal(software) {
		t.Error("the software seal changed")
	}
}

func TestHSMImportCertificate(t *testing.T) {
	cfg := newSoftHSM(t)
	pub := generateHSMKey(t, cfg, algECDSAP256, "seal-1")
	_, store := copyPKI(t)
	p := openHSMPKI(t, store, cfg)
	ca := newTestCA(t, testNow.Add(-time.Hour), testNow.AddDate(5, 0, 0))
	leaf := ca.issue(t, pub, nil)

	// The customer's file may put the leaf anywhere.
	if err := p.ImportHSMCertificate(t.Context(), encodeCerts([]*x509.Certificate{ca.cert, leaf})); err != nil {
		t.Fatal(err)
	}
	checkCustomerChain(t, p, leaf, ca.cert)
	signAndVerify(t, p)
	if err := p.SelfTest(t.Context()); err != nil {
		t.Errorf("SelfTest: %v", err)
	}
	checkCustomerChain(t, openHSMPKI(t, store, cfg), leaf, ca.cert)
}

// checkCustomerChain checks that p seals with the HSM key and the chain leaf, ca.
func checkCustomerChain(t *testing.T, p *PKI, leaf, ca *x509.Certificate) {
	t.Helper()
	signer, chain := p.Seal()
	if !slices.EqualFunc(chain, []*x509.Certificate{leaf, ca}, (*x509.Certificate).Equal) {
		t.Errorf("seal chain %v, want the imported leaf and its CA", subjects(chain))
	}
	if !samePublicKey(signer.Public(), leaf.PublicKey) {
		t.Error("the seal key is not the HSM key")
	}
}

// subjects lists the subjects of chain.
func subjects(chain []*x509.Certificate) []string {
	out := make([]string, len(chain))
	for i, c := range chain {
		out[i] = c.Subject.String()
	}
	return out
}

func TestHSMImportCertificateRefuses(t *testing.T) {
	cfg := newSoftHSM(t)
	pub := generateHSMKey(t, cfg, algECDSAP256, "seal-1")
	_, store := copyPKI(t)
	p := openHSMPKI(t, store, cfg)
	seal := p.SealChain()[0]
	ca := newTestCA(t, testNow.Add(-time.Hour), testNow.AddDate(5, 0, 0))
	expiredCA := newTestCA(t, testNow.AddDate(-2, 0, 0), testNow.AddDate(-1, 0, 0))
	chain := func(leaf *x509.Certificate) []byte { return encodeCerts([]*x509.Certificate{leaf, ca.cert}) }
	tests := []struct {
		name  string
		data  []byte
		field string
	}{
		{"another key", chain(ca.issue(t, newECKey(t).Public(), nil)), "is for the HSM key"},
		{"expired", chain(ca.issue(t, pub, func(c *x509.Certificate) { c.NotAfter = testNow.Add(-time.Minute) })), "expired"},
		{"no signing usage", chain(ca.issue(t, pub, func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageKeyEncipherment })), "digitalSignature"},
		{"expired CA", encodeCerts([]*x509.Certificate{expiredCA.issue(t, pub, nil), expiredCA.cert}), "does not verify"},
		{"not PEM", []byte("-----BEGIN GARBAGE-----"), "PEM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.ImportHSMCertificate(t.Context(), tt.data)
			if !esign.IsKind(err, esign.KindInvalid) || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("ImportHSMCertificate = %v, want invalid, mentioning %q", err, tt.field)
			}
			if !p.SealChain()[0].Equal(seal) {
				t.Error("the seal certificate changed")
			}
		})
	}
	t.Run("PKCS#12", func(t *testing.T) {
		key := newECKey(t)
		data := encodeP12(t, pkcs12.Modern, key, ca.issue(t, key.Public(), nil), ca.cert)
		if _, err := p.ImportSealPKCS12(t.Context(), data, p12Password); !esign.IsKind(err, esign.KindInvalid) {
			t.Errorf("ImportSealPKCS12 with an HSM = %v, want invalid", err)
		}
	})
}

func TestHSMOpenFails(t *testing.T) {
	cfg := newSoftHSM(t)
	generateHSMKey(t, cfg, algECDSAP256, "seal-1")
	_, store := copyPKI(t)
	tests := []struct {
		name   string
		change func(*HSMConfig)
		want   string
	}{
		{"wrong PIN", func(c *HSMConfig) { c.Pin = "9999" }, `token "gsign-test": the HSM refused the PIN`},
		{"wrong key label", func(c *HSMConfig) { c.KeyLabel = "nope" }, `token "gsign-test" has no key pair labelled "nope"`},
		{"wrong token label", func(c *HSMConfig) { c.TokenLabel = "nope" }, `no token labelled "nope"`},
		{"missing module", func(c *HSMConfig) { c.Module = "/nonexistent/libpkcs11.so" }, "module /nonexistent/libpkcs11.so does not exist"},
		{"not a module", func(c *HSMConfig) { c.Module = os.Getenv("SOFTHSM2_CONF") }, "is not a loadable PKCS#11 module"},
		{"no key label", func(c *HSMConfig) { c.KeyLabel = "" }, "no key label configured"},
		{"no PIN", func(c *HSMConfig) { c.Pin = "" }, "no PIN configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := cfg
			tt.change(&bad)
			before := keys(t, store)
			_, err := openWithHSM(t, store, bad)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open = %v, want an error saying %q", err, tt.want)
			}
			t.Logf("Open: %v", err)
			if after := keys(t, store); !slices.Equal(before, after) {
				t.Errorf("Open changed the store: %v -> %v", before, after)
			}
		})
	}
	t.Run("wrong PIN is ErrHSMPIN", func(t *testing.T) {
		bad := cfg
		bad.Pin = "0000"
		if _, err := openWithHSM(t, store, bad); !errors.Is(err, ErrHSMPIN) {
			t.Errorf("Open = %v, want ErrHSMPIN", err)
		}
	})
	t.Run("ambiguous key label", func(t *testing.T) {
		generateHSMKey(t, cfg, algECDSAP256, "seal-2")
		if _, err := openWithHSM(t, store, cfg); err == nil || !strings.Contains(err.Error(), `2 key pairs labelled "gsign-seal"`) {
			t.Errorf("Open = %v, want an error about two keys with the label", err)
		}
	})
}

func TestHSMClose(t *testing.T) {
	cfg := newSoftHSM(t)
	generateHSMKey(t, cfg, algECDSAP256, "seal-1")
	_, store := copyPKI(t)
	p := openHSMPKI(t, store, cfg)
	for range 2 {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	digest := sha256.Sum256(nil)
	if _, err := p.SealSigner().Sign(rand.Reader, digest[:], crypto.SHA256); err == nil {
		t.Error("the HSM key signs after Close")
	}
}

func TestHSMOperationsNeedAnHSM(t *testing.T) {
	p, _ := sharedPKI(t)
	if _, err := p.IssueHSMSeal(t.Context()); !errors.Is(err, errNoHSM) {
		t.Errorf("IssueHSMSeal = %v, want errNoHSM", err)
	}
	if err := p.ImportHSMCertificate(t.Context(), p.RootPEM()); !errors.Is(err, errNoHSM) {
		t.Errorf("ImportHSMCertificate = %v, want errNoHSM", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close without an HSM = %v", err)
	}
}

func TestHSMConfigMasksThePIN(t *testing.T) {
	cfg := HSMConfig{Module: "/lib/p11.so", TokenLabel: "tok", Pin: "s3cret", KeyLabel: "seal"}
	for _, s := range []string{cfg.String(), (&cfg).String()} {
		if strings.Contains(s, "s3cret") || !strings.Contains(s, "tok") {
			t.Errorf("String() = %q, want the PIN masked", s)
		}
	}
}

// blobNames lists the blob keys in s.
func blobNames(t *testing.T, s *blob.Memory) []string {
	t.Helper()
	var out []string
	s.List(t.Context(), "pki/", func(b esign.BlobInfo) error {
		out = append(out, b.Key)
		return nil
	})
	return out
}

// newNames returns the names in after that are not in before.
func newNames(before, after []string) []string {
	var out []string
	for _, n := range after {
		if !slices.Contains(before, n) {
			out = append(out, n)
		}
	}
	return out
}
