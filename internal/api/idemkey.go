package api

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"

	"github.com/gsign/gsign/internal/esign"
)

// idemKey is an Idempotency-Key as stored. Saved responses carry fresh
// secrets (tokens, API keys, signing URLs) and request bodies carry
// passwords, so nothing derived from them is stored in the clear: the
// record's key and request hash are MACs and its body is encrypted, all
// under a secret derived from the raw key, which is never stored.
type idemKey struct {
	scope  string
	key    string // hex MAC of the raw key
	hash   string // hex MAC of method, path and body
	secret []byte
}

// keyFor reads the request body, replacing it with a re-readable copy, and
// derives the key's stored form. cleanup removes the copy.
func (a *api) keyFor(r *http.Request, acc access, kind bodyKind, raw string) (k *idemKey, cleanup func(), err error) {
	k = &idemKey{scope: a.scope(r, acc)}
	sum := sha256.Sum256([]byte("gsign idempotency v1\x00" + k.scope + "\x00" + raw))
	k.secret = sum[:]
	k.key = hex.EncodeToString(k.mac("key").Sum(nil))
	h := k.mac("request")
	io.WriteString(h, r.Method+"\n"+r.URL.Path+"\n")
	cleanup = func() {}
	if kind == uploadBody || kind == composeBody {
		cleanup, err = a.spool(r, h, kind)
	} else {
		err = a.buffer(r, h)
	}
	if err != nil {
		return nil, cleanup, err
	}
	k.hash = hex.EncodeToString(h.Sum(nil))
	return k, cleanup, nil
}

// scope keeps keys of different callers apart.
func (a *api) scope(r *http.Request, acc access) string {
	switch acc {
	case sender:
		return "user:" + principal(r).UserID
	case recipient:
		return "signing:" + esign.HashSecret(r.PathValue("token"))
	default:
		return "anon:" + esign.MetaFrom(r.Context()).IP
	}
}

func (k *idemKey) mac(label string) hash.Hash {
	h := hmac.New(sha256.New, k.secret)
	io.WriteString(h, label+"\x00")
	return h
}

// buffer reads a JSON body (bounded by limitBody) into memory.
func (a *api) buffer(r *http.Request, h hash.Hash) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return a.readError(err, jsonBody)
	}
	h.Write(b)
	r.Body = io.NopCloser(bytes.NewReader(b))
	return nil
}

// spool copies an upload (bounded by limitBody) to a temporary file while
// hashing it, so that even a large upload is never held in memory.
func (a *api) spool(r *http.Request, h hash.Hash, kind bodyKind) (cleanup func(), err error) {
	f, err := os.CreateTemp(a.cfg.TempDir, "gsign-upload-*")
	if err != nil {
		return func() {}, fmt.Errorf("spool upload: %w", err)
	}
	cleanup = func() {
		f.Close()
		os.Remove(f.Name())
	}
	if _, err := io.Copy(io.MultiWriter(f, h), r.Body); err != nil {
		return cleanup, a.readError(err, kind)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return cleanup, fmt.Errorf("spool upload: %w", err)
	}
	r.Body = io.NopCloser(f)
	return cleanup, nil
}

// readError explains a failure to read a request body.
func (a *api) readError(err error, kind bodyKind) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return a.bodyTooLarge(kind)
	}
	return esign.Errorf(esign.KindBadRequest, codeUnreadableBody, "the request body could not be read: the connection failed")
}

// seal encrypts a response body for storage (AES-256-GCM, random nonce).
func (k *idemKey) seal(plain []byte) ([]byte, error) {
	aead, err := k.aead()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, plain, []byte(k.scope)), nil
}

// open decrypts what seal stored.
func (k *idemKey) open(sealed []byte) ([]byte, error) {
	aead, err := k.aead()
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("idempotent response: stored body is truncated")
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(k.scope))
	if err != nil {
		return nil, fmt.Errorf("idempotent response: %w", err)
	}
	return plain, nil
}

func (k *idemKey) aead() (cipher.AEAD, error) {
	block, err := aes.NewCipher(k.mac("body").Sum(nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
