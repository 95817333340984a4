package certificate

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/gsign/gsign/internal/pdf/internal/fastpng"
	"github.com/gsign/gsign/internal/pdf/internal/fastpng/pngtest"
)

// indexedPNG is a w×h indexed PNG of pal whose pixels run through every
// index the palette has.
func indexedPNG(t *testing.T, pal color.Palette, w, h int) []byte {
	t.Helper()
	img := image.NewPaletted(image.Rect(0, 0, w, h), pal)
	for i := range img.Pix {
		img.Pix[i] = uint8((i * 7) % len(pal))
	}
	return encodePNG(t, img)
}

// colours is n palette entries of varied colours and alphas.
func colours(n int) color.Palette {
	p := make(color.Palette, n)
	for i := range p {
		p[i] = color.NRGBA{R: uint8(i * 37), G: uint8(255 - i), B: uint8(i * i), A: uint8(i * 91)}
	}
	return p
}

// splitIDAT returns b with its image data in IDAT chunks of 7 bytes.
func splitIDAT(b []byte) []byte {
	return pngtest.Edit(b, func(cs []pngtest.Chunk) []pngtest.Chunk {
		var out []pngtest.Chunk
		for _, c := range cs {
			for c.Kind == "IDAT" && len(c.Data) > 7 {
				out = append(out, pngtest.Chunk{Kind: "IDAT", Data: c.Data[:7]})
				c.Data = c.Data[7:]
			}
			out = append(out, c)
		}
		return out
	})
}

// An indexed signature prepared without decoding shows on white the same
// pixels as the same signature decoded, drawn on white and encoded again,
// which every other PNG still is: whatever the bit depth, the palette's
// colours and alphas, and indices beyond PLTE and tRNS.
func TestUndecodedSignatureLooksDecoded(t *testing.T) {
	t.Parallel()
	typed, _ := typedPNG(t)
	four := indexedPNG(t, colours(16), 33, 9)
	tests := map[string][]byte{
		"typed":                       typed,
		"256 colours and alphas":      indexedPNG(t, colours(256), 50, 20),
		"opaque palette":              indexedPNG(t, color.Palette{color.White, color.Black, color.RGBA{R: 200, A: 255}}, 40, 10),
		"1 bit":                       indexedPNG(t, color.Palette{color.Transparent, color.Black}, 21, 5),
		"2 bits":                      indexedPNG(t, colours(4), 13, 6),
		"4 bits":                      four,
		"4 bits, indices beyond PLTE": pngtest.CutPalette(four, 5, 3),
		"indices beyond PLTE":         pngtest.CutPalette(indexedPNG(t, colours(256), 30, 10), 10, 0),
		"tRNS longer than PLTE":       pngtest.CutPalette(indexedPNG(t, colours(256), 30, 10), 10, 200),
		"image data in many chunks":   splitIDAT(typed),
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			orig, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("image/png refuses the input: %v", err)
			}
			u, ok := undecodedSignature(b)
			if !ok {
				t.Fatal("not prepared without decoding")
			}
			d := decodedSignature(b)
			if u.width != d.width || u.height != d.height || d.name == "" {
				t.Fatalf("%dx%d, decoded %dx%d %q", u.width, u.height, d.width, d.height, d.note)
			}
			want := onWhite(orig)
			if !bytes.Equal(rgbaOf(t, u.png).Pix, want.Pix) || !bytes.Equal(rgbaOf(t, d.png).Pix, want.Pix) {
				t.Error("prepared with and without decoding, the signature looks different")
			}
			if _, err := fastpng.Read(u.png); err != nil || bytes.Contains(u.png, []byte("tRNS")) {
				t.Errorf("the prepared PNG is not opaque and well-formed: %v", err)
			}
		})
	}
}

// Broken signature images are noted as unreadable, as they are when
// decoded (which the test checks first, without decoding a huge image).
func TestPrepareSignatureBrokenPNGs(t *testing.T) {
	t.Parallel()
	b, _ := typedPNG(t)
	badCRC := append([]byte{}, b...)
	badCRC[len(badCRC)-20] ^= 0x10
	tests := map[string][]byte{
		"truncated":         b[:len(b)-20],
		"no IEND":           b[:len(b)-12],
		"bad CRC":           badCRC,
		"PLTE missing":      pngtest.Rechunk(b, func(k string, d []byte) ([]byte, bool) { return d, k != "PLTE" }),
		"tRNS of 257":       pngtest.Rechunk(b, func(k string, d []byte) ([]byte, bool) { return extend(k, "tRNS", d, 0xff, 0xff), true }),
		"huge IHDR":         pngtest.WithSize(b, 1<<23, 1<<23),
		"IHDR of 2^31 wide": pngtest.WithSize(b, 1<<31, 10),
		"bad zlib header":   pngtest.Rechunk(b, func(k string, d []byte) ([]byte, bool) { return extend(k, "IDAT", d[min(2, len(d)):]), true }),
	}
	for name, in := range tests {
		if s := decodedSignature(in); s.name != "" {
			t.Fatalf("%s: decoded, it is prepared: the test is wrong", name)
		}
		if s := prepareSignature(in); s.name != "" || s.note != unreadableSignature {
			t.Errorf("%s: prepared as %q, note %q", name, s.name, s.note)
		}
	}
}

// extend returns d with more appended if kind is want.
func extend(kind, want string, d []byte, more ...byte) []byte {
	if kind != want {
		return d
	}
	return append(d[:len(d):len(d)], more...)
}

// withoutZlibHeader returns d without its first two bytes if kind is IDAT.
func withoutZlibHeader(kind string, d []byte) []byte {
	if kind != "IDAT" {
		return d
	}
	return d[2:]
}
