package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"

	"github.com/digitorus/timestamp"
)

// Timestamper obtains an RFC 3161 timestamp for a digest.
type Timestamper interface {
	// Timestamp returns the DER TimeStampToken (a CMS ContentInfo, not the
	// whole TimeStampResp) whose message imprint is digest under hash.
	Timestamp(ctx context.Context, digest []byte, hash crypto.Hash) ([]byte, error)
}

// maxTSAResponse bounds what is read from a timestamp authority.
const maxTSAResponse = 1 << 20

// TSAClient is a Timestamper that asks an RFC 3161 timestamp authority over
// HTTP. It requests the TSA's certificate in the token, so that the token
// can be validated on its own, and a nonce, which it checks.
type TSAClient struct {
	// URL is the timestamp authority's endpoint.
	URL string
	// HTTPClient is used for the request; nil means http.DefaultClient. Set
	// a timeout on it (or on ctx): sealing waits for the TSA.
	HTTPClient *http.Client
}

var _ Timestamper = (*TSAClient)(nil)

// Timestamp implements Timestamper.
func (c *TSAClient) Timestamp(ctx context.Context, digest []byte, hash crypto.Hash) ([]byte, error) {
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, fmt.Errorf("timestamp nonce: %w", err)
	}
	req := &timestamp.Request{HashAlgorithm: hash, HashedMessage: digest, Certificates: true, Nonce: nonce}
	body, err := req.Marshal()
	if err != nil {
		return nil, fmt.Errorf("timestamp request: %w", err)
	}
	resp, err := c.post(ctx, body)
	if err != nil {
		return nil, err
	}
	ts, err := timestamp.ParseResponse(resp)
	if err != nil {
		return nil, fmt.Errorf("timestamp response from %s: %w", c.URL, err)
	}
	if ts.Nonce == nil || ts.Nonce.Cmp(nonce) != 0 {
		return nil, fmt.Errorf("timestamp response from %s: nonce does not match the request", c.URL)
	}
	return ts.RawToken, nil
}

func (c *TSAClient) post(ctx context.Context, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("timestamp request: %w", err)
	}
	req.Header.Set("Content-Type", "application/timestamp-query")
	client := c.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("timestamp authority %s: %w", c.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("timestamp authority %s: HTTP %s", c.URL, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxTSAResponse+1))
	if err != nil {
		return nil, fmt.Errorf("timestamp authority %s: read response: %w", c.URL, err)
	}
	if len(b) > maxTSAResponse {
		return nil, fmt.Errorf("timestamp authority %s: response larger than %d bytes", c.URL, maxTSAResponse)
	}
	return b, nil
}

// InProcessTimestamper is implemented by Timestampers that make their
// tokens in this process, from the digest they are given, such as GSign's
// built-in TSA (pki.PKI): Seal takes their tokens as they come instead of
// parsing and checking each one (checkToken), which costs about as much as
// making it, three times an envelope. What they make is checked by their
// own tests, and every seal by the validators in pades's.
type InProcessTimestamper interface {
	Timestamper
	// InProcess reports whether the tokens are made in this process.
	InProcess() bool
}

// checkTokenFrom is checkToken for a token that tsa returned, unless tsa
// makes its tokens in this process.
func checkTokenFrom(tsa Timestamper, token, digest []byte, hash crypto.Hash) error {
	if ip, ok := tsa.(InProcessTimestamper); ok && ip.InProcess() {
		return nil
	}
	return checkToken(token, digest, hash)
}

// checkToken makes sure a token from a Timestamper is a signed
// TimeStampToken over digest: a wrong or unsigned token would make a seal
// that verifies badly later, when nobody can redo it.
func checkToken(token, digest []byte, hash crypto.Hash) error {
	ts, err := timestamp.Parse(token)
	if err != nil {
		return fmt.Errorf("parse timestamp token: %w", err)
	}
	if ts.HashAlgorithm != hash || !bytes.Equal(ts.HashedMessage, digest) {
		return errors.New("timestamp token is not over the signature value")
	}
	if !ts.AddTSACertificate {
		return errors.New("timestamp token carries no TSA certificate")
	}
	return nil
}
