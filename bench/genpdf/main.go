// Command genpdf writes large, valid, reproducible PDFs for bench/seal.sh:
//
//	go run ./bench/genpdf -kind images -size 50MB -out images.pdf
//	go run ./bench/genpdf -kind objects -objects 80000 -size 50MB -out objects.pdf
//
// "images" is a few dozen pages, each drawing one large uncompressed RGB
// image of noise: few objects, nearly all bytes in streams. "objects" is
// thousands of pages of text with link and note annotations, so that the
// file holds about the requested number of indirect objects. Both have a
// classic cross-reference table and a balanced page tree. The same flags
// always give the same bytes.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "genpdf:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("genpdf", flag.ContinueOnError)
	kind := fs.String("kind", "images", "images | objects")
	sizeFlag := fs.String("size", "50MB", "approximate file size (B, KB, MB, GB; binary multiples)")
	objects := fs.Int("objects", 80000, "approximate number of indirect objects (-kind objects)")
	pages := fs.Int("pages", 40, "number of pages, one image each (-kind images)")
	out := fs.String("out", "", "the PDF to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	size, err := parseSize(*sizeFlag)
	if err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-out is required")
	}
	var doc document
	switch *kind {
	case "images":
		doc = newImages(size, max(1, *pages))
	case "objects":
		doc = newObjects(size, max(100, *objects))
	default:
		return fmt.Errorf("unknown -kind %q (want images or objects)", *kind)
	}
	return writeFile(*out, doc)
}

// parseSize reads "50MB", "512KB", "1GB" or a plain number of bytes.
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}}
	u := strings.ToUpper(strings.TrimSpace(s))
	for _, unit := range units {
		if num, ok := strings.CutSuffix(u, unit.suffix); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
			if err != nil || n <= 0 {
				return 0, fmt.Errorf("bad -size %q", s)
			}
			return n * unit.mult, nil
		}
	}
	n, err := strconv.ParseInt(u, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad -size %q", s)
	}
	return n, nil
}

// document is one kind of generated PDF: the number of pages, the objects
// every page shares, and the objects of each page.
type document interface {
	pageCount() int
	// shared writes the objects all pages refer to.
	shared(w *pdfWriter)
	// page writes page i's objects other than its /Page dictionary and
	// returns the entries that dictionary adds to /Type, /Parent and
	// /MediaBox.
	page(w *pdfWriter, i int) string
}

func writeFile(path string, doc document) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw, doc); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// write renders doc: header, catalog and info, shared objects, the pages,
// the page tree, and a classic xref table.
func write(out io.Writer, doc document) error {
	w := &pdfWriter{out: out}
	w.raw("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	catalog, info := w.alloc(), w.alloc()
	tree := newPageTree(w, doc.pageCount())
	w.object(catalog, "<< /Type /Catalog /Pages %d 0 R >>", tree.root)
	w.object(info, "<< /Producer (gsign bench/genpdf) /Title (Benchmark input) /CreationDate (D:20250101000000Z) >>")
	doc.shared(w)
	for i := range doc.pageCount() {
		extra := doc.page(w, i)
		w.object(tree.pages[i], "<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] %s >>", tree.parent[tree.pages[i]], extra)
	}
	tree.write(w)
	w.xref(catalog, info)
	return w.err
}

// pdfWriter writes numbered objects and remembers their offsets.
type pdfWriter struct {
	out     io.Writer
	n       int64
	offsets []int64 // by object number; [0] is the free-list head
	err     error
}

// alloc reserves the next object number.
func (w *pdfWriter) alloc() int {
	if len(w.offsets) == 0 {
		w.offsets = append(w.offsets, 0)
	}
	w.offsets = append(w.offsets, -1)
	return len(w.offsets) - 1
}

func (w *pdfWriter) raw(s string) { w.bytes([]byte(s)) }

func (w *pdfWriter) bytes(b []byte) {
	if w.err != nil {
		return
	}
	k, err := w.out.Write(b)
	w.n += int64(k)
	w.err = err
}

// object writes object num with a dictionary or other direct value.
func (w *pdfWriter) object(num int, format string, args ...any) {
	w.offsets[num] = w.n
	w.raw(fmt.Sprintf("%d 0 obj\n", num) + fmt.Sprintf(format, args...) + "\nendobj\n")
}

// stream writes object num as a stream with the dictionary entries dict
// and the given data.
func (w *pdfWriter) stream(num int, dict string, data []byte) {
	w.offsets[num] = w.n
	w.raw(fmt.Sprintf("%d 0 obj\n<< %s /Length %d >>\nstream\n", num, dict, len(data)))
	w.bytes(data)
	w.raw("\nendstream\nendobj\n")
}

// xref writes the cross-reference table and the trailer.
func (w *pdfWriter) xref(root, info int) {
	start := w.n
	var b strings.Builder
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(w.offsets))
	for num, off := range w.offsets[1:] {
		if off < 0 {
			w.err = fmt.Errorf("object %d was allocated but not written", num+1)
			return
		}
		fmt.Fprintf(&b, "%010d 00000 n\r\n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%032x> <%032x>] >>\nstartxref\n%d\n%%%%EOF\n",
		len(w.offsets), root, info, len(w.offsets), len(w.offsets), start)
	w.raw(b.String())
}

// pageTree is a balanced tree of /Pages nodes over the page objects.
type pageTree struct {
	root   int
	pages  []int
	nodes  [][]int     // the kids of each /Pages node, by node number
	nodeID []int       // node object numbers, in nodes' order
	parent map[int]int // object number -> its parent /Pages node
	count  map[int]int // /Pages node -> the pages below it
}

const treeFanout = 32

// newPageTree allocates the page objects and then the tree above them.
func newPageTree(w *pdfWriter, n int) *pageTree {
	t := &pageTree{parent: map[int]int{}, count: map[int]int{}}
	for range n {
		t.pages = append(t.pages, w.alloc())
	}
	level, weight := t.pages, make([]int, n)
	for i := range weight {
		weight[i] = 1
	}
	for len(level) > 1 || t.root == 0 {
		var up, upWeight []int
		for i := 0; i < len(level); i += treeFanout {
			kids := level[i:min(i+treeFanout, len(level))]
			node, sum := w.alloc(), 0
			for j, k := range kids {
				t.parent[k] = node
				sum += weight[i+j]
			}
			t.nodes, t.nodeID = append(t.nodes, kids), append(t.nodeID, node)
			t.count[node] = sum
			up, upWeight = append(up, node), append(upWeight, sum)
		}
		level, weight, t.root = up, upWeight, up[0]
	}
	return t
}

// write writes the /Pages nodes.
func (t *pageTree) write(w *pdfWriter) {
	for i, node := range t.nodeID {
		var kids strings.Builder
		for _, k := range t.nodes[i] {
			fmt.Fprintf(&kids, "%d 0 R ", k)
		}
		parent := ""
		if p, ok := t.parent[node]; ok {
			parent = fmt.Sprintf("/Parent %d 0 R ", p)
		}
		w.object(node, "<< /Type /Pages %s/Kids [%s] /Count %d >>", parent, kids.String(), t.count[node])
	}
}

// images is -kind images: one noise image per page.
type images struct {
	pages         int
	width, height int
	font          int
	rng           *rand.ChaCha8
}

func newImages(size int64, pages int) *images {
	const width = 1024
	perPage := size/int64(pages) - 600 // the page, its content and the image dictionary
	height := max(1, int(perPage/(3*width)))
	return &images{pages: pages, width: width, height: height, rng: rand.NewChaCha8([32]byte{'i', 'm', 'g'})}
}

func (d *images) pageCount() int { return d.pages }

func (d *images) shared(w *pdfWriter) {
	d.font = w.alloc()
	w.object(d.font, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
}

func (d *images) page(w *pdfWriter, i int) string {
	img, content := w.alloc(), w.alloc()
	pixels := make([]byte, 3*d.width*d.height)
	d.rng.Read(pixels) // noise: no filter could shrink it, so the file stays at size
	w.stream(img, fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8", d.width, d.height), pixels)
	text := fmt.Sprintf("q 540 0 0 700 36 60 cm /Im1 Do Q\nBT /F1 12 Tf 36 770 Td (Image page %d of %d) Tj ET\n", i+1, d.pages)
	w.stream(content, "", []byte(text))
	return fmt.Sprintf("/Resources << /Font << /F1 %d 0 R >> /XObject << /Im1 %d 0 R >> >> /Contents %d 0 R", d.font, img, content)
}
