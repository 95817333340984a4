package pades

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
)

// testPKI is a small real PKI: a root CA, seal certificates with RSA-3072
// and ECDSA P-256 keys, and a timestamp authority certificate.
type testPKI struct {
	root              *x509.Certificate
	rsaSeal, ecSeal   *x509.Certificate
	rsaKey            *rsa.PrivateKey
	ecKey             *ecdsa.PrivateKey
	tsaCert           *x509.Certificate
	tsaKey            crypto.Signer
	rootKey           crypto.Signer
	rootPool          *x509.CertPool
	notBefore, expiry time.Time
}

var (
	pkiOnce sync.Once
	pki     *testPKI
	pkiErr  error
)

// getPKI creates the test PKI once per test binary: RSA key generation is
// slow under the race detector.
func getPKI(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() { pki, pkiErr = newTestPKI() })
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pki
}

var oidTimeStampingEKU = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}

func newTestPKI() (*testPKI, error) {
	p := &testPKI{notBefore: time.Now().Add(-time.Hour), expiry: time.Now().Add(24 * time.Hour)}
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	p.rootKey = rootKey
	p.root, err = p.issue(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "GSign Test Root CA", Organization: []string{"GSign Test"}},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, rootKey.Public(), nil)
	if err != nil {
		return nil, err
	}
	p.rootPool = x509.NewCertPool()
	p.rootPool.AddCert(p.root)
	if p.rsaKey, err = rsa.GenerateKey(rand.Reader, 3072); err != nil {
		return nil, err
	}
	if p.ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	if p.rsaSeal, err = p.issueSeal("GSign Test Seal (RSA)", p.rsaKey.Public()); err != nil {
		return nil, err
	}
	if p.ecSeal, err = p.issueSeal("GSign Test Seal (ECDSA)", p.ecKey.Public()); err != nil {
		return nil, err
	}
	return p, p.issueTSA()
}

func (p *testPKI) issueSeal(cn string, pub crypto.PublicKey) (*x509.Certificate, error) {
	return p.issue(&x509.Certificate{
		Subject:  pkix.Name{CommonName: cn, Organization: []string{"GSign Test"}},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}, pub, p.root)
}

// issueTSA makes the TSA certificate. Its extended key usage must be
// timeStamping only and critical (RFC 3161 2.3); crypto/x509 writes the EKU
// extension non-critical, so it is supplied raw.
func (p *testPKI) issueTSA() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{oidTimeStampingEKU})
	if err != nil {
		return err
	}
	p.tsaKey = key
	p.tsaCert, err = p.issue(&x509.Certificate{
		Subject:         pkix.Name{CommonName: "GSign Test TSA", Organization: []string{"GSign Test"}},
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}},
	}, key.Public(), p.root)
	return err
}

var serial int64 = 100

// issue signs tmpl with the root key (or self-signs it when parent is nil).
func (p *testPKI) issue(tmpl *x509.Certificate, pub crypto.PublicKey, parent *x509.Certificate) (*x509.Certificate, error) {
	serial++
	tmpl.SerialNumber = big.NewInt(serial)
	tmpl.NotBefore, tmpl.NotAfter = p.notBefore, p.expiry
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, p.rootKey)
	if err != nil {
		return nil, fmt.Errorf("issue %s: %w", tmpl.Subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}

// timestampResponse answers a DER TimeStampReq as a real TSA would. A
// non-zero padding adds a non-critical TSTInfo extension of that many bytes,
// for a token larger than usual.
func (p *testPKI) timestampResponse(reqDER []byte, padding int) ([]byte, error) {
	req, err := timestamp.ParseRequest(reqDER)
	if err != nil {
		return nil, err
	}
	ts := &timestamp.Timestamp{
		HashAlgorithm:     req.HashAlgorithm,
		HashedMessage:     req.HashedMessage,
		Time:              time.Now().UTC(),
		Accuracy:          time.Second,
		Policy:            asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1},
		Nonce:             req.Nonce,
		AddTSACertificate: req.Certificates,
		Certificates:      []*x509.Certificate{p.root},
	}
	if padding > 0 {
		ts.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 2}, Value: make([]byte, padding)}}
	}
	return ts.CreateResponseWithOpts(p.tsaCert, p.tsaKey, crypto.SHA256)
}

// tsaServer runs an RFC 3161 timestamp authority over HTTP on loopback.
func (p *testPKI) tsaServer(t testing.TB) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/timestamp-query" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp, err := p.timestampResponse(body, 0)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// localTSA is an in-process Timestamper backed by the same TSA, for the
// benchmark, where HTTP round trips would only add noise. padding makes
// its tokens larger; calls, if set, counts requests.
type localTSA struct {
	pki     *testPKI
	padding int
	calls   *int
}

func (l localTSA) Timestamp(_ context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	if l.calls != nil {
		*l.calls++
	}
	req := &timestamp.Request{HashAlgorithm: h, HashedMessage: digest, Certificates: true}
	der, err := req.Marshal()
	if err != nil {
		return nil, err
	}
	resp, err := l.pki.timestampResponse(der, l.padding)
	if err != nil {
		return nil, err
	}
	ts, err := timestamp.ParseResponse(resp)
	if err != nil {
		return nil, err
	}
	return ts.RawToken, nil
}

// failingTSA is a timestamp authority that cannot be reached.
type failingTSA struct{ calls int }

func (f *failingTSA) Timestamp(context.Context, []byte, crypto.Hash) ([]byte, error) {
	f.calls++
	return nil, fmt.Errorf("dial tcp 127.0.0.1:9: connection refused")
}

// sealer returns a Sealer with the RSA or ECDSA seal key and an HTTP TSA.
func (p *testPKI) sealer(t testing.TB, ecdsaKey bool) *Sealer {
	t.Helper()
	tsa := &TSAClient{URL: p.tsaServer(t).URL}
	if ecdsaKey {
		return &Sealer{Signer: p.ecKey, Chain: []*x509.Certificate{p.ecSeal, p.root}, TSA: tsa}
	}
	return &Sealer{Signer: p.rsaKey, Chain: []*x509.Certificate{p.rsaSeal, p.root}, TSA: tsa}
}
