package pades

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkSeal seals a large generated PDF (GSIGN_BENCH_MB megabytes,
// default 48, in pages of about 8 KB) from a file to a file, as the seal
// job does. GSIGN_BENCH_PDF names an existing file to seal instead, so that
// a script can compare with `pdfsig -add-signature` on the same input. The
// timestamp comes from an in-process TSA: its cost, not a network's, is
// measured. MB/s is over the input size; B/op is independent of it.
func BenchmarkSeal(b *testing.B) {
	pki := getPKI(b)
	s := &Sealer{Signer: pki.rsaKey, Chain: pki.sealer(b, false).Chain, TSA: localTSA{pki: pki}}
	if path := os.Getenv("GSIGN_BENCH_PDF"); path != "" {
		b.Run("file", func(b *testing.B) { benchSeal(b, s, path) })
		return
	}
	mb := 48
	if v, err := strconv.Atoi(os.Getenv("GSIGN_BENCH_MB")); err == nil && v > 0 {
		mb = v
	}
	for _, mode := range []xrefMode{modeTable, modeStream} {
		b.Run(fmt.Sprintf("xref=%s/%dMB", mode, mb), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "big.pdf")
			if err := writeBigPDF(path, mb<<20, mode); err != nil {
				b.Fatal(err)
			}
			benchSeal(b, s, path)
		})
	}
}

func benchSeal(b *testing.B, s *Sealer, path string) {
	in, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		b.Fatal(err)
	}
	outPath := filepath.Join(b.TempDir(), "sealed.pdf")
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		out, err := os.Create(outPath)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Seal(context.Background(), in, out, testInfo); err != nil {
			b.Fatal(err)
		}
		if err := out.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// writeBigPDF streams a PDF of about size bytes to path: pages of about
// 8 KB of uncompressed text each, indexed by a classic table or by an
// xref stream.
func writeBigPDF(path string, size int, mode xrefMode) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cw := &countingWriter{w: bufio.NewWriterSize(f, 1<<20)}
	pages := max(1, size/8300)
	offsets := make([]int64, 4+2*pages)
	obj := func(n int, format string, args ...any) {
		offsets[n] = cw.n
		fmt.Fprintf(cw, "%d 0 obj\n", n)
		fmt.Fprintf(cw, format, args...)
		io.WriteString(cw, "\nendobj\n")
	}
	io.WriteString(cw, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	var kids bytes.Buffer
	for i := range pages {
		fmt.Fprintf(&kids, "%d 0 R ", 4+2*i)
	}
	obj(2, "<< /Type /Pages /Kids [%s] /Count %d >>", kids.String(), pages)
	obj(3, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	for i := range pages {
		obj(4+2*i, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i)
		body := pageText(i)
		obj(5+2*i, "<< /Length %d >>\nstream\n%s\nendstream", len(body), body)
	}
	if mode == modeStream {
		writeBigXRefStream(cw, offsets)
	} else {
		writeBigXRefTable(cw, offsets)
	}
	if err := cw.w.(*bufio.Writer).Flush(); err != nil {
		return err
	}
	return f.Close()
}

// pageText is about 8 KB of text-drawing operators.
func pageText(page int) []byte {
	var b bytes.Buffer
	for line := 0; b.Len() < 8000; line++ {
		fmt.Fprintf(&b, "BT /F1 9 Tf 36 %d Td (Page %d line %d: the quick brown fox jumps over the lazy dog) Tj ET\n", 760-line*10%720, page+1, line)
	}
	return b.Bytes()
}

func writeBigXRefTable(cw *countingWriter, offsets []int64) {
	start := cw.n
	fmt.Fprintf(cw, "xref\n0 %d\n0000000000 65535 f\r\n", len(offsets))
	for _, off := range offsets[1:] {
		fmt.Fprintf(cw, "%010d 00000 n\r\n", off)
	}
	fmt.Fprintf(cw, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets), start)
}

func writeBigXRefStream(cw *countingWriter, offsets []int64) {
	self := len(offsets)
	start := cw.n
	offsets = append(offsets, start)
	data := make([]byte, 0, 7*len(offsets))
	for n, off := range offsets {
		typ := byte(1)
		if n == 0 {
			typ = 0
		}
		data = append(data, typ)
		data = binary.BigEndian.AppendUint32(data, uint32(off))
		data = append(data, 0, 0)
	}
	data = deflate(pngUp(splitRows(data, 7)))
	fmt.Fprintf(cw, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 7 >> /Length %d >>\nstream\n", self, self+1, len(data))
	cw.Write(data)
	fmt.Fprintf(cw, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", start)
}

func splitRows(b []byte, n int) [][]byte {
	var rows [][]byte
	for len(b) >= n {
		rows = append(rows, b[:n])
		b = b[n:]
	}
	return rows
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// TestBenchmarkInput seals small versions of the benchmark's documents, so
// that the benchmark measures valid output.
func TestBenchmarkInput(t *testing.T) {
	pki := getPKI(t)
	for _, mode := range []xrefMode{modeTable, modeStream} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "big.pdf")
			if err := writeBigPDF(path, 1<<20, mode); err != nil {
				t.Fatal(err)
			}
			orig, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			checkSealed(t, orig, seal(t, pki.sealer(t, false), orig, testInfo), 1)
		})
	}
}
