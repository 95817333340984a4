package pdf

import (
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
)

// drawCoverage draws text into dst from dot as font.Drawer.DrawString
// does (kerning, advances, glyphs the face lacks skipped), keeping only
// coverage. A single-ink image needs nothing else, and one byte per pixel
// is a quarter of what drawing into RGBA costs in memory and time. It
// returns the smallest rectangle holding the pixels it inked, found while
// compositing, so that cropping to the ink needs no second pass over the
// image.
func drawCoverage(dst *image.Alpha, face font.Face, dot fixed.Point26_6, text string) image.Rectangle {
	var ink image.Rectangle
	prev := rune(-1)
	for _, r := range text {
		if prev >= 0 {
			dot.X += face.Kern(prev, r)
		}
		dr, mask, maskp, advance, ok := face.Glyph(dot, r)
		if !ok {
			continue
		}
		ink = ink.Union(coverOver(dst, dr, mask, maskp))
		dot.X += advance
		prev = r
	}
	return ink
}

// coverOver composites mask over dst in r, as draw.Over composites an
// opaque colour through a mask: out = m + dst·(1−m). It returns the
// smallest rectangle holding the pixels the mask inked.
func coverOver(dst *image.Alpha, r image.Rectangle, mask image.Image, mp image.Point) image.Rectangle {
	clipped := r.Intersect(dst.Rect)
	m, ok := mask.(*image.Alpha)
	if !ok { // opentype faces give *image.Alpha; anything else the slow way
		mp = mp.Add(clipped.Min.Sub(r.Min))
		draw.DrawMask(dst, clipped, image.Opaque, image.Point{}, mask, mp, draw.Over)
		return maskInk(mask, clipped, mp)
	}
	mp = mp.Add(clipped.Min.Sub(r.Min))
	var ink image.Rectangle
	for y := range clipped.Dy() {
		d := dst.Pix[dst.PixOffset(clipped.Min.X, clipped.Min.Y+y):][:clipped.Dx()]
		s := m.Pix[m.PixOffset(mp.X, mp.Y+y):][:clipped.Dx()]
		first, last := -1, 0
		for x, c := range s {
			if c == 0 {
				continue
			}
			if first < 0 {
				first = x
			}
			last = x
			d[x] = over(c, d[x])
		}
		if first >= 0 {
			row := image.Rect(first, y, last+1, y+1).Add(clipped.Min)
			ink = ink.Union(row)
		}
	}
	return ink
}

// maskInk returns the smallest part of r where mask, placed with mp at
// r.Min, is not transparent, for masks of any type.
func maskInk(mask image.Image, r image.Rectangle, mp image.Point) image.Rectangle {
	var ink image.Rectangle
	for y := range r.Dy() {
		for x := range r.Dx() {
			if _, _, _, a := mask.At(mp.X+x, mp.Y+y).RGBA(); a != 0 {
				ink = ink.Union(image.Rect(x, y, x+1, y+1).Add(r.Min))
			}
		}
	}
	return ink
}

// over is coverage m composited over coverage d. Most pixels are either
// fully covered or not yet inked, and both give m exactly, so only the
// pixels where glyphs' edges overlap pay for the division.
func over(m, d uint8) uint8 {
	if d == 0 || m == 0xff {
		return m
	}
	ma := uint32(m) * 0x101
	da := uint32(d) * 0x101
	return uint8((ma + da*(0xffff-ma)/0xffff) >> 8)
}

// cropToInk returns the part of img holding ink plus margin, sharing
// img's pixels. Glyph bounds from the font are control-point boxes, which
// italic outlines overshoot, so the ink is what drawCoverage measured on
// the pixels. The crop stays inside img, which the caller made at least
// margin larger than the glyph boxes on every side.
func cropToInk(img *image.Alpha, ink image.Rectangle, margin int) *image.Alpha {
	if ink.Empty() {
		return img
	}
	return img.SubImage(ink.Inset(-margin)).(*image.Alpha)
}

// inkImage returns the coverage img drawn in the one colour ink, as an
// indexed image whose index is the alpha: palette entry i is ink at alpha
// i. It shares img's pixels. PNG does not filter indexed images, so
// encoding it, and decoding it when the envelope is sealed, costs a
// fraction of RGBA.
func inkImage(img *image.Alpha, ink color.NRGBA) *image.Paletted {
	pal, ok := inkPalettes[ink]
	if !ok {
		pal = inkPalette(ink)
	}
	return &image.Paletted{Pix: img.Pix, Stride: img.Stride, Rect: img.Rect, Palette: pal}
}
