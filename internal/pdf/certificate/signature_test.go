package certificate

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
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

// ihdr returns a PNG's bit depth, colour type and interlace method.
func ihdr(t *testing.T, b []byte) (depth, colour, interlace byte) {
	t.Helper()
	if len(b) < 33 || string(b[12:16]) != "IHDR" {
		t.Fatalf("not a PNG with IHDR first")
	}
	return b[24], b[25], b[28]
}

// onWhite is what a viewer shows of img on a white page.
func onWhite(img image.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA() // premultiplied
			over := func(c uint32) uint8 { return uint8((c + 0xffff - a) >> 8) }
			out.SetRGBA(x, y, color.RGBA{R: over(r), G: over(g), B: over(bl), A: 0xff})
		}
	}
	return out
}

// noise is an opaque image with more than 256 colours.
func noise(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{R: uint8(x * 5), G: uint8(y * 7), B: uint8(x * y), A: 0xff})
		}
	}
	return img
}

// Every signature reaches the PDF opaque, as 8-bit RGB or indexed, never
// interlaced, and looks on white exactly as the original does.
func TestPrepareSignatureFlattens(t *testing.T) {
	t.Parallel()
	inkOnClear := image.NewNRGBA(image.Rect(5, 5, 125, 45)) // not at the origin
	for x := 10; x < 120; x++ {
		inkOnClear.Set(x, 20, color.NRGBA{R: 0x1a, G: 0x2b, B: 0x6d, A: 0xff})
		inkOnClear.Set(x, 21, color.NRGBA{R: 0x1a, G: 0x2b, B: 0x6d, A: uint8(x * 2)}) // anti-aliasing
	}
	inkPalette := make(color.Palette, 256)
	for i := range inkPalette {
		inkPalette[i] = color.NRGBA{R: 0x1a, G: 0x2b, B: 0x6d, A: uint8(i)}
	}
	typed := image.NewPaletted(image.Rect(0, 0, 90, 30), inkPalette) // as RenderTyped draws
	for x := 10; x < 80; x++ {
		typed.SetColorIndex(x, 15, 0xff)
		typed.SetColorIndex(x, 16, uint8(x*3))
	}
	deep := image.NewNRGBA64(image.Rect(0, 0, 60, 20))
	deep.Set(30, 10, color.NRGBA64{R: 0x1234, A: 0x8000})
	tests := []struct {
		name       string
		img        image.Image
		wantColour byte // PNG colour type: 2 RGB, 3 indexed
		emptyChunk bool
	}{
		{"ink with coverage", inkOnClear, 3, false},
		{"typed: indexed, alpha is the index", typed, 3, false},
		{"indexed, opaque", image.NewPaletted(image.Rect(0, 0, 20, 20), color.Palette{color.White, color.Black}), 3, false},
		{"16-bit with alpha", deep, 3, false},
		{"grey", image.NewGray(image.Rect(0, 0, 30, 10)), 3, false},
		{"many colours", noise(40, 30), 2, false},
		{"empty chunk before IEND", inkOnClear, 3, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := encodePNG(t, tc.img)
			if tc.emptyChunk {
				in = withChunk(in, "teXt", nil) // an empty chunk, which stopped fpdf's PNG reader
			}
			s := prepareSignature(in)
			if s.name == "" {
				t.Fatalf("not prepared: %s", s.note)
			}
			depth, colour, interlace := ihdr(t, s.png)
			if colour != tc.wantColour || interlace != 0 || (colour == 2 && depth != 8) {
				t.Errorf("depth %d, colour type %d, interlace %d; want colour type %d, 8-bit if RGB, not interlaced", depth, colour, interlace, tc.wantColour)
			}
			if bytes.Contains(s.png, []byte("tRNS")) {
				t.Error("the prepared image has transparency")
			}
			got, err := png.Decode(bytes.NewReader(s.png))
			if err != nil {
				t.Fatal(err)
			}
			want := onWhite(tc.img)
			gotRGBA := image.NewRGBA(want.Rect)
			draw.Draw(gotRGBA, gotRGBA.Rect, got, got.Bounds().Min, draw.Src)
			if s.width != want.Rect.Dx() || s.height != want.Rect.Dy() || !bytes.Equal(gotRGBA.Pix, want.Pix) {
				t.Error("the prepared image does not look like the original on white")
			}
		})
	}
}

// An image that cannot be decoded is noted in its box, not drawn.
func TestPrepareSignatureUnreadable(t *testing.T) {
	t.Parallel()
	good := encodePNG(t, noise(10, 10))
	for name, b := range map[string][]byte{
		"truncated": good[:40],
		"not a PNG": []byte("GIF89a"),
	} {
		if s := prepareSignature(b); s.name != "" || s.note != "Signature image unreadable" {
			t.Errorf("%s: prepared as %q, note %q", name, s.name, s.note)
		}
	}
	if s := prepareSignature(nil); s.name != "" || s.note != "No signature image" {
		t.Errorf("no image: prepared as %q, note %q", s.name, s.note)
	}
}

// Signatures reach the certificate opaque, so it has no soft masks, one
// image per signature and an indexed colour space for the typed ones.
func TestRenderCertificateSignaturesAreOpaque(t *testing.T) {
	t.Parallel()
	c := sample(t)
	c.Recipients[0].SignaturePNG = withChunk(c.Recipients[0].SignaturePNG, "teXt", nil)
	out := render(t, c)
	qpdfCheck(t, out)
	if n := bytes.Count(out, []byte("/SMask")); n != 0 {
		t.Errorf("%d soft masks, want none", n)
	}
	if n := bytes.Count(out, []byte("/Subtype /Image")); n != 2 {
		t.Errorf("%d images, want 2 (two signature images)", n)
	}
	if n := bytes.Count(out, []byte("/Indexed")); n != 2 {
		t.Errorf("%d indexed images, want 2", n)
	}
}
