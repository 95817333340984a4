package fastpng

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"io"

	"github.com/gsign/gsign/internal/pdf/internal/deflate"
)

// errImageSize refuses an image PNG cannot hold.
var errImageSize = errors.New("png: invalid image size")

// encodeIndexed returns p as an 8-bit indexed PNG, not interlaced, each
// row unfiltered, in one IDAT chunk: the PNG image/png writes for a
// palette of more than 16 colours, compressed at deflate's fastest level.
// Palette entries that are not opaque go in a tRNS chunk, up to the last
// such entry, as image/png writes them.
func encodeIndexed(p *image.Paletted) ([]byte, error) {
	w, h := p.Rect.Dx(), p.Rect.Dy()
	if w <= 0 || h <= 0 || int64(w) >= 1<<31 || int64(h) >= 1<<31 {
		return nil, errImageSize
	}
	if len(p.Palette) == 0 || len(p.Palette) > 256 {
		return nil, errors.New("png: bad palette length")
	}
	// Mostly transparent signatures compress to about an eighth; the
	// palette chunks take up to 1 KB.
	out := make([]byte, 0, 1100+(w+1)*h/6)
	out = append(out, Signature...)
	hdr := Header{Width: w, Height: h, Depth: 8, ColourType: ColourIndexed}
	out = AppendChunk(out, "IHDR", hdr.AppendIHDR)
	plte, trns := paletteChunks(p.Palette)
	out = AppendChunk(out, "PLTE", func(b []byte) []byte { return append(b, plte...) })
	if len(trns) > 0 {
		out = AppendChunk(out, "tRNS", func(b []byte) []byte { return append(b, trns...) })
	}
	out = AppendChunk(out, "IDAT", func(b []byte) []byte { return appendRows(b, p) })
	return AppendChunk(out, "IEND", func(b []byte) []byte { return b }), nil
}

// AppendIHDR appends the data of h's IHDR chunk to b: deflate, adaptive
// filtering, interlaced or not.
func (h Header) AppendIHDR(b []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(h.Width))
	b = binary.BigEndian.AppendUint32(b, uint32(h.Height))
	interlace := byte(0)
	if h.Interlaced {
		interlace = 1
	}
	return append(b, byte(h.Depth), byte(h.ColourType), 0, 0, interlace)
}

// AppendChunk appends a chunk of the kind to b, its data appended by data,
// with its length and CRC.
func AppendChunk(b []byte, kind string, data func([]byte) []byte) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0)
	b = append(b, kind...)
	b = data(b)
	binary.BigEndian.PutUint32(b[start:], uint32(len(b)-start-8))
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start+4:]))
}

// paletteChunks returns the data of the PLTE and tRNS chunks for pal.
func paletteChunks(pal color.Palette) (plte, trns []byte) {
	plte = make([]byte, 3*len(pal))
	alphas := make([]byte, len(pal))
	last := -1
	for i, c := range pal {
		n := color.NRGBAModel.Convert(c).(color.NRGBA)
		plte[3*i], plte[3*i+1], plte[3*i+2], alphas[i] = n.R, n.G, n.B, n.A
		if n.A != 0xff {
			last = i
		}
	}
	return plte, alphas[:last+1]
}

// appendRows appends p's rows, each led by filter type 0 (none), as one
// zlib stream, compressed by internal/pdf/internal/deflate (its writers
// are shared with the PDF streams).
func appendRows(b []byte, p *image.Paletted) []byte {
	return deflate.Append(b, func(zw io.Writer) {
		w := p.Rect.Dx()
		row := make([]byte, 1+w)
		for y := p.Rect.Min.Y; y < p.Rect.Max.Y; y++ {
			copy(row[1:], p.Pix[p.PixOffset(p.Rect.Min.X, y):][:w])
			_, _ = zw.Write(row) // appending to a slice cannot fail
		}
	})
}
