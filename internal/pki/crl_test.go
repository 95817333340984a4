package pki

import (
	"bytes"
	"crypto/x509"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// movingClock is a clock tests can advance.
type movingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *movingClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestCRL(t *testing.T) {
	for _, alg := range KeyAlgorithms {
		t.Run(string(alg), func(t *testing.T) {
			p, _ := copyPKIWith(t, alg)
			serial := p.SealChain()[0].SerialNumber
			if err := p.Revoke(t.Context(), serial, 4); err != nil {
				t.Fatal(err)
			}
			der, err := p.CRL(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			crl, err := x509.ParseRevocationList(der)
			if err != nil {
				t.Fatal(err)
			}
			if err := crl.CheckSignatureFrom(p.Root()); err != nil {
				t.Errorf("CRL not signed by the root: %v", err)
			}
			if crl.SignatureAlgorithm != p.Root().SignatureAlgorithm {
				t.Errorf("CRL signed with %v, want %v like the root", crl.SignatureAlgorithm, p.Root().SignatureAlgorithm)
			}
			if !crl.ThisUpdate.Equal(testNow) || !crl.NextUpdate.Equal(testNow.Add(7*24*time.Hour)) {
				t.Errorf("CRL valid %v to %v, want %v for a week", crl.ThisUpdate, crl.NextUpdate, testNow)
			}
			if crl.Number.Cmp(big.NewInt(testNow.Unix())) < 0 {
				t.Errorf("CRL number %v below the issue time %d", crl.Number, testNow.Unix())
			}
			if len(crl.RevokedCertificateEntries) != 1 {
				t.Fatalf("CRL lists %d certificates, want 1", len(crl.RevokedCertificateEntries))
			}
			e := crl.RevokedCertificateEntries[0]
			if e.SerialNumber.Cmp(serial) != 0 || e.ReasonCode != 4 || !e.RevocationTime.Equal(testNow) {
				t.Errorf("entry %v reason %d at %v, want %v reason 4 at %v", e.SerialNumber, e.ReasonCode, e.RevocationTime, serial, testNow)
			}
		})
	}
}

func TestCRLIsReissuedDaily(t *testing.T) {
	_, src := sharedPKI(t)
	clock := &movingClock{t: testNow}
	opts := testOptions(copyStore(t, src))
	opts.Clock = clock
	p, err := Open(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	first := mustCRL(t, p)
	clock.advance(23 * time.Hour)
	if again := mustCRL(t, p); !bytes.Equal(again, first) {
		t.Error("CRL reissued before a day passed")
	}
	clock.advance(2 * time.Hour)
	later := mustCRL(t, p)
	c1, _ := x509.ParseRevocationList(first)
	c2, err := x509.ParseRevocationList(later)
	if err != nil {
		t.Fatal(err)
	}
	if c2.Number.Cmp(c1.Number) <= 0 || !c2.ThisUpdate.Equal(testNow.Add(25*time.Hour)) {
		t.Errorf("after a day: number %v -> %v, this update %v", c1.Number, c2.Number, c2.ThisUpdate)
	}
}

func TestCRLNumberIncreasesWithinASecond(t *testing.T) {
	p, _ := copyPKI(t)
	var last *big.Int
	for i := range 3 {
		if err := p.Revoke(t.Context(), big.NewInt(int64(100+i)), 1); err != nil {
			t.Fatal(err)
		}
		crl, err := x509.ParseRevocationList(mustCRL(t, p))
		if err != nil {
			t.Fatal(err)
		}
		if last != nil && crl.Number.Cmp(last) <= 0 {
			t.Fatalf("CRL number %v after %v", crl.Number, last)
		}
		if len(crl.RevokedCertificateEntries) != i+1 {
			t.Errorf("CRL lists %d certificates, want %d", len(crl.RevokedCertificateEntries), i+1)
		}
		last = crl.Number
	}
}

func TestRevokeKeepsFirstRecord(t *testing.T) {
	p, _ := copyPKI(t)
	for _, reason := range []int{1, 5} {
		if err := p.Revoke(t.Context(), big.NewInt(77), reason); err != nil {
			t.Fatal(err)
		}
	}
	crl, err := x509.ParseRevocationList(mustCRL(t, p))
	if err != nil {
		t.Fatal(err)
	}
	if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].ReasonCode != 1 {
		t.Errorf("entries %+v, want serial 77 once with reason 1", crl.RevokedCertificateEntries)
	}
}

func TestRevokeValidates(t *testing.T) {
	p, _ := sharedPKI(t)
	tests := []struct {
		name   string
		serial *big.Int
		reason int
	}{
		{"no serial", nil, 0},
		{"zero serial", big.NewInt(0), 0},
		{"negative serial", big.NewInt(-5), 0},
		{"reason 7 is unused", big.NewInt(5), 7},
		{"reason out of range", big.NewInt(5), 11},
		{"negative reason", big.NewInt(5), -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := p.Revoke(t.Context(), tt.serial, tt.reason); !esign.IsKind(err, esign.KindInvalid) {
				t.Errorf("Revoke = %v, want invalid", err)
			}
		})
	}
}

// mustCRL returns p's CRL or fails the test.
func mustCRL(t *testing.T, p *PKI) []byte {
	t.Helper()
	der, err := p.CRL(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return der
}
