package pades

import (
	"errors"
	"strconv"
	"time"
)

// sigDict is a signature dictionary as written in the file, with where its
// /Contents string lies: the ByteRange gap must be exactly that.
type sigDict struct {
	dict                       Dict
	contentsStart, contentsEnd int64
	dupes                      []Name
}

// parseSigDict parses the signature dictionary num at off, noting the
// position of /Contents and any duplicated key (a second /Contents or
// /ByteRange is a way to show one thing and sign another).
func parseSigDict(r *Reader, off, num int64) (*sigDict, error) {
	lx := newLexerAt(r.ra, off, r.size, 4096)
	var hdr [4]token
	for i := range hdr {
		t, err := lx.next()
		if err != nil {
			return nil, err
		}
		hdr[i] = t
	}
	if hdr[0].kind != tokInt || hdr[0].n != num || hdr[1].kind != tokInt ||
		hdr[2].kind != tokKeyword || hdr[2].s != "obj" || hdr[3].kind != tokDictStart {
		return nil, malformed("object %d at %d is not a dictionary", num, off)
	}
	sd := &sigDict{}
	seen := map[Name]bool{}
	for {
		t, err := lx.next()
		if err != nil {
			return nil, err
		}
		if t.kind == tokDictEnd {
			return sd, nil
		}
		if t.kind != tokName {
			return nil, malformed("dictionary key is not a name at offset %d", t.pos)
		}
		key := Name(t.s)
		if seen[key] {
			sd.dupes = append(sd.dupes, key)
		}
		seen[key] = true
		if err := sd.parseValue(lx, key); err != nil {
			return nil, err
		}
	}
}

// parseValue parses key's value; for /Contents it records where the
// string token starts and ends.
func (sd *sigDict) parseValue(lx *lexer, key Name) error {
	if key == "Contents" && len(lx.pushed) == 0 {
		t, err := lx.next()
		if err != nil {
			return err
		}
		if t.kind == tokString {
			sd.contentsStart, sd.contentsEnd = t.pos, lx.pos
			sd.dict.Set(key, String(t.s))
			return nil
		}
		lx.unread(t)
		sd.contentsStart, sd.contentsEnd = 0, 0
	}
	o, err := lx.parseDepth(1)
	if err != nil {
		return err
	}
	if _, isNull := o.(Null); isNull {
		sd.dict.Delete(key)
		return nil
	}
	sd.dict.Set(key, o)
	return nil
}

// derLength returns the length of the DER element at the start of b.
func derLength(b []byte) (int, error) {
	if len(b) < 2 || b[0] != tagSequence {
		return 0, errors.New("no DER SEQUENCE")
	}
	n, hdr, err := derHeader(b)
	if err != nil {
		return 0, err
	}
	return hdr + n, nil
}

// derHeader decodes the definite, minimally encoded length of the element
// at the start of b: its content length and header size.
func derHeader(b []byte) (int, int, error) {
	if len(b) < 2 {
		return 0, 0, errors.New("truncated DER element")
	}
	switch {
	case b[0] == 0:
		return 0, 0, errors.New("end-of-contents octets are not DER")
	case b[0]&0x1f == 0x1f:
		return 0, 0, errors.New("high-number DER tags are not used in CMS")
	}
	n, hdr := int(b[1]), 2
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 4 || len(b) < 2+k || b[2] == 0 {
			return 0, 0, errors.New("bad, indefinite or non-minimal DER length")
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		if n < 0x80 {
			return 0, 0, errors.New("non-minimal DER length")
		}
		hdr += k
	}
	if n > len(b)-hdr {
		return 0, 0, errors.New("the declared DER length does not fit")
	}
	return n, hdr, nil
}

// strictDER checks that b is exactly one DER element and that every
// constructed element in it is exactly filled by its children:
// encoding/asn1 tolerates bytes after the last field of a SEQUENCE, which
// would let a signature carry data nobody checks.
func strictDER(b []byte) error {
	rest, err := derElement(b, 0)
	if err == nil && len(rest) > 0 {
		err = errors.New("data after the DER element")
	}
	return err
}

func derElement(b []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, errors.New("DER nested too deeply")
	}
	n, hdr, err := derHeader(b)
	if err != nil {
		return nil, err
	}
	if b[0]&0x20 != 0 {
		for c := b[hdr : hdr+n]; len(c) > 0; {
			if c, err = derElement(c, depth+1); err != nil {
				return nil, err
			}
		}
	}
	return b[hdr+n:], nil
}

// parsePDFDate parses a PDF date, "D:YYYYMMDDHHmmSSOHH'mm'", of which
// everything after the year is optional.
func parsePDFDate(s string) (time.Time, bool) {
	if len(s) >= 2 && s[:2] == "D:" {
		s = s[2:]
	}
	num := func(i, n, def int) int {
		if len(s) < i+n {
			return def
		}
		v, err := strconv.Atoi(s[i : i+n])
		if err != nil {
			return -1
		}
		return v
	}
	y, mo, d, h, mi, sec := num(0, 4, -1), num(4, 2, 1), num(6, 2, 1), num(8, 2, 0), num(10, 2, 0), num(12, 2, 0)
	if y < 0 || mo < 1 || d < 1 || h < 0 || mi < 0 || sec < 0 {
		return time.Time{}, false
	}
	loc := time.UTC
	if len(s) > 14 && (s[14] == '+' || s[14] == '-') {
		s = s[:14] + stripQuotes(s[14:])
		oh, om := num(15, 2, 0), num(17, 2, 0)
		if oh < 0 || om < 0 {
			return time.Time{}, false
		}
		off := (oh*60 + om) * 60
		if s[14] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, 0, loc), true
}

func stripQuotes(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\'' {
			out = append(out, s[i])
		}
	}
	return string(out)
}
