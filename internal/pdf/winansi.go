package pdf

import (
	"strings"
	"unicode"
)

// winAnsiHigh maps the characters WinAnsiEncoding places in 0x80–0x9F.
// 0x20–0x7E and 0xA0–0xFF coincide with Unicode and need no table.
var winAnsiHigh = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87,
	'ˆ': 0x88, '‰': 0x89, 'Š': 0x8A, '‹': 0x8B, 'Œ': 0x8C, 'Ž': 0x8E,
	'‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97,
	'˜': 0x98, '™': 0x99, 'š': 0x9A, '›': 0x9B, 'œ': 0x9C, 'ž': 0x9E, 'Ÿ': 0x9F,
}

// normaliseText prepares a field value for a single line: every kind of
// white space becomes a plain space, other control characters (which have
// no visible form) are dropped, and the ends are trimmed.
func normaliseText(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// encodeWinAnsi returns s in WinAnsiEncoding, or false if any character of
// s has no code there (such text is drawn as an image instead).
func encodeWinAnsi(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r >= 0x20 && r <= 0x7E, r >= 0xA0 && r <= 0xFF:
			out = append(out, byte(r))
		case winAnsiHigh[r] != 0:
			out = append(out, winAnsiHigh[r])
		default:
			return nil, false
		}
	}
	return out, true
}

// pdfString returns b as a PDF literal string, parentheses included.
// Delimiters and the escape character are backslash-escaped; bytes outside
// printable ASCII are written as octal escapes so no reader can alter them
// (a raw CR inside a literal string, for example, is read back as LF).
func pdfString(b []byte) string {
	const octal = "01234567"
	var sb strings.Builder
	sb.Grow(len(b) + 2)
	sb.WriteByte('(')
	for _, c := range b {
		switch {
		case c == '(' || c == ')' || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c < 0x20 || c > 0x7E:
			sb.WriteByte('\\')
			sb.WriteByte(octal[c>>6])
			sb.WriteByte(octal[(c>>3)&7])
			sb.WriteByte(octal[c&7])
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte(')')
	return sb.String()
}

// CheckText reports whether text can be drawn: with Helvetica when it fits
// WinAnsiEncoding, otherwise with the fallback font's glyphs.
func (s *Stamper) CheckText(text string) error {
	text = normaliseText(text)
	if _, ok := encodeWinAnsi(text); ok {
		return nil
	}
	f, err := goItalic()
	if err != nil {
		return err
	}
	return checkGlyphs(f, text)
}
