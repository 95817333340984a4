package pdfw

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gsign/gsign/internal/pdf/internal/deflate"
	"github.com/gsign/gsign/internal/pdf/internal/fastpng"
)

// Image is an image XObject of a document.
type Image struct {
	name string // the resource name, such as I1
	png  fastpng.Image
}

// AddPNG adds the PNG b to d as an image. Its compressed image data goes
// into the PDF as it is, read with a PNG predictor, as the stamper does
// with indexed images (internal/pdf/indexed.go): nothing is decompressed
// or compressed again. It takes opaque grey, RGB and indexed PNGs that are
// not interlaced, which is what internal/pdf/internal/fastpng encodes of
// an opaque image; an image with transparency must be drawn on a
// background first.
func (d *Document) AddPNG(b []byte) (*Image, error) {
	png, ok := fastpng.Parse(b)
	switch {
	case !ok:
		return nil, errors.New("add PNG: not a PNG, or interlaced")
	case png.Transparent || png.Components() != 1 && png.Components() != 3:
		return nil, errors.New("add PNG: the image has transparency")
	case png.Width <= 0 || png.Height <= 0:
		return nil, errors.New("add PNG: the image is empty")
	case png.ColourType == fastpng.ColourIndexed && (len(png.Palette) < 3 || len(png.Palette) > 3*256 || len(png.Palette)%3 != 0):
		return nil, errors.New("add PNG: bad palette")
	}
	img := &Image{name: "I" + strconv.Itoa(len(d.images)+1), png: png}
	d.images = append(d.images, img)
	return img, nil
}

func (img *Image) resourceName() string { return img.name }

// write writes the image at ref and, for an indexed image, its palette.
func (img *Image) write(o *objects, ref int) {
	h := img.png.Header
	var space string
	switch {
	case h.ColourType == fastpng.ColourIndexed:
		palette := o.alloc()
		o.stream(palette, "", deflate.Compress(img.png.Palette))
		space = fmt.Sprintf("[/Indexed /DeviceRGB %d %d 0 R]", len(img.png.Palette)/3-1, palette)
	case h.Components() == 3:
		space = "/DeviceRGB"
	default:
		space = "/DeviceGray"
	}
	o.stream(ref, fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent %d "+
		"/DecodeParms << /Predictor 15 /Colors %d /BitsPerComponent %d /Columns %d >>",
		h.Width, h.Height, space, h.Depth, h.Components(), h.Depth, h.Width), img.png.Data)
}
