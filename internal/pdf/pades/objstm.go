package pades

import "fmt"

// compressedObject reads object num, stored at position index of the object
// stream stm. The stream is decoded only as far as that object.
func (r *Reader) compressedObject(stm, index, num int64) (Object, error) {
	loc, err := r.locate(stm)
	if err != nil {
		return nil, err
	}
	if loc.kind != locOffset {
		return nil, malformed("object stream %d (holding object %d) is not an uncompressed object", stm, num)
	}
	o, err := r.objectAt(loc.a, stm)
	if err != nil {
		return nil, err
	}
	s, ok := o.(*Stream)
	if !ok || s.Dict.Name("Type") != "ObjStm" {
		return nil, malformed("object %d, holding object %d, is not an object stream", stm, num)
	}
	o, err = r.readFromObjStm(s, index, num)
	if err != nil {
		return nil, fmt.Errorf("object %d in object stream %d: %w", num, stm, err)
	}
	return o, nil
}

func (r *Reader) readFromObjStm(s *Stream, index, num int64) (Object, error) {
	n, ok1 := s.Dict.Int("N")
	first, ok2 := s.Dict.Int("First")
	if !ok1 || !ok2 || first < 0 || index < 0 || index >= n {
		return nil, malformed("bad object stream header")
	}
	data, err := r.StreamData(s)
	if err != nil {
		return nil, err
	}
	lx := newLexer(data, 0, 4096)
	var gotNum, off int64
	for range index + 1 {
		a, err1 := lx.next()
		b, err2 := lx.next()
		if err := firstErr(err1, err2); err != nil {
			return nil, err
		}
		if a.kind != tokInt || b.kind != tokInt {
			return nil, malformed("bad object stream offsets")
		}
		gotNum, off = a.n, b.n
	}
	if gotNum != num {
		return nil, malformed("xref points to entry %d, which holds object %d", index, gotNum)
	}
	if first+off < lx.pos {
		return nil, malformed("bad object stream offset %d", off)
	}
	if err := lx.discard(first + off - lx.pos); err != nil {
		return nil, truncatedErr("object stream ends before object %d", num)
	}
	return lx.parseObject()
}
