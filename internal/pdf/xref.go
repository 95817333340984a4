package pdf

import (
	"bytes"
	"errors"
	"io"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/filter"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/gsign/gsign/internal/pdf/internal/deflate"
)

// GSign writes the cross-reference stream of a document without object
// streams itself. pdfcpu compresses its xref stream with a new zlib writer
// at the default level, whose set-up alone allocates and clears about
// 1 MB: for the small documents finalize writes, that was most of the
// writing's CPU. pdfcpu's classic table costs no compression but has its
// own faults (a /Size beyond the last object it keeps, which qpdf warns
// about, and gaps where unreferenced objects were left out). So pdfcpu
// writes the objects and its classic table, the table is held back and
// dropped, and an xref stream covering every number up to the last object
// takes its place, compressed with the pooled writer of package deflate.
//
// A document with object streams keeps pdfcpu's own xref stream: its
// compressed objects can only be listed there, and pdfcpu knows where it
// put them.

// maxGeneration is the largest generation number (PDF 7.5.4).
const maxGeneration = 65535

// errXRefNotFound means pdfcpu's classic table was not where the writer
// expected it; the output is then incomplete and must not be used.
var errXRefNotFound = errors.New("write xref: pdfcpu's cross-reference table is not where expected")

// writeOwnXRef writes doc, which has no object streams, with an xref
// stream of GSign's making. Everything up to pdfcpu's table reaches w as
// pdfcpu writes it; only the table and what follows it are held back.
func writeOwnXRef(doc *model.Context, w io.Writer) error {
	doc.WriteXRefStream = false
	tail := &tailWriter{w: w, hold: classicXRefBound(doc)}
	if err := writePDFCPU(doc, tail); err != nil {
		return err
	}
	start := doc.Write.Offset - tail.passed // pdfcpu's table starts at Offset
	if start < 0 || start > int64(len(tail.buf)) || !bytes.HasPrefix(tail.buf[start:], []byte("xref")) {
		return errXRefNotFound
	}
	out, err := appendXRefStream(tail.buf[:start], doc, doc.Write.Offset)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// classicXRefBound is more than the size of the classic table, trailer
// and end-of-file marker pdfcpu writes for doc: each entry takes 20 bytes
// and at most one subsection header of two numbers, and writing may add a
// few objects (an info dictionary) to the table.
func classicXRefBound(doc *model.Context) int {
	id := 0
	if doc.ID != nil {
		id = len(doc.ID.PDFString())
	}
	return 64*(len(doc.Table)+64) + 4096 + id
}

// appendXRefStream appends to b, which ends where the stream is to start
// at offset, the xref stream object of doc, startxref and %%EOF. The
// stream takes the number after the last object written; every number
// below it that was not written is a free entry, linked in ascending
// order from object 0 as PDF 7.5.4 describes.
func appendXRefStream(b []byte, doc *model.Context, offset int64) ([]byte, error) {
	if doc.Root == nil {
		return nil, errors.New("write xref: the document has no catalog")
	}
	self := 0
	for nr := range doc.Write.Table {
		self = max(self, nr+1)
	}
	width := byteWidth(max(offset, int64(self)))
	data := xrefEntries(doc, self, offset, width)
	d := types.Dict{
		"Type": types.Name("XRef"),
		"Size": types.Integer(self + 1),
		"W":    types.Array{types.Integer(1), types.Integer(width), types.Integer(2)},
		"Root": *doc.Root,
	}
	if doc.Info != nil {
		d["Info"] = *doc.Info
	}
	if doc.ID != nil {
		d["ID"] = doc.ID
	}
	raw := deflate.Compress(data)
	d["Filter"] = types.Name(filter.Flate)
	d["Length"] = types.Integer(len(raw))
	b = strconv.AppendInt(b, int64(self), 10)
	b = append(b, " 0 obj\n"...)
	b = append(b, d.PDFString()...)
	b = append(b, "\nstream\n"...)
	b = append(b, raw...)
	b = append(b, "\nendstream\nendobj\nstartxref\n"...)
	b = strconv.AppendInt(b, offset, 10)
	return append(b, "\n%%EOF\n"...), nil
}

// xrefEntries returns the xref stream's data for objects 0 to self, where
// self is the stream itself at offset.
func xrefEntries(doc *model.Context, self int, offset int64, width int) []byte {
	free := []int{0} // the free list, from its head, object 0
	for nr := 1; nr < self; nr++ {
		if _, _, ok := written(doc, nr); !ok {
			free = append(free, nr)
		}
	}
	data := make([]byte, 0, (self+1)*(3+width))
	k := 0 // free[k] is the next free entry
	for nr := 0; nr < self; nr++ {
		if off, gen, ok := written(doc, nr); ok {
			data = appendEntry(data, 1, off, gen, width)
			continue
		}
		link := 0 // the last free entry links back to the head
		if k+1 < len(free) {
			link = free[k+1]
		}
		k++
		data = appendEntry(data, 0, int64(link), freeGeneration(doc, nr), width)
	}
	return appendEntry(data, 1, offset, 0, width)
}

// written returns the offset and generation of object nr when pdfcpu
// wrote it and it is in use.
func written(doc *model.Context, nr int) (int64, int, bool) {
	off, found := doc.Write.Table[nr]
	e := doc.Table[nr]
	if !found || nr == 0 || e == nil || e.Free || e.Generation == nil {
		return 0, 0, false
	}
	return off, min(*e.Generation, maxGeneration), true
}

// freeGeneration is the generation a free entry for nr gives the next
// object to take the number: the one pdfcpu recorded for a free entry,
// one more than the last for an object that was left out.
func freeGeneration(doc *model.Context, nr int) int {
	e, found := doc.Table[nr]
	switch {
	case nr == 0:
		return maxGeneration
	case !found || e == nil || e.Generation == nil:
		return 0
	case e.Free:
		return min(*e.Generation, maxGeneration)
	default:
		return min(*e.Generation+1, maxGeneration)
	}
}

// appendEntry appends one xref stream entry with fields of 1, width and
// 2 bytes, big-endian.
func appendEntry(b []byte, typ byte, field2 int64, field3, width int) []byte {
	b = append(b, typ)
	for i := width - 1; i >= 0; i-- {
		b = append(b, byte(field2>>(8*i)))
	}
	return append(b, byte(field3>>8), byte(field3))
}

// byteWidth is the number of bytes that hold n, at least one.
func byteWidth(n int64) int {
	w := 1
	for n > 0xff {
		n >>= 8
		w++
	}
	return w
}

// tailWriter passes on to w all but the last hold bytes written to it,
// which it keeps in buf.
type tailWriter struct {
	w      io.Writer
	hold   int
	buf    []byte
	passed int64 // bytes passed on to w
}

func (t *tailWriter) Write(p []byte) (int, error) {
	n := len(p)
	if over := len(t.buf) + len(p) - t.hold; over > 0 {
		fromBuf := min(over, len(t.buf))
		if err := t.pass(t.buf[:fromBuf]); err != nil {
			return 0, err
		}
		t.buf = t.buf[:copy(t.buf, t.buf[fromBuf:])]
		if fromP := over - fromBuf; fromP > 0 {
			if err := t.pass(p[:fromP]); err != nil {
				return 0, err
			}
			p = p[fromP:]
		}
	}
	t.buf = append(t.buf, p...)
	return n, nil
}

func (t *tailWriter) pass(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	_, err := t.w.Write(p)
	t.passed += int64(len(p))
	return err
}
