package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/gsign/gsign/internal/esign"
)

// Limits on imported seals.
const (
	maxPKCS12     = 1 << 20
	minRSABits    = 2048
	importedPtr   = "imported.json"
	importedDir   = "imported/"
	importedTime  = "20060102T150405Z"
	maxChainDepth = 8
)

// importPointer is <gen>/imported.json: the imported seal in use.
type importPointer struct {
	V  int    `json:"v"`
	ID string `json:"id"`
}

// ImportSealPKCS12 makes the key and certificate chain in a PKCS#12 file
// (.p12/.pfx) the seal of this PKI, replacing the platform seal certificate,
// which stays in the store. Legacy encodings are accepted: RC2 and 3DES
// encryption, SHA-1 MACs, BER instead of DER, the leaf certificate in any
// position. The leaf must match the key, allow digitalSignature or
// contentCommitment, and be valid now, and the chain must verify. Problems
// with the file are *esign.Error of KindInvalid. With an HSM configured it
// is refused: the seal key is the HSM's, see ImportHSMCertificate.
//
// Other gsign processes keep their seal until restarted; their SelfTest
// fails meanwhile, so they leave rotation until they are.
func (p *PKI) ImportSealPKCS12(ctx context.Context, data []byte, password string) (*x509.Certificate, error) {
	if p.hsm != nil {
		return nil, esign.Invalid("file", "the seal key is kept in an HSM; import a certificate for that key instead of a PKCS#12 file")
	}
	id, err := decodePKCS12(data, password)
	if err != nil {
		return nil, err
	}
	if err := checkSeal(id, p.now()); err != nil {
		return nil, err
	}
	importID := p.now().Format(importedTime) + "-" + randomHex(4)
	if err := saveIdentity(ctx, p.store, p.vault, p.gen, importedDir+importID+"/"+nameSeal, purposeSeal, id); err != nil {
		return nil, fmt.Errorf("import seal: %w", err)
	}
	if err := putJSON(ctx, p.store, p.key(importedPtr), importPointer{V: 1, ID: importID}); err != nil {
		return nil, fmt.Errorf("import seal: %w", err)
	}
	p.mu.Lock()
	p.seal, p.importID = id, importID
	p.mu.Unlock()
	return id.chain[0], nil
}

// loadImported switches to the imported seal, if there is one.
func (p *PKI) loadImported(ctx context.Context) error {
	id, err := readImportID(ctx, p.store, p.key(importedPtr))
	if err != nil || id == "" {
		return err
	}
	seal, err := p.loadIdentity(ctx, importedDir+id+"/"+nameSeal, purposeSeal)
	if err != nil {
		return fmt.Errorf("load imported seal: %w", err)
	}
	p.seal, p.importID = seal, id
	return nil
}

// readImportID returns the imported seal in use, or "" if none.
func readImportID(ctx context.Context, store esign.Blobs, key string) (string, error) {
	var ptr importPointer
	err := getJSON(ctx, store, key, &ptr)
	if esign.IsKind(err, esign.KindNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if ptr.V != 1 || ptr.ID == "" {
		return "", fmt.Errorf("read %s: unsupported version %d or no id", key, ptr.V)
	}
	return ptr.ID, nil
}

// decodePKCS12 extracts the key and the ordered chain from a PKCS#12 file.
func decodePKCS12(data []byte, password string) (identity, error) {
	if len(data) > maxPKCS12 {
		return identity{}, esign.Invalid("file", "is too large for a PKCS#12 file")
	}
	priv, leaf, cas, err := pkcs12.DecodeChain(data, password)
	if err != nil && !wrongPassword(err) {
		// encoding/asn1 reads only DER; Java and older Windows write BER.
		if der, cerr := berToDER(data); cerr == nil && !bytes.Equal(der, data) {
			priv, leaf, cas, err = pkcs12.DecodeChain(der, password)
		}
	}
	switch {
	case wrongPassword(err):
		return identity{}, esign.Invalid("password", "does not open the PKCS#12 file")
	case err != nil:
		return identity{}, esign.Invalid("file", "is not a readable PKCS#12 (.p12/.pfx) file with one key and its certificate")
	}
	key, err := sealKey(priv)
	if err != nil {
		return identity{}, err
	}
	return orderChain(key, append([]*x509.Certificate{leaf}, cas...))
}

// wrongPassword reports whether err means the password is wrong.
func wrongPassword(err error) bool {
	return errors.Is(err, pkcs12.ErrIncorrectPassword) || errors.Is(err, pkcs12.ErrDecryption)
}

// sealKey accepts the key types PAdES validators commonly support.
func sealKey(priv any) (crypto.Signer, error) {
	switch k := priv.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < minRSABits {
			return nil, esign.Invalid("file", fmt.Sprintf("RSA key has %d bits; at least %d are required", k.N.BitLen(), minRSABits))
		}
		return k, nil
	case *ecdsa.PrivateKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return k, nil
		}
	}
	return nil, esign.Invalid("file", fmt.Sprintf("key type %T is not supported; use RSA or ECDSA P-256/384/521", priv))
}

// orderChain picks the certificate that matches key as the leaf (files do not
// always put it first) and follows issuers from it, dropping unrelated certificates.
func orderChain(key crypto.Signer, certs []*x509.Certificate) (identity, error) {
	leaf := -1
	for i, c := range certs {
		if c != nil && samePublicKey(c.PublicKey, key.Public()) {
			leaf = i
			break
		}
	}
	if leaf < 0 {
		return identity{}, esign.Invalid("file", "the private key does not match any certificate in the file")
	}
	chain := []*x509.Certificate{certs[leaf]}
	for len(chain) < maxChainDepth {
		last := chain[len(chain)-1]
		next := issuerOf(last, certs)
		if next == nil {
			break
		}
		chain = append(chain, next)
	}
	return identity{key: key, chain: chain}, nil
}

// issuerOf returns the certificate in certs that signed c, or nil if c is
// self-signed or its issuer is not there.
func issuerOf(c *x509.Certificate, certs []*x509.Certificate) *x509.Certificate {
	if bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil {
		return nil
	}
	for _, cand := range certs {
		if cand != nil && cand != c && bytes.Equal(c.RawIssuer, cand.RawSubject) && c.CheckSignatureFrom(cand) == nil {
			return cand
		}
	}
	return nil
}

// checkSeal validates an imported seal identity at time now.
func checkSeal(id identity, now time.Time) error {
	leaf := id.chain[0]
	if leaf.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return esign.Invalid("file", "the certificate allows neither digitalSignature nor contentCommitment (nonRepudiation)")
	}
	if now.Before(leaf.NotBefore) {
		return esign.Invalid("file", "the certificate is not valid before "+leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	if now.After(leaf.NotAfter) {
		return esign.Invalid("file", "the certificate expired on "+leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	if err := verifyChain(id.chain, now); err != nil {
		return esign.Invalid("file", "the certificate chain does not verify: "+err.Error())
	}
	return nil
}

// verifyChain verifies chain[0] up to its last certificate, trusted as the
// anchor: the root where the chain has one, else the topmost issuer known.
func verifyChain(chain []*x509.Certificate, now time.Time) error {
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(chain[len(chain)-1])
	for _, c := range chain[1:] {
		inter.AddCert(c) // the anchor among them does no harm
	}
	_, err := chain[0].Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	return err
}
