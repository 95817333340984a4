package pdf

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"sync"
	"testing"

	xfont "golang.org/x/image/font"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pdf/sigfont"
)

// inkBounds returns the smallest rectangle holding every pixel that is not
// fully transparent, and the colour of the fully opaque ones.
func inkBounds(t *testing.T, img image.Image) (image.Rectangle, map[color.NRGBA]bool) {
	t.Helper()
	ink := image.Rectangle{}
	opaque := map[color.NRGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			if c.A == 0 {
				continue
			}
			ink = ink.Union(image.Rect(x, y, x+1, y+1))
			if c.A == 0xff {
				opaque[c] = true
			}
		}
	}
	return ink, opaque
}

func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return img
}

// TestRenderTyped renders in every font; Greek and Cyrillic only in Go
// Italic, the handwriting fonts' glyphs stop at Latin.
func TestRenderTyped(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, text string }{
		{"name", "Jane Q. Doe"},
		{"accents", "Zoë Łukasz Šťastná Ørsted Ćwik Ğül Œuvre"},
		{"other scripts", "Zoë Łukasz Ωμέγα Жанна"},
		{"surrounding space is trimmed", "  Jane\n"},
		{"100 characters", strings.Repeat("x", 100)},
	}
	for _, f := range sigfont.All() {
		for _, tc := range tests {
			if tc.name == "other scripts" && f.ID != sigfont.Default {
				continue
			}
			t.Run(f.ID+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				testRenderTyped(t, f.ID, tc.text)
			})
		}
	}
}

func testRenderTyped(t *testing.T, font, text string) {
	t.Helper()
	b, err := SignatureRenderer{}.RenderTyped(text, font)
	if err != nil {
		t.Fatalf("RenderTyped: %v", err)
	}
	img := decode(t, b)
	ink, opaque := inkBounds(t, img)
	// Transparent background, cropped to the ink with a small margin.
	if ink.Empty() {
		t.Fatal("nothing drawn")
	}
	b0 := img.Bounds()
	margins := []int{ink.Min.X - b0.Min.X, ink.Min.Y - b0.Min.Y, b0.Max.X - ink.Max.X, b0.Max.Y - ink.Max.Y}
	for _, m := range margins {
		if m < signatureMargin-1 || m > signatureMargin+1 {
			t.Errorf("margins %v, want about %d px each", margins, signatureMargin)
			break
		}
	}
	// High resolution: the em is 96 px, so an x-height alone is 34 to 50 px
	// depending on the font; the text has at least x-high letters, though a
	// handwritten x may fall short of the font's nominal x-height.
	if xh := xHeight(t, font); ink.Dy() < xh*8/10 || xh < 30 {
		t.Errorf("ink is only %d px tall; the x-height at a 96 px em is %d px", ink.Dy(), xh)
	}
	if len(opaque) != 1 || !opaque[signatureInk] {
		t.Errorf("opaque colours %v, want only the ink %v", opaque, signatureInk)
	}
}

// emWidth is the advance of text in the font at the rendering em.
func emWidth(t *testing.T, font, text string) int {
	return xfont.MeasureString(emTestFace(t, font), text).Ceil()
}

// xHeight is the font's x-height in pixels at the rendering em.
func xHeight(t *testing.T, font string) int {
	return emTestFace(t, font).Metrics().XHeight.Round()
}

// emTestFace is a face of the font at the rendering em, for this test only.
func emTestFace(t *testing.T, font string) xfont.Face {
	t.Helper()
	f, err := parsedFonts[font]()
	if err != nil {
		t.Fatal(err)
	}
	face, err := newFace(f, renderEm)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { face.Close() })
	return face
}

func TestRenderTypedRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, text string }{
		{"empty", ""},
		{"white space only", " \t\n "},
		{"101 characters", strings.Repeat("x", 101)},
		{"characters without glyphs", "Jane 😀"},
		{"CJK", "山田太郎"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := SignatureRenderer{}.RenderTyped(tc.text, sigfont.Default)
			assertInvalid(t, err, esign.CodeValidation)
		})
	}
}

func TestRenderTextImage(t *testing.T) {
	t.Parallel()
	b, err := RenderTextImage("Łódź")
	if err != nil {
		t.Fatalf("RenderTextImage: %v", err)
	}
	img := decode(t, b)
	ink, opaque := inkBounds(t, img)
	if ink.Empty() || len(opaque) != 1 || !opaque[textInk] {
		t.Errorf("ink %v in colours %v, want black ink", ink, opaque)
	}
	// The image spans the full line height, not just the ink, so that text
	// with and without descenders renders at one scale.
	if h := img.Bounds().Dy(); h < renderEm {
		t.Errorf("image is %d px tall, want at least the %d px em", h, renderEm)
	}
	other := decode(t, mustRender(t, "ace"))
	if other.Bounds().Dy() != img.Bounds().Dy() {
		t.Errorf("heights differ: %d and %d", other.Bounds().Dy(), img.Bounds().Dy())
	}
}

func TestRenderTextImageKeepsLongTextBounded(t *testing.T) {
	t.Parallel()
	img := decode(t, mustRender(t, strings.Repeat("long text ", 300)))
	if w := img.Bounds().Dx(); w > maxTextImageWidth {
		t.Errorf("image is %d px wide, want at most %d", w, maxTextImageWidth)
	}
}

func mustRender(t *testing.T, text string) []byte {
	t.Helper()
	b, err := RenderTextImage(text)
	if err != nil {
		t.Fatalf("RenderTextImage(%q): %v", text, err)
	}
	return b
}

// TestRenderTypedReusesFacesAndCanvases: faces and pixel buffers are kept
// between renderings, and one text renders to the same bytes first, after other texts and fonts, and
// while other goroutines render; a text too wide for the standard em
// does not shrink later ones.
func TestRenderTypedReusesFacesAndCanvases(t *testing.T) {
	t.Parallel()
	texts := []string{"Jane Q. Doe", "Ågústa Jøngqvist-Ypsilon", strings.Repeat("W", 100), "I"}
	want := map[string][]byte{}
	for _, f := range sigfont.All() {
		for _, text := range texts {
			b, err := SignatureRenderer{}.RenderTyped(text, f.ID)
			if err != nil {
				t.Fatalf("%s %q: %v", f.ID, text, err)
			}
			want[f.ID+"/"+text] = b
		}
	}
	if w := emWidth(t, sigfont.Default, texts[2]); w <= maxTextImageWidth {
		t.Fatalf("%q is only %d px wide at the standard em: it does not test a smaller one", texts[2], w)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 12 {
				f := sigfont.All()[(g+i)%len(sigfont.All())]
				text := texts[(g*3+i)%len(texts)]
				b, err := SignatureRenderer{}.RenderTyped(text, f.ID)
				if err != nil || !bytes.Equal(b, want[f.ID+"/"+text]) {
					t.Errorf("%s %q renders differently when faces and canvases are reused (%v)", f.ID, text, err)
				}
			}
		})
	}
	wg.Wait()
}
