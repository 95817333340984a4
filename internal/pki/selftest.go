package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/digitorus/timestamp"
)

// errStale means another process replaced the PKI or the seal in the store.
var errStale = errors.New("the PKI in the store changed since this process loaded it (a concurrent first start or a seal import); restart this process")

// SelfTest checks that this process can seal: the PKI it loaded is still the
// one in the store, the seal key (in the HSM, if one is configured) signs
// and its certificate verifies the signature, the seal chain verifies, and
// the configured Timestamper returns a valid token for a random digest. It
// backs /readyz; as it may ask an external TSA for a token, callers should
// run it at start and then every minute or so, not on every probe.
func (p *PKI) SelfTest(ctx context.Context) error {
	if err := p.checkCurrent(ctx); err != nil {
		return fmt.Errorf("pki self-test: %w", err)
	}
	signer, chain := p.Seal()
	if err := checkSigner(signer, chain[0]); err != nil {
		return fmt.Errorf("pki self-test: seal key: %w", err)
	}
	if err := verifyChain(chain, p.now()); err != nil {
		return fmt.Errorf("pki self-test: seal chain: %w", err)
	}
	if err := checkTimestamper(ctx, p.Timestamper()); err != nil {
		return fmt.Errorf("pki self-test: %w", err)
	}
	return nil
}

// checkCurrent compares the stored pointers with what this process loaded.
func (p *PKI) checkCurrent(ctx context.Context) error {
	ptr, err := readPointer(ctx, p.store)
	if err != nil {
		return err
	}
	id, err := readImportID(ctx, p.store, p.key(importedPtr))
	if err != nil {
		return err
	}
	p.mu.RLock()
	loaded := p.importID
	p.mu.RUnlock()
	if ptr.Generation != p.gen || id != loaded {
		return errStale
	}
	return p.checkHSMCurrent(ctx)
}

// checkSigner signs a random message with signer and verifies the signature
// with cert, as a validator would.
func checkSigner(signer crypto.Signer, cert *x509.Certificate) error {
	msg := make([]byte, 32)
	rand.Read(msg)
	digest := sha256.Sum256(msg)
	sig, err := signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	var alg x509.SignatureAlgorithm
	switch signer.Public().(type) {
	case *rsa.PublicKey:
		alg = x509.SHA256WithRSA
	case *ecdsa.PublicKey:
		alg = x509.ECDSAWithSHA256
	default:
		return fmt.Errorf("unsupported key type %T", signer.Public())
	}
	if err := cert.CheckSignature(alg, msg, sig); err != nil {
		return fmt.Errorf("verify with the seal certificate: %w", err)
	}
	return nil
}

// checkTimestamper obtains a token for a random digest and checks it.
func checkTimestamper(ctx context.Context, ts Timestamper) error {
	digest := make([]byte, sha256.Size)
	rand.Read(digest)
	token, err := ts.Timestamp(ctx, digest, crypto.SHA256)
	if err != nil {
		return err
	}
	// Parse verifies the signature with the certificate in the token.
	got, err := timestamp.Parse(token)
	switch {
	case err != nil:
		return fmt.Errorf("timestamp token: %w", err)
	case len(got.Certificates) == 0:
		return errors.New("timestamp token carries no certificate")
	case got.HashAlgorithm != crypto.SHA256 || !bytes.Equal(got.HashedMessage, digest):
		return errors.New("timestamp token covers another digest")
	}
	return nil
}
