package pdfw

import (
	"math"
	"strconv"
)

// Page is one page's content. Coordinates are in points from the page's
// bottom-left corner, as in PDF.
//
// A page remembers the colours and line width its content has set, and
// sets them again only when they change.
type Page struct {
	doc          *Document
	content      []byte
	fill, stroke RGB
	lineWidth    float64
	// Whether fill, stroke and lineWidth hold what the content has set;
	// before, they are PDF's defaults.
	fillOK, strokeOK, lineOK bool
}

// RGB is a colour in 8-bit components.
type RGB struct{ R, G, B uint8 }

func newPage(d *Document) *Page {
	return &Page{doc: d, content: make([]byte, 0, 8<<10)}
}

// SetFillColor sets the colour of text and filled shapes.
func (p *Page) SetFillColor(c RGB) {
	if p.fillOK && p.fill == c {
		return
	}
	p.fill, p.fillOK = c, true
	p.content = appendColour(p.content, c, "g\n", "rg\n")
}

// SetStrokeColor sets the colour of lines and outlines.
func (p *Page) SetStrokeColor(c RGB) {
	if p.strokeOK && p.stroke == c {
		return
	}
	p.stroke, p.strokeOK = c, true
	p.content = appendColour(p.content, c, "G\n", "RG\n")
}

// SetLineWidth sets the width of lines and outlines, in points.
func (p *Page) SetLineWidth(w float64) {
	if p.lineOK && p.lineWidth == w {
		return
	}
	p.lineWidth, p.lineOK = w, true
	p.content = appendNumbers(p.content, w)
	p.content = append(p.content, "w\n"...)
}

// appendColour appends the operator that sets c: as a grey level when its
// components are equal.
func appendColour(b []byte, c RGB, grey, rgb string) []byte {
	if c.R == c.G && c.G == c.B {
		return append(appendComponent(b, c.R), grey...)
	}
	b = appendComponent(appendComponent(appendComponent(b, c.R), c.G), c.B)
	return append(b, rgb...)
}

func appendComponent(b []byte, v uint8) []byte {
	b = strconv.AppendFloat(b, math.Round(float64(v)/255*1000)/1000, 'f', -1, 64)
	return append(b, ' ')
}

// Text draws s in font f at size points with its baseline starting at x,
// y, in the fill colour. A character f has no glyph for is drawn as the
// glyph .notdef (Courier: as '?'); callers replace such characters first.
func (p *Page) Text(f *Font, size, x, y float64, s string) {
	u := p.doc.use(f)
	p.content = append(p.content, "BT /"...)
	p.content = append(p.content, u.name...)
	p.content = append(p.content, ' ')
	p.content = appendNumbers(p.content, size)
	p.content = append(p.content, "Tf "...)
	p.content = appendNumbers(p.content, x, y)
	p.content = append(p.content, "Td "...)
	p.content = u.encode(p.content, s)
	p.content = append(p.content, " Tj ET\n"...)
}

// Line strokes a line from x1, y1 to x2, y2.
func (p *Page) Line(x1, y1, x2, y2 float64) {
	p.content = appendNumbers(p.content, x1, y1)
	p.content = append(p.content, "m "...)
	p.content = appendNumbers(p.content, x2, y2)
	p.content = append(p.content, "l S\n"...)
}

// Rect fills (fill) or strokes the rectangle with a corner at x, y and
// the size w×h.
func (p *Page) Rect(x, y, w, h float64, fill bool) {
	p.content = appendNumbers(p.content, x, y, w, h)
	p.content = append(p.content, "re "...)
	p.content = appendPaint(p.content, fill)
}

// RoundedRect fills (fill) or strokes the rectangle from x, y (bottom
// left) to x+w, y+h with corners rounded to radius r.
func (p *Page) RoundedRect(x, y, w, h, r float64, fill bool) {
	// Control points at this fraction of the radius make a Bézier curve
	// the closest to a quarter circle.
	k := r * 4 * (math.Sqrt2 - 1) / 3
	x1, y1 := x+w, y+h
	p.content = appendNumbers(p.content, x+r, y)
	p.content = append(p.content, "m "...)
	p.lineCurve(x1-r, y, x1-r+k, y, x1, y+r-k, x1, y+r)
	p.lineCurve(x1, y1-r, x1, y1-r+k, x1-r+k, y1, x1-r, y1)
	p.lineCurve(x+r, y1, x+r-k, y1, x, y1-r+k, x, y1-r)
	p.lineCurve(x, y+r, x, y+r-k, x+r-k, y, x+r, y)
	p.content = append(p.content, "h "...)
	p.content = appendPaint(p.content, fill)
}

// lineCurve appends a line to lx, ly and a curve from there to x, y.
func (p *Page) lineCurve(lx, ly, c1x, c1y, c2x, c2y, x, y float64) {
	p.content = appendNumbers(p.content, lx, ly)
	p.content = append(p.content, "l "...)
	p.content = appendNumbers(p.content, c1x, c1y, c2x, c2y, x, y)
	p.content = append(p.content, "c "...)
}

func appendPaint(b []byte, fill bool) []byte {
	if fill {
		return append(b, "f\n"...)
	}
	return append(b, "S\n"...)
}

// DrawImage draws img stretched to w×h with its bottom-left corner at x, y.
func (p *Page) DrawImage(img *Image, x, y, w, h float64) {
	p.content = append(p.content, "q "...)
	p.content = appendNumbers(p.content, w, 0, 0, h, x, y)
	p.content = append(p.content, "cm /"...)
	p.content = append(p.content, img.name...)
	p.content = append(p.content, " Do Q\n"...)
}

// appendNumbers appends each of vs and a space, to two decimals (a
// hundredth of a point is well below what any device shows).
func appendNumbers(b []byte, vs ...float64) []byte {
	for _, v := range vs {
		b = append(appendNumber(b, v), ' ')
	}
	return b
}

// appendNumber appends v to two decimals without trailing zeros.
func appendNumber(b []byte, v float64) []byte {
	v = math.Round(v*100) / 100
	if v == 0 {
		return append(b, '0') // not -0
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}
