// Package fastpng encodes the small, mostly flat images GSign makes
// (signatures, text, their flattened copies for the certificate) at the
// fastest compression level, reusing encoders. It is shared by the stamper
// and the certificate, which must not import each other.
package fastpng

import (
	"bytes"
	"image"
	"image/png"

	"github.com/gsign/gsign/internal/pdf/internal/freelist"
)

// encoder encodes at the fastest level: these images come out a little
// larger than at the default level for a fraction of its CPU, and every
// completed envelope encodes several. Its buffer pool keeps the zlib
// writer between images, since setting one up (about 1 MB, zeroed) costs
// about as much as compressing a signature with it.
var encoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: newBuffers()}

// buffers is a png.EncoderBufferPool over a free list.
type buffers struct {
	list *freelist.List[*png.EncoderBuffer]
}

func newBuffers() *buffers {
	return &buffers{list: freelist.New(func() *png.EncoderBuffer { return nil })}
}

// Get returns an idle buffer, or nil when there is none.
func (p *buffers) Get() *png.EncoderBuffer {
	return p.list.Get() // nil makes the encoder allocate one
}

// Put keeps b for a later image.
func (p *buffers) Put(b *png.EncoderBuffer) { p.list.Put(b) }

// Encode returns img as a PNG. image/png picks the smallest colour type
// that holds img exactly: an opaque *image.RGBA becomes 8-bit RGB, an
// *image.Paletted an indexed image of 1 to 8 bits per pixel. An
// *image.Paletted of more than 16 colours, as typed signatures and text
// images are, becomes the same 8-bit indexed PNG, written by
// encodeIndexed.
func Encode(img image.Image) ([]byte, error) {
	if p, ok := img.(*image.Paletted); ok && len(p.Palette) > 16 {
		return encodeIndexed(p)
	}
	var buf bytes.Buffer
	if err := encoder.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
