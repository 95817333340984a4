package pki

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"math/big"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// RSA key size and validity periods of the platform certificates.
const (
	rsaBits      = 3072 // a strength good past 2030, like P-256
	rootYears    = 20
	sealYears    = 3
	tsaYears     = 5
	backdate     = time.Hour // tolerates validators whose clocks run a little behind
	settleDelay  = 500 * time.Millisecond
	serialBits   = 128
	skidHashSize = 20 // RFC 7093 method 1: leftmost 160 bits of SHA-256
)

// Object identifiers of extensions and key purposes Go does not name.
var (
	oidExtKeyUsage       = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidKPTimeStamping    = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	oidKPDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}
)

// material is a freshly created PKI, not yet stored.
type material struct {
	root, seal, tsa identity
}

// create makes a new PKI, stores it under a new generation and returns the
// pointer every process should use; see the package comment for the race
// this narrows.
func create(ctx context.Context, store esign.Blobs, v vault, opts Options) (pointer, error) {
	now := opts.Clock.Now().UTC()
	m, err := newMaterial(opts.KeyAlgorithm, opts.Organization, opts.CRLURL, now)
	if err != nil {
		return pointer{}, err
	}
	gen := now.Format("20060102T150405Z") + "-" + randomHex(4)
	if err := m.save(ctx, store, v, gen); err != nil {
		return pointer{}, err
	}
	// RSA key generation takes seconds; another process may have finished first.
	if ptr, err := readPointer(ctx, store); !esign.IsKind(err, esign.KindNotFound) {
		deleteGeneration(ctx, store, gen)
		return ptr, err
	}
	ptr := pointer{V: 1, Generation: gen, KeyCheck: v.keyCheck()}
	if err := putJSON(ctx, store, pointerKey, ptr); err != nil {
		return pointer{}, err
	}
	if err := sleep(ctx, settleDelay); err != nil {
		return pointer{}, err
	}
	return readPointer(ctx, store)
}

// save writes the material under generation gen; the pointer comes later.
func (m material) save(ctx context.Context, store esign.Blobs, v vault, gen string) error {
	// Issued certificates are stored alone; the loader appends the root.
	seal := identity{key: m.seal.key, chain: m.seal.chain[:1]}
	tsa := identity{key: m.tsa.key, chain: m.tsa.chain[:1]}
	if err := saveIdentity(ctx, store, v, gen, nameRoot, purposeRoot, m.root); err != nil {
		return err
	}
	if err := saveIdentity(ctx, store, v, gen, nameSeal, purposeSeal, seal); err != nil {
		return err
	}
	return saveIdentity(ctx, store, v, gen, nameTSA, purposeTSA, tsa)
}

// deleteGeneration removes an unused generation's blobs, best effort: left
// behind they are harmless, merely unused.
func deleteGeneration(ctx context.Context, store esign.Blobs, gen string) {
	for _, base := range []string{nameRoot, nameSeal, nameTSA} {
		store.Delete(ctx, genKey(gen, base+".crt"))
		store.Delete(ctx, genKey(gen, base+".key"))
	}
}

// newMaterial creates the root CA, the seal and the TSA certificates, all
// with keys of algorithm alg.
func newMaterial(alg KeyAlgorithm, org, crlURL string, now time.Time) (material, error) {
	keys, err := generateKeys(alg, 3)
	if err != nil {
		return material{}, fmt.Errorf("create pki: %w", err)
	}
	root, err := selfSign(rootTemplate(org, now), keys[0])
	if err != nil {
		return material{}, fmt.Errorf("create root CA: %w", err)
	}
	seal, err := issue(sealTemplate(org, crlURL, now), keys[1], root)
	if err != nil {
		return material{}, fmt.Errorf("create seal certificate: %w", err)
	}
	tsa, err := issue(tsaTemplate(org, crlURL, now), keys[2], root)
	if err != nil {
		return material{}, fmt.Errorf("create TSA certificate: %w", err)
	}
	return material{root: root, seal: seal, tsa: tsa}, nil
}

// generateKeys creates n keys of algorithm alg in parallel: an RSA key
// takes up to seconds.
func generateKeys(alg KeyAlgorithm, n int) ([]crypto.Signer, error) {
	keys := make([]crypto.Signer, n)
	errs := make(chan error, n)
	for i := range keys {
		go func() {
			var err error
			keys[i], err = generateKey(alg)
			errs <- err
		}()
	}
	var first error
	for range keys {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return keys, first
}

// generateKey creates one key of algorithm alg.
func generateKey(alg KeyAlgorithm) (crypto.Signer, error) {
	switch alg {
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case RSA3072:
		return rsa.GenerateKey(rand.Reader, rsaBits)
	}
	return nil, fmt.Errorf("unknown key algorithm %q", alg)
}

// rootTemplate is the root CA: it signs only certificates and CRLs, and
// allows one intermediate level should GSign ever need one.
func rootTemplate(org string, now time.Time) *x509.Certificate {
	return &x509.Certificate{
		Subject:               pkix.Name{CommonName: org + " Root CA", Organization: []string{org}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.AddDate(rootYears, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            1,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
}

// sealTemplate is the document seal: signatures and non-repudiation, for
// document signing (RFC 9336).
func sealTemplate(org, crlURL string, now time.Time) *x509.Certificate {
	return &x509.Certificate{
		Subject:               pkix.Name{CommonName: org + " Document Seal", Organization: []string{org}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.AddDate(sealYears, 0, 0),
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		UnknownExtKeyUsage:    []asn1.ObjectIdentifier{oidKPDocumentSigning},
		CRLDistributionPoints: optional(crlURL),
	}
}

// tsaTemplate is the timestamp authority. RFC 3161 §2.3 requires exactly one
// extended key usage, timeStamping, marked critical; Go writes the extension
// non-critical, so it is supplied raw.
func tsaTemplate(org, crlURL string, now time.Time) *x509.Certificate {
	eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{oidKPTimeStamping}) // cannot fail
	return &x509.Certificate{
		Subject:               pkix.Name{CommonName: org + " Timestamp Authority", Organization: []string{org}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.AddDate(tsaYears, 0, 0),
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtraExtensions:       []pkix.Extension{{Id: oidExtKeyUsage, Critical: true, Value: eku}},
		CRLDistributionPoints: optional(crlURL),
	}
}

// selfSign completes tmpl as a self-signed certificate for key.
func selfSign(tmpl *x509.Certificate, key crypto.Signer) (identity, error) {
	if err := complete(tmpl, key.Public()); err != nil {
		return identity{}, err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return identity{}, err
	}
	cert, err := x509.ParseCertificate(der)
	return identity{key: key, chain: []*x509.Certificate{cert}}, err
}

// issue completes tmpl and has issuer sign it; the authority key identifier
// comes from the issuer's subject key identifier.
func issue(tmpl *x509.Certificate, key crypto.Signer, issuer identity) (identity, error) {
	if err := complete(tmpl, key.Public()); err != nil {
		return identity{}, err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer.chain[0], key.Public(), issuer.key)
	if err != nil {
		return identity{}, err
	}
	cert, err := x509.ParseCertificate(der)
	return identity{key: key, chain: append([]*x509.Certificate{cert}, issuer.chain...)}, err
}

// complete gives tmpl a random serial number and a subject key identifier.
func complete(tmpl *x509.Certificate, pub crypto.PublicKey) error {
	serial, err := randomSerial()
	if err != nil {
		return err
	}
	skid, err := subjectKeyID(pub)
	if err != nil {
		return err
	}
	tmpl.SerialNumber, tmpl.SubjectKeyId = serial, skid
	return nil
}

// randomSerial returns a positive serial number of up to 128 random bits.
func randomSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), serialBits))
	if err != nil {
		return nil, err
	}
	return n.Add(n, big.NewInt(1)), nil
}

// subjectKeyID hashes the subjectPublicKey bit string (RFC 7093 method 1).
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:skidHashSize], nil
}

// optional returns s as a one-element list, or nil if s is empty.
func optional(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
