package pades

import (
	"errors"
	"io"
)

// literalString reads a (…) string after its opening parenthesis, decoding
// escapes and normalising unescaped end-of-lines to LF as the spec says.
func (l *lexer) literalString() (string, error) {
	var buf []byte
	depth := 1
	for {
		c, err := l.readByte()
		if err != nil {
			return "", err
		}
		if len(buf) > maxTokenLen {
			return "", malformed("string too long at offset %d", l.pos)
		}
		switch c {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return string(buf), nil
			}
		case '\\':
			if buf, err = l.escape(buf); err != nil {
				return "", err
			}
			continue
		case '\r':
			if n, err := l.peekByte(); err == nil && n == '\n' {
				l.readByte()
			}
			c = '\n'
		}
		buf = append(buf, c)
	}
}

// escape decodes one backslash escape in a literal string.
func (l *lexer) escape(buf []byte) ([]byte, error) {
	c, err := l.readByte()
	if err != nil {
		return nil, err
	}
	switch c {
	case 'n':
		return append(buf, '\n'), nil
	case 'r':
		return append(buf, '\r'), nil
	case 't':
		return append(buf, '\t'), nil
	case 'b':
		return append(buf, '\b'), nil
	case 'f':
		return append(buf, '\f'), nil
	case '\r': // line continuation
		if n, err := l.peekByte(); err == nil && n == '\n' {
			l.readByte()
		}
		return buf, nil
	case '\n':
		return buf, nil
	}
	if c < '0' || c > '7' {
		return append(buf, c), nil // \( \) \\ and unknown escapes
	}
	v := int(c - '0')
	for range 2 {
		n, err := l.peekByte()
		if err != nil || n < '0' || n > '7' {
			break
		}
		l.readByte()
		v = v*8 + int(n-'0')
	}
	return append(buf, byte(v)), nil
}

// hexString reads a <…> string after its opening bracket. White space is
// ignored and a final odd digit counts as if followed by 0.
func (l *lexer) hexString() (string, error) {
	var buf []byte
	hi, half := byte(0), false
	for {
		c, err := l.readByte()
		if err != nil {
			return "", err
		}
		if c == '>' {
			if half {
				buf = append(buf, hi<<4)
			}
			return string(buf), nil
		}
		if isWhite(c) {
			continue
		}
		v, ok := unhex(c)
		if !ok {
			return "", malformed("bad hex digit %q in string at offset %d", c, l.pos-1)
		}
		if half {
			buf = append(buf, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
		if len(buf) > maxTokenLen {
			return "", malformed("string too long at offset %d", l.pos)
		}
	}
}

// name reads a name after its slash, decoding #xx escapes.
func (l *lexer) name() (string, error) {
	var buf []byte
	for {
		c, err := l.peekByte()
		if errors.Is(err, io.EOF) || (err == nil && (isWhite(c) || isDelim(c))) {
			return string(buf), nil
		}
		if err != nil {
			return "", err
		}
		l.readByte()
		if c == '#' {
			c = l.nameEscape()
		}
		buf = append(buf, c)
		if len(buf) > 4096 {
			return "", malformed("name too long at offset %d", l.pos)
		}
	}
}

// nameEscape decodes the two hex digits after '#' in a name. A '#' not
// followed by two hex digits stands for itself, as lenient readers do.
func (l *lexer) nameEscape() byte {
	b, err := l.r.Peek(2)
	if err != nil {
		return '#'
	}
	hi, ok1 := unhex(b[0])
	lo, ok2 := unhex(b[1])
	if !ok1 || !ok2 {
		return '#'
	}
	l.readByte()
	l.readByte()
	return hi<<4 | lo
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
