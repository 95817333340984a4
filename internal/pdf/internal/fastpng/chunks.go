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

// Image is what PDF needs of a PNG to use its compressed image data as
// it is, read with a PNG predictor: the header, the palette and the data.
type Image struct {
	Header
	Palette     []byte // the PLTE chunk's RGB triples; nil when there is none
	Data        []byte // the zlib stream of all IDAT chunks, rows prefixed with their filter type
	Transparent bool   // a tRNS chunk gives some colours transparency
}

// Components is the number of samples per pixel: 1 for grey and indexed
// images, 3 for RGB, 2 and 4 for the types with alpha, 0 for a colour
// type PNG does not define.
func (h Header) Components() int {
	switch h.ColourType {
	case 0, ColourIndexed:
		return 1
	case 2:
		return 3
	case 4:
		return 2
	case 6:
		return 4
	}
	return 0
}

// Parse returns the header, palette and image data of a non-interlaced PNG.
// It reports false when b is not a well-formed PNG or is interlaced, which
// PDF cannot read as it is.
func Parse(b []byte) (Image, bool) {
	var img Image
	first, bad := true, false
	ok := Chunks(b, func(kind string, d []byte) bool {
		switch {
		case first:
			first = false
			if kind != "IHDR" || len(d) != 13 {
				bad = true
				return false
			}
			img.Header = Header{Width: int(binary.BigEndian.Uint32(d)), Height: int(binary.BigEndian.Uint32(d[4:])),
				Depth: int(d[8]), ColourType: int(d[9]), Interlaced: d[12] != 0}
		case kind == "PLTE":
			img.Palette = d
		case kind == "tRNS":
			img.Transparent = true
		case kind == "IDAT":
			img.Data = append(img.Data, d...)
		}
		return true
	})
	if !ok || bad || img.Interlaced || len(img.Data) == 0 || img.Components() == 0 {
		return Image{}, false
	}
	return img, true
}

// Indexed returns the header and the image data of a non-interlaced
// indexed PNG.
func Indexed(b []byte) (Header, []byte, bool) {
	img, ok := Parse(b)
	if !ok || img.ColourType != ColourIndexed {
		return Header{}, nil, false
	}
	return img.Header, img.Data, true
}
