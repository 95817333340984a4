package pdfw

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"golang.org/x/image/font/sfnt"
)

// Font is a font that pages draw text in: a TrueType font, embedded as a
// subset of the glyphs a document uses, or Courier, one of the standard
// fonts every PDF reader has. A Font is immutable once parsed, but for a
// cache of its recent subsets, and is shared by any number of documents,
// concurrently: parse each font once per process, not once per document.
type Font struct {
	name     string     // the PostScript name
	glyphs   []uint16   // the glyph of each code point of the BMP; 0 when none
	widths   []uint16   // each glyph's advance, in thousandths of an em
	fixed    int        // the advance of every glyph of a standard font
	tables   fontTables // nil for a standard font
	metrics  metrics
	outlines []outline // per glyph id
	subsets  *subsetCache
}

// fontTables are the tables a subset copies from the font as they are.
type fontTables struct {
	head, hhea, maxp, hmtx, post, cvt, fpgm, prep []byte
	shortLoca                                     bool
}

// outline is one glyph's data in the glyf table and, for a composite
// glyph, the glyphs it is made of.
type outline struct {
	data       []byte
	components []uint16
}

// metrics are the font-wide values of a PDF font descriptor, in
// thousandths of an em.
type metrics struct {
	ascent, descent, capHeight int
	bbox                       [4]int
	italicAngle                float64
	stemV                      int
	fixedPitch                 bool
}

// Courier is the standard font Courier, whose glyphs are all 600
// thousandths of an em wide. Pages set it in WinAnsiEncoding, so it draws
// printable ASCII only: other characters become '?'.
var Courier = &Font{name: "Courier", fixed: 600}

// standard reports whether f is a standard font, which is not embedded.
func (f *Font) standard() bool { return f.tables.head == nil }

// Glyph returns the glyph f draws r with, and false when f has none (then
// pages draw the glyph .notdef, mostly an empty box).
func (f *Font) Glyph(r rune) (uint16, bool) {
	if f.standard() {
		return uint16(r), r >= 0x20 && r <= 0x7e
	}
	if r < 0 || int(r) >= len(f.glyphs) || f.glyphs[r] == 0 {
		return 0, false
	}
	return f.glyphs[r], true
}

// RuneWidth returns the advance of r in thousandths of the font size.
func (f *Font) RuneWidth(r rune) int {
	if f.standard() {
		return f.fixed
	}
	g, _ := f.Glyph(r)
	return int(f.widths[g])
}

// ParseTrueType parses a TrueType font (glyf outlines, not CFF) for
// embedding. Code points beyond the Basic Multilingual Plane are not
// mapped: the fonts GSign embeds have no glyphs there.
func ParseTrueType(ttf []byte) (*Font, error) {
	f, err := parseTrueType(ttf)
	if err != nil {
		return nil, fmt.Errorf("parse TrueType font: %w", err)
	}
	return f, nil
}

func parseTrueType(ttf []byte) (*Font, error) {
	tables, err := tableDirectory(ttf)
	if err != nil {
		return nil, err
	}
	f := &Font{subsets: newSubsetCache(subsetBytes)}
	if err := f.readTables(tables); err != nil {
		return nil, err
	}
	parsed, err := sfnt.Parse(ttf)
	if err != nil {
		return nil, err
	}
	var buf sfnt.Buffer
	if f.name, err = parsed.Name(&buf, sfnt.NameIDPostScript); err != nil || f.name == "" {
		return nil, errors.New("the font has no PostScript name")
	}
	f.glyphs = make([]uint16, 0x10000)
	for r := range f.glyphs {
		if g, err := parsed.GlyphIndex(&buf, rune(r)); err == nil && int(g) < len(f.outlines) {
			f.glyphs[r] = uint16(g)
		}
	}
	return f, nil
}

// tableDirectory returns the tables of a TrueType font by tag.
func tableDirectory(ttf []byte) (map[string][]byte, error) {
	if len(ttf) < 12 || (string(ttf[:4]) != "\x00\x01\x00\x00" && string(ttf[:4]) != "true") {
		return nil, errors.New("not a TrueType font")
	}
	n := int(binary.BigEndian.Uint16(ttf[4:]))
	if len(ttf) < 12+16*n {
		return nil, errors.New("truncated table directory")
	}
	tables := make(map[string][]byte, n)
	for i := range n {
		e := ttf[12+16*i:]
		off, size := uint64(binary.BigEndian.Uint32(e[8:])), uint64(binary.BigEndian.Uint32(e[12:]))
		if off+size > uint64(len(ttf)) {
			return nil, fmt.Errorf("table %q lies beyond the font's end", e[:4])
		}
		tables[string(e[:4])] = ttf[off : off+size]
	}
	return tables, nil
}

// readTables reads the tables a subset needs and the metrics.
func (f *Font) readTables(t map[string][]byte) error {
	head, hhea, maxp := t["head"], t["hhea"], t["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 || len(t["post"]) < 32 {
		return errors.New("missing or short head, hhea, maxp or post table")
	}
	upem := float64(binary.BigEndian.Uint16(head[18:]))
	if upem == 0 {
		return errors.New("zero units per em")
	}
	f.tables = fontTables{head: head, hhea: hhea, maxp: maxp, hmtx: t["hmtx"], post: t["post"],
		cvt: t["cvt "], fpgm: t["fpgm"], prep: t["prep"], shortLoca: binary.BigEndian.Uint16(head[50:]) == 0}
	numGlyphs := int(binary.BigEndian.Uint16(maxp[4:]))
	if err := f.readWidths(numGlyphs, int(binary.BigEndian.Uint16(hhea[34:])), upem); err != nil {
		return err
	}
	if err := f.readOutlines(t["loca"], t["glyf"], numGlyphs); err != nil {
		return err
	}
	f.metrics = readMetrics(t, upem)
	return nil
}

// readWidths reads each glyph's advance from hmtx, rounded to thousandths
// of an em. Glyphs past the last long metric have its advance.
func (f *Font) readWidths(numGlyphs, numHMetrics int, upem float64) error {
	hmtx := f.tables.hmtx
	if numGlyphs == 0 || numHMetrics == 0 || numHMetrics > numGlyphs || len(hmtx) < 4*numHMetrics+2*(numGlyphs-numHMetrics) {
		return errors.New("bad hmtx table")
	}
	f.widths = make([]uint16, numGlyphs)
	for g := range f.widths {
		advance := binary.BigEndian.Uint16(hmtx[4*min(g, numHMetrics-1):])
		f.widths[g] = uint16(math.Round(float64(advance) * 1000 / upem))
	}
	return nil
}

// readOutlines splits glyf into glyphs, following loca.
func (f *Font) readOutlines(loca, glyf []byte, numGlyphs int) error {
	offset := func(g int) int {
		if f.tables.shortLoca {
			return 2 * int(binary.BigEndian.Uint16(loca[2*g:]))
		}
		return int(binary.BigEndian.Uint32(loca[4*g:]))
	}
	entry := 4
	if f.tables.shortLoca {
		entry = 2
	}
	if len(loca) < entry*(numGlyphs+1) {
		return errors.New("short loca table")
	}
	f.outlines = make([]outline, numGlyphs)
	for g := range numGlyphs {
		start, end := offset(g), offset(g+1)
		if start > end || end > len(glyf) {
			return fmt.Errorf("glyph %d lies outside the glyf table", g)
		}
		data := glyf[start:end]
		components, err := compositeComponents(data)
		if err != nil {
			return fmt.Errorf("glyph %d: %w", g, err)
		}
		f.outlines[g] = outline{data: data, components: components}
	}
	return nil
}

// Flags of a composite glyph's component.
const (
	argsAreWords   = 0x0001
	haveScale      = 0x0008
	moreComponents = 0x0020
	haveXYScale    = 0x0040
	haveTwoByTwo   = 0x0080
)

// compositeComponents returns the glyphs a composite glyph is made of, or
// nil for a simple or empty glyph.
func compositeComponents(data []byte) ([]uint16, error) {
	if len(data) < 10 || int16(binary.BigEndian.Uint16(data)) >= 0 {
		return nil, nil
	}
	var out []uint16
	for p := 10; ; {
		if p+4 > len(data) {
			return nil, errors.New("truncated composite glyph")
		}
		flags := binary.BigEndian.Uint16(data[p:])
		out = append(out, binary.BigEndian.Uint16(data[p+2:]))
		p += 4 + componentArgs(flags)
		if flags&moreComponents == 0 {
			return out, nil
		}
	}
}

// componentArgs returns the size of a component's arguments and transform.
func componentArgs(flags uint16) int {
	n := 2
	if flags&argsAreWords != 0 {
		n = 4
	}
	switch {
	case flags&haveScale != 0:
		n += 2
	case flags&haveXYScale != 0:
		n += 4
	case flags&haveTwoByTwo != 0:
		n += 8
	}
	return n
}

// readMetrics reads the font descriptor's values from head, hhea, OS/2
// and post.
func readMetrics(t map[string][]byte, upem float64) metrics {
	head, hhea, post, os2 := t["head"], t["hhea"], t["post"], t["OS/2"]
	scale := func(b []byte, at int) int {
		return int(math.Round(float64(int16(binary.BigEndian.Uint16(b[at:]))) * 1000 / upem))
	}
	m := metrics{ascent: scale(hhea, 4), descent: scale(hhea, 6),
		bbox:        [4]int{scale(head, 36), scale(head, 38), scale(head, 40), scale(head, 42)},
		italicAngle: float64(int32(binary.BigEndian.Uint32(post[4:]))) / 65536,
		fixedPitch:  binary.BigEndian.Uint32(post[12:]) != 0}
	m.capHeight, m.stemV = m.ascent, 80 // what a font without OS/2 gets
	if len(os2) >= 90 && binary.BigEndian.Uint16(os2) >= 2 {
		m.capHeight = scale(os2, 88)
	}
	if len(os2) >= 6 {
		// PDF wants the dominant stem width, which TrueType does not
		// record; this estimate from the weight class is the usual one.
		weight := float64(binary.BigEndian.Uint16(os2[4:]))
		m.stemV = 50 + int(weight*weight/(65*65))
	}
	return m
}
