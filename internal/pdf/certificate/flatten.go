package certificate

import (
	"image"
	"image/color"
	"image/draw"
)

// flatten returns img drawn on white, with no transparency left.
//
// The certificate shows each signature on the white page, inside a box
// that is only stroked, so drawing it on white first changes nothing a
// reader sees. It saves CPU: the PDF takes the image data of an opaque
// PNG as it is (see pdfw.Document.AddPNG), while a PNG with alpha would
// have to be inflated, its colour split from its alpha, and both
// compressed again.
//
// An image with at most 256 colours once on white becomes indexed, which
// is lossless and a third of the data of RGB to compress: a typed
// signature has one ink in at most 256 levels of coverage, and most drawn
// ones are alike. Any other image becomes 8-bit RGB.
func flatten(img image.Image) image.Image {
	if p, ok := img.(*image.Paletted); ok {
		return paletteOnWhite(p)
	}
	b := img.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Rect, image.White, image.Point{}, draw.Src)
	draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Over)
	if p := indexed(rgba); p != nil {
		return p
	}
	return rgba
}

// paletteOnWhite returns p with its palette drawn on white; the pixels,
// indices into the palette, stay as they are. Typed signatures come as
// such images.
func paletteOnWhite(p *image.Paletted) *image.Paletted {
	pal := make(color.Palette, len(p.Palette))
	for i, c := range p.Palette {
		r, g, b, a := c.RGBA() // premultiplied, so over white adds the rest
		over := func(v uint32) uint8 { return uint8((v + 0xffff - a) >> 8) }
		pal[i] = color.RGBA{R: over(r), G: over(g), B: over(b), A: 0xff}
	}
	return &image.Paletted{Pix: p.Pix, Stride: p.Stride, Rect: p.Rect, Palette: pal}
}

// indexed returns the opaque m as an indexed image, its palette in the
// order the colours first appear (so the output is deterministic), or nil
// when m has more than 256 colours.
func indexed(m *image.RGBA) *image.Paletted {
	p := image.NewPaletted(m.Rect, make(color.Palette, 0, 256))
	index := make(map[[3]uint8]uint8, 256)
	var last [3]uint8
	var lastIndex uint8
	haveLast := false
	w, h := m.Rect.Dx(), m.Rect.Dy()
	for y := range h {
		row := m.Pix[y*m.Stride : y*m.Stride+4*w]
		out := p.Pix[y*p.Stride : y*p.Stride+w]
		for x := range w {
			c := [3]uint8{row[4*x], row[4*x+1], row[4*x+2]}
			// Signatures are long runs of one colour: look up changes only.
			if !haveLast || c != last {
				i, ok := index[c]
				if !ok {
					if len(p.Palette) == 256 {
						return nil
					}
					i = uint8(len(p.Palette))
					index[c] = i
					p.Palette = append(p.Palette, color.RGBA{R: c[0], G: c[1], B: c[2], A: 0xff})
				}
				last, lastIndex, haveLast = c, i, true
			}
			out[x] = lastIndex
		}
	}
	return p
}
