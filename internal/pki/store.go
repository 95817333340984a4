package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/hkdf"

	"github.com/gsign/gsign/internal/esign"
)

// Names of the identities in a generation and the HKDF purposes of their keys.
const (
	nameRoot    = "root"
	nameSeal    = "seal"
	nameTSA     = "tsa"
	purposeRoot = "root-key"
	purposeSeal = "seal-key"
	purposeTSA  = "tsa-key"
)

// Blob keys outside any generation.
const (
	pointerKey = "pki/current.json"
	maxBlob    = 1 << 20 // no PKI blob comes near this; a bigger one is not ours
)

// Envelope parameters of format version 1.
const (
	envelopeVersion = 1
	envelopeAlg     = "A256GCM"
	hkdfPrefix      = "gsign/pki/v1/"
)

// identity is a private key and its certificate chain, leaf first.
type identity struct {
	key   crypto.Signer
	chain []*x509.Certificate
}

// pointer is pki/current.json: the generation in use and a check value that
// tells a wrong master key apart from damaged material.
type pointer struct {
	V          int    `json:"v"`
	Generation string `json:"generation"`
	KeyCheck   []byte `json:"keyCheck"`
}

// envelope is an encrypted private key as stored.
type envelope struct {
	V     int    `json:"v"`
	Alg   string `json:"alg"`
	Nonce []byte `json:"nonce"`
	CT    []byte `json:"ct"`
}

// vault encrypts and decrypts private keys with keys derived from the master key.
type vault struct {
	master []byte
}

// derive returns n bytes derived from the master key for purpose.
func (v vault) derive(purpose string, n int) []byte {
	out := make([]byte, n)
	r := hkdf.New(sha256.New, v.master, nil, []byte(hkdfPrefix+purpose))
	if _, err := io.ReadFull(r, out); err != nil {
		panic("pki: hkdf: " + err.Error()) // only for n > 255*32, a programming error
	}
	return out
}

// keyCheck is a public value derived from the master key; equal check values
// mean equal master keys.
func (v vault) keyCheck() []byte { return v.derive("key-check", 16) }

// matches reports whether check was made with this vault's master key.
func (v vault) matches(check []byte) bool { return hmac.Equal(check, v.keyCheck()) }

// aead returns AES-256-GCM under the key for purpose.
func (v vault) aead(purpose string) (cipher.AEAD, error) {
	block, err := aes.NewCipher(v.derive(purpose, 32))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// encrypt seals plain for storage under blobKey.
func (v vault) encrypt(purpose, blobKey string, plain []byte) ([]byte, error) {
	aead, err := v.aead(purpose)
	if err != nil {
		return nil, fmt.Errorf("encrypt %s: %w", blobKey, err)
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	ct := aead.Seal(nil, nonce, plain, []byte(blobKey))
	return json.Marshal(envelope{V: envelopeVersion, Alg: envelopeAlg, Nonce: nonce, CT: ct})
}

// decrypt opens an envelope stored under blobKey.
func (v vault) decrypt(purpose, blobKey string, data []byte) ([]byte, error) {
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("decrypt %s: %w: %v", blobKey, ErrDamaged, err)
	}
	if env.V != envelopeVersion || env.Alg != envelopeAlg {
		return nil, fmt.Errorf("decrypt %s: unsupported envelope v=%d alg=%q", blobKey, env.V, env.Alg)
	}
	aead, err := v.aead(purpose)
	if err != nil {
		return nil, fmt.Errorf("decrypt %s: %w", blobKey, err)
	}
	if len(env.Nonce) != aead.NonceSize() {
		return nil, fmt.Errorf("decrypt %s: %w: bad nonce", blobKey, ErrDamaged)
	}
	plain, err := aead.Open(nil, env.Nonce, env.CT, []byte(blobKey))
	if err != nil {
		return nil, fmt.Errorf("decrypt %s: %w", blobKey, ErrDamaged)
	}
	return plain, nil
}

// genKey is the blob key of name inside generation gen.
func genKey(gen, name string) string { return "pki/" + gen + "/" + name }

// key is the blob key of name inside the generation in use.
func (p *PKI) key(name string) string { return genKey(p.gen, name) }

// saveIdentity writes id as <base>.crt and <base>.key of generation gen.
func saveIdentity(ctx context.Context, store esign.Blobs, v vault, gen, base, purpose string, id identity) error {
	der, err := x509.MarshalPKCS8PrivateKey(id.key)
	if err != nil {
		return fmt.Errorf("save %s key: %w", base, err)
	}
	keyName := genKey(gen, base+".key")
	env, err := v.encrypt(purpose, keyName, der)
	if err != nil {
		return err
	}
	if err := putBlob(ctx, store, genKey(gen, base+".crt"), encodeCerts(id.chain)); err != nil {
		return err
	}
	return putBlob(ctx, store, keyName, env)
}

// loadIdentity reads <base>.crt and <base>.key of the generation in use and
// checks that the key belongs to the first certificate.
func (p *PKI) loadIdentity(ctx context.Context, base, purpose string) (identity, error) {
	pemData, err := getBlob(ctx, p.store, p.key(base+".crt"))
	if err != nil {
		return identity{}, err
	}
	chain, err := decodeCerts(pemData)
	if err != nil {
		return identity{}, fmt.Errorf("load %s: %w", p.key(base+".crt"), err)
	}
	key, err := p.loadKey(ctx, base, purpose)
	if err != nil {
		return identity{}, err
	}
	if !samePublicKey(chain[0].PublicKey, key.Public()) {
		return identity{}, fmt.Errorf("load %s: %w: key and certificate do not match", base, ErrDamaged)
	}
	return identity{key: key, chain: chain}, nil
}

// loadKey reads and decrypts <base>.key of the generation in use.
func (p *PKI) loadKey(ctx context.Context, base, purpose string) (crypto.Signer, error) {
	name := p.key(base + ".key")
	env, err := getBlob(ctx, p.store, name)
	if err != nil {
		return nil, err
	}
	der, err := p.vault.decrypt(purpose, name, env)
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("load %s: key of type %T cannot sign", name, k)
	}
	return signer, nil
}

// readPointer reads pki/current.json; KindNotFound means no PKI yet.
func readPointer(ctx context.Context, store esign.Blobs) (pointer, error) {
	var ptr pointer
	if err := getJSON(ctx, store, pointerKey, &ptr); err != nil {
		return pointer{}, err
	}
	if ptr.V != 1 || ptr.Generation == "" {
		return pointer{}, fmt.Errorf("read %s: unsupported version %d or no generation", pointerKey, ptr.V)
	}
	return ptr, nil
}

// getJSON reads the blob at key into v.
func getJSON(ctx context.Context, store esign.Blobs, key string, v any) error {
	data, err := getBlob(ctx, store, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("read %s: %w", key, err)
	}
	return nil
}

// putJSON stores v as JSON at key.
func putJSON(ctx context.Context, store esign.Blobs, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return putBlob(ctx, store, key, data)
}

// getBlob reads a whole blob; a missing blob keeps its KindNotFound error.
func getBlob(ctx context.Context, store esign.Blobs, key string) ([]byte, error) {
	rc, err := store.Open(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxBlob+1))
	if err == nil && len(data) > maxBlob {
		err = errors.New("too large")
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return data, nil
}

// putBlob stores data at key.
func putBlob(ctx context.Context, store esign.Blobs, key string, data []byte) error {
	if _, err := store.Put(ctx, key, bytes.NewReader(data)); err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}

// encodeCerts returns certs as concatenated PEM blocks.
func encodeCerts(certs []*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}

// decodeCerts parses one or more PEM certificates.
func decodeCerts(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no certificate")
	}
	return certs, nil
}

// samePublicKey reports whether a and b are the same public key.
func samePublicKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}
