package certificate

import (
	"github.com/gsign/gsign/internal/pdf/internal/fastpng"
)

// undecodedSignature readies an indexed PNG, not interlaced, for the PDF
// without decoding its pixels: on white (see flatten), only its palette
// changes, so its header and image data are copied as they are. Typed
// signatures are such images. It reports false for any other PNG, and for
// one that fastpng.Read refuses (which image/png refuses too) or that is
// larger than maxSignaturePixels: prepareSignature then decodes it.
//
// The pixels are not checked: fastpng.Read checks the chunks and their
// CRCs, and GSign decoded the image when it captured the signature.
func undecodedSignature(b []byte) (signatureImage, bool) {
	png, err := fastpng.Read(b)
	if err != nil || png.ColourType != fastpng.ColourIndexed || png.Interlaced ||
		int64(png.Width)*int64(png.Height) > maxSignaturePixels {
		return signatureImage{}, false
	}
	return named(withPaletteOnWhite(png), png.Width, png.Height), true
}

// withPaletteOnWhite returns the indexed PNG png with its palette drawn on
// white and without transparency or ancillary chunks, its image data in
// one IDAT chunk: what pdfw.Document.AddPNG embeds as it is.
func withPaletteOnWhite(png fastpng.Image) []byte {
	out := make([]byte, 0, len(fastpng.Signature)+5*12+13+3*256+len(png.Data))
	out = append(out, fastpng.Signature...)
	out = fastpng.AppendChunk(out, "IHDR", png.AppendIHDR)
	out = fastpng.AppendChunk(out, "PLTE", func(b []byte) []byte { return appendPaletteOnWhite(b, png) })
	out = fastpng.AppendChunk(out, "IDAT", func(b []byte) []byte { return append(b, png.Data...) })
	return fastpng.AppendChunk(out, "IEND", func(b []byte) []byte { return b })
}

// appendPaletteOnWhite appends the RGB triples of png's palette on white,
// as paletteOnWhite draws the palette image/png decodes, to b. It has an
// entry for every index the bit depth allows: image/png shows an index
// beyond the palette as opaque black, and so does this palette, where the
// palette of the decoded image ends at the largest index its pixels use.
func appendPaletteOnWhite(b []byte, png fastpng.Image) []byte {
	for i := range 1 << png.Depth {
		r, g, bl, a := png.Entry(i).RGBA() // premultiplied, so over white adds the rest
		b = append(b, overWhite(r, a), overWhite(g, a), overWhite(bl, a))
	}
	return b
}

// overWhite is the 8-bit value of the premultiplied 16-bit v at alpha a
// drawn over white.
func overWhite(v, a uint32) uint8 { return uint8((v + 0xffff - a) >> 8) }
