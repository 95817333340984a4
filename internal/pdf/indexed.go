package pdf

import (
	"image"
	"image/color"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// newIndexedXObject adds the indexed image p to doc as an /Indexed image:
// its pixels go into the PDF as they are, one byte each instead of three
// for RGB, with the palette as the lookup table. Typed signatures are such
// images (see inkImage). Transparency becomes an /SMask, as for other
// images.
func newIndexedXObject(doc *model.Context, p *image.Paletted) (imageXObject, error) {
	w, h := p.Rect.Dx(), p.Rect.Dy()
	lookup, alphas := paletteTables(p.Palette)
	pix := make([]byte, 0, w*h)
	opaque := true
	for y := range h {
		row := p.Pix[p.PixOffset(p.Rect.Min.X, p.Rect.Min.Y+y):][:w]
		pix = append(pix, row...)
		for _, i := range row {
			opaque = opaque && alphas[i] == 0xff
		}
	}
	// The lookup table goes in a compressed stream: as a hex string it
	// would take 1.5 KB, where an ink palette compresses to a few bytes.
	table, err := doc.IndRefForNewObject(flateStream(types.Dict{}, lookup))
	if err != nil {
		return imageXObject{}, err
	}
	cs := types.Array{types.Name(model.IndexedCS), types.Name(model.DeviceRGBCS), types.Integer(255), *table}
	raw := deflate(pix)
	sd := imageStream(w, h, cs, raw)
	switch {
	case opaque:
		return addImageXObject(doc, sd, nil)
	case alphaIsIndex(alphas):
		// The alpha of each pixel is its index: the mask is the pixels.
		return addImageXObject(doc, sd, raw)
	}
	mask := make([]byte, len(pix))
	for i, c := range pix {
		mask[i] = alphas[c]
	}
	return addImageXObject(doc, sd, deflate(mask))
}

// paletteTables returns the RGB lookup table of an /Indexed colour space
// with 256 entries and the alpha of each entry. Entries beyond the palette
// are opaque black, which is what image/png decodes such indices as.
func paletteTables(pal color.Palette) (lookup []byte, alphas [256]byte) {
	lookup = make([]byte, 3*256)
	for i := range 256 {
		c := color.NRGBA{A: 0xff}
		if i < len(pal) {
			c = nrgba(pal[i])
		}
		lookup[3*i], lookup[3*i+1], lookup[3*i+2] = c.R, c.G, c.B
		alphas[i] = c.A
	}
	return lookup, alphas
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

func alphaIsIndex(alphas [256]byte) bool {
	for i, a := range alphas {
		if int(a) != i {
			return false
		}
	}
	return true
}
