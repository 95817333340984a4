package certificate

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	"image/png"

	"github.com/go-pdf/fpdf"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pdf/internal/fastpng"
)

// maxSignaturePixels bounds a signature image's decoded size, as the
// stamper does, so a tiny PNG declaring huge dimensions cannot exhaust
// memory.
const maxSignaturePixels = 25_000_000

// signatureImage is a recipient's signature ready for fpdf.
type signatureImage struct {
	name          string // the fpdf image name; "" when there is no image
	note          string // shown in the box instead of an image
	png           []byte
	width, height int // pixels
}

// prepareSignatures decodes every recipient's signature image once, for
// both layout passes.
func prepareSignatures(rs []esign.CertificateRecipient) []signatureImage {
	out := make([]signatureImage, len(rs))
	for i, r := range rs {
		out[i] = prepareSignature(r.SignaturePNG)
	}
	return out
}

// prepareSignature readies a PNG for fpdf. An image that cannot be decoded
// is noted in the box rather than failing the certificate, which the
// completion of the envelope depends on. Every image is drawn on white and
// re-encoded (see flatten), which also gives fpdf only what its own PNG
// reader handles: 8-bit RGB or indexed, not interlaced, no empty chunks.
func prepareSignature(b []byte) signatureImage {
	if len(b) == 0 {
		return signatureImage{note: "No signature image"}
	}
	unreadable := signatureImage{note: "Signature image unreadable"}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxSignaturePixels {
		return unreadable
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return unreadable
	}
	flat, err := opaqueSignature(b, img)
	if err != nil {
		return unreadable
	}
	// fpdf names an image's resource after its content, so two names for
	// one image would give the page resources a duplicate key: name it
	// after its content too.
	bounds := img.Bounds()
	return signatureImage{name: fmt.Sprintf("signature-%x", sha256.Sum256(flat)), png: flat,
		width: bounds.Dx(), height: bounds.Dy()}
}

// opaqueSignature returns img, decoded from the PNG b, on white as a PNG
// for fpdf (see flatten). An indexed image keeps its image data: only its
// palette goes on white.
func opaqueSignature(b []byte, img image.Image) ([]byte, error) {
	if p, ok := img.(*image.Paletted); ok {
		if out, ok := withPalette(b, paletteOnWhite(p).Palette); ok {
			return out, nil
		}
	}
	return fastpng.Encode(flatten(img))
}

// size is the largest size within maxW×maxH with the image's aspect ratio.
func (s signatureImage) size(maxW, maxH float64) (float64, float64) {
	scale := min(maxW/float64(s.width), maxH/float64(s.height))
	return float64(s.width) * scale, float64(s.height) * scale
}

func (s signatureImage) options() fpdf.ImageOptions {
	return fpdf.ImageOptions{ImageType: "PNG"}
}

// registerSignatures adds the images to the document being laid out.
func (w *writer) registerSignatures() {
	for _, s := range w.signatures {
		if s.name != "" && w.pdf.GetImageInfo(s.name) == nil {
			w.pdf.RegisterImageOptionsReader(s.name, s.options(), bytes.NewReader(s.png))
		}
	}
}
