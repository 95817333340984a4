package certificate

import (
	"strconv"
	"strings"
)

// Page geometry, in millimetres (A4).
const (
	pageWidth    = 210.0
	pageHeight   = 297.0
	margin       = 18.0
	contentWidth = pageWidth - 2*margin
	topMargin    = 16.0
	bottomMargin = 24.0 // the footer sits in it
	runningTop   = 21.0 // where content starts below the running header
	labelWidth   = 36.0
	lineHeight   = 4.4
	monoLine     = 4.2
	rowGap       = 0.9
)

var (
	ink    = rgb{33, 37, 41}
	muted  = rgb{96, 104, 114}
	accent = rgb{26, 43, 109}
	ruled  = rgb{206, 212, 220}
	band   = rgb{241, 243, 247}
	white  = rgb{255, 255, 255}
	good   = rgb{25, 111, 61}
	bad    = rgb{163, 33, 45}
)

func (w *writer) setFont(f face, size float64, c rgb) {
	w.pdf.SetFont(f, size)
	w.pdf.SetTextColor(c)
}

// wrap splits s into lines no wider than width in the current font,
// breaking inside words that are wider on their own (hashes, user agents).
func (w *writer) wrap(s string, width float64) []string {
	lines := w.pdf.SplitText(s, width)
	if len(lines) == 0 {
		return []string{""}
	}
	return lines
}

// drawLines draws lines at x, one below the other, from the current y.
// Cell moves to a new page between two lines if it must, keeping x.
func (w *writer) drawLines(x, width, h float64, lines []string, align string) {
	for _, l := range lines {
		w.pdf.SetX(x)
		w.pdf.Cell(width, h, l, true, align)
	}
}

// fit shortens s with an ellipsis until it fits width on one line.
func (w *writer) fit(s string, width float64) string {
	for n := len([]rune(s)); n > 1 && w.pdf.GetStringWidth(s) > width; n-- {
		s = truncate(s, n-1)
	}
	return s
}

// keep starts a new page unless a block of height h fits on this one. A
// block taller than a page stays where it is on a fresh page: it would not
// fit on the next one either.
func (w *writer) keep(h float64) {
	y := w.pdf.GetY()
	if y+h > pageHeight-bottomMargin && y > w.pageTop+0.01 {
		w.pdf.AddPage()
	}
}

func (w *writer) hrule(y float64, c rgb, width float64) {
	w.pdf.SetDrawColor(c)
	w.pdf.SetLineWidth(width)
	w.pdf.Line(margin, y, margin+contentWidth, y)
}

// field is one labelled value; mono values are set in Courier.
type field struct {
	label, value string
	mono         bool
}

// valueFont selects the font of f's value and returns its line height.
func (w *writer) valueFont(f field) float64 {
	if f.mono {
		w.setFont(mono, 8.5, ink)
		return monoLine
	}
	w.setFont(regular, 9.5, ink)
	return lineHeight
}

func (w *writer) valueText(f field) string {
	if f.mono {
		return w.text.mono(f.value)
	}
	return w.text.sans(f.value)
}

// fieldsHeight measures fields laid out by drawFields in width.
func (w *writer) fieldsHeight(fields []field, width float64) float64 {
	h := 0.0
	for _, f := range fields {
		lh := w.valueFont(f)
		h += float64(len(w.wrap(w.valueText(f), width-labelWidth)))*lh + rowGap
	}
	return h
}

// drawFields draws fields at x as rows of a muted label and a wrapped value.
func (w *writer) drawFields(x, width float64, fields []field) {
	for _, f := range fields {
		lh := w.valueFont(f)
		lines := w.wrap(w.valueText(f), width-labelWidth)
		w.keep(float64(len(lines)) * lh)
		y := w.pdf.GetY()
		w.setFont(regular, 8.5, muted)
		w.pdf.SetXY(x, y)
		w.pdf.Cell(labelWidth, lh, w.text.sans(f.label), false, alignLeft)
		w.valueFont(f)
		w.pdf.SetXY(x+labelWidth, y)
		w.drawLines(x+labelWidth, width-labelWidth, lh, lines, alignLeft)
		w.pdf.SetY(w.pdf.GetY() + rowGap)
	}
}

// Section headings: the space above, the heading, the space below.
const (
	sectionGap     = 5.0
	sectionHeading = 6.5
	sectionBelow   = 4.0
)

// section starts a section with a heading, kept on one page with the
// first firstBlock millimetres of its content.
func (w *writer) section(title string, firstBlock float64) {
	w.keep(sectionGap + sectionHeading + sectionBelow + firstBlock)
	if w.pdf.GetY() > w.pageTop+0.01 {
		w.pdf.SetY(w.pdf.GetY() + sectionGap)
	}
	w.setFont(bold, 12.5, accent)
	w.pdf.SetX(margin)
	w.pdf.Cell(contentWidth, sectionHeading, title, true, alignLeft)
	w.hrule(w.pdf.GetY()+0.6, ruled, 0.3)
	w.pdf.SetY(w.pdf.GetY() + sectionBelow)
}

// pill draws a status badge whose right edge is at right, leaving the
// current position where it was.
func (w *writer) pill(status string, right, y float64) {
	x0, y0 := w.pdf.GetXY()
	defer w.pdf.SetXY(x0, y0)
	label := strings.ToUpper(humanise(status))
	w.setFont(bold, 7.5, white)
	width := w.pdf.GetStringWidth(label) + 6
	c := statusColour(status)
	w.pdf.SetFillColor(c)
	w.pdf.RoundedRect(right-width, y, width, 5.6, 2.8, true)
	w.pdf.SetXY(right-width, y)
	w.pdf.Cell(width, 5.6, w.text.sans(label), false, alignCenter)
}

func statusColour(status string) rgb {
	switch status {
	case "completed":
		return good
	case "declined", "voided", "expired":
		return bad
	default:
		return accent
	}
}

// runningHeader heads every page after the first, which has the title.
func (w *writer) runningHeader() {
	if w.pdf.PageNo() == 1 {
		w.pageTop = topMargin
		return
	}
	half := contentWidth / 2
	w.setFont(bold, 8, accent)
	w.pdf.SetXY(margin, 11)
	w.pdf.Cell(half, 4, "Certificate of Completion", false, alignLeft)
	w.setFont(regular, 8, muted)
	w.pdf.SetXY(margin+half, 11)
	w.pdf.Cell(half, 4, w.fit(w.text.sans(w.c.EnvelopeName), half), false, alignRight)
	w.hrule(16, ruled, 0.2)
	w.pdf.SetY(runningTop)
	w.pageTop = runningTop
}

// footers draws every page's footer once the content is laid out:
// "Page N of M" needs M, which is known only then.
func (w *writer) footers() {
	w.totalPages = w.pdf.PageCount()
	w.pdf.SetAutoPageBreak(false) // the footer sits in the bottom margin
	for n := 1; n <= w.totalPages; n++ {
		w.pdf.SetPage(n)
		w.footer()
	}
}

// footer prints when the certificate was generated and the page number.
func (w *writer) footer() {
	y := pageHeight - 16
	w.hrule(y, ruled, 0.2)
	left := contentWidth * 0.75
	w.setFont(regular, 7.5, muted)
	w.pdf.SetXY(margin, y+2)
	generated := "Generated " + formatTime(w.c.GeneratedAt) + " by GSign · Envelope " + w.c.EnvelopeID
	w.pdf.Cell(left, 4, w.fit(w.text.sans(generated), left), false, alignLeft)
	page := "Page " + strconv.Itoa(w.pdf.PageNo()) + " of " + strconv.Itoa(w.totalPages)
	w.pdf.SetXY(margin+left, y+2)
	w.pdf.Cell(contentWidth-left, 4, page, false, alignRight)
}
