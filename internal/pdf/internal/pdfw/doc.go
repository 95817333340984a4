// Package pdfw writes small PDF documents from scratch: pages of text in
// embedded TrueType subsets or Courier, lines, rectangles and PNG images.
// The certificate of completion is written with it.
//
// It is built for throughput: fonts are parsed once per process and
// shared by every document (see Font) with the subsets recent documents
// embedded, streams are compressed with pooled compressors
// (internal/pdf/internal/deflate), and PNG image data goes
// into the PDF as it is. The output depends only on what was drawn: the
// same calls give the same bytes.
package pdfw

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/gsign/gsign/internal/pdf/internal/deflate"
)

// Metadata is what a document says about itself: its information
// dictionary and its language.
type Metadata struct {
	Title, Subject, Creator, Producer string
	Created, Modified                 time.Time
	Lang                              string // such as "en"; none when empty
}

// Document is a PDF being drawn. It is not safe for concurrent use.
type Document struct {
	meta          Metadata
	width, height float64 // of every page, in points
	pages         []*Page
	fonts         []*fontUse // in the order of first use
	fontByFont    map[*Font]*fontUse
	images        []*Image
}

// New returns an empty document whose pages are width×height points.
func New(width, height float64, meta Metadata) *Document {
	return &Document{meta: meta, width: width, height: height, fontByFont: map[*Font]*fontUse{}}
}

// AddPage appends a page and returns it.
func (d *Document) AddPage() *Page {
	p := newPage(d)
	d.pages = append(d.pages, p)
	return p
}

// use returns f's use in d, making f a resource of d on first use.
func (d *Document) use(f *Font) *fontUse {
	if u, ok := d.fontByFont[f]; ok {
		return u
	}
	u := &fontUse{font: f, name: "F" + strconv.Itoa(len(d.fonts)+1)}
	if !f.standard() {
		u.used, u.runes = make([]bool, len(f.widths)), make([]rune, len(f.widths))
	}
	d.fonts = append(d.fonts, u)
	d.fontByFont[f] = u
	return u
}

// WriteTo writes the document as a PDF, with a cross-reference table.
func (d *Document) WriteTo(w io.Writer) (int64, error) {
	return d.write(w, &objects{})
}

// WriteKept writes the document like WriteTo and returns its objects as
// they were written (see Kept).
func (d *Document) WriteKept(w io.Writer) (*Kept, error) {
	o := &objects{kept: &Kept{}}
	if _, err := d.write(w, o); err != nil {
		return nil, err
	}
	return o.kept, nil
}

func (d *Document) write(w io.Writer, o *objects) (int64, error) {
	o.buf.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	catalog, pages, info, resources := o.alloc(), o.alloc(), o.alloc(), o.alloc()
	kids := make([]byte, 0, 8*len(d.pages))
	for _, p := range d.pages {
		ref, contents := o.alloc(), o.alloc()
		kids = fmt.Appendf(kids, "%d 0 R ", ref)
		o.dict(ref, fmt.Sprintf("/Type /Page /Parent %d 0 R /Resources %d 0 R /Contents %d 0 R", pages, resources, contents))
		o.stream(contents, "", deflate.Compress(p.content))
	}
	o.dict(pages, fmt.Sprintf("/Type /Pages /MediaBox [0 0 %s %s] /Count %d /Kids [%s]",
		appendNumber(nil, d.width), appendNumber(nil, d.height), len(d.pages), bytes.TrimSpace(kids)))
	o.dict(resources, d.resources(o))
	o.dict(catalog, d.catalog(pages))
	o.dict(info, d.info())
	return o.finish(w, catalog, info)
}

// resources writes the fonts and images and returns the resource
// dictionary that all pages share.
func (d *Document) resources(o *objects) string {
	b := []byte("/ProcSet [/PDF /Text /ImageB /ImageC /ImageI]")
	b = appendResources(b, o, "Font", d.fonts)
	b = appendResources(b, o, "XObject", d.images)
	return string(b)
}

// resource is a font or an image of a document.
type resource interface {
	resourceName() string
	write(o *objects, ref int)
}

// appendResources writes rs and appends the subdictionary key of the
// resource dictionary that names them.
func appendResources[R resource](b []byte, o *objects, key string, rs []R) []byte {
	if len(rs) == 0 {
		return b
	}
	b = append(b, " /"+key+" <<"...)
	for _, r := range rs {
		ref := o.alloc()
		r.write(o, ref)
		b = fmt.Appendf(b, " /%s %d 0 R", r.resourceName(), ref)
	}
	return append(b, " >>"...)
}

func (d *Document) catalog(pages int) string {
	s := fmt.Sprintf("/Type /Catalog /Pages %d 0 R", pages)
	if d.meta.Lang != "" {
		s += " /Lang " + string(appendText(nil, d.meta.Lang))
	}
	return s
}

// info returns the document information dictionary.
func (d *Document) info() string {
	var b []byte
	for _, e := range []struct{ key, value string }{{"Title", d.meta.Title}, {"Subject", d.meta.Subject},
		{"Creator", d.meta.Creator}, {"Producer", d.meta.Producer}} {
		if e.value != "" {
			b = appendText(append(append(b, " /"...), e.key+" "...), e.value)
		}
	}
	for _, e := range []struct {
		key string
		t   time.Time
	}{{"CreationDate", d.meta.Created}, {"ModDate", d.meta.Modified}} {
		if !e.t.IsZero() {
			b = fmt.Appendf(b, " /%s (D:%sZ)", e.key, e.t.UTC().Format("20060102150405"))
		}
	}
	return string(bytes.TrimSpace(b))
}

// appendText appends s as a PDF text string: literal when it is printable
// ASCII, else UTF-16BE with a byte order mark, in hexadecimal.
func appendText(b []byte, s string) []byte {
	ascii := true
	for i := 0; i < len(s); i++ {
		ascii = ascii && s[i] >= 0x20 && s[i] < 0x7f
	}
	if ascii {
		return appendLiteral(b, s, func(r rune) byte { return byte(r) })
	}
	b = append(b, "<feff"...)
	for _, u := range utf16.Encode([]rune(s)) {
		b = fmt.Appendf(b, "%04x", u)
	}
	return append(b, '>')
}

// appendLiteral appends s as a literal string, each rune as the byte code
// gives it, with the delimiters and backslash escaped.
func appendLiteral(b []byte, s string, code func(rune) byte) []byte {
	b = append(b, '(')
	for _, r := range s {
		c := code(r)
		if c == '(' || c == ')' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return append(b, ')')
}

// objects numbers and writes a document's indirect objects, recording
// where each starts for the cross-reference table.
type objects struct {
	buf     bytes.Buffer
	offsets []int // by object number - 1; set when written
	kept    *Kept // nil unless the objects are kept
}

// alloc reserves the next object number.
func (o *objects) alloc() int {
	o.offsets = append(o.offsets, -1)
	return len(o.offsets)
}

// dict writes object n, a dictionary with the entries in entries.
func (o *objects) dict(n int, entries string) {
	o.offsets[n-1] = o.buf.Len()
	fmt.Fprintf(&o.buf, "%d 0 obj\n<< %s >>\nendobj\n", n, entries)
	o.keep(n, entries, nil)
}

// stream writes object n, a stream of data compressed with deflate, with
// the dictionary entries in entries besides /Filter and /Length.
func (o *objects) stream(n int, entries string, data []byte) {
	o.offsets[n-1] = o.buf.Len()
	if entries != "" {
		entries += " "
	}
	fmt.Fprintf(&o.buf, "%d 0 obj\n<< %s/Filter /FlateDecode /Length %d >>\nstream\n", n, entries, len(data))
	o.buf.Write(data)
	o.buf.WriteString("\nendstream\nendobj\n")
	if o.kept != nil {
		o.keep(n, entries+"/Filter /FlateDecode /Length "+strconv.Itoa(len(data)), data)
	}
}

// finish writes the cross-reference table and the trailer, whose /ID is
// derived from the content, and copies the whole to w.
func (o *objects) finish(w io.Writer, root, info int) (int64, error) {
	id := sha256.Sum256(o.buf.Bytes())
	xref := o.buf.Len()
	fmt.Fprintf(&o.buf, "xref\n0 %d\n0000000000 65535 f\r\n", len(o.offsets)+1)
	for n, off := range o.offsets {
		if off < 0 { // a bug in this package
			return 0, fmt.Errorf("write PDF: object %d was allocated but not written", n+1)
		}
		fmt.Fprintf(&o.buf, "%010d 00000 n\r\n", off)
	}
	fmt.Fprintf(&o.buf, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%x> <%x>] >>\nstartxref\n%d\n%%%%EOF\n",
		len(o.offsets)+1, root, info, id[:16], id[:16], xref)
	if o.kept != nil {
		o.kept.Root, o.kept.Info, o.kept.ID = root, info, id[:16]
	}
	return o.buf.WriteTo(w)
}
