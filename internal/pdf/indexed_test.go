package pdf

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// halfPaletted is halfPNG as an indexed PNG: index 1 on the top half,
// index 0 below, with the given palette.
func halfPaletted(t *testing.T, pal color.Palette) []byte {
	t.Helper()
	img := image.NewPaletted(image.Rect(0, 0, 100, 50), pal)
	for y := range 25 {
		for x := range 100 {
			img.SetColorIndex(x, y, 1)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// halfInk is halfPNG as RenderTyped encodes signatures: an ink image whose
// index is the alpha.
func halfInk(t *testing.T) []byte {
	t.Helper()
	rgba := image.NewRGBA(image.Rect(0, 0, 100, 50))
	for y := range 25 {
		for x := range 100 {
			rgba.Set(x, y, navy)
		}
	}
	b, err := encodePNG(inkImage(rgba, navy))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Indexed PNGs are stamped as /Indexed images with their transparency as
// a soft mask, and look like the RGBA original: navy top, white bottom.
func TestStampIndexedImages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		png   []byte
		masks int
	}{
		{"ink image, alpha is the index", halfInk(t), 1},
		{"transparent entry", halfPaletted(t, color.Palette{color.NRGBA{}, navy}), 1},
		{"opaque palette", halfPaletted(t, color.Palette{color.White, navy}), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := imageBox
			st.Kind, st.PNG = esign.StampImage, tc.png
			out := stamp(t, onePage(letter), st)
			qpdfCheck(t, out)
			if n := bytes.Count(out, []byte("/Indexed")); n != 1 {
				t.Errorf("%d indexed images, want 1", n)
			}
			if n := bytes.Count(out, []byte("/SMask")); n != tc.masks {
				t.Errorf("%d soft masks, want %d", n, tc.masks)
			}
			checkHalfImage(t, render(t, out, 1))
		})
	}
}

// inkImage keeps every pixel of an ink drawing, anti-aliased edges
// included: index i is ink at alpha i.
func TestInkImageKeepsPixels(t *testing.T) {
	t.Parallel()
	rgba, err := renderText("Zoë Ωμέγα", signatureInk, true)
	if err != nil {
		t.Fatal(err)
	}
	p := inkImage(rgba, signatureInk)
	partial := 0
	for y := range rgba.Rect.Dy() {
		for x := range rgba.Rect.Dx() {
			want := rgba.RGBAAt(rgba.Rect.Min.X+x, rgba.Rect.Min.Y+y)
			r, g, b, a := p.At(x, y).RGBA()
			got := color.RGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: uint8(a >> 8)}
			if d := max(absDiff(got.R, want.R), absDiff(got.G, want.G), absDiff(got.B, want.B)); got.A != want.A || d > 1 {
				t.Fatalf("pixel %d,%d = %v, want %v", x, y, got, want)
			}
			if want.A != 0 && want.A != 0xff {
				partial++
			}
		}
	}
	if partial == 0 {
		t.Error("no anti-aliased pixels: the test shows nothing")
	}
}

func absDiff(a, b uint8) uint8 {
	if a > b {
		return a - b
	}
	return b - a
}
