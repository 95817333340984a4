package esign

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// SecretBox encrypts the secrets GSign must read back to use, unlike
// bearer secrets that it only compares by hash: webhook signing secrets.
// A copy of the database alone then cannot forge webhooks. It is AES-256-GCM
// under a key derived from the master key, and each sealed value is bound
// to what it belongs to (its additional data), so one cannot be moved to
// another row.
type SecretBox struct {
	aead cipher.AEAD
}

// sealedPrefix marks a sealed value; a value without it was stored in the
// clear (by a Service without a SecretBox).
const sealedPrefix = "sealed:v1:"

// NewSecretBox derives the box's key from the master key.
func NewSecretBox(masterKey []byte) (*SecretBox, error) {
	if len(masterKey) < 32 {
		return nil, errors.New("secret box: the master key must have 32 bytes")
	}
	m := hmac.New(sha256.New, masterKey)
	m.Write([]byte("gsign secret box v1"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &SecretBox{aead: aead}, nil
}

// Seal encrypts plain for the owner named by ad. A nil box stores it as it is.
func (b *SecretBox) Seal(plain, ad string) string {
	if b == nil {
		return plain
	}
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("esign: crypto/rand failed: " + err.Error())
	}
	out := b.aead.Seal(nonce, nonce, []byte(plain), []byte(ad))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out)
}

// Open decrypts what Seal made for the same ad; a value stored in the clear
// is returned as it is.
func (b *SecretBox) Open(stored, ad string) (string, error) {
	raw, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return stored, nil
	}
	if b == nil {
		return "", errors.New("secret box: a sealed secret, and no master key to open it")
	}
	data, err := base64.RawStdEncoding.DecodeString(raw)
	n := b.aead.NonceSize()
	if err != nil || len(data) < n {
		return "", errors.New("secret box: malformed sealed secret")
	}
	plain, err := b.aead.Open(nil, data[:n], data[n:], []byte(ad))
	if err != nil {
		return "", fmt.Errorf("secret box: cannot open the secret of %s (another master key?): %w", ad, err)
	}
	return string(plain), nil
}
