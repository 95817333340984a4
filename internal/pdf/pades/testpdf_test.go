package pades

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"slices"
	"strings"
)

// testDoc describes a PDF to build by hand: numbered objects (a body
// starting with "<<" and containing "stream" is written as given), trailer
// entries besides /Size and /Root, and how the cross-reference is written.
type testDoc struct {
	objects map[int]string
	trailer string // extra trailer entries, e.g. "/Info 9 0 R"
}

// xrefMode is how a testDoc writes its cross-reference.
type xrefMode int

const (
	modeTable  xrefMode = iota // classic table
	modeStream                 // xref stream, non-stream objects in an object stream
	modeHybrid                 // classic table with /XRefStm for compressed objects
)

func (m xrefMode) String() string {
	return [...]string{"table", "stream", "hybrid"}[m]
}

// content returns a page content stream showing text.
func content(text string) string {
	body := fmt.Sprintf("BT /F1 24 Tf 72 720 Td (%s) Tj ET", text)
	return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(body), body)
}

// pageDoc is a document of n pages in a flat page tree. Objects: 1 catalog,
// 2 pages, 3 font, 4 info, then page i at 10+2i and its content at 11+2i.
func pageDoc(n int) *testDoc {
	d := &testDoc{objects: map[int]string{
		1: "<< /Type /Catalog /Pages 2 0 R >>",
		3: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		4: "<< /Producer (gsign test) /Title (Test \\(doc\\)) >>",
	}, trailer: "/Info 4 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>]"}
	var kids []string
	for i := range n {
		num := 10 + 2*i
		kids = append(kids, fmt.Sprintf("%d 0 R", num))
		d.objects[num] = fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", num+1)
		d.objects[num+1] = content(fmt.Sprintf("Page %d", i+1))
	}
	d.objects[2] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n)
	return d
}

func (d *testDoc) nums() []int {
	var nums []int
	for n := range d.objects {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	return nums
}

func (d *testDoc) size() int { return slices.Max(d.nums()) + 1 }

func isStream(body string) bool { return strings.Contains(body, "stream\n") }

// build writes the document.
func (d *testDoc) build(mode xrefMode) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := map[int]int{}
	compressed := map[int]bool{}
	for _, n := range d.nums() {
		// A hybrid file keeps the catalog where table-only readers find it.
		if mode != modeTable && !isStream(d.objects[n]) && (n != 1 || mode == modeStream) {
			compressed[n] = true
			continue
		}
		offsets[n] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, d.objects[n])
	}
	if mode == modeTable {
		d.writeTable(&b, offsets, d.size(), "")
		return b.Bytes()
	}
	stm, xref := d.size(), d.size()+1
	index := d.writeObjStm(&b, stm, compressed, offsets)
	if mode == modeHybrid {
		xoff := b.Len()
		d.writeXRefStream(&b, xref, offsets, index, stm, compressed, false)
		d.writeTable(&b, offsets, xref+1, fmt.Sprintf(" /XRefStm %d", xoff))
		return b.Bytes()
	}
	d.writeXRefStream(&b, xref, offsets, index, stm, compressed, true)
	return b.Bytes()
}

func (d *testDoc) writeTable(b *bytes.Buffer, offsets map[int]int, size int, extra string) {
	start := b.Len()
	b.WriteString("xref\n0 1\n0000000000 65535 f \n")
	// One subsection per run of objects written here, so that a hybrid
	// file's compressed objects are found only through its /XRefStm.
	for n := 1; n < size; n++ {
		if _, ok := offsets[n]; !ok {
			continue
		}
		run := n
		for _, ok := offsets[run]; ok; _, ok = offsets[run] {
			run++
		}
		fmt.Fprintf(b, "%d %d\n", n, run-n)
		for ; n < run; n++ {
			fmt.Fprintf(b, "%010d 00000 n \n", offsets[n])
		}
	}
	fmt.Fprintf(b, "trailer\n<< /Size %d /Root 1 0 R %s%s >>\nstartxref\n%d\n%%%%EOF\n", size, d.trailer, extra, start)
}

// writeObjStm writes the compressed objects into object stream stm and
// returns each one's index in it.
func (d *testDoc) writeObjStm(b *bytes.Buffer, stm int, compressed map[int]bool, offsets map[int]int) map[int]int {
	var header, body strings.Builder
	index := map[int]int{}
	for _, n := range d.nums() {
		if !compressed[n] {
			continue
		}
		index[n] = len(index)
		fmt.Fprintf(&header, "%d %d ", n, body.Len())
		body.WriteString(d.objects[n] + "\n")
	}
	data := deflate([]byte(header.String() + body.String()))
	offsets[stm] = b.Len()
	fmt.Fprintf(b, "%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n", stm, len(index), header.Len(), len(data))
	b.Write(data)
	b.WriteString("\nendstream\nendobj\n")
	return index
}

// writeXRefStream writes an xref stream with the PNG Up predictor. For a
// hybrid file it lists only the compressed objects and has no startxref.
func (d *testDoc) writeXRefStream(b *bytes.Buffer, num int, offsets, index map[int]int, stm int, compressed map[int]bool, full bool) {
	offsets[num] = b.Len()
	var rows [][]byte
	for n := range num + 1 {
		row := []byte{0, 0, 0, 0, 0}
		switch {
		case compressed[n]:
			row = []byte{2, 0, byte(stm >> 8), byte(stm), byte(index[n])}
		case full && offsets[n] > 0:
			off := offsets[n]
			row = []byte{1, byte(off >> 16), byte(off >> 8), byte(off), 0}
		}
		rows = append(rows, row)
	}
	data := deflate(pngUp(rows))
	trailer := d.trailer
	if !full {
		trailer = ""
	}
	fmt.Fprintf(b, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 3 1] /Root 1 0 R %s /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 5 >> /Length %d >>\nstream\n", num, num+1, trailer, len(data))
	b.Write(data)
	b.WriteString("\nendstream\nendobj\n")
	if full {
		fmt.Fprintf(b, "startxref\n%d\n%%%%EOF\n", offsets[num])
	}
}

// pngUp applies the PNG Up filter to each row.
func pngUp(rows [][]byte) []byte {
	var out []byte
	prev := make([]byte, len(rows[0]))
	for _, row := range rows {
		out = append(out, 2)
		for i, c := range row {
			out = append(out, c-prev[i])
		}
		prev = row
	}
	return out
}

func deflate(b []byte) []byte {
	var buf bytes.Buffer
	z := zlib.NewWriter(&buf)
	z.Write(b)
	z.Close()
	return buf.Bytes()
}
