package esign_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/gsign/gsign/internal/blob"
	"github.com/gsign/gsign/internal/esign"
)

// sigBlobRecorder records the signature blobs written and read.
type sigBlobRecorder struct {
	*blob.Memory
	mu          sync.Mutex
	puts, opens []string
}

func (r *sigBlobRecorder) Put(ctx context.Context, key string, rd io.Reader) (esign.BlobInfo, error) {
	r.record(&r.puts, key)
	return r.Memory.Put(ctx, key, rd)
}

func (r *sigBlobRecorder) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	r.record(&r.opens, key)
	return r.Memory.Open(ctx, key)
}

func (r *sigBlobRecorder) record(into *[]string, key string) {
	if strings.HasPrefix(key, "signatures/") {
		r.mu.Lock()
		*into = append(*into, key)
		r.mu.Unlock()
	}
}

func (h *harness) recordSignatureBlobs() *sigBlobRecorder {
	r := &sigBlobRecorder{Memory: h.blobs}
	h.svc.Blobs = r
	return r
}

func sum256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// signatures reads the envelope's signature rows.
func (h *harness) signatures(envelopeID string) []*esign.Signature {
	h.t.Helper()
	var sigs []*esign.Signature
	must(h.t, h.db.View(context.Background(), func(ctx context.Context, tx esign.Tx) (err error) {
		sigs, err = tx.SignaturesByEnvelope(ctx, envelopeID)
		return err
	}))
	return sigs
}

// writeSignature records sig for the field f directly in the store, as an
// older GSign (image in a blob) or damaged data would have it; with fill,
// the field refers to it.
func (h *harness) writeSignature(f *esign.Field, sig *esign.Signature, fill bool) {
	h.t.Helper()
	sig.EnvelopeID, sig.RecipientID, sig.FieldID, sig.Kind, sig.CreatedAt = f.EnvelopeID, f.RecipientID, f.ID, esign.SignatureDraw, h.clock.Now()
	must(h.t, h.db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		if err := tx.CreateSignature(ctx, sig); err != nil || !fill {
			return err
		}
		now := tx.Now()
		f.SignatureID, f.FilledAt = sig.ID, &now
		return tx.UpdateField(ctx, f)
	}))
}

// TestSignatureImageInRow: a typed signature (filled on its own) and an
// uploaded one (filled while finishing) keep their PNG in the signature's
// row with its SHA-256, write and read no blob, and the envelope seals and
// passes fsck.
func TestSignatureImageInRow(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	rec := h.recordSignatureBlobs()
	p := h.register("sender@example.com")
	d, fields := h.sentEnvelope(p, recipientSpec{"a@example.com", esign.RoleSigner, 1}, recipientSpec{"b@example.com", esign.RoleSigner, 1})
	h.signTyped(h.openAs("a@example.com"), fields["a@example.com"].ID, "Ana")
	upload := testPNG(t, 40, 20)
	_, err := h.svc.CompleteWithFields(ctx, h.openAs("b@example.com"), esign.FieldFills{
		fields["b@example.com"].ID: {Signature: &esign.SignatureInput{Kind: "upload", ImagePNG: upload}}})
	must(t, err)

	sigs := h.signatures(d.Envelope.ID)
	if len(sigs) != 2 {
		t.Fatalf("%d signatures, want 2", len(sigs))
	}
	for _, s := range sigs {
		if len(s.Image) == 0 || s.BlobKey != "" || sum256(s.Image) != s.SHA256 {
			t.Errorf("signature %s (%s): %d image bytes, blob key %q, SHA-256 matches %v", s.ID, s.Kind, len(s.Image), s.BlobKey, sum256(s.Image) == s.SHA256)
		}
	}
	if !bytes.Equal(sigs[1].Image, upload) {
		t.Error("the uploaded image is not stored as uploaded")
	}
	h.drainSealed(p, d.Envelope.ID)
	if len(rec.puts)+len(rec.opens) > 0 {
		t.Errorf("signature blobs written %v, read %v; want none", rec.puts, rec.opens)
	}
	if findings := h.fsck(); len(findings) > 0 {
		t.Errorf("fsck: %v", findings)
	}
}

// TestOldSignatureFromBlob: a signature captured before images moved into
// the row (no image, a blob key) is read from its blob when the envelope is
// sealed, next to a new one, and fsck accepts it.
func TestOldSignatureFromBlob(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	rec := h.recordSignatureBlobs()
	p := h.register("sender@example.com")
	d, fields := h.sentEnvelope(p, recipientSpec{"a@example.com", esign.RoleSigner, 1}, recipientSpec{"b@example.com", esign.RoleSigner, 1})
	tokA := h.openAs("a@example.com")
	img, key := testPNG(t, 60, 30), "signatures/"+d.Envelope.ID+"/sig_old.png"
	_, err := h.blobs.Put(ctx, key, bytes.NewReader(img))
	must(t, err)
	h.writeSignature(fields["a@example.com"], &esign.Signature{ID: "sig_old", BlobKey: key, SHA256: sum256(img)}, true)
	_, err = h.svc.CompleteRecipient(ctx, tokA)
	must(t, err)
	h.signTyped(h.openAs("b@example.com"), fields["b@example.com"].ID, "Ben")
	h.drainSealed(p, d.Envelope.ID)
	// Stamped into the document and drawn on the certificate: read twice.
	if len(rec.opens) != 2 || rec.opens[0] != key || rec.opens[1] != key {
		t.Errorf("signature blobs read: %v, want %s for the stamp and the certificate", rec.opens, key)
	}
	if findings := h.fsck(); len(findings) > 0 {
		t.Errorf("fsck: %v", findings)
	}
}

// drainSealed runs the outbox and wants the envelope's results ready.
func (h *harness) drainSealed(p *esign.Principal, envelopeID string) {
	h.t.Helper()
	h.drain()
	got, err := h.svc.GetEnvelope(context.Background(), p, envelopeID)
	must(h.t, err)
	if got.Envelope.ResultStatus != esign.ResultReady {
		h.t.Fatalf("result %s, want ready", got.Envelope.ResultStatus)
	}
}

// fsck runs Service.Fsck and returns its findings.
func (h *harness) fsck() []esign.Finding {
	h.t.Helper()
	var out []esign.Finding
	_, err := h.svc.Fsck(context.Background(), func(f esign.Finding) { out = append(out, f) })
	must(h.t, err)
	return out
}

// TestFsckSignatureImages: fsck wants every signature's image, in its row
// or (for an old row) in its blob, with the recorded SHA-256.
func TestFsckSignatureImages(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("sender@example.com")
	img, other := testPNG(t, 40, 20), testPNG(t, 41, 20)
	tests := []struct {
		name string
		sig  esign.Signature
		blob []byte // stored under sig.BlobKey when set
		want string // in the one finding; "" for none
	}{
		{"image in the row", esign.Signature{Image: img, SHA256: sum256(img)}, nil, ""},
		{"altered image", esign.Signature{Image: other, SHA256: sum256(img)}, nil, "the image's SHA-256 differs"},
		{"no image", esign.Signature{SHA256: sum256(img)}, nil, "has no image"},
		{"old row with its blob", esign.Signature{BlobKey: "signatures/x/ok.png", SHA256: sum256(img)}, img, ""},
		{"old row, altered blob", esign.Signature{BlobKey: "signatures/x/altered.png", SHA256: sum256(img)}, other, "SHA-256 differs from the recorded one: the file was altered"},
		{"old row, blob missing", esign.Signature{BlobKey: "signatures/x/gone.png", SHA256: sum256(img)}, nil, "blob signatures/x/gone.png"},
	}
	envelopes := map[string]string{}
	for i, tt := range tests {
		d, fields := h.sentEnvelope(p, recipientSpec{"a@example.com", esign.RoleSigner, 1})
		envelopes[d.Envelope.ID] = tt.name
		if tt.blob != nil {
			_, err := h.blobs.Put(ctx, tt.sig.BlobKey, bytes.NewReader(tt.blob))
			must(t, err)
		}
		sig := tt.sig
		sig.ID = "sig_fsck_" + string(rune('a'+i))
		h.writeSignature(fields["a@example.com"], &sig, false)
	}
	found := map[string][]string{}
	for _, f := range h.fsck() {
		found[envelopes[f.EnvelopeID]] = append(found[envelopes[f.EnvelopeID]], f.Message)
	}
	for _, tt := range tests {
		msgs := found[tt.name]
		switch {
		case tt.want == "" && len(msgs) > 0:
			t.Errorf("%s: findings %q, want none", tt.name, msgs)
		case tt.want != "" && (len(msgs) != 1 || !strings.Contains(msgs[0], tt.want)):
			t.Errorf("%s: findings %q, want one with %q", tt.name, msgs, tt.want)
		}
		delete(found, tt.name)
	}
	if len(found) > 0 {
		t.Errorf("other findings: %q", found)
	}
}
