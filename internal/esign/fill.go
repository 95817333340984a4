package esign

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"unicode/utf8"
)

// SignatureInput is a signature captured for a signature or initials field.
type SignatureInput struct {
	Kind     string // draw, typed or upload
	ImagePNG []byte // draw and upload
	Text     string // typed
	Font     string // typed: a signature font id; empty for DefaultSignatureFont
}

// DefaultSignatureFont is the font of typed signatures that name none, the
// only one before signers could choose, so older clients keep their look.
const DefaultSignatureFont = "go-italic"

// FieldValueInput fills one field: Value for data fields, Signature for
// signature and initials fields.
type FieldValueInput struct {
	Value     *string
	Signature *SignatureInput
}

// Limits on signature images.
const (
	MaxSignatureBytes     = 1 << 20
	MaxSignatureDimension = 4000
	MaxTextValueRunes     = 1000
)

// FillField fills one of the recipient's fields. A filled field cannot be
// filled again. A signature's image is rendered or checked before the
// transaction and written in it, in the signature's row: a failed
// transaction leaves nothing behind.
func (s *Service) FillField(ctx context.Context, raw, fieldID string, in FieldValueInput) (*Field, error) {
	var f *Field
	err := s.expiringFirst(ctx, func() (err error) {
		f, err = s.fillField(ctx, raw, fieldID, in)
		return err
	})
	return f, err
}

func (s *Service) fillField(ctx context.Context, raw, fieldID string, in FieldValueInput) (*Field, error) {
	f, err := s.lookupOwnField(ctx, raw, fieldID)
	if err != nil {
		return nil, err
	}
	value, sig, err := s.prepareValue(ctx, f, in)
	if err != nil {
		return nil, err
	}
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		f, err = s.applyValue(ctx, tx, raw, fieldID, value, sig)
		return err
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// lookupOwnField checks the link and the field before any work is done.
func (s *Service) lookupOwnField(ctx context.Context, raw, fieldID string) (*Field, error) {
	var f *Field
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		c, err := loadToken(ctx, tx, raw, TokenRead{Fields: true})
		if err != nil {
			return err
		}
		f, err = ownField(ctx, tx, c, fieldID)
		return err
	})
	return f, err
}

// ownField checks that the recipient may act now (its turn, a session, its
// authentication) and returns its field, from the fields c was loaded with
// (TokenRead.Fields).
func ownField(ctx context.Context, tx Tx, c *signingContext, fieldID string) (*Field, error) {
	if err := checkActing(ctx, tx, c); err != nil {
		return nil, err
	}
	for _, f := range c.Fields {
		if f.ID == fieldID && f.RecipientID == c.Recipient.ID {
			return checkFillable(f)
		}
	}
	return nil, NotFound("field")
}

func checkFillable(f *Field) (*Field, error) {
	switch {
	case f.Filled():
		return nil, Errorf(KindConflict, CodeFieldFilled, "field %s is already filled", f.ID)
	case f.Type.AutoFilled():
		return nil, Errorf(KindInvalid, CodeFieldAutoFilled, "%s fields are filled by GSign when you finish", f.Type)
	}
	return f, nil
}

// prepareValue validates the input for the field's type and, for signatures,
// renders or checks the image, outside any transaction.
func (s *Service) prepareValue(ctx context.Context, f *Field, in FieldValueInput) (string, *Signature, error) {
	if f.Type.TakesSignature() {
		if in.Signature == nil || in.Value != nil {
			return "", nil, Invalid("signature", "a "+string(f.Type)+" field takes {signature: {kind, image_png_base64 | text}}")
		}
		sig, err := s.captureSignature(in.Signature)
		return "", sig, err
	}
	if in.Value == nil || in.Signature != nil {
		return "", nil, Invalid("value", "a "+string(f.Type)+" field takes {value}")
	}
	v, err := validateValue(f.Type, *in.Value)
	if err == nil && f.Type == FieldText {
		err = s.checkDrawable("value", v)
	}
	return v, nil, err
}

func validateValue(t FieldType, v string) (string, error) {
	switch t {
	case FieldCheckbox:
		if v != "true" && v != "false" {
			return "", Invalid("value", `a checkbox takes "true" or "false"`)
		}
		return v, nil
	default:
		v = strings.TrimSpace(v)
		if v == "" || !utf8.ValidString(v) || utf8.RuneCountInString(v) > MaxTextValueRunes {
			return "", Invalid("value", "must be non-empty UTF-8 text of at most 1000 characters")
		}
		if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 && r != '\t' }) {
			return "", Invalid("value", "must not contain control characters or line breaks")
		}
		return v, nil
	}
}

// checkDrawable refuses text the stamper could not draw into the result.
func (s *Service) checkDrawable(field, text string) error {
	if err := s.Stamper.CheckText(text); err != nil {
		return &Error{Kind: KindInvalid, Code: CodeValidation, Message: field + ": " + ErrorMessage(err), Fields: map[string]string{field: ErrorMessage(err)}}
	}
	return nil
}

// captureSignature turns the input into a checked PNG held in the
// Signature, which the transaction then writes with the image in its row.
// No blob: a file create, two fsyncs and a rename per signature cost more
// CPU on a small VM than the rest of the fill, and a row commits atomically
// with the field that refers to it.
func (s *Service) captureSignature(in *SignatureInput) (*Signature, error) {
	sig := &Signature{Kind: SignatureKind(in.Kind)}
	var img []byte
	switch sig.Kind {
	case SignatureTyped:
		text, err := requireText("signature.text", in.Text, 100)
		if err != nil {
			return nil, err
		}
		font := cmp.Or(in.Font, DefaultSignatureFont)
		if img, err = s.Renderer.RenderTyped(text, font); err != nil {
			return nil, asSignatureField(err)
		}
		sig.Text, sig.Font = text, font
	case SignatureDraw, SignatureUpload:
		if err := checkSignaturePNG(in.ImagePNG); err != nil {
			return nil, err
		}
		img = in.ImagePNG
	default:
		return nil, Invalid("signature.kind", "must be draw, typed or upload")
	}
	sig.ID = NewID(PrefixSignature, s.now())
	sum := sha256.Sum256(img)
	sig.Image, sig.SHA256 = img, hex.EncodeToString(sum[:])
	return sig, nil
}

// signatureImage is the one way to read a signature's PNG: from its row, or
// for a signature captured before images moved into the database, from its
// blob.
func (s *Service) signatureImage(ctx context.Context, sig *Signature) ([]byte, error) {
	switch {
	case len(sig.Image) > 0:
		return sig.Image, nil
	case sig.BlobKey != "":
		b, err := s.readBlob(ctx, sig.BlobKey, 0)
		if err != nil {
			return nil, fmt.Errorf("signature %s image: %w", sig.ID, err)
		}
		return b, nil
	default:
		return nil, fmt.Errorf("signature %s has no image", sig.ID)
	}
}

// asSignatureField names the renderer's refusal after the request's field
// (signature.text, signature.font), so a client can point at it.
func asSignatureField(err error) error {
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindInvalid || len(e.Fields) != 1 {
		return err
	}
	for field, msg := range e.Fields {
		return Invalid("signature."+field, msg)
	}
	return err
}

func checkSignaturePNG(b []byte) error {
	if len(b) == 0 {
		return Invalid("signature.image_png_base64", "is required for drawn and uploaded signatures")
	}
	if len(b) > MaxSignatureBytes {
		return Invalid("signature.image_png_base64", "is larger than 1 MiB")
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return Invalid("signature.image_png_base64", "is not a PNG image")
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxSignatureDimension || cfg.Height > MaxSignatureDimension {
		return Invalid("signature.image_png_base64", "must be between 1 and 4000 pixels wide and high")
	}
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		return Invalid("signature.image_png_base64", "is a damaged PNG image")
	}
	return nil
}

// applyValue re-checks everything under the envelope lock and writes the
// value, the signature and the audit event together.
func (s *Service) applyValue(ctx context.Context, tx Tx, raw, fieldID, value string, sig *Signature) (*Field, error) {
	c, err := loadToken(ctx, tx, raw, TokenRead{Lock: true, Fields: true})
	if err != nil {
		return nil, err
	}
	f, err := ownField(ctx, tx, c, fieldID)
	if err != nil {
		return nil, err
	}
	if c.Recipient.DeliveredAt == nil {
		if err := markDelivered(ctx, tx, c); err != nil {
			return nil, err
		}
	}
	return f, writeValue(ctx, tx, c, f, value, sig)
}

// writeValue writes a checked value (or a signature with its image) into f
// with its field_filled audit event.
func writeValue(ctx context.Context, tx Tx, c *signingContext, f *Field, value string, sig *Signature) error {
	now := tx.Now()
	f.Value, f.FilledAt = value, &now
	data := map[string]string{"field_id": f.ID, "type": string(f.Type), "document_id": f.DocumentID}
	if sig != nil {
		m := MetaFrom(ctx)
		sig.EnvelopeID, sig.RecipientID, sig.FieldID, sig.IP, sig.UserAgent, sig.CreatedAt = f.EnvelopeID, c.Recipient.ID, f.ID, m.IP, truncate(m.UserAgent, 512), now
		if err := tx.CreateSignature(ctx, sig); err != nil {
			return err
		}
		f.SignatureID = sig.ID
		data["signature_id"], data["signature_kind"], data["signature_sha256"] = sig.ID, string(sig.Kind), sig.SHA256
		if sig.Font != "" {
			data["signature_font"] = sig.Font
		}
	} else {
		data["value"] = value
	}
	if err := tx.UpdateField(ctx, f); err != nil {
		return err
	}
	return appendAudit(ctx, tx, c.Envelope, AuditFieldFilled, c.actor(ctx), data)
}
