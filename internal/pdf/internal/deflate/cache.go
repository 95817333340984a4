package deflate

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"sync"
)

// Cache compresses inputs that recur, such as the font subsets of
// certificates with the same glyphs, once: it keeps the compressed bytes
// of its most recently used inputs, keyed by their SHA-256, up to a total
// size. Hashing an input costs about a tenth of compressing it, and a
// SHA-256 collision, which would put the wrong bytes in a document, is
// not a practical risk. It is safe for concurrent use.
type Cache struct {
	mu      sync.Mutex
	max     int // the most compressed bytes kept
	size    int // the compressed bytes kept
	entries map[[sha256.Size]byte]*list.Element
	recent  list.List // of *cached, the most recently used first
}

// cached is one input's compressed bytes.
type cached struct {
	key  [sha256.Size]byte
	data []byte
}

// NewCache returns a cache that keeps up to max compressed bytes. An
// output larger than max is not kept.
func NewCache(max int) *Cache {
	return &Cache{max: max, entries: map[[sha256.Size]byte]*list.Element{}}
}

// Compress returns b compressed in the zlib format, the same bytes as
// Compress(b). The caller must not modify them: they may be shared with
// other callers.
func (c *Cache) Compress(b []byte) []byte {
	key := sha(b)
	if data, ok := c.get(key); ok {
		return data
	}
	// Two callers that miss on the same input both compress it: the
	// cache does not hold its lock while compressing.
	data := Compress(b)
	c.put(key, data)
	return data
}

func sha(b []byte) [sha256.Size]byte { return sha256.Sum256(b) }

func (c *Cache) get(key [sha256.Size]byte) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	c.recent.MoveToFront(e)
	return e.Value.(*cached).data, true
}

func (c *Cache) put(key [sha256.Size]byte, data []byte) {
	if len(data) > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; ok {
		return
	}
	for c.size+len(data) > c.max {
		c.evict(c.recent.Back())
	}
	// The copy is kept, at its exact size, so that the caller owns what
	// it got and a caller that appends to a hit cannot write into it.
	c.entries[key] = c.recent.PushFront(&cached{key: key, data: bytes.Clone(data)})
	c.size += len(data)
}

// evict drops the entry e.
func (c *Cache) evict(e *list.Element) {
	v := c.recent.Remove(e).(*cached)
	delete(c.entries, v.key)
	c.size -= len(v.data)
}
