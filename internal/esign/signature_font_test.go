package esign_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pdf"
)

// TestTypedSignatureFont: a typed signature is drawn in the font the signer
// chose, or the default one; the font is stored with the signature and in
// the fill's audit event; unknown fonts and text a font cannot draw are
// refused naming the request's field.
func TestTypedSignatureFont(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("sender@example.com")
	d, fields := h.sentEnvelope(p, recipientSpec{"a@example.com", esign.RoleSigner, 1}, recipientSpec{"b@example.com", esign.RoleSigner, 1})
	tokA, tokB := h.openAs("a@example.com"), h.openAs("b@example.com")
	bad := []struct{ name, text, font, field string }{
		{"unknown font", "Ana", "comic-sans", "signature.font"},
		{"font id in another case", "Ana", "Caveat", "signature.font"},
		{"text the font cannot draw", "Ωμέγα", "caveat", "signature.text"},
	}
	for _, tc := range bad {
		_, err := h.svc.FillField(ctx, tokA, fields["a@example.com"].ID, typedIn(tc.text, tc.font))
		wantCode(t, err, esign.KindInvalid, esign.CodeValidation)
		var e *esign.Error
		if !errors.As(err, &e) || e.Fields[tc.field] == "" {
			t.Errorf("%s: the error names %v, want %s", tc.name, e.Fields, tc.field)
		}
	}
	_, err := h.svc.FillField(ctx, tokA, fields["a@example.com"].ID, typedIn("Ana Żak", "great-vibes"))
	must(t, err)
	_, err = h.svc.FillField(ctx, tokB, fields["b@example.com"].ID, typed("Ben"))
	must(t, err)

	want := map[string]string{fields["a@example.com"].ID: "great-vibes", fields["b@example.com"].ID: esign.DefaultSignatureFont}
	must(t, h.db.View(ctx, func(ctx context.Context, tx esign.Tx) error {
		sigs, err := tx.SignaturesByEnvelope(ctx, d.Envelope.ID)
		if len(sigs) != 2 {
			t.Errorf("%d signatures, want 2", len(sigs))
		}
		for _, s := range sigs {
			if s.Font != want[s.FieldID] {
				t.Errorf("field %s: stored font %q, want %q", s.FieldID, s.Font, want[s.FieldID])
			}
			// The stored image, which the stamper and the certificate use, is
			// the text drawn in the stored font.
			img, err := pdf.SignatureRenderer{}.RenderTyped(s.Text, s.Font)
			must(t, err)
			if sum := sha256.Sum256(img); hex.EncodeToString(sum[:]) != s.SHA256 {
				t.Errorf("field %s: the stored image is not %q drawn in %s", s.FieldID, s.Text, s.Font)
			}
		}
		return err
	}))
	report, err := h.svc.Audit(ctx, p, d.Envelope.ID)
	must(t, err)
	filled := 0
	for _, e := range report.Events {
		if e.Type != esign.AuditFieldFilled {
			continue
		}
		filled++
		if got := e.Data["signature_font"]; got != want[e.Data["field_id"]] {
			t.Errorf("audit of field %s: signature_font %q, want %q", e.Data["field_id"], got, want[e.Data["field_id"]])
		}
	}
	if filled != 2 || !report.Verified {
		t.Errorf("%d field_filled events (want 2), chain verified %v", filled, report.Verified)
	}
}

func typedIn(text, font string) esign.FieldValueInput {
	return esign.FieldValueInput{Signature: &esign.SignatureInput{Kind: "typed", Text: text, Font: font}}
}
