package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"

	"github.com/ThalesGroup/crypto11"
	"github.com/miekg/pkcs11"

	"github.com/gsign/gsign/internal/esign"
)

// hsmDir holds, per HSM key, the certificate chain of the seal; the key
// itself never leaves the HSM.
const hsmDir = "hsm/"

// ErrHSMPIN means the HSM token refused the configured PIN (wrong, expired
// or locked; the wrapped PKCS#11 error says which).
var ErrHSMPIN = errors.New("the HSM refused the PIN; check the configured HSM PIN")

// errNoHSM is returned by the HSM operations of a PKI opened without one.
var errNoHSM = errors.New("no HSM is configured (pki.Options.HSM)")

// HSMConfig selects a seal key kept in a hardware security module and used
// over PKCS#11. The key pair must exist on the token already (GSign never
// creates or exports HSM keys): a private key labelled KeyLabel and a public
// key with the same CKA_ID, RSA of at least 2048 bits or ECDSA P-256/384/521.
type HSMConfig struct {
	// Module is the path to the vendor's PKCS#11 library, e.g.
	// /usr/lib/softhsm/libsofthsm2.so.
	Module string
	// TokenLabel selects the token.
	TokenLabel string
	// Pin is the token's user PIN.
	Pin string
	// KeyLabel is the CKA_LABEL of the private key; it must be unique on the token.
	KeyLabel string
}

// String describes c with the PIN masked, so that logging a configuration
// does not leak it.
func (c HSMConfig) String() string {
	pin := ""
	if c.Pin != "" {
		pin = "***"
	}
	return fmt.Sprintf("{Module:%s TokenLabel:%s Pin:%s KeyLabel:%s}", c.Module, c.TokenLabel, pin, c.KeyLabel)
}

// validate reports a missing setting.
func (c HSMConfig) validate() error {
	for _, f := range []struct{ name, value string }{
		{"module", c.Module}, {"token label", c.TokenLabel}, {"PIN", c.Pin}, {"key label", c.KeyLabel},
	} {
		if f.value == "" {
			return fmt.Errorf("hsm: no %s configured", f.name)
		}
	}
	return nil
}

// hsm is an open connection to the token that holds the seal key.
type hsm struct {
	cfg         HSMConfig
	ctx         *crypto11.Context
	signer      crypto11.Signer
	keyID       string // hex subject key identifier of the key; names its blobs
	org, crlURL string // for the seal certificates IssueHSMSeal issues
	closeOnce   sync.Once
	closeErr    error
}

// openHSM connects to the token, finds the seal key and makes it, with its
// stored certificate chain, the seal of p. Without a stored chain it issues
// one from the root, as Options.HSM describes.
func (p *PKI) openHSM(ctx context.Context, opts Options) error {
	h, err := connectHSM(*opts.HSM)
	if err != nil {
		return err
	}
	h.org, h.crlURL = opts.Organization, opts.CRLURL
	p.hsm = h
	if err := p.loadHSMSeal(ctx); err != nil {
		p.Close()
		p.hsm = nil
		return err
	}
	return nil
}

// connectHSM logs in to the configured token and finds the key pair.
func connectHSM(cfg HSMConfig) (*hsm, error) {
	if _, err := os.Stat(cfg.Module); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("hsm: PKCS#11 module %s does not exist", cfg.Module)
	}
	c, err := crypto11.Configure(&crypto11.Config{Path: cfg.Module, TokenLabel: cfg.TokenLabel, Pin: cfg.Pin})
	if err != nil {
		return nil, configureError(cfg, err)
	}
	signer, err := findSealKey(c, cfg)
	if err != nil {
		c.Close()
		return nil, err
	}
	skid, err := subjectKeyID(signer.Public())
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("hsm: key %q: %w", cfg.KeyLabel, err)
	}
	return &hsm{cfg: cfg, ctx: c, signer: signer, keyID: hex.EncodeToString(skid)}, nil
}

// configureError says which part of the configuration crypto11.Configure
// failed on: the PIN, the module or the token.
func configureError(cfg HSMConfig, err error) error {
	var code pkcs11.Error
	switch {
	case errors.As(err, &code) && isPINError(code):
		return fmt.Errorf("hsm: log in to token %q: %w: %w", cfg.TokenLabel, ErrHSMPIN, code)
	case errors.As(err, &code):
		return fmt.Errorf("hsm: open token %q with %s: %w", cfg.TokenLabel, cfg.Module, err)
	case !loadable(cfg.Module):
		return fmt.Errorf("hsm: %s is not a loadable PKCS#11 module: %w", cfg.Module, err)
	default:
		// With the module loadable, crypto11.Configure fails without a
		// PKCS#11 error code only when no token carries the label.
		return fmt.Errorf("hsm: no token labelled %q in %s (is it initialized?): %w", cfg.TokenLabel, cfg.Module, err)
	}
}

// isPINError reports whether code is about the user PIN.
func isPINError(code pkcs11.Error) bool {
	switch code {
	case pkcs11.CKR_PIN_INCORRECT, pkcs11.CKR_PIN_INVALID, pkcs11.CKR_PIN_LEN_RANGE,
		pkcs11.CKR_PIN_EXPIRED, pkcs11.CKR_PIN_LOCKED:
		return true
	}
	return false
}

// loadable reports whether path is a library exporting C_GetFunctionList.
// It neither initializes nor finalizes the module, so it does not disturb
// other users of it in this process.
func loadable(path string) bool {
	m := pkcs11.New(path)
	if m == nil {
		return false
	}
	m.Destroy()
	return true
}

// findSealKey finds the one key pair labelled cfg.KeyLabel and checks its type.
func findSealKey(c *crypto11.Context, cfg HSMConfig) (crypto11.Signer, error) {
	keys, err := c.FindKeyPairs(nil, []byte(cfg.KeyLabel))
	if err != nil {
		return nil, fmt.Errorf("hsm: find key %q on token %q: %w", cfg.KeyLabel, cfg.TokenLabel, err)
	}
	switch len(keys) {
	case 0:
		return nil, fmt.Errorf("hsm: token %q has no key pair labelled %q (a private key, and a public key with the same CKA_ID)", cfg.TokenLabel, cfg.KeyLabel)
	case 1:
	default:
		return nil, fmt.Errorf("hsm: token %q has %d key pairs labelled %q; the label must be unique", cfg.TokenLabel, len(keys), cfg.KeyLabel)
	}
	if err := checkHSMKey(keys[0].Public()); err != nil {
		return nil, fmt.Errorf("hsm: key %q on token %q: %w", cfg.KeyLabel, cfg.TokenLabel, err)
	}
	return keys[0], nil
}

// checkHSMKey accepts the key types PAdES validators commonly support.
func checkHSMKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < minRSABits {
			return fmt.Errorf("RSA key has %d bits; at least %d are required", k.N.BitLen(), minRSABits)
		}
		return nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return nil
		}
	}
	return fmt.Errorf("key type %T is not supported; use RSA or ECDSA P-256/384/521", pub)
}

// hsmChainKey is the blob holding the seal chain of the HSM key.
func (p *PKI) hsmChainKey() string { return p.key(hsmDir + p.hsm.keyID + "/" + nameSeal + ".crt") }

// loadHSMSeal makes the HSM key and its stored chain the seal, issuing a
// certificate first if none is stored.
func (p *PKI) loadHSMSeal(ctx context.Context) error {
	chain, err := p.readHSMChain(ctx)
	if esign.IsKind(err, esign.KindNotFound) {
		if _, err := p.IssueHSMSeal(ctx); err != nil {
			return err
		}
		// A process starting at the same time may have issued its own
		// certificate; like create, settle on the last one stored.
		if err := sleep(ctx, settleDelay); err != nil {
			return err
		}
		chain, err = p.readHSMChain(ctx)
	}
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.seal = identity{key: p.hsm.signer, chain: chain}
	p.mu.Unlock()
	return nil
}

// readHSMChain reads the stored chain of the HSM key and checks that it is
// for that key.
func (p *PKI) readHSMChain(ctx context.Context) ([]*x509.Certificate, error) {
	name := p.hsmChainKey()
	data, err := getBlob(ctx, p.store, name)
	if err != nil {
		return nil, err
	}
	chain, err := decodeCerts(data)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w: %v", name, ErrDamaged, err)
	}
	if !samePublicKey(chain[0].PublicKey, p.hsm.signer.Public()) {
		return nil, fmt.Errorf("load %s: %w: the certificate is not for the HSM key", name, ErrDamaged)
	}
	return chain, nil
}

// IssueHSMSeal issues a seal certificate from the platform root for the HSM
// key (the same profile as the platform seal), stores it — the certificate
// only: the key never leaves the HSM — and makes it the seal, replacing a
// certificate stored for the key before, be it issued or imported. Open
// calls it when it finds no certificate for the key; call it again to renew
// the certificate. Other processes keep their certificate until restarted;
// their SelfTest fails meanwhile.
func (p *PKI) IssueHSMSeal(ctx context.Context) (*x509.Certificate, error) {
	if p.hsm == nil {
		return nil, fmt.Errorf("issue HSM seal certificate: %w", errNoHSM)
	}
	id, err := issue(sealTemplate(p.hsm.org, p.hsm.crlURL, p.now()), p.hsm.signer, p.root)
	if err != nil {
		return nil, fmt.Errorf("issue HSM seal certificate: %w", err)
	}
	if err := p.storeHSMSeal(ctx, id); err != nil {
		return nil, fmt.Errorf("issue HSM seal certificate: %w", err)
	}
	return id.chain[0], nil
}

// ImportHSMCertificate makes a certificate chain (PEM, typically from a
// qualified trust service provider) for the HSM key the seal chain, replacing
// the certificate stored for the key before. One of the certificates must be
// for the HSM key; it becomes the leaf, and its issuers among the others
// follow. The leaf must allow digitalSignature or contentCommitment and be
// valid now, and the chain must verify. Problems with the chain are
// *esign.Error of KindInvalid. Other processes keep their certificate until
// restarted; their SelfTest fails meanwhile.
func (p *PKI) ImportHSMCertificate(ctx context.Context, chainPEM []byte) error {
	if p.hsm == nil {
		return fmt.Errorf("import HSM certificate: %w", errNoHSM)
	}
	if len(chainPEM) > maxBlob {
		return esign.Invalid("certificate", "is too large for a certificate chain")
	}
	certs, err := decodeCerts(chainPEM)
	if err != nil {
		return esign.Invalid("certificate", "is not a PEM certificate chain: "+err.Error())
	}
	pub := p.hsm.signer.Public()
	if !slices.ContainsFunc(certs, func(c *x509.Certificate) bool { return samePublicKey(c.PublicKey, pub) }) {
		return esign.Invalid("certificate", fmt.Sprintf("no certificate in the chain is for the HSM key %q", p.hsm.cfg.KeyLabel))
	}
	id, err := orderChain(p.hsm.signer, certs)
	if err != nil {
		return err
	}
	if err := checkSeal(id, p.now()); err != nil {
		return err
	}
	if err := p.storeHSMSeal(ctx, id); err != nil {
		return fmt.Errorf("import HSM certificate: %w", err)
	}
	return nil
}

// storeHSMSeal stores the chain of id, an identity of the HSM key, and
// makes it the seal.
func (p *PKI) storeHSMSeal(ctx context.Context, id identity) error {
	if err := putBlob(ctx, p.store, p.hsmChainKey(), encodeCerts(id.chain)); err != nil {
		return err
	}
	p.mu.Lock()
	p.seal = id
	p.mu.Unlock()
	return nil
}

// checkHSMCurrent compares the stored chain of the HSM key with the one in
// use, to catch a certificate issued or imported by another process.
func (p *PKI) checkHSMCurrent(ctx context.Context) error {
	if p.hsm == nil {
		return nil
	}
	stored, err := getBlob(ctx, p.store, p.hsmChainKey())
	if err != nil {
		return err
	}
	if !bytes.Equal(stored, encodeCerts(p.SealChain())) {
		return errStale
	}
	return nil
}

// Close releases the HSM session, if an HSM is configured; the seal key
// cannot sign afterwards. It is a no-op without an HSM, and safe to call
// more than once.
func (p *PKI) Close() error {
	h := p.hsm
	if h == nil {
		return nil
	}
	h.closeOnce.Do(func() { h.closeErr = h.ctx.Close() })
	return h.closeErr
}
