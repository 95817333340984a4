package fastpng

import (
	"bytes"
	"encoding/binary"
	"image/color"
	"image/png"
	"testing"

	"github.com/gsign/gsign/internal/pdf/internal/fastpng/pngtest"
)

// inkPNG is an indexed PNG as GSign renders typed signatures.
func inkPNG(t testing.TB) []byte {
	t.Helper()
	b, err := Encode(pngtest.Ink(60, 20))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// without returns b without its chunks of the kind.
func without(b []byte, kind string) []byte {
	return pngtest.Rechunk(b, func(k string, d []byte) ([]byte, bool) { return d, k != kind })
}

// insertBefore returns a func inserting c before the first chunk of the kind.
func insertBefore(kind string, c pngtest.Chunk) func([]pngtest.Chunk) []pngtest.Chunk {
	return func(cs []pngtest.Chunk) []pngtest.Chunk {
		for i := range cs {
			if cs[i].Kind == kind {
				return append(cs[:i:i], append([]pngtest.Chunk{c}, cs[i:]...)...)
			}
		}
		return cs
	}
}

// badPNGs are broken PNGs that image/png refuses before inflating their
// image data, or while reading their chunks.
func badPNGs(t testing.TB) map[string][]byte {
	ink := inkPNG(t)
	badCRC := append([]byte{}, ink...)
	badCRC[len(badCRC)-20] ^= 1 // in the image data
	plteLen := func(n int) func([]pngtest.Chunk) []pngtest.Chunk {
		return func(cs []pngtest.Chunk) []pngtest.Chunk { cs[1].Data = cs[1].Data[:n]; return cs }
	}
	return map[string][]byte{
		"empty":                 nil,
		"not a PNG":             []byte("GIF89a"),
		"signature only":        []byte(Signature),
		"truncated in IDAT":     ink[:len(ink)-30],
		"truncated IEND":        ink[:len(ink)-4],
		"bad CRC":               badCRC,
		"PLTE missing":          without(ink, "PLTE"),
		"IHDR missing":          without(ink, "IHDR"),
		"IDAT missing":          without(ink, "IDAT"),
		"IEND missing":          without(ink, "IEND"),
		"tRNS longer than 256":  pngtest.Edit(ink, func(cs []pngtest.Chunk) []pngtest.Chunk { cs[2].Data = make([]byte, 257); return cs }),
		"tRNS before PLTE":      pngtest.Edit(ink, func(cs []pngtest.Chunk) []pngtest.Chunk { cs[1], cs[2] = cs[2], cs[1]; return cs }),
		"PLTE not triples":      pngtest.Edit(ink, plteLen(3*200+1)),
		"PLTE empty":            pngtest.Edit(ink, plteLen(0)),
		"PLTE beyond bit depth": pngtest.WithHeader(ink, 8, 4), // 256 entries for 4 bits
		"huge IHDR, negative":   pngtest.WithHeader(ink, 0, 0x80),
		"zero width":            pngtest.WithHeader(pngtest.WithHeader(ink, 2, 0), 3, 0),
		"bit depth 16 indexed":  pngtest.WithHeader(ink, 8, 16),
		"colour type 5":         pngtest.WithHeader(ink, 9, 5),
		"compression method":    pngtest.WithHeader(ink, 10, 1),
		"filter method":         pngtest.WithHeader(ink, 11, 1),
		"interlace method 2":    pngtest.WithHeader(ink, 12, 2),
		"two IHDRs":             pngtest.Edit(ink, func(cs []pngtest.Chunk) []pngtest.Chunk { return append(cs[:1:1], cs...) }),
		"bad IEND length":       pngtest.Edit(ink, func(cs []pngtest.Chunk) []pngtest.Chunk { cs[len(cs)-1].Data = []byte{0}; return cs }),
		"empty IDAT":            pngtest.Edit(ink, func(cs []pngtest.Chunk) []pngtest.Chunk { cs[3].Data = nil; return cs }),
		"zlib preset dictionary": pngtest.Edit(ink, func(cs []pngtest.Chunk) []pngtest.Chunk {
			cs[3].Data = append([]byte{0x78, 0xbb}, cs[3].Data[2:]...)
			return cs
		}),
		"not zlib": pngtest.Edit(ink, func(cs []pngtest.Chunk) []pngtest.Chunk {
			cs[3].Data = append([]byte{0x1f, 0x8b}, cs[3].Data[2:]...)
			return cs
		}),
		"chunk length over 2 GiB": hugeChunk(t, ink),
	}
}

// hugeChunk returns b with an empty chunk before IDAT that declares
// 2 GiB, more than image/png takes.
func hugeChunk(t testing.TB, b []byte) []byte {
	b = pngtest.Edit(b, insertBefore("IDAT", pngtest.Chunk{Kind: "teXt", Data: nil}))
	binary.BigEndian.PutUint32(b[bytes.Index(b, []byte("teXt"))-4:], 0x80000000)
	return b
}

// Read refuses every broken PNG, as image/png does.
func TestReadRefuses(t *testing.T) {
	for name, b := range badPNGs(t) {
		if img, err := Read(b); err == nil {
			t.Errorf("%s: Read accepted it: %+v", name, img.Header)
		}
		if _, err := png.Decode(bytes.NewReader(b)); err == nil {
			t.Errorf("%s: image/png decodes it: the test is wrong", name)
		}
	}
}

// Read takes what image/png takes around the image data: ancillary and
// unknown chunks, a tRNS longer than the palette, image data split over
// IDAT chunks, an empty one among them, and garbage IDAT chunks after
// another chunk, which image/png ignores.
func TestReadAccepts(t *testing.T) {
	ink := inkPNG(t)
	data := pngtest.Split(ink)[3].Data
	tests := map[string][]byte{
		"ink":                   ink,
		"unknown critical":      pngtest.Edit(ink, insertBefore("IDAT", pngtest.Chunk{Kind: "ABCD", Data: []byte("x")})),
		"text after IDAT":       pngtest.Edit(ink, insertBefore("IEND", pngtest.Chunk{Kind: "tEXt", Data: []byte("a\x00b")})),
		"tRNS longer than PLTE": pngtest.Edit(ink, func(cs []pngtest.Chunk) []pngtest.Chunk { cs[1].Data = cs[1].Data[:30]; return cs }),
		"IDAT split": pngtest.Edit(ink, func(cs []pngtest.Chunk) []pngtest.Chunk {
			return append(cs[:3:3], pngtest.Chunk{Kind: "IDAT", Data: data[:1]}, pngtest.Chunk{Kind: "IDAT", Data: nil}, pngtest.Chunk{Kind: "IDAT", Data: data[1:]}, cs[4])
		}),
		"garbage IDAT after text": pngtest.Edit(ink, func(cs []pngtest.Chunk) []pngtest.Chunk {
			return append(cs[:4:4], pngtest.Chunk{Kind: "tEXt", Data: nil}, pngtest.Chunk{Kind: "IDAT", Data: []byte("garbage")}, cs[4])
		}),
	}
	for name, b := range tests {
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Fatalf("%s: image/png refuses it: the test is wrong: %v", name, err)
		}
		img, err := Read(b)
		if err != nil {
			t.Errorf("%s: Read refused it: %v", name, err)
			continue
		}
		if !bytes.Equal(img.Data, data) {
			t.Errorf("%s: the image data is %d bytes, want the %d of the IDAT chunks in a row", name, len(img.Data), len(data))
		}
	}
}

// Entry gives each index the colour image/png decodes it to, also beyond
// PLTE (opaque black) and with a tRNS longer than PLTE.
func TestEntry(t *testing.T) {
	b := pngtest.Edit(inkPNG(t), func(cs []pngtest.Chunk) []pngtest.Chunk {
		cs[1].Data = cs[1].Data[:3*10] // 10 colours, tRNS for 255
		return cs
	})
	img, err := Read(b)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	pal := cfg.ColorModel.(color.Palette)
	for i := range 256 {
		want := color.NRGBA{A: 0xff} // what image/png extends a palette with
		if i < len(pal) {
			want = color.NRGBAModel.Convert(pal[i]).(color.NRGBA) // NRGBA where tRNS has an entry
		}
		if got := img.Entry(i); got != want {
			t.Fatalf("entry %d = %v, want %v", i, got, want)
		}
	}
}

// Anything Read accepts, image/png's DecodeConfig accepts; anything
// image/png decodes, Read accepts.
func FuzzRead(f *testing.F) {
	f.Add(inkPNG(f))
	for _, b := range badPNGs(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := Read(b)
		if _, cfgErr := png.DecodeConfig(bytes.NewReader(b)); err == nil && cfgErr != nil {
			t.Fatalf("Read accepted what DecodeConfig refuses: %v", cfgErr)
		}
		if _, decErr := png.Decode(bytes.NewReader(b)); decErr == nil && err != nil {
			t.Fatalf("Read refused what image/png decodes: %v", err)
		}
	})
}
