package pades

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"unicode/utf16"
)

// appendObject writes o in PDF syntax. Streams cannot be written: the update
// only rewrites dictionaries and arrays.
func appendObject(b []byte, o Object) ([]byte, error) {
	switch v := o.(type) {
	case nil, Null:
		return append(b, "null"...), nil
	case Bool:
		return strconv.AppendBool(b, bool(v)), nil
	case Integer:
		return strconv.AppendInt(b, int64(v), 10), nil
	case Real:
		return append(b, formatReal(float64(v))...), nil
	case String:
		return appendString(b, string(v)), nil
	case Name:
		return appendName(b, v), nil
	case Ref:
		return fmt.Appendf(b, "%d %d R", v.Num, v.Gen), nil
	case Array:
		return appendArray(b, v)
	case Dict:
		return appendDict(b, v)
	}
	return nil, fmt.Errorf("cannot write a %s in an incremental update", typeName(o))
}

func appendArray(b []byte, a Array) ([]byte, error) {
	b = append(b, '[')
	for i, v := range a {
		if i > 0 {
			b = append(b, ' ')
		}
		var err error
		if b, err = appendObject(b, v); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

func appendDict(b []byte, d Dict) ([]byte, error) {
	b = append(b, "<<"...)
	for i, e := range d {
		if i > 0 {
			b = append(b, ' ')
		}
		b = appendName(b, e.Key)
		b = append(b, ' ')
		var err error
		if b, err = appendObject(b, e.Value); err != nil {
			return nil, err
		}
	}
	return append(b, ">>"...), nil
}

// appendName writes /name, escaping with #xx every byte that is not a
// regular printable character.
func appendName(b []byte, n Name) []byte {
	b = append(b, '/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < 0x21 || c > 0x7e || c == '#' || isDelim(c) {
			b = fmt.Appendf(b, "#%02X", c)
			continue
		}
		b = append(b, c)
	}
	return b
}

// appendString writes printable ASCII as a literal string and anything else
// as hex, so that the bytes survive any reader's end-of-line handling.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			b = append(b, '<')
			b = hex.AppendEncode(b, []byte(s))
			return append(b, '>')
		}
	}
	b = append(b, '(')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '(' || c == ')' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return append(b, ')')
}

// textString encodes a text string: printable ASCII as is (it means the same
// in PDFDocEncoding), anything else as UTF-16BE with a byte order mark.
func textString(s string) String {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		return String(s)
	}
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2, 2+2*len(u))
	b[0], b[1] = 0xfe, 0xff
	for _, c := range u {
		b = append(b, byte(c>>8), byte(c))
	}
	return String(b)
}

// decodeText decodes a text string: UTF-16BE with a byte order mark, UTF-8
// with one (PDF 2.0), or else PDFDocEncoding, read here as Latin-1, which
// agrees with it on every character a field name is likely to use.
func decodeText(s String) string {
	switch {
	case len(s) >= 2 && s[0] == 0xfe && s[1] == 0xff:
		u := make([]uint16, 0, len(s)/2)
		for i := 2; i+1 < len(s); i += 2 {
			u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
		}
		return string(utf16.Decode(u))
	case len(s) >= 3 && s[:3] == "\xef\xbb\xbf":
		return string(s[3:])
	}
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}
