// Package pngtest edits PNGs chunk by chunk, for tests that need broken
// or unusual PNGs: it writes each chunk's CRC right, so that what a test
// breaks is only what it means to break.
package pngtest

import (
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
)

// signature starts every PNG file.
const signature = "\x89PNG\r\n\x1a\n"

// Chunk is one chunk of a PNG.
type Chunk struct {
	Kind string
	Data []byte
}

// Split returns the chunks of b, a PNG whose chunk lengths are right.
func Split(b []byte) []Chunk {
	var out []Chunk
	for rest := b[len(signature):]; len(rest) >= 12; {
		n := binary.BigEndian.Uint32(rest)
		out = append(out, Chunk{string(rest[4:8]), rest[8 : 8+n : 8+n]})
		rest = rest[12+n:]
	}
	return out
}

// Join returns the PNG of the chunks, each with its CRC.
func Join(chunks []Chunk) []byte {
	out := []byte(signature)
	for _, c := range chunks {
		out = binary.BigEndian.AppendUint32(out, uint32(len(c.Data)))
		start := len(out)
		out = append(append(out, c.Kind...), c.Data...)
		out = binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
	}
	return out
}

// Edit returns b with its chunks changed by fn.
func Edit(b []byte, fn func([]Chunk) []Chunk) []byte { return Join(fn(Split(b))) }

// Rechunk returns b with each chunk's data replaced by what fn returns
// for it, and the chunk dropped where fn returns keep false.
func Rechunk(b []byte, fn func(kind string, data []byte) (out []byte, keep bool)) []byte {
	return Edit(b, func(cs []Chunk) []Chunk {
		var out []Chunk
		for _, c := range cs {
			if data, keep := fn(c.Kind, c.Data); keep {
				out = append(out, Chunk{c.Kind, data})
			}
		}
		return out
	})
}

// CutPalette returns the indexed PNG b with PLTE cut to n entries and
// tRNS to m (none for 0): its pixels may then use indices beyond them.
func CutPalette(b []byte, n, m int) []byte {
	return Rechunk(b, func(kind string, d []byte) ([]byte, bool) {
		switch kind {
		case "PLTE":
			return d[:3*n], true
		case "tRNS":
			return d[:min(m, len(d))], m > 0
		}
		return d, true
	})
}

// WithHeader returns b with byte i of its IHDR data set to v.
func WithHeader(b []byte, i int, v byte) []byte {
	return Rechunk(b, func(kind string, d []byte) ([]byte, bool) {
		if kind == "IHDR" {
			d = append([]byte{}, d...)
			d[i] = v
		}
		return d, true
	})
}

// WithSize returns b declaring w×h pixels.
func WithSize(b []byte, w, h uint32) []byte {
	return Rechunk(b, func(kind string, d []byte) ([]byte, bool) {
		if kind == "IHDR" {
			d = append(binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, w), h), d[8:]...)
		}
		return d, true
	})
}

// Ink returns a w×h ink image as GSign renders typed signatures: one ink
// at 256 alphas, alpha equal to the index, a stroke of solid ink across
// the middle and one of every index below it.
func Ink(w, h int) *image.Paletted {
	pal := make(color.Palette, 256)
	for i := range pal {
		pal[i] = color.NRGBA{R: 0x1a, G: 0x2b, B: 0x6d, A: uint8(i)}
	}
	img := image.NewPaletted(image.Rect(0, 0, w, h), pal)
	for x := w / 12; x < w-w/12; x++ {
		img.SetColorIndex(x, h/2, 0xff)
		img.SetColorIndex(x, h/2+1, uint8(2*x))
	}
	return img
}
