package pdfw

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/gsign/gsign/internal/pdf/internal/deflate"
)

// useOf returns f's use by a document that drew text.
func useOf(f *Font, text string) *fontUse {
	u := &fontUse{font: f, used: make([]bool, len(f.widths)), runes: make([]rune, len(f.widths))}
	u.encode(nil, text)
	return u
}

// A subset from the cache is the one the glyphs make: its program and
// CMap are what subset and toUnicode give, compressed (deflate's tests
// show that these inflate back), first made or reused.
func TestEmbedReusesSubset(t *testing.T) {
	f := parse(t, "GoRegular")
	first := useOf(f, "Certificate of Completion 2026").embed()
	again := useOf(f, "Completion of Certificate 6202").embed() // the same glyphs, drawn in another order
	if again != first {
		t.Fatal("the same glyphs made a second subset")
	}
	other := useOf(f, "Certificate of Completion 2027")
	if other.embed() == first {
		t.Fatal("other glyphs reused a subset")
	}
	for _, text := range []string{"Certificate of Completion 2026", "Certificate of Completion 2027"} {
		u := useOf(f, text)
		e := u.embed()
		ttf := f.subset(u.used, u.runes)
		if !bytes.Equal(e.program, deflate.Compress(ttf)) || e.length != len(ttf) {
			t.Errorf("%q: another program (/Length1 %d), want the %d bytes subset makes", text, e.length, len(ttf))
		}
		if !bytes.Equal(e.toUnicode, deflate.Compress(u.toUnicode())) {
			t.Errorf("%q: another ToUnicode CMap than\n%s", text, u.toUnicode())
		}
	}
}

// The same glyphs drawn for other code points (as a font that maps two
// code points to one glyph may be drawn) are another subset: the cmap and
// the ToUnicode CMap differ.
func TestSubsetKeyHasCodePoints(t *testing.T) {
	f := parse(t, "GoRegular")
	a, b := useOf(f, "A"), useOf(f, "A")
	g, _ := f.Glyph('A')
	b.runes[g] = 'Ä'
	if a.subsetKey() == b.subsetKey() {
		t.Fatal("a glyph drawn for another code point has the same key")
	}
}

// The cache keeps at most its size, drops the least recently used subsets
// first and does not keep a subset larger than itself.
func TestSubsetCacheBounded(t *testing.T) {
	f := parse(t, "GoRegular")
	texts := []string{"a1", "b2", "c3", "d4"}
	one := 0
	for _, text := range texts {
		u := useOf(f, text)
		one = max(one, u.embed().size(u.subsetKey()))
	}
	f.subsets = newSubsetCache(3*one + one/2) // room for three
	first := make([]*embedded, len(texts))
	for i, text := range texts[:3] {
		first[i] = useOf(f, text).embed()
	}
	useOf(f, texts[0]).embed() // texts[1] is now the least recently used
	first[3] = useOf(f, texts[3]).embed()
	c := f.subsets
	if c.size > c.max || len(c.entries) != 3 || c.recent.Len() != 3 {
		t.Fatalf("keeps %d bytes in %d entries (%d listed), at most %d", c.size, len(c.entries), c.recent.Len(), c.max)
	}
	for i, want := range []bool{true, false, true, true} {
		e, kept := c.get(useOf(f, texts[i]).subsetKey())
		if kept != want || kept && e != first[i] {
			t.Errorf("%q kept: %v, want %v", texts[i], kept, want)
		}
	}
	f.subsets = newSubsetCache(one / 2)
	useOf(f, texts[0]).embed()
	if len(f.subsets.entries) != 0 || f.subsets.size != 0 {
		t.Fatalf("a subset of about %d bytes is kept in a cache of %d", one, f.subsets.max)
	}
}

// Documents written concurrently from one font, in a cache too small for
// all their subsets, embed the subsets their glyphs make (run with -race).
func TestEmbedConcurrent(t *testing.T) {
	f := parse(t, "GoRegular")
	texts := make([]string, 12)
	want := make([][]byte, len(texts))
	for i := range texts {
		texts[i] = fmt.Sprintf("Signer %c%d", 'A'+i, i)
		u := useOf(f, texts[i])
		want[i] = deflate.Compress(u.font.subset(u.used, u.runes))
	}
	u := useOf(f, texts[0])
	f.subsets = newSubsetCache(4 * u.embed().size(u.subsetKey()))
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for n := range 30 {
				i := (w + n) % len(texts)
				if got := useOf(f, texts[i]).embed().program; !bytes.Equal(got, want[i]) {
					t.Errorf("%q: a program of %d bytes, want %d", texts[i], len(got), len(want[i]))
				}
			}
		})
	}
	wg.Wait()
	if f.subsets.size > f.subsets.max {
		t.Fatalf("keeps %d bytes, at most %d", f.subsets.size, f.subsets.max)
	}
}
