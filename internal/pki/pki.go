// Package pki is GSign's built-in public key infrastructure: a root CA, the
// certificate that seals finished documents, and an RFC 3161 timestamp
// authority, all created on first start and kept, private keys encrypted, in
// the blob store that every gsign process shares.
//
// # Layout in the store
//
// Everything lives under one generation, written once:
//
//	pki/current.json                  which generation is in use, and a check value of the master key
//	pki/<gen>/root.crt, root.key      root CA: certificate (PEM) and key (encrypted envelope)
//	pki/<gen>/seal.crt, seal.key      seal certificate issued by the root
//	pki/<gen>/tsa.crt, tsa.key        timestamp authority certificate issued by the root
//	pki/<gen>/root.crl                the current CRL of the root
//	pki/<gen>/revoked/<serial>        one revocation record per certificate
//	pki/<gen>/imported.json           which imported seal is in use, if any
//	pki/<gen>/imported/<id>/seal.*    a seal certificate chain and key imported from PKCS#12
//	pki/<gen>/hsm/<key id>/seal.crt   the seal chain of a key kept in an HSM (Options.HSM);
//	                                  no key: it never leaves the HSM. <key id> is the
//	                                  hex subject key identifier of the HSM key.
//
// Keys are PKCS#8, encrypted with AES-256-GCM under a key derived from the
// master key with HKDF-SHA256 (one info string per purpose). The blob key is
// the additional data, so an encrypted key moved to another name, or another
// generation, no longer decrypts.
//
// # Concurrent first start
//
// esign.Blobs has no "put if absent", so two processes starting on an empty
// store could each create a PKI. Each writes its material under its own
// generation first and only then the pointer pki/current.json, so a reader
// never sees a mix of two generations. Right before writing the pointer a
// process checks whether another one has already written it, and adopts that
// one if so; after writing it waits a moment and re-reads the pointer, so both
// processes settle on the last pointer written (on a file system the last
// rename wins, not the first). What remains is a process whose own pointer
// write takes longer than that wait: it would keep using its own, orphaned,
// generation. SelfTest detects that (the stored pointer differs from the
// loaded one) and fails, so /readyz takes the process out of rotation until it
// is restarted. Starting one process first (or running `gsign pki` once)
// avoids the race entirely.
package pki

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// MasterKeySize is the length of Options.MasterKey in bytes.
const MasterKeySize = 32

// DefaultTSAPolicy is the policy OID the built-in timestamp authority puts in
// its tokens when Options.TSAPolicy is empty. It lies under 1.3.6.1.4.1.32473,
// the enterprise number IANA reserves for documentation (RFC 5612), and is
// meant to be replaced by an arc under GSign's own enterprise number once one
// is registered (free of charge at IANA). A registration-free 2.25.<UUID> OID
// was considered and rejected: its 128-bit arc does not fit Go's
// encoding/asn1, so Go verifiers (including github.com/digitorus/timestamp)
// could not even parse the tokens.
var DefaultTSAPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 1, 1}

// ErrWrongMasterKey means the configured master key is not the one the PKI in
// the store was created with. GSign refuses to start rather than create a new
// PKI, which would orphan every seal issued so far.
var ErrWrongMasterKey = errors.New("the master key does not decrypt the PKI; check GSIGN_MASTER_KEY")

// ErrDamaged means stored PKI material fails authentication although the
// master key is right: a key blob was altered, truncated or swapped.
var ErrDamaged = errors.New("the PKI material in the store is damaged or was tampered with")

// KeyAlgorithm is the key type of the root, seal and TSA keys of a new PKI.
type KeyAlgorithm string

// The key algorithms Open can create a PKI with. ECDSA P-256 is the default:
// it signs in a fraction of the time RSA-3072 takes, at a comparable
// strength, and PAdES validators accept both.
const (
	ECDSAP256 KeyAlgorithm = "ecdsa-p256"
	RSA3072   KeyAlgorithm = "rsa-3072"
)

// KeyAlgorithms lists the valid KeyAlgorithm values, the default first.
var KeyAlgorithms = []KeyAlgorithm{ECDSAP256, RSA3072}

// Options configures Open.
type Options struct {
	// MasterKey (MasterKeySize bytes) encrypts the private keys at rest.
	MasterKey []byte
	// Store is where the PKI material lives, under keys "pki/…", shared by
	// every gsign process.
	Store esign.Blobs
	// Clock dates certificates, CRLs and timestamps; nil: esign.SystemClock.
	Clock esign.Clock
	// KeyAlgorithm is the key type of a PKI Open creates; empty: ECDSAP256.
	// A PKI already in the store keeps the keys it has, whatever this says.
	KeyAlgorithm KeyAlgorithm
	// Organization appears in subject names; empty: "GSign".
	Organization string
	// CRLURL is the public URL of the root's CRL, written into the seal and
	// TSA certificates when they are created. Changing it later does not
	// change existing certificates. Empty: no distribution point, so
	// validators find no revocation data (no B-LT).
	CRLURL string
	// TSAURL is an external RFC 3161 timestamp authority; empty: the built-in one.
	TSAURL string
	// TSAPolicy is the policy OID of the built-in TSA; empty: DefaultTSAPolicy.
	TSAPolicy asn1.ObjectIdentifier
	// HSM, when set, keeps the seal key in a hardware security module: the
	// seal is that key with the certificate chain stored for it, and the
	// software seal key in the store goes unused. If no chain is stored for
	// the key yet (first start with it), Open issues a seal certificate for
	// it from the root, as IssueHSMSeal does. Call Close when done.
	HSM *HSMConfig
}

// Timestamper obtains RFC 3161 timestamp tokens: DER CMS ContentInfo
// (SignedData) for a digest computed with hash. It never returns an
// untimestamped or fake result: any failure is an error, and the caller
// retries later.
type Timestamper interface {
	Timestamp(ctx context.Context, digest []byte, hash crypto.Hash) ([]byte, error)
}

var (
	_ Timestamper = (*PKI)(nil)
	_ Timestamper = (*HTTPTimestamper)(nil)
)

// PKI is the loaded platform PKI. It is safe for concurrent use.
type PKI struct {
	store    esign.Blobs
	clock    esign.Clock
	vault    vault
	gen      string // generation in use, see the package comment
	policy   asn1.ObjectIdentifier
	root     identity
	rootPEM  []byte
	tsa      identity
	stamper  Timestamper
	mu       sync.RWMutex
	seal     identity // platform seal, the imported one, or the HSM key with its chain
	importID string   // "" while the platform seal is in use
	hsm      *hsm     // nil unless Options.HSM is set; then the seal key is there
}

// Open loads the PKI from opts.Store, creating it on first start. A master key
// that does not match the stored PKI gives ErrWrongMasterKey; damaged
// material gives ErrDamaged. Neither ever leads to a new PKI. With
// opts.HSM, a PIN the token refuses gives ErrHSMPIN, and a missing module,
// token or key an error naming it.
func Open(ctx context.Context, opts Options) (*PKI, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("open pki: %w", err)
	}
	p := &PKI{store: opts.Store, clock: opts.Clock, vault: vault{master: opts.MasterKey}, policy: opts.TSAPolicy}
	ptr, err := readPointer(ctx, p.store)
	if esign.IsKind(err, esign.KindNotFound) {
		ptr, err = create(ctx, p.store, p.vault, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("open pki: %w", err)
	}
	if err := p.load(ctx, ptr); err != nil {
		return nil, fmt.Errorf("open pki: %w", err)
	}
	if opts.HSM != nil {
		if err := p.openHSM(ctx, opts); err != nil {
			return nil, fmt.Errorf("open pki: %w", err)
		}
	}
	p.stamper = p
	if opts.TSAURL != "" {
		p.stamper = &HTTPTimestamper{URL: opts.TSAURL, Client: &http.Client{Timeout: 30 * time.Second}, Hash: crypto.SHA256}
	}
	return p, nil
}

// withDefaults validates o and fills in defaults.
func (o Options) withDefaults() (Options, error) {
	if len(o.MasterKey) != MasterKeySize {
		return o, fmt.Errorf("master key must be %d bytes, got %d", MasterKeySize, len(o.MasterKey))
	}
	if o.Store == nil {
		return o, errors.New("no blob store")
	}
	if o.HSM != nil {
		if err := o.HSM.validate(); err != nil {
			return o, err
		}
	}
	if o.KeyAlgorithm == "" {
		o.KeyAlgorithm = ECDSAP256
	}
	if !slices.Contains(KeyAlgorithms, o.KeyAlgorithm) {
		return o, fmt.Errorf("unknown key algorithm %q (want %s or %s)", o.KeyAlgorithm, ECDSAP256, RSA3072)
	}
	if o.Clock == nil {
		o.Clock = esign.SystemClock{}
	}
	if o.Organization == "" {
		o.Organization = "GSign"
	}
	if len(o.TSAPolicy) == 0 {
		o.TSAPolicy = DefaultTSAPolicy
	}
	return o, nil
}

// load reads the generation ptr names and checks that it hangs together.
func (p *PKI) load(ctx context.Context, ptr pointer) error {
	if !p.vault.matches(ptr.KeyCheck) {
		return ErrWrongMasterKey
	}
	p.gen = ptr.Generation
	var err error
	if p.root, err = p.loadIdentity(ctx, nameRoot, purposeRoot); err != nil {
		return err
	}
	p.rootPEM = encodeCerts(p.root.chain[:1])
	if p.tsa, err = p.loadIssued(ctx, nameTSA, purposeTSA); err != nil {
		return err
	}
	if p.seal, err = p.loadIssued(ctx, nameSeal, purposeSeal); err != nil {
		return err
	}
	return p.loadImported(ctx)
}

// loadIssued loads an identity the root issued and completes its chain.
func (p *PKI) loadIssued(ctx context.Context, name, purpose string) (identity, error) {
	id, err := p.loadIdentity(ctx, name, purpose)
	if err != nil {
		return identity{}, err
	}
	if err := id.chain[0].CheckSignatureFrom(p.root.chain[0]); err != nil {
		return identity{}, fmt.Errorf("load %s certificate: not issued by the root: %w", name, err)
	}
	id.chain = append(id.chain[:1:1], p.root.chain[0])
	return id, nil
}

// now is the current time in UTC.
func (p *PKI) now() time.Time { return p.clock.Now().UTC() }

// Root returns the root CA certificate.
func (p *PKI) Root() *x509.Certificate { return p.root.chain[0] }

// RootPEM returns the root CA certificate in PEM.
func (p *PKI) RootPEM() []byte { return append([]byte(nil), p.rootPEM...) }

// ExportRoot returns the root CA certificate in PEM, for `gsign pki` and for
// relying parties that want to trust GSign's seals.
func (p *PKI) ExportRoot() []byte { return p.RootPEM() }

// Seal returns the seal key and its chain (leaf first) as one consistent
// pair; prefer it to SealSigner and SealChain when a seal import could
// happen in between.
func (p *PKI) Seal() (crypto.Signer, []*x509.Certificate) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.seal.key, append([]*x509.Certificate(nil), p.seal.chain...)
}

// SealSigner returns the key that seals documents.
func (p *PKI) SealSigner() crypto.Signer {
	s, _ := p.Seal()
	return s
}

// SealChain returns the seal certificate followed by its issuers, up to and
// including the root where known.
func (p *PKI) SealChain() []*x509.Certificate {
	_, c := p.Seal()
	return c
}

// TSACertificate returns the certificate of the built-in timestamp authority.
func (p *PKI) TSACertificate() *x509.Certificate { return p.tsa.chain[0] }

// Timestamper returns the timestamp authority to use: the external one when
// Options.TSAURL is set, else the built-in one (p itself).
func (p *PKI) Timestamper() Timestamper { return p.stamper }
