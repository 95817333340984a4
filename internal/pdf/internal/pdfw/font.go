package pdfw

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// fontUse is a font as one document uses it: its resource name and, for a
// TrueType font, the glyphs drawn and the code point each stands for.
type fontUse struct {
	font  *Font
	name  string // the resource name, such as F1
	used  []bool // by glyph id
	runes []rune // by glyph id: the code point it was first drawn for
}

func (u *fontUse) resourceName() string { return u.name }

// encode appends the PDF string that draws s in the font: two-byte glyph
// ids in hexadecimal for a TrueType font (Identity-H), a literal string
// of WinAnsi codes for Courier.
func (u *fontUse) encode(b []byte, s string) []byte {
	if u.font.standard() {
		return appendLiteral(b, s, func(r rune) byte {
			if _, ok := u.font.Glyph(r); ok {
				return byte(r)
			}
			return '?'
		})
	}
	b = append(b, '<')
	for _, r := range s {
		g, ok := u.font.Glyph(r)
		if ok && !u.used[g] {
			u.used[g], u.runes[g] = true, r
		}
		b = appendHex4(b, g)
	}
	return append(b, '>')
}

// write writes the font's objects: the font dictionary at ref and, for a
// TrueType font, its descendant CIDFont, descriptor, font program and
// ToUnicode CMap.
func (u *fontUse) write(o *objects, ref int) {
	if u.font.standard() {
		o.dict(ref, "/Type /Font /Subtype /Type1 /BaseFont /"+u.font.name+" /Encoding /WinAnsiEncoding")
		return
	}
	base := u.tag() + "+" + u.font.name
	cid, descriptor, program, toUnicode := o.alloc(), o.alloc(), o.alloc(), o.alloc()
	o.dict(ref, fmt.Sprintf("/Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R",
		base, cid, toUnicode))
	o.dict(cid, fmt.Sprintf("/Type /Font /Subtype /CIDFontType2 /BaseFont /%s "+
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "+
		"/FontDescriptor %d 0 R /CIDToGIDMap /Identity /DW %d /W %s", base, descriptor, u.font.widths[0], u.widthArray()))
	o.dict(descriptor, u.descriptor(base, program))
	e := u.embed()
	o.stream(program, "/Length1 "+strconv.Itoa(e.length), e.program)
	o.stream(toUnicode, "", e.toUnicode)
}

// tag returns the subset tag: six capital letters that depend on the font
// and the glyphs used, so that different subsets of a font have different
// names and the same subset the same one.
func (u *fontUse) tag() string {
	h := fnv.New64a()
	h.Write([]byte(u.font.name))
	for g, used := range u.used {
		if used {
			h.Write([]byte{byte(g >> 8), byte(g)})
		}
	}
	sum := h.Sum64()
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + byte(sum%26)
		sum /= 26
	}
	return string(tag)
}

// widthArray returns the /W array: the widths of the glyphs used, in runs
// of consecutive glyph ids.
func (u *fontUse) widthArray() string {
	b := []byte{'['}
	for g := 0; g < len(u.used); g++ {
		if !u.used[g] {
			continue
		}
		b = strconv.AppendInt(b, int64(g), 10)
		b = append(b, " ["...)
		for ; g < len(u.used) && u.used[g]; g++ {
			b = strconv.AppendInt(b, int64(u.font.widths[g]), 10)
			b = append(b, ' ')
		}
		b[len(b)-1] = ']'
		b = append(b, ' ')
	}
	if len(b) > 1 {
		b = b[:len(b)-1]
	}
	return string(append(b, ']'))
}

// Flags of a font descriptor.
const (
	flagFixedPitch = 1
	flagSymbolic   = 4 // its glyphs are addressed by id, not by a standard encoding
	flagItalic     = 64
)

func (u *fontUse) descriptor(base string, program int) string {
	m := u.font.metrics
	flags := flagSymbolic
	if m.fixedPitch {
		flags |= flagFixedPitch
	}
	if m.italicAngle != 0 {
		flags |= flagItalic
	}
	return fmt.Sprintf("/Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [%d %d %d %d] /ItalicAngle %s "+
		"/Ascent %d /Descent %d /CapHeight %d /StemV %d /FontFile2 %d 0 R",
		base, flags, m.bbox[0], m.bbox[1], m.bbox[2], m.bbox[3], strconv.FormatFloat(m.italicAngle, 'f', -1, 64),
		m.ascent, m.descent, m.capHeight, m.stemV, program)
}

// toUnicode returns a CMap that maps each glyph used to the code point it
// was drawn for, so that text can be extracted and copied.
func (u *fontUse) toUnicode() []byte {
	b := []byte("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <ffff>\nendcodespacerange\n")
	var chars []int
	for g, used := range u.used {
		if used && g != 0 {
			chars = append(chars, g)
		}
	}
	// A bfchar block holds at most 100 mappings.
	for len(chars) > 0 {
		n := min(len(chars), 100)
		b = append(b, strconv.Itoa(n)+" beginbfchar\n"...)
		for _, g := range chars[:n] {
			b = appendHex4(append(b, '<'), uint16(g))
			b = append(b, "> <"...)
			b = appendUTF16(b, u.runes[g])
			b = append(b, ">\n"...)
		}
		b = append(b, "endbfchar\n"...)
		chars = chars[n:]
	}
	return append(b, "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"...)
}

// appendUTF16 appends r's UTF-16 code units in hexadecimal, as
// utf16.Encode gives them.
func appendUTF16(b []byte, r rune) []byte {
	switch utf16.RuneLen(r) {
	case 1:
		return appendHex4(b, uint16(r))
	case 2:
		r1, r2 := utf16.EncodeRune(r)
		return appendHex4(appendHex4(b, uint16(r1)), uint16(r2))
	}
	return appendHex4(b, utf8.RuneError)
}

// appendHex4 appends v as four lowercase hexadecimal digits.
func appendHex4(b []byte, v uint16) []byte {
	const hex = "0123456789abcdef"
	return append(b, hex[v>>12], hex[v>>8&15], hex[v>>4&15], hex[v&15])
}
