package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"slices"
	"testing"

	"github.com/gsign/gsign/internal/blob"
)

func TestChainsVerify(t *testing.T) {
	forEachKeyAlgorithm(t, func(t *testing.T, _ KeyAlgorithm, p *PKI, _ *blob.Memory) {
		roots := x509.NewCertPool()
		roots.AddCert(p.Root())
		tests := []struct {
			name  string
			leaf  *x509.Certificate
			usage x509.ExtKeyUsage
		}{
			{"seal", p.SealChain()[0], x509.ExtKeyUsageAny},
			{"tsa", p.TSACertificate(), x509.ExtKeyUsageTimeStamping},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := tt.leaf.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: testNow, KeyUsages: []x509.ExtKeyUsage{tt.usage}})
				if err != nil {
					t.Fatal(err)
				}
			})
		}
		if chain := p.SealChain(); len(chain) != 2 || !chain[1].Equal(p.Root()) {
			t.Errorf("SealChain has %d certificates, want seal then root", len(chain))
		}
	})
}

func TestRootCertificate(t *testing.T) {
	forEachKeyAlgorithm(t, func(t *testing.T, alg KeyAlgorithm, p *PKI, _ *blob.Memory) {
		root := p.Root()
		checkCommon(t, root, "Acme Root CA", 20, alg)
		if !root.IsCA || !root.BasicConstraintsValid || root.MaxPathLen != 1 {
			t.Errorf("basic constraints CA=%v pathlen=%d, want CA pathlen 1", root.IsCA, root.MaxPathLen)
		}
		if root.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
			t.Errorf("key usage %b, want certSign|crlSign", root.KeyUsage)
		}
		if err := root.CheckSignatureFrom(root); err != nil {
			t.Errorf("root is not self-signed: %v", err)
		}
		block, _ := pem.Decode(p.RootPEM())
		if block == nil || !bytes.Equal(block.Bytes, root.Raw) {
			t.Error("RootPEM is not the root certificate")
		}
	})
}

func TestSealCertificate(t *testing.T) {
	forEachKeyAlgorithm(t, func(t *testing.T, alg KeyAlgorithm, p *PKI, _ *blob.Memory) {
		seal := p.SealChain()[0]
		checkCommon(t, seal, "Acme Document Seal", 3, alg)
		checkIssued(t, seal, p.Root())
		if seal.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
			t.Errorf("key usage %b, want digitalSignature|contentCommitment", seal.KeyUsage)
		}
		if len(seal.ExtKeyUsage) != 0 || !slices.EqualFunc(seal.UnknownExtKeyUsage, []asn1.ObjectIdentifier{oidKPDocumentSigning}, asn1.ObjectIdentifier.Equal) {
			t.Errorf("extended key usage %v %v, want documentSigning only", seal.ExtKeyUsage, seal.UnknownExtKeyUsage)
		}
		if seal.IsCA {
			t.Error("seal certificate is a CA")
		}
	})
}

func TestTSACertificate(t *testing.T) {
	forEachKeyAlgorithm(t, func(t *testing.T, alg KeyAlgorithm, p *PKI, _ *blob.Memory) {
		tsa := p.TSACertificate()
		checkCommon(t, tsa, "Acme Timestamp Authority", 5, alg)
		checkIssued(t, tsa, p.Root())
		if !slices.Equal(tsa.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}) || len(tsa.UnknownExtKeyUsage) != 0 {
			t.Errorf("extended key usage %v %v, want timeStamping only", tsa.ExtKeyUsage, tsa.UnknownExtKeyUsage)
		}
		i := slices.IndexFunc(tsa.Extensions, func(e pkix.Extension) bool { return e.Id.Equal(oidExtKeyUsage) })
		if i < 0 || !tsa.Extensions[i].Critical {
			t.Error("extended key usage extension is missing or not critical")
		}
	})
}

// checkCommon checks what all platform certificates share.
func checkCommon(t *testing.T, c *x509.Certificate, cn string, years int, alg KeyAlgorithm) {
	t.Helper()
	if c.Subject.CommonName != cn || !slices.Equal(c.Subject.Organization, []string{"Acme"}) {
		t.Errorf("subject %q, want CN=%s, O=Acme", c.Subject, cn)
	}
	checkKeyAlgorithm(t, c, alg)
	if want := testNow.AddDate(years, 0, 0); !c.NotAfter.Equal(want) {
		t.Errorf("not after %v, want %v", c.NotAfter, want)
	}
	if c.NotBefore.After(testNow) {
		t.Errorf("not before %v is after now", c.NotBefore)
	}
	if len(c.SubjectKeyId) == 0 || c.SerialNumber.Sign() <= 0 {
		t.Error("no subject key identifier or serial")
	}
}

// checkKeyAlgorithm checks that c has a key of alg and is signed with alg:
// a new PKI's keys all have the same algorithm.
func checkKeyAlgorithm(t *testing.T, c *x509.Certificate, alg KeyAlgorithm) {
	t.Helper()
	var keyOK bool
	var sigAlg x509.SignatureAlgorithm
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		keyOK, sigAlg = alg == RSA3072 && k.N.BitLen() == rsaBits, x509.SHA256WithRSA
	case *ecdsa.PublicKey:
		keyOK, sigAlg = alg == ECDSAP256 && k.Curve == elliptic.P256(), x509.ECDSAWithSHA256
	}
	if !keyOK {
		t.Errorf("public key %T, want %s", c.PublicKey, alg)
	}
	if c.SignatureAlgorithm != sigAlg {
		t.Errorf("signature algorithm %v, want %v", c.SignatureAlgorithm, sigAlg)
	}
}

// checkIssued checks what certificates issued by the root share.
func checkIssued(t *testing.T, c, root *x509.Certificate) {
	t.Helper()
	if err := c.CheckSignatureFrom(root); err != nil {
		t.Errorf("not signed by the root: %v", err)
	}
	if !bytes.Equal(c.AuthorityKeyId, root.SubjectKeyId) {
		t.Error("authority key identifier is not the root's key identifier")
	}
	if !slices.Equal(c.CRLDistributionPoints, []string{testCRLURL}) {
		t.Errorf("CRL distribution points %v, want %s", c.CRLDistributionPoints, testCRLURL)
	}
}
