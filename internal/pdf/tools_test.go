package pdf

import (
	"github.com/gsign/gsign/internal/testtool"

	"bytes"
	"image"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// These helpers check output with the real tools a user's viewer is built
// on (poppler) and with qpdf. CI installs them; elsewhere the tests skip.

func requireTool(t *testing.T, name string) { testtool.Require(t, name) }

// writeTemp stores pdf in the test's temporary directory.
func writeTemp(t *testing.T, pdf []byte) string { return testtool.WriteTemp(t, "doc.pdf", pdf) }

func run(t *testing.T, name string, args ...string) []byte { return testtool.Run(t, name, args...) }

// word is one word pdftotext found, in displayed page coordinates (points
// from the top-left corner of the crop box, after /Rotate).
type word struct {
	text                   string
	xMin, yMin, xMax, yMax float64
}

var wordRE = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)

// words returns the words pdftotext extracts from one page.
func words(t *testing.T, pdf []byte, page int) []word {
	t.Helper()
	requireTool(t, "pdftotext")
	p := strconv.Itoa(page)
	out := run(t, "pdftotext", "-bbox", "-cropbox", "-f", p, "-l", p, writeTemp(t, pdf), "-")
	var ws []word
	for _, m := range wordRE.FindAllStringSubmatch(string(out), -1) {
		w := word{text: htmlUnescape(m[5])}
		for i, dst := range []*float64{&w.xMin, &w.yMin, &w.xMax, &w.yMax} {
			*dst, _ = strconv.ParseFloat(m[i+1], 64)
		}
		ws = append(ws, w)
	}
	return ws
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'").Replace(s)
}

// render rasterises one page at 72 dpi, so one pixel is one point of the
// displayed page (crop box, after /Rotate).
func render(t *testing.T, pdf []byte, page int) image.Image {
	t.Helper()
	requireTool(t, "pdftoppm")
	p := strconv.Itoa(page)
	out := run(t, "pdftoppm", "-r", "72", "-png", "-cropbox", "-f", p, "-l", p, "-singlefile", writeTemp(t, pdf))
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("decode pdftoppm output: %v", err)
	}
	return img
}

// qpdfCheck fails the test unless qpdf finds the file's structure sound.
func qpdfCheck(t *testing.T, pdf []byte) { testtool.QPDFCheck(t, pdf) }

// dark reports whether the pixel at x, y is clearly ink, not paper.
func dark(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	return (r+g+b)/3 < 0x8000
}

// white reports whether the pixel at x, y is blank paper.
func white(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	return r > 0xf000 && g > 0xf000 && b > 0xf000
}

// countDark counts dark pixels in the rectangle [x0,x1)×[y0,y1).
func countDark(img image.Image, x0, y0, x1, y1 int) int {
	n := 0
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			if dark(img, x, y) {
				n++
			}
		}
	}
	return n
}
