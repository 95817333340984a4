package pdfw

import (
	"encoding/binary"
	"slices"
	"testing"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// subsetOf returns f's subset for the glyphs of text, as a document that
// drew text would embed it.
func subsetOf(f *Font, text string) []byte {
	u := &fontUse{font: f, used: make([]bool, len(f.widths)), runes: make([]rune, len(f.widths))}
	u.encode(nil, text)
	return f.subset(u.used, u.runes)
}

// outlineOf returns the outline of glyph g of font, components resolved.
func outlineOf(t *testing.T, font *sfnt.Font, g sfnt.GlyphIndex) sfnt.Segments {
	t.Helper()
	var buf sfnt.Buffer
	segs, err := font.LoadGlyph(&buf, g, fixed.I(1000), nil)
	if err != nil {
		t.Fatalf("glyph %d: %v", g, err)
	}
	return slices.Clone(segs)
}

// A subset parses with sfnt, keeps every glyph id and the outlines of the
// glyphs used (composite glyphs with their components), maps the code
// points used, and drops every other outline.
func TestSubsetParsesBack(t *testing.T) {
	tests := []struct{ font, text, unused string }{
		{"GoRegular", "Hello, Ωμέγα Жж — “quoted” \uFFFD", "Zk"},
		{"Go-Bold", "Bold 0123456789", "xyz"},
		{"dancing-script", "Éléonore Dupré", "Zq"}, // composites, short loca
		{"caveat", "Ångström Åsa Œuvre é", "Zq"},   // composites, long loca
		{"great-vibes", "Renée Faÿ", "Zq"},         // composites, cvt and fpgm
		{"go-italic", "Italic", "Zq"},
	}
	for _, tc := range tests {
		t.Run(tc.font, func(t *testing.T) {
			f := parse(t, tc.font)
			orig, err := sfnt.Parse(testFonts()[tc.font])
			if err != nil {
				t.Fatal(err)
			}
			sub := subsetOf(f, tc.text)
			parsed, err := sfnt.Parse(sub)
			if err != nil {
				t.Fatalf("the subset does not parse: %v", err)
			}
			if parsed.NumGlyphs() != orig.NumGlyphs() {
				t.Errorf("%d glyphs, want %d: glyph ids must not change", parsed.NumGlyphs(), orig.NumGlyphs())
			}
			var buf sfnt.Buffer
			for _, r := range tc.text {
				want, _ := orig.GlyphIndex(&buf, r)
				if got, err := parsed.GlyphIndex(&buf, r); err != nil || got != want {
					t.Errorf("%q maps to glyph %d (%v), want %d", r, got, err, want)
				}
				if !slices.Equal(outlineOf(t, parsed, want), outlineOf(t, orig, want)) {
					t.Errorf("the outline of %q differs", r)
				}
			}
			for _, r := range tc.unused {
				g, _ := orig.GlyphIndex(&buf, r)
				if len(outlineOf(t, parsed, g)) != 0 {
					t.Errorf("%q was not used, but its outline was kept", r)
				}
			}
			if len(sub) >= len(testFonts()[tc.font])/2 {
				t.Errorf("the subset has %d bytes of the font's %d", len(sub), len(testFonts()[tc.font]))
			}
			checkSums(t, sub)
		})
	}
}

// checkSums checks each table's checksum and that the whole font sums to
// the magic number that head's checkSumAdjustment makes it.
func checkSums(t *testing.T, ttf []byte) {
	t.Helper()
	if got := checksum(ttf); got != 0xb1b0afba {
		t.Errorf("the font sums to %#x, want 0xb1b0afba", got)
	}
	n := int(binary.BigEndian.Uint16(ttf[4:]))
	for i := range n {
		e := ttf[12+16*i:]
		tag, sum := string(e[:4]), binary.BigEndian.Uint32(e[4:])
		off, size := binary.BigEndian.Uint32(e[8:]), binary.BigEndian.Uint32(e[12:])
		if off%4 != 0 {
			t.Errorf("table %s at %d, not on a 4-byte boundary", tag, off)
		}
		data := slices.Clone(ttf[off : off+size])
		if tag == "head" {
			binary.BigEndian.PutUint32(data[8:], 0)
		}
		if checksum(data) != sum {
			t.Errorf("table %s: checksum %#x, want %#x", tag, sum, checksum(data))
		}
	}
}

// A composite glyph brings its components into the subset even when the
// text uses them nowhere else.
func TestSubsetKeepsComponents(t *testing.T) {
	f := parse(t, "dancing-script")
	g, _ := f.Glyph('é')
	components := f.outlines[g].components
	if len(components) < 2 {
		t.Fatalf("é is not a composite glyph in Dancing Script (components %v); pick another", components)
	}
	u := &fontUse{font: f, used: make([]bool, len(f.widths)), runes: make([]rune, len(f.widths))}
	u.encode(nil, "é")
	keep := f.closure(u.used)
	for _, c := range components {
		if !keep[c] {
			t.Errorf("component %d of é is not kept", c)
		}
	}
	if !keep[0] {
		t.Error(".notdef is not kept")
	}
	if kept := countTrue(keep); kept != 2+len(components) {
		t.Errorf("%d glyphs kept, want é, its %d components and .notdef", kept, len(components))
	}
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// The cmap subtable's binary search parameters are those of the OpenType
// specification's examples.
func TestSearchParams(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want []uint16
	}{
		{1, []uint16{2, 2, 0, 0}},
		{39, []uint16{78, 64, 5, 14}},
		{64, []uint16{128, 128, 6, 0}},
	} {
		if got := searchParams(tc.n, 2); !slices.Equal(got, tc.want) {
			t.Errorf("searchParams(%d, 2) = %v, want %v", tc.n, got, tc.want)
		}
	}
}
