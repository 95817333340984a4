package pdf

import (
	"bytes"
	"compress/zlib"
	"io"

	"github.com/gsign/gsign/internal/pdf/internal/freelist"
)

// Signature and text images are small and mostly flat: the fastest
// compression level makes them a little larger but costs a fraction of the
// default level's CPU, and every completed envelope compresses several.
// PNGs are encoded by internal/pdf/internal/fastpng.

// zlibWriters holds idle zlib writers at zlib.BestSpeed. Setting up a
// compressor costs about as much as compressing a small image with it.
var zlibWriters = freelist.New(func() *zlib.Writer {
	w, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed) // only fails for a bad level
	return w
})

// deflate returns b compressed in the zlib format, which is what PDF's
// FlateDecode filter reads.
func deflate(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/4 + 64)
	w := zlibWriters.Get()
	w.Reset(&buf)
	// Writes to a bytes.Buffer cannot fail.
	_, _ = w.Write(b)
	_ = w.Close()
	w.Reset(io.Discard) // an idle writer must not keep the output alive
	zlibWriters.Put(w)
	return buf.Bytes()
}
