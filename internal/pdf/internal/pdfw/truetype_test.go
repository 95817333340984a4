package pdfw

import (
	"math"
	"sync"
	"testing"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"github.com/gsign/gsign/internal/pdf/sigfont"
)

// testFonts parses the fonts the tests use once: Go Regular and Bold (no
// composite glyphs, short loca) and the script fonts of typed signatures
// (composite glyphs; Caveat has a long loca).
var testFonts = sync.OnceValue(func() map[string][]byte {
	fonts := map[string][]byte{"GoRegular": goregular.TTF, "Go-Bold": gobold.TTF}
	for _, f := range sigfont.All() {
		fonts[f.ID] = f.TTF
	}
	return fonts
})

func parse(t testing.TB, name string) *Font {
	t.Helper()
	ttf, ok := testFonts()[name]
	if !ok {
		t.Fatalf("no test font %q", name)
	}
	f, err := ParseTrueType(ttf)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

// Glyphs and widths agree with sfnt's reading of the font, widths rounded
// to thousandths of an em.
func TestParseTrueTypeAgreesWithSfnt(t *testing.T) {
	for name, ttf := range testFonts() {
		f := parse(t, name)
		ref, err := sfnt.Parse(ttf)
		if err != nil {
			t.Fatal(err)
		}
		var buf sfnt.Buffer
		if ps, _ := ref.Name(&buf, sfnt.NameIDPostScript); f.name != ps {
			t.Errorf("%s: name %q, want %q", name, f.name, ps)
		}
		upem := float64(ref.UnitsPerEm())
		for _, r := range "Aa ÉéΩωЖж0—“€\uFFFD" {
			want, err := ref.GlyphIndex(&buf, r)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := f.Glyph(r)
			if got != uint16(want) || ok != (want != 0) {
				t.Errorf("%s: glyph of %q = %d, %v; want %d", name, r, got, ok, want)
			}
			advance, err := ref.GlyphAdvance(&buf, want, fixed.I(int(upem)), 0)
			if err != nil {
				t.Fatal(err)
			}
			if w, want := f.RuneWidth(r), int(math.Round(float64(advance)/64*1000/upem)); w != want {
				t.Errorf("%s: width of %q = %d, want %d", name, r, w, want)
			}
		}
	}
}

// The ToUnicode CMap maps each glyph to the one code point it was drawn
// for, which is exact only while no glyph stands for two code points: true
// of the Go fonts, which the certificate sets text in.
func TestGoFontsMapEachGlyphOnce(t *testing.T) {
	for _, name := range []string{"GoRegular", "Go-Bold"} {
		f := parse(t, name)
		seen := map[uint16]rune{}
		for r := range rune(0x10000) {
			if g, ok := f.Glyph(r); ok {
				if other, dup := seen[g]; dup {
					t.Errorf("%s: glyph %d stands for both %U and %U", name, g, other, r)
				}
				seen[g] = r
			}
		}
		if len(seen) < 600 {
			t.Errorf("%s: only %d code points mapped", name, len(seen))
		}
	}
}

func TestCourier(t *testing.T) {
	for _, r := range "a~ " {
		if g, ok := Courier.Glyph(r); !ok || g != uint16(r) || Courier.RuneWidth(r) != 600 {
			t.Errorf("Courier: %q = %d, %v, width %d", r, g, ok, Courier.RuneWidth(r))
		}
	}
	for _, r := range "é\n\x7f" {
		if _, ok := Courier.Glyph(r); ok {
			t.Errorf("Courier draws %q, which is not printable ASCII", r)
		}
	}
}

func TestParseTrueTypeRefuses(t *testing.T) {
	good := goregular.TTF
	truncated := append([]byte{}, good[:len(good)/2]...)
	cff := append([]byte("OTTO"), good[4:]...)
	for name, b := range map[string][]byte{
		"empty":          nil,
		"not a font":     []byte("%PDF-1.7 this is not a font at all"),
		"CFF outlines":   cff,
		"truncated":      truncated,
		"directory only": good[:12+16*14],
	} {
		if _, err := ParseTrueType(b); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

// A composite glyph's components are read past each one's arguments and
// transform, whatever their size.
func TestCompositeComponents(t *testing.T) {
	composite := []byte{0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0} // -1 contours, a bounding box
	component := func(flags, glyph uint16, extra int) {
		composite = appendU16s(composite, flags, glyph)
		composite = append(composite, make([]byte, extra)...)
	}
	component(moreComponents|argsAreWords|haveScale, 7, 4+2)
	component(moreComponents|haveXYScale, 8, 2+4)
	component(haveTwoByTwo, 9, 2+8)
	got, err := compositeComponents(composite)
	if err != nil || len(got) != 3 || got[0] != 7 || got[1] != 8 || got[2] != 9 {
		t.Fatalf("components = %v, %v; want [7 8 9]", got, err)
	}
	if _, err := compositeComponents(composite[:len(composite)-14]); err == nil {
		t.Error("a truncated composite glyph was read")
	}
	if got, err := compositeComponents([]byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}); got != nil || err != nil {
		t.Errorf("a simple glyph has components %v, %v", got, err)
	}
}
