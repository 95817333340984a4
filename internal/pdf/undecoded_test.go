package pdf

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pdf/internal/fastpng/pngtest"
	"github.com/gsign/gsign/internal/pdf/sigfont"
)

// inkRamp is an ink image (alpha is the index) whose pixels run through
// every index, or only through 255 (solid ink) if solid.
func inkRamp(t *testing.T, solid bool) []byte {
	t.Helper()
	cover := image.NewAlpha(image.Rect(0, 0, 64, 12))
	for i := range cover.Pix {
		cover.Pix[i] = uint8(i * 5)
		if solid {
			cover.Pix[i] = 0xff
		}
	}
	b, err := encodePNG(inkImage(cover, navy))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// imageParts is what a viewer reads of an image XObject: its entries but
// references, its image data, lookup table and soft mask.
type imageParts struct {
	dict                string
	data, lookup, smask []byte
}

// partsOf reads the image x of doc.
func partsOf(t *testing.T, doc *model.Context, x imageXObject) imageParts {
	t.Helper()
	stream := func(o types.Object) types.StreamDict {
		d, err := doc.Dereference(o)
		if err != nil {
			t.Fatal(err)
		}
		return d.(types.StreamDict)
	}
	sd := stream(x.ref)
	p := imageParts{data: sd.Raw, lookup: stream(sd.ArrayEntry("ColorSpace")[3]).Raw}
	if ref := sd.IndirectRefEntry("SMask"); ref != nil {
		p.smask = stream(*ref).Raw
	}
	d := sd.Dict.Clone().(types.Dict)
	d.Delete("SMask")
	d.Delete("ColorSpace")
	p.dict = d.PDFString()
	return p
}

// bothWays adds b to a document without decoding it, and decoded as
// before, and returns both images.
func bothWays(t *testing.T, b []byte) (undecoded, decoded imageParts) {
	t.Helper()
	doc, err := readDocument(context.Background(), bytes.NewReader(onePage(letter)))
	if err != nil {
		t.Fatal(err)
	}
	u, ok := readUndecoded(b)
	if !ok {
		t.Fatal("readUndecoded refused it")
	}
	x, err := newUndecodedXObject(doc, u)
	if err != nil {
		t.Fatal(err)
	}
	img, err := decodePNG("png", b)
	if err != nil {
		t.Fatal(err)
	}
	y, err := newImageXObject(doc, img, b)
	if err != nil {
		t.Fatal(err)
	}
	return partsOf(t, doc, x), partsOf(t, doc, y)
}

// An indexed PNG added without decoding is the image it was when decoded:
// the same entries, image data, lookup table and soft mask.
func TestUndecodedImageIsDecodedImage(t *testing.T) {
	t.Parallel()
	typed, err := (SignatureRenderer{}).RenderTyped("Carol Lindqvist-Øberg", sigfont.Default)
	if err != nil {
		t.Fatal(err)
	}
	opaque := halfPaletted(t, color.Palette{color.White, navy}, 256)
	tests := map[string][]byte{
		"typed signature":               typed,
		"ink ramp":                      inkRamp(t, false),
		"opaque palette":                opaque,
		"indices beyond an opaque PLTE": pngtest.CutPalette(inkRamp(t, false), 10, 0),
		"tRNS longer than PLTE":         pngtest.CutPalette(inkRamp(t, false), 10, 256),
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u, d := bothWays(t, b)
			if u.dict != d.dict || !bytes.Equal(u.data, d.data) || !bytes.Equal(u.lookup, d.lookup) || !bytes.Equal(u.smask, d.smask) {
				t.Errorf("undecoded %s\ndecoded   %s\nsame data %v, lookup %v, mask %v", u.dict, d.dict,
					bytes.Equal(u.data, d.data), bytes.Equal(u.lookup, d.lookup), bytes.Equal(u.smask, d.smask))
			}
		})
	}
}

// An ink image of solid ink keeps a soft mask that masks nothing, where
// the decoded image, whose pixels are all opaque, has none: the same
// pixels show.
func TestUndecodedSolidInk(t *testing.T) {
	t.Parallel()
	u, d := bothWays(t, inkRamp(t, true))
	if d.smask != nil || !bytes.Equal(u.smask, u.data) || !bytes.Equal(u.data, d.data) || !bytes.Equal(u.lookup, d.lookup) {
		t.Errorf("decoded mask %d bytes, undecoded mask is the image data: %v", len(d.smask), bytes.Equal(u.smask, u.data))
	}
}

// PNGs whose image the stamper cannot make from their chunks are decoded.
func TestReadUndecodedRefuses(t *testing.T) {
	t.Parallel()
	ink := inkRamp(t, false)
	tests := map[string][]byte{
		"RGBA":                    halfPNG(t),
		"1-bit indexed":           halfPaletted(t, color.Palette{color.White, navy}, 2),
		"one transparent entry":   halfPaletted(t, color.Palette{color.NRGBA{}, navy}, 256),
		"alpha not the index":     pngtest.CutPalette(ink, 256, 200),
		"interlaced":              pngtest.WithHeader(ink, 12, 1),
		"larger than stamps take": pngtest.WithSize(ink, 5000, 5001),
		"not a PNG":               []byte("GIF89a"),
	}
	for name, b := range tests {
		if _, ok := readUndecoded(b); ok {
			t.Errorf("%s: readUndecoded accepted it", name)
		}
	}
}

// Broken PNGs are refused with the error the stamper gave when it decoded
// every PNG.
func TestStampRefusesBrokenPNGs(t *testing.T) {
	t.Parallel()
	ink := inkRamp(t, false)
	badCRC := append([]byte{}, ink...)
	badCRC[len(badCRC)-20] ^= 0x10
	tests := map[string][]byte{
		"truncated":    ink[:len(ink)-20],
		"no IEND":      ink[:len(ink)-12],
		"bad CRC":      badCRC,
		"PLTE missing": pngtest.Rechunk(ink, func(k string, d []byte) ([]byte, bool) { return d, k != "PLTE" }),
		"tRNS of 257": pngtest.Rechunk(ink, func(k string, d []byte) ([]byte, bool) {
			if k == "tRNS" {
				d = make([]byte, 257)
			}
			return d, true
		}),
		"huge IHDR":         pngtest.WithSize(ink, 100_000, 100_000),
		"IHDR of 2^31 wide": pngtest.WithSize(ink, 1<<31, 10),
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, want := decodePNG("stamps[0].png", b)
			if want == nil {
				t.Fatal("decodePNG takes it: the test is wrong")
			}
			st := imageBox
			st.Kind, st.PNG = esign.StampImage, b
			var out bytes.Buffer
			err := (&Stamper{}).Stamp(context.Background(), bytes.NewReader(onePage(letter)), []esign.Stamp{st}, nil, &out)
			if err == nil || err.Error() != want.Error() || out.Len() != 0 {
				t.Errorf("Stamp = %v, wrote %d bytes; want %v", err, out.Len(), want)
			}
		})
	}
}

// stampDecoded stamps st on the first page of pdf as the stamper did
// before it took PNGs without decoding them: with the image XObject that
// decodePNG and newImageXObject make.
func stampDecoded(t *testing.T, pdf []byte, st esign.Stamp) []byte {
	t.Helper()
	doc, err := readDocument(context.Background(), bytes.NewReader(pdf))
	if err != nil {
		t.Fatal(err)
	}
	geoms, err := pageGeometries(doc)
	if err != nil {
		t.Fatal(err)
	}
	img, err := decodePNG("png", st.PNG)
	if err != nil {
		t.Fatal(err)
	}
	sw := newStampWriter(doc)
	if _, err := sw.addImage(fmt.Sprintf("png:%x", sha256.Sum256(st.PNG)), img, st.PNG); err != nil {
		t.Fatal(err)
	}
	if err := sw.stampPage(1, geoms[0], []esign.Stamp{st}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := writeContext(doc, &out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// Typed signatures stamped without decoding show the pixels they showed
// when the stamper decoded them, solid ink (which keeps a soft mask that
// masks nothing) too.
func TestUndecodedSignatureRenders(t *testing.T) {
	t.Parallel()
	typed, err := (SignatureRenderer{}).RenderTyped("Bob Q. Signer", sigfont.Default)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"typed": typed, "solid ink": inkRamp(t, true)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, ok := readUndecoded(b); !ok {
				t.Fatal("decoded")
			}
			st := esign.Stamp{Page: 1, X: 50, Y: 50, Width: 400, Height: 120, Kind: esign.StampImage, PNG: b}
			got, want := render(t, stamp(t, onePage(letter), st), 1), render(t, stampDecoded(t, onePage(letter), st), 1)
			differ, inked := 0, 0
			for y := range 200 {
				for x := range 500 {
					if got.At(x, y) != want.At(x, y) {
						differ++
					}
					if dark(want, x, y) {
						inked++
					}
				}
			}
			if differ > 0 || inked < 200 {
				t.Errorf("%d pixels differ, %d inked", differ, inked)
			}
		})
	}
}
