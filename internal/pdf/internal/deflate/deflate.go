// Package deflate compresses PDF streams in the zlib format, which is what
// PDF's FlateDecode filter reads. The stamper, the certificate writer and
// the PNG encoder share it, and with it their idle compressors.
//
// The streams GSign writes are small and mostly flat (signature and text
// images, page contents, font subsets): the fastest compression level
// makes them a little larger but costs a fraction of the default level's
// CPU, and every completed envelope compresses dozens. The compressor is
// klauspost/compress's zlib: at its fastest level it compresses the
// certificate's font subsets and page contents in 25 to 45% of the CPU of
// the standard library's at its fastest, to within 3% of its size
// (smaller for page contents), and it gives the same bytes for the same
// input.
package deflate

import (
	"io"

	"github.com/klauspost/compress/zlib"

	"github.com/gsign/gsign/internal/pdf/internal/freelist"
)

// writers holds idle zlib writers at zlib.BestSpeed, for PDF streams and
// PNGs alike: one list, so that no idle writer waits for one use while
// another use makes its own. Setting up a compressor (about 800 KB,
// zeroed) costs about as much as compressing a small image with it.
var writers = freelist.New(func() *zlib.Writer {
	w, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed) // only fails for a bad level
	return w
})

// Compress returns b compressed in the zlib format.
func Compress(b []byte) []byte {
	// Flat streams compress to about a quarter or less; a font subset to
	// about 60%, which grows the slice once.
	return Append(make([]byte, 0, len(b)/4+64), func(w io.Writer) {
		_, _ = w.Write(b) // appending to a slice cannot fail
	})
}

// Append appends to dst one zlib stream of the bytes that fill writes to
// w, and returns the extended slice. Writes to w do not fail; fill must
// not keep w.
func Append(dst []byte, fill func(w io.Writer)) []byte {
	zw := writers.Get()
	out := &appender{b: dst}
	zw.Reset(out)
	fill(zw)
	_ = zw.Close()       // appending to a slice cannot fail
	zw.Reset(io.Discard) // an idle writer must not keep the output alive
	writers.Put(zw)
	return out.b
}

// appender is an io.Writer that appends to a slice.
type appender struct{ b []byte }

func (a *appender) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}
