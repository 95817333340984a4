// Package deflate compresses PDF streams in the zlib format, which is what
// PDF's FlateDecode filter reads. The stamper and the certificate writer
// share it, and with it their idle compressors.
//
// The streams GSign writes are small and mostly flat (signature and text
// images, page contents, font subsets): the fastest compression level
// makes them a little larger but costs a fraction of the default level's
// CPU, and every completed envelope compresses dozens. PNGs are encoded by
// internal/pdf/internal/fastpng.
package deflate

import (
	"bytes"
	"compress/zlib"
	"io"

	"github.com/gsign/gsign/internal/pdf/internal/freelist"
)

// writers holds idle zlib writers at zlib.BestSpeed. Setting up a
// compressor (about 1 MB, zeroed) costs about as much as compressing a
// small image with it.
var writers = freelist.New(func() *zlib.Writer {
	w, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed) // only fails for a bad level
	return w
})

// Compress returns b compressed in the zlib format.
func Compress(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/4 + 64)
	w := writers.Get()
	w.Reset(&buf)
	// Writes to a bytes.Buffer cannot fail.
	_, _ = w.Write(b)
	_ = w.Close()
	w.Reset(io.Discard) // an idle writer must not keep the output alive
	writers.Put(w)
	return buf.Bytes()
}
