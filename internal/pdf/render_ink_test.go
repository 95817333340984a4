package pdf

import (
	"image"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"

	"github.com/gsign/gsign/internal/pdf/sigfont"
)

// TestRenderTypedKeepsAllInk: a typed signature holds every pixel of ink
// that font.Drawer draws on a canvas far larger than the text, with the
// same coverage, and exactly the margin around it: the crop to the ink
// cuts off no descender, accent, swash or overhang. The texts are long
// names, names with descenders and accents above capitals, letters that
// reach left of their origin, and the other scripts each font has.
func TestRenderTypedKeepsAllInk(t *testing.T) {
	t.Parallel()
	common := []string{
		"Ågústa Jøngqvist-Ypsilon",
		"jyg ƒ Ǻǽ Ŋŧ Șțj",
		strings.Repeat("Wolfeschlegelsteinhausenbergerdorff ", 3)[:100],
	}
	other := map[string][]string{
		sigfont.Default:  {"Жанна Щукина", "Ψυχή Ωμέγα"},
		"dancing-script": {"Nguyễn Thị Ánh Ẫ"},
		"great-vibes":    {"Жанна Щукина", "Nguyễn Thị Ánh Ẫ"},
		"caveat":         {"Жанна Щукина"},
	}
	for _, f := range sigfont.All() {
		if len(other[f.ID]) == 0 {
			t.Errorf("%s: no other script to test", f.ID)
		}
		for _, text := range append(common, other[f.ID]...) {
			t.Run(f.ID+"/"+text[:min(len(text), 12)], func(t *testing.T) {
				t.Parallel()
				testKeepsAllInk(t, f.ID, text)
			})
		}
	}
}

func testKeepsAllInk(t *testing.T, fontID, text string) {
	b, err := SignatureRenderer{}.RenderTyped(text, fontID)
	if err != nil {
		t.Fatalf("RenderTyped: %v", err)
	}
	got := alphas(decode(t, b))
	want := drawerInk(t, fontID, text)
	ink, _ := inkBounds(t, got)
	if ink.Size() != want.Rect.Size() {
		t.Fatalf("ink is %v, font.Drawer draws %v: ink was cut off or added", ink.Size(), want.Rect.Size())
	}
	if m := got.Rect.Size().Sub(ink.Size()); m != image.Pt(2*signatureMargin, 2*signatureMargin) || ink.Min != got.Rect.Min.Add(image.Pt(signatureMargin, signatureMargin)) {
		t.Errorf("ink %v in an image of %v, want a margin of %d px on each side", ink, got.Rect, signatureMargin)
	}
	d := ink.Min.Sub(want.Rect.Min)
	for y := want.Rect.Min.Y; y < want.Rect.Max.Y; y++ {
		for x := want.Rect.Min.X; x < want.Rect.Max.X; x++ {
			g, w := got.AlphaAt(x+d.X, y+d.Y).A, want.AlphaAt(x, y).A
			if absDiff(g, w) > 1 {
				t.Fatalf("pixel %d,%d of the ink has alpha %d, font.Drawer draws %d", x-want.Rect.Min.X, y-want.Rect.Min.Y, g, w)
			}
		}
	}
}

// drawerInk draws text with font.Drawer at the size RenderTyped chooses,
// two ems from every edge of a canvas, and returns the inked part.
func drawerInk(t *testing.T, fontID, text string) *image.Alpha {
	t.Helper()
	f, err := parsedFonts[fontID]()
	if err != nil {
		t.Fatal(err)
	}
	face, release, err := fittingFace(fontID, f, text)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	em := 2 * renderEm
	canvas := image.NewAlpha(image.Rect(0, 0, font.MeasureString(face, text).Ceil()+2*em, 2*em))
	d := &font.Drawer{Dst: canvas, Src: image.Opaque, Face: face, Dot: fixed.P(em, em)}
	d.DrawString(text)
	ink, _ := inkBounds(t, canvas)
	if ink.Empty() || ink.Min.X == 0 || ink.Min.Y == 0 || ink.Max.X == canvas.Rect.Max.X || ink.Max.Y == canvas.Rect.Max.Y {
		t.Fatalf("font.Drawer's ink %v reaches the edge of its canvas %v", ink, canvas.Rect)
	}
	return canvas.SubImage(ink).(*image.Alpha)
}

// alphas returns the alpha of each pixel of img.
func alphas(img image.Image) *image.Alpha {
	out := image.NewAlpha(img.Bounds())
	for y := out.Rect.Min.Y; y < out.Rect.Max.Y; y++ {
		for x := out.Rect.Min.X; x < out.Rect.Max.X; x++ {
			_, _, _, a := img.At(x, y).RGBA()
			out.Pix[out.PixOffset(x, y)] = uint8(a >> 8)
		}
	}
	return out
}
