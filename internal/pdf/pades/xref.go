package pades

import (
	"bytes"
	"fmt"
	"strconv"
)

// XRefKind says how a cross-reference section is written.
type XRefKind int

const (
	// XRefTable is a classic "xref" table followed by a trailer dictionary.
	XRefTable XRefKind = iota
	// XRefStream is a cross-reference stream (PDF 1.5, /Type /XRef).
	XRefStream
)

// String names the kind.
func (k XRefKind) String() string {
	if k == XRefStream {
		return "stream"
	}
	return "table"
}

// Section is one cross-reference section: the index of one revision of the
// file. Only the section's headers are held in memory; entries are read
// from the file when an object is looked up.
type Section struct {
	// Offset is where the section starts: what startxref or /Prev points to.
	Offset int64
	// Kind is how the section is written.
	Kind XRefKind
	// Trailer is the trailer dictionary, or the xref stream's dictionary.
	Trailer Dict
	// XRefStm is, for a table section of a hybrid-reference file, the
	// offset of its supplementary xref stream; 0 otherwise.
	XRefStm int64

	table  []subsection // Kind == XRefTable
	stream *xrefStream  // Kind == XRefStream, or the hybrid /XRefStm
	end    int64        // just past the trailer, or the xref stream's data
}

// Prev returns the offset of the previous section, or 0 for the first.
func (s *Section) Prev() int64 {
	p, _ := s.Trailer.Int("Prev")
	return p
}

// locKind is what a cross-reference entry says about an object.
type locKind uint8

const (
	locFree       locKind = iota // free, or not in the file: reads as null
	locOffset                    // uncompressed at a file offset
	locCompressed                // inside an object stream
)

// location is a decoded cross-reference entry. For locOffset, a is the file
// offset and b the generation; for locCompressed, a is the object stream's
// number and b the index inside it.
type location struct {
	kind locKind
	a, b int64
}

// subsection is one "first count" run of a classic table. Entries are
// fixed-size records, so entry i is at start + i*entrySize.
type subsection struct {
	first, count int64
	start        int64
	entrySize    int64
}

// readTable reads a classic table section at off: its subsection headers
// (not the entries) and the trailer.
func (r *Reader) readTable(off int64) (*Section, error) {
	lx := newLexerAt(r.ra, off, r.size, 512)
	if t, err := lx.next(); err != nil || t.kind != tokKeyword || t.s != "xref" {
		return nil, firstErr(err, malformed("no xref table at offset %d", off))
	}
	sec := &Section{Offset: off, Kind: XRefTable}
	for {
		t, err := lx.next()
		if err != nil {
			return nil, err
		}
		if t.kind == tokKeyword && t.s == "trailer" {
			break
		}
		sub, end, err := r.readSubsection(lx, t)
		if err != nil {
			return nil, fmt.Errorf("xref table at %d: %w", off, err)
		}
		sec.table = append(sec.table, sub)
		lx = newLexerAt(r.ra, end, r.size, 512)
	}
	trailer, err := lx.parseObject()
	if err != nil {
		return nil, fmt.Errorf("trailer of xref table at %d: %w", off, err)
	}
	d, ok := trailer.(Dict)
	if !ok {
		return nil, malformed("trailer at %d is a %s", off, typeName(trailer))
	}
	sec.Trailer = d
	sec.XRefStm, _ = d.Int("XRefStm")
	sec.end = lx.pos
	return sec, nil
}

// readSubsection reads a subsection header whose first token is t and
// returns the subsection and the offset just past its entries.
func (r *Reader) readSubsection(lx *lexer, t token) (subsection, int64, error) {
	if t.kind == tokEOF {
		return subsection{}, 0, truncatedErr("file ends inside an xref table")
	}
	c, err := lx.next()
	if err != nil {
		return subsection{}, 0, err
	}
	if t.kind != tokInt || c.kind != tokInt || t.n < 0 || c.n < 0 {
		return subsection{}, 0, malformed("bad subsection header at offset %d", t.pos)
	}
	lx.skipHeaderEOL()
	sub := subsection{first: t.n, count: c.n, start: lx.pos, entrySize: 20}
	if sub.count == 0 {
		return sub, sub.start, nil
	}
	if sub.entrySize, err = r.entrySize(sub.start); err != nil {
		return subsection{}, 0, err
	}
	if sub.count > (r.size-sub.start)/sub.entrySize {
		return subsection{}, 0, truncatedErr("xref subsection at %d runs past the end of the file", t.pos)
	}
	return sub, sub.start + sub.count*sub.entrySize, nil
}

// skipHeaderEOL skips the rest of a subsection header line.
func (l *lexer) skipHeaderEOL() {
	for {
		c, err := l.peekByte()
		if err != nil {
			return
		}
		switch c {
		case ' ', '\t':
			l.readByte()
		case '\n':
			l.readByte()
			return
		case '\r':
			l.readByte()
			if n, err := l.peekByte(); err == nil && n == '\n' {
				l.readByte()
			}
			return
		default:
			return
		}
	}
}

// entrySize measures the first entry at off: the spec says 20 bytes, but
// some writers end entries with a one-byte end-of-line.
func (r *Reader) entrySize(off int64) (int64, error) {
	b := make([]byte, 20)
	n, _ := r.ra.ReadAt(b, off)
	if n < 19 {
		return 0, truncatedErr("file ends inside an xref table")
	}
	if b[10] != ' ' || b[16] != ' ' || (b[17] != 'n' && b[17] != 'f') {
		return 0, malformed("bad xref entry at offset %d", off)
	}
	if b[18] == '\n' || (b[18] == '\r' && (n < 20 || b[19] != '\n')) {
		return 19, nil
	}
	return 20, nil
}

// lookupTable finds num in a table section's entries.
func (r *Reader) lookupTable(sec *Section, num int64) (location, bool, error) {
	for _, sub := range sec.table {
		if num < sub.first || num >= sub.first+sub.count {
			continue
		}
		off := sub.start + (num-sub.first)*sub.entrySize
		b := make([]byte, 18)
		if _, err := r.ra.ReadAt(b, off); err != nil {
			return location{}, false, truncatedErr("cannot read xref entry for object %d", num)
		}
		loc, err := parseTableEntry(b)
		if err != nil {
			return location{}, false, fmt.Errorf("xref entry for object %d at %d: %w", num, off, err)
		}
		return loc, true, nil
	}
	return location{}, false, nil
}

// parseTableEntry decodes "oooooooooo ggggg n".
func parseTableEntry(b []byte) (location, error) {
	fields := bytes.Fields(b)
	if len(fields) != 3 || len(fields[2]) != 1 {
		return location{}, malformed("bad xref entry %q", b)
	}
	off, err1 := strconv.ParseInt(string(fields[0]), 10, 64)
	gen, err2 := strconv.ParseInt(string(fields[1]), 10, 64)
	if err1 != nil || err2 != nil {
		return location{}, malformed("bad xref entry %q", b)
	}
	switch fields[2][0] {
	case 'n':
		if off == 0 { // some writers mark deleted objects this way
			return location{kind: locFree}, nil
		}
		return location{kind: locOffset, a: off, b: gen}, nil
	case 'f':
		return location{kind: locFree}, nil
	}
	return location{}, malformed("bad xref entry type %q", fields[2])
}
