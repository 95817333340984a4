package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"

	"github.com/gsign/gsign/internal/blob"
	"github.com/gsign/gsign/internal/testtool"
)

// oidSigningCertificateV2 is the ESS signing-certificate-v2 attribute (RFC 5035).
var oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}

func TestTimestamp(t *testing.T) {
	forEachKeyAlgorithm(t, func(t *testing.T, _ KeyAlgorithm, p *PKI, _ *blob.Memory) {
		for _, hash := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
			t.Run(hash.String(), func(t *testing.T) {
				digest := randomDigest(hash)
				token, err := p.Timestamp(t.Context(), digest, hash)
				if err != nil {
					t.Fatal(err)
				}
				ts, err := timestamp.Parse(token) // verifies the signature with the included certificate
				if err != nil {
					t.Fatal(err)
				}
				checkToken(t, ts, digest, hash)
				checkTokenSigner(t, p, token)
			})
		}
	})
}

// TestTimestampOpenSSL has openssl verify tokens of the built-in TSA over
// data, against the root, for each key algorithm.
func TestTimestampOpenSSL(t *testing.T) {
	testtool.Require(t, "openssl")
	data := []byte("a sealed document's signature value")
	forEachKeyAlgorithm(t, func(t *testing.T, _ KeyAlgorithm, p *PKI, _ *blob.Memory) {
		token, err := p.Timestamp(t.Context(), digestOf(crypto.SHA256, data), crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		out := testtool.Run(t, "openssl", "ts", "-verify", "-token_in", "-in", testtool.WriteTemp(t, "token.der", token),
			"-data", testtool.WriteTemp(t, "data.bin", data), "-CAfile", testtool.WriteTemp(t, "root.pem", p.RootPEM()))
		if !strings.Contains(string(out), "Verification: OK") {
			t.Fatalf("openssl ts -verify:\n%s", out)
		}
	})
}

// checkToken checks the TSTInfo of a token from the built-in TSA.
func checkToken(t *testing.T, ts *timestamp.Timestamp, digest []byte, hash crypto.Hash) {
	t.Helper()
	if ts.HashAlgorithm != hash || !bytes.Equal(ts.HashedMessage, digest) {
		t.Errorf("imprint %v %x, want %v %x", ts.HashAlgorithm, ts.HashedMessage, hash, digest)
	}
	if !ts.Time.Equal(testNow) || ts.Accuracy != time.Second {
		t.Errorf("time %v ± %v, want %v ± 1s", ts.Time, ts.Accuracy, testNow)
	}
	if !ts.Policy.Equal(DefaultTSAPolicy) || ts.Ordering {
		t.Errorf("policy %v ordering %v, want %v, false", ts.Policy, ts.Ordering, DefaultTSAPolicy)
	}
	if ts.SerialNumber == nil || ts.SerialNumber.BitLen() < 64 || ts.SerialNumber.BitLen() > 160 {
		t.Errorf("serial %v is not a large random number", ts.SerialNumber)
	}
}

// checkTokenSigner checks that the TSA certificate signed token, chaining to
// the root, and that the signed attributes name it (ESS signing-certificate-v2).
func checkTokenSigner(t *testing.T, p *PKI, token []byte) {
	t.Helper()
	p7, err := pkcs7.Parse(token)
	if err != nil {
		t.Fatal(err)
	}
	if signer := p7.GetOnlySigner(); signer == nil || !signer.Equal(p.TSACertificate()) {
		t.Fatal("token is not signed by the TSA certificate")
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.Root())
	if err := p7.VerifyWithOpts(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err != nil {
		t.Fatalf("signature or chain does not verify: %v", err)
	}
	var ess struct {
		Certs []struct {
			HashAlgorithm pkix.AlgorithmIdentifier `asn1:"optional"`
			CertHash      []byte
			IssuerSerial  asn1.RawValue `asn1:"optional"`
		}
	}
	if err := p7.UnmarshalSignedAttribute(oidSigningCertificateV2, &ess); err != nil {
		t.Fatalf("signing-certificate-v2 attribute: %v", err)
	}
	if len(ess.Certs) == 0 {
		t.Fatal("signing-certificate-v2 names no certificate")
	}
	hash := crypto.SHA256 // the default when the algorithm is absent
	if alg := ess.Certs[0].HashAlgorithm.Algorithm; len(alg) > 0 {
		hash = tsaHashes[alg.String()]
	}
	if hash == 0 || !bytes.Equal(ess.Certs[0].CertHash, digestOf(hash, p.TSACertificate().Raw)) {
		t.Error("signing-certificate-v2 does not name the TSA certificate")
	}
}

func TestTimestampRefusesBadInput(t *testing.T) {
	p, _ := sharedPKI(t)
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name   string
		ctx    context.Context
		digest []byte
		hash   crypto.Hash
	}{
		{"SHA-1", t.Context(), randomDigest(crypto.SHA1), crypto.SHA1},
		{"no hash", t.Context(), randomDigest(crypto.SHA256), 0},
		{"short digest", t.Context(), randomDigest(crypto.SHA256)[:20], crypto.SHA256},
		{"canceled", canceled, randomDigest(crypto.SHA256), crypto.SHA256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if token, err := p.Timestamp(tt.ctx, tt.digest, tt.hash); err == nil {
				t.Fatalf("Timestamp = %d bytes, want an error", len(token))
			}
		})
	}
}

func TestTSAHandlerGrants(t *testing.T) {
	p, _ := sharedPKI(t)
	srv := httptest.NewServer(p.TSAHandler())
	defer srv.Close()
	tests := []struct {
		name     string
		opts     timestamp.RequestOptions
		withCert bool
	}{
		{"SHA-256 with certificate", timestamp.RequestOptions{Hash: crypto.SHA256, Certificates: true, Nonce: big.NewInt(42)}, true},
		{"SHA-512 without certificate", timestamp.RequestOptions{Hash: crypto.SHA512, Nonce: big.NewInt(7)}, false},
		{"our policy", timestamp.RequestOptions{Hash: crypto.SHA384, Certificates: true, Nonce: big.NewInt(1), TSAPolicyOID: DefaultTSAPolicy}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := timestamp.CreateRequest(bytes.NewReader([]byte("document")), &tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			status, body := postTSA(t, srv.URL, ctTimestampQry, req)
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			ts, err := timestamp.ParseResponse(body)
			if err != nil {
				t.Fatal(err)
			}
			checkToken(t, ts, digestOf(tt.opts.Hash, []byte("document")), tt.opts.Hash)
			if ts.Nonce == nil || ts.Nonce.Cmp(tt.opts.Nonce) != 0 {
				t.Errorf("nonce %v, want %v", ts.Nonce, tt.opts.Nonce)
			}
			if got := len(ts.Certificates) > 0; got != tt.withCert {
				t.Errorf("certificate included = %v, want %v", got, tt.withCert)
			}
		})
	}
}

func TestTSAHandlerRejects(t *testing.T) {
	p, _ := sharedPKI(t)
	srv := httptest.NewServer(p.TSAHandler())
	defer srv.Close()
	sha1Req, _ := timestamp.CreateRequest(bytes.NewReader([]byte("x")), &timestamp.RequestOptions{Hash: crypto.SHA1})
	goodReq, _ := timestamp.CreateRequest(bytes.NewReader([]byte("x")), nil)
	otherPolicy, _ := timestamp.CreateRequest(bytes.NewReader([]byte("x")), &timestamp.RequestOptions{TSAPolicyOID: asn1.ObjectIdentifier{1, 2, 3}})
	tests := []struct {
		name        string
		contentType string
		body        []byte
		want        timestamp.FailureInfo
	}{
		{"garbage", ctTimestampQry, []byte("not DER at all"), timestamp.BadDataFormat},
		{"trailing data", ctTimestampQry, append(goodReq, 0), timestamp.BadDataFormat},
		{"SHA-1", ctTimestampQry, sha1Req, timestamp.BadAlgorithm},
		{"wrong content type", "application/octet-stream", goodReq, timestamp.BadRequest},
		{"too large", ctTimestampQry, make([]byte, maxTSARequest+1), timestamp.BadRequest},
		{"other policy", ctTimestampQry, otherPolicy, timestamp.UnacceptedPolicy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := postTSA(t, srv.URL, tt.contentType, tt.body)
			if status != http.StatusOK {
				t.Fatalf("status %d, want 200 with a rejection", status)
			}
			checkRejection(t, body, tt.want)
		})
	}
}

func TestTSAHandlerWantsPOST(t *testing.T) {
	p, _ := sharedPKI(t)
	rec := httptest.NewRecorder()
	p.TSAHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/tsa", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != http.MethodPost {
		t.Errorf("GET = %d Allow %q, want 405 Allow POST", rec.Code, rec.Header().Get("Allow"))
	}
}

// checkRejection checks that body is a rejection for reason want.
func checkRejection(t *testing.T, body []byte, want timestamp.FailureInfo) {
	t.Helper()
	var resp struct {
		Status struct {
			Status       int
			StatusString []string       `asn1:"optional,utf8"`
			FailInfo     asn1.BitString `asn1:"optional"`
		}
		Token asn1.RawValue `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(body, &resp); err != nil {
		t.Fatalf("reply is not a TimeStampResp: %v", err)
	}
	if resp.Status.Status != int(timestamp.Rejection) || resp.Status.FailInfo.At(int(want)) != 1 || len(resp.Token.FullBytes) != 0 {
		t.Errorf("reply status %d failInfo %x, want rejection with bit %d", resp.Status.Status, resp.Status.FailInfo.Bytes, want)
	}
}

// postTSA posts body to url and returns the status and reply.
func postTSA(t *testing.T, url, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode == http.StatusOK && resp.Header.Get("Content-Type") != ctTimestampResp {
		t.Errorf("content type %q, want %s", resp.Header.Get("Content-Type"), ctTimestampResp)
	}
	return resp.StatusCode, reply
}

// digestOf hashes data with hash.
func digestOf(hash crypto.Hash, data []byte) []byte {
	h := hash.New()
	h.Write(data)
	return h.Sum(nil)
}

// randomDigest returns random bytes of hash's size.
func randomDigest(hash crypto.Hash) []byte {
	b := make([]byte, hash.Size())
	rand.Read(b)
	return b
}
