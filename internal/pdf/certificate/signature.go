package certificate

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"image"
	"image/draw"
	"image/png"

	"github.com/go-pdf/fpdf"

	"github.com/gsign/gsign/internal/esign"
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
// completion of the envelope depends on. fpdf's own PNG reader refuses
// interlaced and 16-bit images, and a refused image would fail the whole
// certificate: such images, and any fpdf might misread, are re-encoded as
// plain 8-bit RGBA. Typed and drawn signatures are usually fine as they
// are.
func prepareSignature(b []byte) signatureImage {
	if len(b) == 0 {
		return signatureImage{note: "No signature image"}
	}
	unreadable := signatureImage{note: "Signature image unreadable"}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxSignaturePixels {
		return unreadable
	}
	// Decoding also checks the image data that fpdf would copy unchecked.
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return unreadable
	}
	bounds := img.Bounds()
	if !fpdfReadable(b) {
		nrgba := image.NewNRGBA(image.Rect(0, 0, bounds.Dx(), bounds.Dy()))
		draw.Draw(nrgba, nrgba.Rect, img, bounds.Min, draw.Src)
		var buf bytes.Buffer
		if err := pngEncoder.Encode(&buf, nrgba); err != nil {
			return unreadable
		}
		b = buf.Bytes()
	}
	// fpdf names an image's resource after its content, so two names for
	// one image would give the page resources a duplicate key: name it
	// after its content too.
	return signatureImage{name: fmt.Sprintf("signature-%x", sha256.Sum256(b)), png: b,
		width: bounds.Dx(), height: bounds.Dy()}
}

// pngEncoder re-encodes signatures at the fastest level: they are small
// and mostly flat, and fpdf compresses them again anyway.
var pngEncoder = png.Encoder{CompressionLevel: png.BestSpeed}

// fpdfReadable reports whether fpdf reads the PNG b, which image/png
// decoded, as it is: 8-bit RGB or RGBA, not interlaced, and no empty chunk
// before IEND, since fpdf stops reading at the first empty chunk.
func fpdfReadable(b []byte) bool {
	const (
		signatureLen = 8
		ihdrLen      = 13
	)
	b = b[signatureLen:]
	first := true
	for len(b) >= 12 {
		n := binary.BigEndian.Uint32(b)
		kind := string(b[4:8])
		if uint64(n) > uint64(len(b)-12) {
			return false
		}
		if first {
			if kind != "IHDR" || n != ihdrLen {
				return false
			}
			depth, colour, interlace := b[16], b[17], b[20]
			if depth != 8 || (colour != 2 && colour != 6) || interlace != 0 {
				return false
			}
			first = false
		}
		if kind == "IEND" {
			return true
		}
		if n == 0 {
			return false
		}
		b = b[12+n:]
	}
	return false
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
