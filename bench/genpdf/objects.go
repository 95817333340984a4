package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
)

// objects is -kind objects: many pages of text, each with its own resource
// dictionary and link and note annotations, all as indirect objects.
type objects struct {
	pages      int
	contentLen int // bytes of each page's content stream
	fonts      []int
	gs         int
	rng        *rand.Rand
}

// Each page is its /Page, its content stream, its resources and
// annotsPerPage annotations.
const (
	annotsPerPage = 5
	objsPerPage   = 3 + annotsPerPage
	sharedObjs    = 2 + len(baseFonts) + 1 // catalog, info, fonts, graphics state
)

var baseFonts = [...]string{"Helvetica", "Helvetica-Bold", "Times-Roman", "Times-Italic", "Courier", "Symbol"}

var words = strings.Fields(`invoice contract lease party agreement term payment clause notice
	schedule annex witness hereby whereas tenant landlord premises deposit liability warranty
	amendment signature date effective governing law jurisdiction confidential termination`)

func newObjects(size int64, target int) *objects {
	// Objects: sharedObjs + pages*objsPerPage + about pages/treeFanout nodes.
	pages := max(1, int(float64(target-sharedObjs)/(objsPerPage+1.0/treeFanout)))
	d := &objects{pages: pages, rng: rand.New(rand.NewPCG(80, 0))}
	d.contentLen = max(64, int(size/int64(pages))-d.overhead())
	return d
}

// overhead measures the bytes a page costs besides its content: its
// objects with an empty content stream, its /Page dictionary, its xref
// entries and its share of the page tree.
func (d *objects) overhead() int {
	w := &pdfWriter{out: io.Discard}
	d.fonts, d.gs = make([]int, len(baseFonts)), 0
	for range objsPerPage + 1 {
		w.alloc()
	}
	extra := d.page(w, d.pages-1)
	pageDict := len(fmt.Sprintf("%d 0 obj\n<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] %s >>\nendobj\n", d.pages, d.pages, extra))
	d.rng = rand.New(rand.NewPCG(80, 0)) // the real pages start from the same seed
	return int(w.n) + pageDict + 20*objsPerPage + 12
}

func (d *objects) pageCount() int { return d.pages }

func (d *objects) shared(w *pdfWriter) {
	d.fonts = d.fonts[:0]
	for _, name := range baseFonts {
		f := w.alloc()
		w.object(f, "<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>", name)
		d.fonts = append(d.fonts, f)
	}
	d.gs = w.alloc()
	w.object(d.gs, "<< /Type /ExtGState /CA 1 /ca 1 /LW 1 >>")
}

func (d *objects) page(w *pdfWriter, i int) string {
	content, res := w.alloc(), w.alloc()
	f1, f2 := d.fonts[i%len(d.fonts)], d.fonts[(i+1)%len(d.fonts)]
	w.object(res, "<< /Font << /F1 %d 0 R /F2 %d 0 R >> /ExtGState << /GS1 %d 0 R >> /ProcSet [/PDF /Text] >>", f1, f2, d.gs)
	w.stream(content, "", d.text(i))
	var annots strings.Builder
	for j := range annotsPerPage {
		a := w.alloc()
		fmt.Fprintf(&annots, "%d 0 R ", a)
		w.object(a, "%s", d.annot(i, j))
	}
	return fmt.Sprintf("/Resources %d 0 R /Contents %d 0 R /Annots [%s]", res, content, annots.String())
}

// annot is a link to a web page, or for the last one a closed note.
func (d *objects) annot(page, j int) string {
	y := 700 - 120*j
	if j == annotsPerPage-1 {
		return fmt.Sprintf("<< /Type /Annot /Subtype /Text /Rect [560 %d 580 %d] /Contents (Reviewer note %d on page %d: check the %s clause) /Open false /Name /Comment /F 4 >>",
			y, y+20, j+1, page+1, d.word())
	}
	return fmt.Sprintf("<< /Type /Annot /Subtype /Link /Rect [36 %d 300 %d] /Border [0 0 0] /F 4 /A << /S /URI /URI (https://example.com/docs/%d/%s#%d) >> >>",
		y, y+14, page+1, d.word(), j)
}

// text is a content stream of exactly contentLen bytes of text lines.
func (d *objects) text(page int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "/GS1 gs BT /F2 14 Tf 36 760 Td (Page %d) Tj ET\n", page+1)
	for line := 0; ; line++ {
		s := fmt.Sprintf("BT /F1 9 Tf %d %d Td (%s %s %s %s %s %s) Tj ET\n", 36+line%3*4, 740-line*11%700,
			d.word(), d.word(), d.word(), d.word(), d.word(), d.word())
		if b.Len()+len(s) > d.contentLen-2 {
			break
		}
		b.WriteString(s)
	}
	if pad := d.contentLen - b.Len(); pad >= 2 { // a comment fills the rest
		b.WriteString("%" + strings.Repeat(" ", pad-2) + "\n")
	}
	return b.Bytes()
}

func (d *objects) word() string { return words[d.rng.IntN(len(words))] }
