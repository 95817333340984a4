package pdf

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"image"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/gsign/gsign/internal/esign"
)

// stampWriter adds stamps to one document. Objects that several pages can
// share — the font, each distinct image, the opening "q" stream — are added
// to the document once.
type stampWriter struct {
	doc    *model.Context
	font   *types.IndirectRef
	open   *types.IndirectRef
	images map[string]imageXObject
}

func newStampWriter(doc *model.Context) *stampWriter {
	return &stampWriter{doc: doc, images: map[string]imageXObject{}}
}

// stampPage draws every stamp on page. A panic from pdfcpu while it walks
// the page means the page's structure is broken: that is reported as an
// invalid PDF rather than crashing.
func (sw *stampWriter) stampPage(page int, g pageGeom, stamps []esign.Stamp) error {
	err := guard(func() error { return sw.stampPageUnguarded(page, g, stamps) })
	if errors.Is(err, errPanic) {
		return errInvalid(fmt.Sprintf("page %d of the PDF has a structure that GSign cannot stamp", page))
	}
	return err
}

func (sw *stampWriter) stampPageUnguarded(page int, g pageGeom, stamps []esign.Stamp) error {
	pageDict, _, inherited, err := sw.doc.PageDict(page, false)
	if err != nil {
		return errInvalid(fmt.Sprintf("page %d of the PDF cannot be read", page))
	}
	res, err := newPageResources(sw.doc, inherited.Resources)
	if err != nil {
		return errInvalid(fmt.Sprintf("the resources of page %d of the PDF cannot be read", page))
	}
	var c contentWriter
	for i, st := range stamps {
		if st.Page != page {
			continue
		}
		if err := sw.draw(&c, res, i, st, g); err != nil {
			return err
		}
	}
	if c.buf.Len() == 0 {
		return nil // only blank text: leave the page as it is
	}
	if err := sw.wrapContents(pageDict, c.buf.Bytes()); err != nil {
		return fmt.Errorf("stamp page %d: %w", page, err)
	}
	pageDict["Resources"] = res.dict
	return nil
}

// draw adds one stamp's operators to c.
func (sw *stampWriter) draw(c *contentWriter, res *pageResources, i int, st esign.Stamp, g pageGeom) error {
	field := fmt.Sprintf("stamps[%d]", i)
	m := g.boxMatrix(st.X, st.Y, st.Width, st.Height)
	w, h := st.Width, st.Height
	switch st.Kind {
	case esign.StampText:
		return sw.drawText(c, res, field, st.Text, m, w, h)
	case esign.StampImage:
		img, err := sw.pngImage(field+".png", st.PNG)
		if err != nil {
			return err
		}
		c.beginBox(m, w, h)
		c.image(res.xobject(img.ref), img, fitScale(img, w, h), w, h, alignCentre)
		c.endBox()
	case esign.StampCheck:
		c.beginBox(m, w, h)
		c.check(w, h)
		c.endBox()
	}
	return nil
}

// drawText draws text with Helvetica when WinAnsiEncoding can encode it,
// and as an image rendered with the signature font otherwise.
func (sw *stampWriter) drawText(c *contentWriter, res *pageResources, field, text string, m matrix, w, h float64) error {
	text = normaliseText(text)
	if text == "" {
		return nil
	}
	if encoded, ok := encodeWinAnsi(text); ok {
		c.beginBox(m, w, h)
		if err := c.text(res.font(sw.helvetica()), encoded, w, h); err != nil {
			return err
		}
		c.endBox()
		return nil
	}
	img, err := sw.textImage(field+".text", text)
	if err != nil {
		return err
	}
	c.beginBox(m, w, h)
	c.image(res.xobject(img.ref), img, textImageScale(img, w, h), w, h, alignLeft)
	c.endBox()
	return nil
}

// helvetica returns the document's Helvetica font object, adding it on
// first use. Standard fonts need no embedding; WinAnsiEncoding makes
// Latin-1 accents and typographic quotes available and extractable.
func (sw *stampWriter) helvetica() types.IndirectRef {
	if sw.font == nil {
		d := types.Dict{
			"Type":     types.Name("Font"),
			"Subtype":  types.Name("Type1"),
			"BaseFont": types.Name(helvetica),
			"Encoding": types.Name("WinAnsiEncoding"),
		}
		ref, _ := sw.doc.IndRefForNewObject(d) // only fails for a nil object
		sw.font = ref
	}
	return *sw.font
}

// pngImage returns the image XObject for a PNG, adding it on first use.
// The same signature stamped on many pages is stored once. A PNG that
// needs no decoding (see readUndecoded) is not decoded.
func (sw *stampWriter) pngImage(field string, b []byte) (imageXObject, error) {
	key := fmt.Sprintf("png:%x", sha256.Sum256(b))
	if img, ok := sw.images[key]; ok {
		return img, nil
	}
	if u, ok := readUndecoded(b); ok {
		x, err := newUndecodedXObject(sw.doc, u)
		return sw.keep(key, x, err)
	}
	decoded, err := decodePNG(field, b)
	if err != nil {
		return imageXObject{}, err
	}
	return sw.addImage(key, decoded, b)
}

// textImage returns the image XObject showing text, adding it on first use.
func (sw *stampWriter) textImage(field, text string) (imageXObject, error) {
	key := "text:" + text
	if img, ok := sw.images[key]; ok {
		return img, nil
	}
	rendered, err := textImage(text)
	if err != nil {
		var e *esign.Error
		if errors.As(err, &e) && e.Code == esign.CodeValidation {
			return imageXObject{}, esign.Invalid(field, e.Fields["text"])
		}
		return imageXObject{}, err
	}
	return sw.addImage(key, rendered, nil)
}

// addImage adds img, decoded from png if that is not nil, under key.
func (sw *stampWriter) addImage(key string, img image.Image, png []byte) (imageXObject, error) {
	x, err := newImageXObject(sw.doc, img, png)
	return sw.keep(key, x, err)
}

// keep records x, just added to the document, under key, unless adding it
// failed with err.
func (sw *stampWriter) keep(key string, x imageXObject, err error) (imageXObject, error) {
	if err != nil {
		return imageXObject{}, fmt.Errorf("add image: %w", err)
	}
	sw.images[key] = x
	return x, nil
}

// wrapContents makes the page's content [q, original..., Q + stamps]. The
// original streams are referenced, not decoded or re-encoded, and the q/Q
// pair stops a graphics state they leave behind from moving the stamps.
func (sw *stampWriter) wrapContents(pageDict types.Dict, ops []byte) error {
	open, err := sw.openStream()
	if err != nil {
		return err
	}
	original, err := sw.contents(pageDict)
	if err != nil {
		return err
	}
	body := append([]byte("\nQ\n"), ops...)
	stamps, err := sw.doc.IndRefForNewObject(flateStream(types.Dict{}, body))
	if err != nil {
		return fmt.Errorf("add stamp content: %w", err)
	}
	parts := make(types.Array, 0, len(original)+2)
	parts = append(parts, open)
	parts = append(parts, original...)
	parts = append(parts, *stamps)
	pageDict["Contents"] = parts
	return nil
}

// openStream returns the shared one-operator stream "q".
func (sw *stampWriter) openStream() (types.IndirectRef, error) {
	if sw.open == nil {
		ref, err := sw.doc.IndRefForNewObject(flateStream(types.Dict{}, []byte("q\n")))
		if err != nil {
			return types.IndirectRef{}, fmt.Errorf("add content prefix: %w", err)
		}
		sw.open = ref
	}
	return *sw.open, nil
}

// contents returns the page's content streams as a list of references.
func (sw *stampWriter) contents(pageDict types.Dict) (types.Array, error) {
	o, found := pageDict.Find("Contents")
	if !found || o == nil {
		return nil, nil
	}
	switch v := o.(type) {
	case types.IndirectRef:
		target, err := sw.doc.Dereference(v)
		if err != nil {
			return nil, fmt.Errorf("read page contents: %w", err)
		}
		if arr, ok := target.(types.Array); ok {
			return arr, nil
		}
		return types.Array{v}, nil
	case types.Array:
		return v, nil
	case types.StreamDict:
		ref, err := sw.doc.IndRefForNewObject(v)
		if err != nil {
			return nil, fmt.Errorf("move page contents: %w", err)
		}
		return types.Array{*ref}, nil
	default:
		return nil, fmt.Errorf("page contents: unexpected %T", o)
	}
}
