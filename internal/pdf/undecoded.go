package pdf

import (
	"image/color"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/gsign/gsign/internal/pdf/internal/fastpng"
)

// undecodedPNG is a stamp's PNG that the stamper adds without decoding its
// pixels: an 8-bit indexed image, not interlaced, whose image data is the
// image stream as it is (see pngPixels) and whose transparency, if any,
// is its pixels. Typed signatures are such images (see inkImage): their
// alpha is their index. Decoding them only to learn their palette cost
// more CPU than anything else the stamper does with them.
type undecodedPNG struct {
	png    fastpng.Image
	lookup []byte // the /Indexed lookup table, as paletteTables makes it
	mask   bool   // the alpha of each pixel is its index
}

// readUndecoded returns b as an undecodedPNG, or false when the stamper
// must decode it: when fastpng.Read refuses it (image/png then refuses it
// too, with the error that the stamper has always given), when it is not
// an 8-bit indexed image, not interlaced, of at most maxStampPixels, or
// when its soft mask depends on its pixels (some entries transparent,
// others not, and alpha not the index).
//
// b's pixels are not checked: fastpng.Read checks the chunks and their
// CRCs, and GSign decoded the image when it captured the signature.
func readUndecoded(b []byte) (undecodedPNG, bool) {
	png, err := fastpng.Read(b)
	if err != nil || png.ColourType != fastpng.ColourIndexed || png.Depth != 8 || png.Interlaced ||
		int64(png.Width)*int64(png.Height) > maxStampPixels {
		return undecodedPNG{}, false
	}
	lookup, alphas := tables(func(i int) color.NRGBA { return png.Entry(i) })
	switch {
	case opaqueTable(alphas):
		return undecodedPNG{png: png, lookup: lookup}, true
	case alphaIsIndex(alphas):
		return undecodedPNG{png: png, lookup: lookup, mask: true}, true
	}
	return undecodedPNG{}, false
}

// newUndecodedXObject adds u to doc as newIndexedXObject adds the image u
// decodes to. Where all u's pixels are opaque although its palette is not
// (an ink image of solid ink), the image keeps a soft mask that masks
// nothing, where newIndexedXObject, which sees the pixels, leaves it out.
func newUndecodedXObject(doc *model.Context, u undecodedPNG) (imageXObject, error) {
	px := predicted(u.png)
	sd, err := indexedStream(doc, u.png.Width, u.png.Height, u.lookup, px)
	switch {
	case err != nil:
		return imageXObject{}, err
	case u.mask:
		return addImageXObject(doc, sd, &px)
	}
	return addImageXObject(doc, sd, nil)
}
