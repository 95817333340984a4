package pdf

import (
	"bytes"
	"fmt"
	"math"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/font"
)

// Text layout, in the units of the Helvetica AFM (1/1000 em).
const (
	helvetica        = "Helvetica"
	helveticaAscent  = 718
	helveticaDescent = 207
	// maxTextHeight is the largest font size as a share of the box height.
	maxTextHeight = 0.7
	// maxTextInset is the horizontal padding inside a text box, in points.
	maxTextInset = 2.0
)

// contentWriter accumulates content-stream operators.
type contentWriter struct {
	buf bytes.Buffer
}

// op writes the operands then the operator, as one line.
func (c *contentWriter) op(operator string, operands ...any) {
	for _, o := range operands {
		if f, ok := o.(float64); ok {
			c.buf.WriteString(num(f))
		} else {
			fmt.Fprint(&c.buf, o)
		}
		c.buf.WriteByte(' ')
	}
	c.buf.WriteString(operator)
	c.buf.WriteByte('\n')
}

// num formats v compactly with enough precision for positions (1/10000 pt).
func num(v float64) string {
	v = math.Round(v*10000) / 10000
	if v == 0 {
		return "0" // also turns -0 into 0
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// beginBox saves the graphics state, maps the upright local space of a
// stamp box onto the page and clips to the box, so nothing a stamp draws
// can spill outside it.
func (c *contentWriter) beginBox(m matrix, w, h float64) {
	c.op("q")
	c.op("cm", m[0], m[1], m[2], m[3], m[4], m[5])
	c.op("re", 0.0, 0.0, w, h)
	c.op("W n")
}

func (c *contentWriter) endBox() { c.op("Q") }

// text draws WinAnsi-encoded text in a w×h box: left-aligned, vertically
// centred, as large as fits (at most 70% of the box height).
func (c *contentWriter) text(fontName string, encoded []byte, w, h float64) error {
	unit, err := font.TextWidthFloat(string(encoded), helvetica, 1)
	if err != nil {
		return fmt.Errorf("measure text: %w", err)
	}
	inset := math.Min(maxTextInset, w*0.05)
	size := h * maxTextHeight
	if unit > 0 {
		size = math.Min(size, (w-2*inset)/unit)
	}
	baseline := h/2 - size*(helveticaAscent-helveticaDescent)/2000
	c.op("BT")
	c.op("g", 0.0)
	// Reset every text state parameter: Q restores them, but only if the
	// page's own content balanced its q/Q operators.
	c.op("Tc", 0.0)
	c.op("Tw", 0.0)
	c.op("Tz", 100.0)
	c.op("Ts", 0.0)
	c.op("Tr", 0)
	c.op("Tf", "/"+fontName, size)
	c.op("Td", inset, baseline)
	c.op("Tj", pdfString(encoded))
	c.op("ET")
	return nil
}

// alignment says where an image sits horizontally in its box.
type alignment int

const (
	alignCentre alignment = iota
	alignLeft
)

// image draws an image XObject scaled by scale points per pixel, centred
// vertically and aligned horizontally in a w×h box.
func (c *contentWriter) image(name string, img imageXObject, scale, w, h float64, align alignment) {
	dw, dh := float64(img.width)*scale, float64(img.height)*scale
	x := (w - dw) / 2
	if align == alignLeft {
		x = math.Min(maxTextInset, w*0.05)
	}
	c.op("q")
	c.op("cm", dw, 0.0, 0.0, dh, x, (h-dh)/2)
	c.op("Do", "/"+name)
	c.op("Q")
}

// fitScale is the largest scale at which a pixel image fits a w×h box.
func fitScale(img imageXObject, w, h float64) float64 {
	return math.Min(w/float64(img.width), h/float64(img.height))
}

// textImageScale sizes an image of text the way text would be sized: the
// em (renderEm pixels) at most 70% of the box height, and the whole image
// inside the box.
func textImageScale(img imageXObject, w, h float64) float64 {
	inset := math.Min(maxTextInset, w*0.05)
	s := h * maxTextHeight / renderEm
	s = math.Min(s, (w-2*inset)/float64(img.width))
	return math.Min(s, h/float64(img.height))
}

// check draws a check mark as a thick stroked path, in the largest square
// centred in a w×h box. Coordinates leave room for the round caps.
func (c *contentWriter) check(w, h float64) {
	s := math.Min(w, h)
	ox, oy := (w-s)/2, (h-s)/2
	c.op("G", 0.0)
	c.op("w", s*0.12)
	c.op("J", 1)
	c.op("j", 1)
	c.op("d", "[]", 0)
	c.op("m", ox+0.15*s, oy+0.52*s)
	c.op("l", ox+0.40*s, oy+0.22*s)
	c.op("l", ox+0.88*s, oy+0.80*s)
	c.op("S")
}
