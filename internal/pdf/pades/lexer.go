package pades

import (
	"bufio"
	"errors"
	"io"
	"strconv"
)

// maxTokenLen bounds a single string or name so that a hostile file cannot
// make the reader allocate without limit. Signature /Contents strings, the
// largest legitimate ones in the structure we read, are far below it.
const maxTokenLen = 8 << 20

type tokKind int

const (
	tokEOF tokKind = iota
	tokInt
	tokReal
	tokString
	tokName
	tokKeyword
	tokDictStart
	tokDictEnd
	tokArrayStart
	tokArrayEnd
)

// token is one lexical element. s holds the decoded bytes of strings and
// names and the text of keywords.
type token struct {
	kind tokKind
	s    string
	n    int64
	f    float64
	pos  int64
}

// lexer splits PDF syntax into tokens. pos is the offset (in the file, or in
// a decoded stream) of the next byte it has not consumed, which is what
// stream data offsets are computed from.
type lexer struct {
	r      *bufio.Reader
	pos    int64
	pushed []token
}

func newLexer(r io.Reader, pos int64, bufSize int) *lexer {
	return &lexer{r: bufio.NewReaderSize(r, bufSize), pos: pos}
}

// newLexerAt starts a lexer at off in ra, whose total length is size.
func newLexerAt(ra io.ReaderAt, off, size int64, bufSize int) *lexer {
	return newLexer(io.NewSectionReader(ra, off, size-off), off, bufSize)
}

func isWhite(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func (l *lexer) readByte() (byte, error) {
	c, err := l.r.ReadByte()
	if err == nil {
		l.pos++
	}
	return c, err
}

func (l *lexer) peekByte() (byte, error) {
	b, err := l.r.Peek(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

// discard skips n bytes.
func (l *lexer) discard(n int64) error {
	for n > 0 {
		step := min(n, 1<<30)
		d, err := l.r.Discard(int(step))
		l.pos += int64(d)
		n -= int64(d)
		if err != nil {
			return err
		}
	}
	return nil
}

// skipSpace skips white space and comments.
func (l *lexer) skipSpace() error {
	for {
		c, err := l.peekByte()
		if err != nil {
			return err
		}
		switch {
		case isWhite(c):
			l.readByte()
		case c == '%':
			if err := l.skipLine(); err != nil {
				return err
			}
		default:
			return nil
		}
	}
}

// skipLine consumes up to and including the next end-of-line.
func (l *lexer) skipLine() error {
	for {
		c, err := l.readByte()
		if err != nil {
			return err
		}
		if c == '\n' {
			return nil
		}
		if c == '\r' {
			if n, err := l.peekByte(); err == nil && n == '\n' {
				l.readByte()
			}
			return nil
		}
	}
}

// unread pushes t back; the next call to next returns it.
func (l *lexer) unread(t token) { l.pushed = append(l.pushed, t) }

// next returns the next token; at the end of input its kind is tokEOF.
func (l *lexer) next() (token, error) {
	if n := len(l.pushed); n > 0 {
		t := l.pushed[n-1]
		l.pushed = l.pushed[:n-1]
		return t, nil
	}
	if err := l.skipSpace(); err != nil {
		if errors.Is(err, io.EOF) {
			return token{kind: tokEOF, pos: l.pos}, nil
		}
		return token{}, err
	}
	start := l.pos
	t, err := l.lex()
	t.pos = start
	if errors.Is(err, io.EOF) {
		err = truncatedErr("input ends inside a token at offset %d", start)
	}
	return t, err
}

func (l *lexer) lex() (token, error) {
	c, err := l.readByte()
	if err != nil {
		return token{}, err
	}
	switch c {
	case '(':
		s, err := l.literalString()
		return token{kind: tokString, s: s}, err
	case '<':
		if n, _ := l.peekByte(); n == '<' {
			l.readByte()
			return token{kind: tokDictStart}, nil
		}
		s, err := l.hexString()
		return token{kind: tokString, s: s}, err
	case '>':
		if n, _ := l.peekByte(); n == '>' {
			l.readByte()
			return token{kind: tokDictEnd}, nil
		}
		return token{}, malformed("unexpected '>' at offset %d", l.pos-1)
	case '[':
		return token{kind: tokArrayStart}, nil
	case ']':
		return token{kind: tokArrayEnd}, nil
	case '/':
		s, err := l.name()
		return token{kind: tokName, s: s}, err
	case ')', '{', '}':
		// Braces only occur in PostScript calculator functions, which live
		// in stream data; treat them like other stray delimiters.
		return token{}, malformed("unexpected %q at offset %d", c, l.pos-1)
	}
	word, err := l.regular(c)
	if err != nil {
		return token{}, err
	}
	return classify(word), nil
}

// regular reads a run of regular characters starting with first.
func (l *lexer) regular(first byte) (string, error) {
	buf := []byte{first}
	for {
		c, err := l.peekByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return string(buf), nil
			}
			return "", err
		}
		if isWhite(c) || isDelim(c) {
			return string(buf), nil
		}
		if len(buf) >= 256 {
			return "", malformed("token too long at offset %d", l.pos)
		}
		l.readByte()
		buf = append(buf, c)
	}
}

// classify turns a run of regular characters into a number or a keyword.
func classify(word string) token {
	if isNumber(word) {
		if n, err := strconv.ParseInt(word, 10, 64); err == nil {
			return token{kind: tokInt, n: n, s: word}
		}
		if f, err := strconv.ParseFloat(word, 64); err == nil {
			return token{kind: tokReal, f: f, s: word}
		}
	}
	return token{kind: tokKeyword, s: word}
}

// isNumber reports whether w has PDF number syntax: an optional sign, digits
// and at most one period, at least one digit.
func isNumber(w string) bool {
	if w != "" && (w[0] == '+' || w[0] == '-') {
		w = w[1:]
	}
	digits, dots := 0, 0
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}
