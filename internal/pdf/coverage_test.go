package pdf

import (
	"bytes"
	"image"
	"testing"
)

// coverOver composites a mask that is not an *image.Alpha, which
// opentype faces never give, as it does an *image.Alpha: same pixels, same
// ink rectangle, also where the mask overlaps earlier ink or the edge.
func TestCoverOverAnyMask(t *testing.T) {
	t.Parallel()
	alpha := image.NewAlpha(image.Rect(0, 0, 6, 5))
	wide := image.NewAlpha16(alpha.Rect)
	for i := range alpha.Pix {
		if x, y := i%6, i/6; x > 0 && y > 1 && x < 5 {
			alpha.Pix[i] = uint8(40*x + 10*y)
			wide.Pix[2*i], wide.Pix[2*i+1] = alpha.Pix[i], alpha.Pix[i]
		}
	}
	tests := []struct {
		name string
		at   image.Point // where the mask's corner goes
	}{
		{"inside", image.Pt(2, 3)},
		{"over the edge", image.Pt(7, -2)},
		{"outside", image.Pt(20, 20)},
	}
	for _, tc := range tests {
		var dsts [2]*image.Alpha
		var inks [2]image.Rectangle
		for i, mask := range []image.Image{alpha, wide} {
			dsts[i] = image.NewAlpha(image.Rect(0, 0, 10, 8))
			dsts[i].Pix[dsts[i].PixOffset(4, 5)] = 0x80 // earlier ink
			inks[i] = coverOver(dsts[i], mask.Bounds().Add(tc.at), mask, image.Point{})
		}
		if !bytes.Equal(dsts[0].Pix, dsts[1].Pix) || inks[0] != inks[1] {
			t.Errorf("%s: an *image.Alpha16 mask gives ink %v, an *image.Alpha %v", tc.name, inks[1], inks[0])
		}
		want := image.Rect(1, 2, 5, 5).Add(tc.at).Intersect(dsts[0].Rect)
		if inks[0] != want {
			t.Errorf("%s: ink %v, want %v", tc.name, inks[0], want)
		}
	}
}
