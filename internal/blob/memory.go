package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/gsign/gsign/internal/esign"
)

var _ esign.Blobs = (*Memory)(nil)

// Memory keeps blobs in memory. It behaves like Disk (same key rules, same
// errors, atomic Put) and additionally reports SHA256 from Stat and List. It
// is meant for tests and is safe for concurrent use.
//
// Unlike Disk, Memory can hold both "a" and "a/b", as S3 can.
type Memory struct {
	mu    sync.RWMutex
	blobs map[string]memBlob
}

// memBlob is one stored blob. data is never modified after Put; an overwrite
// replaces the whole memBlob, so readers of the old bytes are unaffected.
type memBlob struct {
	data   []byte
	sha256 string
}

// NewMemory returns an empty in-memory blob store.
func NewMemory() *Memory {
	return &Memory{blobs: make(map[string]memBlob)}
}

// Put reads all of r and stores a copy under key, replacing any blob there.
// Nothing is stored if reading r fails.
func (m *Memory) Put(ctx context.Context, key string, r io.Reader) (esign.BlobInfo, error) {
	if err := checkKey(ctx, key); err != nil {
		return esign.BlobInfo{}, fmt.Errorf("put blob %q: %w", key, err)
	}
	data, err := io.ReadAll(ctxReader{ctx, r})
	if err != nil {
		return esign.BlobInfo{}, fmt.Errorf("put blob %q: %w", key, err)
	}
	sum := sha256.Sum256(data)
	b := memBlob{data: data, sha256: hex.EncodeToString(sum[:])}
	m.mu.Lock()
	m.blobs[key] = b
	m.mu.Unlock()
	return b.info(key), nil
}

// Open returns a reader over the blob's bytes; Close does nothing.
func (m *Memory) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	b, err := m.get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("open blob %q: %w", key, err)
	}
	return nopCloser{bytes.NewReader(b.data)}, nil
}

// Stat returns the blob's key, size and SHA-256.
func (m *Memory) Stat(ctx context.Context, key string) (esign.BlobInfo, error) {
	b, err := m.get(ctx, key)
	if err != nil {
		return esign.BlobInfo{}, fmt.Errorf("stat blob %q: %w", key, err)
	}
	return b.info(key), nil
}

// get returns the blob stored under key or a not-found error.
func (m *Memory) get(ctx context.Context, key string) (memBlob, error) {
	if err := checkKey(ctx, key); err != nil {
		return memBlob{}, err
	}
	m.mu.RLock()
	b, ok := m.blobs[key]
	m.mu.RUnlock()
	if !ok {
		return memBlob{}, esign.NotFound("blob")
	}
	return b, nil
}

// Delete removes the blob; a missing key is not an error.
func (m *Memory) Delete(ctx context.Context, key string) error {
	if err := checkKey(ctx, key); err != nil {
		return fmt.Errorf("delete blob %q: %w", key, err)
	}
	m.mu.Lock()
	delete(m.blobs, key)
	m.mu.Unlock()
	return nil
}

// List calls fn for every blob whose key starts with prefix, in byte order of
// the keys, and returns fn's first error unchanged. It works on a snapshot
// taken at the start, so fn may use the store.
func (m *Memory) List(ctx context.Context, prefix string, fn func(esign.BlobInfo) error) error {
	if err := validPrefix(prefix); err != nil {
		return fmt.Errorf("list blobs %q: %w", prefix, err)
	}
	for _, info := range m.snapshot(prefix) {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("list blobs %q: %w", prefix, err)
		}
		if err := fn(info); err != nil {
			return err
		}
	}
	return nil
}

// snapshot describes the blobs under prefix, sorted by key.
func (m *Memory) snapshot(prefix string) []esign.BlobInfo {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var infos []esign.BlobInfo
	for key, b := range m.blobs {
		if strings.HasPrefix(key, prefix) {
			infos = append(infos, b.info(key))
		}
	}
	slices.SortFunc(infos, func(a, b esign.BlobInfo) int { return strings.Compare(a.Key, b.Key) })
	return infos
}

func (b memBlob) info(key string) esign.BlobInfo {
	return esign.BlobInfo{Key: key, Size: int64(len(b.data)), SHA256: b.sha256}
}

// nopCloser adds a Close that does nothing to a bytes.Reader.
type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }
