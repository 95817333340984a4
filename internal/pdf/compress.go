package pdf

import (
	"bytes"
	"image"
	"image/png"
	"sync"
)

// Signature and text images are small and mostly flat: the fastest
// compression level makes them a little larger but costs a fraction of the
// default level's CPU, and every completed envelope compresses several.

// pngEncoder encodes PNGs at the fastest level, reusing the encoder's
// buffers and compressor between images.
var pngEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pngBuffers{}}

// pngBuffers is a png.EncoderBufferPool over a sync.Pool.
type pngBuffers struct{ pool sync.Pool }

func (p *pngBuffers) Get() *png.EncoderBuffer {
	b, _ := p.pool.Get().(*png.EncoderBuffer)
	return b // nil makes the encoder allocate one
}

func (p *pngBuffers) Put(b *png.EncoderBuffer) { p.pool.Put(b) }

// encodeFastPNG encodes img with pngEncoder.
func encodeFastPNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := pngEncoder.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
