package pki

import (
	"bytes"
	"crypto"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
)

func TestHTTPTimestamper(t *testing.T) {
	p, _ := sharedPKI(t)
	srv := httptest.NewServer(p.TSAHandler())
	defer srv.Close()
	tests := []struct {
		name      string
		hash      crypto.Hash // passed to Timestamp
		tsHash    crypto.Hash // HTTPTimestamper.Hash
		digestAlg crypto.Hash
	}{
		{"SHA-256", crypto.SHA256, 0, crypto.SHA256},
		{"SHA-512", crypto.SHA512, 0, crypto.SHA512},
		{"default hash", 0, 0, crypto.SHA256},
		{"configured hash", 0, crypto.SHA384, crypto.SHA384},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := &HTTPTimestamper{URL: srv.URL, Client: srv.Client(), Hash: tt.tsHash}
			digest := randomDigest(tt.digestAlg)
			token, err := ts.Timestamp(t.Context(), digest, tt.hash)
			if err != nil {
				t.Fatal(err)
			}
			got, err := timestamp.Parse(token)
			if err != nil {
				t.Fatal(err)
			}
			checkToken(t, got, digest, tt.digestAlg)
		})
	}
}

func TestHTTPTimestamperFails(t *testing.T) {
	p, _ := sharedPKI(t)
	down := httptest.NewServer(p.TSAHandler())
	down.Close()
	tests := []struct {
		name string
		url  string
	}{
		{"server down", down.URL},
		{"wrong nonce", tamperingTSA(t, p, func(r *tsaRequest) { r.nonce = new(big.Int).Add(r.nonce, big.NewInt(1)) })},
		{"no nonce", tamperingTSA(t, p, func(r *tsaRequest) { r.nonce = nil })},
		{"other digest", tamperingTSA(t, p, func(r *tsaRequest) { r.digest = randomDigest(r.hash) })},
		{"other hash", tamperingTSA(t, p, func(r *tsaRequest) { r.hash, r.digest = crypto.SHA512, randomDigest(crypto.SHA512) })},
		{"bad signature", fakeTSA(t, p, func(r tsaRequest) ([]byte, error) {
			resp, err := p.stamp(r)
			resp[len(resp)-1] ^= 1 // the signature value ends the reply
			return resp, err
		})},
		{"no certificate", tamperingTSA(t, p, func(r *tsaRequest) { r.withCert = false })},
		{"signer not a TSA", fakeTSA(t, p, func(r tsaRequest) ([]byte, error) { return stampWithSeal(p, r) })},
		{"rejection", replyingTSA(t, http.StatusOK, rejection(t, timestamp.SystemFailure))},
		{"HTTP 503", replyingTSA(t, http.StatusServiceUnavailable, nil)},
		{"garbage", replyingTSA(t, http.StatusOK, []byte("garbage"))},
		{"too large", replyingTSA(t, http.StatusOK, make([]byte, maxTSAResponse+1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := &HTTPTimestamper{URL: tt.url, Client: &http.Client{Timeout: 5 * time.Second}}
			token, err := ts.Timestamp(t.Context(), randomDigest(crypto.SHA256), crypto.SHA256)
			if err == nil {
				t.Fatalf("Timestamp = %d bytes, want an error", len(token))
			}
			if token != nil {
				t.Error("a token came back with the error")
			}
			t.Log(err)
		})
	}
}

func TestHTTPTimestamperRefusesBadDigest(t *testing.T) {
	var called atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called.Store(true) }))
	defer srv.Close()
	ts := &HTTPTimestamper{URL: srv.URL}
	if _, err := ts.Timestamp(t.Context(), []byte("short"), crypto.SHA256); err == nil {
		t.Error("Timestamp accepted a digest of the wrong size")
	}
	if called.Load() {
		t.Error("the TSA was asked anyway")
	}
}

// tamperingTSA serves the built-in TSA but changes each request before
// stamping it, and returns its URL.
func tamperingTSA(t *testing.T, p *PKI, tamper func(*tsaRequest)) string {
	return fakeTSA(t, p, func(req tsaRequest) ([]byte, error) {
		tamper(&req)
		return p.stamp(req)
	})
}

// fakeTSA answers well-formed requests with respond, and returns its URL.
func fakeTSA(t *testing.T, p *PKI, respond func(tsaRequest) ([]byte, error)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req, fail := parseTSARequest(body, p.policy)
		if fail != timestamp.UnknownFailureInfo {
			writeTSAReject(w, http.StatusOK, fail)
			return
		}
		resp, err := respond(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeTSAReply(w, http.StatusOK, resp)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// stampWithSeal grants req with a token signed by the seal, whose
// certificate is not for time stamping.
func stampWithSeal(p *PKI, req tsaRequest) ([]byte, error) {
	ts := timestamp.Timestamp{
		HashAlgorithm: req.hash, HashedMessage: req.digest, Nonce: req.nonce,
		Time: testNow, Policy: DefaultTSAPolicy, AddTSACertificate: true,
	}
	return ts.CreateResponseWithOpts(p.SealChain()[0], p.SealSigner(), crypto.SHA256)
}

// replyingTSA answers every request with status and body, and returns its URL.
func replyingTSA(t *testing.T, status int, body []byte) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		writeTSAReply(w, status, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// rejection is a rejection reply for reason.
func rejection(t *testing.T, reason timestamp.FailureInfo) []byte {
	t.Helper()
	resp, err := timestamp.CreateErrorResponse(timestamp.Rejection, reason)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestCheckTSASigner(t *testing.T) {
	p, _ := sharedPKI(t)
	good, err := p.Timestamp(t.Context(), randomDigest(crypto.SHA256), crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := stampWithSeal(p, tsaRequest{digest: randomDigest(crypto.SHA256), hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	bad, err := tokenOf(resp)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkTSASigner(good); err != nil {
		t.Errorf("TSA-signed token refused: %v", err)
	}
	if err := checkTSASigner(bad); err == nil {
		t.Error("seal-signed token accepted")
	}
	if err := checkTSASigner(bytes.Repeat([]byte{0x30}, 4)); err == nil {
		t.Error("garbage accepted")
	}
}
