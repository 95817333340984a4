package fastpng

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image/color"
)

// ErrFormat is wrapped by every refusal of Read.
var ErrFormat = errors.New("png: invalid format")

// Read returns the header, palette, transparency and image data of the
// PNG b, having checked every chunk as image/png does before it inflates
// the image data: the signature, each chunk's length and CRC, the order of
// the critical chunks, the header's fields and the lengths of PLTE and
// tRNS. It does not inflate the image data, so it cannot tell a damaged
// zlib stream or too much or too little data from a good one: callers use
// it on PNGs that image/png decoded when they were stored (GSign checks
// every signature so when it is captured), and the CRCs catch what storage
// damages. Anything Read accepts, image/png's DecodeConfig accepts too,
// and anything image/png decodes, Read accepts (see FuzzRead).
//
// Interlaced images are read, as image/png does: PDF cannot take their
// data as it is, which callers check.
func Read(b []byte) (Image, error) {
	r := reader{}
	if len(b) < len(Signature) || string(b[:len(Signature)]) != Signature {
		return Image{}, fmt.Errorf("%w: not a PNG file", ErrFormat)
	}
	rest := b[len(Signature):]
	for r.stage != seenIEND {
		if len(rest) < 12 {
			return Image{}, fmt.Errorf("%w: truncated", ErrFormat)
		}
		n := binary.BigEndian.Uint32(rest)
		if n > 0x7fffffff || uint64(n) > uint64(len(rest)-12) {
			return Image{}, fmt.Errorf("%w: truncated or bad chunk length %d", ErrFormat, n)
		}
		kind, data := string(rest[4:8]), rest[8:8+n:8+n]
		if crc32.ChecksumIEEE(rest[4:8+n]) != binary.BigEndian.Uint32(rest[8+n:]) {
			return Image{}, fmt.Errorf("%w: invalid checksum of %q", ErrFormat, kind)
		}
		if err := r.chunk(kind, data); err != nil {
			return Image{}, fmt.Errorf("%w: %s", ErrFormat, err)
		}
		rest = rest[12+n:]
	}
	return r.img, nil
}

// Entry returns entry i of an indexed image's palette as image/png
// decodes it: PLTE's colour with tRNS's alpha, opaque where tRNS has
// none. Entries beyond PLTE are black, which is how image/png (and libpng)
// show the indices a palette lacks.
func (img Image) Entry(i int) color.NRGBA {
	c := color.NRGBA{A: 0xff}
	if p := img.Palette; 3*i+2 < len(p) {
		c.R, c.G, c.B = p[3*i], p[3*i+1], p[3*i+2]
	}
	if i < len(img.Alpha) {
		c.A = img.Alpha[i]
	}
	return c
}

// Stages of reading, in the order image/png requires the chunks.
const (
	start = iota
	seenIHDR
	seenPLTE
	seentRNS
	seenIDAT
	seenIEND
)

// reader is the state of Read between chunks.
type reader struct {
	img    Image
	stage  int
	inIDAT bool // the chunk before was IDAT: one more continues the data
}

// chunk checks one chunk's place and contents and records what it holds.
func (r *reader) chunk(kind string, d []byte) error {
	afterIDAT := r.inIDAT
	r.inIDAT = false
	switch kind {
	case "IHDR":
		return r.header(d)
	case "PLTE":
		return r.palette(d)
	case "tRNS":
		return r.transparency(d)
	case "IDAT":
		return r.data(d, afterIDAT)
	case "IEND":
		return r.end(d)
	}
	return nil // image/png ignores every other chunk, critical or not
}

// end reads IEND, which follows the image data. The shortest zlib
// stream takes 8 bytes.
func (r *reader) end(d []byte) error {
	switch {
	case r.stage != seenIDAT:
		return errors.New("chunk out of order")
	case len(d) != 0:
		return errors.New("bad IEND length")
	case len(r.img.Data) < 8:
		return errors.New("not enough pixel data")
	}
	r.stage = seenIEND
	return nil
}

// header reads IHDR, refusing what image/png refuses.
func (r *reader) header(d []byte) error {
	switch {
	case r.stage != start:
		return errors.New("chunk out of order")
	case len(d) != 13:
		return errors.New("bad IHDR length")
	case d[10] != 0 || d[11] != 0:
		return errors.New("unsupported compression or filter method")
	case d[12] > 1:
		return errors.New("invalid interlace method")
	}
	w, h := int32(binary.BigEndian.Uint32(d)), int32(binary.BigEndian.Uint32(d[4:]))
	if w <= 0 || h <= 0 {
		return errors.New("non-positive dimension")
	}
	r.img.Header = Header{Width: int(w), Height: int(h), Depth: int(d[8]), ColourType: int(d[9]), Interlaced: d[12] == 1}
	if !validDepth(r.img.Depth, r.img.ColourType) {
		return fmt.Errorf("unsupported bit depth %d, color type %d", d[8], d[9])
	}
	r.stage = seenIHDR
	return nil
}

// validDepth reports whether image/png reads images of this bit depth
// and colour type.
func validDepth(depth, colour int) bool {
	switch colour {
	case 0:
		return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16
	case ColourIndexed:
		return depth == 1 || depth == 2 || depth == 4 || depth == 8
	case 2, 4, 6:
		return depth == 8 || depth == 16
	}
	return false
}

// palette reads PLTE, which only indexed images need and RGB ones may
// have (image/png ignores it there).
func (r *reader) palette(d []byte) error {
	np := len(d) / 3
	switch {
	case r.stage != seenIHDR:
		return errors.New("chunk out of order")
	case len(d)%3 != 0 || np == 0 || np > 256 || np > 1<<r.img.Depth:
		return errors.New("bad PLTE length")
	case r.img.ColourType != ColourIndexed && r.img.ColourType != 2 && r.img.ColourType != 6:
		return errors.New("PLTE, color type mismatch")
	}
	r.img.Palette = d
	r.stage = seenPLTE
	return nil
}

// transparency reads tRNS: the alpha of the first palette entries of an
// indexed image, or the one transparent colour of a grey or RGB one.
func (r *reader) transparency(d []byte) error {
	ordered := r.stage == seenIHDR
	want := -1 // the length required, -1 for up to 256
	switch r.img.ColourType {
	case ColourIndexed:
		ordered = r.stage == seenPLTE
	case 2:
		ordered, want = r.stage == seenIHDR || r.stage == seenPLTE, 6
	case 0:
		want = 2
	}
	switch {
	case !ordered:
		return errors.New("chunk out of order")
	case r.img.ColourType == 4 || r.img.ColourType == 6:
		return errors.New("tRNS, color type mismatch")
	case want >= 0 && len(d) != want || len(d) > 256:
		return errors.New("bad tRNS length")
	}
	r.img.Alpha, r.img.Transparent = d, true
	r.stage = seentRNS
	return nil
}

// data reads IDAT. The image data is the consecutive IDAT chunks from
// the first; image/png ignores any after another chunk. The data must
// start with a zlib header that image/png's reader takes.
func (r *reader) data(d []byte, afterIDAT bool) error {
	switch {
	case r.stage < seenIHDR || r.stage > seenIDAT || r.stage == seenIHDR && r.img.ColourType == ColourIndexed:
		return errors.New("chunk out of order")
	case r.stage == seenIDAT && !afterIDAT:
		return nil
	}
	r.stage, r.inIDAT = seenIDAT, true
	if r.img.Data == nil {
		r.img.Data = d // a sub-slice of b, full: appending copies
	} else {
		r.img.Data = append(r.img.Data, d...)
	}
	if len(r.img.Data) >= 2 && !zlibHeader(r.img.Data[0], r.img.Data[1]) {
		return errors.New("zlib: invalid header")
	}
	return nil
}

// zlibHeader reports whether cmf and flg start a zlib stream that
// compress/zlib reads: deflate, a window of at most 32 KB, a good check
// and no preset dictionary.
func zlibHeader(cmf, flg byte) bool {
	return cmf&0x0f == 8 && cmf>>4 <= 7 && (uint(cmf)<<8|uint(flg))%31 == 0 && flg&0x20 == 0
}
