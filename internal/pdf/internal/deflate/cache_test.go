package deflate

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
)

// A cache gives the bytes Compress gives, the first time and on a hit,
// and a caller's changes to what it got do not reach the next caller.
func TestCacheSameBytes(t *testing.T) {
	c := NewCache(1 << 20)
	for i, in := range inputs() {
		want := Compress(in)
		miss := c.Compress(in)
		if !bytes.Equal(miss, want) {
			t.Fatalf("%d: a miss gives %d bytes, Compress %d", i, len(miss), len(want))
		}
		miss[0] ^= 0xff
		hit := c.Compress(in)
		if !bytes.Equal(hit, want) {
			t.Fatalf("%d: a hit gives other bytes after the miss's caller changed its own", i)
		}
		_ = append(hit, "trailing bytes"...)
		if again := c.Compress(in); !bytes.Equal(again, want) || !bytes.Equal(inflate(t, again), in) {
			t.Fatalf("%d: appending to a hit changed what the cache keeps", i)
		}
	}
}

// The cache keeps at most its size in compressed bytes, drops the least
// recently used entries first, and does not keep an output larger than
// its size.
func TestCacheBounded(t *testing.T) {
	ins := make([][]byte, 10)
	for i := range ins {
		ins[i] = []byte(fmt.Sprintf("stream %d of ten: %s", i, bytes.Repeat([]byte{byte('a' + i)}, 100)))
	}
	one := len(Compress(ins[0]))
	c := NewCache(3*one + one/2) // room for three
	for _, in := range ins[:3] {
		c.Compress(in)
	}
	c.Compress(ins[0]) // ins[1] is now the least recently used
	c.Compress(ins[3])
	if c.size > c.max || len(c.entries) != 3 || c.recent.Len() != 3 {
		t.Fatalf("keeps %d bytes in %d entries (%d listed), at most %d", c.size, len(c.entries), c.recent.Len(), c.max)
	}
	for i, want := range []bool{true, false, true, true} {
		c.mu.Lock()
		_, kept := c.entries[sha(ins[i])]
		c.mu.Unlock()
		if kept != want {
			t.Errorf("input %d kept: %v, want %v", i, kept, want)
		}
	}
	big := inputs()[6] // does not compress
	if got := c.Compress(big); !bytes.Equal(inflate(t, got), big) {
		t.Fatal("an output larger than the cache does not round-trip")
	}
	if _, kept := c.entries[sha(big)]; kept || c.size > c.max {
		t.Fatalf("an output of %d bytes is kept in a cache of %d", len(Compress(big)), c.max)
	}
}

// Concurrent callers get the right bytes while entries come and go (run
// with -race).
func TestCacheConcurrent(t *testing.T) {
	ins := inputs()
	want := make([][]byte, len(ins))
	for i, in := range ins {
		want[i] = Compress(in)
	}
	c := NewCache(len(want[4]) + len(want[3])) // too small for all: entries are evicted
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for n := range 20 {
				i := (g + n) % len(ins)
				if got := c.Compress(ins[i]); !bytes.Equal(got, want[i]) {
					t.Errorf("input %d: %d bytes, want %d", i, len(got), len(want[i]))
				}
			}
		})
	}
	wg.Wait()
	if c.size > c.max {
		t.Fatalf("keeps %d bytes, at most %d", c.size, c.max)
	}
}
