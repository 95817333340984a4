package esign_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/gsign/gsign/internal/blob"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
)

// errInjected is the failure faultyBlobs injects.
var errInjected = errors.New("injected blob store failure")

// blobFault is a way a real blob store fails.
type blobFault int

const (
	faultNone       blobFault = iota
	faultDropMidway           // the connection drops after part of the upload: nothing stored
	faultLostReply            // the blob is stored but the reply is lost: Put reports an error
	faultReadBack             // the blob is stored but reading it back fails
)

// faultyBlobs is the in-memory store with one fault injected, so the
// upload path meets the failures of a real store.
type faultyBlobs struct {
	*blob.Memory
	fault blobFault
}

func (f *faultyBlobs) Put(ctx context.Context, key string, r io.Reader) (esign.BlobInfo, error) {
	switch f.fault {
	case faultDropMidway:
		return f.Memory.Put(ctx, key, io.MultiReader(io.LimitReader(r, 300), failingReader{}))
	case faultLostReply:
		if _, err := f.Memory.Put(ctx, key, r); err != nil {
			return esign.BlobInfo{}, err
		}
		return esign.BlobInfo{}, fmt.Errorf("put blob %q: %w", key, errInjected)
	}
	return f.Memory.Put(ctx, key, r)
}

func (f *faultyBlobs) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	if f.fault == faultReadBack {
		return nil, fmt.Errorf("open blob %q: %w", key, errInjected)
	}
	return f.Memory.Open(ctx, key)
}

// failingReader fails like a dropped connection.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errInjected }

// An upload whose blob fails to store, or to read back, fails as a whole:
// no document row, no audit event, and no blob left behind. Afterwards the
// envelope takes the same upload as its first document.
func TestAddDocumentBlobFailure(t *testing.T) {
	tests := []struct {
		name  string
		fault blobFault
		body  func(pdf []byte) io.Reader
	}{
		{"store drops the upload midway", faultDropMidway, bytesReader},
		{"store keeps the blob but loses the reply", faultLostReply, bytesReader},
		{"reading the blob back fails", faultReadBack, bytesReader},
		{"upload body fails midway", faultNone, func(pdf []byte) io.Reader {
			return io.MultiReader(bytes.NewReader(pdf[:len(pdf)/2]), failingReader{})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHarness(t)
			p := h.register("sender@example.com")
			d, err := h.svc.CreateEnvelope(ctx, p, esign.CreateEnvelopeInput{Name: "Lease"})
			must(t, err)
			pdf := esigntest.PDF(3, 612, 792)
			h.svc.Blobs = &faultyBlobs{Memory: h.blobs, fault: tt.fault}
			if _, err := h.svc.AddDocument(ctx, p, d.Envelope.ID, "lease.pdf", tt.body(pdf)); !errors.Is(err, errInjected) {
				t.Fatalf("AddDocument = %v, want the injected failure", err)
			}
			checkNoDocument(t, h, p, d.Envelope.ID)
			h.svc.Blobs = h.blobs
			doc, err := h.svc.AddDocument(ctx, p, d.Envelope.ID, "lease.pdf", bytes.NewReader(pdf))
			must(t, err)
			if doc.Position != 1 {
				t.Errorf("after the failed upload the next document has position %d, want 1", doc.Position)
			}
		})
	}
}

func bytesReader(pdf []byte) io.Reader { return bytes.NewReader(pdf) }

// checkNoDocument checks that the envelope has no document, no
// document_added audit event, and no blob under its documents folder.
func checkNoDocument(t *testing.T, h *harness, p *esign.Principal, envelopeID string) {
	t.Helper()
	ctx := context.Background()
	d, err := h.svc.GetEnvelope(ctx, p, envelopeID)
	must(t, err)
	if len(d.Documents) != 0 {
		t.Errorf("envelope has %d document rows after a failed upload", len(d.Documents))
	}
	rep, err := h.svc.Audit(ctx, p, envelopeID)
	must(t, err)
	for _, ev := range rep.Events {
		if ev.Type == esign.AuditDocumentAdded {
			t.Errorf("audit trail has %s after a failed upload", ev.Type)
		}
	}
	err = h.blobs.List(ctx, "documents/"+envelopeID+"/", func(info esign.BlobInfo) error {
		t.Errorf("blob %s left behind by a failed upload", info.Key)
		return nil
	})
	must(t, err)
}
