package pdfw

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/testtool"
)

const a4w, a4h = 595.28, 841.89

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// testImages are opaque PNGs of each kind AddPNG takes.
func testImages(t *testing.T) [][]byte {
	gray := image.NewGray(image.Rect(0, 0, 40, 20))
	rgb := image.NewRGBA(image.Rect(0, 0, 40, 20))
	for i := range rgb.Pix {
		rgb.Pix[i] = uint8(i*7) | 3
	}
	for i := 3; i < len(rgb.Pix); i += 4 {
		rgb.Pix[i] = 0xff
	}
	two := image.NewPaletted(image.Rect(0, 0, 40, 20), color.Palette{color.White, color.Black}) // 1 bit
	pal := make(color.Palette, 256)
	for i := range pal {
		pal[i] = color.RGBA{R: uint8(i), G: 0x2b, B: 0x6d, A: 0xff}
	}
	many := image.NewPaletted(image.Rect(0, 0, 40, 20), pal)
	for i := range many.Pix {
		many.Pix[i] = uint8(i)
		two.Pix[i] = uint8(i % 2)
	}
	return [][]byte{encodePNG(t, gray), encodePNG(t, rgb), encodePNG(t, two), encodePNG(t, many)}
}

// sampleDoc draws two pages of text in the Go fonts and Courier, shapes
// and images.
func sampleDoc(t *testing.T) []byte {
	t.Helper()
	regular, bold := parse(t, "GoRegular"), parse(t, "Go-Bold")
	when := time.Date(2026, 3, 14, 15, 9, 27, 0, time.UTC)
	d := New(a4w, a4h, Metadata{Title: "Certificate (draft) – Παπαδόπουλος", Subject: `Envelope \env_1`,
		Creator: "GSign", Producer: "GSign", Created: when, Modified: when, Lang: "en"})
	p1 := d.AddPage()
	p1.SetFillColor(RGB{33, 37, 41})
	p1.Text(bold, 22, 51, 760, "Certificate of Completion")
	p1.Text(regular, 9.5, 51, 740, "Μαρία Παπαδοπούλου · Олег Иванов · “gsign”")
	p1.Text(Courier, 8.5, 51, 720, `hash (a\b) é`)
	p1.SetStrokeColor(RGB{206, 212, 220})
	p1.SetLineWidth(0.85)
	p1.Line(51, 700, 544, 700)
	p1.SetFillColor(RGB{25, 111, 61})
	p1.RoundedRect(480, 757, 64, 16, 8, true)
	p1.Rect(51, 600, 200, 50, false)
	for i, b := range testImages(t) {
		img, err := d.AddPNG(b)
		if err != nil {
			t.Fatalf("image %d: %v", i, err)
		}
		p1.DrawImage(img, 51+float64(i)*100, 500, 80, 40)
	}
	p2 := d.AddPage()
	p2.SetFillColor(RGB{0, 0, 0})
	p2.Text(regular, 12, 51, 760, "Page two")
	p1.Text(regular, 7.5, 51, 40, "Page 1 of 2") // drawn on page 1 after page 2
	var out bytes.Buffer
	if _, err := d.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestDocumentIsValid(t *testing.T) {
	out := sampleDoc(t)
	testtool.QPDFCheck(t, out)
	pages := strings.Split(testtool.Text(t, out, "-enc", "UTF-8"), "\f")
	for i, want := range [][]string{
		{"Certificate of Completion", "Μαρία Παπαδοπούλου · Олег Иванов · “gsign”", `hash (a\b) ?`, "Page 1 of 2"},
		{"Page two"},
	} {
		for _, w := range want {
			if !strings.Contains(pages[i], w) {
				t.Errorf("page %d does not show %q:\n%s", i+1, w, pages[i])
			}
		}
	}
	info := string(testtool.Run(t, "pdfinfo", "-enc", "UTF-8", testtool.WriteTemp(t, "info.pdf", out)))
	for _, want := range []string{"Title:           Certificate (draft) – Παπαδόπουλος", `Subject:         Envelope \env_1`,
		"Creator:         GSign", "Producer:        GSign", "Pages:           2", "Page size:       595.28 x 841.89 pts (A4)"} {
		if !strings.Contains(info, want) {
			t.Errorf("pdfinfo does not show %q:\n%s", want, info)
		}
	}
}

// The fonts are embedded subsets with real metrics; Courier is not
// embedded.
func TestDocumentFonts(t *testing.T) {
	out := sampleDoc(t)
	fonts := string(testtool.Run(t, "pdffonts", testtool.WriteTemp(t, "fonts.pdf", out)))
	lines := strings.Split(strings.TrimSpace(fonts), "\n")[2:]
	if len(lines) != 3 {
		t.Fatalf("%d fonts, want 3:\n%s", len(lines), fonts)
	}
	for i, want := range []string{`^[A-Z]{6}\+Go-Bold +CID TrueType +Identity-H +yes yes yes`,
		`^[A-Z]{6}\+GoRegular +CID TrueType +Identity-H +yes yes yes`, `^Courier +Type 1 +WinAnsi +no +no +no`} {
		if !regexp.MustCompile(want).MatchString(lines[i]) {
			t.Errorf("font %d: %q, want %s", i+1, lines[i], want)
		}
	}
	for _, want := range []string{"/CIDToGIDMap /Identity", "/Ascent 945 /Descent -211 /CapHeight 723", "/Lang (en)"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("the document lacks %q", want)
		}
	}
}

func TestDocumentIsDeterministic(t *testing.T) {
	if !bytes.Equal(sampleDoc(t), sampleDoc(t)) {
		t.Fatal("the same document gave different bytes")
	}
}

// More than 100 distinct glyphs need several bfchar blocks in the
// ToUnicode CMap; every one of them must still extract.
func TestToUnicodeManyGlyphs(t *testing.T) {
	regular := parse(t, "GoRegular")
	var text []rune
	for r := rune(0x21); len(text) < 250; r++ {
		if _, ok := regular.Glyph(r); ok && r != 0x7f && (r < 0x80 || r > 0xbf) {
			text = append(text, r)
		}
	}
	d := New(a4w, a4h, Metadata{})
	p := d.AddPage()
	for i := 0; i < len(text); i += 40 {
		p.Text(regular, 10, 20, 800-float64(i/40)*20, string(text[i:min(i+40, len(text))]))
	}
	var out bytes.Buffer
	if _, err := d.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	testtool.QPDFCheck(t, out.Bytes())
	got := strings.Join(strings.Fields(testtool.Text(t, out.Bytes(), "-enc", "UTF-8", "-raw")), "")
	if want := string(text); got != want {
		t.Errorf("extracted\n%q\nwant\n%q", got, want)
	}
}

func TestAddPNGRefuses(t *testing.T) {
	rgba := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	clear := image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.Transparent, color.Black})
	interlaced := encodePNG(t, image.NewGray(image.Rect(0, 0, 4, 4)))
	interlaced[8+8+12] = 1
	d := New(a4w, a4h, Metadata{})
	for name, b := range map[string][]byte{
		"RGBA":                      encodePNG(t, rgba),
		"indexed with transparency": encodePNG(t, clear),
		"interlaced":                interlaced,
		"not a PNG":                 []byte("GIF89a"),
		"empty":                     nil,
	} {
		if img, err := d.AddPNG(b); err == nil || img != nil {
			t.Errorf("%s: added", name)
		}
	}
	if len(d.images) != 0 {
		t.Errorf("%d images kept of refused PNGs", len(d.images))
	}
}

// Numbers in content streams have at most two decimals and no -0.
func TestAppendNumber(t *testing.T) {
	for v, want := range map[float64]string{0: "0", -0.001: "0", 51.023622: "51.02", 595.2756: "595.28", -12.5: "-12.5", 100: "100"} {
		if got := string(appendNumber(nil, v)); got != want {
			t.Errorf("appendNumber(%v) = %q, want %q", v, got, want)
		}
	}
}

// Every kind of PNG comes out of the PDF with the pixels it went in with:
// the predictor, colour space and bit depth are right.
func TestImagesRoundTrip(t *testing.T) {
	testtool.Require(t, "pdfimages")
	out := sampleDoc(t)
	dir := t.TempDir()
	testtool.Run(t, "pdfimages", "-png", testtool.WriteTemp(t, "images.pdf", out), dir+"/img")
	for i, b := range testImages(t) {
		want, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.ReadFile(fmt.Sprintf("%s/img-%03d.png", dir, i))
		if err != nil {
			t.Fatal(err)
		}
		got, err := png.Decode(bytes.NewReader(f))
		if err != nil {
			t.Fatal(err)
		}
		if !samePixels(got, want) {
			t.Errorf("image %d does not come out as it went in", i)
		}
	}
}

func samePixels(a, b image.Image) bool {
	if a.Bounds().Size() != b.Bounds().Size() {
		return false
	}
	for y := range a.Bounds().Dy() {
		for x := range a.Bounds().Dx() {
			r1, g1, b1, _ := a.At(a.Bounds().Min.X+x, a.Bounds().Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(b.Bounds().Min.X+x, b.Bounds().Min.Y+y).RGBA()
			if r1>>8 != r2>>8 || g1>>8 != g2>>8 || b1>>8 != b2>>8 {
				return false
			}
		}
	}
	return true
}
