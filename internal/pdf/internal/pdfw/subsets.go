package pdfw

import (
	"container/list"
	"encoding/binary"
	"sync"

	"github.com/gsign/gsign/internal/pdf/internal/deflate"
)

// subsetBytes is how many bytes of compressed subsets a font keeps: the
// subsets of some forty certificates of GSign's two fonts.
const subsetBytes = 512 << 10

// embedded is a subset as documents embed it.
type embedded struct {
	program   []byte // the font program, compressed
	length    int    // the font program's length uncompressed, its /Length1
	toUnicode []byte // the ToUnicode CMap, compressed
}

// size is about the memory e and its key take.
func (e *embedded) size(key string) int { return len(e.program) + len(e.toUnicode) + len(key) }

// subsetCache keeps a font's most recently embedded subsets, up to a total
// size. Certificates mostly draw the same glyphs (their labels, digits,
// the letters of common names), and making a subset, mostly compressing
// it, is most of the CPU of writing a certificate's fonts. It is safe for
// concurrent use.
type subsetCache struct {
	mu      sync.Mutex
	max     int // the most bytes kept
	size    int // the bytes kept
	entries map[string]*list.Element
	recent  list.List // of *cachedSubset, the most recently used first
}

// cachedSubset is a subset in the cache, with its key.
type cachedSubset struct {
	key string
	e   *embedded
}

func newSubsetCache(max int) *subsetCache {
	return &subsetCache{max: max, entries: map[string]*list.Element{}}
}

// embed returns u's subset as documents embed it, made and compressed
// only if no recent document used the same glyphs for the same code
// points.
func (u *fontUse) embed() *embedded {
	key := u.subsetKey()
	c := u.font.subsets
	if e, ok := c.get(key); ok {
		return e
	}
	// Two documents that miss on the same subset both make it: the cache
	// is not locked while a subset is made.
	ttf := u.font.subset(u.used, u.runes)
	e := &embedded{program: deflate.Compress(ttf), length: len(ttf), toUnicode: deflate.Compress(u.toUnicode())}
	c.put(key, e)
	return e
}

// subsetKey returns what the font program and the ToUnicode CMap depend
// on besides the font: each glyph used and the code point it stands for.
func (u *fontUse) subsetKey() string {
	var b []byte
	for g, used := range u.used {
		if used {
			b = binary.BigEndian.AppendUint16(b, uint16(g))
			b = binary.BigEndian.AppendUint32(b, uint32(u.runes[g]))
		}
	}
	return string(b)
}

func (c *subsetCache) get(key string) (*embedded, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	c.recent.MoveToFront(el)
	return el.Value.(*cachedSubset).e, true
}

// put keeps e, dropping the least recently used subsets to make room. A
// subset larger than the cache is not kept.
func (c *subsetCache) put(key string, e *embedded) {
	n := e.size(key)
	if n > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; ok {
		return
	}
	for c.size+n > c.max {
		old := c.recent.Remove(c.recent.Back()).(*cachedSubset)
		delete(c.entries, old.key)
		c.size -= old.e.size(old.key)
	}
	c.entries[key] = c.recent.PushFront(&cachedSubset{key: key, e: e})
	c.size += n
}
