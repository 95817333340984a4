package blobtest

// Helpers for the contract suite in contract.go, exported for the stores'
// own tests.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// MustPut stores data under key or fails the test.
func MustPut(t *testing.T, s esign.Blobs, key string, data []byte) esign.BlobInfo {
	t.Helper()
	info, err := s.Put(context.Background(), key, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Put %q: %v", key, err)
	}
	return info
}

// MustOpen opens key or fails the test; the caller closes the reader.
func MustOpen(t *testing.T, s esign.Blobs, key string) io.ReadSeekCloser {
	t.Helper()
	r, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open %q: %v", key, err)
	}
	return r
}

// MustRead returns the blob stored under key or fails the test.
func MustRead(t *testing.T, s esign.Blobs, key string) []byte {
	t.Helper()
	r := MustOpen(t, s, key)
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return data
}

// MustList returns what List reports for prefix or fails the test.
func MustList(t *testing.T, s esign.Blobs, prefix string) []esign.BlobInfo {
	t.Helper()
	var infos []esign.BlobInfo
	err := s.List(context.Background(), prefix, func(info esign.BlobInfo) error {
		infos = append(infos, info)
		return nil
	})
	if err != nil {
		t.Fatalf("List %q: %v", prefix, err)
	}
	return infos
}

// CheckStat checks Stat against the blob's content.
func CheckStat(t *testing.T, s esign.Blobs, key string, data []byte) {
	t.Helper()
	info, err := s.Stat(context.Background(), key)
	if err != nil {
		t.Fatalf("Stat %q: %v", key, err)
	}
	if info.Key != key {
		t.Errorf("Stat(%q).Key = %q", key, info.Key)
	}
	checkInfo(t, info, data)
}

// checkInfo checks size and, where the store reports it, SHA-256.
func checkInfo(t *testing.T, info esign.BlobInfo, data []byte) {
	t.Helper()
	if info.Size != int64(len(data)) {
		t.Errorf("%s: size %d, want %d", info.Key, info.Size, len(data))
	}
	if info.SHA256 != "" && info.SHA256 != SHA256Hex(data) {
		t.Errorf("%s: sha256 %s, want %s", info.Key, info.SHA256, SHA256Hex(data))
	}
}

// wantError fails unless err is, or wraps, an *esign.Error of kind and code.
func wantError(t *testing.T, err error, kind esign.Kind, code string) {
	t.Helper()
	var e *esign.Error
	if !errors.As(err, &e) || e.Kind != kind || e.Code != code {
		t.Fatalf("error %v, want an *esign.Error of kind %s, code %s", err, kind, code)
	}
}

// SHA256Hex is the lowercase hex SHA-256 of data, as BlobInfo reports it.
func SHA256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// deterministic returns n pseudo-random bytes, the same for the same seed.
func deterministic(s byte, n int) []byte {
	data := make([]byte, n)
	rand.NewChaCha8(Seed(s)).Read(data)
	return data
}

// Seed makes a ChaCha8 seed from one byte, for reproducible random streams.
func Seed(s byte) [32]byte { return [32]byte{0: s} }

func head(data []byte) []byte { return data[:min(len(data), 16)] }

// errReader fails every read with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
