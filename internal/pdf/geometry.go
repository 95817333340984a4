package pdf

import (
	"errors"
	"fmt"
	"math"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// rect is an axis-aligned rectangle in a page's user space, normalised so
// that llx <= urx and lly <= ury.
type rect struct {
	llx, lly, urx, ury float64
}

func newRect(r *types.Rectangle) rect {
	return rect{
		llx: math.Min(r.LL.X, r.UR.X), lly: math.Min(r.LL.Y, r.UR.Y),
		urx: math.Max(r.LL.X, r.UR.X), ury: math.Max(r.LL.Y, r.UR.Y),
	}
}

func (r rect) width() float64  { return r.urx - r.llx }
func (r rect) height() float64 { return r.ury - r.lly }

// usable reports whether r has finite coordinates and a positive area.
func (r rect) usable() bool {
	for _, v := range []float64{r.llx, r.lly, r.urx, r.ury} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return r.width() > 0 && r.height() > 0
}

func (r rect) intersect(o rect) rect {
	return rect{
		llx: math.Max(r.llx, o.llx), lly: math.Max(r.lly, o.lly),
		urx: math.Min(r.urx, o.urx), ury: math.Min(r.ury, o.ury),
	}
}

// pageGeom is what a viewer shows of a page: the part of user space inside
// the effective crop box, turned clockwise by rotate degrees.
type pageGeom struct {
	box    rect
	rotate int // 0, 90, 180 or 270
}

// size returns the displayed width and height in points.
func (g pageGeom) size() (w, h float64) {
	if g.rotate == 90 || g.rotate == 270 {
		return g.box.height(), g.box.width()
	}
	return g.box.width(), g.box.height()
}

// toUser maps a displayed point (u right, v down from the displayed page's
// top-left corner) to user space. Turning the page clockwise by 90 degrees
// makes user-space +y point right and +x point down, and so on.
func (g pageGeom) toUser(u, v float64) (x, y float64) {
	b := g.box
	switch g.rotate {
	case 90:
		return b.llx + v, b.lly + u
	case 180:
		return b.urx - u, b.lly + v
	case 270:
		return b.urx - v, b.ury - u
	default:
		return b.llx + u, b.ury - v
	}
}

// matrix is a PDF transformation matrix [a b c d e f].
type matrix [6]float64

// boxMatrix returns the matrix that maps an upright local space for the
// displayed box (x, y, w, h) — origin at the box's displayed bottom-left,
// +x right, +y up, in points — to user space. Content drawn in that local
// space appears upright to the viewer whatever the page's /Rotate.
func (g pageGeom) boxMatrix(x, y, w, h float64) matrix {
	ox, oy := g.toUser(x, y+h)
	ax, ay := g.toUser(x+1, y+h)
	bx, by := g.toUser(x, y+h-1)
	return matrix{ax - ox, ay - oy, bx - ox, by - oy, ox, oy}
}

// normaliseRotate returns r as one of 0, 90, 180 or 270. Values that are
// not multiples of 90 are invalid; viewers ignore them, and so do we.
func normaliseRotate(r int) int {
	r = ((r % 360) + 360) % 360
	if r%90 != 0 {
		return 0
	}
	return r
}

// pageGeometries returns every page's displayed geometry, taken from its
// crop box (clipped to the media box, as viewers do) and its /Rotate.
func pageGeometries(doc *model.Context) ([]pageGeom, error) {
	var pbs []model.PageBoundaries
	err := guard(func() error {
		var err error
		pbs, err = doc.PageBoundaries(nil)
		return err
	})
	if err != nil {
		return nil, errInvalid("the page sizes of the PDF cannot be read")
	}
	geoms := make([]pageGeom, len(pbs))
	for i, pb := range pbs {
		g, err := geometryOf(pb)
		if err != nil {
			return nil, errInvalid(fmt.Sprintf("page %d: %v", i+1, err))
		}
		geoms[i] = g
	}
	return geoms, nil
}

func geometryOf(pb model.PageBoundaries) (pageGeom, error) {
	mb := pb.MediaBox()
	if mb == nil {
		return pageGeom{}, errors.New("the page has no size (missing media box)")
	}
	media := newRect(mb)
	if !media.usable() {
		return pageGeom{}, errors.New("the page has an invalid size")
	}
	box := media
	if cb := pb.CropBox(); cb != nil {
		if crop := newRect(cb).intersect(media); crop.usable() {
			box = crop
		}
	}
	return pageGeom{box: box, rotate: normaliseRotate(pb.Rot)}, nil
}
