package pades

import (
	"errors"
	"fmt"
	"io"
)

// maxCachedRows bounds the decoded rows of one xref stream kept in memory
// (about 600,000 objects with the usual 7-byte rows). A larger stream is
// decoded anew, up to the row needed, on each lookup, so memory stays
// bounded whatever the number of objects in the file.
const maxCachedRows = 4 << 20

// xrefStream is the index of a cross-reference stream.
type xrefStream struct {
	stream  *Stream
	length  int64
	w       [3]int64
	rowSize int64
	index   [][2]int64 // (first, count) pairs
	rows    []byte     // all rows, once decoded, if within maxCachedRows
	tried   bool       // rows were decoded, or found too large to keep
}

// readXRefStream reads the xref stream object at off.
func (r *Reader) readXRefStream(off int64) (*Section, error) {
	lx := newLexerAt(r.ra, off, r.size, 4096)
	_, o, err := lx.parseIndirect()
	if err != nil {
		return nil, fmt.Errorf("xref stream at %d: %w", off, err)
	}
	s, ok := o.(*Stream)
	if !ok || s.Dict.Name("Type") != "XRef" {
		return nil, malformed("offset %d holds no xref table or stream", off)
	}
	xs, err := r.newXRefStream(s)
	if err != nil {
		return nil, fmt.Errorf("xref stream at %d: %w", off, err)
	}
	return &Section{Offset: off, Kind: XRefStream, Trailer: s.Dict, stream: xs, end: s.Offset + xs.length}, nil
}

func (r *Reader) newXRefStream(s *Stream) (*xrefStream, error) {
	xs := &xrefStream{stream: s}
	var ok bool
	if xs.length, ok = s.Dict.Int("Length"); !ok || xs.length < 0 {
		return nil, malformed("xref stream /Length is not a direct integer")
	}
	if s.Offset+xs.length > r.size {
		return nil, truncatedErr("xref stream runs past the end of the file")
	}
	w, _ := s.Dict.Get("W").(Array)
	if len(w) != 3 {
		return nil, malformed("xref stream /W must have three entries")
	}
	for i, v := range w {
		n, ok := v.(Integer)
		if !ok || n < 0 || n > 8 {
			return nil, malformed("bad xref stream /W")
		}
		xs.w[i] = int64(n)
		xs.rowSize += int64(n)
	}
	if xs.rowSize == 0 {
		return nil, malformed("xref stream /W is all zero")
	}
	var err error
	xs.index, err = xrefIndex(s.Dict)
	return xs, err
}

// xrefIndex reads /Index, which defaults to [0 Size].
func xrefIndex(d Dict) ([][2]int64, error) {
	idx, isArr := d.Get("Index").(Array)
	if !isArr {
		size, ok := d.Int("Size")
		if !ok || size < 0 {
			return nil, malformed("xref stream without a valid /Size")
		}
		return [][2]int64{{0, size}}, nil
	}
	if len(idx)%2 != 0 {
		return nil, malformed("xref stream /Index has an odd length")
	}
	out := make([][2]int64, 0, len(idx)/2)
	for i := 0; i < len(idx); i += 2 {
		first, ok1 := idx[i].(Integer)
		count, ok2 := idx[i+1].(Integer)
		if !ok1 || !ok2 || first < 0 || count < 0 {
			return nil, malformed("bad xref stream /Index")
		}
		out = append(out, [2]int64{int64(first), int64(count)})
	}
	return out, nil
}

// row returns the row number of num in the stream, if present.
func (xs *xrefStream) row(num int64) (int64, bool) {
	var row int64
	for _, sub := range xs.index {
		if num >= sub[0] && num < sub[0]+sub[1] {
			return row + num - sub[0], true
		}
		row += sub[1]
	}
	return 0, false
}

// lookupStream finds num in an xref stream.
func (r *Reader) lookupStream(xs *xrefStream, num int64) (location, bool, error) {
	row, ok := xs.row(num)
	if !ok {
		return location{}, false, nil
	}
	if err := r.cacheRows(xs); err != nil {
		return location{}, false, err
	}
	if xs.rows != nil {
		start := row * xs.rowSize
		if start+xs.rowSize > int64(len(xs.rows)) {
			return location{}, false, malformed("xref stream is too short for object %d", num)
		}
		return xs.decodeRow(xs.rows[start : start+xs.rowSize]), true, nil
	}
	return r.streamRow(xs, num, row)
}

// cacheRows decodes all rows of xs once, if they fit r.rowCacheLimit.
func (r *Reader) cacheRows(xs *xrefStream) error {
	if xs.tried {
		return nil
	}
	xs.tried = true
	var total int64
	for _, sub := range xs.index {
		total += sub[1] * xs.rowSize
		if total > r.rowCacheLimit {
			return nil
		}
	}
	data, err := r.xrefData(xs)
	if err != nil {
		return err
	}
	if xs.rows, err = io.ReadAll(io.LimitReader(data, total)); err != nil {
		return fmt.Errorf("xref stream: %w", err)
	}
	return nil
}

func (r *Reader) xrefData(xs *xrefStream) (io.Reader, error) {
	data, err := decodeStream(io.NewSectionReader(r.ra, xs.stream.Offset, xs.length), xs.stream.Dict)
	if err != nil {
		return nil, fmt.Errorf("xref stream: %w", err)
	}
	return data, nil
}

// streamRow decodes xs up to the given row and reads it.
func (r *Reader) streamRow(xs *xrefStream, num, row int64) (location, bool, error) {
	data, err := r.xrefData(xs)
	if err != nil {
		return location{}, false, err
	}
	if _, err := io.CopyN(io.Discard, data, row*xs.rowSize); err != nil {
		return location{}, false, xrefDataErr(num, err)
	}
	b := make([]byte, xs.rowSize)
	if _, err := io.ReadFull(data, b); err != nil {
		return location{}, false, xrefDataErr(num, err)
	}
	return xs.decodeRow(b), true, nil
}

func xrefDataErr(num int64, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return malformed("xref stream is too short for object %d", num)
	}
	return malformed("xref stream data for object %d: %v", num, err)
}

// decodeRow turns one row into a location. A missing type field means type
// 1; unknown types reference the null object (ISO 32000-1 7.5.8.3).
func (xs *xrefStream) decodeRow(b []byte) location {
	field := func(i int) int64 {
		start := int64(0)
		for j := range i {
			start += xs.w[j]
		}
		var v int64
		for _, c := range b[start : start+xs.w[i]] {
			v = v<<8 | int64(c)
		}
		return v
	}
	typ := int64(1)
	if xs.w[0] > 0 {
		typ = field(0)
	}
	switch typ {
	case 1:
		if field(1) == 0 {
			return location{kind: locFree}
		}
		return location{kind: locOffset, a: field(1), b: field(2)}
	case 2:
		return location{kind: locCompressed, a: field(1), b: field(2)}
	}
	return location{kind: locFree}
}
