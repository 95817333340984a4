package certificate

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image/color"

	"github.com/gsign/gsign/internal/pdf/internal/fastpng"
)

// withPalette returns the indexed PNG b, which image/png decoded, with its
// palette replaced by pal and without transparency or ancillary chunks:
// its header and image data are copied as they are, so an indexed
// signature reaches the PDF on white without being decompressed and
// compressed again. It reports false for any PNG that is not indexed and
// non-interlaced (PDF cannot read interlaced image data as it is); the
// caller then re-encodes the image.
func withPalette(b []byte, pal color.Palette) ([]byte, bool) {
	if _, _, ok := fastpng.Indexed(b); !ok || len(pal) == 0 || len(pal) > 256 {
		return nil, false
	}
	var out bytes.Buffer
	out.Grow(len(b) + 3*len(pal))
	out.WriteString(fastpng.Signature)
	fastpng.Chunks(b, func(kind string, data []byte) bool {
		switch {
		case kind == "IHDR":
			writeChunk(&out, kind, data)
			writeChunk(&out, "PLTE", paletteBytes(pal))
		case kind == "IDAT" && len(data) > 0: // an empty one carries nothing
			writeChunk(&out, kind, data)
		case kind == "IEND":
			writeChunk(&out, kind, nil)
		}
		return true
	})
	return out.Bytes(), true
}

// paletteBytes is pal as a PLTE chunk's data: RGB triples, alpha dropped.
func paletteBytes(pal color.Palette) []byte {
	out := make([]byte, 0, 3*len(pal))
	for _, c := range pal {
		r, g, b, _ := c.RGBA()
		out = append(out, uint8(r>>8), uint8(g>>8), uint8(b>>8))
	}
	return out
}

// writeChunk appends one PNG chunk: length, type, data and CRC.
func writeChunk(out *bytes.Buffer, kind string, data []byte) {
	var head [8]byte
	binary.BigEndian.PutUint32(head[:4], uint32(len(data)))
	copy(head[4:], kind)
	out.Write(head[:])
	out.Write(data)
	crc := crc32.NewIEEE()
	crc.Write(head[4:])
	crc.Write(data)
	out.Write(binary.BigEndian.AppendUint32(nil, crc.Sum32()))
}
