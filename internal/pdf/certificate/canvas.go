package certificate

import (
	"math"
	"strings"
	"unicode"

	"github.com/gsign/gsign/internal/pdf/internal/pdfw"
)

// pt is the number of points (PDF's unit) in a millimetre.
const pt = 72 / 25.4

// face is one of the certificate's three fonts.
type face int

const (
	regular face = iota // Go Regular
	bold                // Go Bold
	mono                // Courier, for hashes
)

// rgb is a colour in 8-bit components.
type rgb struct{ r, g, b uint8 }

func (c rgb) pdf() pdfw.RGB { return pdfw.RGB{R: c.r, G: c.g, B: c.b} }

// canvas lays out the certificate on A4 pages of a pdfw.Document the way
// fpdf, which it replaces, did: in millimetres from the top-left corner,
// with a current position, font and colours, cells of text that break to
// a new page below the bottom margin, and a header function that heads
// every new page. Its methods keep fpdf's names and behaviour (line
// breaking, text placement) so that the layout code and the look stayed
// as they were.
type canvas struct {
	doc       *pdfw.Document
	fonts     [3]*pdfw.Font // by face
	pages     []*pdfw.Page
	page      int // the current page, from 1
	x, y      float64
	st        style
	autoBreak bool
	header    func()
	inHeader  bool
}

// style is what drawing uses and what a new page keeps: fpdf restored it
// after the header function, and so does the canvas.
type style struct {
	face             face
	size             float64 // points
	text, draw, fill rgb
	lineWidth        float64 // millimetres
}

func newCanvas(doc *pdfw.Document, fonts [3]*pdfw.Font) *canvas {
	return &canvas{doc: doc, fonts: fonts, autoBreak: true, st: style{size: 12, lineWidth: 0.2}}
}

// AddPage starts a new page after the last one, at the top margin, and
// calls the header function.
func (c *canvas) AddPage() {
	c.pages = append(c.pages, c.doc.AddPage())
	c.page = len(c.pages)
	c.x, c.y = margin, topMargin
	if c.header == nil {
		return
	}
	saved := c.st
	c.inHeader = true
	c.header()
	c.inHeader = false
	c.st = saved
}

// SetHeaderFunc sets the function that heads each new page.
func (c *canvas) SetHeaderFunc(f func()) { c.header = f }

// SetAutoPageBreak turns the page break in Cell on or off.
func (c *canvas) SetAutoPageBreak(on bool) { c.autoBreak = on }

// PageNo returns the current page's number.
func (c *canvas) PageNo() int { return c.page }

// PageCount returns the number of pages.
func (c *canvas) PageCount() int { return len(c.pages) }

// SetPage makes page n (from 1) the current page, to draw on it again.
func (c *canvas) SetPage(n int) { c.page = n }

// SetX sets the current position's abscissa.
func (c *canvas) SetX(x float64) { c.x = x }

// SetY sets the current position's ordinate and returns to the left margin.
func (c *canvas) SetY(y float64) { c.x, c.y = margin, y }

// SetXY sets the current position.
func (c *canvas) SetXY(x, y float64) { c.x, c.y = x, y }

// GetY returns the current position's ordinate.
func (c *canvas) GetY() float64 { return c.y }

// GetXY returns the current position.
func (c *canvas) GetXY() (float64, float64) { return c.x, c.y }

// SetFont selects the font and its size in points.
func (c *canvas) SetFont(f face, size float64) { c.st.face, c.st.size = f, size }

// SetTextColor sets the colour of text.
func (c *canvas) SetTextColor(col rgb) { c.st.text = col }

// SetDrawColor sets the colour of lines and outlines.
func (c *canvas) SetDrawColor(col rgb) { c.st.draw = col }

// SetFillColor sets the colour of filled shapes.
func (c *canvas) SetFillColor(col rgb) { c.st.fill = col }

// SetLineWidth sets the width of lines, in millimetres.
func (c *canvas) SetLineWidth(w float64) { c.st.lineWidth = w }

// fontSize is the current font's size in millimetres.
func (c *canvas) fontSize() float64 { return c.st.size / pt }

// GetStringWidth returns the width of s in the current font.
func (c *canvas) GetStringWidth(s string) float64 {
	f, w := c.fonts[c.st.face], 0
	for _, r := range s {
		w += f.RuneWidth(r)
	}
	return float64(w) * c.fontSize() / 1000
}

// SplitText breaks s into lines no wider than w in the current font, at
// spaces where it can and inside a word that is wider than a line on its
// own. It is fpdf's algorithm, widths in thousandths of the font size.
func (c *canvas) SplitText(s string, w float64) []string {
	f := c.fonts[c.st.face]
	wmax := int(math.Ceil(w * 1000 / c.fontSize()))
	rs := []rune(strings.TrimRight(s, "\n"))
	var lines []string
	sep, start, width := -1, 0, 0
	for i := 0; i < len(rs); {
		r := rs[i]
		width += f.RuneWidth(r)
		if unicode.IsSpace(r) {
			sep = i
		}
		if r != '\n' && width <= wmax {
			i++
			continue
		}
		if sep == -1 { // break inside the word, after at least one rune
			if i == start {
				i++
			}
			sep = i
		} else {
			i = sep + 1
		}
		lines = append(lines, string(rs[start:sep]))
		sep, start, width = -1, i, 0
	}
	if start < len(rs) {
		lines = append(lines, string(rs[start:]))
	}
	return lines
}

// Alignments of text in a cell.
const (
	alignLeft   = "L"
	alignCenter = "C"
	alignRight  = "R"
)

// Cell draws txt in a cell of w×h at the current position, vertically
// centred, aligned left, centred or right, and moves right of the cell
// or, when below, under it. A cell that would reach into the bottom margin
// goes on a new page at the same abscissa, unless page breaks are off.
func (c *canvas) Cell(w, h float64, txt string, below bool, align string) {
	if c.y+h > pageHeight-bottomMargin && c.autoBreak && !c.inHeader {
		x := c.x
		c.AddPage()
		c.x = x
	}
	if txt != "" {
		dx := 0.0
		switch align {
		case alignRight:
			dx = w - c.GetStringWidth(txt)
		case alignCenter:
			dx = (w - c.GetStringWidth(txt)) / 2
		}
		p := c.current()
		p.SetFillColor(c.st.text.pdf())
		baseline := c.y + h/2 + 0.3*c.fontSize()
		p.Text(c.fonts[c.st.face], c.st.size, (c.x+dx)*pt, (pageHeight-baseline)*pt, txt)
	}
	if below {
		c.y += h
	} else {
		c.x += w
	}
}

func (c *canvas) current() *pdfw.Page { return c.pages[c.page-1] }

// stroking readies the current page to stroke and returns it.
func (c *canvas) stroking() *pdfw.Page {
	p := c.current()
	p.SetStrokeColor(c.st.draw.pdf())
	p.SetLineWidth(c.st.lineWidth * pt)
	return p
}

// Line draws a line from x1, y1 to x2, y2.
func (c *canvas) Line(x1, y1, x2, y2 float64) {
	c.stroking().Line(x1*pt, (pageHeight-y1)*pt, x2*pt, (pageHeight-y2)*pt)
}

// Rect fills (fill) or strokes the rectangle of w×h with its top-left
// corner at x, y.
func (c *canvas) Rect(x, y, w, h float64, fill bool) {
	c.paint(fill).Rect(x*pt, (pageHeight-y-h)*pt, w*pt, h*pt, fill)
}

// RoundedRect is Rect with corners rounded to radius r.
func (c *canvas) RoundedRect(x, y, w, h, r float64, fill bool) {
	c.paint(fill).RoundedRect(x*pt, (pageHeight-y-h)*pt, w*pt, h*pt, r*pt, fill)
}

// paint readies the current page to fill or stroke and returns it.
func (c *canvas) paint(fill bool) *pdfw.Page {
	if !fill {
		return c.stroking()
	}
	p := c.current()
	p.SetFillColor(c.st.fill.pdf())
	return p
}

// Image draws img stretched to w×h with its top-left corner at x, y.
func (c *canvas) Image(img *pdfw.Image, x, y, w, h float64) {
	c.current().DrawImage(img, x*pt, (pageHeight-y-h)*pt, w*pt, h*pt)
}
