package pdf

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"

	"golang.org/x/image/font/sfnt"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pdf/sigfont"
)

// TestSignatureFontsCoverLatin: every font draws the letters of Latin-1 and
// Latin Extended-A, where the names people type come from. Left out: ŉ
// (U+0149, deprecated) and ſ (U+017F, the long s), which no one types.
func TestSignatureFontsCoverLatin(t *testing.T) {
	t.Parallel()
	var want []rune
	for r := rune(0x20); r <= 0x17f; r++ {
		switch {
		case r > 0x7e && r < 0xc0, r == 0xd7, r == 0xf7, r == 0x149, r == 0x17f:
			continue
		}
		want = append(want, r)
	}
	for _, f := range sigfont.All() {
		parsed, err := parsedFonts[f.ID]()
		if err != nil {
			t.Fatalf("%s: parse: %v", f.ID, err)
		}
		var buf sfnt.Buffer
		for _, r := range want {
			if gi, err := parsed.GlyphIndex(&buf, r); err != nil || gi == 0 {
				t.Errorf("%s has no glyph for %q (U+%04X)", f.ID, r, r)
			}
		}
		if err := checkGlyphs(parsed, string(want)); err != nil {
			t.Errorf("%s: the renderer refuses Latin text: %v", f.ID, err)
		}
	}
}

// TestSignatureFontsDiffer: each font gives its own image of one name, so
// the choice reaches the signature and no font silently falls back.
func TestSignatureFontsDiffer(t *testing.T) {
	t.Parallel()
	seen := map[[32]byte]string{}
	for _, f := range sigfont.All() {
		b, err := SignatureRenderer{}.RenderTyped("Zoë Łukasz", f.ID)
		if err != nil {
			t.Fatalf("%s: %v", f.ID, err)
		}
		decode(t, b)
		sum := sha256.Sum256(b)
		if other, ok := seen[sum]; ok {
			t.Errorf("%s draws the same image as %s", f.ID, other)
		}
		seen[sum] = f.ID
	}
	if len(seen) < 4 {
		t.Errorf("%d fonts, want at least 4", len(seen))
	}
}

// TestSignatureFontDefault: the renderer's default is the domain's, and the
// default renders as the text image font does.
func TestSignatureFontDefault(t *testing.T) {
	t.Parallel()
	if sigfont.Default != esign.DefaultSignatureFont {
		t.Fatalf("sigfont.Default %q, esign.DefaultSignatureFont %q", sigfont.Default, esign.DefaultSignatureFont)
	}
	if f, ok := sigfont.ByID(sigfont.Default); !ok || sigfont.All()[0].ID != f.ID {
		t.Errorf("the default font is not the first offered: %v", sigfont.IDs())
	}
	a, err1 := parsedFonts[sigfont.Default]()
	b, err2 := goItalic()
	if err1 != nil || err2 != nil || a != b {
		t.Errorf("the default font is parsed twice or not at all: %v %v", err1, err2)
	}
	for _, f := range sigfont.All() {
		if !bytes.HasPrefix(f.TTF, []byte{0, 1, 0, 0}) {
			t.Errorf("%s is not a TrueType font", f.ID)
		}
	}
}

func TestRenderTypedRefusesUnknownFont(t *testing.T) {
	t.Parallel()
	for _, font := range []string{"", "comic-sans", "Go-Italic", "../caveat"} {
		_, err := SignatureRenderer{}.RenderTyped("Jane", font)
		assertInvalid(t, err, esign.CodeValidation)
		if e := (*esign.Error)(nil); errors.As(err, &e) && e.Fields["font"] == "" {
			t.Errorf("font %q: the error names no font field: %v", font, e.Fields)
		}
	}
}
