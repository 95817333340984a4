package pdf

import (
	"fmt"
	"image"
	"image/color"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pdf/internal/fastpng"
	"github.com/gsign/gsign/internal/pdf/internal/freelist"
	"github.com/gsign/gsign/internal/pdf/sigfont"
)

// Rendering parameters. Glyphs are drawn with a 96 px em so the image stays
// sharp when a signature is scaled up in a large box or printed.
const (
	renderEm          = 96
	signatureMargin   = 8
	textImageMargin   = 2
	maxSignatureRunes = 100
	// maxTextImageWidth bounds the width of a text image in pixels; longer
	// text is drawn with a smaller em instead of making a huge image.
	maxTextImageWidth = 8192
)

var (
	signatureInk = color.NRGBA{R: 0x1a, G: 0x2b, B: 0x6d, A: 0xff}
	textInk      = color.NRGBA{A: 0xff}
	// The palettes of inkImage, made once: they are only read.
	inkPalettes = map[color.NRGBA]color.Palette{signatureInk: inkPalette(signatureInk), textInk: inkPalette(textInk)}
)

// parsedFonts parses each signature font once, on first use. A parsed font
// is immutable; each rendering takes a Face of its own (emFace), since
// faces are not safe for concurrent use.
var parsedFonts = func() map[string]func() (*opentype.Font, error) {
	m := map[string]func() (*opentype.Font, error){}
	for _, f := range sigfont.All() {
		m[f.ID] = sync.OnceValues(func() (*opentype.Font, error) { return opentype.Parse(f.TTF) })
	}
	return m
}()

// goItalic is the default font, which text images (RenderTextImage) and
// the stamper's check of text use.
var goItalic = parsedFonts[sigfont.Default]

// SignatureRenderer draws typed signatures in a handwriting font of the
// signer's choice (package sigfont). The zero value is ready to use and
// safe for concurrent use.
type SignatureRenderer struct{}

var _ esign.SignatureRenderer = (*SignatureRenderer)(nil)

// RenderTyped renders text in the font with the id as a PNG with a
// transparent background and dark blue ink, cropped to the ink with a
// small margin. An unknown font, and text that is blank, longer than 100
// characters or has characters the font cannot draw, are refused with an
// *esign.Error of KindInvalid and CodeValidation.
func (SignatureRenderer) RenderTyped(text, fontID string) ([]byte, error) {
	if _, ok := parsedFonts[fontID]; !ok {
		return nil, esign.Invalid("font", fmt.Sprintf("unknown font %q; the fonts are %s", fontID, strings.Join(sigfont.IDs(), ", ")))
	}
	text = normaliseText(text)
	if text == "" {
		return nil, esign.Invalid("text", "the signature is empty")
	}
	if utf8.RuneCountInString(text) > maxSignatureRunes {
		return nil, esign.Invalid("text", fmt.Sprintf("the signature is longer than %d characters", maxSignatureRunes))
	}
	img, pix, err := renderText(fontID, text, true, canvases.Get())
	if err != nil {
		return nil, err
	}
	b, err := encodePNG(inkImage(img, signatureInk))
	if cap(pix) <= maxIdleCanvas {
		canvases.Put(pix)
	}
	return b, err
}

// canvases keeps idle pixel buffers for typed signatures, which are done
// with once encoded. Reusing one costs clearing it, where a new one of
// this size (about 100 KB) is also cleared, but comes from the page
// allocator and adds to the garbage collector's work.
var canvases = freelist.New(func() []byte { return nil })

// maxIdleCanvas bounds the buffers kept in canvases: signatures of
// typical length fit, and an unusually long one does not keep its large
// buffer alive.
const maxIdleCanvas = 256 << 10

// RenderTextImage renders text as a black PNG on a transparent background
// with the signature font. Stamp uses it for text that the standard PDF
// fonts cannot encode, so no character is lost. The image spans the font's
// full line height, so that texts of one size render at one scale.
func RenderTextImage(text string) ([]byte, error) {
	img, err := textImage(text)
	if err != nil {
		return nil, err
	}
	return encodePNG(img)
}

// textImage is RenderTextImage without the PNG encoding.
func textImage(text string) (*image.Paletted, error) {
	text = normaliseText(text)
	if text == "" {
		return nil, esign.Invalid("text", "the text is empty")
	}
	img, _, err := renderText(sigfont.Default, text, false, nil)
	if err != nil {
		return nil, err
	}
	return inkImage(img, textInk), nil
}

// renderText draws one line of text as coverage: each pixel's alpha is
// how much ink covers it. With tight set the image is cropped to the ink
// on all sides; otherwise it spans the font's ascent and descent. The
// image's pixels are in buf when it is large enough; renderText returns
// the buffer it drew in, for reuse once the image is done with.
func renderText(fontID, text string, tight bool, buf []byte) (*image.Alpha, []byte, error) {
	f, err := parsedFonts[fontID]()
	if err != nil {
		return nil, buf, fmt.Errorf("render text: parse font: %w", err)
	}
	if err := checkGlyphs(f, text); err != nil {
		return nil, buf, err
	}
	face, release, err := fittingFace(fontID, f, text)
	if err != nil {
		return nil, buf, err
	}
	defer release()
	bounds, origin := layout(face, text, tight)
	img := newCanvas(bounds, buf)
	ink := drawCoverage(img, face, origin, text)
	if tight {
		return cropToInk(img, ink, signatureMargin), img.Pix, nil
	}
	return img, img.Pix, nil
}

// newCanvas returns a transparent image of r, in buf if it is large
// enough.
func newCanvas(r image.Rectangle, buf []byte) *image.Alpha {
	n := r.Dx() * r.Dy()
	if cap(buf) < n {
		return image.NewAlpha(r)
	}
	buf = buf[:n]
	clear(buf)
	return &image.Alpha{Pix: buf, Stride: r.Dx(), Rect: r}
}

// inkPalette is ink at every alpha, entry i at alpha i.
func inkPalette(ink color.NRGBA) color.Palette {
	p := make(color.Palette, 256)
	for i := range p {
		p[i] = color.NRGBA{R: ink.R, G: ink.G, B: ink.B, A: uint8(i)}
	}
	return p
}

// fittingFace returns a face of f, the font with the id, at the standard
// em, or at a smaller one if the text would otherwise make an image wider
// than maxTextImageWidth, and the func that releases the face when the
// text is drawn.
func fittingFace(fontID string, f *opentype.Font, text string) (font.Face, func(), error) {
	face, release, err := emFace(fontID, f)
	if err != nil {
		return nil, nil, err
	}
	width := font.MeasureString(face, text).Ceil() + 2*signatureMargin
	if width <= maxTextImageWidth {
		return face, release, nil
	}
	release()
	// Ink can overhang the advance a little: aim 2% below the limit.
	small, err := newFace(f, max(1, renderEm*0.98*maxTextImageWidth/float64(width)))
	if err != nil {
		return nil, nil, err
	}
	return small, func() { _ = small.Close() }, nil
}

// emFaces keeps idle faces at the standard em, per font id. A face's
// rasterizer and glyph mask grow to the largest glyph it drew: a new face
// for every signature allocated and cleared them again, about 50 KB each.
var emFaces = func() map[string]*freelist.List[font.Face] {
	m := map[string]*freelist.List[font.Face]{}
	for _, f := range sigfont.All() {
		m[f.ID] = freelist.New(func() font.Face { return nil }) // nil: make one
	}
	return m
}()

// emFace returns an idle face of f at the standard em, or a new one, and
// the func that keeps it for the next text.
func emFace(fontID string, f *opentype.Font) (font.Face, func(), error) {
	idle := emFaces[fontID]
	if face := idle.Get(); face != nil {
		return face, func() { idle.Put(face) }, nil
	}
	face, err := newFace(f, renderEm)
	if err != nil {
		return nil, nil, err
	}
	return face, func() { idle.Put(face) }, nil
}

func newFace(f *opentype.Font, size float64) (font.Face, error) {
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, fmt.Errorf("render text: face: %w", err)
	}
	return face, nil
}

// layout returns the image rectangle and the starting dot for text.
func layout(face font.Face, text string, tight bool) (image.Rectangle, fixed.Point26_6) {
	ink, advance := font.BoundString(face, text)
	if tight {
		r := image.Rect(ink.Min.X.Floor(), ink.Min.Y.Floor(), ink.Max.X.Ceil(), ink.Max.Y.Ceil())
		r = r.Inset(-signatureMargin)
		return r.Sub(r.Min), fixed.P(-r.Min.X, -r.Min.Y)
	}
	m := face.Metrics()
	minX := min(0, ink.Min.X.Floor())
	maxX := max(advance.Ceil(), ink.Max.X.Ceil())
	r := image.Rect(minX, -m.Ascent.Ceil(), maxX, m.Descent.Ceil()).Inset(-textImageMargin)
	return r.Sub(r.Min), fixed.P(-r.Min.X, -r.Min.Y)
}

// checkGlyphs refuses text with characters the font has no glyph for:
// drawing them as empty boxes would silently lose them.
func checkGlyphs(f *opentype.Font, text string) error {
	var buf sfnt.Buffer
	var missing []string
	seen := map[rune]bool{}
	for _, r := range text {
		if seen[r] || r == ' ' {
			continue
		}
		seen[r] = true
		if gi, err := f.GlyphIndex(&buf, r); err != nil || gi == 0 {
			missing = append(missing, fmt.Sprintf("%q (U+%04X)", r, r))
		}
	}
	if len(missing) > 0 {
		return esign.Invalid("text", "contains characters that cannot be drawn: "+strings.Join(missing, ", "))
	}
	return nil
}

func encodePNG(img image.Image) ([]byte, error) {
	b, err := fastpng.Encode(img)
	if err != nil {
		return nil, fmt.Errorf("render text: encode png: %w", err)
	}
	return b, nil
}
