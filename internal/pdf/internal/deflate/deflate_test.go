package deflate

import (
	"bytes"
	"compress/zlib"
	"io"
	"testing"
)

// Compress gives a zlib stream that inflates to its input, also when the
// writers are reused.
func TestCompressRoundTrip(t *testing.T) {
	for i, in := range [][]byte{nil, []byte("q 1 0 0 1 0 0 cm Q"), bytes.Repeat([]byte("0123456789abcdef"), 5000)} {
		for range 3 {
			r, err := zlib.NewReader(bytes.NewReader(Compress(in)))
			if err != nil {
				t.Fatalf("%d: %v", i, err)
			}
			out, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(out, in) {
				t.Fatalf("%d: inflates to %d bytes (%v), want %d", i, len(out), err, len(in))
			}
		}
	}
}
