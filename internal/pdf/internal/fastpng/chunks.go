package fastpng

import "encoding/binary"

// Signature starts every PNG file.
const Signature = "\x89PNG\r\n\x1a\n"

// Header is what GSign reads of a PNG's IHDR chunk.
type Header struct {
	Width, Height int
	Depth         int // bits per sample (per index for indexed images)
	ColourType    int // 3 for indexed
	Interlaced    bool
}

// ColourIndexed is the PNG colour type of indexed images.
const ColourIndexed = 3

// Chunks calls fn with each chunk of the PNG b in order, IHDR first, up to
// and including IEND, or until fn returns false. It reports false, having
// called fn with the chunks before, when b is not a well-formed sequence
// of chunks ending in IEND. CRCs are not checked: callers read only PNGs
// that image/png has decoded.
func Chunks(b []byte, fn func(kind string, data []byte) bool) bool {
	if len(b) < len(Signature) || string(b[:len(Signature)]) != Signature {
		return false
	}
	rest := b[len(Signature):]
	for len(rest) >= 12 {
		n := binary.BigEndian.Uint32(rest)
		if uint64(n) > uint64(len(rest)-12) {
			return false
		}
		kind, data := string(rest[4:8]), rest[8:8+n]
		rest = rest[12+n:]
		if !fn(kind, data) {
			return true
		}
		if kind == "IEND" {
			return true
		}
	}
	return false
}

// Indexed returns the header and the image data (the zlib stream of all
// IDAT chunks, rows prefixed with their filter type) of a non-interlaced
// indexed PNG. PDF reads such data as it is, with a PNG predictor.
func Indexed(b []byte) (Header, []byte, bool) {
	var h Header
	var data []byte
	first, bad := true, false
	ok := Chunks(b, func(kind string, d []byte) bool {
		switch {
		case first:
			first = false
			if kind != "IHDR" || len(d) != 13 {
				bad = true
				return false
			}
			h = Header{Width: int(binary.BigEndian.Uint32(d)), Height: int(binary.BigEndian.Uint32(d[4:])),
				Depth: int(d[8]), ColourType: int(d[9]), Interlaced: d[12] != 0}
		case kind == "IDAT":
			data = append(data, d...)
		}
		return true
	})
	if !ok || bad || h.ColourType != ColourIndexed || h.Interlaced || len(data) == 0 {
		return Header{}, nil, false
	}
	return h, data, true
}
