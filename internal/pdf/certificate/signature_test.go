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

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withChunk inserts a chunk of the given kind and data after IHDR.
func withChunk(b []byte, kind string, data []byte) []byte {
	const afterIHDR = 8 + 12 + 13
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	chunk = append(append(chunk, kind...), data...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	out := append([]byte{}, b[:afterIHDR]...)
	return append(append(out, chunk...), b[afterIHDR:]...)
}

// interlaced sets the interlace flag in the header. The image data no
// longer matches it, but fpdfReadable reads only the chunks.
func interlaced(b []byte) []byte {
	out := append([]byte{}, b...)
	out[8+8+12] = 1
	binary.BigEndian.PutUint32(out[8+8+13:], crc32.ChecksumIEEE(out[8+4:8+8+13]))
	return out
}

func TestFPDFReadable(t *testing.T) {
	t.Parallel()
	rect := image.Rect(0, 0, 40, 10)
	rgba := encodePNG(t, image.NewNRGBA(rect))
	opaque := image.NewRGBA(rect)
	for i := range opaque.Pix {
		opaque.Pix[i] = 0xff
	}
	tests := []struct {
		name string
		png  []byte
		want bool
	}{
		{"8-bit RGBA", rgba, true},
		{"8-bit RGB", encodePNG(t, opaque), true},
		{"ancillary chunk", withChunk(rgba, "teXt", []byte("x")), true},
		{"empty chunk before IEND", withChunk(rgba, "teXt", nil), false},
		{"interlaced", interlaced(rgba), false},
		{"16-bit", encodePNG(t, image.NewNRGBA64(rect)), false},
		{"grey", encodePNG(t, image.NewGray(rect)), false},
		{"paletted", encodePNG(t, image.NewPaletted(rect, color.Palette{color.White, color.Black})), false},
		{"truncated", rgba[:40], false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := fpdfReadable(tc.png); got != tc.want {
				t.Errorf("fpdfReadable = %v, want %v", got, tc.want)
			}
		})
	}
}

// An image that fpdf would stop reading early is re-encoded, and the
// certificate shows it.
func TestRenderCertificateSignatureWithEmptyChunk(t *testing.T) {
	t.Parallel()
	c := sample(t)
	c.Recipients[0].SignaturePNG = withChunk(c.Recipients[0].SignaturePNG, "teXt", nil)
	if s := prepareSignature(c.Recipients[0].SignaturePNG); s.name == "" || !fpdfReadable(s.png) {
		t.Fatalf("prepared %+v, want a readable image", s.note)
	}
	out := render(t, c)
	qpdfCheck(t, out)
	if n := bytes.Count(out, []byte("/SMask")); n != 2 {
		t.Errorf("%d soft masks, want 2 (two signature images)", n)
	}
}
