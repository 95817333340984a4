package pades

import (
	"fmt"
)

// maxDepth bounds nesting of arrays and dictionaries so that a hostile file
// cannot exhaust the stack.
const maxDepth = 64

// parseObject reads one direct object (which may be an indirect reference).
func (l *lexer) parseObject() (Object, error) { return l.parseDepth(0) }

func (l *lexer) parseDepth(depth int) (Object, error) {
	if depth > maxDepth {
		return nil, malformed("objects nested too deeply at offset %d", l.pos)
	}
	t, err := l.next()
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case tokInt:
		return l.intOrRef(t)
	case tokReal:
		return Real(t.f), nil
	case tokString:
		return String(t.s), nil
	case tokName:
		return Name(t.s), nil
	case tokArrayStart:
		return l.parseArray(depth)
	case tokDictStart:
		return l.parseDict(depth)
	case tokKeyword:
		switch t.s {
		case "null":
			return Null{}, nil
		case "true":
			return Bool(true), nil
		case "false":
			return Bool(false), nil
		}
		return nil, malformed("unexpected keyword %q at offset %d", t.s, t.pos)
	case tokEOF:
		return nil, truncatedErr("input ends where an object was expected (offset %d)", t.pos)
	}
	return nil, malformed("unexpected token at offset %d", t.pos)
}

// intOrRef decides between an integer and "num gen R", which needs two
// tokens of lookahead.
func (l *lexer) intOrRef(first token) (Object, error) {
	second, err := l.next()
	if err != nil {
		return nil, err
	}
	if second.kind != tokInt {
		l.unread(second)
		return Integer(first.n), nil
	}
	third, err := l.next()
	if err != nil {
		return nil, err
	}
	if third.kind == tokKeyword && third.s == "R" {
		return Ref{Num: first.n, Gen: second.n}, nil
	}
	l.unread(third)
	l.unread(second)
	return Integer(first.n), nil
}

func (l *lexer) parseArray(depth int) (Array, error) {
	arr := Array{}
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		if t.kind == tokArrayEnd {
			return arr, nil
		}
		if t.kind == tokEOF {
			return nil, truncatedErr("input ends inside an array (offset %d)", t.pos)
		}
		l.unread(t)
		o, err := l.parseDepth(depth + 1)
		if err != nil {
			return nil, err
		}
		arr = append(arr, o)
	}
}

func (l *lexer) parseDict(depth int) (Dict, error) {
	d := Dict{}
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case tokDictEnd:
			return d, nil
		case tokEOF:
			return nil, truncatedErr("input ends inside a dictionary (offset %d)", t.pos)
		case tokName:
		default:
			return nil, malformed("dictionary key is not a name at offset %d", t.pos)
		}
		v, err := l.parseDepth(depth + 1)
		if err != nil {
			return nil, err
		}
		// Later duplicates win, like most readers; a null value means the
		// key is absent (ISO 32000-1 7.3.7).
		if _, isNull := v.(Null); isNull {
			d.Delete(Name(t.s))
			continue
		}
		d.Set(Name(t.s), v)
	}
}

// parseIndirect reads "num gen obj <object>" and, for a stream, the stream
// keyword and its end-of-line, recording where the data begins. It does not
// read the data or look for endobj.
func (l *lexer) parseIndirect() (Ref, Object, error) {
	var ref Ref
	for _, dst := range []*int64{&ref.Num, &ref.Gen} {
		t, err := l.next()
		if err != nil {
			return ref, nil, err
		}
		if t.kind != tokInt {
			return ref, nil, malformed("expected object header at offset %d", t.pos)
		}
		*dst = t.n
	}
	if t, err := l.next(); err != nil || t.kind != tokKeyword || t.s != "obj" {
		return ref, nil, firstErr(err, malformed("expected \"obj\" after %d %d", ref.Num, ref.Gen))
	}
	o, err := l.parseObject()
	if err != nil {
		return ref, nil, fmt.Errorf("object %d: %w", ref.Num, err)
	}
	d, isDict := o.(Dict)
	if !isDict {
		return ref, o, nil
	}
	t, err := l.next()
	if err != nil {
		return ref, nil, err
	}
	if t.kind != tokKeyword || t.s != "stream" {
		return ref, d, nil
	}
	if err := l.streamEOL(); err != nil {
		return ref, nil, err
	}
	return ref, &Stream{Dict: d, Offset: l.pos}, nil
}

// streamEOL consumes the end-of-line after the stream keyword: CRLF or LF
// per the spec, a lone CR tolerated.
func (l *lexer) streamEOL() error {
	c, err := l.peekByte()
	if err != nil {
		return truncatedErr("input ends after \"stream\" (offset %d)", l.pos)
	}
	switch c {
	case '\n':
		l.readByte()
	case '\r':
		l.readByte()
		if n, err := l.peekByte(); err == nil && n == '\n' {
			l.readByte()
		}
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
