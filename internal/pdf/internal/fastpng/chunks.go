package fastpng

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

// Image is what PDF needs of a PNG to use its compressed image data as
// it is, read with a PNG predictor: the header, the palette and the data.
type Image struct {
	Header
	Palette     []byte // the PLTE chunk's RGB triples; nil when there is none
	Alpha       []byte // the tRNS chunk's data; nil when there is none
	Data        []byte // the zlib stream of the IDAT chunks, rows prefixed with their filter type
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
// It reports false when Read refuses b or b is interlaced, which PDF
// cannot read as it is.
func Parse(b []byte) (Image, bool) {
	img, err := Read(b)
	if err != nil || img.Interlaced {
		return Image{}, false
	}
	return img, true
}
