package certificate

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image/png"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pdf/internal/fastpng"
	"github.com/gsign/gsign/internal/pdf/internal/pdfw"
)

// maxSignaturePixels bounds a signature image's decoded size, as the
// stamper does, so a tiny PNG declaring huge dimensions cannot exhaust
// memory. Indexed images, which are not decoded (see undecodedSignature),
// are bounded too: a viewer decodes them.
const maxSignaturePixels = 25_000_000

// signatureImage is a recipient's signature ready for the PDF.
type signatureImage struct {
	name          string // after the image's content; "" when there is no image
	note          string // shown in the box instead of an image
	png           []byte
	width, height int         // pixels
	image         *pdfw.Image // once added to the document; nil shows the note
}

// unreadableSignature is the note in the box of a signature image that
// cannot be shown.
const unreadableSignature = "Signature image unreadable"

// prepareSignatures readies every recipient's signature image once, for
// both layout passes.
func prepareSignatures(rs []esign.CertificateRecipient) []signatureImage {
	out := make([]signatureImage, len(rs))
	for i, r := range rs {
		out[i] = prepareSignature(r.SignaturePNG)
	}
	return out
}

// prepareSignature readies a PNG for the PDF. An image that cannot be
// decoded is noted in the box rather than failing the certificate, which
// the completion of the envelope depends on. Every image is drawn on white
// (see flatten), which gives pdfw what it embeds as it is: an opaque 8-bit
// RGB or indexed PNG, not interlaced. An indexed PNG, such as a typed
// signature, is not decoded (see undecodedSignature).
func prepareSignature(b []byte) signatureImage {
	if len(b) == 0 {
		return signatureImage{note: "No signature image"}
	}
	if s, ok := undecodedSignature(b); ok {
		return s
	}
	return decodedSignature(b)
}

// decodedSignature decodes the PNG b, draws it on white and encodes it again.
func decodedSignature(b []byte) signatureImage {
	unreadable := signatureImage{note: unreadableSignature}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxSignaturePixels {
		return unreadable
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return unreadable
	}
	flat, err := fastpng.Encode(flatten(img))
	if err != nil {
		return unreadable
	}
	bounds := img.Bounds()
	return named(flat, bounds.Dx(), bounds.Dy())
}

// named is the opaque PNG flat of w×h pixels, ready for the PDF. Named
// after its content, an image that several recipients share (as a
// signature adopted once) is embedded once.
func named(flat []byte, w, h int) signatureImage {
	return signatureImage{name: fmt.Sprintf("signature-%x", sha256.Sum256(flat)), png: flat, width: w, height: h}
}

// size is the largest size within maxW×maxH with the image's aspect ratio.
func (s signatureImage) size(maxW, maxH float64) (float64, float64) {
	scale := min(maxW/float64(s.width), maxH/float64(s.height))
	return float64(s.width) * scale, float64(s.height) * scale
}

// addSignatures adds the images to the document, each distinct one once.
// One pdfw refuses, which prepareSignature should have made impossible, is
// noted as unreadable rather than failing the certificate.
func (w *writer) addSignatures() {
	added := map[string]*pdfw.Image{}
	for i := range w.signatures {
		s := &w.signatures[i]
		if s.name == "" {
			continue
		}
		img, ok := added[s.name]
		if !ok {
			img, _ = w.doc.AddPNG(s.png) // nil when refused
			added[s.name] = img
		}
		if s.image = img; img == nil {
			s.note = unreadableSignature
		}
	}
}
