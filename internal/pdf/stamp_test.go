package pdf

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// stamp runs the Stamper and fails the test on error.
func stamp(t *testing.T, pdf []byte, stamps ...esign.Stamp) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := (&Stamper{}).Stamp(context.Background(), bytes.NewReader(pdf), stamps, nil, &out); err != nil {
		t.Fatalf("Stamp: %v", err)
	}
	return out.Bytes()
}

var navy = color.NRGBA{R: 0x1a, G: 0x2b, B: 0x6d, A: 0xff}

// halfPNG is 100×50 px: navy on the top half, transparent below. Drawn
// into a 100×50 pt box it shows whether a stamp is upright and whether
// transparency survived.
func halfPNG(t *testing.T) []byte {
	return solidPNG(t, 100, 50, func(_, y int) color.Color {
		if y < 25 {
			return navy
		}
		return color.NRGBA{}
	})
}

// Boxes used by the geometry tests, in displayed coordinates.
var (
	textBox  = esign.Stamp{Page: 1, X: 60, Y: 70, Width: 150, Height: 30, Kind: esign.StampText, Text: "Hello"}
	imageBox = esign.Stamp{Page: 1, X: 60, Y: 150, Width: 100, Height: 50, Kind: esign.StampImage}
	checkBox = esign.Stamp{Page: 1, X: 60, Y: 230, Width: 30, Height: 30, Kind: esign.StampCheck}
)

func TestStampGeometry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pdf  []byte
	}{
		{"plain page", onePage(letter)},
		{"rotate 90", onePage(letter + " /Rotate 90")},
		{"rotate 180", onePage(letter + " /Rotate 180")},
		{"rotate 270", onePage(letter + " /Rotate 270")},
		{"crop box with offset origin", onePage(letter + " /CropBox [100 50 500 700]")},
		{"crop box and rotate 90", onePage(letter + " /CropBox [100 50 500 700] /Rotate 90")},
		{"crop box and rotate 270", onePage(letter + " /CropBox [100 50 500 700] /Rotate 270")},
		{"media box not at origin, rotate 180", onePage("/MediaBox [-300 -400 312 392] /Rotate 180")},
		{"attributes inherited from the page tree", testDoc{
			pagesEntries: letter + " /CropBox [20 30 600 780] /Rotate 90",
			pages:        []testPage{{content: label("Original page 1")}},
		}.build()},
		{"page content that leaks its graphics state", testDoc{pages: []testPage{{
			entries: letter,
			content: "2 0 0 2 0 0 cm 1 0 0 rg 0.5 0 0 0.5 0 0 cm 3 Tr " + label("Original page 1") + " 0 0 1 0 0 0 cm",
		}}}.build()},
		{"xref stream input", rewritten(t, onePage(letter+" /CropBox [100 50 500 700] /Rotate 90"))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			img := imageBox
			img.PNG = halfPNG(t)
			out := stamp(t, tc.pdf, textBox, img, checkBox)
			qpdfCheck(t, out)
			checkText(t, out, textBox)
			checkRendering(t, out)
		})
	}
}

// checkText checks that the text stamp's words were extracted inside its
// box, left-aligned, vertically centred and upright.
func checkText(t *testing.T, pdf []byte, box esign.Stamp) {
	t.Helper()
	ws := words(t, pdf, box.Page)
	var got []word // the words near the box; the page's own label is far away
	for _, w := range ws {
		if w.xMax > box.X-10 && w.xMin < box.X+box.Width+10 && w.yMax > box.Y-10 && w.yMin < box.Y+box.Height+10 {
			got = append(got, w)
		}
	}
	want := strings.Fields(box.Text)
	if len(got) != len(want) {
		t.Fatalf("extracted words %+v, want %q", ws, want)
	}
	for i, w := range got {
		if w.text != want[i] {
			t.Errorf("word %d = %q, want %q", i, w.text, want[i])
		}
		if w.xMin < box.X-2 || w.xMax > box.X+box.Width+2 || w.yMin < box.Y-2 || w.yMax > box.Y+box.Height+2 {
			t.Errorf("word %q at %+v lies outside its box %+v", w.text, w, box)
		}
		if mid := (w.yMin + w.yMax) / 2; math.Abs(mid-(box.Y+box.Height/2)) > 2 {
			t.Errorf("word %q centred at y=%.1f, want %.1f", w.text, mid, box.Y+box.Height/2)
		}
	}
	if first := got[0]; math.Abs(first.xMin-(box.X+2)) > 2 {
		t.Errorf("text starts at x=%.1f, want about %.1f (left-aligned)", first.xMin, box.X+2)
	}
	if first, last := got[0], got[len(got)-1]; last.xMax-first.xMin < first.yMax-first.yMin {
		t.Errorf("text from %+v to %+v is taller than wide: it is not upright", first, last)
	}
}

// checkHalfImage checks halfPNG stamped in imageBox on the rendered page:
// navy top half, transparent (so white) bottom half, upright.
func checkHalfImage(t *testing.T, img image.Image) {
	t.Helper()
	for _, p := range [][2]int{{70, 155}, {110, 160}, {150, 170}} {
		if !dark(img, p[0], p[1]) {
			t.Errorf("pixel %v in the image's opaque top half is not dark", p)
		}
	}
	for _, p := range [][2]int{{70, 180}, {110, 190}, {150, 195}} {
		if !white(img, p[0], p[1]) {
			t.Errorf("pixel %v in the image's transparent bottom half is not white", p)
		}
	}
}

// checkRendering checks the image and check stamps on the rendered page.
func checkRendering(t *testing.T, pdf []byte) {
	t.Helper()
	img := render(t, pdf, 1)
	checkHalfImage(t, img)
	for _, p := range [][2]int{{110, 140}, {50, 160}, {175, 160}, {110, 210}} {
		if !white(img, p[0], p[1]) {
			t.Errorf("pixel %v outside the image stamp is not white", p)
		}
	}
	// Check mark: ink inside its box, nothing in a ring around it.
	if n := countDark(img, 60, 230, 90, 260); n < 60 {
		t.Errorf("check box has %d dark pixels, want a visible check mark", n)
	}
	ring := countDark(img, 50, 220, 100, 270) - countDark(img, 58, 228, 92, 262)
	if ring != 0 {
		t.Errorf("%d dark pixels around the check box: the mark spills out", ring)
	}
}

func TestStampText(t *testing.T) {
	t.Parallel()
	box := esign.Stamp{Page: 1, X: 50, Y: 50, Width: 200, Height: 24, Kind: esign.StampText}
	tests := []struct {
		name, text string
		want       string // the words pdftotext extracts, space-separated
	}{
		{"plain", "Jane Doe", "Jane Doe"},
		{"long text shrinks to fit", "A much longer sentence that has to shrink to fit in the box", "A much longer sentence that has to shrink to fit in the box"},
		{"string delimiters are escaped", `Smith (Jr.) \ 100% )(`, `Smith (Jr.) \ 100% )(`},
		{"WinAnsi accents and punctuation", "Café – naïve €5 “quoted” Œuvre", "Café – naïve €5 “quoted” Œuvre"},
		{"control characters and newlines", "Line one\nline\ttwo\x07", "Line one line two"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := box
			st.Text = tc.text
			out := stamp(t, onePage(letter), st)
			qpdfCheck(t, out)
			st.Text = tc.want
			checkText(t, out, st)
		})
	}
}

func TestStampTextOutsideWinAnsiBecomesImage(t *testing.T) {
	t.Parallel()
	st := esign.Stamp{Page: 1, X: 50, Y: 50, Width: 200, Height: 30, Kind: esign.StampText, Text: "Łódź Привет Ελλάδα"}
	out := stamp(t, onePage(letter), st)
	qpdfCheck(t, out)
	for _, w := range words(t, out, 1) {
		if w.yMin < 100 {
			t.Errorf("extracted word %+v from the text box: the text should be an image", w)
		}
	}
	img := render(t, out, 1)
	if n := countDark(img, 50, 50, 250, 80); n < 200 {
		t.Errorf("only %d dark pixels in the text box: the text image is missing", n)
	}
	if n := countDark(img, 52, 50, 60, 80); n == 0 {
		t.Error("no ink near the left edge: the text image is not left-aligned")
	}
	if ring := countDark(img, 40, 40, 260, 90) - countDark(img, 50, 50, 250, 80); ring != 0 {
		t.Errorf("%d dark pixels around the text box", ring)
	}
}

func TestStampMultiPage(t *testing.T) {
	t.Parallel()
	pdf := testDoc{withJPEG: true, pages: []testPage{
		{entries: letter, content: "q 50 0 0 50 400 600 cm /Im0 Do Q " + label("Original page 1")},
		{entries: letter + " /Rotate 90", content: label("Original page 2")},
		{entries: letter, content: label("Original page 3")},
	}}.build()
	sig := halfPNG(t)
	var stamps []esign.Stamp
	for page := 1; page <= 3; page++ {
		img := imageBox
		img.Page, img.PNG = page, sig
		txt := textBox
		txt.Page, txt.Text = page, "Signed"
		stamps = append(stamps, img, txt)
	}
	out := stamp(t, pdf, stamps...)
	qpdfCheck(t, out)
	if !bytes.Contains(out, testJPEG()) {
		t.Error("the page's existing JPEG was not copied byte for byte")
	}
	if n := bytes.Count(out, []byte("/Subtype/Image")) + bytes.Count(out, []byte("/Subtype /Image")); n != 3 {
		t.Errorf("%d image objects in the output, want 3: the JPEG, the signature stored once, its soft mask", n)
	}
	for page := 1; page <= 3; page++ {
		st := textBox
		st.Page, st.Text = page, "Signed"
		checkText(t, out, st)
	}
}

func TestStampRefusesBadStamps(t *testing.T) {
	t.Parallel()
	pdf := testDoc{pages: []testPage{
		{entries: letter, content: label("one")},
		{entries: letter + " /Rotate 90", content: label("two")},
	}}.build()
	ok := esign.Stamp{Page: 1, X: 10, Y: 10, Width: 100, Height: 20, Kind: esign.StampText, Text: "x"}
	with := func(edit func(*esign.Stamp)) esign.Stamp { s := ok; edit(&s); return s }
	tests := []struct {
		name  string
		stamp esign.Stamp
		field string
	}{
		{"page 0", with(func(s *esign.Stamp) { s.Page = 0 }), "stamps[0].page"},
		{"page beyond the last", with(func(s *esign.Stamp) { s.Page = 3 }), "stamps[0].page"},
		{"box past the right edge", with(func(s *esign.Stamp) { s.X = 600 }), "stamps[0]"},
		{"box past the bottom edge", with(func(s *esign.Stamp) { s.Y = 780 }), "stamps[0]"},
		{"box past the bottom of a rotated page", with(func(s *esign.Stamp) { s.Page, s.Y = 2, 600 }), "stamps[0]"},
		{"negative x", with(func(s *esign.Stamp) { s.X = -5 }), "stamps[0]"},
		{"zero width", with(func(s *esign.Stamp) { s.Width = 0 }), "stamps[0]"},
		{"NaN height", with(func(s *esign.Stamp) { s.Height = math.NaN() }), "stamps[0].height"},
		{"unknown kind", with(func(s *esign.Stamp) { s.Kind = "stamp" }), "stamps[0].kind"},
		{"image without PNG", with(func(s *esign.Stamp) { s.Kind = esign.StampImage }), "stamps[0].png"},
		{"image that is not a PNG", with(func(s *esign.Stamp) { s.Kind, s.PNG = esign.StampImage, []byte("GIF89a") }), "stamps[0].png"},
		{"text the fonts cannot draw", with(func(s *esign.Stamp) { s.Text = "thumbs 👍" }), "stamps[0].text"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			err := (&Stamper{}).Stamp(context.Background(), bytes.NewReader(pdf), []esign.Stamp{tc.stamp}, nil, &out)
			assertInvalid(t, err, esign.CodeValidation)
			if e := err.(*esign.Error); e.Fields[tc.field] == "" {
				t.Errorf("fields %v do not name %s", e.Fields, tc.field)
			}
			if out.Len() != 0 {
				t.Error("output was written despite the error")
			}
		})
	}
}

func TestStampAcceptsBoxOnRotatedPageInDisplayedCoordinates(t *testing.T) {
	t.Parallel()
	// 700 pt is beyond the unrotated width (612) but inside the displayed one (792).
	st := esign.Stamp{Page: 1, X: 700, Y: 500, Width: 80, Height: 100, Kind: esign.StampCheck}
	out := stamp(t, onePage(letter+" /Rotate 90"), st)
	img := render(t, out, 1)
	if b := img.Bounds(); b.Dx() != 792 || b.Dy() != 612 {
		t.Fatalf("rendered page is %v, want 792×612", b)
	}
	if n := countDark(img, 700, 500, 780, 600); n < 100 {
		t.Errorf("check box has %d dark pixels", n)
	}
}

func TestStampHonoursCancellation(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	err := (&Stamper{}).Stamp(ctx, bytes.NewReader(onePage(letter)), []esign.Stamp{checkBox}, nil, &out)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestStampRefusesUnreadableSource(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := (&Stamper{}).Stamp(context.Background(), strings.NewReader("not a pdf"), nil, nil, &out)
	assertInvalid(t, err, esign.CodeInvalidPDF)
}
