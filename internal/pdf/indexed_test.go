package pdf

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"golang.org/x/image/font"

	"github.com/gsign/gsign/internal/esign"
)

// halfPaletted is halfPNG as an indexed PNG: index 1 on the top half,
// index 0 below, with the given palette padded to size entries (image/png
// writes 1 bit per pixel for 2 entries, 8 bits for 256).
func halfPaletted(t *testing.T, pal color.Palette, size int) []byte {
	t.Helper()
	for len(pal) < size {
		pal = append(pal, color.Black)
	}
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
	cover := image.NewAlpha(image.Rect(0, 0, 100, 50))
	for y := range 25 {
		for x := range 100 {
			cover.SetAlpha(x, y, color.Alpha{A: 0xff})
		}
	}
	b, err := encodePNG(inkImage(cover, navy))
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
		name      string
		png       []byte
		masks     int
		predicted int // streams that are the PNG's own image data
	}{
		{"ink image, alpha is the index", halfInk(t), 1, 2},
		{"transparent entry", halfPaletted(t, color.Palette{color.NRGBA{}, navy}, 256), 1, 1},
		{"opaque palette", halfPaletted(t, color.Palette{color.White, navy}, 256), 0, 1},
		{"1-bit indexed", halfPaletted(t, color.Palette{color.NRGBA{}, navy}, 2), 1, 0},
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
			if n := bytes.Count(out, []byte("/Predictor 15")); n != tc.predicted {
				t.Errorf("%d streams with a PNG predictor, want %d", n, tc.predicted)
			}
			checkHalfImage(t, render(t, out, 1))
		})
	}
}

// Drawing coverage and colouring it with inkImage gives the pixels that
// font.Drawer draws in the ink onto RGBA, anti-aliased edges and
// overlapping glyphs included.
func TestCoverageMatchesDrawer(t *testing.T) {
	t.Parallel()
	f, err := goItalic()
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"Zoë Ωμέγα", "ffi Łukasz Жанна", "Carol Lindqvist-Øberg"} {
		face, err := newFace(f, renderEm)
		if err != nil {
			t.Fatal(err)
		}
		bounds, origin := layout(face, text, false)
		want := image.NewRGBA(bounds)
		(&font.Drawer{Dst: want, Src: image.NewUniform(signatureInk), Face: face, Dot: origin}).DrawString(text)
		cover := image.NewAlpha(bounds)
		drawCoverage(cover, face, origin, text)
		face.Close()
		got, partial := inkImage(cover, signatureInk), 0
		for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
			for x := bounds.Min.X; x < bounds.Max.X; x++ {
				w := want.RGBAAt(x, y)
				r, g, b, a := got.At(x, y).RGBA()
				c := color.RGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: uint8(a >> 8)}
				if d := max(absDiff(c.R, w.R), absDiff(c.G, w.G), absDiff(c.B, w.B), absDiff(c.A, w.A)); d > 1 {
					t.Fatalf("%q: pixel %d,%d = %v, want %v", text, x, y, c, w)
				}
				if w.A != 0 && w.A != 0xff {
					partial++
				}
			}
		}
		if partial == 0 {
			t.Errorf("%q: no anti-aliased pixels: the test shows nothing", text)
		}
	}
}

func absDiff(a, b uint8) uint8 {
	if a > b {
		return a - b
	}
	return b - a
}
