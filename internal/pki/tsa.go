package pki

import (
	"context"
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"
)

// Parameters of the built-in timestamp authority.
const (
	tsaAccuracy     = time.Second
	maxTSARequest   = 64 << 10
	ctTimestampQry  = "application/timestamp-query"
	ctTimestampResp = "application/timestamp-reply"
)

// errNoToken is returned when a granted response carries no token.
var errNoToken = errors.New("no token in the response")

// Hash algorithm identifiers accepted in requests; SHA-1 and others are
// refused with badAlg.
var tsaHashes = map[string]crypto.Hash{
	"2.16.840.1.101.3.4.2.1": crypto.SHA256,
	"2.16.840.1.101.3.4.2.2": crypto.SHA384,
	"2.16.840.1.101.3.4.2.3": crypto.SHA512,
}

// tsRequest is a TimeStampReq (RFC 3161 §2.4.1). It is decoded here rather
// than with timestamp.ParseRequest, which reports an unknown hash algorithm
// and malformed input alike, so the reply could not say badAlg.
type tsRequest struct {
	Version        int
	MessageImprint struct {
		HashAlgorithm pkix.AlgorithmIdentifier
		HashedMessage []byte
	}
	ReqPolicy  asn1.ObjectIdentifier `asn1:"optional"`
	Nonce      *big.Int              `asn1:"optional"`
	CertReq    bool                  `asn1:"optional,default:false"`
	Extensions []pkix.Extension      `asn1:"tag:0,optional"`
}

// tsResponse is a TimeStampResp, read only to take the token out.
type tsResponse struct {
	Status asn1.RawValue
	Token  asn1.RawValue `asn1:"optional"`
}

// tsaRequest is what the built-in TSA stamps.
type tsaRequest struct {
	digest   []byte
	hash     crypto.Hash
	nonce    *big.Int
	withCert bool
}

// InProcess reports that the built-in TSA makes its tokens in this process
// (pades.InProcessTimestamper): a sealer need not parse and check each one.
// TestTimestamp checks what it makes.
func (p *PKI) InProcess() bool { return true }

// Timestamp returns a TimeStampToken from the built-in TSA for digest, which
// must have been computed with SHA-256, SHA-384 or SHA-512. The token carries
// the TSA certificate, the time from the Clock with an accuracy of one
// second, and an ESS signing-certificate-v2 attribute. Its serial number is
// 160 random bits: github.com/digitorus/timestamp chooses it, not us.
func (p *PKI) Timestamp(ctx context.Context, digest []byte, hash crypto.Hash) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("timestamp: %w", err)
	}
	if err := checkImprint(digest, hash); err != nil {
		return nil, fmt.Errorf("timestamp: %w", err)
	}
	resp, err := p.stamp(tsaRequest{digest: digest, hash: hash, withCert: true})
	if err != nil {
		return nil, fmt.Errorf("timestamp: %w", err)
	}
	token, err := tokenOf(resp)
	if err != nil {
		return nil, fmt.Errorf("timestamp: %w", err)
	}
	return token, nil
}

// tokenOf takes the TimeStampToken out of a granted TimeStampResp.
func tokenOf(resp []byte) ([]byte, error) {
	var r tsResponse
	if _, err := asn1.Unmarshal(resp, &r); err != nil {
		return nil, err
	}
	if len(r.Token.FullBytes) == 0 {
		return nil, errNoToken
	}
	return r.Token.FullBytes, nil
}

// stamp signs a granted TimeStampResp for req.
func (p *PKI) stamp(req tsaRequest) ([]byte, error) {
	ts := timestamp.Timestamp{
		HashAlgorithm:     req.hash,
		HashedMessage:     req.digest,
		Time:              p.now().Truncate(time.Second),
		Accuracy:          tsaAccuracy,
		Policy:            p.policy,
		Ordering:          false,
		Nonce:             req.nonce,
		AddTSACertificate: req.withCert,
	}
	return ts.CreateResponseWithOpts(p.tsa.chain[0], p.tsa.key, crypto.SHA256)
}

// checkImprint checks that digest fits one of the accepted hash algorithms.
func checkImprint(digest []byte, hash crypto.Hash) error {
	switch hash {
	case crypto.SHA256, crypto.SHA384, crypto.SHA512:
	default:
		return fmt.Errorf("hash %v not accepted; use SHA-256, SHA-384 or SHA-512", hash)
	}
	if len(digest) != hash.Size() {
		return fmt.Errorf("digest has %d bytes, %v needs %d", len(digest), hash, hash.Size())
	}
	return nil
}

// TSAHandler serves the built-in TSA over HTTP (RFC 3161 §3.4): a POST of
// application/timestamp-query, at most 64 KiB, answered with
// application/timestamp-reply. Requests it cannot grant get a rejection
// reply (HTTP 200, as the protocol carries the status) with badDataFormat,
// badAlg, badRequest, unacceptedPolicy or unacceptedExtension.
func (p *PKI) TSAHandler() http.Handler { return http.HandlerFunc(p.serveTSA) }

// serveTSA is TSAHandler.
func (p *PKI) serveTSA(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST an RFC 3161 timestamp query", http.StatusMethodNotAllowed)
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != ctTimestampQry {
		writeTSAReject(w, http.StatusOK, timestamp.BadRequest)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTSARequest))
	if err != nil {
		writeTSAReject(w, http.StatusOK, timestamp.BadRequest)
		return
	}
	req, fail := parseTSARequest(body, p.policy)
	if fail != timestamp.UnknownFailureInfo {
		writeTSAReject(w, http.StatusOK, fail)
		return
	}
	resp, err := p.stamp(req)
	if err != nil {
		writeTSAReject(w, http.StatusInternalServerError, timestamp.SystemFailure)
		return
	}
	writeTSAReply(w, http.StatusOK, resp)
}

// parseTSARequest decodes and checks a TimeStampReq. It returns
// UnknownFailureInfo when the request can be granted, else why not.
func parseTSARequest(body []byte, policy asn1.ObjectIdentifier) (tsaRequest, timestamp.FailureInfo) {
	var req tsRequest
	rest, err := asn1.Unmarshal(body, &req)
	if err != nil || len(rest) != 0 || req.Version != 1 {
		return tsaRequest{}, timestamp.BadDataFormat
	}
	hash, ok := tsaHashes[req.MessageImprint.HashAlgorithm.Algorithm.String()]
	switch {
	case !ok:
		return tsaRequest{}, timestamp.BadAlgorithm
	case len(req.MessageImprint.HashedMessage) != hash.Size():
		return tsaRequest{}, timestamp.BadDataFormat
	case len(req.ReqPolicy) > 0 && !req.ReqPolicy.Equal(policy):
		return tsaRequest{}, timestamp.UnacceptedPolicy
	case len(req.Extensions) > 0:
		return tsaRequest{}, timestamp.UnacceptedExtension
	}
	return tsaRequest{digest: req.MessageImprint.HashedMessage, hash: hash, nonce: req.Nonce, withCert: req.CertReq}, timestamp.UnknownFailureInfo
}

// writeTSAReply sends a TimeStampResp.
func writeTSAReply(w http.ResponseWriter, status int, resp []byte) {
	w.Header().Set("Content-Type", ctTimestampResp)
	w.WriteHeader(status)
	w.Write(resp)
}

// writeTSAReject sends a rejection with one failure reason.
func writeTSAReject(w http.ResponseWriter, status int, fail timestamp.FailureInfo) {
	resp, err := timestamp.CreateErrorResponse(timestamp.Rejection, fail)
	if err != nil {
		http.Error(w, "cannot encode rejection", http.StatusInternalServerError)
		return
	}
	writeTSAReply(w, status, resp)
}
