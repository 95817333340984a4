package pdfw

import (
	"encoding/binary"
	"slices"
	"sort"
)

// subset returns a TrueType font program with the outlines of the glyphs
// in used (a set of glyph ids), the glyphs their composites are made of
// and .notdef; every other glyph is kept but empty, so that glyph ids stay
// as they are and a PDF can map character codes to them one to one
// (CIDToGIDMap /Identity). cmap maps the code points in runes (by glyph)
// to their glyphs; PDF readers do not need it, but font parsers do.
//
// Of the other tables it keeps those PDF needs (head, hhea, hmtx, maxp,
// cvt, fpgm, prep) and a post table without glyph names.
func (f *Font) subset(used []bool, runes []rune) []byte {
	keep := f.closure(used)
	glyf, loca := f.glyfLoca(keep)
	post := slices.Clone(f.tables.post[:32])
	binary.BigEndian.PutUint32(post, 0x00030000) // version 3: no glyph names
	head := slices.Clone(f.tables.head)
	binary.BigEndian.PutUint32(head[8:], 0) // checkSumAdjustment, set below
	tables := []sfntTable{{"cmap", cmap4(runes)}, {"cvt ", f.tables.cvt}, {"fpgm", f.tables.fpgm},
		{"glyf", glyf}, {"head", head}, {"hhea", f.tables.hhea}, {"hmtx", f.tables.hmtx},
		{"loca", loca}, {"maxp", f.tables.maxp}, {"post", post}, {"prep", f.tables.prep}}
	tables = slices.DeleteFunc(tables, func(t sfntTable) bool { return t.data == nil })
	return assemble(tables)
}

// closure returns used with .notdef and, recursively, the components of
// composite glyphs added.
func (f *Font) closure(used []bool) []bool {
	keep := slices.Clone(used)
	keep[0] = true
	var add func(g uint16, depth int)
	add = func(g uint16, depth int) {
		// Composites nest a few levels at most; the bound stops a cycle in
		// a broken font.
		if depth > 16 {
			return
		}
		for _, c := range f.outlines[g].components {
			if int(c) < len(keep) {
				keep[c] = true
				add(c, depth+1)
			}
		}
	}
	for g, k := range used {
		if k {
			add(uint16(g), 0)
		}
	}
	return keep
}

// glyfLoca returns glyf with the kept glyphs' outlines and a loca table
// in the font's format that points into it.
func (f *Font) glyfLoca(keep []bool) (glyf, loca []byte) {
	align, entry := 4, 4
	if f.tables.shortLoca {
		align, entry = 2, 2
	}
	size := 0
	for g, k := range keep {
		if k {
			size += len(f.outlines[g].data) + align
		}
	}
	glyf = make([]byte, 0, size)
	loca = make([]byte, 0, entry*(len(keep)+1))
	for g, k := range keep {
		loca = appendLoca(loca, len(glyf), f.tables.shortLoca)
		if k {
			glyf = append(glyf, f.outlines[g].data...)
			for len(glyf)%align != 0 {
				glyf = append(glyf, 0)
			}
		}
	}
	return glyf, appendLoca(loca, len(glyf), f.tables.shortLoca)
}

func appendLoca(loca []byte, offset int, short bool) []byte {
	if short {
		return binary.BigEndian.AppendUint16(loca, uint16(offset/2))
	}
	return binary.BigEndian.AppendUint32(loca, uint32(offset))
}

// cmap4 returns a cmap table with one format 4 subtable (Windows, Unicode
// BMP) that maps each code point in runes, indexed by glyph, to its glyph.
func cmap4(runes []rune) []byte {
	type pair struct{ r, g uint16 }
	var pairs []pair
	for g, r := range runes {
		if g != 0 && r > 0 && r < 0xffff {
			pairs = append(pairs, pair{uint16(r), uint16(g)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].r < pairs[j].r })
	// One segment per code point, and the final one that format 4 requires.
	segs := len(pairs) + 1
	length := 16 + 8*segs
	b := make([]byte, 0, 12+length)
	b = appendU16s(b, 0, 1, 3, 1)               // version, one subtable: Windows, Unicode BMP
	b = binary.BigEndian.AppendUint32(b, 12)    // its offset
	b = appendU16s(b, 4, uint16(length), 0)     // format, length, language
	b = appendU16s(b, searchParams(segs, 2)...) // segCountX2, searchRange, entrySelector, rangeShift
	for _, p := range pairs {
		b = appendU16s(b, p.r)
	}
	b = appendU16s(b, 0xffff, 0) // the final end code, reservedPad
	for _, p := range pairs {
		b = appendU16s(b, p.r)
	}
	b = appendU16s(b, 0xffff)
	for _, p := range pairs {
		b = appendU16s(b, p.g-p.r) // idDelta, modulo 65536
	}
	b = appendU16s(b, 1)
	for range segs {
		b = appendU16s(b, 0) // idRangeOffset
	}
	return b
}

// searchParams returns the binary search parameters that a font's table
// directory and a cmap format 4 subtable start with, for n entries of
// size bytes: n×size, searchRange, entrySelector, rangeShift.
func searchParams(n, size int) []uint16 {
	power, log := 1, 0
	for power*2 <= n {
		power, log = power*2, log+1
	}
	return []uint16{uint16(n * size), uint16(power * size), uint16(log), uint16((n - power) * size)}
}

func appendU16s(b []byte, vs ...uint16) []byte {
	for _, v := range vs {
		b = binary.BigEndian.AppendUint16(b, v)
	}
	return b
}

// sfntTable is one table of a font program.
type sfntTable struct {
	tag  string
	data []byte
}

// assemble returns a TrueType font program of tables, which are sorted by
// tag, with their checksums and head's checkSumAdjustment set.
func assemble(tables []sfntTable) []byte {
	offset := 12 + 16*len(tables) // where the first table starts
	size := offset
	for _, t := range tables {
		size += padded(len(t.data))
	}
	out := make([]byte, 0, size)
	out = binary.BigEndian.AppendUint32(out, 0x00010000)
	search := searchParams(len(tables), 16)
	search[0] = uint16(len(tables)) // the directory has numTables where cmap has segCountX2
	out = appendU16s(out, search...)
	for _, t := range tables {
		out = append(out, t.tag...)
		out = binary.BigEndian.AppendUint32(out, checksum(t.data))
		out = binary.BigEndian.AppendUint32(out, uint32(offset))
		out = binary.BigEndian.AppendUint32(out, uint32(len(t.data)))
		offset += padded(len(t.data))
	}
	head := -1
	for _, t := range tables {
		if t.tag == "head" {
			head = len(out)
		}
		out = append(out, t.data...)
		out = append(out, make([]byte, padded(len(t.data))-len(t.data))...)
	}
	if head >= 0 {
		binary.BigEndian.PutUint32(out[head+8:], 0xb1b0afba-checksum(out))
	}
	return out
}

// padded rounds n up to a multiple of 4: tables start at such offsets.
func padded(n int) int { return (n + 3) &^ 3 }

// checksum is the TrueType checksum: the sum of b as big-endian uint32s,
// zero-padded.
func checksum(b []byte) uint32 {
	var sum uint32
	for len(b) >= 4 {
		sum += binary.BigEndian.Uint32(b)
		b = b[4:]
	}
	var last [4]byte
	copy(last[:], b)
	return sum + binary.BigEndian.Uint32(last[:])
}
