package certificate

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// typedPNG is an indexed PNG as RenderTyped makes them: ink at 256 alphas.
func typedPNG(t *testing.T) ([]byte, *image.Paletted) {
	t.Helper()
	pal := make(color.Palette, 256)
	for i := range pal {
		pal[i] = color.NRGBA{R: 0x1a, G: 0x2b, B: 0x6d, A: uint8(i)}
	}
	img := image.NewPaletted(image.Rect(0, 0, 120, 40), pal)
	for x := 10; x < 110; x++ {
		img.SetColorIndex(x, 20, 0xff)
		img.SetColorIndex(x, 21, uint8(2*x))
	}
	return encodePNG(t, img), img
}

// idat returns the concatenated data of b's IDAT chunks.
func idat(b []byte) []byte {
	var out []byte
	for rest := b[8:]; len(rest) >= 12; {
		n := binary.BigEndian.Uint32(rest)
		if string(rest[4:8]) == "IDAT" {
			out = append(out, rest[8:8+n]...)
		}
		rest = rest[12+n:]
	}
	return out
}

// withHeaderByte returns b with IHDR data byte i set to v, CRC updated.
func withHeaderByte(b []byte, i int, v byte) []byte {
	out := append([]byte{}, b...)
	out[8+8+i] = v
	binary.BigEndian.PutUint32(out[8+8+13:], crc32.ChecksumIEEE(out[8+4:8+8+13]))
	return out
}

// An indexed PNG keeps its image data; only the palette changes, and the
// result decodes to the original on white.
func TestWithPaletteKeepsImageData(t *testing.T) {
	t.Parallel()
	b, img := typedPNG(t)
	b = withChunk(b, "IDAT", nil) // an empty IDAT chunk first, which stopped fpdf's PNG reader
	out, ok := withPalette(b, paletteOnWhite(img).Palette)
	if !ok {
		t.Fatal("withPalette refused an indexed PNG")
	}
	if !bytes.Equal(idat(out), idat(b)) {
		t.Error("the image data changed")
	}
	for _, kind := range []string{"tRNS", "\x00\x00\x00\x00IDAT"} {
		if bytes.Contains(out, []byte(kind)) {
			t.Errorf("the result still has %q", kind)
		}
	}
	got, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("the result is not a valid PNG: %v", err)
	}
	want := onWhite(img)
	for y := range 40 {
		for x := range 120 {
			r, g, bl, a := got.At(x, y).RGBA()
			if c := want.RGBAAt(x, y); c != (color.RGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(bl >> 8), A: uint8(a >> 8)}) {
				t.Fatalf("pixel %d,%d = %v, want %v", x, y, got.At(x, y), c)
			}
		}
	}
}

// Anything but a plain indexed PNG is left to re-encoding.
func TestWithPaletteRefuses(t *testing.T) {
	t.Parallel()
	b, img := typedPNG(t)
	pal := paletteOnWhite(img).Palette
	for name, in := range map[string][]byte{
		"interlaced": withHeaderByte(b, 12, 1),
		"RGBA":       encodePNG(t, image.NewNRGBA(image.Rect(0, 0, 4, 4))),
		"truncated":  b[:len(b)-20],
		"not a PNG":  []byte("GIF89a"),
	} {
		if _, ok := withPalette(in, pal); ok {
			t.Errorf("%s: withPalette accepted it", name)
		}
	}
}
