package pdf

import (
	"bytes"
	"image"
	"image/draw"
	"image/png"

	"github.com/pdfcpu/pdfcpu/pkg/filter"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pdf/internal/deflate"
)

// maxStampPixels bounds a stamp image's decoded size (about 100 MB of
// RGBA), so a tiny PNG declaring huge dimensions cannot exhaust memory.
// It bounds the images added without decoding too (see readUndecoded): a
// viewer decodes them, and a larger one goes to decodePNG, which refuses
// it with the error it has always given.
const maxStampPixels = 25_000_000

// imageXObject is an image already added to the document.
type imageXObject struct {
	ref           types.IndirectRef
	width, height int // pixels
}

// decodePNG decodes a stamp's PNG, refusing broken or oversized images
// with a validation error naming field.
func decodePNG(field string, b []byte) (image.Image, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, esign.Invalid(field, "is not a valid PNG image")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxStampPixels {
		return nil, esign.Invalid(field, "the image is empty or too large")
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, esign.Invalid(field, "is not a valid PNG image")
	}
	return img, nil
}

// newImageXObject adds img to doc as a Flate-compressed DeviceRGB image XObject.
// Its alpha channel, if any pixel is not opaque, becomes an /SMask so that
// a transparent signature background stays transparent on the page.
//
// png, when not nil, is the PNG img was decoded from: an indexed image
// may then keep its compressed data (see newIndexedXObject).
func newImageXObject(doc *model.Context, img image.Image, png []byte) (imageXObject, error) {
	if p, ok := img.(*image.Paletted); ok && len(p.Palette) > 0 {
		return newIndexedXObject(doc, p, png)
	}
	nrgba := toNRGBA(img)
	w, h := nrgba.Rect.Dx(), nrgba.Rect.Dy()
	rgb := make([]byte, 0, w*h*3)
	alpha := make([]byte, 0, w*h)
	opaque := true
	for y := range h {
		row := nrgba.Pix[y*nrgba.Stride : y*nrgba.Stride+w*4]
		for x := 0; x < len(row); x += 4 {
			rgb = append(rgb, row[x], row[x+1], row[x+2])
			alpha = append(alpha, row[x+3])
			opaque = opaque && row[x+3] == 0xff
		}
	}
	sd := imageStream(w, h, types.Name(model.DeviceRGBCS), pixels{raw: deflate.Compress(rgb)})
	var mask *pixels
	if !opaque {
		mask = &pixels{raw: deflate.Compress(alpha)}
	}
	return addImageXObject(doc, sd, mask)
}

// pixels are an image's samples compressed with deflate. With parms set,
// each row starts with a PNG filter type, as in a PNG's image data, and
// parms is the /DecodeParms that tells a reader so.
type pixels struct {
	raw   []byte
	parms types.Dict
}

// addImageXObject adds the image sd to doc, with the soft mask of its
// size, if any.
func addImageXObject(doc *model.Context, sd types.StreamDict, mask *pixels) (imageXObject, error) {
	w, h := *sd.IntEntry("Width"), *sd.IntEntry("Height")
	if mask != nil {
		ref, err := doc.IndRefForNewObject(imageStream(w, h, types.Name(model.DeviceGrayCS), *mask))
		if err != nil {
			return imageXObject{}, err
		}
		sd.Insert("SMask", *ref)
	}
	ref, err := doc.IndRefForNewObject(sd)
	if err != nil {
		return imageXObject{}, err
	}
	return imageXObject{ref: *ref, width: w, height: h}, nil
}

// imageStream returns an 8-bit image XObject of w×h pixels in colour
// space cs, with the entries of pdfcpu's CreateFlateImageStreamDict.
func imageStream(w, h int, cs types.Object, px pixels) types.StreamDict {
	d := types.Dict{
		"Type":             types.Name("XObject"),
		"Subtype":          types.Name("Image"),
		"Width":            types.Integer(w),
		"Height":           types.Integer(h),
		"BitsPerComponent": types.Integer(8),
		"ColorSpace":       cs,
	}
	if w < 1000 || h < 1000 {
		d["Interpolate"] = types.Boolean(true) // smoother when scaled up
	}
	sd := flateStreamOf(d, px.raw)
	if px.parms != nil {
		sd.Insert("DecodeParms", px.parms)
		sd.FilterPipeline[0].DecodeParms = px.parms
	}
	return sd
}

// flateStream returns a stream of d's entries and content, compressed
// with deflate rather than by pdfcpu, which sets up a compressor at the
// default level for every stream.
func flateStream(d types.Dict, content []byte) types.StreamDict {
	return flateStreamOf(d, deflate.Compress(content))
}

// flateStreamOf returns a stream of d's entries over raw, already
// compressed with deflate.
func flateStreamOf(d types.Dict, raw []byte) types.StreamDict {
	n := int64(len(raw))
	d["Filter"] = types.Name(filter.Flate)
	d["Length"] = types.Integer(n)
	return types.StreamDict{Dict: d, Raw: raw, StreamLength: &n,
		FilterPipeline: []types.PDFFilter{{Name: filter.Flate}}}
}

// toNRGBA returns img as non-premultiplied RGBA with its origin at 0,0,
// which is what PDF expects for a colour image plus a separate soft mask.
func toNRGBA(img image.Image) *image.NRGBA {
	if n, ok := img.(*image.NRGBA); ok && n.Rect.Min == (image.Point{}) {
		return n
	}
	b := img.Bounds()
	n := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(n, n.Rect, img, b.Min, draw.Src)
	return n
}
