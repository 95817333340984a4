package pades

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// tailSize is how far from the end of the file startxref is searched for.
// Writers put it in the last few dozen bytes; the slack allows for trailing
// garbage some tools append.
const tailSize = 4096

// maxSections bounds the /Prev chain, against hostile files.
const maxSections = 1 << 16

// maxResolveDepth bounds nested lookups (a /Length stored in an object
// stream whose own /Length is indirect, and so on).
const maxResolveDepth = 8

// Reader reads the structure of a PDF through an io.ReaderAt without
// loading the file: it keeps the cross-reference section headers and reads
// each object from the file when asked. Objects are not cached; callers
// that read an object often keep it. A Reader is not safe for concurrent
// use.
type Reader struct {
	ra        io.ReaderAt
	size      int64
	startxref int64
	sections  []*Section
	locs      map[int64]location
	depth     int
	// rowCacheLimit is maxCachedRows; tests lower it to exercise the
	// streaming lookup.
	rowCacheLimit int64
}

// NewReader reads the header, startxref and the chain of cross-reference
// sections of the PDF in ra, which is size bytes long. Errors are
// *esign.Error values with CodeInvalidPDF or CodePDFTruncated.
func NewReader(ra io.ReaderAt, size int64) (*Reader, error) {
	r := &Reader{ra: ra, size: size, locs: map[int64]location{}, rowCacheLimit: maxCachedRows}
	if err := r.checkHeader(); err != nil {
		return nil, err
	}
	var err error
	if r.startxref, err = r.findStartXRef(); err != nil {
		return nil, err
	}
	if err := r.readSections(); err != nil {
		return nil, err
	}
	return r, nil
}

// Size returns the length of the file in bytes.
func (r *Reader) Size() int64 { return r.size }

// StartXRef returns the offset of the newest cross-reference section, as
// given after the last "startxref" keyword.
func (r *Reader) StartXRef() int64 { return r.startxref }

// Sections returns the cross-reference sections, newest first: one per
// revision, the last one the original document's.
func (r *Reader) Sections() []*Section { return r.sections }

// Trailer returns the newest trailer dictionary (for an xref stream, its
// stream dictionary).
func (r *Reader) Trailer() Dict { return r.sections[0].Trailer }

func (r *Reader) checkHeader() error {
	b := make([]byte, min(r.size, 1024))
	if _, err := r.ra.ReadAt(b, 0); err != nil && err != io.EOF {
		return fmt.Errorf("read pdf header: %w", err)
	}
	if !bytes.Contains(b, []byte("%PDF-")) {
		return malformed("no %%PDF- header")
	}
	return nil
}

// findStartXRef reads the offset after the last "startxref" in the tail.
func (r *Reader) findStartXRef() (int64, error) {
	n := min(r.size, tailSize)
	tail := make([]byte, n)
	if _, err := r.ra.ReadAt(tail, r.size-n); err != nil && err != io.EOF {
		return 0, fmt.Errorf("read pdf tail: %w", err)
	}
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return 0, truncatedErr("no startxref at the end of the file")
	}
	f := bytes.Fields(tail[i+len("startxref"):])
	if len(f) == 0 {
		return 0, truncatedErr("file ends after startxref")
	}
	off, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil || off <= 0 {
		return 0, malformed("bad startxref value %q", f[0])
	}
	if off >= r.size {
		return 0, truncatedErr("startxref %d points past the end of the file", off)
	}
	return off, nil
}

// readSections follows the /Prev chain from startxref.
func (r *Reader) readSections() error {
	seen := map[int64]bool{}
	for off := r.startxref; off != 0; {
		if seen[off] || len(seen) >= maxSections {
			return malformed("cross-reference /Prev chain loops at %d", off)
		}
		seen[off] = true
		sec, err := r.readSection(off)
		if err != nil {
			return err
		}
		r.sections = append(r.sections, sec)
		off = sec.Prev()
	}
	return nil
}

// readSection reads the table or stream section at off, with the hybrid
// stream of a table section if it has one.
func (r *Reader) readSection(off int64) (*Section, error) {
	if off < 0 || off >= r.size {
		return nil, truncatedErr("cross-reference offset %d is outside the file", off)
	}
	lx := newLexerAt(r.ra, off, r.size, 64)
	t, err := lx.next()
	if err != nil {
		return nil, err
	}
	if t.kind != tokKeyword || t.s != "xref" {
		return r.readXRefStream(off)
	}
	sec, err := r.readTable(off)
	if err != nil || sec.XRefStm == 0 {
		return sec, err
	}
	hybrid, err := r.readXRefStream(sec.XRefStm)
	if err != nil {
		return nil, fmt.Errorf("hybrid /XRefStm: %w", err)
	}
	sec.stream = hybrid.stream
	return sec, nil
}

// locate finds the newest cross-reference entry for object num. In a
// hybrid section the table is consulted first, then its xref stream
// (ISO 32000-1 7.5.8.4).
func (r *Reader) locate(num int64) (location, error) {
	if loc, ok := r.locs[num]; ok {
		return loc, nil
	}
	for _, sec := range r.sections {
		loc, found, err := r.lookupSection(sec, num)
		if err != nil {
			return location{}, err
		}
		if found {
			r.locs[num] = loc
			return loc, nil
		}
	}
	return location{kind: locFree}, nil
}

func (r *Reader) lookupSection(sec *Section, num int64) (location, bool, error) {
	if sec.Kind == XRefTable {
		loc, found, err := r.lookupTable(sec, num)
		if err != nil || (found && loc.kind != locFree) || sec.stream == nil {
			return loc, found, err
		}
		if sloc, sfound, err := r.lookupStream(sec.stream, num); err != nil || sfound {
			return sloc, sfound, err
		}
		return loc, found, nil
	}
	return r.lookupStream(sec.stream, num)
}

// Object reads the object ref points to. A free or missing object reads as
// Null, as the spec says. The generation number is not checked, like most
// readers do.
func (r *Reader) Object(ref Ref) (Object, error) {
	if r.depth >= maxResolveDepth {
		return nil, malformed("references nest too deeply at object %d", ref.Num)
	}
	r.depth++
	defer func() { r.depth-- }()
	loc, err := r.locate(ref.Num)
	if err != nil {
		return nil, err
	}
	switch loc.kind {
	case locOffset:
		return r.objectAt(loc.a, ref.Num)
	case locCompressed:
		return r.compressedObject(loc.a, loc.b, ref.Num)
	}
	return Null{}, nil
}

// objectAt parses the indirect object num at file offset off.
func (r *Reader) objectAt(off, num int64) (Object, error) {
	if off >= r.size {
		return nil, truncatedErr("object %d is past the end of the file", num)
	}
	got, o, err := newLexerAt(r.ra, off, r.size, 2048).parseIndirect()
	if err != nil {
		return nil, fmt.Errorf("read object %d at %d: %w", num, off, err)
	}
	if got.Num != num {
		return nil, malformed("xref points object %d to offset %d, which holds object %d", num, off, got.Num)
	}
	return o, nil
}

// Resolve follows o if it is a reference and returns the object it points
// to; any other object is returned as is.
func (r *Reader) Resolve(o Object) (Object, error) {
	ref, ok := o.(Ref)
	if !ok {
		return o, nil
	}
	return r.Object(ref)
}

// ResolveDict resolves o and requires a dictionary (or a stream, whose
// dictionary is returned). A null object gives a nil Dict and no error.
func (r *Reader) ResolveDict(o Object) (Dict, error) {
	v, err := r.Resolve(o)
	if err != nil {
		return nil, err
	}
	switch d := v.(type) {
	case Dict:
		return d, nil
	case *Stream:
		return d.Dict, nil
	case nil, Null:
		return nil, nil
	}
	return nil, malformed("expected a dictionary, found a %s", typeName(v))
}

// StreamData returns a reader for the decoded data of s, read from the file
// as it is consumed. Only FlateDecode (with PNG predictors) is supported.
func (r *Reader) StreamData(s *Stream) (io.Reader, error) {
	raw, err := r.RawStream(s)
	if err != nil {
		return nil, err
	}
	return decodeStream(raw, s.Dict)
}

// RawStream returns the still-encoded bytes of s as a section of the file.
func (r *Reader) RawStream(s *Stream) (*io.SectionReader, error) {
	lo, err := r.Resolve(s.Dict.Get("Length"))
	if err != nil {
		return nil, fmt.Errorf("stream length: %w", err)
	}
	n, ok := lo.(Integer)
	if !ok || n < 0 {
		return nil, malformed("stream /Length is a %s", typeName(lo))
	}
	if s.Offset+int64(n) > r.size {
		return nil, truncatedErr("stream at %d runs past the end of the file", s.Offset)
	}
	return io.NewSectionReader(r.ra, s.Offset, int64(n)), nil
}
