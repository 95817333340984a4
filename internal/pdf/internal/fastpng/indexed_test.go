package fastpng

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// palette returns n colours; every third is translucent unless opaque.
func palette(n int, opaque bool) color.Palette {
	p := make(color.Palette, n)
	for i := range p {
		a := uint8(0xff)
		if !opaque && i%3 == 0 {
			a = uint8(i)
		}
		p[i] = color.NRGBA{R: uint8(i), G: uint8(7 * i), B: 0x6d, A: a}
	}
	return p
}

// paletted returns a w×h image with pattern indices, at min, as a
// sub-image of a larger one when sub is set.
func paletted(w, h int, pal color.Palette, sub bool) *image.Paletted {
	r := image.Rect(3, 5, 3+w, 5+h)
	big := image.NewPaletted(r.Inset(-4), pal)
	for i := range big.Pix {
		big.Pix[i] = uint8((i * 31) % len(pal))
	}
	if !sub {
		big = image.NewPaletted(r, pal)
		for i := range big.Pix {
			big.Pix[i] = uint8((i * 17) % len(pal))
		}
		return big
	}
	return big.SubImage(r).(*image.Paletted)
}

// Indexed images of more than 16 colours decode to their own pixels and
// palette, also when they are sub-images; their chunks before the image
// data are the ones image/png writes.
func TestEncodeIndexed(t *testing.T) {
	tests := []struct {
		name string
		img  *image.Paletted
	}{
		{"256 colours with alpha", paletted(37, 11, palette(256, false), false)},
		{"17 opaque colours", paletted(5, 3, palette(17, true), false)},
		{"sub-image", paletted(20, 9, palette(256, false), true)},
		{"one pixel", paletted(1, 1, palette(200, false), false)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := encode(t, tc.img)
			got, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("image/png cannot decode it: %v", err)
			}
			p, ok := got.(*image.Paletted)
			if !ok || p.Rect.Size() != tc.img.Rect.Size() || len(p.Palette) != len(tc.img.Palette) {
				t.Fatalf("decodes to %T %v, want %v with %d colours", got, got.Bounds(), tc.img.Rect, len(tc.img.Palette))
			}
			for i, c := range tc.img.Palette {
				if color.NRGBAModel.Convert(p.Palette[i]) != c {
					t.Fatalf("palette entry %d = %v, want %v", i, p.Palette[i], c)
				}
			}
			for y := range p.Rect.Dy() {
				for x := range p.Rect.Dx() {
					if g, w := p.ColorIndexAt(x, y), tc.img.ColorIndexAt(tc.img.Rect.Min.X+x, tc.img.Rect.Min.Y+y); g != w {
						t.Fatalf("pixel %d,%d = %d, want %d", x, y, g, w)
					}
				}
			}
			var std bytes.Buffer
			if err := png.Encode(&std, tc.img); err != nil {
				t.Fatal(err)
			}
			if g, w := chunksBefore(t, b, "IDAT"), chunksBefore(t, std.Bytes(), "IDAT"); !bytes.Equal(g, w) {
				t.Errorf("header and palette chunks differ from image/png's:\n%x\n%x", g, w)
			}
		})
	}
}

// chunksBefore returns b up to the first chunk of the kind.
func chunksBefore(t *testing.T, b []byte, kind string) []byte {
	t.Helper()
	n := len(Signature)
	for n+8 <= len(b) && string(b[n+4:n+8]) != kind {
		n += 12 + int(binary.BigEndian.Uint32(b[n:]))
	}
	return b[:min(n, len(b))]
}

func TestEncodeIndexedRefuses(t *testing.T) {
	tests := map[string]*image.Paletted{
		"empty":                 image.NewPaletted(image.Rect(0, 0, 0, 5), palette(256, false)),
		"257 colours":           image.NewPaletted(image.Rect(0, 0, 2, 2), palette(257, false)),
		"upside-down rectangle": {Rect: image.Rectangle{Min: image.Pt(5, 5)}, Palette: palette(20, false)},
	}
	for name, img := range tests {
		if b, err := Encode(img); err == nil {
			t.Errorf("%s: encoded as %d bytes, want an error", name, len(b))
		}
	}
}

// The writers are reused: encoding one image after another gives each
// its own pixels.
func TestEncodeIndexedReusesWriters(t *testing.T) {
	a, b := paletted(30, 30, palette(256, false), false), paletted(8, 40, palette(64, true), true)
	want := [][]byte{encode(t, a), encode(t, b)}
	for range 5 {
		for i, img := range []*image.Paletted{a, b} {
			if got := encode(t, img); !bytes.Equal(got, want[i]) {
				t.Fatalf("image %d encodes differently the second time", i)
			}
		}
	}
}
