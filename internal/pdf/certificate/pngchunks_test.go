package certificate

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/draw"
	"image/png"
	"testing"

	"github.com/gsign/gsign/internal/pdf/internal/fastpng/pngtest"
)

// typedPNG is an indexed PNG as RenderTyped makes them: ink at 256 alphas.
func typedPNG(t *testing.T) ([]byte, *image.Paletted) {
	t.Helper()
	img := pngtest.Ink(120, 40)
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

// An indexed PNG keeps its image data; only the palette changes, and the
// result decodes to the original on white.
func TestUndecodedSignatureKeepsImageData(t *testing.T) {
	t.Parallel()
	b, img := typedPNG(t)
	b = pngtest.Edit(b, func(cs []pngtest.Chunk) []pngtest.Chunk { // an empty IDAT chunk first, which stopped fpdf's PNG reader
		return append(cs[:3:3], append([]pngtest.Chunk{{Kind: "IDAT"}}, cs[3:]...)...)
	})
	s, ok := undecodedSignature(b)
	if !ok {
		t.Fatal("undecodedSignature refused an indexed PNG")
	}
	if !bytes.Equal(idat(s.png), idat(b)) {
		t.Error("the image data changed")
	}
	for _, kind := range []string{"tRNS", "\x00\x00\x00\x00IDAT"} {
		if bytes.Contains(s.png, []byte(kind)) {
			t.Errorf("the result still has %q", kind)
		}
	}
	if got := rgbaOf(t, s.png); !bytes.Equal(got.Pix, onWhite(img).Pix) || s.width != 120 || s.height != 40 {
		t.Error("the result does not look like the original on white")
	}
}

// rgbaOf decodes the PNG b as RGBA.
func rgbaOf(t *testing.T, b []byte) *image.RGBA {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a valid PNG: %v", err)
	}
	out := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(out, out.Rect, img, img.Bounds().Min, draw.Src)
	return out
}

// Anything but a plain indexed PNG that image/png reads is left to
// decoding.
func TestUndecodedSignatureRefuses(t *testing.T) {
	t.Parallel()
	b, _ := typedPNG(t)
	badCRC := append([]byte{}, b...)
	badCRC[len(badCRC)-20] ^= 0x10
	for name, in := range map[string][]byte{
		"interlaced": pngtest.WithHeader(b, 12, 1),
		"RGBA":       encodePNG(t, image.NewNRGBA(image.Rect(0, 0, 4, 4))),
		"truncated":  b[:len(b)-20],
		"bad CRC":    badCRC,
		"huge IHDR":  pngtest.WithSize(b, 1<<23, 1<<23),
		"not a PNG":  []byte("GIF89a"),
	} {
		if _, ok := undecodedSignature(in); ok {
			t.Errorf("%s: undecodedSignature accepted it", name)
		}
	}
}
