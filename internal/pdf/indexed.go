package pdf

import (
	"image"
	"image/color"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/gsign/gsign/internal/pdf/internal/deflate"
	"github.com/gsign/gsign/internal/pdf/internal/fastpng"
)

// newIndexedXObject adds the indexed image p to doc as an /Indexed image:
// its pixels go into the PDF as they are, one byte each instead of three
// for RGB, with the palette as the lookup table. Transparency becomes an
// /SMask, as for other images.
//
// When png, the PNG p was decoded from, is 8-bit indexed and not
// interlaced, its compressed image data is the image stream as it is, read
// with a PNG predictor: nothing is compressed again. Typed signatures,
// the most common such images, do not get here: the stamper adds them
// without decoding them (see readUndecoded), as this would.
func newIndexedXObject(doc *model.Context, p *image.Paletted, png []byte) (imageXObject, error) {
	w, h := p.Rect.Dx(), p.Rect.Dy()
	lookup, alphas := paletteTables(p.Palette)
	px, ok := pngPixels(png, w, h)
	if !ok {
		px = pixels{raw: deflate.Compress(indices(p))}
	}
	sd, err := indexedStream(doc, w, h, lookup, px)
	if err != nil {
		return imageXObject{}, err
	}
	switch {
	case opaque(p, alphas):
		return addImageXObject(doc, sd, nil)
	case alphaIsIndex(alphas):
		// The alpha of each pixel is its index: the mask is the pixels.
		return addImageXObject(doc, sd, &px)
	}
	mask := indices(p)
	for i, c := range mask {
		mask[i] = alphas[c]
	}
	return addImageXObject(doc, sd, &pixels{raw: deflate.Compress(mask)})
}

// indexedStream returns the /Indexed image of w×h pixels px, adding its
// lookup table to doc.
func indexedStream(doc *model.Context, w, h int, lookup []byte, px pixels) (types.StreamDict, error) {
	// The lookup table goes in a compressed stream: as a hex string it
	// would take 1.5 KB, where an ink palette compresses to a few bytes.
	table, err := doc.IndRefForNewObject(flateStream(types.Dict{}, lookup))
	if err != nil {
		return types.StreamDict{}, err
	}
	cs := types.Array{types.Name(model.IndexedCS), types.Name(model.DeviceRGBCS), types.Integer(255), *table}
	return imageStream(w, h, cs, px), nil
}

// pngPixels returns the image data of png, if it is an 8-bit indexed PNG
// of w×h pixels, not interlaced.
func pngPixels(png []byte, w, h int) (pixels, bool) {
	if png == nil {
		return pixels{}, false
	}
	img, ok := fastpng.Parse(png)
	if !ok || img.ColourType != fastpng.ColourIndexed || img.Depth != 8 || img.Width != w || img.Height != h {
		return pixels{}, false
	}
	return predicted(img), true
}

// predicted is the image data of img, an 8-bit indexed PNG, as PDF reads
// it: with a PNG predictor.
func predicted(img fastpng.Image) pixels {
	parms := types.Dict{"Predictor": types.Integer(15), "Colors": types.Integer(1),
		"BitsPerComponent": types.Integer(8), "Columns": types.Integer(img.Width)}
	return pixels{raw: img.Data, parms: parms}
}

// indices returns p's pixels, row after row.
func indices(p *image.Paletted) []byte {
	w := p.Rect.Dx()
	out := make([]byte, 0, w*p.Rect.Dy())
	for y := p.Rect.Min.Y; y < p.Rect.Max.Y; y++ {
		out = append(out, p.Pix[p.PixOffset(p.Rect.Min.X, y):][:w]...)
	}
	return out
}

// opaque reports whether every pixel of p is opaque.
func opaque(p *image.Paletted, alphas [256]byte) bool {
	w := p.Rect.Dx()
	for y := p.Rect.Min.Y; y < p.Rect.Max.Y; y++ {
		for _, i := range p.Pix[p.PixOffset(p.Rect.Min.X, y):][:w] {
			if alphas[i] != 0xff {
				return false
			}
		}
	}
	return true
}

// paletteTables returns the RGB lookup table of an /Indexed colour space
// with 256 entries and the alpha of each entry. Entries beyond the palette
// are opaque black, which is what image/png decodes such indices as.
func paletteTables(pal color.Palette) (lookup []byte, alphas [256]byte) {
	return tables(func(i int) color.NRGBA {
		if i < len(pal) {
			return nrgba(pal[i])
		}
		return color.NRGBA{A: 0xff}
	})
}

// tables returns the RGB lookup table of an /Indexed colour space with 256
// entries, entry i, and the alpha of each entry.
func tables(entry func(i int) color.NRGBA) (lookup []byte, alphas [256]byte) {
	lookup = make([]byte, 3*256)
	for i := range 256 {
		c := entry(i)
		lookup[3*i], lookup[3*i+1], lookup[3*i+2] = c.R, c.G, c.B
		alphas[i] = c.A
	}
	return lookup, alphas
}

// opaqueTable reports whether every entry of a palette is opaque.
func opaqueTable(alphas [256]byte) bool {
	for _, a := range alphas {
		if a != 0xff {
			return false
		}
	}
	return true
}

// nrgba converts c without boxing a colour, keeping the colour of a
// transparent color.NRGBA (as image/png decodes palettes with alpha): with
// interpolation, a viewer blends neighbouring colours before the mask
// hides them, and the ink colour there keeps edges from darkening.
func nrgba(c color.Color) color.NRGBA {
	if n, ok := c.(color.NRGBA); ok {
		return n
	}
	r, g, b, a := c.RGBA()
	return color.NRGBA{R: unpremultiply(r, a), G: unpremultiply(g, a), B: unpremultiply(b, a), A: uint8(a >> 8)}
}

// unpremultiply returns the 8-bit colour value of the premultiplied
// 16-bit v at alpha a, as color.NRGBAModel does, without boxing a colour.
func unpremultiply(v, a uint32) uint8 {
	if a == 0 {
		return 0
	}
	return uint8((v * 0xffff / a) >> 8)
}

// alphaIsIndex reports whether the alpha of each entry is its index, as
// in an ink palette.
func alphaIsIndex(alphas [256]byte) bool {
	for i, a := range alphas {
		if int(a) != i {
			return false
		}
	}
	return true
}
