package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

// Limits of the external TSA client.
const (
	maxTSAResponse    = 1 << 20
	nonceBits         = 64 // what OpenSSL sends; some TSAs refuse longer nonces
	defaultTSATimeout = 30 * time.Second
)

// HTTPTimestamper obtains timestamp tokens from an external RFC 3161 TSA
// over HTTP. It checks that the reply is granted, covers the digest, echoes
// the nonce, carries the TSA certificate and is signed by it, and that the
// certificate is for time stamping. Whether that TSA is trusted is for the
// validator to decide, as with any TSA. Any failure is returned as an error:
// there is no fallback, ever.
type HTTPTimestamper struct {
	// URL of the TSA.
	URL string
	// Client sends the requests; nil: a client with a 30 s timeout.
	Client *http.Client
	// Hash is assumed when Timestamp is called with hash 0; zero: SHA-256.
	Hash crypto.Hash
}

// Timestamp asks the TSA for a token over digest, computed with hash.
func (h *HTTPTimestamper) Timestamp(ctx context.Context, digest []byte, hash crypto.Hash) ([]byte, error) {
	token, err := h.timestamp(ctx, digest, h.hashOr(hash))
	if err != nil {
		return nil, fmt.Errorf("timestamp via %s: %w", h.URL, err)
	}
	return token, nil
}

// timestamp is Timestamp without the error context.
func (h *HTTPTimestamper) timestamp(ctx context.Context, digest []byte, hash crypto.Hash) ([]byte, error) {
	if err := checkImprint(digest, hash); err != nil {
		return nil, err
	}
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), nonceBits))
	if err != nil {
		return nil, err
	}
	req := timestamp.Request{HashAlgorithm: hash, HashedMessage: digest, Certificates: true, Nonce: nonce}
	der, err := req.Marshal()
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	resp, err := h.post(ctx, der)
	if err != nil {
		return nil, err
	}
	return checkReply(resp, req)
}

// hashOr returns hash, or the configured default for 0.
func (h *HTTPTimestamper) hashOr(hash crypto.Hash) crypto.Hash {
	switch {
	case hash != 0:
		return hash
	case h.Hash != 0:
		return h.Hash
	}
	return crypto.SHA256
}

// post sends a query and returns the reply body.
func (h *HTTPTimestamper) post(ctx context.Context, query []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(query))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", ctTimestampQry)
	client := h.Client
	if client == nil {
		client = &http.Client{Timeout: defaultTSATimeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTSAResponse+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("read reply: %w", err)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("HTTP status %s", resp.Status)
	case len(body) > maxTSAResponse:
		return nil, errors.New("reply too large")
	}
	return body, nil
}

// checkReply parses a TimeStampResp, which must grant req, and returns its token.
func checkReply(resp []byte, req timestamp.Request) ([]byte, error) {
	// ParseResponse fails on a status other than granted and verifies the
	// signature with the certificates in the token.
	ts, err := timestamp.ParseResponse(resp)
	if err != nil {
		return nil, fmt.Errorf("reply: %w", err)
	}
	switch {
	case len(ts.Certificates) == 0:
		return nil, errors.New("reply carries no TSA certificate, so its signature cannot be checked")
	case ts.HashAlgorithm != req.HashAlgorithm || !bytes.Equal(ts.HashedMessage, req.HashedMessage):
		return nil, errors.New("token covers another digest than the one sent")
	case ts.Nonce == nil || ts.Nonce.Cmp(req.Nonce) != 0:
		return nil, errors.New("token does not echo the nonce sent (replayed or misrouted reply)")
	}
	if err := checkTSASigner(ts.RawToken); err != nil {
		return nil, err
	}
	return ts.RawToken, nil
}

// checkTSASigner checks that the token's one signer may stamp time.
func checkTSASigner(token []byte) error {
	p7, err := pkcs7.Parse(token)
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	signer := p7.GetOnlySigner()
	if signer == nil {
		return errors.New("token must have exactly one signer with its certificate")
	}
	if !slices.Equal(signer.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}) {
		return errors.New("token signer's certificate is not for time stamping only")
	}
	return nil
}
