package pdf

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// testPage describes one page of a hand-written test PDF. Entries holds
// extra page dictionary entries such as "/Rotate 90"; content is the page's
// content stream (Helvetica is available as /F1, the test JPEG as /Im0).
type testPage struct {
	entries string
	content string
}

// testDoc describes a hand-written test PDF. Pages inherit pagesEntries
// (MediaBox, Rotate, Resources...) from the root Pages node.
type testDoc struct {
	pagesEntries string
	pages        []testPage
	withJPEG     bool
}

const letter = "/MediaBox [0 0 612 792]"

// label is page content that prints text far from where tests stamp.
func label(text string) string {
	return fmt.Sprintf("BT /F1 10 Tf 20 20 Td (%s) Tj ET", text)
}

// build writes the document with a correct cross-reference table.
func (d testDoc) build() []byte {
	var objs []string
	add := func(body string) int { objs = append(objs, body); return len(objs) }
	add("<< /Type /Catalog /Pages 2 0 R >>")
	add("") // Pages, filled in once the kids are known
	font := add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	xobjects := ""
	if d.withJPEG {
		img := testJPEG()
		xobjects = fmt.Sprintf(" /XObject << /Im0 %d 0 R >>", add(fmt.Sprintf(
			"<< /Type /XObject /Subtype /Image /Width 16 /Height 16 /ColorSpace /DeviceRGB "+
				"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n%s\nendstream", len(img), img)))
	}
	resources := fmt.Sprintf("/Resources << /Font << /F1 %d 0 R >>%s >>", font, xobjects)
	var kids []string
	for _, p := range d.pages {
		content := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(p.content), p.content))
		page := add(fmt.Sprintf("<< /Type /Page /Parent 2 0 R %s %s /Contents %d 0 R >>", resources, p.entries, content))
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d %s >>",
		strings.Join(kids, " "), len(kids), d.pagesEntries)
	return writeObjects(objs)
}

func writeObjects(objs []string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, body := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, body)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// onePage is a single page document with the given page entries.
func onePage(entries string) []byte {
	return testDoc{pages: []testPage{{entries: entries, content: label("Original page 1")}}}.build()
}

// testJPEG is a small JPEG, to check that stamping copies existing images
// byte for byte instead of re-encoding them.
var testJPEG = func() func() []byte {
	var b bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	if err := jpeg.Encode(&b, img, nil); err != nil {
		panic(err)
	}
	return func() []byte { return b.Bytes() }
}()

// rewritten returns pdf as pdfcpu writes it: with object streams and a
// cross-reference stream instead of a classic xref table.
func rewritten(t testing.TB, pdf []byte) []byte {
	t.Helper()
	doc, err := readDocument(context.Background(), bytes.NewReader(pdf))
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var out bytes.Buffer
	if err := api.WriteContext(doc, &out); err != nil {
		t.Fatalf("write: %v", err)
	}
	return out.Bytes()
}

// encrypted returns pdf encrypted by pdfcpu with the given user password
// ("" means anyone may open it) and key.
func encrypted(t testing.TB, pdf []byte, userPW string, aes bool, keyLength int) []byte {
	t.Helper()
	conf := newConfig()
	conf.UserPW, conf.OwnerPW = userPW, "owner-secret"
	conf.EncryptUsingAES, conf.EncryptKeyLength = aes, keyLength
	conf.Permissions = model.PermissionsPrint
	var out bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(pdf), &out, conf); err != nil {
		t.Fatalf("encrypt: %v", err)
	}
	return out.Bytes()
}

// solidPNG returns a w×h PNG in which fill decides each pixel's colour.
func solidPNG(t testing.TB, w, h int, fill func(x, y int) color.Color) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, fill(x, y))
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
