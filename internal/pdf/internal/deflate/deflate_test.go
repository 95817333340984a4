package deflate

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
)

// inputs are streams like GSign's: empty, tiny, an ink palette's lookup
// table (the stamper's), a palette on white (the certificate's), a page
// content, flat pixels, and bytes that do not compress.
func inputs() [][]byte {
	noise := make([]byte, 40000)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	var content bytes.Buffer
	for i := range 300 {
		fmt.Fprintf(&content, "BT /F1 8 Tf 51.02 %d.64 Td <0026004800550057004c> Tj ET\n", 800-i)
	}
	onWhite := make([]byte, 0, 768)
	for i := range 256 {
		onWhite = append(onWhite, byte(255-i*(255-0x1a)/255), byte(255-i*(255-0x2b)/255), byte(255-i*(255-0x6d)/255))
	}
	return [][]byte{nil, {'\n'}, []byte("q 1 0 0 1 0 0 cm Q"), bytes.Repeat([]byte{0x1a, 0x2b, 0x6d}, 256), onWhite, content.Bytes(),
		bytes.Repeat([]byte("0123456789abcdef"), 5000), make([]byte, 100000), noise}
}

// inflate returns what the zlib stream z inflates to with the standard
// library's reader, as PDF readers would.
func inflate(t *testing.T, z []byte) []byte {
	t.Helper()
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Compress gives a zlib stream that inflates to its input, also when the
// writers are reused.
func TestCompressRoundTrip(t *testing.T) {
	for i, in := range inputs() {
		for range 3 {
			if out := inflate(t, Compress(in)); !bytes.Equal(out, in) {
				t.Fatalf("%d: inflates to %d bytes, want %d", i, len(out), len(in))
			}
		}
	}
}

// A reused writer gives the same bytes as a new one: nothing of an
// earlier input carries over, so the output depends only on the input.
func TestCompressReusedWriterSameBytes(t *testing.T) {
	ins := inputs()
	first := make([][]byte, len(ins))
	for i, in := range ins {
		first[i] = Compress(in)
	}
	for i := len(ins) - 1; i >= 0; i-- {
		if got := Compress(ins[i]); !bytes.Equal(got, first[i]) {
			t.Fatalf("%d: a reused writer gives %d bytes, a first use %d", i, len(got), len(first[i]))
		}
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i, in := range ins {
				if got := Compress(in); !bytes.Equal(got, first[i]) {
					t.Errorf("%d: concurrently, %d bytes, want %d", i, len(got), len(first[i]))
				}
			}
		})
	}
	wg.Wait()
}

// Append keeps what dst holds and appends the stream Compress gives for
// all that fill writes, however many writes that takes.
func TestAppend(t *testing.T) {
	in := inputs()[5] // the page content
	prefix := []byte("PNG-chunk-header")
	got := Append(bytes.Clone(prefix), func(w io.Writer) {
		for chunk := range bytes.Lines(in) {
			_, _ = w.Write(chunk)
		}
	})
	if !bytes.HasPrefix(got, prefix) {
		t.Fatalf("dst's bytes are lost: %q", got[:len(prefix)])
	}
	if want := Compress(in); !bytes.Equal(got[len(prefix):], want) {
		t.Fatalf("appends %d bytes, Compress gives %d", len(got)-len(prefix), len(want))
	}
}

// BenchmarkCompress compresses each of inputs' streams.
func BenchmarkCompress(b *testing.B) {
	for _, in := range inputs()[2:] {
		b.Run(fmt.Sprint(len(in)), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			var out []byte
			for b.Loop() {
				out = Compress(in)
			}
			b.ReportMetric(float64(len(out)), "out-B/op")
		})
	}
}
